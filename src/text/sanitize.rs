//! The one sanitiser between network strings and the terminal.
//!
//! Message bodies, display names, topics, file names and error texts all come from
//! other people. Written to a terminal raw, they could move the cursor, retitle the
//! window, write to the clipboard (OSC 52), ring the bell, or reorder what the reader
//! sees with bidi overrides. Every such character is replaced by a visible stand-in:
//!
//! | input | output |
//! |---|---|
//! | C0 control U+0000–U+001F (not `\n`, `\t`) | control picture U+2400 + code (`␛`, `␇`, `␀`, `␍`) |
//! | DEL U+007F | `␡` |
//! | C1 control U+0080–U+009F (8-bit CSI, OSC, ...) | `⟨U+009B⟩` |
//! | bidi embedding, override, isolate and mark | `⟨RLO⟩`, `⟨LRI⟩`, `⟨RLM⟩`, ... |
//! | U+206A–U+206F, U+FFF9–U+FFFB (deprecated format, interlinear annotation) | `⟨U+206A⟩` |
//! | U+2028 line / U+2029 paragraph separator | `\n` (a line break, which is what they mean) |
//!
//! [`sanitize_line`] is for single-line places: there `\n`, U+2028 and U+2029 become
//! `␊` and `\t` becomes a space.
//!
//! Terminals and the layout disagree on how wide some emoji sequences are, and where they
//! disagree, cells of older frames stay on screen. So a zero-width joiner after an emoji
//! is dropped (a family shows as its people side by side) and regional-indicator flags
//! show as their letters (the Japanese flag as `[JP]`). Joiners in scripts that need
//! them, variation selectors and emoji tag characters are kept.

use std::borrow::Cow;
use std::fmt::Write as _;

/// What one character turns into.
enum Fix {
    Char(char),
    Name(&'static str),
    Code(char),
}

/// Makes `text` safe to print on a terminal; `\n` and `\t` are kept.
///
/// Borrows when nothing needs replacing, which is the common case.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    sanitize_with(text, false)
}

/// Like [`sanitize`], for single-line places (topics, names, file names): line breaks
/// become a visible `␊` and tabs become a space.
pub fn sanitize_line(text: &str) -> Cow<'_, str> {
    sanitize_with(text, true)
}

fn sanitize_with(text: &str, single_line: bool) -> Cow<'_, str> {
    let controls_fixed = fix_controls(text, single_line);
    match unambiguous_emoji(&controls_fixed) {
        Some(fixed) => Cow::Owned(fixed),
        None => controls_fixed,
    }
}

fn is_regional_indicator(c: char) -> bool {
    ('\u{1f1e6}'..='\u{1f1ff}').contains(&c)
}

/// A pictograph (or the emoji presentation selector) a joiner may follow in an emoji sequence.
fn is_pictograph(c: char) -> bool {
    matches!(c, '\u{2600}'..='\u{27bf}' | '\u{2b00}'..='\u{2bff}' | '\u{1f000}'..='\u{1faff}' | '\u{fe0f}')
}

/// `text` without the emoji joiners at its start when `previous`, the char shown just before it,
/// is one they would join: [`sanitize`]'s rule, for text put together from separately sanitised
/// pieces (the text of neighbouring HTML elements).
pub(super) fn drop_leading_emoji_joiners(previous: Option<char>, text: &str) -> &str {
    if previous.is_some_and(is_pictograph) {
        text.trim_start_matches('\u{200d}')
    } else {
        text
    }
}

/// `text` with emoji joiners dropped and flags as letters, or `None` when it has neither.
fn unambiguous_emoji(text: &str) -> Option<String> {
    if !text
        .chars()
        .any(|c| is_regional_indicator(c) || c == '\u{200d}')
    {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut previous: Option<char> = None;
    while let Some(c) = chars.next() {
        if c == '\u{200d}' && previous.is_some_and(is_pictograph) {
            continue;
        }
        if is_regional_indicator(c) {
            out.push('[');
            let pair = std::iter::once(c).chain(chars.next_if(|n| is_regional_indicator(*n)));
            for ri in pair {
                let letter = u32::from(ri) - 0x1f1e6 + u32::from(b'A');
                out.push(char::from_u32(letter).unwrap_or('?'));
            }
            out.push(']');
            previous = Some(']');
            continue;
        }
        out.push(c);
        previous = Some(c);
    }
    Some(out)
}

fn fix_controls(text: &str, single_line: bool) -> Cow<'_, str> {
    let Some(first) = text.find(|c| fix(c, single_line).is_some()) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str(&text[..first]);
    for c in text[first..].chars() {
        match fix(c, single_line) {
            None => out.push(c),
            Some(Fix::Char(r)) => out.push(r),
            Some(Fix::Name(name)) => {
                out.push('⟨');
                out.push_str(name);
                out.push('⟩');
            }
            Some(Fix::Code(c)) => {
                // Writing to a String cannot fail.
                let _ = write!(out, "⟨U+{:04X}⟩", u32::from(c));
            }
        }
    }
    Cow::Owned(out)
}

fn fix(c: char, single_line: bool) -> Option<Fix> {
    let code = u32::from(c);
    match c {
        '\t' if single_line => Some(Fix::Char(' ')),
        '\n' | '\u{2028}' | '\u{2029}' if single_line => Some(Fix::Char('␊')),
        '\t' | '\n' => None,
        '\u{2028}' | '\u{2029}' => Some(Fix::Char('\n')),
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + code).map(Fix::Char),
        '\u{7f}' => Some(Fix::Char('␡')),
        '\u{80}'..='\u{9f}' => Some(Fix::Code(c)),
        '\u{206a}'..='\u{206f}' | '\u{fff9}'..='\u{fffb}' => Some(Fix::Code(c)),
        _ => bidi_name(c).map(Fix::Name),
    }
}

/// The short Unicode name of a bidi formatting character, or `None` for any other char.
fn bidi_name(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{061c}' => "ALM",
        '\u{200e}' => "LRM",
        '\u{200f}' => "RLM",
        '\u{202a}' => "LRE",
        '\u{202b}' => "RLE",
        '\u{202c}' => "PDF",
        '\u{202d}' => "LRO",
        '\u{202e}' => "RLO",
        '\u{2066}' => "LRI",
        '\u{2067}' => "RLI",
        '\u{2068}' => "FSI",
        '\u{2069}' => "PDI",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// True for a char that must never reach the terminal from [`sanitize`].
    fn forbidden(c: char) -> bool {
        matches!(c, '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
            || bidi_name(c).is_some()
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{206a}'..='\u{206f}' | '\u{fff9}'..='\u{fffb}')
    }

    #[test]
    fn clean_text_is_borrowed() {
        let text = "Hello, 世界 👍🏽 café\nsecond\tline";
        assert!(matches!(sanitize(text), Cow::Borrowed(_)));
        assert!(matches!(sanitize_line("Project Falcon"), Cow::Borrowed(_)));
    }

    #[test]
    fn escape_sequence_becomes_visible() {
        assert_eq!(sanitize("\u{1b}[2J\u{1b}[31mred"), "␛[2J␛[31mred");
    }

    #[test]
    fn osc_clipboard_write_becomes_visible() {
        // OSC 52 would let a message write to the reader's clipboard.
        assert_eq!(sanitize("\u{1b}]52;c;ZXZpbA==\u{7}"), "␛]52;c;ZXZpbA==␇");
    }

    #[test]
    fn c0_controls_become_control_pictures() {
        assert_eq!(sanitize("\u{0}\u{7}\u{8}\u{1f}"), "␀␇␈␟");
        assert_eq!(sanitize("a\rb"), "a␍b");
        assert_eq!(sanitize("\u{7f}"), "␡");
    }

    #[test]
    fn newline_and_tab_are_kept_in_multi_line_text() {
        assert_eq!(sanitize("a\n\tb"), "a\n\tb");
    }

    #[test]
    fn c1_controls_become_code_placeholders() {
        assert_eq!(sanitize("\u{9b}31m"), "⟨U+009B⟩31m");
        assert_eq!(sanitize("\u{80}\u{9d}"), "⟨U+0080⟩⟨U+009D⟩");
    }

    #[test]
    fn bidi_override_becomes_visible() {
        assert_eq!(sanitize("invoice\u{202e}fdp.exe"), "invoice⟨RLO⟩fdp.exe");
        assert_eq!(
            sanitize("\u{2066}\u{2067}\u{2068}\u{2069}"),
            "⟨LRI⟩⟨RLI⟩⟨FSI⟩⟨PDI⟩"
        );
        assert_eq!(
            sanitize("\u{202a}\u{202b}\u{202c}\u{202d}"),
            "⟨LRE⟩⟨RLE⟩⟨PDF⟩⟨LRO⟩"
        );
        assert_eq!(sanitize("\u{200e}\u{200f}\u{61c}"), "⟨LRM⟩⟨RLM⟩⟨ALM⟩");
    }

    #[test]
    fn unicode_line_separators_become_newlines() {
        assert_eq!(sanitize("a\u{2028}b\u{2029}c"), "a\nb\nc");
    }

    #[test]
    fn deprecated_format_characters_become_visible() {
        assert_eq!(sanitize("\u{206e}x\u{fff9}"), "⟨U+206E⟩x⟨U+FFF9⟩");
    }

    #[test]
    fn single_line_shows_newlines_and_flattens_tabs() {
        assert_eq!(sanitize_line("Q3\nplanning\tchat"), "Q3␊planning chat");
        assert_eq!(sanitize_line("a\u{2028}b"), "a␊b");
        assert_eq!(sanitize_line("\u{1b}]0;pwned\u{7}"), "␛]0;pwned␇");
    }

    #[test]
    fn emoji_sequences_keep_what_terminals_agree_on() {
        let kept = "🏴\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f} ❤\u{fe0f} 👍🏽";
        assert_eq!(sanitize(kept), kept);
        // Joined emoji and flags are where terminals and the layout disagree on widths.
        assert_eq!(sanitize("👩🏽\u{200d}💻"), "👩🏽💻");
        assert_eq!(sanitize("👩\u{200d}👩\u{200d}👧 ok"), "👩👩👧 ok");
        assert_eq!(sanitize("🇯🇵🇫🇷 trip"), "[JP][FR] trip");
        assert_eq!(sanitize_line("a lone 🇯"), "a lone [J]");
        // A joiner that a script needs stays (Devanagari: क्‍ष).
        assert_eq!(sanitize("क्\u{200d}ष"), "क्\u{200d}ष");
    }

    proptest! {
        #[test]
        fn output_never_holds_terminal_controls(text in any::<String>()) {
            let out = sanitize(&text);
            prop_assert!(!out.chars().any(forbidden), "{:?}", out);
            let line = sanitize_line(&text);
            prop_assert!(!line.chars().any(|c| forbidden(c) || c == '\n' || c == '\t'), "{:?}", line);
        }

        #[test]
        fn sanitizing_is_idempotent(text in any::<String>()) {
            let once = sanitize(&text).into_owned();
            prop_assert_eq!(sanitize(&once), once.as_str());
            let once = sanitize_line(&text).into_owned();
            prop_assert_eq!(sanitize_line(&once), once.as_str());
        }

        #[test]
        fn controls_from_a_mixed_alphabet_are_replaced(
            text in "[a-z\u{0}-\u{1f}\u{7f}-\u{9f}\u{202a}-\u{202e}\u{2066}-\u{2069}\u{200e}\u{200f}]*"
        ) {
            let out = sanitize(&text);
            prop_assert!(!out.chars().any(forbidden), "{:?}", out);
            prop_assert_eq!(sanitize(&out), out.as_ref());
        }

        #[test]
        fn printable_text_is_untouched(text in "[ -~\u{a0}-\u{5ff}\u{4e00}-\u{4fff}\n\t]*") {
            prop_assert!(matches!(sanitize(&text), Cow::Borrowed(_)));
        }
    }
}
