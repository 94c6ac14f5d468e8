//! `:state`: reads a thread as the service holds it now (properties, participants, receipts, the
//! selected message) and, on the emulator, the doctor's verdict for each Teams participant. A part
//! the service refuses is named with why; the rest still shows.

use serde_json::Value;

use super::convert::raw_id_of;
use super::{BackendEvent, Ctx};
use crate::acs::chat::Metadata as WireMetadata;
use crate::acs::time::parse_rfc3339_ms;
use crate::model::thread_state::{
    MessageState, Metadata, ParticipantState, ReceiptState, TeamsVerdict, ThreadState,
};
use crate::model::{PersonKind, SafeText};

/// How many Teams verdicts are asked for at once.
const VERDICTS_AT_ONCE: usize = 4;

pub async fn fetch(ctx: &Ctx, thread_id: &str, message_id: Option<&str>) {
    let chat = &ctx.chat;
    let message = async {
        match message_id {
            Some(id) => Some(chat.get_message(thread_id, id).await),
            None => None,
        }
    };
    let (properties, participants, receipts, message) = tokio::join!(
        chat.get_thread(thread_id),
        chat.list_participants(thread_id),
        chat.list_read_receipts(thread_id),
        message,
    );
    let mut state = ThreadState {
        thread_id: thread_id.to_string(),
        fetched_ms: crate::acs::time::now_ms(),
        ..ThreadState::default()
    };
    let mut problem = |part: &str, e: &crate::client::ClientError| {
        let id = e
            .request_id()
            .map(|id| format!(" (request id {id})"))
            .unwrap_or_default();
        state
            .problems
            .push(SafeText::new(&format!("{part}: {e}{id}")));
    };
    match properties {
        Ok(p) => {
            state.topic = SafeText::new(&p.topic);
            state.created_by =
                raw_id_of(&p.created_by_communication_identifier).map(|id| SafeText::new(&id));
            state.created_ms = parse_rfc3339_ms(&p.created_on);
            state.deleted_ms = p.deleted_on.as_deref().and_then(parse_rfc3339_ms);
            state.metadata = metadata(p.metadata.as_ref());
            state.retention = p
                .retention_policy
                .and_then(|r| serde_json::to_string(&r).ok())
                .map(|r| SafeText::new(&r));
        }
        Err(e) => problem("properties", &e),
    }
    match participants {
        Ok(list) => {
            state.participants = list
                .iter()
                .filter_map(|p| {
                    let raw = raw_id_of(&p.communication_identifier)?;
                    Some(ParticipantState {
                        name: SafeText::new(p.display_name.as_deref().unwrap_or("")),
                        kind: PersonKind::of(&raw),
                        raw_id: SafeText::new(&raw),
                        share_history_ms: p
                            .share_history_time
                            .as_deref()
                            .and_then(parse_rfc3339_ms),
                        metadata: metadata(p.metadata.as_ref()),
                        teams: None,
                    })
                })
                .collect()
        }
        Err(e) => problem("participants", &e),
    }
    match receipts {
        Ok(list) => {
            state.receipts = list
                .iter()
                .map(|r| ReceiptState {
                    reader: SafeText::new(
                        &raw_id_of(&r.sender_communication_identifier).unwrap_or_default(),
                    ),
                    message_id: SafeText::new(&r.chat_message_id),
                    read_ms: parse_rfc3339_ms(&r.read_on),
                })
                .collect()
        }
        Err(e) => problem("read receipts", &e),
    }
    match message {
        Some(Ok(m)) => {
            state.message = Some(MessageState {
                id: SafeText::new(&m.id),
                version: SafeText::new(&m.version),
                sequence_id: SafeText::new(&m.sequence_id),
                kind: SafeText::new(m.message_type.as_str()),
                sender: m
                    .sender_communication_identifier
                    .as_ref()
                    .and_then(raw_id_of)
                    .map(|id| SafeText::new(&id)),
                sender_name: SafeText::new(m.sender_display_name.as_deref().unwrap_or("")),
                created_ms: parse_rfc3339_ms(&m.created_on),
                edited_ms: m.edited_on.as_deref().and_then(parse_rfc3339_ms),
                deleted_ms: m.deleted_on.as_deref().and_then(parse_rfc3339_ms),
                metadata: metadata(m.metadata.as_ref()),
            })
        }
        Some(Err(e)) => problem("the selected message", &e),
        None => {}
    }
    if let Some(admin) = &ctx.teams_admin {
        for chunk in state.participants.chunks_mut(VERDICTS_AT_ONCE) {
            let asks = chunk.iter().map(|p| async {
                if p.kind != PersonKind::Teams {
                    return None;
                }
                // 8:orgid:<object id>, or a sovereign cloud's prefix.
                let object_id = p.raw_id.as_str().rsplit(':').next()?;
                admin.interop(object_id).await.ok()
            });
            let answers = futures_util::future::join_all(asks).await;
            for (p, answer) in chunk.iter_mut().zip(answers) {
                p.teams = answer.as_ref().and_then(verdict);
            }
        }
    }
    ctx.emit(BackendEvent::ThreadState(Box::new(state))).await;
}

fn metadata(map: Option<&WireMetadata>) -> Metadata {
    map.map(|m| {
        m.iter()
            .map(|(k, v)| (SafeText::new(k), SafeText::new(v)))
            .collect()
    })
    .unwrap_or_default()
}

/// The doctor's JSON report (version 1) in brief.
fn verdict(report: &Value) -> Option<TeamsVerdict> {
    let flag = |v: &Value| v.as_bool().unwrap_or(false);
    let row = &report["row"];
    let on = |key: &str| if flag(&row[key]) { "on" } else { "off" };
    Some(TeamsVerdict {
        chat_enabled: report["chatEnabled"].as_bool()?,
        calls_enabled: flag(&report["callsEnabled"]),
        table_row: report["tableRow"].as_u64(),
        row: SafeText::new(&format!(
            "tenant {} · global policy {} · custom policy {} · assigned {} · interop {}",
            on("tenantConfiguration"),
            on("globalPolicy"),
            on("customPolicy"),
            row["assignedPolicy"].as_str().unwrap_or("?"),
            on("interoperability"),
        )),
        reasons: report["reasons"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|r| r["message"].as_str())
                    .map(SafeText::new)
                    .collect()
            })
            .unwrap_or_default(),
    })
}
