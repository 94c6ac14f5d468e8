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
        now_ms: state.now_ms,
    }
}

/// Moves the view `lines` up (towards older messages). Returns a load of older messages when the
/// top is reached and there are more.
pub fn scroll_up(state: &mut AppState, lines: usize) -> Option<Effect> {
    let effect = scroll_up_lines(state, lines);
    settle_top(state);
    effect
}

fn scroll_up_lines(state: &mut AppState, lines: usize) -> Option<Effect> {
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

/// The least time between two read receipts for one thread. The service allows 10 per 10 s per user and
/// thread; one every few seconds, for the newest message seen, says the same.
pub const RECEIPT_INTERVAL_MS: i64 = 3_000;

/// When the open thread shows its newest message, it is read: the thread's count clears at once, and a
/// receipt for the newest message from someone else goes out (or waits for the interval).
pub fn mark_read_if_seen(state: &mut AppState) -> Option<Effect> {
    let thread_id = state.open_thread.clone()?;
    let me = state.me()?.to_string();
    let observing = state.identity_mode.is_observing();
    let view = state.views.get_mut(&thread_id)?;
    if view.scroll.anchor.is_some() {
        return None;
    }
    view.new_below = 0;
    let (order, _) = view.newest_from_others.clone()?;
    if view.read_reported.is_some_and(|r| r >= order) {
        return None;
    }
    if observing {
        // Seen here, but not read by the observed user: their receipts stay as the service has them.
        if let Some(summary) = state.threads.iter_mut().find(|t| t.id == thread_id) {
            summary.unread = 0;
        }
        return None;
    }
    // The receipt is ours; the participants pane shows it at once.
    let mine = view.receipts.entry(me).or_insert(order);
    *mine = (*mine).max(order);
    if let Some(summary) = state.threads.iter_mut().find(|t| t.id == thread_id) {
        summary.unread = 0;
    }
    send_receipt(state, &thread_id)
}

/// The receipt for `thread_id`'s newest message from someone else, unless one went out less than the
/// interval ago (then it is due, and a tick sends it).
fn send_receipt(state: &mut AppState, thread_id: &str) -> Option<Effect> {
    if state.identity_mode.is_observing() {
        return None;
    }
    let now = state.now_ms;
    let view = state.views.get_mut(thread_id)?;
    let (order, message_id) = view.newest_from_others.clone()?;
    if view
        .receipt_sent_ms
        .is_some_and(|sent| now - sent < RECEIPT_INTERVAL_MS)
    {
        view.receipt_due = true;
        return None;
    }
    view.read_reported = Some(order);
    view.receipt_sent_ms = Some(now);
    view.receipt_due = false;
    Some(Effect::Command(Command::MarkRead {
        thread_id: thread_id.to_string(),
        message_id,
    }))
}

/// On a tick: the receipts that waited for their interval.
pub fn send_due_receipts(state: &mut AppState) -> Vec<Effect> {
    let due: Vec<String> = state
        .views
        .iter()
        .filter(|(_, v)| v.receipt_due)
        .map(|(id, _)| id.clone())
        .collect();
    due.iter()
        .filter_map(|id| send_receipt(state, id))
        .collect()
}

/// Lines the pending own messages take under the newest message (shown only while following).
pub fn pending_lines(state: &AppState, view: &ThreadView) -> usize {
    if view.scroll.anchor.is_some() {
        return 0;
    }
    let my_name = state
        .open_thread
        .as_deref()
        .map(|t| state.my_name_in(t))
        .unwrap_or_default();
    let ctx = context(state, view);
    view.pending
        .iter()
        .map(|p| crate::ui::blocks::pending_block(p, &my_name, &ctx).len())
        .sum()
}

/// A message on screen, bottom up: whether its first and its last line show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnScreen {
    pub order: i64,
    pub top_shows: bool,
    pub bottom_shows: bool,
}

/// The messages the view shows, newest first.
pub fn on_screen(state: &AppState, view: &ThreadView) -> Vec<OnScreen> {
    let ctx = context(state, view);
    let height = viewport_height(state);
    let Some(anchor) = view.scroll.anchor.or_else(|| view.last_order()) else {
        return Vec::new();
    };
    // Lines between the bottom of the view and the bottom of the block being looked at.
    let mut below = pending_lines(state, view) as isize - view.scroll.lines_up as isize;
    let mut out = Vec::new();
    for (order, _) in view.messages.range(..=anchor).rev() {
        if below >= height as isize {
            break;
        }
        let h = height_of(view, *order, &ctx) as isize;
        out.push(OnScreen {
            order: *order,
            top_shows: below + h <= height as isize,
            bottom_shows: below >= 0,
        });
        below += h;
    }
    out
}

/// The height of one message's block, for callers outside this module.
pub fn height_of(view: &ThreadView, order: i64, ctx: &BlockContext<'_>) -> usize {
    height(view, order, ctx)
}

/// The block context for the open thread.
pub fn block_context<'a>(state: &'a AppState, view: &'a ThreadView) -> BlockContext<'a> {
    context(state, view)
}

/// Keeps the view from showing blank lines above the first message of a thread with no more history:
/// the view moves down until the first message's top is the view's top (or follows, when all fits).
pub fn settle_top(state: &mut AppState) {
    let Some(view) = state.open_view() else {
        return;
    };
    if view.older_available || view.scroll.anchor.is_none() {
        return;
    }
    let height = viewport_height(state);
    let ctx = context(state, view);
    let Some(anchor) = view.scroll.anchor else {
        return;
    };
    let mut above = 0usize;
    for (order, _) in view.messages.range(..=anchor).rev() {
        above += height_of(view, *order, &ctx);
        if above >= height + view.scroll.lines_up {
            return;
        }
    }
    let shown = above.saturating_sub(view.scroll.lines_up);
    if shown < height {
        scroll_down(state, height - shown);
    }
}
