//! The open thread's state for `:state`: what the service said (the last reading) with what only this
//! console knows (who is typing now, its outbox), and that whole as JSON for `y`.

use serde_json::{Map, Value, json};

use super::state::AppState;
use crate::acs::time::format_ms;
use crate::model::thread_state::{Metadata, ThreadState};
use crate::model::{PendingSend, SendState};

/// The last reading, when it is of the open thread.
pub fn current(state: &AppState) -> Option<&ThreadState> {
    let reading = state.thread_state.as_ref()?;
    (state.open_thread.as_deref() == Some(reading.thread_id.as_str())).then_some(reading)
}

/// Who is typing in the open thread now: (raw id, name).
pub fn typing_now(state: &AppState) -> Vec<(String, String)> {
    let Some(view) = state.open_view() else {
        return Vec::new();
    };
    let mut now: Vec<(String, String)> = view
        .typing
        .iter()
        .filter(|(_, t)| t.until_ms > state.now_ms)
        .map(|(id, t)| (id.clone(), t.name.to_string()))
        .collect();
    now.sort();
    now
}

/// The console's own messages on their way into the open thread.
pub fn outbox(state: &AppState) -> &[PendingSend] {
    state.open_view().map_or(&[], |v| v.pending.as_slice())
}

/// `sending`, `sent` or `failed`, with the message id or the error.
pub fn send_state(send: &PendingSend) -> (&'static str, Option<String>, Option<String>) {
    match &send.state {
        SendState::Sending => ("sending", None, None),
        SendState::Throttled { retry_in_ms } => (
            "throttled",
            None,
            Some(format!("retrying in {} s", retry_in_ms.div_ceil(1000))),
        ),
        SendState::Retrying {
            retry_in_ms,
            reason,
        } => (
            "retrying",
            None,
            Some(format!(
                "{reason}, retrying in {} s",
                retry_in_ms.div_ceil(1000)
            )),
        ),
        SendState::Sent { message_id } => ("sent", Some(message_id.clone()), None),
        SendState::Failed { reason } => ("failed", None, Some(reason.to_string())),
    }
}

fn time(ms: Option<i64>) -> Value {
    ms.map_or(Value::Null, |ms| Value::String(format_ms(ms)))
}

fn metadata(m: &Metadata) -> Value {
    Value::Object(
        m.iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect::<Map<_, _>>(),
    )
}

/// The whole view as pretty JSON; `None` until the service has answered.
pub fn to_json(state: &AppState) -> Option<String> {
    let s = current(state)?;
    let participants: Vec<Value> = s
        .participants
        .iter()
        .map(|p| {
            json!({
                "displayName": p.name.as_str(),
                "kind": format!("{:?}", p.kind).to_lowercase(),
                "rawId": p.raw_id.as_str(),
                "shareHistoryTime": time(p.share_history_ms),
                "metadata": metadata(&p.metadata),
                "teams": p.teams.as_ref().map(|t| json!({
                    "chatEnabled": t.chat_enabled,
                    "callsEnabled": t.calls_enabled,
                    "tableRow": t.table_row,
                    "row": t.row.as_str(),
                    "reasons": t.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                })),
            })
        })
        .collect();
    let message = s.message.as_ref().map(|m| {
        json!({
            "id": m.id.as_str(),
            "version": m.version.as_str(),
            "sequenceId": m.sequence_id.as_str(),
            "type": m.kind.as_str(),
            "senderId": m.sender.as_ref().map(|s| s.as_str()),
            "senderDisplayName": m.sender_name.as_str(),
            "createdOn": time(m.created_ms),
            "editedOn": time(m.edited_ms),
            "deletedOn": time(m.deleted_ms),
            "metadata": metadata(&m.metadata),
        })
    });
    let value = json!({
        "fetchedOn": format_ms(s.fetched_ms),
        "thread": {
            "id": s.thread_id,
            "topic": s.topic.as_str(),
            "createdBy": s.created_by.as_ref().map(|c| c.as_str()),
            "createdOn": time(s.created_ms),
            "deletedOn": time(s.deleted_ms),
            "metadata": metadata(&s.metadata),
            "retentionPolicy": s.retention.as_ref().map(|r| r.as_str()),
        },
        "participants": participants,
        "readReceipts": s.receipts.iter().map(|r| json!({
            "rawId": r.reader.as_str(),
            "chatMessageId": r.message_id.as_str(),
            "readOn": time(r.read_ms),
        })).collect::<Vec<_>>(),
        "typing": typing_now(state).iter().map(|(id, name)| json!({
            "rawId": id, "displayName": name,
        })).collect::<Vec<_>>(),
        "outbox": outbox(state).iter().map(|p| {
            let (kind, message_id, error) = send_state(p);
            json!({
                "clientMessageId": p.client_id,
                "state": kind,
                "messageId": message_id,
                "error": error,
                "createdOn": format_ms(p.created_ms),
            })
        }).collect::<Vec<_>>(),
        "selectedMessage": message,
        "problems": s.problems.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&value).ok()
}
