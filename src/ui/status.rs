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
            if c.my_name.is_empty() {
                c.me.clone()
            } else {
                c.my_name.to_string()
            },
        ),
        None => ("…".to_string(), "…".to_string()),
    };
    let mut left = vec![
        Span::styled(format!(" {endpoint} "), theme.status),
        Span::styled(format!(" {realtime} "), realtime_style),
        Span::styled(format!(" {identity} "), theme.status),
    ];
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
    let max = usize::from(super::layout::MAX_ERROR_LINES);
    if lines.len() > max {
        lines.truncate(max);
        if let Some(last) = lines.last_mut() {
            *last = truncate_to_width(&format!("{last}…"), usize::from(width));
        }
    }
    lines
}

pub fn draw_error(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let width = usize::from(area.width);
    let lines: Vec<Line> = error_lines(state, area.width)
        .into_iter()
        .map(|text| {
            let text = format!(" {}", truncate_to_width(&text, width.saturating_sub(1)));
            let pad = " ".repeat(width.saturating_sub(display_width(&text)));
            Line::styled(format!("{text}{pad}"), theme.error)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

pub fn draw_command_line(line: &CommandLine, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut spans = vec![
        Span::styled(":", theme.title),
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
