//! Send, list, read, edit and delete chat messages.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::time::Instant;

use crate::acs::chat::{
    ChatMessage, ChatMessageContent, ChatMessageType, Page, SendChatMessageRequest,
    SendChatMessageResult, UpdateChatMessageRequest, limits,
};
use crate::acs::time::now_ms;
use crate::emulator::EmulatorState;
use crate::emulator::attachments::{rebase_links, request_base};
use crate::emulator::auth::ChatUser;
use crate::emulator::error::ApiError;
use crate::emulator::extract::AcsJson;
use crate::emulator::fields::{
    check_content, check_display_name, check_merged_metadata, check_metadata,
};
use crate::emulator::paging::{next_link, page_size, start_time};
use crate::emulator::store::{MessagePageQuery, NewMessage};
use crate::emulator::throttle::Limit;

fn throttle_write(state: &EmulatorState, thread_id: &str) -> Result<(), ApiError> {
    match &state.throttle {
        Some(throttle) => throttle.check(Limit::MessageWrite, thread_id, Instant::now()),
        None => Ok(()),
    }
}

pub async fn send(
    State(state): State<EmulatorState>,
    ChatUser(user): ChatUser,
    Path(thread_id): Path<String>,
    AcsJson(request): AcsJson<SendChatMessageRequest>,
) -> Result<Response, ApiError> {
    check_content(&request.content)?;
    check_display_name("senderDisplayName", request.sender_display_name.as_deref())?;
    check_metadata(
        "metadata",
        request.metadata.as_ref(),
        limits::MAX_MESSAGE_METADATA_BYTES,
    )?;
    let message_type = request.message_type.unwrap_or(ChatMessageType::Text);
    if message_type.is_system() {
        return Err(ApiError::invalid_field(
            "type",
            format!(
                "Only 'text' and 'html' messages can be sent; '{}' is a system message type.",
                message_type.as_str()
            ),
        ));
    }
    throttle_write(&state, &thread_id)?;
    let trigger = crate::emulator::tenant::personas::Trigger {
        thread_id: thread_id.clone(),
        text: request.content.clone(),
    };
    let (id, teams_present) = state
        .store
        .run(move |db| {
            db.membership(&thread_id, &user)?;
            let sender_name = match request.sender_display_name {
                Some(name) => Some(name),
                None => Some(db.actor(&thread_id, &user)?.display_name).filter(|n| !n.is_empty()),
            };
            let stored = db.append_message(
                &thread_id,
                NewMessage {
                    message_type,
                    sender: Some(user),
                    sender_name,
                    content: ChatMessageContent {
                        message: Some(request.content),
                        ..Default::default()
                    },
                    metadata: request.metadata,
                },
                now_ms(),
            )?;
            Ok((stored.id, db.has_teams_participants(&thread_id)?))
        })
        .await?;
    // Only threads with Teams users can have personas to answer.
    if teams_present {
        state.personas.trigger(trigger);
    }
    let body = SendChatMessageResult { id: id.to_string() };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(rename = "maxPageSize")]
    max_page_size: Option<i64>,
    #[serde(rename = "startTime")]
    start_time: Option<String>,
    #[serde(rename = "continuationToken")]
    continuation: Option<String>,
}

pub async fn list(
    State(state): State<EmulatorState>,
    ChatUser(user): ChatUser,
    Path(thread_id): Path<String>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Json<Page<ChatMessage>>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let max = page_size(query.max_page_size, 100, limits::MAX_MESSAGE_PAGE)?;
    let before_seq = match query.continuation.as_deref() {
        None => None,
        Some(t) => Some(t.parse::<i64>().map_err(|_| {
            ApiError::invalid_field("continuationToken", "The continuation token is not valid.")
        })?),
    };
    let page_query = MessagePageQuery {
        before_seq,
        start_ms: start_time(query.start_time.as_deref())?,
        max,
    };
    let mut rows = state
        .store
        .run(move |db| {
            let member = db.membership(&thread_id, &user)?;
            db.messages_page(&thread_id, member.visible_from_ms, page_query)
        })
        .await?;
    let next = if rows.len() > max {
        rows.truncate(max);
        rows.last().map(|m| {
            next_link(
                state.scheme,
                &headers,
                &uri,
                &[("continuationToken", m.seq.to_string())],
            )
        })
    } else {
        None
    };
    let base = request_base(&state, &headers);
    Ok(Json(Page {
        value: rows
            .iter()
            .map(|m| {
                let mut message = m.to_wire();
                rebase_links(&mut message, &base);
                message
            })
            .collect(),
        next_link: next,
    }))
}

pub async fn get(
    State(state): State<EmulatorState>,
    ChatUser(user): ChatUser,
    Path((thread_id, message_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<ChatMessage>, ApiError> {
    let base = request_base(&state, &headers);
    let message = state
        .store
        .run(move |db| {
            let member = db.membership(&thread_id, &user)?;
            let message = db.message(&thread_id, &message_id)?;
            if !member.sees(message.created_ms) {
                return Err(ApiError::not_found(format!(
                    "The message '{message_id}' does not exist in this thread."
                )));
            }
            Ok(message)
        })
        .await?;
    let mut message = message.to_wire();
    rebase_links(&mut message, &base);
    Ok(Json(message))
}

pub async fn update(
    State(state): State<EmulatorState>,
    ChatUser(user): ChatUser,
    Path((thread_id, message_id)): Path<(String, String)>,
    AcsJson(request): AcsJson<UpdateChatMessageRequest>,
) -> Result<StatusCode, ApiError> {
    if let Some(content) = &request.content {
        check_content(content)?;
    }
    check_metadata(
        "metadata",
        request.metadata.as_ref(),
        limits::MAX_MESSAGE_METADATA_BYTES,
    )?;
    throttle_write(&state, &thread_id)?;
    state
        .store
        .run(move |db| {
            db.membership(&thread_id, &user)?;
            let message = db.message(&thread_id, &message_id)?;
            if message.message_type.is_system() || message.sender.as_deref() != Some(user.as_str())
            {
                return Err(ApiError::forbidden(
                    "Only the sender of a message can edit it.",
                ));
            }
            if message.deleted_ms.is_some() {
                return Err(ApiError::not_found(format!(
                    "The message '{message_id}' was deleted."
                )));
            }
            check_merged_metadata(
                "metadata",
                message.metadata.as_ref(),
                request.metadata.as_ref(),
                limits::MAX_MESSAGE_METADATA_BYTES,
            )?;
            db.edit_message(
                &thread_id,
                message,
                request.content,
                request.metadata,
                now_ms(),
            )?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(
    State(state): State<EmulatorState>,
    ChatUser(user): ChatUser,
    Path((thread_id, message_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    throttle_write(&state, &thread_id)?;
    state
        .store
        .run(move |db| {
            db.membership(&thread_id, &user)?;
            let message = db.message(&thread_id, &message_id)?;
            if message.message_type.is_system() || message.sender.as_deref() != Some(user.as_str())
            {
                return Err(ApiError::forbidden(
                    "Only the sender of a message can delete it.",
                ));
            }
            if message.deleted_ms.is_none() {
                db.delete_message(&thread_id, message, now_ms())?;
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
