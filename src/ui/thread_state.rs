//! The `:state` overlay: the open thread as the service holds it, and what only this console knows
//! (typing now, the outbox), in sections. Full ids: this is the view for debugging.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::overlays::overlay_box;
use crate::app::state::AppState;
use crate::app::thread_state::{current, outbox, send_state, typing_now};
use crate::config::Theme;
use crate::model::thread_state::{Metadata, ThreadState};
use crate::text::{display_width, sanitize_line, truncate_to_width};

pub fn draw(state: &AppState, scroll: u16, theme: &Theme, frame: &mut Frame, area: Rect) {
    frame.render_widget(Clear, area);
    let lines = match current(state) {
        Some(reading) => lines(state, reading, theme, area.width.saturating_sub(2)),
        None => vec![Line::styled(
            "reading the thread from the service…",
            theme.hint,
        )],
    };
    let title = " Thread state · ↑↓ scroll · r read again · y copy JSON · Esc close ";
    frame.render_widget(
        Paragraph::new(lines)
            .block(overlay_box(
                truncate_to_width(title, usize::from(area.width.saturating_sub(2))),
                theme,
            ))
            .style(theme.base)
            .scroll((scroll, 0)),
        area,
    );
}

/// `2026-11-28 05:00:00` in the user's zone, or a dash.
fn stamp(ms: Option<i64>, utc_offset_s: i32) -> String {
    let Some(ms) = ms else {
        return "—".into();
    };
    let local = i128::from(ms + i64::from(utc_offset_s) * 1000) * 1_000_000;
    match time::OffsetDateTime::from_unix_timestamp_nanos(local) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => "—".into(),
    }
}

fn metadata_text(m: &Metadata) -> String {
    if m.is_empty() {
        return "—".into();
    }
    m.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Words of `text` in lines of at most `width` columns; a word longer than that (a raw id) is
/// broken over lines, never cut: every character of an id matters here.
fn word_wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    let pieces = text
        .split_whitespace()
        .flat_map(|word| split_to_width(word, width));
    for word in pieces {
        let needed = display_width(&line) + usize::from(!line.is_empty()) + display_width(&word);
        if !line.is_empty() && needed > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    out.push(line);
    out
}

/// `word` in pieces of at most `width` columns.
fn split_to_width(word: &str, width: usize) -> Vec<String> {
    let mut pieces = vec![String::new()];
    for g in unicode_segmentation::UnicodeSegmentation::graphemes(word, true) {
        let last = pieces.last_mut().map_or(0, |p| display_width(p));
        if last + display_width(g) > width {
            pieces.push(String::new());
        }
        if let Some(piece) = pieces.last_mut() {
            piece.push_str(g);
        }
    }
    pieces
}

/// The width of the names before each value.
const NAME_COLUMN: usize = 15;

fn lines(state: &AppState, s: &ThreadState, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let value_width = usize::from(width).saturating_sub(NAME_COLUMN);
    let at = |ms: Option<i64>| stamp(ms, state.utc_offset_s);
    let mut out: Vec<Line<'static>> = Vec::new();
    let heading = |out: &mut Vec<Line<'static>>, text: String| {
        out.push(Line::raw(""));
        out.push(Line::styled(sanitize_line(&text).into_owned(), theme.title));
    };
    // Values wrap under their own column, so the names stay readable.
    let field = |out: &mut Vec<Line<'static>>, name: &str, value: String| {
        let value = sanitize_line(&value).into_owned();
        for (i, part) in word_wrap(&value, value_width).into_iter().enumerate() {
            let name = if i == 0 { name } else { "" };
            out.push(Line::from(vec![
                Span::styled(format!("  {name:<13}"), theme.hint),
                Span::raw(part),
            ]));
        }
    };
    out.push(Line::styled(
        sanitize_line(&format!("Thread {}", s.thread_id)).into_owned(),
        theme.title,
    ));
    field(&mut out, "read at", at(Some(s.fetched_ms)));
    field(&mut out, "topic", s.topic.to_string());
    let by = s
        .created_by
        .as_ref()
        .map(|c| format!(" by {c}"))
        .unwrap_or_default();
    field(&mut out, "created", format!("{}{by}", at(s.created_ms)));
    field(&mut out, "deleted", at(s.deleted_ms));
    field(&mut out, "metadata", metadata_text(&s.metadata));
    if let Some(r) = &s.retention {
        field(&mut out, "retention", r.to_string());
    }

    heading(&mut out, format!("Participants ({})", s.participants.len()));
    for p in &s.participants {
        let you = if state.me() == Some(p.raw_id.as_str()) {
            " (you)"
        } else {
            ""
        };
        let history = match p.share_history_ms {
            Some(ms) => format!("history from {}", at(Some(ms))),
            None => "all history".into(),
        };
        field(
            &mut out,
            &format!("{:?}", p.kind).to_lowercase(),
            format!("{}{you} · {} · {history}", p.name, p.raw_id),
        );
        if !p.metadata.is_empty() {
            field(
                &mut out,
                "",
                format!("metadata {}", metadata_text(&p.metadata)),
            );
        }
        if let Some(t) = &p.teams {
            let on = |b: bool| if b { "on" } else { "off" };
            let row = t
                .table_row
                .map(|r| format!("table row {r}: "))
                .unwrap_or_default();
            field(
                &mut out,
                "",
                format!(
                    "Teams interop: chat {} · calls {} · {row}{}",
                    on(t.chat_enabled),
                    on(t.calls_enabled),
                    t.row
                ),
            );
            for why in &t.reasons {
                field(&mut out, "", format!("why: {why}"));
            }
        }
    }

    heading(&mut out, format!("Read receipts ({})", s.receipts.len()));
    if s.receipts.is_empty() {
        field(&mut out, "", "nobody has read anything yet".into());
    }
    for r in &s.receipts {
        let name = s
            .participants
            .iter()
            .find(|p| p.raw_id == r.reader)
            .map(|p| p.name.to_string())
            .unwrap_or_else(|| r.reader.to_string());
        field(
            &mut out,
            "",
            format!("{name} read {} at {}", r.message_id, at(r.read_ms)),
        );
    }

    heading(&mut out, "Typing now".into());
    let typing = typing_now(state);
    if typing.is_empty() {
        field(&mut out, "", "nobody".into());
    }
    for (id, name) in typing {
        field(&mut out, "", format!("{name} · {id}"));
    }

    let pending = outbox(state);
    heading(
        &mut out,
        format!("This console's outbox ({})", pending.len()),
    );
    if pending.is_empty() {
        field(&mut out, "", "empty: everything sent was delivered".into());
    }
    for p in pending {
        let (kind, message_id, error) = send_state(p);
        let mut text = format!(
            "{} · {kind} · since {}",
            p.client_id,
            at(Some(p.created_ms))
        );
        if let Some(id) = message_id {
            text.push_str(&format!(" · message {id}"));
        }
        if let Some(e) = error {
            text.push_str(&format!(" · {e}"));
        }
        field(&mut out, "", text);
    }

    heading(&mut out, "Selected message".into());
    match &s.message {
        Some(m) => {
            field(
                &mut out,
                "id",
                format!(
                    "{} · version {} · sequence {}",
                    m.id, m.version, m.sequence_id
                ),
            );
            field(&mut out, "type", m.kind.to_string());
            let sender = m
                .sender
                .as_ref()
                .map(|id| format!("{} · {id}", m.sender_name))
                .unwrap_or_else(|| "the service".into());
            field(&mut out, "from", sender);
            field(&mut out, "created", at(m.created_ms));
            field(&mut out, "edited", at(m.edited_ms));
            field(&mut out, "deleted", at(m.deleted_ms));
            field(&mut out, "metadata", metadata_text(&m.metadata));
        }
        None => field(&mut out, "", "none selected (k/j in the messages)".into()),
    }
    if !s.problems.is_empty() {
        heading(&mut out, "Not read".into());
        for p in &s.problems {
            out.push(Line::styled(
                sanitize_line(&format!("  {p}")).into_owned(),
                theme.error,
            ));
        }
    }
    out
}
