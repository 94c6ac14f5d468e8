//! The human output: aligned columns of sanitised text, and messages as `TIME  SENDER  text` rows
//! whose bodies go through the console's HTML-to-text path.

use crate::acs::chat::ChatMessage;
use crate::acs::events::ChatMessageEvent;
use crate::backend::convert;
use crate::model::Message;
use crate::text::{clipboard_text, display_width, sanitize_line, truncate_to_width};

/// Columns are cut to this many cells (the last one is not).
const MAX_COLUMN: usize = 48;
/// The sender column of message rows.
const SENDER_WIDTH: usize = 20;

/// Rows of cells, printed with every column as wide as its widest cell.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; every cell is sanitised here, and cut unless it is the last.
    pub fn row(&mut self, cells: Vec<String>) {
        let last = cells.len().saturating_sub(1);
        let cells = cells
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let safe = sanitize_line(&c).into_owned();
                if i < last && display_width(&safe) > MAX_COLUMN {
                    truncate_to_width(&safe, MAX_COLUMN)
                } else {
                    safe
                }
            })
            .collect();
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The lines, header first.
    pub fn lines(&self) -> Vec<String> {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| display_width(h)).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(display_width(cell));
            }
        }
        std::iter::once(&self.header)
            .chain(&self.rows)
            .map(|row| {
                let mut line = String::new();
                for (i, cell) in row.iter().enumerate() {
                    line.push_str(cell);
                    if i + 1 < row.len() {
                        let pad = widths[i].saturating_sub(display_width(cell)) + 2;
                        line.extend(std::iter::repeat_n(' ', pad));
                    }
                }
                line.trim_end().to_string()
            })
            .collect()
    }
}

/// A message's text as plain lines: the body through the HTML path (links and attachments shown),
/// a system message as its sentence, with markers for edits and deletions.
fn body(message: &Message) -> Vec<String> {
    if message.deleted_ms.is_some() {
        return vec!["(deleted)".into()];
    }
    let mut lines: Vec<String> = if message.kind.is_system() {
        vec![format!("* {}", message.system_text())]
    } else {
        clipboard_text(&message.body_lines())
            .split('\n')
            // Already sanitised on the way through; again, so that this is the one place to check.
            .map(|l| sanitize_line(l).into_owned())
            .collect()
    };
    if lines.iter().all(|l| l.trim().is_empty()) {
        lines = vec![String::new()];
    }
    if message.edited_ms.is_some()
        && let Some(last) = lines.last_mut()
    {
        last.push_str(" (edited)");
    }
    lines
}

/// `name` or the raw id when there is none, cut or padded to the sender column.
fn sender(message: &Message) -> String {
    let name = if !message.sender_name.is_empty() {
        message.sender_name.as_str().to_string()
    } else if message.kind.is_system() {
        String::new()
    } else {
        sanitize_line(message.sender.as_deref().unwrap_or("?")).into_owned()
    };
    let cut = if display_width(&name) > SENDER_WIDTH {
        truncate_to_width(&name, SENDER_WIDTH)
    } else {
        name
    };
    let pad = SENDER_WIDTH.saturating_sub(display_width(&cut));
    format!("{cut}{}", " ".repeat(pad))
}

/// The rows of one message: time, sender, then the body, continued under itself.
pub fn message_rows(message: &Message, time: &str) -> Vec<String> {
    let lead = format!("{time}  {}  ", sender(message));
    let indent = " ".repeat(display_width(&lead));
    body(message)
        .into_iter()
        .enumerate()
        .map(|(i, text)| {
            let line = if i == 0 {
                format!("{lead}{text}")
            } else {
                format!("{indent}{text}")
            };
            line.trim_end().to_string()
        })
        .collect()
}

/// [`message_rows`] of a listed message.
pub fn listed_message(m: &ChatMessage, time: &str) -> Vec<String> {
    message_rows(&convert::message(m), time)
}

/// [`message_rows`] of a message event.
pub fn event_message(e: &ChatMessageEvent, time: &str) -> Vec<String> {
    message_rows(&convert::message_event(e.clone()), time)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_on_display_width_and_cells_are_made_safe() {
        let mut table = Table::new(&["NAME", "ID"]);
        table.row(vec!["日本".into(), "a".into()]);
        table.row(vec!["x\u{1b}[31m".into(), "b".into()]);
        let lines = table.lines();
        assert_eq!(lines[0], "NAME    ID");
        assert_eq!(lines[1], "日本    a");
        assert_eq!(lines[2], "x\u{241b}[31m  b");
    }
}
