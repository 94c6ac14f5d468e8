//! Applying what the backend reports.

use super::{TYPING_SHOWN_MS, calls, notify, scroll};
use crate::app::msg::Effect;
use crate::app::state::{AppState, ErrorBar, Focus, Typist};
use crate::backend::{BackendEvent, Command};
use crate::model::{SendState, ThreadSummary};

pub fn on_event(state: &mut AppState, event: BackendEvent) -> Vec<Effect> {
    let mut effects = Vec::new();
    match event {
        BackendEvent::Connected(connection) => state.connection = Some(connection),
        BackendEvent::ThreadState(reading) => state.thread_state = Some(*reading),
        BackendEvent::Threads(mut threads) => {
            // A new listing knows topics; counts and badges already worked out stay.
            for t in &mut threads {
                if let Some(known) = state.threads.iter().find(|k| k.id == t.id) {
                    t.unread = known.unread;
                    t.has_teams_users |= known.has_teams_users;
                    t.last_activity_ms = t.last_activity_ms.max(known.last_activity_ms);
                }
                if state.open_thread.as_deref() == Some(&t.id) {
                    t.unread = 0;
                }
            }
            // Threads only this console knows (opened by id, news from a new one) stay listed.
            let local: Vec<ThreadSummary> = state
                .threads
                .iter()
                .filter(|k| !threads.iter().any(|t| t.id == k.id))
                .filter(|k| state.open_thread.as_deref() == Some(k.id.as_str()) || k.unread > 0)
                .cloned()
                .collect();
            threads.extend(local);
            let highlighted = state.threads.get(state.thread_cursor).map(|t| t.id.clone());
            state.threads = threads;
            state.thread_cursor = highlighted
                .and_then(|id| state.threads.iter().position(|t| t.id == id))
                .unwrap_or(0);
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
            // The first thread of someone who had none opens by itself, as at start, whether its
            // news or this came first.
            let open_it = state.open_thread.is_none() && !summary.deleted;
            let id = summary.id.clone();
            match state.threads.iter_mut().find(|t| t.id == summary.id) {
                Some(existing) => {
                    // A change of topic says nothing about unread messages or who takes part.
                    summary.unread = existing.unread;
                    summary.has_teams_users |= existing.has_teams_users;
                    summary.deleted |= existing.deleted;
                    summary.last_activity_ms =
                        summary.last_activity_ms.max(existing.last_activity_ms);
                    *existing = summary;
                }
                None => state.threads.push(summary),
            }
            sort_threads(state);
            if open_it {
                effects.extend(open_thread(state, &id));
            }
        }
        BackendEvent::ThreadDeleted { thread_id } => {
            if let Some(t) = state.threads.iter_mut().find(|t| t.id == thread_id) {
                t.deleted = true;
            }
            // Deleting a thread removes everyone from it.
            if let Some(view) = state.views.get_mut(&thread_id) {
                view.participants.clear();
                view.typing.clear();
            }
            sort_threads(state);
        }
        BackendEvent::ThreadCounts {
            thread_id,
            unread,
            has_teams_users,
            last_activity_ms,
        } => {
            let open = state.open_thread.as_deref() == Some(thread_id.as_str());
            if let Some(t) = state.threads.iter_mut().find(|t| t.id == thread_id) {
                t.unread = if open { 0 } else { unread };
                t.has_teams_users = has_teams_users;
                t.last_activity_ms = t.last_activity_ms.max(last_activity_ms);
            }
            sort_threads(state);
        }
        BackendEvent::ThreadCreated { thread_id } => {
            effects.extend(open_thread(state, &thread_id));
            state.focus = Focus::Composer;
        }
        BackendEvent::Messages {
            thread_id,
            messages,
            older_available,
        } => effects.extend(on_messages(state, &thread_id, messages, older_available)),
        BackendEvent::PageFailed { thread_id } => {
            if let Some(view) = state.views.get_mut(&thread_id) {
                view.loading_older = false;
                view.seek = None;
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
                Some(pending) => {
                    pending.state = send_state.clone();
                    pending.state_ms = now;
                }
                None if !held => view.pending.push(crate::model::PendingSend {
                    client_id: client_id.clone(),
                    content,
                    created_ms: now,
                    state: send_state.clone(),
                    state_ms: now,
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

/// A page or news for a thread: merged, counted as unread unless seen, searched, and a seek goes on.
fn on_messages(
    state: &mut AppState,
    thread_id: &str,
    messages: Vec<crate::model::Message>,
    older_available: Option<bool>,
) -> Vec<Effect> {
    let mut effects = Vec::new();
    let me = state.me().unwrap_or("").to_string();
    let my_name = state.my_name_in(thread_id).to_string();
    let is_open = state.open_thread.as_deref() == Some(thread_id);
    let view = state.views.entry(thread_id.to_string()).or_default();
    // A selected message stays where it is: news goes below it instead of moving the view.
    if view.selected.is_some() && view.scroll.anchor.is_none() {
        view.scroll.anchor = view.last_order();
        view.scroll.lines_up = 0;
    }
    // Someone whose message arrives has stopped typing.
    for sender in messages.iter().filter_map(|m| m.sender.as_ref()) {
        view.typing.remove(sender);
    }
    let read_upto = view.read_reported.unwrap_or(i64::MIN);
    let fresh_from_others: Vec<&crate::model::Message> = messages
        .iter()
        .filter(|m| {
            !m.kind.is_system()
                && m.sender.as_deref() != Some(me.as_str())
                && m.order > read_upto
                && !view.messages.contains_key(&m.order)
        })
        .collect();
    let fresh = fresh_from_others.len();
    let mentions_me = fresh_from_others.iter().any(|m| mentions(m, &my_name));
    let orders: Vec<i64> = messages.iter().map(|m| m.order).collect();
    let added = view.merge(messages, &me);
    if let Some(search) = view.search.as_mut() {
        // An edit or a deletion may have taken a hit away.
        for order in &orders {
            search.hits.remove(order);
        }
        search.scan(orders.iter().filter_map(|o| view.messages.get(o)));
    }
    let is_page = older_available.is_some();
    if !is_page && let Some(oldest_kept) = view.drop_beyond_cap(is_open) {
        effects.push(Effect::Command(Command::DroppedOlder {
            thread_id: thread_id.to_string(),
            oldest_kept,
        }));
    }
    if let Some(older) = older_available {
        view.older_available = older;
        view.loading_older = false;
        view.loaded = true;
    }
    let scrolled_away = view.scroll.anchor.is_some();
    if is_open && !is_page && scrolled_away {
        view.new_below += fresh;
    }
    let newest = view.last_order();
    let summary = match state.threads.iter_mut().find(|t| t.id == thread_id) {
        Some(summary) => summary,
        None => {
            // News from a thread the list has not heard of yet (created a moment ago): keep its
            // count; its topic comes with the thread's own event or the next listing.
            state.threads.push(ThreadSummary {
                id: thread_id.to_string(),
                topic: crate::model::SafeText::new("(new thread)"),
                last_activity_ms: None,
                deleted: false,
                unread: 0,
                has_teams_users: false,
            });
            let last = state.threads.len() - 1;
            &mut state.threads[last]
        }
    };
    if !is_page && (!is_open || scrolled_away) {
        summary.unread += fresh;
    }
    if let Some(n) = newest {
        summary.last_activity_ms = Some(summary.last_activity_ms.unwrap_or(0).max(n));
    }
    if !is_page && fresh > 0 && (!is_open || mentions_me) && state.bell_on_message {
        effects.push(Effect::Bell);
    }
    // News moves its thread to the top; a busy thread already there costs no sort per message.
    if !is_page && state.threads.first().map(|t| t.id.as_str()) != Some(thread_id) {
        sort_threads(state);
    }
    if is_open {
        place_unread_marker(state, thread_id);
        if is_page {
            effects.extend(super::seek::on_page(state, thread_id, added));
            scroll::settle_top(state);
        }
        effects.extend(scroll::mark_read_if_seen(state));
    }
    effects
}

/// Whether `message` mentions the user by name (Teams marks mentions up in the HTML).
fn mentions(message: &crate::model::Message, my_name: &str) -> bool {
    let marked =
        message.body.contains("<msft-mention") || message.body.contains("schema.skype.com/Mention");
    marked && !my_name.is_empty() && message.body.contains(my_name)
}

/// Once the first page of a thread opened with unread messages is in: the "new since you left" line
/// goes above the first of them.
fn place_unread_marker(state: &mut AppState, thread_id: &str) {
    let me = state.me().unwrap_or("").to_string();
    let Some(view) = state.views.get_mut(thread_id) else {
        return;
    };
    let Some(unread) = view.unread_on_open.take_if(|_| view.loaded) else {
        return;
    };
    let mut seen = 0;
    for m in view.messages.values().rev() {
        if !m.kind.is_system() && m.sender.as_deref() != Some(me.as_str()) {
            seen += 1;
            if seen == unread {
                view.unread_marker = Some(m.order);
                return;
            }
        }
    }
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
    if state.open_thread.as_deref() == Some(thread_id) {
        // Already open: the place in it stays.
        return effects;
    }
    state.open_thread = Some(thread_id.to_string());
    state.typing_sent_ms = None;
    if let Some(i) = state.threads.iter().position(|t| t.id == thread_id) {
        state.thread_cursor = i;
    }
    let unread = state
        .threads
        .iter()
        .find(|t| t.id == thread_id)
        .map(|t| t.unread)
        .unwrap_or(0);
    let view = state.views.entry(thread_id.to_string()).or_default();
    view.scroll = Default::default();
    view.selected = None;
    view.new_below = 0;
    view.seek = None;
    view.unread_marker = None;
    view.unread_on_open = (unread > 0).then_some(unread);
    let loaded = view.loaded;
    if loaded {
        place_unread_marker(state, thread_id);
    }
    let deleted = state.threads.iter().any(|t| t.id == thread_id && t.deleted);
    let Some(view) = state.views.get_mut(thread_id) else {
        return effects;
    };
    // A deleted thread answers 404: what was loaded before stays readable, nothing more is asked.
    if !view.loaded && !deleted {
        effects.push(Effect::Command(Command::OpenThread {
            thread_id: thread_id.to_string(),
        }));
    }
    if deleted {
        notify(
            state,
            "This thread was deleted: nothing can be sent to it; :forget removes it from the list.",
        );
    }
    effects.extend(scroll::mark_read_if_seen(state));
    effects
}
