//! The composer: a multi-line editor (Enter sends, Alt+Enter adds a line).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use super::{is_focused, pane_block};
use crate::app::state::{AppState, Focus};
use crate::config::Theme;

pub fn draw(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let focused = is_focused(state, Focus::Composer);
    let title = if state.composer.editing.is_some() {
        "Editing (Enter saves, Esc cancels)"
    } else if focused {
        "Message (Enter sends, Alt+Enter new line, Esc leaves)"
    } else {
        "Message (i to write)"
    };
    let block = pane_block(title, area.width, focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // The editor's cursor shows only with the focus; a clone keeps `view` from changing the state.
    let mut textarea = state.composer.textarea.clone();
    textarea.set_style(theme.base);
    textarea.set_cursor_line_style(Style::default());
    textarea.set_cursor_style(if focused {
        Style::default().add_modifier(Modifier::REVERSED)
    } else {
        Style::default()
    });
    if state.composer.is_empty() && !focused {
        textarea.set_placeholder_text("");
    }
    frame.render_widget(&textarea, inner);
}
