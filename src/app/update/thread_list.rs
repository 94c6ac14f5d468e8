//! Moving in the thread list: by one, by a page, to either end.

use crate::app::state::AppState;
use crate::config::Action;

/// Threads one page of the list shows (each takes two rows inside the border).
fn page(state: &AppState) -> usize {
    crate::ui::current_layout(state)
        .threads
        .map(|r| usize::from(r.height.saturating_sub(2)) / 2)
        .unwrap_or(1)
        .max(1)
}

pub fn move_cursor(state: &mut AppState, action: Action) {
    let n = state.threads.len();
    if n == 0 {
        return;
    }
    let page = page(state);
    let at = state.thread_cursor;
    state.thread_cursor = match action {
        Action::Up => at.saturating_sub(1),
        Action::Down => at + 1,
        Action::PageUp => at.saturating_sub(page),
        Action::PageDown => at + page,
        Action::Top => 0,
        Action::Bottom => n - 1,
        _ => at,
    }
    .min(n - 1);
}
