//! Scrolling the message list by lines, and noticing when the newest message has been seen.

use crate::app::msg::Effect;
use crate::app::state::{AppState, Scroll, ThreadView};
use crate::backend::Command;
use crate::model::Message;
use crate::ui::blocks::{BlockContext, block_height};
use crate::ui::layout;

/// The width message text wraps to now.
pub fn text_width(state: &AppState) -> u16 {
    layout::message_text_width(crate::ui::current_layout(state).messages)
}

/// The height of the message list's inside.
pub fn viewport_height(state: &AppState) -> usize {
    usize::from(
        crate::ui::current_layout(state)
            .messages
            .height
            .saturating_sub(2),
    )
    .max(1)
}

fn height(view: &ThreadView, order: i64, ctx: &BlockContext<'_>) -> usize {
    let Some(message) = view.messages.get(&order) else {
        return 1;
    };
    let previous: Option<&Message> = view.messages.range(..order).next_back().map(|(_, m)| m);
    block_height(message, previous, ctx).max(1)
}

fn context<'a>(state: &'a AppState, view: &'a ThreadView) -> BlockContext<'a> {
    BlockContext {
        me: state.me().unwrap_or(""),
        utc_offset_s: state.utc_offset_s,
        width: text_width(state),
        view,
    }
}

/// Moves the view `lines` up (towards older messages). Returns a load of older messages when the
/// top is reached and there are more.
pub fn scroll_up(state: &mut AppState, lines: usize) -> Option<Effect> {
    let thread_id = state.open_thread.clone()?;
    let view = state.views.get(&thread_id)?;
    let ctx = context(state, view);
    let mut anchor = view.scroll.anchor.or_else(|| view.last_order())?;
    let mut up = view.scroll.lines_up + lines;
    let mut load_older = None;
    loop {
        let h = height(view, anchor, &ctx);
        if up < h {
            break;
        }
        match view.messages.range(..anchor).next_back() {
            Some((previous, _)) => {
                up -= h;
                anchor = *previous;
            }
            None => {
                up = h - 1;
                if view.older_available && !view.loading_older {
                    load_older = Some(Effect::Command(Command::LoadOlder {
                        thread_id: thread_id.clone(),
                    }));
                }
                break;
            }
        }
    }
    let scroll = Scroll {
        anchor: Some(anchor),
        lines_up: up,
    };
    let view = state.views.get_mut(&thread_id)?;
    view.scroll = scroll;
    if load_older.is_some() {
        view.loading_older = true;
    }
    load_older
}

/// Moves the view `lines` down (towards newer messages); reaching the bottom follows new messages.
pub fn scroll_down(state: &mut AppState, lines: usize) {
    let Some(thread_id) = state.open_thread.clone() else {
        return;
    };
    let Some(view) = state.views.get(&thread_id) else {
        return;
    };
    let Some(mut anchor) = view.scroll.anchor else {
        return;
    };
    let ctx = context(state, view);
    let mut down = lines;
    let mut up = view.scroll.lines_up;
    let follow = loop {
        if down <= up {
            up -= down;
            break false;
        }
        down -= up + 1;
        match view.messages.range(anchor + 1..).next() {
            Some((next, _)) => {
                anchor = *next;
                up = height(view, anchor, &ctx) - 1;
            }
            None => break true,
        }
    };
    let last = view.last_order();
    let scroll = if follow || (up == 0 && Some(anchor) == last) {
        Scroll::default()
    } else {
        Scroll {
            anchor: Some(anchor),
            lines_up: up,
        }
    };
    if let Some(view) = state.views.get_mut(&thread_id) {
        view.scroll = scroll;
    }
}

/// When the open thread shows its newest message, reports the newest message from someone else as read.
pub fn mark_read_if_seen(state: &mut AppState) -> Option<Effect> {
    let thread_id = state.open_thread.clone()?;
    let me = state.me()?.to_string();
    let view = state.views.get_mut(&thread_id)?;
    if view.scroll.anchor.is_some() {
        return None;
    }
    let newest = view
        .messages
        .values()
        .rev()
        .find(|m| !m.kind.is_system() && m.sender.as_deref() != Some(me.as_str()))?;
    if view.read_reported.is_some_and(|r| r >= newest.order) {
        return None;
    }
    let (order, message_id) = (newest.order, newest.id.clone());
    view.read_reported = Some(order);
    // The receipt is ours; the participants pane shows it at once.
    let mine = view.receipts.entry(me).or_insert(order);
    *mine = (*mine).max(order);
    if let Some(summary) = state.threads.iter_mut().find(|t| t.id == thread_id) {
        summary.unread = 0;
    }
    Some(Effect::Command(Command::MarkRead {
        thread_id,
        message_id,
    }))
}
