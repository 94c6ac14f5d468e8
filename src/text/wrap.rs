//! Wrapping styled lines by display width, and width helpers for single-line places.
//!
//! Widths are counted per grapheme cluster with `unicode-width`, as ratatui counts them:
//! CJK and emoji take two columns, a family emoji or a flag is one unit that is never
//! split, and combining marks stay with their base.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

use super::style::{StyledLine, StyledSpan, TextStyle};

/// Columns kept for text when indents and quote bars would take the whole width.
const MIN_CONTENT: usize = 4;

/// The number of terminal columns `s` takes.
pub fn display_width(s: &str) -> usize {
    s.graphemes(true).map(UnicodeWidthStr::width).sum()
}

/// Cuts `s` to at most `width` columns, ending with `…` when something was cut.
/// Meant for text that already passed [`sanitize_line`](super::sanitize_line).
pub fn truncate_to_width(s: &str, width: usize) -> String {
    if display_width(s) <= width {
        return s.to_owned();
    }
    let Some(budget) = width.checked_sub(1) else {
        return String::new();
    };
    let mut out = String::new();
    let mut used = 0;
    for g in s.graphemes(true) {
        let w = g.width();
        if used + w > budget {
            break;
        }
        out.push_str(g);
        used += w;
    }
    let kept = out.trim_end_matches(' ').len();
    out.truncate(kept);
    out.push('…');
    out
}

/// Wraps `lines` to `width` columns.
///
/// Breaks at spaces where it can and inside words longer than a line; each line's
/// indent, quote depth and span styles carry over to its continuation lines. Text is
/// broken at any grapheme boundary next to a double-width character, as CJK text
/// expects. Preformatted lines are broken at exactly the width and keep every space.
///
/// No output line's rendered width (`indent + 2 * quote_depth` plus its text) exceeds
/// `width`: when indents and quotes would leave fewer than four columns they are
/// reduced, and a character wider than the room left (a CJK char at width 1) shows as
/// `…`. Width 0 gives no lines.
pub fn wrap_lines(lines: &[StyledLine], width: u16) -> Vec<StyledLine> {
    let width = usize::from(width);
    if width == 0 {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        wrap_line(line, width, &mut out);
    }
    out
}

/// One grapheme cluster of a line, with the index of the span it came from.
struct Piece<'a> {
    text: &'a str,
    width: usize,
    span: usize,
    /// Spaces inside links and mentions (`[image: board.png]`, `@Megan Bowen`) keep them whole.
    keeps_together: bool,
}

impl Piece<'_> {
    fn is_space(&self) -> bool {
        self.text == " " && !self.keeps_together
    }
}

fn wrap_line(line: &StyledLine, width: usize, out: &mut Vec<StyledLine>) {
    let (indent, quote_depth) = fit_prefix(line, width);
    let avail = width - usize::from(indent) - 2 * usize::from(quote_depth);
    let pieces: Vec<Piece<'_>> = line
        .spans
        .iter()
        .enumerate()
        .flat_map(|(span, s)| {
            let keeps_together =
                s.style.contains(TextStyle::LINK) || s.style.contains(TextStyle::MENTION);
            s.text.graphemes(true).map(move |text| Piece {
                text,
                width: text.width(),
                span,
                keeps_together,
            })
        })
        .collect();
    let mut writer = Writer {
        source: line,
        template: StyledLine {
            spans: Vec::new(),
            indent,
            quote_depth,
            preformatted: line.preformatted,
        },
        avail,
        current: Vec::new(),
        current_span: None,
        current_width: 0,
        emitted: 0,
        out,
    };
    if line.preformatted {
        for piece in &pieces {
            writer.push(piece);
        }
    } else {
        word_wrap(&pieces, &mut writer);
    }
    writer.finish();
}

/// The indent and quote depth a line keeps at `width`, leaving room for its text.
/// Quote bars are kept before indentation: they say whose words these are.
fn fit_prefix(line: &StyledLine, width: usize) -> (u16, u8) {
    let budget = width - width.min(MIN_CONTENT);
    let quote_depth = usize::from(line.quote_depth).min(budget / 2);
    let indent = usize::from(line.indent).min(budget - 2 * quote_depth);
    // Both are at most the line's own values, so the conversions cannot fail.
    (
        u16::try_from(indent).unwrap_or(0),
        u8::try_from(quote_depth).unwrap_or(0),
    )
}

fn word_wrap(pieces: &[Piece<'_>], writer: &mut Writer<'_>) {
    let mut i = 0;
    let mut spaces: &[Piece<'_>] = &[];
    while i < pieces.len() {
        let start = i;
        if pieces[i].is_space() {
            while pieces.get(i).is_some_and(Piece::is_space) {
                i += 1;
            }
            spaces = &pieces[start..i];
            continue;
        }
        if pieces[i].width >= 2 {
            // A wide character is a word of its own.
            i += 1;
        } else {
            while pieces.get(i).is_some_and(|p| !p.is_space() && p.width < 2) {
                i += 1;
            }
        }
        let word = &pieces[start..i];
        let at_start = writer.current.is_empty();
        // Spaces where a line wrapped are the break itself; the first line keeps them.
        let gap = std::mem::take(&mut spaces);
        let gap = if at_start && writer.emitted > 0 {
            &[]
        } else {
            gap
        };
        let gap_width: usize = gap.iter().map(|p| p.width).sum();
        let word_width: usize = word.iter().map(|p| p.width).sum();
        if writer.fits(gap_width + word_width) {
            gap.iter().chain(word).for_each(|p| writer.push(p));
        } else if word_width <= writer.avail {
            if !at_start {
                writer.break_line();
            }
            word.iter().for_each(|p| writer.push(p));
        } else {
            // Longer than a line: start it here if anything fits, then hard-break it.
            if at_start || writer.fits(gap_width + 1) {
                gap.iter().for_each(|p| writer.push(p));
            } else {
                writer.break_line();
            }
            word.iter().for_each(|p| writer.push(p));
        }
    }
    // Trailing spaces are dropped: nobody sees them and they could overflow.
}

/// Collects pieces into output lines of at most `avail` columns.
struct Writer<'a> {
    source: &'a StyledLine,
    template: StyledLine,
    avail: usize,
    current: Vec<StyledSpan>,
    current_span: Option<usize>,
    current_width: usize,
    emitted: usize,
    out: &'a mut Vec<StyledLine>,
}

impl Writer<'_> {
    fn fits(&self, width: usize) -> bool {
        self.current_width + width <= self.avail
    }

    fn push(&mut self, piece: &Piece<'_>) {
        let (text, width) = if piece.width > self.avail {
            ("…", 1)
        } else {
            (piece.text, piece.width)
        };
        if !self.fits(width) {
            self.break_line();
        }
        self.current_width += width;
        if self.current_span == Some(piece.span)
            && let Some(last) = self.current.last_mut()
        {
            last.text.push_str(text);
            return;
        }
        let (style, link) = self
            .source
            .spans
            .get(piece.span)
            .map(|s| (s.style, s.link.clone()))
            .unwrap_or_default();
        self.current.push(StyledSpan {
            text: text.to_owned(),
            style,
            link,
        });
        self.current_span = Some(piece.span);
    }

    fn break_line(&mut self) {
        let mut line = self.template.clone();
        line.spans = std::mem::take(&mut self.current);
        self.out.push(line);
        self.current_span = None;
        self.current_width = 0;
        self.emitted += 1;
    }

    fn finish(mut self) {
        if !self.current.is_empty() || self.emitted == 0 {
            self.break_line();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn texts(lines: &[StyledLine]) -> Vec<String> {
        lines.iter().map(StyledLine::text).collect()
    }

    fn rendered_width(line: &StyledLine) -> usize {
        usize::from(line.indent) + 2 * usize::from(line.quote_depth) + display_width(&line.text())
    }

    #[test]
    fn wide_characters_count_two_columns() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("世界"), 4);
        assert_eq!(display_width("👨‍👩‍👧"), 2);
        assert_eq!(display_width("🇫🇷"), 2);
        assert_eq!(display_width("e\u{301}"), 1);
    }

    #[test]
    fn text_breaks_at_spaces() {
        let lines = wrap_lines(&[StyledLine::plain("the quick brown fox")], 10);
        assert_eq!(texts(&lines), ["the quick", "brown fox"]);
    }

    #[test]
    fn attachment_labels_and_mentions_stay_whole_when_they_fit() {
        let line = StyledLine {
            spans: vec![
                StyledSpan::plain("Here is the board: "),
                StyledSpan::new("[image: whiteboard.png]", TextStyle::LINK),
            ],
            ..StyledLine::default()
        };
        assert_eq!(
            texts(&wrap_lines(&[line], 30)),
            ["Here is the board:", "[image: whiteboard.png]"]
        );
    }

    #[test]
    fn long_word_is_hard_broken() {
        let lines = wrap_lines(&[StyledLine::plain("see https://example.com/x")], 10);
        assert_eq!(texts(&lines), ["see https:", "//example.", "com/x"]);
    }

    #[test]
    fn style_is_kept_across_the_break() {
        let line = StyledLine {
            spans: vec![
                StyledSpan::plain("hello "),
                StyledSpan::new("bold words here", TextStyle::BOLD),
            ],
            ..StyledLine::default()
        };
        let lines = wrap_lines(&[line], 11);
        assert_eq!(texts(&lines), ["hello bold", "words here"]);
        assert_eq!(lines[1].spans.len(), 1);
        assert_eq!(lines[1].spans[0].style, TextStyle::BOLD);
    }

    #[test]
    fn continuation_lines_keep_indent_and_quote_depth() {
        let line = StyledLine {
            spans: vec![StyledSpan::plain("one two three four")],
            indent: 2,
            quote_depth: 1,
            preformatted: false,
        };
        let lines = wrap_lines(&[line], 12);
        assert_eq!(texts(&lines), ["one two", "three", "four"]);
        assert!(lines.iter().all(|l| l.indent == 2 && l.quote_depth == 1));
    }

    #[test]
    fn cjk_text_breaks_between_characters() {
        let lines = wrap_lines(&[StyledLine::plain("你好世界和平")], 5);
        assert_eq!(texts(&lines), ["你好", "世界", "和平"]);
    }

    #[test]
    fn family_emoji_and_flags_are_never_split() {
        let lines = wrap_lines(&[StyledLine::plain("a👨‍👩‍👧🇫🇷")], 3);
        assert_eq!(texts(&lines), ["a👨‍👩‍👧", "🇫🇷"]);
    }

    #[test]
    fn combining_marks_stay_with_their_base() {
        let lines = wrap_lines(&[StyledLine::plain("cafe\u{301}s")], 4);
        assert_eq!(texts(&lines), ["cafe\u{301}", "s"]);
    }

    #[test]
    fn preformatted_lines_keep_their_spaces() {
        let line = StyledLine {
            spans: vec![StyledSpan::plain("    let x = 1;")],
            preformatted: true,
            ..StyledLine::default()
        };
        let lines = wrap_lines(&[line], 8);
        assert_eq!(texts(&lines), ["    let ", "x = 1;"]);
    }

    #[test]
    fn leading_spaces_of_the_first_line_are_kept() {
        let lines = wrap_lines(&[StyledLine::plain("  a b")], 10);
        assert_eq!(texts(&lines), ["  a b"]);
    }

    #[test]
    fn empty_line_stays_one_empty_line() {
        let lines = wrap_lines(&[StyledLine::default()], 10);
        assert_eq!(lines, [StyledLine::default()]);
    }

    #[test]
    fn zero_width_gives_no_lines() {
        assert!(wrap_lines(&[StyledLine::plain("text")], 0).is_empty());
    }

    #[test]
    fn deep_quotes_shrink_to_leave_room_for_text() {
        let line = StyledLine {
            spans: vec![StyledSpan::plain("reply")],
            indent: 6,
            quote_depth: 5,
            preformatted: false,
        };
        let lines = wrap_lines(&[line], 10);
        assert_eq!(lines[0].quote_depth, 3);
        assert_eq!(lines[0].indent, 0);
        assert!(lines.iter().all(|l| rendered_width(l) <= 10));
    }

    #[test]
    fn wide_character_in_a_one_column_pane_becomes_an_ellipsis() {
        let lines = wrap_lines(&[StyledLine::plain("世a")], 1);
        assert_eq!(texts(&lines), ["…", "a"]);
    }

    #[test]
    fn truncation_ends_with_an_ellipsis() {
        assert_eq!(truncate_to_width("Project Falcon", 20), "Project Falcon");
        assert_eq!(truncate_to_width("Project Falcon", 9), "Project…");
        assert_eq!(truncate_to_width("世界世界", 5), "世界…");
        assert_eq!(truncate_to_width("世界世界", 4), "世…");
        assert_eq!(truncate_to_width("abc", 0), "");
        assert_eq!(truncate_to_width("abc", 1), "…");
    }

    fn any_text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("a"),
                Just("word"),
                Just(" "),
                Just("  "),
                Just("世"),
                Just("界"),
                Just("👨‍👩‍👧"),
                Just("🇫🇷"),
                Just("e\u{301}"),
                Just("\u{200b}"),
                Just("https://example.com/very/long/path"),
            ],
            0..24,
        )
        .prop_map(|parts| parts.concat())
    }

    fn any_style() -> impl Strategy<Value = TextStyle> {
        prop_oneof![
            Just(TextStyle::PLAIN),
            Just(TextStyle::BOLD),
            Just(TextStyle::LINK | TextStyle::MENTION),
        ]
    }

    fn any_line() -> impl Strategy<Value = StyledLine> {
        (
            proptest::collection::vec((any_text(), any_style()), 0..4),
            0u16..40,
            0u8..12,
            any::<bool>(),
        )
            .prop_map(|(spans, indent, quote_depth, preformatted)| StyledLine {
                spans: spans
                    .into_iter()
                    .map(|(text, style)| StyledSpan::new(text, style))
                    .collect(),
                indent,
                quote_depth,
                preformatted,
            })
    }

    proptest! {
        #[test]
        fn no_line_is_wider_than_the_width(
            lines in proptest::collection::vec(any_line(), 0..4),
            width in 0u16..40,
        ) {
            for line in wrap_lines(&lines, width) {
                prop_assert!(rendered_width(&line) <= usize::from(width), "{:?} at {}", line, width);
            }
        }

        #[test]
        fn wrapping_keeps_every_visible_grapheme(line in any_line(), width in 1u16..40) {
            let (indent, quote_depth) = fit_prefix(&line, usize::from(width));
            let avail = usize::from(width) - usize::from(indent) - 2 * usize::from(quote_depth);
            prop_assume!(avail >= 2);
            let visible = |text: String| text.replace(' ', "");
            let wrapped: String = wrap_lines(std::slice::from_ref(&line), width)
                .iter()
                .map(StyledLine::text)
                .collect();
            prop_assert_eq!(visible(wrapped), visible(line.text()));
        }

        #[test]
        fn truncated_text_fits(text in any_text(), width in 0usize..30) {
            let cut = truncate_to_width(&text, width);
            prop_assert!(display_width(&cut) <= width);
        }
    }
}
