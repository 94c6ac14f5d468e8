//! Text from the network, made fit for the terminal.
//!
//! - [`sanitize`](sanitize()) and [`sanitize_line`]: the one sanitiser every network
//!   string passes; control characters, escape sequences and bidi overrides become
//!   visible placeholders.
//! - [`html_to_lines`] and [`plain_to_lines`]: message bodies to [`StyledLine`]s with
//!   semantic [`TextStyle`]s, which the UI maps to colours through its theme.
//! - [`wrap_lines`], [`display_width`], [`truncate_to_width`]: fitting text to columns.
//! - [`clipboard_text`]: lines as plain text for copying, each link target once.
//! - [`safe_json`]: JSON for a terminal, with characters that could drive it escaped.
//!
//! Everything here is pure: no I/O and no terminal library.

mod clipboard;
mod html;
pub mod safe_json;
mod sanitize;
mod style;
mod wrap;

pub use clipboard::clipboard_text;
pub use html::{AttachmentKind, AttachmentRef, html_to_lines, plain_to_lines};
pub use sanitize::{sanitize, sanitize_line};
pub use style::{StyledLine, StyledSpan, TextStyle};
pub use wrap::{display_width, truncate_to_width, wrap_lines};
