//! Where each pane goes for a terminal size. Pure, so `update` can use it for mouse hits and scrolling.

use ratatui::layout::Rect;

/// The panes' rectangles; folded panes are `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Panes {
    /// Across the top, above every pane: the recording notice and the call bar.
    pub top: Option<Rect>,
    pub threads: Option<Rect>,
    pub messages: Rect,
    pub typing: Rect,
    pub composer: Rect,
    pub participants: Option<Rect>,
    pub error: Option<Rect>,
    pub status: Rect,
}

/// Below this width the participants pane folds away.
pub const PARTICIPANTS_MIN_WIDTH: u16 = 100;
/// Below this width the thread list folds away too.
pub const THREADS_MIN_WIDTH: u16 = 60;
const THREADS_WIDTH: u16 = 26;
const PARTICIPANTS_WIDTH: u16 = 28;

/// Rows the messages pane, the typing line and the composer keep however long an error is.
const ROWS_KEPT_FROM_ERRORS: u16 = 7;

/// Lays out `area`; `top_lines` is what the recording notice and the call bar need (they come first,
/// whatever the size), `composer_lines` how many lines the composer holds (it grows up to 5) and
/// `error_lines` how many the error bar needs (0 when there is no error).
pub fn panes(area: Rect, top_lines: u16, composer_lines: u16, error_lines: u16) -> Panes {
    let status_h = 1.min(area.height);
    let top_h = top_lines.min(area.height.saturating_sub(status_h));
    let top = (top_h > 0).then(|| Rect::new(area.x, area.y, area.width, top_h));
    let area = Rect {
        y: area.y + top_h,
        height: area.height - top_h,
        ..area
    };
    // An error shows in full (a refusal's fix must be readable), leaving the panes a few rows.
    let error_h = error_lines.min(area.height.saturating_sub(status_h + ROWS_KEPT_FROM_ERRORS));
    let composer_h =
        (composer_lines.clamp(1, 5) + 2).min(area.height.saturating_sub(status_h + error_h + 3));
    let typing_h = 1.min(area.height.saturating_sub(status_h + error_h + composer_h));
    let main_h = area
        .height
        .saturating_sub(status_h + error_h + composer_h + typing_h);

    let mut y = area.y;
    let main = Rect::new(area.x, y, area.width, main_h);
    y += main_h;
    let typing_row = Rect::new(area.x, y, area.width, typing_h);
    y += typing_h;
    let composer_row = Rect::new(area.x, y, area.width, composer_h);
    y += composer_h;
    let error = (error_h > 0).then(|| Rect::new(area.x, y, area.width, error_h));
    y += error_h;
    let status = Rect::new(area.x, y, area.width, status_h);

    let show_threads = area.width >= THREADS_MIN_WIDTH;
    let show_participants = area.width >= PARTICIPANTS_MIN_WIDTH;
    let threads_w = if show_threads {
        THREADS_WIDTH.min(area.width / 3)
    } else {
        0
    };
    let participants_w = if show_participants {
        PARTICIPANTS_WIDTH
    } else {
        0
    };
    let messages_w = area.width.saturating_sub(threads_w + participants_w);

    let threads = show_threads.then(|| Rect::new(main.x, main.y, threads_w, main.height));
    let messages = Rect::new(main.x + threads_w, main.y, messages_w, main.height);
    let participants = show_participants.then(|| {
        Rect::new(
            main.x + threads_w + messages_w,
            main.y,
            participants_w,
            main.height,
        )
    });
    // The typing line and the composer sit under the messages, beside the thread list.
    let typing = Rect::new(
        messages.x,
        typing_row.y,
        area.width - threads_w,
        typing_row.height,
    );
    let composer = Rect::new(
        messages.x,
        composer_row.y,
        area.width - threads_w,
        composer_row.height,
    );
    let threads = threads.map(|t| Rect {
        height: t.height + typing_row.height + composer_row.height,
        ..t
    });
    Panes {
        top,
        threads,
        messages,
        typing,
        composer,
        participants,
        error,
        status,
    }
}

/// The width message text wraps to inside the messages pane (borders and the body indent taken off).
pub fn message_text_width(messages: Rect) -> u16 {
    messages.width.saturating_sub(4).max(1)
}

/// The first thread shown when the list is taller than its pane, so the cursor stays visible. Each
/// thread takes two rows inside the border.
pub fn thread_list_offset(cursor: usize, pane_height: u16) -> usize {
    let rows = usize::from(pane_height.saturating_sub(2)) / 2;
    if rows == 0 {
        return 0;
    }
    cursor.saturating_sub(rows - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn within(inner: Rect, outer: Rect) -> bool {
        inner.x >= outer.x
            && inner.y >= outer.y
            && inner.right() <= outer.right()
            && inner.bottom() <= outer.bottom()
    }

    #[test]
    fn at_80_by_24_participants_fold_and_the_rest_fits() {
        let area = Rect::new(0, 0, 80, 24);
        let p = panes(area, 0, 1, 1);
        assert!(p.participants.is_none());
        assert!(p.threads.is_some());
        assert!(
            p.messages.width >= 50 && p.messages.height >= 10,
            "{:?}",
            p.messages
        );
        for r in [p.messages, p.typing, p.composer, p.status] {
            assert!(within(r, area), "{r:?}");
        }
    }

    #[test]
    fn at_120_by_40_every_pane_shows() {
        let p = panes(Rect::new(0, 0, 120, 40), 0, 3, 0);
        assert!(p.participants.is_some() && p.threads.is_some() && p.error.is_none());
        assert_eq!(p.composer.height, 5);
    }

    #[test]
    fn any_size_lays_out_without_overflow() {
        for w in 0..130 {
            for h in 0..45 {
                let area = Rect::new(0, 0, w, h);
                let p = panes(area, 2, 9, 3);
                if h > 1 {
                    assert!(p.top.is_some(), "{w}x{h}: the notice always has a row");
                }
                for r in [
                    p.top,
                    Some(p.messages),
                    Some(p.typing),
                    Some(p.composer),
                    Some(p.status),
                    p.threads,
                    p.participants,
                    p.error,
                ]
                .into_iter()
                .flatten()
                {
                    assert!(within(r, area), "{w}x{h}: {r:?}");
                }
            }
        }
    }
}
