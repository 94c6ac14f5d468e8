//! Create, list, read, update and delete chat threads.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::participants::{admissible, validate_participants};
use crate::acs::chat::{
    ChatThreadItem, ChatThreadProperties, CreateChatThreadRequest, CreateChatThreadResult, Page,
    UpdateChatThreadRequest, limits,
};
use crate::acs::time::now_ms;
use crate::emulator::EmulatorState;
use crate::emulator::auth::{ChatUser, ThreadManager};
use crate::emulator::error::ApiError;
use crate::emulator::extract::AcsJson;
use crate::emulator::fields::{check_merged_metadata, check_metadata, check_topic};
use crate::emulator::paging::{next_link, page_size, start_time};
use crate::emulator::store::{NewParticipant, ThreadPageQuery, ThreadRow};

pub async fn create(
    State(state): State<EmulatorState>,
    ThreadManager(user): ThreadManager,
    headers: HeaderMap,
    AcsJson(request): AcsJson<CreateChatThreadRequest>,
) -> Result<Response, ApiError> {
    check_topic(&request.topic)?;
    check_metadata(
        "metadata",
        request.metadata.as_ref(),
        limits::MAX_THREAD_METADATA_BYTES,
    )?;
    let participants = validate_participants(request.participants.as_deref().unwrap_or_default())?;
    let repeatability = headers
        .get("repeatability-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let resource_id = state.resource_id.clone();
    let tenant = state.tenant.snapshot();
    let body = state
        .store
        .run(move |db| {
            if let Some(id) = &repeatability
                && let Some(stored) = db.repeated_create(id, &user)?
            {
                return Ok(stored);
            }
            let now = now_ms();
            let (mut ok, refused) = admissible(db, &resource_id, &tenant, participants)?;
            if !ok.iter().any(|p| p.raw_id == user) {
                ok.insert(
                    0,
                    NewParticipant {
                        raw_id: user.clone(),
                        display_name: None,
                        share_history_ms: None,
                        metadata: None,
                    },
                );
            }
            let thread = ThreadRow {
                id: crate::ids::thread_id(),
                topic: request.topic,
                created_ms: now,
                created_by: user.clone(),
                deleted_ms: None,
                metadata: request.metadata,
                retention: request.retention_policy,
            };
            db.insert_thread(&thread)?;
            db.add_participants(&thread.id, ok, &user, now)?;
            db.announce_thread(&thread, now)?;
            let result = CreateChatThreadResult {
                chat_thread: Some(thread.properties()),
                invalid_participants: (!refused.is_empty()).then_some(refused),
            };
            let body =
                serde_json::to_string(&result).map_err(|e| ApiError::internal(e.to_string()))?;
            if let Some(id) = &repeatability {
                db.remember_create(id, &user, &body, now)?;
            }
            Ok(body)
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
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

fn parse_thread_continuation(token: &str) -> Result<(i64, String), ApiError> {
    token
        .split_once('_')
        .and_then(|(ms, id)| Some((ms.parse().ok()?, id.to_string())))
        .ok_or_else(|| {
            ApiError::invalid_field("continuationToken", "The continuation token is not valid.")
        })
}

pub async fn list(
    State(state): State<EmulatorState>,
    ChatUser(user): ChatUser,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Json<Page<ChatThreadItem>>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let max = page_size(query.max_page_size, 100, 200)?;
    let page_query = ThreadPageQuery {
        after: query
            .continuation
            .as_deref()
            .map(parse_thread_continuation)
            .transpose()?,
        start_ms: start_time(query.start_time.as_deref())?,
        max,
    };
    let mut rows = state
        .store
        .run(move |db| db.threads_page(&user, &page_query))
        .await?;
    let next = if rows.len() > max {
        rows.truncate(max);
        rows.last().map(|(item, activity)| {
            next_link(
                state.scheme,
                &headers,
                &uri,
                &[("continuationToken", format!("{activity}_{}", item.id))],
            )
        })
    } else {
        None
    };
    Ok(Json(Page {
        value: rows.into_iter().map(|(item, _)| item).collect(),
        next_link: next,
    }))
}

pub async fn get(
    State(state): State<EmulatorState>,
    ChatUser(user): ChatUser,
    Path(thread_id): Path<String>,
) -> Result<Json<ChatThreadProperties>, ApiError> {
    let thread = state
        .store
        .run(move |db| {
            db.membership(&thread_id, &user)?;
            db.thread(&thread_id)
        })
        .await?;
    Ok(Json(thread.properties()))
}

pub async fn update(
    State(state): State<EmulatorState>,
    ThreadManager(user): ThreadManager,
    Path(thread_id): Path<String>,
    AcsJson(request): AcsJson<UpdateChatThreadRequest>,
) -> Result<StatusCode, ApiError> {
    if let Some(topic) = &request.topic {
        check_topic(topic)?;
    }
    check_metadata(
        "metadata",
        request.metadata.as_ref(),
        limits::MAX_THREAD_METADATA_BYTES,
    )?;
    state
        .store
        .run(move |db| {
            db.membership(&thread_id, &user)?;
            let thread = db.thread(&thread_id)?;
            check_merged_metadata(
                "metadata",
                thread.metadata.as_ref(),
                request.metadata.as_ref(),
                limits::MAX_THREAD_METADATA_BYTES,
            )?;
            db.update_thread(
                thread,
                request.topic,
                request.metadata,
                request.retention_policy,
                &user,
                now_ms(),
            )
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(
    State(state): State<EmulatorState>,
    ThreadManager(user): ThreadManager,
    Path(thread_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .run(move |db| {
            let Some(thread) = db.thread_including_deleted(&thread_id)? else {
                return Err(ApiError::not_found(format!(
                    "The chat thread '{thread_id}' does not exist."
                )));
            };
            if !db.is_participant(&thread_id, &user)? {
                return Err(ApiError::forbidden(format!(
                    "'{user}' is not a participant of the chat thread '{thread_id}'."
                )));
            }
            // Deleting twice is not an error: the thread is gone either way.
            if thread.deleted_ms.is_none() {
                db.delete_thread(&thread, &user, now_ms())?;
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
