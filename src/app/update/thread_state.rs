//! `:state`: asks the backend for the open thread as the service holds it, shows it over the
//! messages, scrolls it, and copies it as JSON.

use crossterm::event::{KeyCode, KeyEvent};

use super::{fail, notify, selection};
use crate::app::msg::Effect;
use crate::app::state::{AppState, Overlay};
use crate::backend::Command;

/// Opens the view and asks for a fresh reading of the open thread and the selected message.
pub fn open(state: &mut AppState) -> Vec<Effect> {
    let Some(thread_id) = state.open_thread.clone() else {
        fail(
            state,
            "No thread is open.",
            "Open one in the thread list, then :state (or Ctrl+T).",
        );
        return Vec::new();
    };
    let message_id = state
        .open_view()
        .and_then(|view| selection::target(view).and_then(|o| view.messages.get(&o)))
        .map(|m| m.id.clone());
    state.overlay = Overlay::State(0);
    vec![Effect::Command(Command::InspectThread {
        thread_id,
        message_id,
    })]
}

pub fn on_key(state: &mut AppState, scroll: u16, key: KeyEvent) -> Vec<Effect> {
    let page = state.size.1.saturating_sub(4).max(1);
    let scroll = match key.code {
        KeyCode::Down | KeyCode::Char('j') => scroll.saturating_add(1),
        KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
        KeyCode::PageDown | KeyCode::Char(' ') => scroll.saturating_add(page),
        KeyCode::PageUp => scroll.saturating_sub(page),
        KeyCode::Home | KeyCode::Char('g') => 0,
        KeyCode::Char('r') => return open(state),
        KeyCode::Char('y') => {
            let Some(json) = crate::app::thread_state::to_json(state) else {
                notify(
                    state,
                    "Nothing to copy yet: the thread is still being read.",
                );
                return Vec::new();
            };
            notify(state, "Copied the thread's state as JSON.");
            return vec![Effect::Copy(json)];
        }
        _ => {
            state.overlay = Overlay::None;
            return Vec::new();
        }
    };
    state.overlay = Overlay::State(scroll);
    Vec::new()
}
