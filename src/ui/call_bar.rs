//! The call bar: one row under the recording notice while there is a call: who, the state in words,
//! who is in the call with their mute and hold state, and the latest note.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::call::CallView;
use crate::app::state::AppState;
use crate::config::Theme;
use crate::model::PersonKind;
use crate::text::{display_width, truncate_to_width};

/// Rows the call bar takes.
pub fn rows(state: &AppState) -> u16 {
    u16::from(state.call.is_some())
}

/// The bar's parts: who is called, the state, the roster, the note.
pub fn parts(call: &CallView, me: Option<&str>, now_ms: i64) -> (String, String, String) {
    let kind = match call.target.kind {
        PersonKind::Teams | PersonKind::TeamsApp => format!(" ({})", call.target.kind.label()),
        _ => String::new(),
    };
    let who = format!("☎ {}{kind}", call.name_of(&call.target, me));
    let state = call.state_text(now_ms);
    let mut rest = Vec::new();
    if call.is_live() && !call.roster.is_empty() {
        let members: Vec<String> = call
            .roster
            .iter()
            .map(|m| {
                let mut flags = Vec::new();
                if m.muted {
                    flags.push("muted");
                }
                if m.on_hold {
                    flags.push("on hold");
                }
                let name = call.name_of(m, me);
                if flags.is_empty() {
                    name.to_string()
                } else {
                    format!("{name} ({})", flags.join(", "))
                }
            })
            .collect();
        rest.push(format!("in call: {}", members.join(", ")));
    }
    if let Some(note) = &call.note {
        rest.push(note.to_string());
    }
    if call.is_live() {
        rest.push(":hangup ends it".to_string());
    }
    (who, state, rest.join(" · "))
}

pub fn draw(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(call) = &state.call else {
        return;
    };
    let width = usize::from(area.width);
    let (who, call_state, rest) = parts(call, state.me(), state.now_ms);
    let strong = theme.call_bar.add_modifier(Modifier::BOLD);
    let mut spans = Vec::new();
    let mut used = 0;
    for (text, style) in [
        (format!(" {who} "), theme.call_bar),
        (format!("— {call_state} "), strong),
        (
            if rest.is_empty() {
                String::new()
            } else {
                format!("· {rest} ")
            },
            theme.call_bar,
        ),
    ] {
        let text = truncate_to_width(&text, width.saturating_sub(used));
        used += display_width(&text);
        spans.push(Span::styled(text, style));
    }
    spans.push(Span::styled(
        " ".repeat(width.saturating_sub(used)),
        theme.call_bar,
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
