//! A small, tolerant HTML tokenizer: enough for chat message bodies, never panics.
//!
//! It follows the browser where that is cheap: tag and attribute names are
//! case-insensitive, a `<` that does not start a tag is text, a tag cut off by the end
//! of input is dropped, comments and doctypes vanish, and the contents of `<script>` and
//! `<style>` are skipped.

use std::borrow::Cow;

/// One piece of an HTML document.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Token<'a> {
    /// Text with entities decoded; not yet sanitised.
    Text(Cow<'a, str>),
    /// An opening (or self-closing) tag.
    Start(Tag),
    /// A closing tag's lowercase name.
    End(String),
}

/// An opening tag with lowercase name and attribute names; values have entities decoded.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Tag {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub self_closing: bool,
}

impl Tag {
    /// The value of the first attribute called `name` (lowercase).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Elements whose content is never shown.
const RAW_TEXT: [&str; 2] = ["script", "style"];

/// Splits `html` into tokens.
pub(super) fn tokenize(html: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut text_start = 0;
    let mut pos = 0;
    while let Some(offset) = html[pos..].find('<') {
        let lt = pos + offset;
        let Some((token, end)) = markup(html, lt) else {
            // A `<` that starts nothing is text.
            pos = lt + 1;
            continue;
        };
        push_text(&mut tokens, &html[text_start..lt]);
        pos = end;
        if let Some(Token::Start(tag)) = &token
            && !tag.self_closing
            && RAW_TEXT.contains(&tag.name.as_str())
        {
            pos = find_end_tag(html, end, &tag.name).unwrap_or(html.len());
        }
        tokens.extend(token);
        text_start = pos;
    }
    push_text(&mut tokens, &html[text_start..]);
    tokens
}

fn push_text<'a>(tokens: &mut Vec<Token<'a>>, raw: &'a str) {
    if !raw.is_empty() {
        tokens.push(Token::Text(decode_entities(raw)));
    }
}

/// Where `</name` starts at or after `from`, ignoring ASCII case.
fn find_end_tag(html: &str, from: usize, name: &str) -> Option<usize> {
    let bytes = html.as_bytes();
    let mut pos = from;
    while let Some(offset) = html[pos..].find("</") {
        let at = pos + offset;
        let name_end = at + 2 + name.len();
        if bytes
            .get(at + 2..name_end)
            .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
        {
            return Some(at);
        }
        pos = at + 2;
    }
    None
}

/// Parses the markup starting with the `<` at `lt`. Returns the token (`None` for
/// comments and the like) and the index after it, or `None` when the `<` is text.
fn markup(html: &str, lt: usize) -> Option<(Option<Token<'static>>, usize)> {
    let rest = &html[lt..];
    let bytes = rest.as_bytes();
    let after = |needle: &str, from: usize| {
        rest[from..]
            .find(needle)
            .map_or(html.len(), |i| lt + from + i + needle.len())
    };
    if rest.starts_with("<!--") {
        return Some((None, after("-->", 4)));
    }
    match bytes.get(1) {
        Some(b'!' | b'?') => Some((None, after(">", 1))),
        Some(b'/') => match bytes.get(2) {
            Some(c) if c.is_ascii_alphabetic() => {
                let (tag, end) = parse_tag(html, lt + 2);
                Some((tag.map(|t| Token::End(t.name)), end))
            }
            // `</>` and `</3` are dropped as a browser would.
            Some(_) => Some((None, after(">", 2))),
            None => None,
        },
        Some(c) if c.is_ascii_alphabetic() => {
            let (tag, end) = parse_tag(html, lt + 1);
            Some((tag.map(Token::Start), end))
        }
        _ => None,
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// Parses a tag name and attributes starting at `start` (just after `<` or `</`).
/// A tag cut off by the end of input yields `(None, len)`: it is dropped.
fn parse_tag(html: &str, start: usize) -> (Option<Tag>, usize) {
    let bytes = html.as_bytes();
    let len = bytes.len();
    // Every delimiter below is ASCII, so each index is on a char boundary.
    let mut i = start;
    while i < len && !is_space(bytes[i]) && bytes[i] != b'/' && bytes[i] != b'>' {
        i += 1;
    }
    let name = html[start..i].to_ascii_lowercase();
    let mut attrs = Vec::new();
    let mut slash = false;
    loop {
        while i < len && (is_space(bytes[i]) || bytes[i] == b'/') {
            slash = bytes[i] == b'/';
            i += 1;
        }
        if i >= len {
            return (None, len);
        }
        if bytes[i] == b'>' {
            let tag = Tag {
                name,
                attrs,
                self_closing: slash,
            };
            return (Some(tag), i + 1);
        }
        slash = false;
        let name_start = i;
        while i < len && !is_space(bytes[i]) && !matches!(bytes[i], b'/' | b'>' | b'=') {
            i += 1;
        }
        if i == name_start {
            // A stray `=` is part of the name, as in a browser; this also ensures progress.
            i += 1;
        }
        let attr_name = html[name_start..i].to_ascii_lowercase();
        while i < len && is_space(bytes[i]) {
            i += 1;
        }
        let mut value = "";
        if bytes.get(i) == Some(&b'=') {
            i += 1;
            while i < len && is_space(bytes[i]) {
                i += 1;
            }
            match bytes.get(i) {
                Some(&quote @ (b'"' | b'\'')) => {
                    let Some(close) = html[i + 1..].find(char::from(quote)) else {
                        return (None, len);
                    };
                    value = &html[i + 1..i + 1 + close];
                    i += close + 2;
                }
                _ => {
                    let value_start = i;
                    while i < len && !is_space(bytes[i]) && bytes[i] != b'>' {
                        i += 1;
                    }
                    value = &html[value_start..i];
                }
            }
        }
        attrs.push((attr_name, decode_entities(value).into_owned()));
    }
}

/// Decodes `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&nbsp;` and numeric references.
/// Unknown names stay as written; an invalid number becomes U+FFFD.
pub(super) fn decode_entities(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match entity(after) {
            Some((c, used)) => {
                out.push(c);
                rest = &after[used..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Parses the entity after a `&`: the char and how many bytes it used.
fn entity(s: &str) -> Option<(char, usize)> {
    let bytes = s.as_bytes();
    if bytes.first() == Some(&b'#') {
        let hex = matches!(bytes.get(1), Some(b'x' | b'X'));
        let digits_start = if hex { 2 } else { 1 };
        let radix = if hex { 16 } else { 10 };
        let digits = s[digits_start..]
            .bytes()
            .take_while(|b| char::from(*b).is_digit(radix))
            .count();
        if digits == 0 {
            return None;
        }
        let value = s[digits_start..digits_start + digits]
            .chars()
            .filter_map(|c| c.to_digit(radix))
            // Saturates past the Unicode range, so huge numbers stay invalid.
            .fold(0u32, |acc, d| {
                acc.saturating_mul(radix).saturating_add(d).min(0x11_0000)
            });
        let mut used = digits_start + digits;
        if bytes.get(used) == Some(&b';') {
            used += 1;
        }
        let c = char::from_u32(value)
            .filter(|c| *c != '\0')
            .unwrap_or('\u{fffd}');
        return Some((c, used));
    }
    let name_len = s.bytes().take_while(u8::is_ascii_alphanumeric).count();
    if bytes.get(name_len) != Some(&b';') {
        return None;
    }
    let c = match &s[..name_len] {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        _ => return None,
    };
    Some((c, name_len + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(name: &str, attrs: &[(&str, &str)]) -> Token<'static> {
        Token::Start(Tag {
            name: name.to_owned(),
            attrs: attrs
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            self_closing: false,
        })
    }

    fn text(s: &str) -> Token<'_> {
        Token::Text(Cow::Borrowed(s))
    }

    #[test]
    fn tags_and_text_are_split() {
        assert_eq!(
            tokenize("<p>Hi <B>there</b></p>"),
            vec![
                start("p", &[]),
                text("Hi "),
                start("b", &[]),
                text("there"),
                Token::End("b".into()),
                Token::End("p".into()),
            ]
        );
    }

    #[test]
    fn attributes_in_every_quoting_style_are_read() {
        let tokens = tokenize(r#"<a HREF="x?a=1&amp;b=2" title='t' data-x=plain checked>"#);
        assert_eq!(
            tokens,
            vec![start(
                "a",
                &[
                    ("href", "x?a=1&b=2"),
                    ("title", "t"),
                    ("data-x", "plain"),
                    ("checked", "")
                ]
            )]
        );
    }

    #[test]
    fn self_closing_tag_is_marked() {
        let tokens = tokenize("<br/><img src=a />");
        assert!(matches!(&tokens[0], Token::Start(t) if t.self_closing && t.name == "br"));
        assert!(
            matches!(&tokens[1], Token::Start(t) if t.self_closing && t.attr("src") == Some("a"))
        );
    }

    #[test]
    fn lone_less_than_is_text() {
        assert_eq!(tokenize("1 < 2 <3"), vec![text("1 < 2 <3")]);
    }

    #[test]
    fn comments_and_doctype_vanish() {
        assert_eq!(
            tokenize("<!DOCTYPE html>a<!-- <b>hidden</b> -->b<?xml x?>"),
            vec![text("a"), text("b")]
        );
    }

    #[test]
    fn script_and_style_content_is_skipped() {
        let tokens = tokenize("a<script>alert('<b>')</script>b<STYLE>p{}</Style>c");
        let texts: Vec<_> = tokens
            .iter()
            .filter_map(|t| match t {
                Token::Text(s) => Some(s.as_ref()),
                _ => None,
            })
            .collect();
        assert_eq!(texts, ["a", "b", "c"]);
    }

    #[test]
    fn unterminated_script_swallows_the_rest() {
        let tokens = tokenize("a<script>evil()");
        assert_eq!(tokens.len(), 2);
    }

    #[test]
    fn tag_cut_off_by_end_of_input_is_dropped() {
        assert_eq!(tokenize("a<b class=\"x"), vec![text("a")]);
        assert_eq!(tokenize("a<span"), vec![text("a")]);
    }

    #[test]
    fn named_entities_are_decoded() {
        assert_eq!(
            decode_entities("&amp;&lt;&gt;&quot;&apos;&nbsp;"),
            "&<>\"'\u{a0}"
        );
    }

    #[test]
    fn numeric_entities_are_decoded() {
        assert_eq!(decode_entities("&#65;&#x42;&#X43;&#128512;"), "ABC😀");
        assert_eq!(decode_entities("&#65 b"), "A b");
    }

    #[test]
    fn invalid_numeric_entity_becomes_replacement_char() {
        assert_eq!(
            decode_entities("&#0;&#xD800;&#99999999999;"),
            "\u{fffd}\u{fffd}\u{fffd}"
        );
    }

    #[test]
    fn unknown_entity_stays_as_written() {
        assert_eq!(
            decode_entities("AT&T &copy; &#; &#x;"),
            "AT&T &copy; &#; &#x;"
        );
    }
}
