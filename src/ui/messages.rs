//! The message list (virtualised: only what fits is laid out) and the typing line under it.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::blocks::{BlockContext, BlockLine, Delivery, message_block, pending_block};
use super::{is_focused, pane_block, text_style};
use crate::app::state::{AppState, Focus, ThreadView};
use crate::config::Theme;
use crate::model::{PersonKind, RealtimeState, SafeText};
use crate::text::StyledLine;
use crate::text::truncate_to_width;

pub fn draw(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let title = state
        .open_summary()
        .map(|t| t.topic.as_str().to_string())
        .unwrap_or_else(|| "Messages".to_string());
    let block = pane_block(
        &title,
        area.width,
        is_focused(state, Focus::Messages),
        theme,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let Some(view) = state.open_view() else {
        let hint = if state.connection.is_none() {
            "connecting…"
        } else {
            "no thread open"
        };
        frame.render_widget(Paragraph::new(Line::styled(hint, theme.hint)), inner);
        return;
    };
    if view.messages.is_empty() && state.open_summary().is_some_and(|t| t.deleted) {
        let lines = vec![
            Line::styled(
                "This thread was deleted; nothing of it can be loaded.",
                theme.hint,
            ),
            Line::styled(":forget removes it from the list.", theme.hint),
        ];
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
        return;
    }
    let lines = visible_lines(state, view, theme, inner);
    frame.render_widget(Paragraph::new(lines), inner);
    if let Some(text) = footer(view) {
        let row = Rect {
            y: inner.y + inner.height - 1,
            height: 1,
            ..inner
        };
        let text = truncate_to_width(&format!(" {text} "), usize::from(inner.width));
        let width = crate::text::display_width(&text) as u16;
        let right = Rect {
            x: row.x + row.width.saturating_sub(width),
            width: width.min(row.width),
            ..row
        };
        frame.render_widget(ratatui::widgets::Clear, right);
        frame.render_widget(Paragraph::new(Line::styled(text, theme.unread)), right);
    }
}

/// What the bottom row of the pane says over the messages: loading far back, or news below.
fn footer(view: &ThreadView) -> Option<String> {
    if let Some(seek) = &view.seek {
        let what = match seek.target {
            crate::app::seek::SeekTarget::OlderHit => "searching older messages",
            _ => "loading older messages",
        };
        return Some(format!("{what}… {} loaded · Esc stops", seek.loaded));
    }
    (view.new_below > 0).then(|| format!("{} new ↓ End", view.new_below))
}

/// The lines that fill `inner`, bottom up from the scroll anchor; nothing above the top is laid out.
fn visible_lines(
    state: &AppState,
    view: &ThreadView,
    theme: &Theme,
    inner: Rect,
) -> Vec<Line<'static>> {
    let height = usize::from(inner.height);
    let ctx = BlockContext {
        me: state.me().unwrap_or(""),
        utc_offset_s: state.utc_offset_s,
        width: super::layout::message_text_width(Rect {
            x: 0,
            y: 0,
            width: inner.width + 2,
            height: 0,
        }),
        view,
        now_ms: state.now_ms,
    };
    // Collected bottom up, reversed at the end.
    let mut rev: Vec<Line<'static>> = Vec::with_capacity(height);
    let mut skip = view.scroll.lines_up;
    if view.scroll.anchor.is_none() {
        let my_name = match (&state.connection, state.open_thread.as_deref()) {
            (Some(_), Some(thread_id)) => state.my_name_in(thread_id),
            _ => SafeText::new("me"),
        };
        for pending in view.pending.iter().rev() {
            for line in pending_block(pending, &my_name, &ctx).iter().rev() {
                rev.push(to_line(line, theme, false));
            }
        }
    }
    let upper = view.scroll.anchor.unwrap_or(i64::MAX);
    let mut messages = view.messages.range(..=upper).rev().peekable();
    let query = view.search.as_ref().map(|s| s.query.as_str());
    while rev.len() < height {
        let Some((order, message)) = messages.next() else {
            break;
        };
        let previous = messages.peek().map(|(_, m)| *m);
        let selected = view.selected == Some(*order);
        let block = message_block(message, previous, &ctx);
        for line in block.iter().rev() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let mut line = to_line(line, theme, selected);
            if let Some(query) = query {
                line = highlight(line, query, theme);
            }
            if selected {
                line = select_line(line, theme);
            }
            rev.push(line);
            if rev.len() >= height {
                break;
            }
        }
    }
    if rev.len() < height && messages.peek().is_none() && view.older_available {
        rev.push(Line::styled(
            "  ↑ older messages load as you scroll",
            theme.hint,
        ));
    }
    rev.truncate(height);
    rev.reverse();
    // Short threads sit at the bottom, like a chat.
    let mut lines = vec![Line::default(); height - rev.len()];
    lines.extend(rev);
    lines
}

fn delivery_span(delivery: &Delivery, theme: &Theme) -> Span<'static> {
    let style = match delivery {
        Delivery::Sending | Delivery::Throttled { .. } | Delivery::Retrying { .. } => theme.pending,
        Delivery::Sent | Delivery::ReadBy { .. } => theme.delivered,
        Delivery::Failed { .. } => theme.failed,
    };
    let mark = match delivery {
        Delivery::Sending | Delivery::Throttled { .. } | Delivery::Retrying { .. } => "◌ ",
        Delivery::Sent => "✓ ",
        Delivery::ReadBy { .. } => "✓✓ ",
        Delivery::Failed { .. } => "✗ ",
    };
    Span::styled(format!("  {mark}{}", delivery.label()), style)
}

fn body_line(line: &StyledLine, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::raw("  ")];
    if line.indent > 0 {
        spans.push(Span::raw(" ".repeat(usize::from(line.indent))));
    }
    for _ in 0..line.quote_depth {
        spans.push(Span::styled("│ ", theme.quote));
    }
    for span in &line.spans {
        spans.push(Span::styled(
            span.text.clone(),
            text_style(theme, span.style),
        ));
    }
    Line::from(spans)
}

fn to_line(line: &BlockLine, theme: &Theme, selected: bool) -> Line<'static> {
    match line {
        BlockLine::DaySeparator(label) => {
            Line::styled(format!("── {label} ──"), theme.day_separator).alignment(Alignment::Center)
        }
        BlockLine::Header {
            sender,
            kind,
            mine,
            time,
            edited,
            delivery,
        } => {
            let sender_style = if *mine {
                theme.sender_me
            } else if matches!(kind, PersonKind::Teams | PersonKind::TeamsApp) {
                theme.sender_teams
            } else {
                theme.sender_other
            };
            let sender_style = if selected {
                sender_style.patch(theme.selection)
            } else {
                sender_style
            };
            let mut spans = vec![Span::styled(sender.as_str().to_string(), sender_style)];
            if !*mine && *kind != PersonKind::Acs {
                spans.push(Span::styled(
                    format!(" ({})", kind.label()),
                    theme.badge_teams,
                ));
            }
            spans.push(Span::styled(format!("  {time}"), theme.timestamp));
            if *edited {
                spans.push(Span::styled("  (edited)", theme.timestamp));
            }
            if let Some(d) = delivery {
                spans.push(delivery_span(d, theme));
            }
            Line::from(spans)
        }
        BlockLine::Body(styled) => body_line(styled, theme),
        BlockLine::System(text) => Line::styled(format!("  — {text}"), theme.system),
        BlockLine::SystemContinued(text) => Line::styled(format!("    {text}"), theme.system),
        BlockLine::Deleted => Line::styled("  (message deleted)", theme.deleted),
        BlockLine::UnreadMarker => {
            Line::styled("── new since you left ──", theme.unread).alignment(Alignment::Center)
        }
    }
}

/// The selected message's lines: the selection's colours over the whole row, so it stands out in
/// every theme (and in reverse video without colour).
fn select_line(line: Line<'static>, theme: &Theme) -> Line<'static> {
    let spans = line
        .spans
        .into_iter()
        .map(|s| {
            let style = s.style.patch(theme.selection);
            Span::styled(s.content, style)
        })
        .collect::<Vec<_>>();
    Line {
        spans,
        style: line.style.patch(theme.selection),
        ..line
    }
}

/// `line` with every occurrence of the search `query` in reverse video.
fn highlight(line: Line<'static>, query: &str, theme: &Theme) -> Line<'static> {
    let hit = theme
        .mention
        .add_modifier(ratatui::style::Modifier::REVERSED | ratatui::style::Modifier::BOLD);
    let mut spans = Vec::with_capacity(line.spans.len());
    for span in line.spans {
        let ranges = crate::app::seek::find_ignoring_case(&span.content, query);
        if ranges.is_empty() {
            spans.push(span);
            continue;
        }
        let mut at = 0;
        for range in ranges {
            if range.start > at {
                spans.push(Span::styled(
                    span.content[at..range.start].to_string(),
                    span.style,
                ));
            }
            spans.push(Span::styled(
                span.content[range.clone()].to_string(),
                span.style.patch(hit),
            ));
            at = range.end;
        }
        if at < span.content.len() {
            spans.push(Span::styled(span.content[at..].to_string(), span.style));
        }
    }
    Line { spans, ..line }
}

/// "Alice is typing…", "Alice and Bob are typing…", "Alice and 2 others are typing…".
pub fn typing_text(names: &[&str]) -> Option<String> {
    match names {
        [] => None,
        [one] => Some(format!("{one} is typing…")),
        [a, b] => Some(format!("{a} and {b} are typing…")),
        [first, rest @ ..] => Some(format!("{first} and {} others are typing…", rest.len())),
    }
}

pub fn draw_typing(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let text = if let RealtimeState::Polling { .. } = state.realtime {
        Some("typing indicators are unavailable while polling".to_string())
    } else {
        state.open_view().and_then(|view| {
            let mut typists: Vec<(&String, &str)> = view
                .typing
                .iter()
                .filter(|(_, t)| t.until_ms > state.now_ms)
                .map(|(id, t)| (id, t.name.as_str()))
                .collect();
            typists.sort();
            let names: Vec<&str> = typists.iter().map(|(_, n)| *n).collect();
            typing_text(&names)
        })
    };
    if let Some(text) = text {
        let text = truncate_to_width(&format!(" {text}"), usize::from(area.width));
        frame.render_widget(
            Paragraph::new(Line::styled(text, theme.typing)).style(Style::default()),
            area,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_line_counts_the_others() {
        assert_eq!(typing_text(&[]), None);
        assert_eq!(typing_text(&["Alice"]).unwrap(), "Alice is typing…");
        assert_eq!(
            typing_text(&["Alice", "Bob"]).unwrap(),
            "Alice and Bob are typing…"
        );
        assert_eq!(
            typing_text(&["Alice", "Bob", "Carol"]).unwrap(),
            "Alice and 2 others are typing…"
        );
    }
}
