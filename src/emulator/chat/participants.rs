//! Participants, typing notifications and read receipts.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::time::Instant;

use crate::acs::CommunicationError;
use crate::acs::chat::{
    AddChatParticipantsRequest, AddChatParticipantsResult, ChatParticipant, Page,
    SendReadReceiptRequest, SendTypingNotificationRequest, limits,
};
use crate::acs::identifier::{CommunicationIdentifier, CommunicationIdentifierModel};
use crate::acs::time::{now_ms, parse_rfc3339_ms};
use crate::emulator::EmulatorState;
use crate::emulator::auth::{ChatCaller, ChatOperation, ChatUser};
use crate::emulator::error::ApiError;
use crate::emulator::extract::{AcsJson, OptionalAcsJson, parse_json};
use crate::emulator::fields::{check_display_name, check_metadata};
use crate::emulator::paging::{next_link, page_size};
use crate::emulator::store::{Db, NewParticipant};
use crate::emulator::tenant::seed::Seed;
use crate::emulator::tenant::verdict_for;
use crate::emulator::throttle::Limit;

/// Checks a request's participants: identifiers, history times and the batch limit.
pub fn validate_participants(
    participants: &[ChatParticipant],
) -> Result<Vec<NewParticipant>, ApiError> {
    if participants.len() > limits::MAX_PARTICIPANTS_PER_BATCH {
        return Err(ApiError::invalid_field(
            "participants",
            format!(
                "At most {} participants can be added at once; the request has {}.",
                limits::MAX_PARTICIPANTS_PER_BATCH,
                participants.len()
            ),
        ));
    }
    participants
        .iter()
        .enumerate()
        .map(|(i, p)| {
            check_display_name(
                &format!("participants[{i}].displayName"),
                p.display_name.as_deref(),
            )?;
            check_metadata(
                &format!("participants[{i}].metadata"),
                p.metadata.as_ref(),
                limits::MAX_PARTICIPANT_METADATA_BYTES,
            )?;
            let identifier = p.communication_identifier.resolve().map_err(|e| {
                ApiError::invalid_field(
                    &format!("participants[{i}].communicationIdentifier"),
                    format!("participants[{i}].communicationIdentifier: {e}."),
                )
            })?;
            let share_history_ms = match &p.share_history_time {
                None => None,
                Some(t) => Some(parse_rfc3339_ms(t).ok_or_else(|| {
                    ApiError::invalid_field(
                        &format!("participants[{i}].shareHistoryTime"),
                        format!(
                            "participants[{i}].shareHistoryTime '{t}' is not an RFC 3339 date-time."
                        ),
                    )
                })?),
            };
            Ok(NewParticipant {
                raw_id: identifier.raw_id().to_string(),
                display_name: p.display_name.clone(),
                share_history_ms,
                metadata: p.metadata.clone(),
            })
        })
        .collect()
}

fn invalid(target: &str, code: &str, message: &str) -> CommunicationError {
    CommunicationError::new(code, message).with_target(target)
}

/// Splits participants into those who can join and the `invalidParticipants` entries for the rest.
pub fn admissible(
    db: &Db,
    resource_id: &str,
    tenant: &Seed,
    participants: Vec<NewParticipant>,
) -> Result<(Vec<NewParticipant>, Vec<CommunicationError>), ApiError> {
    let mut ok = Vec::new();
    let mut refused = Vec::new();
    for p in participants {
        match CommunicationIdentifier::from_raw_id(&p.raw_id) {
            CommunicationIdentifier::CommunicationUser { id } => {
                let own_resource = id
                    .split_once(':')
                    .and_then(|(_, rest)| rest.split_once(':'))
                    .is_some_and(|(_, suffix)| suffix.starts_with(&format!("{resource_id}_")));
                if !own_resource {
                    refused.push(invalid(&p.raw_id, "403", "Permissions check failed"));
                } else if db.active_identity(&id).is_err() {
                    refused.push(invalid(&p.raw_id, "404", "Not found"));
                } else {
                    ok.push(p);
                }
            }
            CommunicationIdentifier::MicrosoftTeamsUser { user_id, .. } => {
                match tenant.user(&user_id) {
                    None => refused.push(invalid(&p.raw_id, "404", "Not found")),
                    Some(user) => {
                        let verdict = verdict_for(tenant, user, resource_id);
                        if verdict.chat_enabled {
                            ok.push(p);
                        } else {
                            // The service says only this; the details say why, as the doctor would.
                            let mut error = invalid(&p.raw_id, "403", "Permissions check failed");
                            error.details = verdict
                                .reasons
                                .iter()
                                .map(|r| CommunicationError::new("InteropDisabled", r.to_string()))
                                .collect();
                            refused.push(error);
                        }
                    }
                }
            }
            CommunicationIdentifier::MicrosoftTeamsApp { app_id, .. } => {
                if tenant
                    .apps
                    .iter()
                    .any(|a| a.app_id.eq_ignore_ascii_case(&app_id))
                {
                    ok.push(p);
                } else {
                    refused.push(invalid(&p.raw_id, "404", "Not found"));
                }
            }
            _ => refused.push(invalid(
                &p.raw_id,
                "400",
                "This kind of identifier cannot take part in a chat thread.",
            )),
        }
    }
    Ok((ok, refused))
}

#[derive(Debug, Deserialize)]
pub struct SkipQuery {
    #[serde(rename = "maxPageSize")]
    max_page_size: Option<i64>,
    skip: Option<i64>,
}

fn skip_of(query: &SkipQuery) -> Result<usize, ApiError> {
    match query.skip {
        None => Ok(0),
        Some(n) if n >= 0 => Ok(n as usize),
        Some(n) => Err(ApiError::invalid_field(
            "skip",
            format!("skip must not be negative; it was {n}."),
        )),
    }
}

/// The `skip`/`maxPageSize` paging that participants and read receipts share: a member's page, with a
/// `nextLink` when more follow.
struct SkipPage {
    thread_id: String,
    user: String,
    skip: usize,
    max: usize,
}

impl SkipPage {
    fn new(
        thread_id: String,
        user: String,
        query: Result<Query<SkipQuery>, axum::extract::rejection::QueryRejection>,
    ) -> Result<SkipPage, ApiError> {
        let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
        let max = page_size(
            query.max_page_size,
            100,
            limits::MAX_PARTICIPANTS_PER_THREAD,
        )?;
        let skip = skip_of(&query)?;
        Ok(SkipPage {
            thread_id,
            user,
            skip,
            max,
        })
    }

    async fn fetch<T: Send + 'static>(
        self,
        state: &EmulatorState,
        headers: &HeaderMap,
        uri: &Uri,
        read: impl FnOnce(&Db, &str, usize, usize) -> Result<Vec<T>, ApiError> + Send + 'static,
    ) -> Result<Json<Page<T>>, ApiError> {
        let SkipPage {
            thread_id,
            user,
            skip,
            max,
        } = self;
        let mut value = state
            .store
            .run(move |db| {
                db.membership(&thread_id, &user)?;
                read(db, &thread_id, skip, max)
            })
            .await?;
        let next = (value.len() > max).then(|| {
            value.truncate(max);
            next_link(
                state.scheme,
                headers,
                uri,
                &[("skip", (skip + max).to_string())],
            )
        });
        Ok(Json(Page {
            value,
            next_link: next,
        }))
    }
}

pub async fn list(
    State(state): State<EmulatorState>,
    ChatUser(user): ChatUser,
    Path(thread_id): Path<String>,
    query: Result<Query<SkipQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Json<Page<ChatParticipant>>, ApiError> {
    SkipPage::new(thread_id, user, query)?
        .fetch(&state, &headers, &uri, |db, thread, skip, max| {
            db.participants_page(thread, skip, max)
        })
        .await
}

/// `POST .../participants/:add` and `.../participants/:remove`.
pub async fn action(
    State(state): State<EmulatorState>,
    caller: ChatCaller,
    Path((thread_id, action)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    match action.as_str() {
        ":add" => caller.require(ChatOperation::AddParticipants)?,
        ":remove" => caller.require(ChatOperation::RemoveParticipant)?,
        _ => {}
    }
    let user = caller.user;
    if body.iter().all(u8::is_ascii_whitespace) && (action == ":add" || action == ":remove") {
        return Err(ApiError::bad_request("The request body is missing."));
    }
    match action.as_str() {
        ":add" => {
            let request: AddChatParticipantsRequest = parse_json(&body)?;
            let participants = validate_participants(&request.participants)?;
            let resource_id = state.resource_id.clone();
            let tenant = state.tenant.snapshot();
            let refused = state
                .store
                .run(move |db| {
                    db.membership(&thread_id, &user)?;
                    let (ok, refused) = admissible(db, &resource_id, &tenant, participants)?;
                    let new = ok
                        .iter()
                        .filter(|p| !db.is_participant(&thread_id, &p.raw_id).unwrap_or(true))
                        .count();
                    if db.participant_count(&thread_id)? + new > limits::MAX_PARTICIPANTS_PER_THREAD
                    {
                        return Err(ApiError::invalid_field(
                            "participants",
                            format!(
                                "A thread holds at most {} participants.",
                                limits::MAX_PARTICIPANTS_PER_THREAD
                            ),
                        ));
                    }
                    db.add_participants(&thread_id, ok, &user, now_ms())?;
                    Ok(refused)
                })
                .await?;
            let body = AddChatParticipantsResult {
                invalid_participants: (!refused.is_empty()).then_some(refused),
            };
            Ok((StatusCode::CREATED, Json(body)).into_response())
        }
        ":remove" => {
            let model: CommunicationIdentifierModel = parse_json(&body)?;
            let identifier = model
                .resolve()
                .map_err(|e| ApiError::bad_request(format!("The participant to remove: {e}.")))?;
            let raw = identifier.raw_id().to_string();
            state
                .store
                .run(move |db| {
                    db.membership(&thread_id, &user)?;
                    db.remove_participant(&thread_id, &raw, &user, now_ms())
                })
                .await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        other => Err(ApiError::not_found(format!(
            "There is no participants operation '{other}'."
        ))),
    }
}

pub async fn typing(
    State(state): State<EmulatorState>,
    ChatUser(user): ChatUser,
    Path(thread_id): Path<String>,
    OptionalAcsJson(request): OptionalAcsJson<SendTypingNotificationRequest>,
) -> Result<StatusCode, ApiError> {
    check_display_name("senderDisplayName", request.sender_display_name.as_deref())?;
    if let Some(throttle) = &state.throttle {
        throttle.check(
            Limit::Typing,
            &format!("{thread_id} {user}"),
            Instant::now(),
        )?;
    }
    state
        .store
        .run(move |db| {
            db.membership(&thread_id, &user)?;
            db.send_typing(&thread_id, &user, request.sender_display_name, now_ms())
        })
        .await?;
    Ok(StatusCode::OK)
}

pub async fn send_read_receipt(
    State(state): State<EmulatorState>,
    ChatUser(user): ChatUser,
    Path(thread_id): Path<String>,
    AcsJson(request): AcsJson<SendReadReceiptRequest>,
) -> Result<StatusCode, ApiError> {
    if let Some(throttle) = &state.throttle {
        throttle.check(
            Limit::ReadReceipt,
            &format!("{thread_id} {user}"),
            Instant::now(),
        )?;
    }
    state
        .store
        .run(move |db| {
            db.membership(&thread_id, &user)?;
            let message = db.message(&thread_id, &request.chat_message_id)?;
            db.send_read_receipt(&thread_id, &user, message.id, now_ms())
        })
        .await?;
    Ok(StatusCode::OK)
}

pub async fn list_read_receipts(
    State(state): State<EmulatorState>,
    ChatUser(user): ChatUser,
    Path(thread_id): Path<String>,
    query: Result<Query<SkipQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Json<Page<crate::acs::chat::ChatMessageReadReceipt>>, ApiError> {
    SkipPage::new(thread_id, user, query)?
        .fetch(&state, &headers, &uri, |db, thread, skip, max| {
            db.read_receipts_page(thread, skip, max)
        })
        .await
}
