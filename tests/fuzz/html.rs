//! Message bodies, HTML and plain, to the lines the terminal shows: whatever a sender writes, the
//! converter does not panic, nothing the sanitiser replaces reaches the screen, wrapped lines fit
//! their width, and the words of the message are all there.

use acs_interop::text::{
    AttachmentKind, AttachmentRef, StyledLine, display_width, html_to_lines, plain_to_lines,
    sanitize_line, wrap_lines,
};
use proptest::prelude::*;

use super::{any_text, cases};

/// A char the sanitiser replaces wherever it stands: it could drive the terminal, reorder what
/// the reader sees, or hide a line break.
fn forbidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
            | '\u{2028}' | '\u{2029}' | '\u{206a}'..='\u{206f}' | '\u{fff9}'..='\u{fffb}'
            | '\u{1f1e6}'..='\u{1f1ff}')
}

/// Every text and link target is as the sanitiser would leave it, also across span edges
/// (an emoji joiner that would join a span's last emoji to the next span's first).
fn assert_terminal_safe(lines: &[StyledLine]) -> Result<(), TestCaseError> {
    for line in lines {
        let text = line.text();
        prop_assert!(!text.chars().any(forbidden), "{:?}", line);
        prop_assert_eq!(sanitize_line(&text), text.as_str(), "{:?}", line);
        for link in line.spans.iter().filter_map(|s| s.link.as_deref()) {
            prop_assert!(!link.chars().any(forbidden), "{:?}", line);
            prop_assert_eq!(sanitize_line(link), link);
        }
    }
    Ok(())
}

/// The columns a line takes on screen: its indent, two per quote bar, then its text.
fn rendered_width(line: &StyledLine) -> usize {
    usize::from(line.indent) + 2 * usize::from(line.quote_depth) + display_width(&line.text())
}

/// Renders `html` as the console does and checks it at `width`.
fn check_rendering(
    html: &str,
    attachments: &[AttachmentRef],
    width: u16,
) -> Result<(), TestCaseError> {
    let lines = html_to_lines(html, attachments);
    assert_terminal_safe(&lines)?;
    let wrapped = wrap_lines(&lines, width);
    assert_terminal_safe(&wrapped)?;
    for line in &wrapped {
        prop_assert!(
            rendered_width(line) <= usize::from(width),
            "{:?} is wider than {}",
            line,
            width
        );
    }
    Ok(())
}

/// Text a sender may write: controls, escapes, bidi, joiners, flags, wide and combining chars.
fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\u{1b}[2J"),
        Just("\u{1b}]52;c;eA==\u{7}"),
        Just("\u{9b}31m"),
        Just("\u{202e}"),
        Just("\u{2066}"),
        Just("\u{200f}"),
        Just("\u{2028}"),
        Just("\u{2029}"),
        Just("\u{206a}"),
        Just("\u{fff9}"),
        Just("\u{0}"),
        Just("\r"),
        Just("\r\n"),
        Just("\t"),
        Just("\u{7f}"),
        Just("\u{200d}"),
        Just("👩"),
        Just("👩\u{200d}💻"),
        Just("🇯🇵"),
        Just("\u{1f1eb}"),
        Just("❤\u{fe0f}"),
        Just("世界"),
        Just("e\u{301}"),
        Just("\u{a0}"),
        Just(" "),
        Just("\n"),
        Just("word"),
    ];
    prop_oneof![
        proptest::collection::vec(piece, 0..6).prop_map(|p| p.concat()),
        any_text(12),
    ]
}

/// Character references, well-formed and not.
fn reference() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("&amp;".to_owned()),
        Just("&amp".to_owned()),
        Just("&nbsp;".to_owned()),
        Just("&copy".to_owned()),
        Just("&notit;".to_owned()),
        Just("&bogus;".to_owned()),
        Just("&#".to_owned()),
        Just("&#x;".to_owned()),
        Just("&#x110000;".to_owned()),
        Just("&#99999999999999999999;".to_owned()),
        Just("&#xD800;".to_owned()),
        Just("&#0;".to_owned()),
        (0u32..0x3_0000).prop_map(|n| format!("&#{n};")),
        prop_oneof![
            0u32..0x40,
            0x7fu32..0xa0,
            0x2000u32..0x2070,
            0xfff0u32..0x1_0000
        ]
        .prop_map(|n| format!("&#x{n:x};")),
    ]
}

/// Tag names the converter gives a meaning, those the tokenizer treats specially, and others.
fn tag_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "p",
            "div",
            "br",
            "b",
            "i",
            "u",
            "s",
            "em",
            "strong",
            "code",
            "pre",
            "codeblock",
            "a",
            "img",
            "span",
            "ul",
            "ol",
            "li",
            "blockquote",
            "h1",
            "table",
            "tr",
            "td",
            "hr",
            "script",
            "style",
            "title",
            "textarea",
            "xmp",
            "plaintext",
            "noscript",
            "iframe",
            "template",
            "svg",
            "math",
            "B",
            "LI",
            "Pre",
            "A",
        ])
        .prop_map(str::to_owned),
        "[a-zA-Z][a-zA-Z0-9-]{0,8}",
    ]
}

fn attribute() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        prop::sample::select(vec![
            "href", "src", "id", "alt", "itemtype", "start", "title", "class", "ID", "HREF",
        ])
        .prop_map(str::to_owned),
        "[a-z=\"'<]{1,6}",
    ];
    let value = prop_oneof![
        Just("http://schema.skype.com/Mention".to_owned()),
        Just("http://schema.skype.com/Emoji".to_owned()),
        Just("https://evil.example/\u{1b}[31m".to_owned()),
        Just("a".to_owned()),
        Just("f".to_owned()),
        Just("-3".to_owned()),
        Just("99999999999".to_owned()),
        hostile_text(),
        reference(),
    ];
    (name, value, 0..4u8).prop_map(|(name, value, quoting)| match quoting {
        0 => format!(" {name}=\"{value}\""),
        1 => format!(" {name}='{value}'"),
        2 => format!(" {name}={value}"),
        _ => format!(" {name}"),
    })
}

/// Start and end tags, with attributes, self-closing or not.
fn tag() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            tag_name(),
            proptest::collection::vec(attribute(), 0..3),
            any::<bool>()
        )
            .prop_map(|(name, attrs, slash)| {
                format!("<{name}{}{}>", attrs.concat(), if slash { "/" } else { "" })
            }),
        tag_name().prop_map(|name| format!("</{name}>")),
    ]
}

/// Pieces of markup that start something and may never end it.
fn broken_markup() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "<",
        ">",
        "</",
        "/>",
        "<!--",
        "-->",
        "<!",
        "<?",
        "<!DOCTYPE html>",
        "<![CDATA[",
        "]]>",
        "&",
        "\"",
        "'",
        "=",
        "</>",
        "<a",
        "<img src=\"",
        "<script>",
        "</script",
    ])
    .prop_map(str::to_owned)
}

/// A message body as a hostile sender might write it.
fn hostile_html() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        4 => tag(),
        3 => hostile_text(),
        2 => reference(),
        2 => broken_markup(),
    ];
    proptest::collection::vec(fragment, 0..50).prop_map(|f| f.concat())
}

fn attachments() -> impl Strategy<Value = Vec<AttachmentRef>> {
    let one = (
        prop::sample::select(vec!["a", "f", "A", ""]),
        any::<bool>(),
        hostile_text(),
        proptest::option::of(hostile_text()),
    )
        .prop_map(|(id, image, name, url)| AttachmentRef {
            id: id.to_owned(),
            kind: if image {
                AttachmentKind::Image
            } else {
                AttachmentKind::File
            },
            name,
            url,
        });
    proptest::collection::vec(one, 0..3)
}

/// Markup between words that keeps their text on screen.
fn showing_markup() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        " ",
        "\n",
        "\t",
        "&nbsp;",
        "<br>",
        "</br>",
        "<p>",
        "</p>",
        "<div>",
        "</div>",
        " <b>",
        "</b> ",
        "<i>",
        "</i>",
        "<code>",
        "</code>",
        "<pre>",
        "</pre>",
        "<codeblock>",
        "</codeblock>",
        "<ul><li>",
        "<ol start=7><li>",
        "<li>",
        "</li>",
        "</ul>",
        "</ol>",
        "<blockquote>",
        "</blockquote>",
        "<h2>",
        "</h2>",
        "<table><tr><td>",
        "</td><td>",
        "</tr>",
        " <a href=\"https://x.example/\">",
        "</a> ",
        " <span itemtype=\"http://schema.skype.com/Mention\">",
        "</span> ",
        " <img id=\"a\" alt=\"pic\"> ",
        " <!-- note --> ",
        " <x-unknown data-a=1>",
        "</x-unknown> ",
        " <textarea>",
        " <xmp>",
    ])
}

proptest! {
    #![proptest_config(cases(500))]

    #[test]
    fn hostile_html_stays_terminal_safe_and_fits_the_width(
        html in hostile_html(),
        attachments in attachments(),
        width in 0u16..60,
    ) {
        check_rendering(&html, &attachments, width)?;
    }

    #[test]
    fn any_string_as_html_or_plain_text_stays_terminal_safe_and_fits(
        text in any_text(200),
        width in 0u16..60,
    ) {
        check_rendering(&text, &[], width)?;
        let plain = plain_to_lines(&text);
        assert_terminal_safe(&plain)?;
        for line in wrap_lines(&plain, width) {
            prop_assert!(rendered_width(&line) <= usize::from(width), "{:?}", line);
        }
    }

    #[test]
    fn plain_words_survive_the_markup_around_them(
        parts in proptest::collection::vec(("[a-zA-Z0-9]{1,12}", showing_markup()), 1..30),
        width in 1u16..60,
    ) {
        let html: String = parts.iter().map(|(word, markup)| format!("{word}{markup}")).collect();
        let attachments = [AttachmentRef {
            id: "a".into(),
            kind: AttachmentKind::Image,
            name: "board.png".into(),
            url: None,
        }];
        check_rendering(&html, &attachments, width)?;
        let shown: String = html_to_lines(&html, &attachments)
            .iter()
            .map(StyledLine::text)
            .collect::<Vec<_>>()
            .join("\n");
        // Each word in order, each after the one before it.
        let mut rest = shown.as_str();
        for (word, _) in &parts {
            let Some(at) = rest.find(word.as_str()) else {
                return Err(TestCaseError::fail(format!("{word:?} is missing from {shown:?} for {html:?}")));
            };
            rest = &rest[at + word.len()..];
        }
    }
}
