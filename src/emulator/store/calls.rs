//! Calls: one row per call connection holding the call as JSON, a recording → call index, and the
//! answers to requests that carried a `Repeatability-Request-ID`.

use rusqlite::{OptionalExtension, params};
use std::sync::Arc;

use super::{Db, PendingCallback};
use crate::emulator::calling::model::Call;
use crate::emulator::error::ApiError;

/// How long a repeatability id is remembered.
const REPEAT_KEEP_MS: i64 = 24 * 60 * 60 * 1000;

/// The answer remembered for a repeated request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RememberedAnswer {
    pub status: u16,
    pub body: Option<String>,
}

fn encode(call: &Call) -> Result<String, ApiError> {
    serde_json::to_string(call)
        .map_err(|e| ApiError::internal(format!("cannot encode a call: {e}")))
}

fn decode(text: &str) -> Result<Call, ApiError> {
    serde_json::from_str(text)
        .map_err(|e| ApiError::internal(format!("a stored call cannot be read: {e}")))
}

fn unknown_call(id: &str) -> ApiError {
    ApiError::not_found(format!(
        "Call not found: there is no live call connection '{id}' (it ended, or never existed)."
    ))
}

impl Db {
    pub fn insert_call(&mut self, call: &Call, now_ms: i64) -> Result<(), ApiError> {
        self.conn
            .prepare_cached(
                "INSERT INTO calls (id, server_call_id, live, record, created_ms, updated_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            )?
            .execute(params![
                call.id,
                call.server_call_id,
                call.is_live(),
                encode(call)?,
                now_ms
            ])?;
        Ok(())
    }

    pub fn save_call(&mut self, call: &Call, now_ms: i64) -> Result<(), ApiError> {
        self.conn
            .prepare_cached(
                "UPDATE calls SET live = ?2, record = ?3, updated_ms = ?4 WHERE id = ?1",
            )?
            .execute(params![call.id, call.is_live(), encode(call)?, now_ms])?;
        Ok(())
    }

    /// A call, live or ended; `None` when the id was never issued.
    pub fn any_call(&self, id: &str) -> Result<Option<Call>, ApiError> {
        let record: Option<String> = self
            .conn
            .prepare_cached("SELECT record FROM calls WHERE id = ?1")?
            .query_row(params![id], |r| r.get(0))
            .optional()?;
        record.as_deref().map(decode).transpose()
    }

    /// A live call, or the service's 404 for an unknown or ended one.
    pub fn live_call(&self, id: &str) -> Result<Call, ApiError> {
        match self.any_call(id)? {
            Some(call) if call.is_live() => Ok(call),
            _ => Err(unknown_call(id)),
        }
    }

    /// A live call by its server call id (recording requests locate calls so).
    pub fn live_call_by_server_id(&self, server_call_id: &str) -> Result<Call, ApiError> {
        let record: Option<String> = self
            .conn
            .prepare_cached("SELECT record FROM calls WHERE server_call_id = ?1 AND live = 1")?
            .query_row(params![server_call_id], |r| r.get(0))
            .optional()?;
        match record {
            Some(text) => decode(&text),
            None => Err(unknown_call(server_call_id)),
        }
    }

    /// Every live call, oldest first.
    pub fn live_calls(&self) -> Result<Vec<Call>, ApiError> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT record FROM calls WHERE live = 1 ORDER BY created_ms")?;
        let records = statement
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        records.iter().map(|t| decode(t)).collect()
    }

    pub fn index_recording(&mut self, recording_id: &str, call_id: &str) -> Result<(), ApiError> {
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO call_recordings (recording_id, call_id) VALUES (?1, ?2)",
            )?
            .execute(params![recording_id, call_id])?;
        Ok(())
    }

    /// The call a recording belongs to.
    pub fn call_of_recording(&self, recording_id: &str) -> Result<Option<Call>, ApiError> {
        let call_id: Option<String> = self
            .conn
            .prepare_cached("SELECT call_id FROM call_recordings WHERE recording_id = ?1")?
            .query_row(params![recording_id], |r| r.get(0))
            .optional()?;
        match call_id {
            Some(id) => self.any_call(&id),
            None => Ok(None),
        }
    }

    /// The answer already given to this repeatability id for this operation.
    pub fn remembered_answer(
        &self,
        request_id: &str,
        operation: &str,
    ) -> Result<Option<RememberedAnswer>, ApiError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT status, body FROM call_requests WHERE request_id = ?1 AND operation = ?2",
            )?
            .query_row(params![request_id, operation], |r| {
                Ok(RememberedAnswer {
                    status: r.get::<_, i64>(0)? as u16,
                    body: r.get(1)?,
                })
            })
            .optional()?)
    }

    pub fn remember_answer(
        &mut self,
        request_id: &str,
        operation: &str,
        answer: &RememberedAnswer,
        now_ms: i64,
    ) -> Result<(), ApiError> {
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO call_requests (request_id, operation, status, body, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![request_id, operation, answer.status, answer.body, now_ms])?;
        self.conn
            .prepare_cached("DELETE FROM call_requests WHERE created_ms < ?1")?
            .execute(params![now_ms - REPEAT_KEEP_MS])?;
        Ok(())
    }

    /// Queues a callback POST; it is handed to the delivery task once the batch commits.
    pub fn deliver_callback(&mut self, call_id: &str, url: &str, body: String) {
        self.pending_callbacks.push(PendingCallback {
            call_id: call_id.to_string(),
            url: url.to_string(),
            body: Arc::from(body),
        });
    }
}
