//! The help overlay and confirmations.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::app::state::{AppState, Confirmation};
use crate::app::update::COMMANDS;
use crate::config::{Action, Theme};

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

pub fn draw_help(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
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
        ("Esc".into(), "leave the composer"),
        (key(Action::CommandLine), "command line"),
        (key(Action::FocusNext), "next pane"),
        (key(Action::Up), "previous thread / message"),
        (key(Action::PageUp), "scroll back (loads older messages)"),
        (key(Action::Bottom), "jump to the newest message"),
        (key(Action::Copy), "copy the message (OSC 52)"),
        (key(Action::Retry), "retry failed sends"),
        (
            key(Action::DismissBanner),
            "close the recording notice (once stopped)",
        ),
        ("Ctrl+C".into(), "quit"),
    ];
    let mut lines = vec![Line::styled("Keys", theme.title)];
    for (k, what) in keys {
        lines.push(Line::from(vec![
            Span::styled(format!("  {k:<22} "), theme.code),
            Span::raw(what),
        ]));
    }
    lines.push(Line::default());
    lines.push(Line::styled(
        "Commands (participants by raw id or by name)",
        theme.title,
    ));
    for (name, what) in COMMANDS {
        lines.push(Line::from(vec![
            Span::styled(format!("  :{name} "), theme.code),
            Span::raw(what),
        ]));
    }
    lines.push(Line::default());
    lines.push(Line::styled("Any key closes this.", theme.hint));
    let rect = centered(area, 82, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.border_focused)
                    .title(" Help "),
            )
            .style(theme.base)
            .wrap(Wrap { trim: false }),
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
    };
    let lines = vec![
        Line::raw(text),
        Line::default(),
        Line::styled("y: yes   n or Esc: no", theme.hint),
    ];
    let rect = centered(area, 60, 7);
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
