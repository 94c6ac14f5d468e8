//! `update(&mut AppState, Msg) -> Vec<Effect>`: every change to the console's state, with no I/O and
//! no clock.

mod attachments;
mod backend;
mod calls;
mod command_line;
mod inputs;
mod inspector;
mod keys;
mod navigate;
mod observe;
pub mod scroll;
mod seek;
mod selection;
pub mod switcher;
mod thread_list;
mod thread_state;

pub use command_line::COMMANDS;

use super::msg::{Effect, Msg};
use super::state::AppState;

/// How long someone shows as typing after their last notification.
pub const TYPING_SHOWN_MS: i64 = 8_000;
/// The least time between two typing notifications this console sends.
pub const TYPING_SEND_INTERVAL_MS: i64 = 8_000;
/// How long a notice stays in the status bar.
const NOTICE_MS: i64 = 6_000;

pub fn update(state: &mut AppState, msg: Msg) -> Vec<Effect> {
    let effects = match msg {
        Msg::Key(key) => {
            let effects = keys::on_key(state, key);
            seen_after(state, effects)
        }
        Msg::Mouse(mouse) => {
            let effects = keys::on_mouse(state, mouse);
            seen_after(state, effects)
        }
        Msg::Paste(text) => keys::on_paste(state, text),
        Msg::Resize(w, h) => {
            state.size = (w, h);
            Vec::new()
        }
        Msg::Tick(now) => {
            on_tick(state, now);
            scroll::send_due_receipts(state)
        }
        Msg::Backend(event) => backend::on_event(state, event),
    };
    // Observing, nothing goes out as the observed identity without a yes.
    observe::hold_writes(state, effects)
}

/// After a key or the mouse: whatever moved the view to the newest message has the news seen.
fn seen_after(state: &mut AppState, mut effects: Vec<Effect>) -> Vec<Effect> {
    let already = effects
        .iter()
        .any(|e| matches!(e, Effect::Command(crate::backend::Command::MarkRead { .. })));
    if !already {
        effects.extend(scroll::mark_read_if_seen(state));
    }
    effects
}

fn on_tick(state: &mut AppState, now: i64) {
    state.now_ms = now;
    for view in state.views.values_mut() {
        view.typing.retain(|_, t| t.until_ms > now);
    }
    if state.notice.is_some() && now >= state.notice_until_ms {
        state.notice = None;
    }
    calls::on_tick(state);
}

fn notify(state: &mut AppState, text: &str) {
    state.notice = Some(crate::model::SafeText::new(text));
    state.notice_until_ms = state.now_ms + NOTICE_MS;
}

fn fail(state: &mut AppState, what: &str, fix: &str) {
    state.error = Some(super::state::ErrorBar {
        what: crate::model::SafeText::new(what),
        fix: crate::model::SafeText::new(fix),
    });
}
