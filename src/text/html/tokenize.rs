//! Message bodies as tokens, by html5gum's WHATWG tokenizer.
//!
//! A tokenizer alone reads `<script>` content as markup: in a browser it is the tree builder
//! that switches the tokenizer to raw text after such a start tag. We make that switch here
//! from the tag's name, as the HTML spec's "in body" rules do, and drop the content of the
//! elements a browser does not show. Everything else (character references, attribute
//! quoting, comments, doctypes, tags cut off by the end of input) is the tokenizer's.

use std::convert::Infallible;

use html5gum::{HtmlString, State, StringReader, Token as Html, Tokenizer};

/// One piece of an HTML document.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Token {
    /// Text with character references decoded; not yet sanitised.
    Text(String),
    /// An opening (or self-closing) tag.
    Start(Tag),
    /// A closing tag's lowercase name.
    End(String),
}

/// An opening tag with lowercase name and attribute names; values have references decoded.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Tag {
    pub name: String,
    /// The first of each name, as the spec keeps them.
    pub attrs: Vec<(String, String)>,
    pub self_closing: bool,
}

impl Tag {
    /// The value of the attribute called `name` (lowercase).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// How the content of an element whose start tag was just read is tokenized, and whether a
/// browser shows it; `None` for ordinary elements.
fn raw_content(name: &str) -> Option<(State, bool)> {
    match name {
        "script" => Some((State::ScriptData, false)),
        "style" | "iframe" | "noembed" | "noframes" | "noscript" => Some((State::RawText, false)),
        "title" => Some((State::RcData, false)),
        "textarea" => Some((State::RcData, true)),
        "xmp" => Some((State::RawText, true)),
        "plaintext" => Some((State::PlainText, true)),
        _ => None,
    }
}

/// Splits `html` into tokens.
pub(super) fn tokenize(html: &str) -> Tokens<'_> {
    Tokens {
        tokenizer: Tokenizer::new(html),
        hiding: false,
    }
}

/// The tokens of one document; see [`tokenize`].
pub(super) struct Tokens<'a> {
    tokenizer: Tokenizer<StringReader<'a>>,
    /// Inside an element whose content is not shown: in raw text the next end tag closes it.
    hiding: bool,
}

impl Iterator for Tokens<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        loop {
            let token: Result<Html, Infallible> = self.tokenizer.next()?;
            let Ok(token) = token;
            match token {
                Html::StartTag(tag) => {
                    let name = to_string(tag.name);
                    // Browsers ignore `/>` on these, so `<script/>` hides the rest too.
                    if let Some((state, shown)) = raw_content(&name) {
                        self.tokenizer.set_state(state);
                        self.hiding = !shown;
                    }
                    let attrs = tag
                        .attributes
                        .into_iter()
                        .map(|(name, value)| (to_string(name), to_string(value.value)))
                        .collect();
                    return Some(Token::Start(Tag {
                        name,
                        attrs,
                        self_closing: tag.self_closing,
                    }));
                }
                Html::EndTag(tag) => {
                    self.hiding = false;
                    return Some(Token::End(to_string(tag.name)));
                }
                Html::String(text) if !self.hiding => {
                    return Some(Token::Text(to_string(text.value)));
                }
                Html::String(_) | Html::Comment(_) | Html::Doctype(_) | Html::Error(_) => {}
            }
        }
    }
}

/// The tokenizer reads UTF-8 and splits it only at ASCII, so its strings stay valid UTF-8.
fn to_string(text: HtmlString) -> String {
    String::from_utf8(text.0)
        .unwrap_or_else(|invalid| String::from_utf8_lossy(invalid.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(html: &str) -> Vec<Token> {
        tokenize(html).collect()
    }

    /// The text of `html`, joined.
    fn text_of(html: &str) -> String {
        tokenize(html)
            .filter_map(|t| match t {
                Token::Text(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    fn start(name: &str, attrs: &[(&str, &str)]) -> Token {
        Token::Start(Tag {
            name: name.to_owned(),
            attrs: attrs
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            self_closing: false,
        })
    }

    fn text(s: &str) -> Token {
        Token::Text(s.to_owned())
    }

    #[test]
    fn tags_and_text_are_split() {
        assert_eq!(
            tokens("<p>Hi <B>there</b></p>"),
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
        let tokens = tokens(r#"<a HREF="x?a=1&amp;b=2" title='t' data-x=plain checked>"#);
        let [Token::Start(tag)] = tokens.as_slice() else {
            panic!("{tokens:?}");
        };
        assert_eq!(tag.attr("href"), Some("x?a=1&b=2"));
        assert_eq!(tag.attr("title"), Some("t"));
        assert_eq!(tag.attr("data-x"), Some("plain"));
        assert_eq!(tag.attr("checked"), Some(""));
    }

    #[test]
    fn first_of_duplicate_attributes_wins() {
        let tokens = tokens(r#"<img id="a" ID="b">"#);
        assert!(matches!(&tokens[0], Token::Start(t) if t.attr("id") == Some("a")));
    }

    #[test]
    fn self_closing_tag_is_marked() {
        let tokens = tokens("<br/><img src=a />");
        assert!(matches!(&tokens[0], Token::Start(t) if t.self_closing && t.name == "br"));
        assert!(
            matches!(&tokens[1], Token::Start(t) if t.self_closing && t.attr("src") == Some("a"))
        );
    }

    #[test]
    fn lone_less_than_is_text() {
        assert_eq!(text_of("1 < 2 <3"), "1 < 2 <3");
    }

    #[test]
    fn comments_doctype_and_processing_instructions_vanish() {
        assert_eq!(
            tokens("<!DOCTYPE html>a<!-- <b>hidden</b> -->b<?xml x?></>"),
            vec![text("a"), text("b")]
        );
    }

    #[test]
    fn script_and_style_content_is_skipped() {
        assert_eq!(
            text_of("a<script>alert('<b>')</script>b<STYLE>p{}</Style>c"),
            "abc"
        );
    }

    #[test]
    fn markup_inside_script_is_not_read_as_tags() {
        let tokens = tokens("<script>document.write('</b><img src=x>')</script>");
        assert_eq!(
            tokens,
            vec![start("script", &[]), Token::End("script".into())]
        );
    }

    #[test]
    fn unterminated_script_swallows_the_rest() {
        assert_eq!(
            tokens("a<script>evil()"),
            vec![text("a"), start("script", &[])]
        );
        assert_eq!(text_of("a<script/>rest"), "a");
    }

    #[test]
    fn textarea_and_xmp_content_is_shown_as_text() {
        assert_eq!(text_of("<textarea><b>&amp;</b></textarea>"), "<b>&</b>");
        assert_eq!(text_of("<xmp><b>&amp;</b></xmp>"), "<b>&amp;</b>");
    }

    #[test]
    fn title_and_noscript_content_is_hidden() {
        assert_eq!(
            text_of("a<title>t</title><noscript><b>n</b></noscript>b"),
            "ab"
        );
    }

    #[test]
    fn tag_cut_off_by_end_of_input_is_dropped() {
        assert_eq!(tokens("a<b class=\"x"), vec![text("a")]);
        assert_eq!(tokens("a<span"), vec![text("a")]);
    }

    #[test]
    fn named_references_are_decoded() {
        assert_eq!(
            text_of("&amp;&lt;&gt;&quot;&apos;&nbsp;&copy;&hellip;"),
            "&<>\"'\u{a0}©…"
        );
    }

    #[test]
    fn numeric_references_are_decoded() {
        assert_eq!(text_of("&#65;&#x42;&#X43;&#128512;"), "ABC😀");
        assert_eq!(text_of("&#65 b"), "A b");
    }

    #[test]
    fn invalid_numeric_reference_becomes_replacement_char() {
        assert_eq!(
            text_of("&#0;&#xD800;&#99999999999;"),
            "\u{fffd}\u{fffd}\u{fffd}"
        );
    }

    #[test]
    fn windows_1252_numbers_mean_their_characters() {
        assert_eq!(text_of("&#150;&#x80;"), "–€");
    }

    #[test]
    fn unknown_reference_stays_as_written() {
        assert_eq!(text_of("AT&T &bogus; &#; &#x;"), "AT&T &bogus; &#; &#x;");
    }

    #[test]
    fn legacy_reference_without_semicolon_is_decoded_in_text_but_not_in_a_query() {
        assert_eq!(text_of("a &amp b &copy c"), "a & b © c");
        let tokens = tokens(r#"<a href="?x=1&copy=2&amp;y">"#);
        assert!(matches!(&tokens[0], Token::Start(t) if t.attr("href") == Some("?x=1&copy=2&y")));
    }
}
