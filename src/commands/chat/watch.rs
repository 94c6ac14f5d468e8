//! `chat watch`: events as they happen until Ctrl-C, from the emulator's realtime socket, or by
//! polling ([`super::poll`]: the real service, whose push channel is not public; or `--poll`).

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::{mpsc, watch as signal};

use super::ChatError;
use super::json;
use super::out::Out;
use super::table::event_message;
use crate::acs::events::ChatEvent;
use crate::acs::thread_id::ThreadId;
use crate::backend::session::{Session, Target};
use crate::client::{RealtimeUpdate, spawn_realtime};
use crate::text::sanitize_line;

/// How often the real service is polled.
pub const SERVICE_POLL: Duration = Duration::from_secs(5);

/// Where events come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    Socket,
    Poll(Duration),
}

pub async fn watch(
    session: &Session,
    target: &Target,
    out: &mut Out,
    thread: Option<&ThreadId>,
    feed: Feed,
) -> Result<(), ChatError> {
    let mut topics = Topics::load(session).await;
    let stop = stop_signal();
    tokio::pin!(stop);
    match feed {
        Feed::Socket => socket(session, target, out, thread, &mut topics, stop).await,
        Feed::Poll(every) => {
            super::poll::poll(session, out, thread, &mut topics, every, stop).await
        }
    }
}

/// Ctrl-C or SIGTERM.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Thread topics by id, and participants' names by thread (fetched when first needed), for the
/// text output.
pub(super) struct Topics(
    HashMap<String, String>,
    HashMap<String, HashMap<String, String>>,
);

impl Topics {
    async fn load(session: &Session) -> Topics {
        let threads = session
            .chat
            .list_threads(None, None)
            .await
            .unwrap_or_default();
        Topics(
            threads.into_iter().map(|t| (t.id, t.topic)).collect(),
            HashMap::new(),
        )
    }

    /// Someone's display name in a thread, else their raw id: Teams typing events may carry a blank
    /// name, and receipts carry none.
    pub(super) async fn person(
        &mut self,
        session: &Session,
        thread_id: &str,
        model: &crate::acs::identifier::CommunicationIdentifierModel,
    ) -> String {
        let id = json::raw_id(model).unwrap_or_default();
        if !self.1.contains_key(thread_id) {
            let people = session
                .chat
                .list_participants(thread_id)
                .await
                .unwrap_or_default();
            let names = people
                .iter()
                .filter_map(|p| {
                    let name = p.display_name.clone().filter(|n| !n.is_empty())?;
                    Some((json::raw_id(&p.communication_identifier)?, name))
                })
                .collect();
            self.1.insert(thread_id.to_string(), names);
        }
        self.1
            .get(thread_id)
            .and_then(|names| names.get(&id))
            .cloned()
            .unwrap_or(id)
    }

    pub(super) fn set_topic(&mut self, thread_id: String, topic: String) {
        self.0.insert(thread_id, topic);
    }

    /// `[topic]`, or the id when the topic is unknown or empty.
    pub(super) fn label(&self, thread_id: &str) -> String {
        let name = self
            .0
            .get(thread_id)
            .filter(|t| !t.is_empty())
            .map(String::as_str)
            .unwrap_or(thread_id);
        format!("[{}]", sanitize_line(name))
    }
}

/// A status line on standard error (not part of the output a script reads).
pub(super) fn note(text: &str) {
    eprintln!("{}", sanitize_line(text));
}

/// The newest event the emulator holds for this user: the socket then sends only what is new.
async fn newest_seq(session: &Session, target: &Target) -> Result<u64, ChatError> {
    let token = session.chat.tokens().token().await?;
    let url = format!("{}emulator/realtime/position", target.connection.endpoint);
    let answer = session
        .http
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| {
            ChatError::Failed(format!("cannot reach the emulator's realtime feed: {e}"))
        })?;
    let body: serde_json::Value = answer
        .json()
        .await
        .map_err(|e| ChatError::Failed(format!("the realtime position is not JSON: {e}")))?;
    Ok(body["lastSeq"].as_u64().unwrap_or(0))
}

async fn socket(
    session: &Session,
    target: &Target,
    out: &mut Out,
    thread: Option<&ThreadId>,
    topics: &mut Topics,
    mut stop: std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
) -> Result<(), ChatError> {
    let since = newest_seq(session, target).await?;
    let (tx, mut rx) = mpsc::channel(1024);
    let (cancel_tx, cancel_rx) = signal::channel(false);
    let task = spawn_realtime(
        &target.connection.endpoint,
        session.chat.tokens().clone(),
        session.tls.clone(),
        since,
        tx,
        cancel_rx,
    );
    let result = loop {
        let update = tokio::select! {
            _ = &mut stop => break Ok(()),
            update = rx.recv() => update,
        };
        let Some(update) = update else {
            break Err(ChatError::Failed("the realtime feed ended".into()));
        };
        match update {
            RealtimeUpdate::Connected { .. } => note("watching; Ctrl-C stops"),
            RealtimeUpdate::Disconnected { reason } => note(&format!("disconnected: {reason}")),
            RealtimeUpdate::Reconnecting { attempt, delay } => note(&format!(
                "reconnecting (attempt {attempt}) in {} ms",
                delay.as_millis()
            )),
            RealtimeUpdate::ResyncRequired => {
                note("some events were lost while disconnected; list the threads again to catch up")
            }
            RealtimeUpdate::Event { event, .. } => {
                if thread.is_some_and(|t| t.as_str() != event.thread_id()) {
                    continue;
                }
                if let Err(e) = print_event(session, out, topics, &event).await {
                    break Err(e);
                }
            }
        }
    };
    let _ = cancel_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(2), task).await;
    result
}

async fn print_event(
    session: &Session,
    out: &mut Out,
    topics: &mut Topics,
    event: &ChatEvent,
) -> Result<(), ChatError> {
    if let ChatEvent::ChatThreadCreated(e) | ChatEvent::ChatThreadPropertiesUpdated(e) = event
        && let Some(p) = &e.properties
    {
        topics.set_topic(e.thread_id.clone(), p.topic.clone());
    }
    if let ChatEvent::ParticipantsAdded(e) | ChatEvent::ParticipantsRemoved(e) = event {
        topics.1.remove(&e.thread_id);
    }
    if out.json() {
        out.record(&json::Event::from(event))?;
        out.flush()?;
        return Ok(());
    }
    let label = topics.label(event.thread_id());
    let names = |ps: &[crate::acs::chat::ChatParticipant]| -> String {
        ps.iter()
            .map(|p| {
                p.display_name
                    .clone()
                    .filter(|n| !n.is_empty())
                    .or_else(|| json::raw_id(&p.communication_identifier))
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let lines: Vec<String> = match event {
        ChatEvent::ChatMessageReceived(e)
        | ChatEvent::ChatMessageEdited(e)
        | ChatEvent::ChatMessageDeleted(e) => {
            let time = out.time(Some(e.edited_on.as_ref().unwrap_or(&e.created_on)));
            event_message(e, &time)
        }
        ChatEvent::TypingIndicatorReceived(e) => {
            let who = if e.sender_display_name.is_empty() {
                topics.person(session, &e.thread_id, &e.sender).await
            } else {
                e.sender_display_name.clone()
            };
            vec![format!(
                "{}  {who} is typing",
                out.time(Some(&e.received_on))
            )]
        }
        ChatEvent::ReadReceiptReceived(e) => {
            let who = topics.person(session, &e.thread_id, &e.sender).await;
            vec![format!(
                "{}  {who} read up to {}",
                out.time(Some(&e.read_on)),
                e.chat_message_id
            )]
        }
        ChatEvent::ChatThreadCreated(e) => {
            vec![format!("{}  thread created", out.time(Some(&e.on)))]
        }
        ChatEvent::ChatThreadPropertiesUpdated(e) => vec![format!(
            "{}  topic set to \u{201c}{}\u{201d}",
            out.time(Some(&e.on)),
            e.properties
                .as_ref()
                .map(|p| p.topic.as_str())
                .unwrap_or("")
        )],
        ChatEvent::ChatThreadDeleted(e) => {
            vec![format!("{}  thread deleted", out.time(Some(&e.on)))]
        }
        ChatEvent::ParticipantsAdded(e) => vec![format!(
            "{}  {} joined",
            out.time(Some(&e.on)),
            names(&e.participants)
        )],
        ChatEvent::ParticipantsRemoved(e) => vec![format!(
            "{}  {} left",
            out.time(Some(&e.on)),
            names(&e.participants)
        )],
    };
    for line in lines {
        out.line(&sanitize_line(&format!("{label} {line}")))?;
    }
    out.flush()?;
    Ok(())
}
