//! The inspector overlay: the session's exchanges as a table, newest last, or one of them whole.
//! Everything shown was recorded redacted and is sanitised again here: it came from the network.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::overlays::overlay_box;

use crate::app::inspector::Inspector;
use crate::app::state::AppState;
use crate::config::Theme;
use crate::inspect::{Entry, EntryKind, redact};
use crate::text::{sanitize_line, truncate_to_width};

pub fn draw(state: &AppState, inspector: &Inspector, theme: &Theme, frame: &mut Frame, area: Rect) {
    let rect = area;
    frame.render_widget(Clear, rect);
    let entries = state.wire.entries();
    if let Some(seq) = inspector.open
        && let Some(entry) = entries.iter().find(|e| e.seq == seq)
    {
        draw_entry(state, entry, inspector.scroll, theme, frame, rect);
        return;
    }
    let visible = inspector.visible(&entries);
    let recorded = state.wire.read(|r| r.recorded()).unwrap_or(0);
    let scope = match &inspector.thread {
        Some(_) => "this thread",
        None => "all threads",
    };
    let title = format!(
        " Inspector · {} shown · {} kept of {recorded} · {} · {scope} ",
        visible.len(),
        entries.len(),
        inspector.filter.label(),
    );
    let inner_w = usize::from(rect.width.saturating_sub(2));
    let rows = usize::from(rect.height.saturating_sub(4));
    let mut lines = vec![Line::styled(
        truncate_to_width(&header(inner_w), inner_w),
        theme.title,
    )];
    let highlighted = inspector.highlighted(visible.len());
    let end = highlighted
        .map_or(0, |h| h + 1)
        .max(rows.min(visible.len()));
    let first = end.saturating_sub(rows);
    for (i, entry) in visible.iter().enumerate().take(end).skip(first) {
        let style = if Some(i) == highlighted {
            theme.selection
        } else {
            row_style(entry, theme)
        };
        lines.push(Line::styled(
            truncate_to_width(&row(entry, state.utc_offset_s, inner_w), inner_w),
            style,
        ));
    }
    if visible.is_empty() {
        lines.push(Line::styled(
            "nothing recorded yet for this filter",
            theme.hint,
        ));
    }
    while lines.len() <= rows {
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled(
        truncate_to_width(
            "Enter open · f filter · t this thread · y copy · :har FILE · Esc close",
            inner_w,
        ),
        theme.hint,
    ));
    frame.render_widget(
        Paragraph::new(lines)
            .block(overlay_box(truncate_to_width(&title, inner_w), theme))
            .style(theme.base),
        rect,
    );
}

fn row_style(entry: &Entry, theme: &Theme) -> Style {
    match (entry.error.is_some(), entry.status) {
        (true, _) => theme.error,
        (_, Some(429)) => theme.status_warn,
        (_, Some(s)) if s >= 400 => theme.error,
        _ => theme.base,
    }
}

/// `HH:MM:SS.mmm` in the user's zone.
fn clock(ms: i64, utc_offset_s: i32) -> String {
    let local = ms + i64::from(utc_offset_s) * 1000;
    let day_ms = local.rem_euclid(86_400_000);
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        day_ms / 3_600_000,
        day_ms / 60_000 % 60,
        day_ms / 1000 % 60,
        day_ms % 1000
    )
}

/// Columns before the path: time, method, status, latency, try, and the spaces between.
const FIXED_COLUMNS: usize = 38;
/// The request id column, shown when the window is wide enough.
const ID_COLUMN: usize = 11;

/// How wide the path column is, and whether the request id column shows.
fn path_width(inner_w: usize) -> (usize, bool) {
    let rest = inner_w.saturating_sub(FIXED_COLUMNS);
    if inner_w >= 100 {
        (rest.saturating_sub(ID_COLUMN + 2), true)
    } else {
        (rest, false)
    }
}

fn header(inner_w: usize) -> String {
    let (path_w, ids) = path_width(inner_w);
    let mut text = format!(
        "{:<12} {:<6} {:>6} {:>5} {:>3}  {:<path_w$}",
        "time", "method", "status", "ms", "try", "path / frame"
    );
    if ids {
        text.push_str("  request id");
    }
    text
}

/// One table row.
fn row(entry: &Entry, utc_offset_s: i32, inner_w: usize) -> String {
    let method = match entry.kind {
        EntryKind::Frame { sent: false, .. } => "WS ←",
        EntryKind::Frame { sent: true, .. } => "WS →",
        EntryKind::Callback => "CB ←",
        EntryKind::Http => entry.method.as_str(),
    };
    let status = match (&entry.error, entry.status) {
        (Some(_), _) => "ERR".to_string(),
        (None, Some(s)) => s.to_string(),
        (None, None) => "-".to_string(),
    };
    let latency = entry
        .latency_ms
        .map_or_else(|| "-".to_string(), |ms| ms.to_string());
    let attempt = match entry.kind {
        EntryKind::Http => entry.attempt.to_string(),
        _ => "-".to_string(),
    };
    let what = match entry.kind {
        EntryKind::Http => path_of(&entry.url),
        _ => summary_of_body(entry),
    };
    let what = match entry.retry_after_ms {
        Some(ms) => format!("wait {} s · {what}", ms.div_ceil(1000)),
        None => what,
    };
    let what = match entry.injected_fault() {
        Some(fault) => format!("injected {fault} · {what}"),
        None => what,
    };
    let (path_w, ids) = path_width(inner_w);
    let what = truncate_to_width(&sanitize_line(&what), path_w);
    let mut text = format!(
        "{} {method:<6} {status:>6} {latency:>5} {attempt:>3}  {what:<path_w$}",
        clock(entry.at_ms, utc_offset_s),
    );
    if ids {
        let id = entry
            .request_ids()
            .iter()
            .find_map(|(_, v)| *v)
            .map(tail)
            .unwrap_or_default();
        text.push_str("  ");
        text.push_str(&id);
    }
    sanitize_line(&text).into_owned()
}

/// The path and query of a URL without the origin and `api-version`, which every request shares.
fn path_of(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(parsed) => {
            let path = parsed
                .path()
                .split('/')
                .map(|segment| {
                    let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
                    // Ids are long and hold digits; actions such as `:issueAccessToken` are words.
                    if decoded.chars().count() > 16 && decoded.chars().any(|c| c.is_ascii_digit()) {
                        tail(decoded.trim_end_matches("@thread.v2"))
                    } else {
                        decoded.into_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let query: Vec<String> = parsed
                .query_pairs()
                .filter(|(k, _)| k != "api-version")
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            if query.is_empty() {
                path
            } else {
                format!("{path}?{}", query.join("&"))
            }
        }
        Err(_) => url.to_string(),
    }
}

/// What a frame or callback carries, in a few words: its types.
fn summary_of_body(entry: &Entry) -> String {
    let body = entry
        .response
        .body
        .as_ref()
        .or(entry.request.body.as_ref())
        .map(|b| b.text())
        .unwrap_or("");
    let Ok(value) = serde_json::from_str::<serde_json::Value>(body) else {
        return truncate_to_width(body, 40);
    };
    let kind = |v: &serde_json::Value| {
        ["type", "eventType"]
            .iter()
            .find_map(|k| v.get(*k).and_then(|t| t.as_str()).map(str::to_owned))
    };
    let mut words: Vec<String> = match &value {
        serde_json::Value::Array(items) => items.iter().filter_map(kind).collect(),
        other => kind(other).into_iter().collect(),
    };
    if let Some(inner) = value.get("event").and_then(kind) {
        words.push(inner);
    }
    if let Some(thread) = &entry.thread_id {
        words.push(tail(thread.trim_end_matches("@thread.v2")));
    }
    words.join(" ")
}

/// The last 8 characters of an id: its distinctive part.
fn tail(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 10 {
        id.to_string()
    } else {
        format!("…{}", chars[chars.len() - 8..].iter().collect::<String>())
    }
}

fn draw_entry(
    state: &AppState,
    entry: &Arc<Entry>,
    scroll: u16,
    theme: &Theme,
    frame: &mut Frame,
    rect: Rect,
) {
    let lines = entry_lines(entry, state.utc_offset_s, theme);
    let title = format!(" Exchange #{} · ↑↓ scroll · y copy · Esc back ", entry.seq);
    frame.render_widget(
        Paragraph::new(lines)
            .block(overlay_box(
                truncate_to_width(&title, usize::from(rect.width.saturating_sub(2))),
                theme,
            ))
            .style(theme.base)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        rect,
    );
}

/// An exchange whole: what was asked, what came back, the ids support asks for, then headers and
/// bodies (JSON pretty-printed).
pub fn entry_lines(entry: &Entry, utc_offset_s: i32, theme: &Theme) -> Vec<Line<'static>> {
    let clean = |s: &str| sanitize_line(s).into_owned();
    let mut lines = vec![Line::styled(
        clean(&format!("{} {}", entry.method, entry.url)),
        theme.title,
    )];
    let status = match (&entry.error, entry.status) {
        (Some(e), _) => format!("no answer: {e}"),
        (None, Some(s)) => format!("{s} {}", crate::client::reason_phrase(s)),
        (None, None) => "-".into(),
    };
    let mut facts = vec![format!("at {}", clock(entry.at_ms, utc_offset_s)), status];
    if let Some(ms) = entry.latency_ms {
        facts.push(format!("{ms} ms"));
    }
    facts.push(format!("attempt {}", entry.attempt));
    if let Some(ms) = entry.retry_after_ms {
        facts.push(format!("Retry-After {} s", ms.div_ceil(1000)));
    }
    if let Some(thread) = &entry.thread_id {
        facts.push(format!("thread {thread}"));
    }
    lines.push(Line::raw(clean(&facts.join(" · "))));
    if let Some(fault) = entry.injected_fault() {
        lines.push(Line::styled(
            clean(&format!(
                "Injected by the emulator's fault injection: {fault} (acs-interop faults)"
            )),
            theme.status_warn,
        ));
    }
    for (name, value) in entry.request_ids() {
        if let Some(value) = value {
            lines.push(Line::from(vec![
                Span::styled(format!("{name}: "), theme.hint),
                Span::raw(clean(value)),
            ]));
        }
    }
    for (heading, part) in [("Request", &entry.request), ("Response", &entry.response)] {
        if part.headers.is_empty() && part.body.is_none() {
            continue;
        }
        lines.push(Line::raw(""));
        lines.push(Line::styled(format!("{heading} headers"), theme.title));
        for (name, value) in &part.headers {
            lines.push(Line::from(vec![
                Span::styled(clean(&format!("{name}: ")), theme.hint),
                Span::raw(clean(value)),
            ]));
        }
        if let Some(body) = &part.body {
            lines.push(Line::styled(
                clean(&format!(
                    "{heading} body ({} bytes, {})",
                    body.size, body.mime
                )),
                theme.title,
            ));
            if body.text().is_empty() && body.size > 0 {
                lines.push(Line::styled("(not kept: not text)", theme.hint));
            }
            for line in redact::body(body.text(), true).lines() {
                lines.push(Line::raw(clean(line)));
            }
        }
    }
    lines
}
