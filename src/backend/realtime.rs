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
use crate::model::{Message, RealtimeState, SafeText, ThreadSummary};

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

/// Applies updates that arrived together.
pub async fn apply_all(ctx: &Arc<Ctx>, updates: impl IntoIterator<Item = RealtimeUpdate>) {
    for step in bursts(updates) {
        match step {
            Step::Messages(thread_id, messages) => {
                ctx.emit(BackendEvent::Messages {
                    thread_id,
                    messages,
                    older_available: None,
                })
                .await
            }
            Step::Other(update) => apply(ctx, *update).await,
        }
    }
}

/// What [`bursts`] makes of updates that arrived together.
#[derive(Debug, PartialEq)]
enum Step {
    /// Messages of one thread that came in a row.
    Messages(String, Vec<Message>),
    Other(Box<RealtimeUpdate>),
}

/// Messages a run of one thread's news makes room for at first.
const RUN_ROOM: usize = 64;

/// Updates in their order, with messages for one thread in a row gathered into one step: a busy
/// thread's news comes in bursts (a group commit holds many), and each event costs the console a
/// pass over the thread's state. An edit or a deletion of a message in the same run replaces it.
fn bursts(updates: impl IntoIterator<Item = RealtimeUpdate>) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut updates = updates.into_iter();
    while let Some(update) = updates.next() {
        let RealtimeUpdate::Event {
            event:
                ChatEvent::ChatMessageReceived(mut e)
                | ChatEvent::ChatMessageEdited(mut e)
                | ChatEvent::ChatMessageDeleted(mut e),
            ..
        } = update
        else {
            steps.push(Step::Other(Box::new(update)));
            continue;
        };
        let event_thread = std::mem::take(&mut e.thread_id);
        let message = convert::message_event(e);
        match steps.last_mut() {
            Some(Step::Messages(thread_id, messages)) if *thread_id == event_thread => {
                match messages.iter_mut().find(|m| m.order == message.order) {
                    Some(held) if message.has_newer_version_than(held) => *held = message,
                    Some(_) => {}
                    None => messages.push(message),
                }
            }
            _ => {
                // Room for a run of a busy thread, so it is not copied as it grows; bounded, as
                // runs of several threads taking turns are short.
                let mut messages = Vec::with_capacity(updates.size_hint().0.min(RUN_ROOM) + 1);
                messages.push(message);
                steps.push(Step::Messages(event_thread, messages));
            }
        }
    }
    steps
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
        ChatEvent::ChatMessageReceived(mut e)
        | ChatEvent::ChatMessageEdited(mut e)
        | ChatEvent::ChatMessageDeleted(mut e) => {
            ctx.emit(BackendEvent::Messages {
                thread_id: std::mem::take(&mut e.thread_id),
                messages: vec![convert::message_event(e)],
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acs::events::{ChatMessageEvent, TypingIndicatorEvent};

    fn message(thread: &str, id: &str, version: &str, text: &str) -> ChatMessageEvent {
        ChatMessageEvent {
            thread_id: thread.into(),
            sender: None,
            sender_display_name: "Ana".into(),
            recipient: Default::default(),
            id: id.into(),
            created_on: "2026-11-30T10:00:00Z".into(),
            version: version.into(),
            message_type: "text".into(),
            message: text.into(),
            metadata: Default::default(),
            attachments: Vec::new(),
            edited_on: None,
            deleted_on: None,
        }
    }

    fn event(seq: u64, event: ChatEvent) -> RealtimeUpdate {
        RealtimeUpdate::Event { seq, event }
    }

    #[test]
    fn messages_of_a_thread_in_a_row_reach_the_console_together_and_in_order() {
        let typing = ChatEvent::TypingIndicatorReceived(TypingIndicatorEvent {
            thread_id: "a".into(),
            sender: Default::default(),
            sender_display_name: "Ana".into(),
            recipient: Default::default(),
            version: "1".into(),
            received_on: "2026-11-30T10:00:00Z".into(),
        });
        let steps = bursts(vec![
            event(
                1,
                ChatEvent::ChatMessageReceived(message("a", "1", "1", "one")),
            ),
            event(
                2,
                ChatEvent::ChatMessageReceived(message("a", "2", "2", "two")),
            ),
            event(
                3,
                ChatEvent::ChatMessageEdited(message("a", "1", "3", "one, edited")),
            ),
            event(
                4,
                ChatEvent::ChatMessageReceived(message("b", "4", "4", "elsewhere")),
            ),
            event(5, typing.clone()),
            event(
                6,
                ChatEvent::ChatMessageReceived(message("a", "6", "6", "three")),
            ),
        ]);
        let shown: Vec<(String, Vec<&str>)> = steps
            .iter()
            .map(|step| match step {
                Step::Messages(thread, messages) => (
                    thread.clone(),
                    messages.iter().map(|m| m.body.as_str()).collect(),
                ),
                Step::Other(_) => ("other".into(), Vec::new()),
            })
            .collect();
        assert_eq!(
            shown,
            vec![
                ("a".into(), vec!["one, edited", "two"]),
                ("b".into(), vec!["elsewhere"]),
                ("other".into(), vec![]),
                ("a".into(), vec!["three"]),
            ]
        );
        assert_eq!(steps[2], Step::Other(Box::new(event(5, typing))));
    }
}
