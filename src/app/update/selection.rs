//! The message selection and the view that follows it: whatever moves, the selected message stays
//! on screen, so `y`, `:edit` and `:delete` act on what the user sees.

use super::{notify, scroll};
use crate::app::msg::Effect;
use crate::app::state::{AppState, Scroll, ThreadView};
use crate::backend::Command;

fn open_view_mut(state: &mut AppState) -> Option<&mut ThreadView> {
    let id = state.open_thread.clone()?;
    state.views.get_mut(&id)
}

/// Back to the newest message, following what arrives.
pub fn follow_newest(state: &mut AppState) -> Vec<Effect> {
    if let Some(view) = open_view_mut(state) {
        view.scroll = Scroll::default();
        view.selected = None;
        view.new_below = 0;
        view.seek = None;
    }
    scroll::mark_read_if_seen(state).into_iter().collect()
}

/// Selects `order` and moves the view as little as needed to show all of it.
pub fn select(state: &mut AppState, order: i64) {
    if let Some(view) = open_view_mut(state) {
        view.selected = Some(order);
    }
    reveal(state);
}

/// Moves the view so that the selected message shows whole (its top, when it is taller than the view).
pub fn reveal(state: &mut AppState) {
    let Some(view) = state.open_view() else {
        return;
    };
    let Some(order) = view.selected else {
        return;
    };
    let height = scroll::viewport_height(state);
    let shown = scroll::on_screen(state, view)
        .into_iter()
        .find(|s| s.order == order);
    let ctx = scroll::block_context(state, view);
    let block = scroll::height_of(view, order, &ctx);
    let last = view.last_order();
    let fits = block <= height;
    let top_at_top = view.scroll.anchor == Some(order) && view.scroll.lines_up + height == block;
    let need = match shown {
        // Taller than the view: its first line goes to the top, unless it is there already.
        _ if !fits => (!top_at_top).then_some(Place::Top),
        Some(s) if s.top_shows && s.bottom_shows => None,
        // Below the view (or cut at the bottom): it becomes the bottom message.
        Some(s) if !s.bottom_shows && fits => Some(Place::Bottom),
        None if view.scroll.anchor.is_some_and(|a| order > a) => Some(Place::Bottom),
        _ => Some(Place::Top),
    };
    let Some(place) = need else {
        return;
    };
    let lines_up = block.saturating_sub(height);
    let bottom = Scroll {
        anchor: Some(order),
        lines_up: if place == Place::Bottom { 0 } else { lines_up },
    };
    let follow = place == Place::Bottom && Some(order) == last && bottom.lines_up == 0;
    if let Some(view) = open_view_mut(state) {
        view.scroll = if follow { Scroll::default() } else { bottom };
    }
    if place == Place::Top && fits {
        // From "its top is the view's bottom line" down by a view less one line: its top is the top.
        if let Some(view) = open_view_mut(state) {
            view.scroll.lines_up = block - 1;
        }
        scroll::scroll_down(state, height - 1);
    }
    scroll::settle_top(state);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Top,
    Bottom,
}

/// `k` / `j`: the previous or next message. Past the newest, the view follows again.
pub fn step(state: &mut AppState, up: bool) -> Vec<Effect> {
    super::seek::drop_seek(state);
    let Some(thread_id) = state.open_thread.clone() else {
        return Vec::new();
    };
    let Some(view) = state.views.get(&thread_id) else {
        return Vec::new();
    };
    let next = match (view.selected, up) {
        (None, true) => view.last_order(),
        (None, false) => return Vec::new(),
        (Some(current), true) => view.messages.range(..current).next_back().map(|(o, _)| *o),
        (Some(current), false) => view.messages.range(current + 1..).next().map(|(o, _)| *o),
    };
    let at_first = next.is_some_and(|o| view.messages.range(..o).next().is_none());
    let load_older = up && (at_first || next.is_none()) && view.older_available;
    match next {
        Some(order) => select(state, order),
        None if !up => return follow_newest(state),
        None if !load_older => notify(state, "This is the first message of the thread."),
        None => {}
    }
    if load_older {
        return load_older_page(state, &thread_id);
    }
    Vec::new()
}

/// A page of older messages for scrolling, unless one is on its way.
pub fn load_older_page(state: &mut AppState, thread_id: &str) -> Vec<Effect> {
    let Some(view) = state.views.get_mut(thread_id) else {
        return Vec::new();
    };
    if view.loading_older || !view.older_available {
        return Vec::new();
    }
    view.loading_older = true;
    vec![Effect::Command(Command::LoadOlder {
        thread_id: thread_id.to_string(),
    })]
}

/// PageUp / PageDown: the view moves a page; the selection moves with it to the message at its top
/// (up) or bottom (down).
pub fn page(state: &mut AppState, up: bool) -> Vec<Effect> {
    super::seek::drop_seek(state);
    let lines = scroll::viewport_height(state).saturating_sub(2).max(1);
    let mut effects = Vec::new();
    if up {
        effects.extend(scroll::scroll_up(state, lines));
    } else {
        scroll::scroll_down(state, lines);
    }
    adopt_visible(state, up);
    if !up && state.open_view().is_some_and(|v| v.scroll.anchor.is_none()) {
        effects.extend(follow_newest(state));
    }
    effects
}

/// After the view moved by itself (a page, the wheel): a selection that left the screen becomes the
/// message at the top (`prefer_top`) or the bottom of the view.
pub fn adopt_visible(state: &mut AppState, prefer_top: bool) {
    let Some(view) = state.open_view() else {
        return;
    };
    let shown = scroll::on_screen(state, view);
    let visible = |o: i64| shown.iter().any(|s| s.order == o && s.top_shows);
    if view.selected.is_some_and(visible) {
        return;
    }
    if view.selected.is_none() && view.scroll.anchor.is_none() {
        return;
    }
    let choice = if prefer_top {
        shown.iter().rev().find(|s| s.top_shows)
    } else {
        shown.iter().find(|s| s.top_shows && s.bottom_shows)
    }
    .or_else(|| shown.first())
    .map(|s| s.order);
    if let (Some(order), Some(view)) = (choice, open_view_mut(state)) {
        view.selected = Some(order);
    }
}

/// The selected message, or the newest when the view follows: what message commands act on.
pub fn target(view: &ThreadView) -> Option<i64> {
    view.selected.or_else(|| view.last_order())
}
