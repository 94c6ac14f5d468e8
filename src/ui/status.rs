//! The status bar, the error bar and the command line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::state::{AppState, CommandLine};
use crate::config::{Action, Theme};
use crate::model::RealtimeState;
use crate::text::{display_width, truncate_to_width};

pub fn draw(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let width = usize::from(area.width);
    let (realtime, realtime_style) = match &state.realtime {
        RealtimeState::Connecting => ("connecting".to_string(), theme.status_warn),
        RealtimeState::Live => ("● live".to_string(), theme.status_live),
        RealtimeState::Reconnecting { attempt } => {
            (format!("↻ reconnecting ({attempt})"), theme.status_warn)
        }
        RealtimeState::Polling { interval_s } => {
            (format!("polling every {interval_s}s"), theme.status_warn)
        }
    };
    let (endpoint, identity) = match &state.connection {
        Some(c) => (
            c.endpoint_label.clone(),
            if state.identity_mode.is_other() {
                // Someone else's identity: whose, and whether this console writes as them.
                state.identity_mode.label(&c.me)
            } else if c.my_name.is_empty() {
                crate::model::short_id(&c.me).to_string()
            } else {
                c.my_name.to_string()
            },
        ),
        None => ("…".to_string(), "…".to_string()),
    };
    let identity_style = if state.identity_mode.is_other() {
        theme.status_warn
    } else {
        theme.status
    };
    let mut left = Vec::new();
    if let Some(replay) = &state.replay {
        left.push(Span::styled(format!(" ▶ {replay} "), theme.status_warn));
    }
    left.extend([
        Span::styled(format!(" {endpoint} "), theme.status),
        Span::styled(format!(" {realtime} "), realtime_style),
        Span::styled(format!(" {identity} "), identity_style),
    ]);
    if let Some((_, name)) = &state.speaking_as {
        left.push(Span::styled(
            format!(" as {name} (Teams) "),
            theme.sender_teams.patch(theme.status),
        ));
    }
    let pending = state.pending_sends();
    if pending > 0 {
        left.push(Span::styled(
            format!(" {pending} sending "),
            theme.status_warn,
        ));
    }
    if let Some(hot) = hotlist(state) {
        left.push(Span::styled(hot, theme.unread));
    }
    let right = match &state.notice {
        Some(notice) => notice.to_string(),
        None => {
            let key = |a: Action, fallback: &str| {
                state
                    .keymap
                    .key_for(a)
                    .unwrap_or_else(|| fallback.to_string())
            };
            format!(
                "{} help · {} commands · Tab focus · Ctrl+C quit",
                key(Action::Help, "?"),
                key(Action::CommandLine, ":")
            )
        }
    };
    let used: usize = left.iter().map(|s| display_width(&s.content)).sum();
    let room = width.saturating_sub(used + 1);
    let right = truncate_to_width(&right, room);
    let gap = width.saturating_sub(used + display_width(&right));
    left.push(Span::styled(" ".repeat(gap), theme.status));
    left.push(Span::styled(right, theme.status));
    frame.render_widget(Paragraph::new(Line::from(left)), area);
}

/// Other threads with unread messages, busiest first: " ◆ Budget 3 · Lunch 1 +2 ".
fn hotlist(state: &AppState) -> Option<String> {
    let mut hot: Vec<(&str, usize)> = state
        .threads
        .iter()
        .filter(|t| t.unread > 0 && state.open_thread.as_deref() != Some(t.id.as_str()))
        .map(|t| (t.topic.as_str(), t.unread))
        .collect();
    if hot.is_empty() {
        return None;
    }
    hot.sort_by_key(|h| std::cmp::Reverse(h.1));
    let shown: Vec<String> = hot
        .iter()
        .take(2)
        .map(|(topic, n)| format!("{} {n}", truncate_to_width(topic, 12)))
        .collect();
    let more = hot.len().saturating_sub(2);
    let more = if more > 0 {
        format!(" +{more}")
    } else {
        String::new()
    };
    Some(format!(" ◆ {}{more} ", shown.join(" · ")))
}

/// The error bar's lines at `width`: what happened, then what to do, wrapped.
pub fn error_lines(state: &AppState, width: u16) -> Vec<String> {
    let Some(error) = &state.error else {
        return Vec::new();
    };
    let wrap = |text: &str| -> Vec<String> {
        crate::text::wrap_lines(
            &[crate::text::StyledLine::plain(text)],
            width.saturating_sub(1),
        )
        .iter()
        .map(|l| l.text())
        .collect()
    };
    let mut lines = wrap(&format!("✗ {}", error.what));
    lines.extend(wrap(&format!("→ {}  (Esc dismisses)", error.fix)));
    lines
}

pub fn draw_error(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let width = usize::from(area.width);
    let mut all = error_lines(state, area.width);
    let rows = usize::from(area.height);
    if all.len() > rows && rows > 0 {
        // Too short a window for all of it: what fits, and how to see the rest.
        all.truncate(rows - 1);
        all.push("… (a taller window shows the rest; Esc dismisses)".to_string());
    }
    let lines: Vec<Line> = all
        .into_iter()
        .map(|text| {
            let text = format!(" {}", truncate_to_width(&text, width.saturating_sub(1)));
            let pad = " ".repeat(width.saturating_sub(display_width(&text)));
            Line::styled(format!("{text}{pad}"), theme.error)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// A one-line input in the status row, after its `prompt` (`:` for commands, `/` for search).
pub fn draw_command_line(
    prompt: &'static str,
    line: &CommandLine,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let mut spans = vec![
        Span::styled(prompt, theme.title),
        Span::raw(line.input.clone()),
        Span::styled("█", theme.hint),
    ];
    if line.completions.len() > 1 {
        spans.push(Span::styled(
            format!(
                "   ({}/{} Tab)",
                line.completion_index + 1,
                line.completions.len()
            ),
            theme.hint,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
