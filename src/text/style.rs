//! Semantic text styles and styled lines; the UI maps them to colours through its theme.

use std::ops::{BitOr, BitOrAssign};

/// A set of semantic styles, such as bold or mention. `TextStyle::PLAIN` is the empty set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TextStyle(u16);

impl TextStyle {
    /// No style.
    pub const PLAIN: Self = Self(0);
    /// `<b>`, `<strong>`.
    pub const BOLD: Self = Self(1);
    /// `<i>`, `<em>`.
    pub const ITALIC: Self = Self(1 << 1);
    /// `<u>`, `<ins>`.
    pub const UNDERLINE: Self = Self(1 << 2);
    /// `<s>`, `<strike>`, `<del>`.
    pub const STRIKE: Self = Self(1 << 3);
    /// `<code>` and preformatted text.
    pub const CODE: Self = Self(1 << 4);
    /// Link text, inline images and attachment references.
    pub const LINK: Self = Self(1 << 5);
    /// A Teams mention (`@Name`).
    pub const MENTION: Self = Self(1 << 6);
    /// Text inside a blockquote, including Teams reply quotes.
    pub const QUOTE: Self = Self(1 << 7);
    /// `<h1>`–`<h6>`.
    pub const HEADING: Self = Self(1 << 8);

    /// The raw bits, for hashing or debugging.
    pub const fn bits(self) -> u16 {
        self.0
    }

    /// True when every style in `other` is also in `self`.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// The styles in either set.
    #[must_use]
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// The styles in both sets.
    #[must_use]
    pub const fn intersection(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    /// True for [`TextStyle::PLAIN`].
    pub const fn is_plain(self) -> bool {
        self.0 == 0
    }
}

impl BitOr for TextStyle {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        self.union(rhs)
    }
}

impl BitOrAssign for TextStyle {
    fn bitor_assign(&mut self, rhs: Self) {
        *self = self.union(rhs);
    }
}

/// A run of text in one style. `text` is already sanitised and holds no line breaks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StyledSpan {
    /// The text to show.
    pub text: String,
    /// How to show it.
    pub style: TextStyle,
    /// Where a link, image or attachment points, when known.
    pub link: Option<String>,
}

impl StyledSpan {
    /// A span without a link target.
    pub fn new(text: impl Into<String>, style: TextStyle) -> Self {
        Self {
            text: text.into(),
            style,
            link: None,
        }
    }

    /// A plain span.
    pub fn plain(text: impl Into<String>) -> Self {
        Self::new(text, TextStyle::PLAIN)
    }
}

/// One line of a message, before or after wrapping.
///
/// Its rendered width is `indent + 2 * quote_depth` plus the display width of its spans:
/// the UI draws a two-column quote bar per level and `indent` blank columns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StyledLine {
    /// The line's text, in order.
    pub spans: Vec<StyledSpan>,
    /// Blank columns before the text, for list items.
    pub indent: u16,
    /// How many blockquotes (reply quotes) enclose the line.
    pub quote_depth: u8,
    /// True inside `<pre>`: whitespace is significant and wrapping does not break at spaces.
    pub preformatted: bool,
}

impl StyledLine {
    /// A line of one plain span.
    pub fn plain(text: impl Into<String>) -> Self {
        Self {
            spans: vec![StyledSpan::plain(text)],
            ..Self::default()
        }
    }

    /// The line's text without styles.
    pub fn text(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }

    /// True when the line shows nothing but whitespace.
    pub fn is_blank(&self) -> bool {
        self.spans.iter().all(|s| s.text.trim().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_contains_both_styles() {
        let style = TextStyle::BOLD | TextStyle::LINK;
        assert!(style.contains(TextStyle::BOLD));
        assert!(style.contains(TextStyle::LINK));
        assert!(!style.contains(TextStyle::ITALIC));
        assert!(style.contains(TextStyle::PLAIN));
        assert!(TextStyle::PLAIN.is_plain());
    }

    #[test]
    fn intersection_keeps_shared_styles() {
        let a = TextStyle::BOLD | TextStyle::LINK;
        let b = TextStyle::BOLD | TextStyle::ITALIC;
        assert_eq!(a.intersection(b), TextStyle::BOLD);
    }

    #[test]
    fn line_text_joins_spans() {
        let line = StyledLine {
            spans: vec![
                StyledSpan::plain("Hi "),
                StyledSpan::new("@Ana", TextStyle::MENTION),
            ],
            ..StyledLine::default()
        };
        assert_eq!(line.text(), "Hi @Ana");
        assert!(!line.is_blank());
        assert!(StyledLine::plain("\u{a0} ").is_blank());
    }
}
