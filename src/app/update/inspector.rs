//! Keys over the inspector: move through the exchanges, open one, filter, copy.

use crossterm::event::{KeyCode, KeyEvent};

use crate::app::inspector::{Inspector, entry_json};
use crate::app::msg::Effect;
use crate::app::state::{AppState, Overlay};

/// Opens the inspector on everything, following the newest.
pub fn open(state: &mut AppState) {
    state.overlay = Overlay::Inspector(Inspector::default());
}

pub fn on_key(state: &mut AppState, mut inspector: Inspector, key: KeyEvent) -> Vec<Effect> {
    let page = usize::from(state.size.1.saturating_sub(6).max(1));
    let entries = state.wire.entries();
    let visible = inspector.visible(&entries);
    let mut effects = Vec::new();
    if inspector.open.is_some() {
        match key.code {
            KeyCode::Esc | KeyCode::Backspace | KeyCode::Char('q') => inspector.open = None,
            KeyCode::Down | KeyCode::Char('j') => {
                inspector.scroll = inspector.scroll.saturating_add(1)
            }
            KeyCode::Up | KeyCode::Char('k') => {
                inspector.scroll = inspector.scroll.saturating_sub(1)
            }
            KeyCode::PageDown | KeyCode::Char(' ') => {
                inspector.scroll = inspector.scroll.saturating_add(page as u16)
            }
            KeyCode::PageUp => inspector.scroll = inspector.scroll.saturating_sub(page as u16),
            KeyCode::Home | KeyCode::Char('g') => inspector.scroll = 0,
            KeyCode::Char('y') => {
                if let Some(entry) = entries.iter().find(|e| Some(e.seq) == inspector.open) {
                    effects.push(Effect::Copy(entry_json(entry)));
                    super::notify(state, "Copied the exchange as JSON (HAR entry).");
                }
            }
            _ => {}
        }
        state.overlay = Overlay::Inspector(inspector);
        return effects;
    }
    let last = visible.len().saturating_sub(1);
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') => {
            state.overlay = Overlay::None;
            return effects;
        }
        KeyCode::Up | KeyCode::Char('k') => inspector.from_newest += 1,
        KeyCode::Down | KeyCode::Char('j') => {
            inspector.from_newest = inspector.from_newest.saturating_sub(1)
        }
        KeyCode::PageUp => inspector.from_newest += page,
        KeyCode::PageDown => inspector.from_newest = inspector.from_newest.saturating_sub(page),
        KeyCode::Home | KeyCode::Char('g') => inspector.from_newest = last,
        KeyCode::End | KeyCode::Char('G') => inspector.from_newest = 0,
        KeyCode::Char('f') => {
            inspector.filter = inspector.filter.next();
            inspector.from_newest = 0;
        }
        KeyCode::Char('t') => {
            inspector.thread = match inspector.thread {
                Some(_) => None,
                None => state.open_thread.clone(),
            };
            inspector.from_newest = 0;
        }
        KeyCode::Enter => {
            inspector.open = inspector
                .highlighted(visible.len())
                .and_then(|i| visible.get(i))
                .map(|e| e.seq);
            inspector.scroll = 0;
        }
        KeyCode::Char('y') => {
            if let Some(entry) = inspector
                .highlighted(visible.len())
                .and_then(|i| visible.get(i))
            {
                effects.push(Effect::Copy(entry_json(entry)));
                super::notify(state, "Copied the exchange as JSON (HAR entry).");
            }
        }
        _ => {}
    }
    inspector.from_newest = inspector.from_newest.min(last);
    state.overlay = Overlay::Inspector(inspector);
    effects
}
