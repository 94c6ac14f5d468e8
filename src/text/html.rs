//! ACS and Teams message bodies (HTML or plain text) to styled lines.
//!
//! The converter is tolerant like a browser: unknown tags are ignored but their text
//! kept, a closing tag closes everything opened inside it, stray closing tags are
//! ignored, and nothing in the input can make it panic. Every piece of text passes
//! [`sanitize`](super::sanitize()) on the way out.

mod builder;
mod elements;
mod tokenize;

#[cfg(test)]
mod tests;

use std::borrow::Cow;

use unicode_width::UnicodeWidthChar;

use super::sanitize::{sanitize, sanitize_line};
use super::style::StyledLine;

/// Whether an attachment is an inline image or a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    /// An image, usually referenced in the body by `<img id="...">`.
    Image,
    /// A file shared with the message.
    File,
}

/// The part of a message attachment the renderer needs.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AttachmentRef {
    /// The attachment id, which an `<img id>` in the body refers to.
    pub id: String,
    /// Image or file.
    pub kind: AttachmentKind,
    /// The file name as sent; sanitised when rendered.
    pub name: String,
    /// Where the attachment is fetched, exactly as the message carried it (it needs a participant's
    /// token); the label's link target.
    pub url: Option<String>,
}

impl AttachmentRef {
    /// The link target, sanitised like every network string; `None` when the message carried none.
    pub fn link(&self) -> Option<String> {
        self.url
            .as_deref()
            .map(|u| sanitize_line(u.trim()).into_owned())
            .filter(|u| !u.is_empty())
    }
}

impl AttachmentKind {
    fn label(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::File => "file",
        }
    }
}

/// Tab stops for preformatted and plain text; narrow, because chat panes are narrow.
const TAB_WIDTH: usize = 4;

/// Converts a message's HTML body to lines, resolving `<img id>` against `attachments`.
///
/// Attachments the body does not reference are appended as `[file: name]` or
/// `[image: name]` lines. Blank lines at the start and end are dropped, so an empty
/// body without attachments gives no lines.
pub fn html_to_lines(html: &str, attachments: &[AttachmentRef]) -> Vec<StyledLine> {
    // As in a browser, CR LF and lone CR are line feeds before anything else happens.
    let html = normalize_newlines(html);
    builder::build(&html, attachments)
}

/// Converts a plain-text message body to lines: one per line of the text, tabs expanded.
/// A final line break does not add an empty line.
pub fn plain_to_lines(text: &str) -> Vec<StyledLine> {
    let mut lines = Vec::new();
    for raw in text.lines() {
        let clean = sanitize(raw);
        // `sanitize` turns U+2028 and U+2029 into line breaks.
        for part in clean.split('\n') {
            lines.push(if part.is_empty() {
                StyledLine::default()
            } else {
                StyledLine::plain(expand_tabs(part, 0))
            });
        }
    }
    lines
}

fn normalize_newlines(text: &str) -> Cow<'_, str> {
    if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Replaces tabs with spaces up to the next tab stop, counting from column `col`.
fn expand_tabs(text: &str, mut col: usize) -> Cow<'_, str> {
    if !text.contains('\t') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c == '\t' {
            let spaces = TAB_WIDTH - col % TAB_WIDTH;
            out.extend(std::iter::repeat_n(' ', spaces));
            col += spaces;
        } else {
            out.push(c);
            col += c.width().unwrap_or(0);
        }
    }
    Cow::Owned(out)
}

/// Whitespace that HTML collapses outside `<pre>`; U+00A0 is not among it.
fn is_html_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{c}')
}
