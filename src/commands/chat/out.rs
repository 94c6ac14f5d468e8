//! Standard output for the chat commands: buffered, flushed at the points a reader waits for (a page,
//! an event), and the settings every printer needs (JSON or text, the time zone).

use serde::Serialize;
use std::io::{self, BufWriter, Stdout, Write};

use super::when;
use crate::text::safe_json;

/// Where the commands print, and how.
pub struct Out {
    writer: BufWriter<Stdout>,
    json: bool,
    utc: bool,
    offset_s: i32,
}

impl Out {
    pub fn new(json: bool, utc: bool, offset_s: i32) -> Out {
        Out {
            writer: BufWriter::with_capacity(64 * 1024, io::stdout()),
            json,
            utc,
            offset_s,
        }
    }

    /// `--json`.
    pub fn json(&self) -> bool {
        self.json
    }

    /// The offset that dates without a zone are read at (0 with `--utc`).
    pub fn offset_s(&self) -> i32 {
        if self.utc { 0 } else { self.offset_s }
    }

    /// An RFC 3339 time from the service, for a table.
    pub fn time(&self, text: Option<&str>) -> String {
        when::show(text, self.offset_s, self.utc)
    }

    /// One JSON document, indented.
    pub fn document<T: Serialize + ?Sized>(&mut self, value: &T) -> io::Result<()> {
        safe_json::write(&mut self.writer, value, true)?;
        self.writer.write_all(b"\n")
    }

    /// One JSON Lines record.
    pub fn record<T: Serialize + ?Sized>(&mut self, value: &T) -> io::Result<()> {
        safe_json::write(&mut self.writer, value, false)?;
        self.writer.write_all(b"\n")
    }

    /// A line of text that is already safe for the terminal.
    pub fn line(&mut self, text: &str) -> io::Result<()> {
        self.writer.write_all(text.as_bytes())?;
        self.writer.write_all(b"\n")
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}
