//! Changing calls: every change is one storage job that reads the call, changes it, keeps it and queues
//! its events, so the events leave only after the change is on disk and in the order of the changes.
//! Requests with a `Repeatability-Request-ID` get the first answer again instead of a second change.

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::events::Outgoing;
use super::model::Call;
use crate::acs::time::now_ms;
use crate::emulator::EmulatorState;
use crate::emulator::error::ApiError;
use crate::emulator::store::{Db, RememberedAnswer};

/// A success answer: a status and, where the spec has a schema, a JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Option<serde_json::Value>,
}

impl Answer {
    pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Result<Answer, ApiError> {
        let body = serde_json::to_value(body)
            .map_err(|e| ApiError::internal(format!("cannot encode the answer: {e}")))?;
        Ok(Answer {
            status,
            body: Some(body),
        })
    }

    pub fn empty(status: StatusCode) -> Answer {
        Answer { status, body: None }
    }

    fn remembered(&self) -> RememberedAnswer {
        RememberedAnswer {
            status: self.status.as_u16(),
            body: self.body.as_ref().map(|b| b.to_string()),
        }
    }

    fn from_remembered(r: RememberedAnswer) -> Answer {
        Answer {
            status: StatusCode::from_u16(r.status).unwrap_or(StatusCode::OK),
            body: r.body.and_then(|b| serde_json::from_str(&b).ok()),
        }
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        match self.body {
            Some(body) => (self.status, Json(body)).into_response(),
            None => self.status.into_response(),
        }
    }
}

/// A request's `Repeatability-Request-ID`, with the operation it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeat {
    pub request_id: String,
    pub operation: String,
}

/// Reads `Repeatability-Request-ID` (a UUID, as the SDKs send) for `operation`.
pub fn repeat_of(headers: &HeaderMap, operation: String) -> Result<Option<Repeat>, ApiError> {
    let Some(value) = headers.get("repeatability-request-id") else {
        return Ok(None);
    };
    let id = value.to_str().unwrap_or_default().trim();
    if id.is_empty() || id.len() > 128 || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(ApiError::invalid_field(
            "Repeatability-Request-ID",
            "The Repeatability-Request-ID header must be a UUID.",
        ));
    }
    Ok(Some(Repeat {
        request_id: id.to_ascii_lowercase(),
        operation,
    }))
}

/// Queues the events of a change for delivery after the commit.
pub fn queue(db: &mut Db, call: &Call, events: Vec<Outgoing>) -> Result<(), ApiError> {
    for outgoing in events {
        let body = serde_json::to_string(&[&outgoing.event])
            .map_err(|e| ApiError::internal(format!("cannot encode an event: {e}")))?;
        db.deliver_callback(&call.id, &outgoing.url, body);
    }
    Ok(())
}

/// Keeps a changed call and queues its events; returns the time it was kept.
fn keep(db: &mut Db, call: &mut Call, events: Vec<Outgoing>) -> Result<i64, ApiError> {
    let now = now_ms();
    if call.phase == super::model::Phase::Disconnected && call.ended_ms.is_none() {
        call.ended_ms = Some(now);
    }
    db.save_call(call, now)?;
    queue(db, call, events)?;
    Ok(now)
}

/// Changes the live call `call_id` with `f`, which may queue events; answers as `f` says, with `true`.
/// With a repeatability id seen before, answers as the first time, with `false`, and changes nothing.
pub async fn change<F>(
    state: &EmulatorState,
    call_id: &str,
    repeat: Option<Repeat>,
    f: F,
) -> Result<(Answer, bool), ApiError>
where
    F: FnOnce(&mut Call, &mut Vec<Outgoing>, &mut Db) -> Result<Answer, ApiError> + Send + 'static,
{
    let call_id = call_id.to_string();
    state
        .store
        .run(move |db| {
            if let Some(r) = &repeat
                && let Some(answer) = db.remembered_answer(&r.request_id, &r.operation)?
            {
                return Ok((Answer::from_remembered(answer), false));
            }
            let mut call = db.live_call(&call_id)?;
            let mut events = Vec::new();
            let answer = f(&mut call, &mut events, db)?;
            let now = keep(db, &mut call, events)?;
            if let Some(r) = &repeat {
                db.remember_answer(&r.request_id, &r.operation, &answer.remembered(), now)?;
            }
            Ok((answer, true))
        })
        .await
}

/// Like [`change`], for changes made by the emulator itself (the far end, timers): no answer, and a
/// call that has ended meanwhile is left alone (`Ok(false)`).
pub async fn change_quietly<F>(state: &EmulatorState, call_id: &str, f: F) -> Result<bool, ApiError>
where
    F: FnOnce(&mut Call, &mut Vec<Outgoing>, &mut Db) -> Result<bool, ApiError> + Send + 'static,
{
    let call_id = call_id.to_string();
    state
        .store
        .run(move |db| {
            let Some(mut call) = db.any_call(&call_id)? else {
                return Ok(false);
            };
            if !call.is_live() {
                return Ok(false);
            }
            let mut events = Vec::new();
            if !f(&mut call, &mut events, db)? {
                return Ok(false);
            }
            keep(db, &mut call, events)?;
            Ok(true)
        })
        .await
}

/// Creates a call (`true`), or answers a repeated create as the first time (`false`).
pub async fn create<F>(
    state: &EmulatorState,
    repeat: Option<Repeat>,
    call: Call,
    f: F,
) -> Result<(Answer, bool), ApiError>
where
    F: FnOnce(&Call, &mut Db) -> Result<(), ApiError> + Send + 'static,
{
    state
        .store
        .run(move |db| {
            if let Some(r) = &repeat
                && let Some(answer) = db.remembered_answer(&r.request_id, &r.operation)?
            {
                return Ok((Answer::from_remembered(answer), false));
            }
            f(&call, db)?;
            let now = now_ms();
            db.insert_call(&call, now)?;
            let answer = Answer::json(StatusCode::CREATED, &call.properties())?;
            if let Some(r) = &repeat {
                db.remember_answer(&r.request_id, &r.operation, &answer.remembered(), now)?;
            }
            Ok((answer, true))
        })
        .await
}
