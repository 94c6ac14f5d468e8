//! The record format, version 1: JSON Lines in UTF-8.
//!
//! ```text
//! {"format":"acs-interop-record","version":1,"app_version":"0.1.0","terminal":{"width":120,"height":40},"started":"2026-11-28T05:00:00Z"}
//! {"t_ms":0,"event":{"type":"connected","data":{"endpoint_label":"emulator","me":"8:acs:…","my_name":"Me"}}}
//! {"t_ms":412,"event":{"type":"threads","data":[…]}}
//! ```
//!
//! `t_ms` is milliseconds since `started`, never decreasing. Events are [`BackendEvent`]s as serde
//! writes them: `{"type": <snake_case variant>, "data": <fields>}`; field names are snake_case.

use serde::{Deserialize, Serialize};

use crate::backend::BackendEvent;

/// The `format` of the header line.
pub const FORMAT: &str = "acs-interop-record";
/// The format version this build writes and reads.
pub const VERSION: u32 = 1;

/// The terminal's size when the recording started (0 × 0 when it was not known).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminalSize {
    pub width: u16,
    pub height: u16,
}

/// The first line of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub version: u32,
    /// The acs-interop version that recorded it.
    pub app_version: String,
    pub terminal: TerminalSize,
    /// When the recording started, RFC 3339 in UTC.
    pub started: String,
}

impl Header {
    /// The header of a record this build starts now.
    pub fn now(terminal: TerminalSize) -> Header {
        Header {
            format: FORMAT.to_string(),
            version: VERSION,
            app_version: env!("CARGO_PKG_VERSION").to_string(),
            terminal,
            started: crate::acs::time::format_ms(crate::acs::time::now_ms()),
        }
    }
}

/// One event and when it came.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Milliseconds since the recording started.
    pub t_ms: u64,
    pub event: BackendEvent,
}
