//! `GET /emulator/attachments/{id}`: the files and images Teams users send, for the thread's participants
//! (bearer token, like chat), and only to those who can see the message that carries them (history
//! shared from `shareHistoryTime`). The emulator has no real files, so it serves a small valid stand-in.
//!
//! The links are made for whoever reads a message, from the address the request came to: the emulator
//! stores them as first made, and its address can change between runs (the console's embedded emulator
//! takes a free port each time).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::EmulatorState;
use super::auth::bearer_user;
use super::error::ApiError;
use crate::acs::chat::{ChatAttachmentType, ChatMessage};

/// Where this request reached the emulator, as `scheme://host:port/`.
pub(crate) fn request_base(state: &EmulatorState, headers: &HeaderMap) -> String {
    match headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
        Some(host) => format!("{}://{host}/", state.scheme),
        None => state.base_url.to_string(),
    }
}

/// Points the message's attachment links at `base` (`scheme://host:port/`).
pub(crate) fn rebase_links(message: &mut ChatMessage, base: &str) {
    const PATH: &str = "emulator/attachments/";
    let attachments = message
        .content
        .as_mut()
        .and_then(|c| c.attachments.as_mut());
    for attachment in attachments.into_iter().flatten() {
        for link in [&mut attachment.url, &mut attachment.preview_url]
            .into_iter()
            .flatten()
        {
            if let Some(at) = link.find(PATH) {
                *link = format!("{base}{}", &link[at..]);
            }
        }
    }
}

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

fn file_text(name: &str) -> String {
    format!(
        "acs-interop emulator: a stand-in for the file \"{name}\" that a simulated Teams user shared.\n"
    )
}

pub async fn get(
    State(state): State<EmulatorState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let user = match bearer_user(&state, &headers, None).await {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let found = state
        .store
        .run(move |db| {
            let attachment = db.attachment(&id)?;
            let member = db.membership(&attachment.thread_id, &user)?;
            // The same rule as for its message: older than the history shared with the member, it
            // does not exist for them.
            if !member.sees(attachment.created_ms) {
                return Err(ApiError::not_found(format!(
                    "There is no attachment '{id}'."
                )));
            }
            Ok(attachment)
        })
        .await;
    let attachment = match found {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let safe_name: String = attachment
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = HeaderValue::from_str(&format!("inline; filename=\"{safe_name}\""))
        .unwrap_or(HeaderValue::from_static("inline"));
    match attachment.kind {
        ChatAttachmentType::Image => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            PNG,
        )
            .into_response(),
        ChatAttachmentType::File => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                ),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            file_text(&attachment.name),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acs::chat::{ChatAttachment, ChatMessageContent, ChatMessageType};

    #[test]
    fn links_made_at_an_old_address_follow_the_current_one() {
        let attachment = ChatAttachment {
            id: "a1".into(),
            attachment_type: ChatAttachmentType::File,
            name: Some("agenda.pdf".into()),
            url: Some("http://127.0.0.1:40001/emulator/attachments/a1".into()),
            preview_url: Some("http://127.0.0.1:40001/emulator/attachments/a1?preview=true".into()),
        };
        let mut message = ChatMessage {
            id: "1".into(),
            message_type: ChatMessageType::Html,
            sequence_id: "1".into(),
            version: "1".into(),
            content: Some(ChatMessageContent {
                attachments: Some(vec![attachment]),
                ..Default::default()
            }),
            sender_display_name: None,
            created_on: "2026-11-28T05:00:00Z".into(),
            sender_communication_identifier: None,
            deleted_on: None,
            edited_on: None,
            metadata: None,
        };
        rebase_links(&mut message, "https://127.0.0.1:50002/");
        let rebased = &message.content.unwrap().attachments.unwrap()[0];
        assert_eq!(
            rebased.url.as_deref(),
            Some("https://127.0.0.1:50002/emulator/attachments/a1")
        );
        assert_eq!(
            rebased.preview_url.as_deref(),
            Some("https://127.0.0.1:50002/emulator/attachments/a1?preview=true")
        );
    }
}
