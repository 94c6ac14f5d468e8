//! The thread switcher (Ctrl+K, or `/` in the thread list): type part of a topic, a participant's
//! name or a thread id; Enter opens the highlighted match.

use crossterm::event::{KeyCode, KeyEvent};

use super::backend::open_thread;
use super::inputs::{LineEdit, line_edit};
use crate::app::msg::Effect;
use crate::app::state::{AppState, Focus, Overlay, Switcher};

/// The threads matching `query`, best first: topic matches, then participant and id matches, each
/// in list order; deleted threads last.
pub fn matches(state: &AppState, query: &str) -> Vec<usize> {
    let query = query.trim().to_lowercase();
    let mut scored: Vec<(u8, usize)> = state
        .threads
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            if query.is_empty() {
                return Some((0, i));
            }
            let topic = t.topic.as_str().to_lowercase().contains(&query);
            let person = state.views.get(&t.id).is_some_and(|v| {
                v.participants
                    .iter()
                    .any(|p| p.name.as_str().to_lowercase().contains(&query))
            });
            let id = t.id.to_lowercase().contains(&query);
            let rank = if topic {
                0
            } else if person || id {
                1
            } else {
                return None;
            };
            Some((rank + if t.deleted { 2 } else { 0 }, i))
        })
        .collect();
    scored.sort();
    scored.into_iter().map(|(_, i)| i).collect()
}

pub fn on_key(state: &mut AppState, mut switcher: Switcher, key: KeyEvent) -> Vec<Effect> {
    let found = matches(state, &switcher.line.input);
    match key.code {
        KeyCode::Up => switcher.cursor = switcher.cursor.saturating_sub(1),
        KeyCode::Down => switcher.cursor = (switcher.cursor + 1).min(found.len().saturating_sub(1)),
        _ => match line_edit(switcher.line.clone(), key) {
            LineEdit::Editing(line) => {
                switcher.line = line;
                switcher.cursor = 0;
            }
            LineEdit::Cancelled => {
                state.overlay = Overlay::None;
                return Vec::new();
            }
            LineEdit::Done(_) => {
                state.overlay = Overlay::None;
                let Some(id) = found
                    .get(switcher.cursor)
                    .and_then(|i| state.threads.get(*i))
                    .map(|t| t.id.clone())
                else {
                    super::notify(
                        state,
                        "No thread matches; :open <thread id> opens one by id.",
                    );
                    return Vec::new();
                };
                state.focus = Focus::Composer;
                return open_thread(state, &id);
            }
        },
    }
    state.overlay = Overlay::Switcher(switcher);
    Vec::new()
}
