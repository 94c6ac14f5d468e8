//! `chat send`: one message, as the console's identity (or, with `--user-id ... --act`, another).

use super::ChatError;
use super::json;
use super::out::Out;
use crate::acs::chat::{ChatMessageType, SendChatMessageRequest};
use crate::acs::thread_id::ThreadId;
use crate::backend::session::Session;

pub async fn send(
    session: &Session,
    out: &mut Out,
    thread: &ThreadId,
    text: String,
    html: bool,
) -> Result<(), ChatError> {
    let request = SendChatMessageRequest {
        content: text,
        sender_display_name: Some(session.my_name.clone()),
        message_type: Some(if html {
            ChatMessageType::Html
        } else {
            ChatMessageType::Text
        }),
        metadata: None,
    };
    let id = session.chat.send_message(thread.as_str(), request).await?;
    if out.json() {
        out.document(&json::Sent { id: &id })?;
    } else {
        out.line(&format!(
            "Sent message {} to {}",
            crate::text::sanitize_line(&id),
            thread
        ))?;
    }
    Ok(())
}
