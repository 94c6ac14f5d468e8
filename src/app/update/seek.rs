//! Fetching older pages until a target is loaded: Home to the first message, `:goto` a message or a
//! date, the next search hit. Pages are asked for one at a time, so Esc stops between two pages.

use super::{notify, selection};
use crate::app::msg::Effect;
use crate::app::seek::{Search, Seek, SeekTarget};
use crate::app::state::{AppState, ThreadView};
use crate::backend::Command;

/// Where a seek stands with what is loaded.
enum Progress {
    Found(i64),
    NeedMore,
    /// Nothing older to load; the closest message, if any.
    Exhausted(Option<i64>),
}

fn progress(view: &ThreadView, target: SeekTarget) -> Progress {
    let first = view.messages.keys().next().copied();
    let exhausted = |closest: Option<i64>| {
        if view.older_available {
            Progress::NeedMore
        } else {
            Progress::Exhausted(closest)
        }
    };
    match target {
        SeekTarget::Start => exhausted(first).or_found_when(!view.older_available),
        SeekTarget::Message(order) => {
            if view.messages.contains_key(&order) {
                return Progress::Found(order);
            }
            let last = view.last_order();
            match (first, last) {
                // Newer than anything here: the newest message.
                (_, Some(l)) if order > l => Progress::Found(l),
                // Loaded past it without finding it: the message nearest after it.
                (Some(f), Some(l)) if f < order => Progress::Found(
                    view.messages
                        .range(order..)
                        .next()
                        .map(|(o, _)| *o)
                        .unwrap_or(l),
                ),
                _ => exhausted(first),
            }
        }
        SeekTarget::Time(ms) => {
            let reached = view
                .messages
                .values()
                .next()
                .is_some_and(|m| m.created_ms <= ms);
            if reached {
                let at = view
                    .messages
                    .values()
                    .find(|m| m.created_ms >= ms)
                    .or_else(|| view.messages.values().next_back())
                    .map(|m| m.order);
                return at.map(Progress::Found).unwrap_or(Progress::NeedMore);
            }
            exhausted(first)
        }
        SeekTarget::OlderHit => {
            let search = view.search.as_ref();
            let from = search.and_then(|s| s.current);
            match search.and_then(|s| s.older_than(from)) {
                Some(hit) => Progress::Found(hit),
                None => exhausted(None),
            }
        }
    }
}

impl Progress {
    /// `Exhausted(x)` is a success for targets satisfied by reaching the start.
    fn or_found_when(self, done: bool) -> Progress {
        match self {
            Progress::Exhausted(Some(order)) if done => Progress::Found(order),
            other => other,
        }
    }
}

/// Starts fetching towards `target` in the open thread, or goes there at once when it is loaded.
pub fn start(state: &mut AppState, target: SeekTarget) -> Vec<Effect> {
    let Some(thread_id) = state.open_thread.clone() else {
        return Vec::new();
    };
    let Some(view) = state.views.get_mut(&thread_id) else {
        return Vec::new();
    };
    view.seek = Some(Seek { target, loaded: 0 });
    advance(state, &thread_id)
}

/// After a page arrived in `thread_id`: go on, or arrive.
pub fn on_page(state: &mut AppState, thread_id: &str, added: usize) -> Vec<Effect> {
    let open = state.open_thread.as_deref() == Some(thread_id);
    let Some(view) = state.views.get_mut(thread_id) else {
        return Vec::new();
    };
    let Some(seek) = view.seek.as_mut() else {
        return Vec::new();
    };
    if !open {
        view.seek = None;
        return Vec::new();
    }
    seek.loaded += added;
    advance(state, thread_id)
}

fn advance(state: &mut AppState, thread_id: &str) -> Vec<Effect> {
    let Some(view) = state.views.get_mut(thread_id) else {
        return Vec::new();
    };
    let Some(seek) = view.seek.clone() else {
        return Vec::new();
    };
    if !view.loaded {
        // The first page is on its way; the seek goes on when it arrives.
        return Vec::new();
    }
    match progress(view, seek.target) {
        Progress::NeedMore => {
            if view.loading_older {
                return Vec::new();
            }
            view.loading_older = true;
            vec![Effect::Command(Command::SeekOlder {
                thread_id: thread_id.to_string(),
            })]
        }
        Progress::Found(order) => {
            view.seek = None;
            if seek.target == SeekTarget::OlderHit
                && let Some(search) = view.search.as_mut()
            {
                search.current = Some(order);
            }
            selection::select(state, order);
            if seek.loaded > 0 {
                notify(state, &format!("Loaded {} older messages.", seek.loaded));
            }
            Vec::new()
        }
        Progress::Exhausted(closest) => {
            view.seek = None;
            let what = match seek.target {
                SeekTarget::OlderHit => {
                    let n = view.search.as_ref().map(|s| s.hits.len()).unwrap_or(0);
                    format!("No older matches; {n} in the whole thread.")
                }
                SeekTarget::Message(_) => {
                    "That message is not in this thread; showing the first.".to_string()
                }
                SeekTarget::Time(_) => "The thread starts after that time.".to_string(),
                SeekTarget::Start => String::new(),
            };
            if let Some(order) = closest {
                selection::select(state, order);
            }
            if !what.is_empty() {
                notify(state, &what);
            }
            Vec::new()
        }
    }
}

/// Another move by the user: a seek on its way stops quietly.
pub fn drop_seek(state: &mut AppState) {
    if let Some(view) = state
        .open_thread
        .clone()
        .and_then(|t| state.views.get_mut(&t))
    {
        view.seek = None;
    }
}

/// Esc while older pages load: stop after the page on its way. Returns whether there was a seek.
pub fn cancel(state: &mut AppState) -> bool {
    let Some(view) = state
        .open_thread
        .clone()
        .and_then(|t| state.views.get_mut(&t))
    else {
        return false;
    };
    let cancelled = view.seek.take().is_some();
    if cancelled {
        notify(state, "Stopped loading older messages.");
    }
    cancelled
}

/// `/` + Enter: finds `query` in the open thread, newest hit first, fetching older pages when the
/// loaded ones hold none.
pub fn search(state: &mut AppState, query: &str) -> Vec<Effect> {
    let query = query.trim();
    let Some(view) = state
        .open_thread
        .clone()
        .and_then(|t| state.views.get_mut(&t))
    else {
        return Vec::new();
    };
    if query.is_empty() {
        view.search = None;
        return Vec::new();
    }
    let mut found = Search::new(query);
    found.scan(view.messages.values());
    let from = view.selected.map(|o| o + 1);
    let first = found.older_than(from);
    found.current = first;
    view.search = Some(found);
    match first {
        Some(order) => {
            selection::select(state, order);
            announce_hit(state);
            Vec::new()
        }
        None => start(state, SeekTarget::OlderHit),
    }
}

/// `n`: the next older hit; `N`: the next newer one.
pub fn next_hit(state: &mut AppState, older: bool) -> Vec<Effect> {
    let Some(view) = state.open_view() else {
        return Vec::new();
    };
    let Some(search) = &view.search else {
        notify(state, "Search first with /.");
        return Vec::new();
    };
    let current = search.current;
    let next = if older {
        search.older_than(current)
    } else {
        current.and_then(|c| search.newer_than(c))
    };
    match next {
        Some(order) => {
            if let Some(search) = state
                .open_thread
                .clone()
                .and_then(|t| state.views.get_mut(&t))
                .and_then(|v| v.search.as_mut())
            {
                search.current = Some(order);
            }
            selection::select(state, order);
            announce_hit(state);
            Vec::new()
        }
        None if older => start(state, SeekTarget::OlderHit),
        None => {
            notify(state, "No newer matches.");
            Vec::new()
        }
    }
}

fn announce_hit(state: &mut AppState) {
    let Some(search) = state.open_view().and_then(|v| v.search.as_ref()) else {
        return;
    };
    let Some(current) = search.current else {
        return;
    };
    let newer = search.hits.range(current + 1..).count();
    let text = format!(
        "Match {} of {} loaded for \u{201c}{}\u{201d} (n older, N newer, Esc clears).",
        newer + 1,
        search.hits.len(),
        search.query
    );
    notify(state, &text);
}
