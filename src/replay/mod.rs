//! Session records: what the console heard from its backend, written as it happens and played back
//! later without a network.
//!
//! - [`format`]: the file format (JSON Lines: a header, then one timed event per line).
//! - [`redact`]: what is taken out of a record before it is written (keys, tokens, signed links).
//! - [`recorder`]: the task between the backend and the console that writes the record.
//! - [`file`]: reading a record back, checked line by line; a record is untrusted input.
//! - [`player`]: the stand-in backend that plays a record at its pace and refuses to change anything.

pub mod file;
pub mod format;
pub mod player;
pub mod recorder;
pub mod redact;

pub use file::{BadRecord, Record, read_record};
pub use format::{Entry, FORMAT, Header, TerminalSize, VERSION};
pub use player::{Speed, play};
pub use recorder::{Recorder, tee};
pub use redact::Redactor;
