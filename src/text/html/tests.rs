use crate::text::{
    AttachmentKind, AttachmentRef, StyledLine, StyledSpan, TextStyle, html_to_lines, plain_to_lines,
};
use proptest::prelude::*;

fn render(html: &str) -> Vec<StyledLine> {
    html_to_lines(html, &[])
}

fn texts(lines: &[StyledLine]) -> Vec<String> {
    lines.iter().map(StyledLine::text).collect()
}

/// The style of the first span whose text contains `needle`.
fn style_of(lines: &[StyledLine], needle: &str) -> TextStyle {
    lines
        .iter()
        .flat_map(|l| &l.spans)
        .find(|s| s.text.contains(needle))
        .map(|s| s.style)
        .unwrap_or_else(|| panic!("no span with {needle:?} in {lines:?}"))
}

fn image(id: &str, name: &str) -> AttachmentRef {
    AttachmentRef {
        id: id.into(),
        kind: AttachmentKind::Image,
        name: name.into(),
        url: None,
    }
}

fn file(id: &str, name: &str) -> AttachmentRef {
    AttachmentRef {
        id: id.into(),
        kind: AttachmentKind::File,
        name: name.into(),
        url: None,
    }
}

#[test]
fn paragraph_is_one_plain_line() {
    let lines = render("<p>Hello from Teams</p>");
    assert_eq!(lines, [StyledLine::plain("Hello from Teams")]);
}

#[test]
fn paragraphs_and_divs_start_new_lines_without_blank_ones() {
    let lines = render("<div><p>one</p><p>two</p></div><div>three</div>");
    assert_eq!(texts(&lines), ["one", "two", "three"]);
}

#[test]
fn br_breaks_the_line_and_two_leave_an_empty_one() {
    assert_eq!(texts(&render("a<br>b<br/><br>c")), ["a", "b", "", "c"]);
}

#[test]
fn whitespace_collapses_like_a_browser() {
    let lines = render("<p>\n  lots   of\n\tspace  </p>");
    assert_eq!(texts(&lines), ["lots of space"]);
}

#[test]
fn non_breaking_spaces_are_kept() {
    assert_eq!(
        texts(&render("<p>&nbsp;a&nbsp;&nbsp;b</p>")),
        ["\u{a0}a\u{a0}\u{a0}b"]
    );
}

#[test]
fn inline_formatting_is_styled_and_nests() {
    let lines =
        render("<b>bold <i>both</i></b> <u>under</u> <s>gone</s> <del>del</del> <em>em</em>");
    assert_eq!(style_of(&lines, "bold"), TextStyle::BOLD);
    assert_eq!(
        style_of(&lines, "both"),
        TextStyle::BOLD | TextStyle::ITALIC
    );
    assert_eq!(style_of(&lines, "under"), TextStyle::UNDERLINE);
    assert_eq!(style_of(&lines, "gone"), TextStyle::STRIKE);
    assert_eq!(style_of(&lines, "del"), TextStyle::STRIKE);
    assert_eq!(style_of(&lines, "em"), TextStyle::ITALIC);
    assert_eq!(texts(&lines), ["bold both under gone del em"]);
}

#[test]
fn space_between_styled_words_takes_the_shared_style() {
    let lines = render("<strong>a </strong>b");
    assert_eq!(lines[0].spans[0], StyledSpan::new("a", TextStyle::BOLD));
    assert_eq!(lines[0].spans[1], StyledSpan::plain(" b"));
}

#[test]
fn inline_code_is_styled() {
    let lines = render("run <code>cargo test</code> now");
    assert_eq!(style_of(&lines, "cargo"), TextStyle::CODE);
    assert_eq!(texts(&lines), ["run cargo test now"]);
}

#[test]
fn pre_keeps_whitespace_and_newlines() {
    let lines = render("<pre>\nfn main() {\n\tprintln!();\n\n}</pre>after");
    assert_eq!(
        texts(&lines),
        ["fn main() {", "    println!();", "", "}", "after"]
    );
    assert!(lines[..4].iter().all(|l| l.preformatted));
    assert!(!lines[4].preformatted);
    assert_eq!(style_of(&lines, "fn main"), TextStyle::CODE);
}

#[test]
fn teams_code_block_is_preformatted() {
    let lines = render(
        "<codeblock class=\"language-rust\"><code>let a  = 1;\nlet b = 2;</code></codeblock>",
    );
    assert_eq!(texts(&lines), ["let a  = 1;", "let b = 2;"]);
    assert!(lines.iter().all(|l| l.preformatted));
}

#[test]
fn link_shows_its_target_when_the_text_differs() {
    let lines = render(r#"read the <a href="https://learn.example/acs">docs</a>."#);
    assert_eq!(
        texts(&lines),
        ["read the docs (https://learn.example/acs)."]
    );
    let link = Some("https://learn.example/acs".to_owned());
    let docs = &lines[0].spans[1];
    assert_eq!(
        (docs.text.as_str(), docs.style, &docs.link),
        ("docs", TextStyle::LINK, &link)
    );
    assert_eq!(style_of(&lines, "(https"), TextStyle::LINK);
}

#[test]
fn link_whose_text_is_its_url_is_shown_once() {
    let lines = render(
        r#"<a href="https://example.com/">https://example.com</a> <a href="https://x.io">x.io</a>"#,
    );
    assert_eq!(texts(&lines), ["https://example.com x.io"]);
}

#[test]
fn spoofed_link_text_shows_the_real_target() {
    let lines = render(r#"<a href="https://evil.example">https://bank.example</a>"#);
    assert_eq!(
        texts(&lines),
        ["https://bank.example (https://evil.example)"]
    );
}

#[test]
fn link_without_text_shows_its_url() {
    assert_eq!(
        texts(&render(r#"<a href="https://a.example"></a>"#)),
        ["https://a.example"]
    );
}

#[test]
fn unordered_list_gets_bullets() {
    let lines = render("<ul><li>milk</li><li>eggs</li></ul>");
    assert_eq!(texts(&lines), ["• milk", "• eggs"]);
    assert!(lines.iter().all(|l| l.indent == 0));
}

#[test]
fn ordered_list_is_numbered_from_its_start() {
    assert_eq!(texts(&render("<ol><li>a<li>b</ol>")), ["1. a", "2. b"]);
    assert_eq!(
        texts(&render("<ol start=\"9\"><li>a<li>b</ol>")),
        ["9. a", "10. b"]
    );
}

#[test]
fn nested_list_is_indented_under_its_parent_text() {
    let lines = render("<ul><li>fruit<ol><li>apple</li></ol></li><li>bread</li></ul>");
    assert_eq!(texts(&lines), ["• fruit", "1. apple", "• bread"]);
    let indents: Vec<u16> = lines.iter().map(|l| l.indent).collect();
    assert_eq!(indents, [0, 2, 0]);
}

#[test]
fn list_item_lines_after_a_break_align_with_its_text() {
    let lines = render("<ol><li>first<br>more</li></ol>");
    assert_eq!(texts(&lines), ["1. first", "more"]);
    assert_eq!(lines[1].indent, 3);
}

#[test]
fn paragraph_inside_list_item_stays_on_the_bullet_line() {
    assert_eq!(texts(&render("<ul><li><p>item</p></li></ul>")), ["• item"]);
}

#[test]
fn reply_quote_is_indented() {
    let html = concat!(
        r#"<blockquote itemscope="" itemtype="http://schema.skype.com/Reply" itemid="1700000000000">"#,
        r#"<strong itemprop="mri" itemid="8:orgid:abc">Megan Bowen</strong>"#,
        r#"<span itemprop="time" itemid="1700000000000"></span>"#,
        r#"<p itemprop="preview">Can you join?</p></blockquote><p>Yes, on my way</p>"#,
    );
    let lines = render(html);
    assert_eq!(
        texts(&lines),
        ["Megan Bowen", "Can you join?", "Yes, on my way"]
    );
    let depths: Vec<u8> = lines.iter().map(|l| l.quote_depth).collect();
    assert_eq!(depths, [1, 1, 0]);
    assert_eq!(
        style_of(&lines, "Megan"),
        TextStyle::QUOTE | TextStyle::BOLD
    );
    assert_eq!(style_of(&lines, "Yes"), TextStyle::PLAIN);
}

#[test]
fn nested_quotes_deepen() {
    let lines = render("<blockquote>a<blockquote>b</blockquote>c</blockquote>");
    let depths: Vec<u8> = lines.iter().map(|l| l.quote_depth).collect();
    assert_eq!(depths, [1, 2, 1]);
}

#[test]
fn teams_mention_is_highlighted() {
    let lines = render(
        r#"<p>Hi <span itemscope="" itemtype="http://schema.skype.com/Mention" itemid="0">Alex</span>, ready?</p>"#,
    );
    assert_eq!(texts(&lines), ["Hi @Alex, ready?"]);
    assert_eq!(style_of(&lines, "@Alex"), TextStyle::MENTION);
}

#[test]
fn mention_that_has_its_at_sign_is_not_doubled() {
    let lines = render(r#"<span itemtype="http://schema.skype.com/Mention">@Alex</span>"#);
    assert_eq!(texts(&lines), ["@Alex"]);
}

#[test]
fn split_teams_mention_gets_one_at_sign() {
    let html = concat!(
        r#"<span itemtype="http://schema.skype.com/Mention" itemid="0">Megan</span>&nbsp;"#,
        r#"<span itemtype="http://schema.skype.com/Mention" itemid="1">Bowen</span> hi"#,
    );
    let lines = render(html);
    assert_eq!(texts(&lines), ["@Megan\u{a0}Bowen hi"]);
    assert_eq!(
        lines[0].spans[0],
        StyledSpan::new("@Megan\u{a0}Bowen", TextStyle::MENTION)
    );
}

#[test]
fn inline_image_is_named_from_its_attachment() {
    let html = r#"<p>look <img alt="image" src="https://acs.example/images/a1/views/original" id="a1"></p>"#;
    let lines = html_to_lines(html, &[image("a1", "whiteboard.png")]);
    assert_eq!(texts(&lines), ["look [image: whiteboard.png]"]);
    let span = &lines[0].spans[1];
    assert_eq!(span.style, TextStyle::LINK);
    assert_eq!(
        span.link.as_deref(),
        Some("https://acs.example/images/a1/views/original")
    );
}

#[test]
fn image_without_attachment_falls_back_to_alt_then_image() {
    assert_eq!(
        texts(&render(r#"<img alt="diagram" id="x">"#)),
        ["[image: diagram]"]
    );
    assert_eq!(texts(&render("<img>")), ["[image: image]"]);
}

#[test]
fn teams_emoji_image_renders_as_its_alt_text() {
    let html = r#"ok <img itemscope itemtype="http://schema.skype.com/Emoji" itemid="cool" alt="😎" title="Cool">"#;
    assert_eq!(texts(&render(html)), ["ok 😎"]);
}

#[test]
fn unreferenced_attachments_are_appended() {
    let attachments = [
        image("i1", "inline.png"),
        file("f1", "report.pdf"),
        image("i2", "extra.jpg"),
    ];
    let lines = html_to_lines(r#"<p>see <img id="i1"></p>"#, &attachments);
    assert_eq!(
        texts(&lines),
        [
            "see [image: inline.png]",
            "[file: report.pdf]",
            "[image: extra.jpg]"
        ]
    );
    assert_eq!(style_of(&lines, "report"), TextStyle::LINK);
}

#[test]
fn attachment_labels_link_to_the_attachment_url_before_the_img_src() {
    let with_url = |a: AttachmentRef, url: &str| AttachmentRef {
        url: Some(url.into()),
        ..a
    };
    let lines = html_to_lines(
        r#"<p><img src="https://teams.example/src" id="i1"></p>"#,
        &[
            with_url(image("i1", "board.png"), "https://acs.example/i1"),
            with_url(file("f1", "agenda.pdf"), "https://acs.example/f1\u{1b}"),
        ],
    );
    let links: Vec<Option<&str>> = lines
        .iter()
        .flat_map(|l| &l.spans)
        .map(|s| s.link.as_deref())
        .collect();
    assert_eq!(
        links,
        [
            Some("https://acs.example/i1"),
            Some("https://acs.example/f1␛")
        ]
    );
}

#[test]
fn attachment_names_are_sanitised() {
    let lines = html_to_lines("", &[file("f", "evil\u{1b}]0;x\u{7}\n.pdf")]);
    assert_eq!(texts(&lines), ["[file: evil␛]0;x␇␊.pdf]"]);
}

#[test]
fn headings_are_styled() {
    let lines = render("<h2>Agenda</h2><p>item</p>");
    assert_eq!(texts(&lines), ["Agenda", "item"]);
    assert_eq!(style_of(&lines, "Agenda"), TextStyle::HEADING);
}

#[test]
fn unknown_tags_keep_their_text() {
    assert_eq!(
        texts(&render(
            "<custom-thing x=1>kept</custom-thing> <font>too</font>"
        )),
        ["kept too"]
    );
}

#[test]
fn script_and_style_content_is_dropped() {
    assert_eq!(
        texts(&render("a<script>alert(1)</script><style>p{}</style>b")),
        ["ab"]
    );
}

#[test]
fn entities_are_decoded() {
    assert_eq!(
        texts(&render("&lt;b&gt; &amp; &quot;q&quot; &#39;&#x263A;")),
        ["<b> & \"q\" '☺"]
    );
}

#[test]
fn escape_sequence_becomes_visible() {
    let lines = render("<p>\u{1b}[2Jwiped &#27;]52;c;eA==&#7; \u{9b}0m</p>");
    assert_eq!(texts(&lines), ["␛[2Jwiped ␛]52;c;eA==␇ ⟨U+009B⟩0m"]);
}

#[test]
fn bidi_override_in_a_body_becomes_visible() {
    assert_eq!(texts(&render("file&#x202E;gpj.exe")), ["file⟨RLO⟩gpj.exe"]);
}

#[test]
fn link_target_is_sanitised() {
    let lines = render("<a href=\"https://x.example/&#27;[31m\">t</a>");
    assert_eq!(
        lines[0].spans[0].link.as_deref(),
        Some("https://x.example/␛[31m")
    );
}

#[test]
fn carriage_returns_are_line_feeds() {
    assert_eq!(texts(&render("<pre>a\r\nb\rc</pre>")), ["a", "b", "c"]);
}

#[test]
fn misnested_tags_close_what_they_enclose() {
    let lines = render("<b>bold <i>both</b> plain</i> tail</u>");
    assert_eq!(texts(&lines), ["bold both plain tail"]);
    assert_eq!(style_of(&lines, "plain"), TextStyle::PLAIN);
}

#[test]
fn table_cells_are_separated() {
    assert_eq!(
        texts(&render(
            "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>"
        )),
        ["a b", "c"]
    );
}

#[test]
fn empty_body_gives_no_lines() {
    assert!(render("").is_empty());
    assert!(render("<p> </p><br><div></div>").is_empty());
}

#[test]
fn plain_text_splits_into_lines() {
    let lines = plain_to_lines("one\r\ntwo\n\n\tthree\u{2028}four\n");
    assert_eq!(texts(&lines), ["one", "two", "", "    three", "four"]);
    assert_eq!(lines[2], StyledLine::default());
}

#[test]
fn plain_text_controls_become_visible() {
    assert_eq!(texts(&plain_to_lines("a\u{1b}[1mb\rc")), ["a␛[1mb␍c"]);
}

/// True when no span could act on the terminal or hide a line break.
fn terminal_safe(lines: &[StyledLine]) -> bool {
    lines.iter().flat_map(|l| &l.spans).all(|s| {
        s.text
            .chars()
            .chain(s.link.iter().flat_map(|l| l.chars()))
            .all(|c| {
                !c.is_control() && !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            })
    })
}

proptest! {
    #[test]
    fn arbitrary_input_never_panics_and_stays_terminal_safe(text in any::<String>()) {
        let lines = html_to_lines(&text, &[image("a", "x\u{1b}")]);
        prop_assert!(terminal_safe(&lines), "{:?}", lines);
        prop_assert!(terminal_safe(&plain_to_lines(&text)));
    }

    #[test]
    fn malformed_html_never_panics(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("<"), Just(">"), Just("</"), Just("/>"), Just("<b>"), Just("</b>"),
                Just("<a href=\"u\">"), Just("</a>"), Just("<ul>"), Just("<ol start=x>"),
                Just("<li>"), Just("</li>"), Just("</ul>"), Just("<pre>"), Just("</pre>"),
                Just("<blockquote>"), Just("</blockquote>"), Just("<br>"), Just("<p>"),
                Just("</p>"), Just("<img id=a>"), Just("<img"), Just("&"), Just("&#"),
                Just("&#x110000;"), Just("&amp"), Just("<!--"), Just("-->"), Just("<script>"),
                Just("\""), Just("'"), Just("="), Just(" "), Just("\n"), Just("\t"), Just("x"),
                Just("世"), Just("\u{1b}"), Just("<span itemtype=\"http://schema.skype.com/Mention\">"),
                Just("</span>"), Just("<codeblock>"),
            ],
            0..40,
        )
    ) {
        let html = parts.concat();
        let lines = html_to_lines(&html, &[image("a", "pic"), file("f", "doc")]);
        prop_assert!(terminal_safe(&lines), "{:?}", lines);
    }
}

#[test]
fn emoji_joiner_across_tags_is_dropped_as_within_one_text() {
    // Joined emoji are where terminals and the layout disagree on widths.
    let lines = render("👩<b>\u{200d}💻</b> ❤\u{fe0f}<i>\u{200d}\u{200d}</i>x");
    assert_eq!(texts(&lines), ["👩💻 ❤\u{fe0f}x"]);
    assert_eq!(style_of(&lines, "💻"), TextStyle::BOLD);
}
