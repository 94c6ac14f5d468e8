//! Participants: name, kind, and how far each has read.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{is_focused, pane_block};
use crate::app::state::{AppState, Focus};
use crate::config::Theme;
use crate::model::PersonKind;
use crate::text::truncate_to_width;
use crate::ui::blocks::clock;

pub fn draw(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = pane_block(
        "Participants",
        area.width,
        is_focused(state, Focus::Participants),
        theme,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let Some(view) = state.open_view() else {
        return;
    };
    let me = state.me().unwrap_or("");
    let newest = view.last_order();
    let mut lines = Vec::new();
    for p in &view.participants {
        let name = if p.name.is_empty() {
            crate::model::short_id(&p.raw_id)
        } else {
            p.name.clone()
        };
        let you = if p.raw_id == me { " (you)" } else { "" };
        let style = match p.kind {
            PersonKind::Teams | PersonKind::TeamsApp => theme.sender_teams,
            _ if p.raw_id == me => theme.sender_me,
            _ => theme.sender_other,
        };
        lines.push(Line::from(Span::styled(
            truncate_to_width(&format!("{name}{you}"), width),
            style,
        )));
        let read = match p.kind {
            PersonKind::Teams => "no read receipts (Teams)".to_string(),
            PersonKind::TeamsApp => "Teams app: no read receipts".to_string(),
            _ => match (view.receipts.get(&p.raw_id), newest) {
                (Some(r), Some(n)) if *r >= n => "read everything".to_string(),
                (Some(r), _) => match view.messages.get(r) {
                    Some(m) => format!("read up to {}", clock(m.created_ms, state.utc_offset_s)),
                    None => "read older messages".to_string(),
                },
                (None, _) => "nothing read yet".to_string(),
            },
        };
        let detail = match p.kind {
            PersonKind::Teams | PersonKind::TeamsApp => format!("  {read}"),
            kind => format!("  {} · {read}", kind.label()),
        };
        lines.push(Line::from(Span::styled(
            truncate_to_width(&detail, width),
            theme.hint,
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
