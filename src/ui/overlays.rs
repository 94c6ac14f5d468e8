//! The help overlay and confirmations.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::app::state::{AppState, Confirmation, Switcher};
use crate::app::update::COMMANDS;
use crate::config::{Action, Theme};
use crate::model::IdentityMode;
use crate::text::{display_width, truncate_to_width};

/// The frame every overlay is drawn in: a focused border with a title.
pub(super) fn overlay_box<'a>(title: impl Into<Line<'a>>, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(title)
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// The help box's place in `area`: up to 82 columns wide and as tall as it can be.
fn help_rect(area: Rect, lines: usize) -> Rect {
    centered(area, 82, (lines as u16).saturating_add(2))
}

/// The help's lines, wrapped to `width` with descriptions hanging under their own column.
fn help_lines(state: &AppState, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let key = |a: Action| {
        let keys = state.keymap.keys_for(a);
        if keys.is_empty() {
            "-".to_string()
        } else {
            keys.into_iter().take(2).collect::<Vec<_>>().join("/")
        }
    };
    let keys = [
        (key(Action::Send), "send (in the composer)"),
        (key(Action::Newline), "new line"),
        (
            key(Action::EditLast),
            "edit your last message (composer empty)",
        ),
        (
            "Esc".into(),
            "leave the composer; stop loading; clear the search",
        ),
        ("Ctrl+U".into(), "clear the line (composer and inputs)"),
        (key(Action::CommandLine), "command line"),
        (
            key(Action::FocusNext),
            "next pane (folded panes open over the messages)",
        ),
        (key(Action::Up), "previous thread / message"),
        (key(Action::PageUp), "a page back (threads or messages)"),
        (
            key(Action::Top),
            "the first thread / the first message (loads it)",
        ),
        (key(Action::Bottom), "the last thread / the newest message"),
        (
            key(Action::Search),
            "search this thread (in the thread list: find a thread)",
        ),
        (key(Action::NextHit), "next older match"),
        (key(Action::PreviousHit), "next newer match"),
        (
            key(Action::QuickSwitch),
            "switch thread by topic, person or id",
        ),
        (key(Action::Copy), "copy the selected message (OSC 52)"),
        (key(Action::Retry), "retry failed sends"),
        (
            key(Action::DismissBanner),
            "close the recording notice (once stopped)",
        ),
        (key(Action::Redraw), "redraw the screen"),
        (
            key(Action::ThreadState),
            "this thread's state: participants, receipts, outbox, message",
        ),
        (
            key(Action::Inspect),
            "inspector: every request, answer, realtime frame, call event",
        ),
        ("Ctrl+C".into(), "quit"),
    ];
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let mut lines = vec![Line::styled("Keys", theme.title)];
    let row = |lines: &mut Vec<Line<'static>>, head: String, what: &str| {
        let head_w = display_width(&head);
        let room = inner.saturating_sub(head_w);
        if room < 12 {
            for l in wrap_text(&format!("{head}{what}"), inner) {
                lines.push(Line::raw(l));
            }
            return;
        }
        for (i, chunk) in wrap_text(what, room).into_iter().enumerate() {
            let lead = if i == 0 {
                Span::styled(head.clone(), theme.code)
            } else {
                Span::raw(" ".repeat(head_w))
            };
            lines.push(Line::from(vec![lead, Span::raw(chunk)]));
        }
    };
    for (k, what) in keys {
        row(&mut lines, format!("  {k:<14} "), what);
    }
    lines.push(Line::default());
    lines.push(Line::styled(
        "Commands (participants by raw id or by name)",
        theme.title,
    ));
    for (name, what) in COMMANDS {
        row(&mut lines, format!("  :{name} "), what);
    }
    lines.push(Line::default());
    lines.push(Line::styled(
        "↑↓ PgUp PgDn scroll · any other key closes",
        theme.hint,
    ));
    lines
}

fn wrap_text(text: &str, width: usize) -> Vec<String> {
    crate::text::wrap_lines(
        &[crate::text::StyledLine::plain(text)],
        u16::try_from(width).unwrap_or(u16::MAX).max(1),
    )
    .iter()
    .map(|l| l.text())
    .collect()
}

/// How far the help can scroll at the state's terminal size.
pub fn help_scroll_limit(state: &AppState, theme: &Theme) -> u16 {
    let area = Rect::new(0, 0, state.size.0, state.size.1);
    let width = 82.min(area.width);
    let lines = help_lines(state, theme, width).len();
    let rect = help_rect(area, lines);
    u16::try_from(lines.saturating_sub(usize::from(rect.height.saturating_sub(2)))).unwrap_or(0)
}

pub fn draw_help(state: &AppState, offset: u16, theme: &Theme, frame: &mut Frame, area: Rect) {
    let width = 82.min(area.width);
    let lines = help_lines(state, theme, width);
    let rect = help_rect(area, lines.len());
    let limit = help_scroll_limit(state, theme);
    let offset = offset.min(limit);
    let title = match (offset > 0, offset < limit) {
        (false, true) => " Help (↓ more) ",
        (true, true) => " Help (↑↓ more) ",
        (true, false) => " Help (↑ more) ",
        (false, false) => " Help ",
    };
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(overlay_box(title, theme))
            .style(theme.base)
            .scroll((offset, 0)),
        rect,
    );
}

/// The thread switcher: the typed text and the matching threads.
pub fn draw_switcher(
    state: &AppState,
    switcher: &Switcher,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let rect = centered(area, 70, area.height.saturating_sub(2).max(3));
    let inner_w = usize::from(rect.width.saturating_sub(2));
    let rows = usize::from(rect.height.saturating_sub(3));
    let found = crate::app::update::switcher::matches(state, &switcher.line.input);
    let mut lines = vec![Line::from(vec![
        Span::styled("thread: ", theme.title),
        Span::raw(switcher.line.input.clone()),
        Span::styled("█", theme.hint),
    ])];
    let first = switcher.cursor.saturating_sub(rows.saturating_sub(1));
    for (n, i) in found.iter().enumerate().skip(first).take(rows) {
        let Some(t) = state.threads.get(*i) else {
            continue;
        };
        let mut text = t.topic.to_string();
        if t.deleted {
            text.push_str("  (deleted)");
        }
        if t.unread > 0 {
            text.push_str(&format!("  [{}]", t.unread));
        }
        let style = if n == switcher.cursor {
            theme.selection
        } else if t.deleted {
            theme.deleted
        } else {
            theme.base
        };
        lines.push(Line::styled(truncate_to_width(&text, inner_w), style));
    }
    if found.is_empty() {
        lines.push(Line::styled(
            "no thread matches (:open <thread id> opens one by id)",
            theme.hint,
        ));
    }
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.border_focused)
                    .title(format!(" Switch thread ({} match) ", found.len())),
            )
            .style(theme.base),
        rect,
    );
}

pub fn draw_confirm(question: &Confirmation, theme: &Theme, frame: &mut Frame, area: Rect) {
    let text = match question {
        Confirmation::LargePaste { text } => format!(
            "Paste {} characters ({} lines) into the composer?",
            text.chars().count(),
            text.lines().count()
        ),
        Confirmation::DeleteThread {
            topic, teams_users, ..
        } => {
            let teams = if *teams_users > 0 {
                format!(
                    " Its {teams_users} Teams user(s) will be removed from it and its history hidden from them in Teams."
                )
            } else {
                String::new()
            };
            format!("Delete the thread \u{201c}{topic}\u{201d} for everyone?{teams}")
        }
        Confirmation::ActAs {
            what, who, name, ..
        } => {
            let whom = if name.is_empty() {
                who.to_string()
            } else {
                format!("{name} {who}")
            };
            format!(
                "{what} as {whom} (observing)? Yes acts as them for the rest of this run: read \
                 receipts and typing go out as them too."
            )
        }
    };
    // Tall enough for the question wrapped, a blank line and the keys.
    let height = u16::try_from(wrap_text(&text, 58).len() + 4)
        .unwrap_or(u16::MAX)
        .max(7);
    let lines = vec![
        Line::raw(text),
        Line::default(),
        Line::styled("y: yes   n or Esc: no", theme.hint),
    ];
    let rect = centered(area, 60, height);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.border_focused)
                    .title(" Confirm "),
            )
            .style(theme.base)
            .wrap(Wrap { trim: true }),
        rect,
    );
}

/// `:whoami`: the identity in full, its name here, the endpoint (never the key) and the mode.
pub fn draw_whoami(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let width = 74.min(area.width);
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let (id, endpoint) = match &state.connection {
        Some(c) => (c.me.clone(), c.endpoint_label.clone()),
        None => ("not connected yet".to_string(), "…".to_string()),
    };
    let name = state
        .open_thread
        .as_deref()
        .map(|t| state.my_name_in(t))
        .unwrap_or_else(|| {
            state
                .connection
                .as_ref()
                .map(|c| c.my_name.clone())
                .unwrap_or_default()
        });
    let mode = match state.identity_mode {
        IdentityMode::Own => "own identity: reads and writes as itself",
        IdentityMode::Observing => {
            "observing: no read receipts or typing are sent; a write asks first, and yes acts as them"
        }
        IdentityMode::Acting => "acting as them: messages, read receipts and typing go out as them",
    };
    let mut lines = Vec::new();
    let head_w = 11;
    for (head, value) in [
        ("Identity", crate::model::SafeText::new(&id).to_string()),
        ("Name", name.to_string()),
        ("Endpoint", endpoint),
        ("Mode", mode.to_string()),
    ] {
        // Long ids have no spaces: cut them at the width, not at a word.
        let room = inner.saturating_sub(head_w).max(1);
        let chunks: Vec<String> = if value.contains(' ') {
            wrap_text(&value, room)
        } else {
            value
                .chars()
                .collect::<Vec<_>>()
                .chunks(room)
                .map(|c| c.iter().collect())
                .collect()
        };
        for (i, chunk) in chunks.into_iter().enumerate() {
            let lead = if i == 0 {
                Span::styled(format!("{head:<head_w$}"), theme.title)
            } else {
                Span::raw(" ".repeat(head_w))
            };
            lines.push(Line::from(vec![lead, Span::raw(chunk)]));
        }
    }
    lines.push(Line::default());
    lines.push(Line::styled("any key closes", theme.hint));
    let rect = centered(
        area,
        width,
        u16::try_from(lines.len() + 2).unwrap_or(u16::MAX),
    );
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.border_focused)
                    .title(" Who am I "),
            )
            .style(theme.base),
        rect,
    );
}
