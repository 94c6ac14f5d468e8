//! Applying what the backend reports.

use super::{TYPING_SHOWN_MS, calls, fail, notify, scroll};
use crate::app::msg::Effect;
use crate::app::state::{AppState, ErrorBar, Focus, Typist};
use crate::backend::{BackendEvent, Command};
use crate::model::SendState;

pub fn on_event(state: &mut AppState, event: BackendEvent) -> Vec<Effect> {
    let mut effects = Vec::new();
    match event {
        BackendEvent::Connected(connection) => state.connection = Some(connection),
        BackendEvent::Threads(mut threads) => {
            for t in &mut threads {
                if state.open_thread.as_deref() == Some(&t.id) {
                    t.unread = 0;
                }
            }
            state.threads = threads;
            sort_threads(state);
            if state.open_thread.is_none()
                && let Some(first) = state
                    .threads
                    .iter()
                    .find(|t| !t.deleted)
                    .map(|t| t.id.clone())
            {
                effects.extend(open_thread(state, &first));
            }
        }
        BackendEvent::ThreadChanged(mut summary) => {
            match state.threads.iter_mut().find(|t| t.id == summary.id) {
                Some(existing) => {
                    summary.unread = existing.unread;
                    *existing = summary;
                }
                None => state.threads.push(summary),
            }
            sort_threads(state);
        }
        BackendEvent::ThreadDeleted { thread_id } => {
            if let Some(t) = state.threads.iter_mut().find(|t| t.id == thread_id) {
                t.deleted = true;
            }
        }
        BackendEvent::ThreadCreated { thread_id } => {
            effects.extend(open_thread(state, &thread_id));
            state.focus = Focus::Composer;
        }
        BackendEvent::Messages {
            thread_id,
            messages,
            older_available,
        } => {
            let me = state.me().unwrap_or("").to_string();
            let from_others = messages
                .iter()
                .filter(|m| !m.kind.is_system() && m.sender.as_deref() != Some(me.as_str()))
                .map(|m| m.order)
                .collect::<Vec<_>>();
            let senders: Vec<String> = messages.iter().filter_map(|m| m.sender.clone()).collect();
            let view = state.views.entry(thread_id.clone()).or_default();
            // Someone whose message arrives has stopped typing.
            for sender in &senders {
                view.typing.remove(sender);
            }
            let known_before: Vec<bool> = from_others
                .iter()
                .map(|o| view.messages.contains_key(o))
                .collect();
            let read_upto = view.read_reported.unwrap_or(i64::MIN);
            view.merge(messages);
            if let Some(older) = older_available {
                view.older_available = older;
                view.loading_older = false;
                view.loaded = true;
            }
            let fresh = from_others
                .iter()
                .zip(known_before)
                .filter(|(order, known)| !known && **order > read_upto)
                .count();
            let newest = view.last_order();
            let is_open = state.open_thread.as_deref() == Some(thread_id.as_str());
            if let Some(summary) = state.threads.iter_mut().find(|t| t.id == thread_id) {
                if !is_open || older_available.is_none() {
                    summary.unread += fresh;
                }
                if let Some(n) = newest {
                    summary.last_activity_ms = Some(summary.last_activity_ms.unwrap_or(0).max(n));
                }
            }
            if is_open {
                effects.extend(scroll::mark_read_if_seen(state));
            }
        }
        BackendEvent::Participants {
            thread_id,
            participants,
        } => {
            let has_teams = participants
                .iter()
                .any(|p| p.kind == crate::model::PersonKind::Teams);
            state
                .views
                .entry(thread_id.clone())
                .or_default()
                .participants = participants;
            if let Some(summary) = state.threads.iter_mut().find(|t| t.id == thread_id) {
                summary.has_teams_users = has_teams;
            }
        }
        BackendEvent::ReadReceipts {
            thread_id,
            receipts,
        } => {
            let view = state.views.entry(thread_id).or_default();
            for r in receipts {
                let order = r.message_id.parse::<i64>().unwrap_or(0);
                let entry = view.receipts.entry(r.reader).or_insert(order);
                *entry = (*entry).max(order);
            }
        }
        BackendEvent::Typing {
            thread_id,
            sender,
            name,
            at_ms,
        } => {
            if state.me() != Some(sender.as_str()) {
                let view = state.views.entry(thread_id).or_default();
                let name = if name.is_empty() {
                    view.participants
                        .iter()
                        .find(|p| p.raw_id == sender)
                        .map(|p| p.name.clone())
                        .filter(|n| !n.is_empty())
                        .unwrap_or_else(|| {
                            // Teams typing events may carry a blank display name (a known issue).
                            let who = match crate::model::PersonKind::of(&sender) {
                                crate::model::PersonKind::Teams => "a Teams user",
                                _ => "someone",
                            };
                            crate::model::SafeText::new(who)
                        })
                } else {
                    name
                };
                let until_ms = at_ms.max(state.now_ms) + TYPING_SHOWN_MS;
                view.typing.insert(sender, Typist { name, until_ms });
            }
        }
        BackendEvent::Send {
            thread_id,
            client_id,
            content,
            state: send_state,
        } => {
            let now = state.now_ms;
            let view = state.views.entry(thread_id).or_default();
            let held = view
                .messages
                .values()
                .any(|m| m.client_id.as_deref() == Some(client_id.as_str()));
            match view.pending.iter_mut().find(|p| p.client_id == client_id) {
                Some(pending) => pending.state = send_state.clone(),
                None if !held => view.pending.push(crate::model::PendingSend {
                    client_id: client_id.clone(),
                    content,
                    created_ms: now,
                    state: send_state.clone(),
                }),
                None => {}
            }
            if held && matches!(send_state, SendState::Sent { .. }) {
                view.pending.retain(|p| p.client_id != client_id);
            }
        }
        BackendEvent::Realtime(realtime) => state.realtime = realtime,
        BackendEvent::Failure { what, fix } => state.error = Some(ErrorBar { what, fix }),
        BackendEvent::Recovered => state.error = None,
        BackendEvent::Notice(text) => notify(state, text.as_str()),
        BackendEvent::SpeakingAs(who) => {
            let notice = match &who {
                Some((_, name)) => format!("Speaking as {name} (Teams); :as me goes back."),
                None => "Speaking as yourself again.".to_string(),
            };
            state.speaking_as = who;
            notify(state, &notice);
        }
        BackendEvent::Call(news) => effects.extend(calls::on_news(state, news)),
    }
    effects
}

fn sort_threads(state: &mut AppState) {
    let cursor_id = state.threads.get(state.thread_cursor).map(|t| t.id.clone());
    state.threads.sort_by(|a, b| {
        (a.deleted, std::cmp::Reverse(a.last_activity_ms))
            .cmp(&(b.deleted, std::cmp::Reverse(b.last_activity_ms)))
    });
    if let Some(id) = cursor_id {
        state.thread_cursor = state.threads.iter().position(|t| t.id == id).unwrap_or(0);
    }
}

/// Shows `thread_id`: loads it the first time, clears its unread count.
pub fn open_thread(state: &mut AppState, thread_id: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    state.open_thread = Some(thread_id.to_string());
    state.typing_sent_ms = None;
    if let Some(i) = state.threads.iter().position(|t| t.id == thread_id) {
        state.thread_cursor = i;
    }
    let view = state.views.entry(thread_id.to_string()).or_default();
    view.scroll = Default::default();
    view.selected = None;
    if !view.loaded {
        effects.push(Effect::Command(Command::OpenThread {
            thread_id: thread_id.to_string(),
        }));
    }
    if let Some(summary) = state.threads.iter_mut().find(|t| t.id == thread_id)
        && summary.deleted
    {
        fail(
            state,
            "This thread was deleted.",
            "Its history stays readable here; start a new one with :new <topic>.",
        );
    }
    effects.extend(scroll::mark_read_if_seen(state));
    effects
}
