//! What each HTML element means for the output.

use crate::text::style::TextStyle;

/// The `itemtype` of a Teams mention span, lowercased.
pub(super) const MENTION_TYPE: &str = "schema.skype.com/mention";
/// The `itemtype` of a Teams emoji image, lowercased.
pub(super) const EMOJI_TYPE: &str = "schema.skype.com/emoji";
/// Elements that never have content or a closing tag.
pub(super) const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];
/// Elements that start and end a line.
pub(super) const BLOCK: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "codeblock",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tr",
    "ul",
];

/// The style an element adds to its content.
pub(super) fn element_style(name: &str) -> TextStyle {
    match name {
        "b" | "strong" => TextStyle::BOLD,
        "i" | "em" => TextStyle::ITALIC,
        "u" | "ins" => TextStyle::UNDERLINE,
        "s" | "strike" | "del" => TextStyle::STRIKE,
        "code" | "kbd" | "samp" | "tt" | "pre" | "codeblock" => TextStyle::CODE,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => TextStyle::HEADING,
        "blockquote" => TextStyle::QUOTE,
        _ => TextStyle::PLAIN,
    }
}

/// True when a link's text already shows where it goes: equal to the target, give or
/// take the scheme and a trailing slash.
pub(super) fn same_target(text: &str, href: &str) -> bool {
    fn strip(s: &str) -> &str {
        let lower: String = s.chars().take(8).collect::<String>().to_ascii_lowercase();
        let s = ["https://", "http://", "mailto:"]
            .iter()
            .find(|scheme| lower.starts_with(*scheme))
            .map_or(s, |scheme| &s[scheme.len()..]);
        s.strip_suffix('/').unwrap_or(s)
    }
    strip(text) == strip(href)
}
