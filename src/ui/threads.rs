//! The thread list: topic, unread count, last activity, Teams badge, deleted threads marked.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{is_focused, pane_block};
use crate::app::state::{AppState, Focus};
use crate::config::Theme;
use crate::text::{display_width, truncate_to_width};
use crate::ui::blocks::{clock, same_day, short_day};

pub fn draw(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let focused = is_focused(state, Focus::Threads);
    let block = pane_block("Threads", area.width, focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    if width == 0 {
        return;
    }
    let offset = super::layout::thread_list_offset(state.thread_cursor, area.height);
    let mut lines = Vec::new();
    if state.threads.is_empty() {
        lines.push(Line::styled("no threads yet", theme.hint));
        lines.push(Line::styled(":new <topic>", theme.hint));
    }
    // Two rows a thread; only what fits is laid out, however long the list.
    let rows = usize::from(inner.height).div_ceil(2);
    for (i, thread) in state.threads.iter().enumerate().skip(offset).take(rows) {
        let open = state.open_thread.as_deref() == Some(thread.id.as_str());
        let badge = if thread.unread > 0 {
            format!(" {} ", thread.unread.min(999))
        } else {
            String::new()
        };
        let marker = if open { "▶ " } else { "  " };
        let topic_width = width.saturating_sub(display_width(marker) + display_width(&badge));
        let mut topic_style = if thread.deleted {
            theme.deleted
        } else if thread.unread > 0 {
            theme.unread
        } else {
            theme.base
        };
        if i == state.thread_cursor && focused {
            topic_style = topic_style.patch(theme.selection);
        }
        let topic = truncate_to_width(thread.topic.as_str(), topic_width);
        let pad = " ".repeat(topic_width.saturating_sub(display_width(&topic)));
        lines.push(Line::from(vec![
            Span::styled(marker, topic_style),
            Span::styled(topic, topic_style),
            Span::styled(pad, topic_style),
            Span::styled(
                badge,
                theme.unread.patch(
                    ratatui::style::Style::default()
                        .add_modifier(ratatui::style::Modifier::REVERSED),
                ),
            ),
        ]));
        let mut detail = vec![Span::raw("  ")];
        if thread.deleted {
            detail.push(Span::styled("deleted ", theme.deleted));
        }
        if thread.has_teams_users {
            detail.push(Span::styled("Teams ", theme.badge_teams));
        }
        if let Some(ms) = thread.last_activity_ms {
            let when = if same_day(ms, state.now_ms, state.utc_offset_s) {
                clock(ms, state.utc_offset_s)
            } else {
                short_day(ms, state.utc_offset_s)
            };
            let used: usize = detail.iter().map(|s| display_width(&s.content)).sum();
            detail.push(Span::styled(
                truncate_to_width(&when, width.saturating_sub(used)),
                theme.timestamp,
            ));
        }
        lines.push(Line::from(detail));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
