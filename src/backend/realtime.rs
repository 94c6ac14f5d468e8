//! Turning realtime updates from the emulator's socket into console events.

use std::sync::Arc;

use super::Ctx;
use super::convert;
use super::session::Target;
use super::sync;
use crate::acs::events::ChatEvent;
use crate::acs::time::parse_rfc3339_ms;
use crate::backend::BackendEvent;
use crate::client::RealtimeUpdate;
use crate::model::{RealtimeState, SafeText, ThreadSummary};

/// The newest event the emulator holds for this user: the socket then sends only what is new.
pub async fn newest_seq(ctx: &Ctx, target: &Target) -> u64 {
    let fetch = async {
        let http = crate::client::build_http_client(target.ca_cert.as_deref()).ok()?;
        let token = ctx.chat.tokens().token().await.ok()?;
        let url = format!("{}emulator/realtime/position", target.connection.endpoint);
        let body: serde_json::Value = http
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        body["lastSeq"].as_u64()
    };
    fetch.await.unwrap_or(0)
}

pub async fn apply(ctx: &Arc<Ctx>, update: RealtimeUpdate) {
    match update {
        RealtimeUpdate::Connected { .. } => {
            ctx.emit(BackendEvent::Realtime(RealtimeState::Live)).await
        }
        RealtimeUpdate::Reconnecting { attempt, .. } => {
            ctx.emit(BackendEvent::Realtime(RealtimeState::Reconnecting {
                attempt,
            }))
            .await
        }
        RealtimeUpdate::Disconnected { reason } => tracing::info!(%reason, "realtime disconnected"),
        RealtimeUpdate::ResyncRequired => {
            // Listing every thread can take a while on a slow network: not in the command loop.
            let ctx = ctx.clone();
            tokio::spawn(async move {
                if let Ok(threads) = sync::load_threads(&ctx).await {
                    sync::report_threads(&ctx, threads).await;
                }
            });
        }
        RealtimeUpdate::Event { event, .. } => on_event(ctx, event).await,
    }
}

fn changed_thread(thread_id: &str, topic: &str, at_ms: Option<i64>) -> ThreadSummary {
    ThreadSummary {
        id: thread_id.to_string(),
        topic: SafeText::new(topic),
        last_activity_ms: at_ms,
        deleted: false,
        unread: 0,
        has_teams_users: false,
    }
}

async fn on_event(ctx: &Arc<Ctx>, event: ChatEvent) {
    match event {
        ChatEvent::ChatMessageReceived(e)
        | ChatEvent::ChatMessageEdited(e)
        | ChatEvent::ChatMessageDeleted(e) => {
            ctx.emit(BackendEvent::Messages {
                thread_id: e.thread_id.clone(),
                messages: vec![convert::message_event(&e)],
                older_available: None,
            })
            .await;
        }
        ChatEvent::TypingIndicatorReceived(e) => {
            if let Some(sender) = convert::raw_id_of(&e.sender) {
                ctx.emit(BackendEvent::Typing {
                    thread_id: e.thread_id,
                    sender,
                    name: SafeText::new(&e.sender_display_name),
                    at_ms: parse_rfc3339_ms(&e.received_on)
                        .unwrap_or_else(crate::acs::time::now_ms),
                })
                .await;
            }
        }
        ChatEvent::ReadReceiptReceived(e) => {
            if let Some(reader) = convert::raw_id_of(&e.sender) {
                ctx.emit(BackendEvent::ReadReceipts {
                    thread_id: e.thread_id,
                    receipts: vec![crate::model::ReadReceipt {
                        reader,
                        message_id: e.chat_message_id,
                        read_ms: parse_rfc3339_ms(&e.read_on).unwrap_or(0),
                    }],
                })
                .await;
            }
        }
        ChatEvent::ChatThreadCreated(e) => {
            let topic = e
                .properties
                .as_ref()
                .map(|p| p.topic.clone())
                .unwrap_or_default();
            let at = parse_rfc3339_ms(&e.on);
            ctx.emit(BackendEvent::ThreadChanged(changed_thread(
                &e.thread_id,
                &topic,
                at,
            )))
            .await;
            sync::refresh_participants(ctx, &e.thread_id).await;
        }
        ChatEvent::ChatThreadPropertiesUpdated(e) => {
            sync::refresh_newest(ctx, &e.thread_id).await;
            let topic = e
                .properties
                .as_ref()
                .map(|p| p.topic.clone())
                .unwrap_or_default();
            ctx.emit(BackendEvent::ThreadChanged(changed_thread(
                &e.thread_id,
                &topic,
                parse_rfc3339_ms(&e.on),
            )))
            .await;
        }
        ChatEvent::ChatThreadDeleted(e) => {
            ctx.emit(BackendEvent::ThreadDeleted {
                thread_id: e.thread_id,
            })
            .await
        }
        ChatEvent::ParticipantsAdded(e) => {
            sync::refresh_participants(ctx, &e.thread_id).await;
            sync::refresh_newest(ctx, &e.thread_id).await;
        }
        ChatEvent::ParticipantsRemoved(e) => {
            let me_removed = e.participants.iter().any(|p| {
                convert::raw_id_of(&p.communication_identifier).as_deref() == Some(ctx.me.as_str())
            });
            if me_removed {
                ctx.emit(BackendEvent::Notice(SafeText::new(
                    "You were removed from a thread.",
                )))
                .await;
                ctx.emit(BackendEvent::ThreadDeleted {
                    thread_id: e.thread_id,
                })
                .await;
            } else {
                sync::refresh_participants(ctx, &e.thread_id).await;
                sync::refresh_newest(ctx, &e.thread_id).await;
            }
        }
    }
}
