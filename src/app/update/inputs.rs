//! One-line inputs and the help overlay's keys: the `/` search line, the thread switcher's text, and
//! scrolling the help.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::seek;
use crate::app::msg::Effect;
use crate::app::state::{AppState, CommandLine, Overlay};

/// The help overlay scrolls with the arrows and pages; other keys close it.
pub fn on_help_key(state: &mut AppState, offset: u16, key: KeyEvent) -> Vec<Effect> {
    let page = state.size.1.saturating_sub(4).max(1);
    let offset = match key.code {
        KeyCode::Down | KeyCode::Char('j') => offset.saturating_add(1),
        KeyCode::Up | KeyCode::Char('k') => offset.saturating_sub(1),
        KeyCode::PageDown | KeyCode::Char(' ') => offset.saturating_add(page),
        KeyCode::PageUp => offset.saturating_sub(page),
        KeyCode::Home | KeyCode::Char('g') => 0,
        KeyCode::End | KeyCode::Char('G') => u16::MAX,
        _ => {
            state.overlay = Overlay::None;
            return Vec::new();
        }
    };
    state.overlay = Overlay::Help(offset.min(crate::ui::help_scroll_limit(state)));
    Vec::new()
}

/// The `/` line: Enter searches the open thread.
pub fn on_search_key(state: &mut AppState, line: CommandLine, key: KeyEvent) -> Vec<Effect> {
    match line_edit(line, key) {
        LineEdit::Editing(line) => {
            state.overlay = Overlay::Search(line);
            Vec::new()
        }
        LineEdit::Cancelled => {
            state.overlay = Overlay::None;
            Vec::new()
        }
        LineEdit::Done(text) => {
            state.overlay = Overlay::None;
            seek::search(state, &text)
        }
    }
}

/// What a key did to a one-line input.
pub enum LineEdit {
    Editing(CommandLine),
    Cancelled,
    Done(String),
}

/// Editing keys of one-line inputs (search, the thread switcher): typing, Backspace, Ctrl+U clears.
pub fn line_edit(mut line: CommandLine, key: KeyEvent) -> LineEdit {
    match key.code {
        KeyCode::Esc => return LineEdit::Cancelled,
        KeyCode::Enter => return LineEdit::Done(line.input),
        KeyCode::Backspace if line.input.is_empty() => return LineEdit::Cancelled,
        KeyCode::Backspace => {
            line.input.pop();
        }
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => line.input.clear(),
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => line.input.push(c),
        _ => {}
    }
    LineEdit::Editing(line)
}
