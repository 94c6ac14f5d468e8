//! Reading a record back. The whole file is checked before anything is shown: the first line must be
//! this format's header, every other line one timed event, times never going back. A record is
//! untrusted input: every string in it passes the sanitiser before it is parsed.

use std::path::Path;

use super::format::{Entry, FORMAT, Header, VERSION};
use crate::text::{sanitize, sanitize_line};

/// A record, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub header: Header,
    pub entries: Vec<Entry>,
}

/// Why a file is not a record this build can play.
#[derive(Debug, thiserror::Error)]
pub enum BadRecord {
    #[error("cannot read {path}: {source}")]
    Unreadable {
        path: String,
        source: std::io::Error,
    },
    /// What is wrong, and on which line (from 1).
    #[error("line {line}: {what}")]
    Line { line: usize, what: String },
}

impl BadRecord {
    fn at(line: usize, what: impl Into<String>) -> BadRecord {
        // The words may quote the file.
        BadRecord::Line {
            line,
            what: sanitize_line(&what.into()).into_owned(),
        }
    }
}

/// Reads and checks the record at `path`.
pub fn read_record(path: &Path) -> Result<Record, BadRecord> {
    let bytes = std::fs::read(path).map_err(|source| BadRecord::Unreadable {
        path: path.display().to_string(),
        source,
    })?;
    parse_record(&bytes)
}

/// Fields whose text may hold line breaks (message bodies and own messages on their way).
const MULTI_LINE_FIELDS: &[&str] = &["body", "content"];

/// Sanitises every string in `value`: single-line except in [`MULTI_LINE_FIELDS`].
fn sanitize_strings(value: &mut serde_json::Value, multi_line: bool) {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            let clean = if multi_line {
                sanitize(s)
            } else {
                sanitize_line(s)
            };
            if let std::borrow::Cow::Owned(clean) = clean {
                *s = clean;
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| sanitize_strings(v, multi_line)),
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                sanitize_strings(v, MULTI_LINE_FIELDS.contains(&key.as_str()));
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// One line as JSON, its strings sanitised.
fn json_line(line: usize, bytes: &[u8], last: bool) -> Result<serde_json::Value, BadRecord> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| BadRecord::at(line, format!("not UTF-8 text ({e})")))?;
    let text = text.strip_suffix('\r').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(BadRecord::at(line, "an empty line"));
    }
    let mut value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        if e.is_eof() && last {
            BadRecord::at(
                line,
                "the line stops in the middle: the file was cut short (did the recording crash?)",
            )
        } else if e.is_eof() {
            BadRecord::at(line, "the line stops in the middle of its JSON")
        } else {
            BadRecord::at(line, format!("not JSON: {e}"))
        }
    })?;
    sanitize_strings(&mut value, false);
    Ok(value)
}

fn typed<T: serde::de::DeserializeOwned>(
    line: usize,
    value: serde_json::Value,
) -> Result<T, BadRecord> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            BadRecord::at(line, inner.to_string())
        } else {
            BadRecord::at(line, format!("{path}: {inner}"))
        }
    })
}

fn header(value: serde_json::Value) -> Result<Header, BadRecord> {
    let format = value.get("format").and_then(|f| f.as_str());
    if format != Some(FORMAT) {
        return Err(BadRecord::at(
            1,
            format!(
                "not an acs-interop record: the first line must be a header with \"format\": \"{FORMAT}\""
            ),
        ));
    }
    let version = value.get("version").and_then(|v| v.as_u64());
    match version {
        Some(v) if v == u64::from(VERSION) => typed(1, value),
        Some(v) => Err(BadRecord::at(
            1,
            format!("record format version {v}; this acs-interop reads version {VERSION}"),
        )),
        None => Err(BadRecord::at(
            1,
            "the header has no format \"version\" number",
        )),
    }
}

/// Checks and parses a whole record.
pub fn parse_record(bytes: &[u8]) -> Result<Record, BadRecord> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(BadRecord::at(
            1,
            "the file is empty; a record starts with its header line",
        ));
    }
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let lines: Vec<&[u8]> = body.split(|b| *b == b'\n').collect();
    let last = lines.len();
    let mut numbered = lines.into_iter().enumerate().map(|(i, l)| (i + 1, l));
    let (_, first) = numbered
        .next()
        .ok_or_else(|| BadRecord::at(1, "the file is empty"))?;
    let header = header(json_line(1, first, last == 1)?)?;
    let mut entries = Vec::new();
    let mut previous = 0;
    for (line, bytes) in numbered {
        let entry: Entry = typed(line, json_line(line, bytes, line == last)?)?;
        if entry.t_ms < previous {
            return Err(BadRecord::at(
                line,
                format!(
                    "t_ms {} comes before the previous line's {previous}",
                    entry.t_ms
                ),
            ));
        }
        previous = entry.t_ms;
        entries.push(entry);
    }
    Ok(Record { header, entries })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::BackendEvent;
    use crate::model::SafeText;

    const HEADER: &str = r#"{"format":"acs-interop-record","version":1,"app_version":"0.1.0","terminal":{"width":80,"height":24},"started":"2026-11-28T05:00:00.000Z"}"#;

    fn line_of(result: Result<Record, BadRecord>) -> (usize, String) {
        match result {
            Err(BadRecord::Line { line, what }) => (line, what),
            other => panic!("expected a bad line, got {other:?}"),
        }
    }

    #[test]
    fn a_record_reads_back_with_its_text_sanitised() {
        let text = format!(
            "{HEADER}\n{}\n{}\n",
            r#"{"t_ms":0,"event":{"type":"notice","data":"hi \u001b]52;c;x\u0007"}}"#,
            r#"{"t_ms":5,"event":{"type":"recovered"}}"#
        );
        let record = parse_record(text.as_bytes()).unwrap();
        assert_eq!(record.header.terminal.width, 80);
        assert_eq!(record.entries.len(), 2);
        let BackendEvent::Notice(notice) = &record.entries[0].event else {
            panic!("{:?}", record.entries[0]);
        };
        assert!(!notice.as_str().contains('\u{1b}'), "{notice:?}");
        assert_eq!(notice, &SafeText::new("hi \u{1b}]52;c;x\u{7}"));
    }

    #[test]
    fn bad_files_say_which_line_and_what() {
        assert_eq!(line_of(parse_record(b"")).0, 1);
        let (line, what) = line_of(parse_record(b"{\"hello\": 1}\n"));
        assert_eq!(line, 1);
        assert!(what.contains("not an acs-interop record"), "{what}");
        let cut = format!("{HEADER}\n{{\"t_ms\":0,\"event\":{{\"type\":\"recov");
        let (line, what) = line_of(parse_record(cut.as_bytes()));
        assert_eq!(line, 2);
        assert!(what.contains("cut short"), "{what}");
        let unknown = format!(
            "{HEADER}\n{}\n",
            r#"{"t_ms":0,"event":{"type":"\u001b[31mboom"}}"#
        );
        let (line, what) = line_of(parse_record(unknown.as_bytes()));
        assert_eq!(line, 2);
        assert!(
            what.contains("unknown variant") && !what.contains('\u{1b}'),
            "{what}"
        );
        let back = format!(
            "{HEADER}\n{}\n{}\n",
            r#"{"t_ms":9,"event":{"type":"recovered"}}"#,
            r#"{"t_ms":3,"event":{"type":"recovered"}}"#
        );
        assert_eq!(line_of(parse_record(back.as_bytes())).0, 3);
        let newer = HEADER.replace("\"version\":1", "\"version\":2");
        let (_, what) = line_of(parse_record(newer.as_bytes()));
        assert!(what.contains("version 2"), "{what}");
    }
}
