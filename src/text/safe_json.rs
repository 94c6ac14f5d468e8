//! JSON that is safe on a terminal and exact for a program: every character the sanitiser would
//! replace (C1 controls, DEL, bidi overrides and marks, line and paragraph separators) is written as a
//! `\uXXXX` escape. JSON already escapes C0 controls, so a decoder reads the string exactly as the
//! service sent it, while nothing in it can steer the terminal the document is printed on.

use serde::Serialize;
use serde_json::ser::{CharEscape, CompactFormatter, Formatter, PrettyFormatter};
use std::io;

/// Whether a character must not reach a terminal unescaped.
fn unsafe_char(c: char) -> bool {
    matches!(c,
        '\u{7f}'..='\u{9f}'
        | '\u{061c}'
        | '\u{200e}' | '\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2066}'..='\u{206f}'
        | '\u{fff9}'..='\u{fffb}')
}

/// Wraps a serde_json formatter and escapes [`unsafe_char`]s inside strings.
struct Safe<F>(F);

impl<F: Formatter> Formatter for Safe<F> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if unsafe_char(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        char_escape: CharEscape,
    ) -> io::Result<()> {
        self.0.write_char_escape(writer, char_escape)
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn end_object_key<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_key(writer)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

/// Writes `value` to `writer`: indented, or on one line (for JSON Lines).
pub fn write<W: io::Write, T: Serialize + ?Sized>(
    writer: &mut W,
    value: &T,
    pretty: bool,
) -> io::Result<()> {
    let result = if pretty {
        let mut ser =
            serde_json::Serializer::with_formatter(&mut *writer, Safe(PrettyFormatter::new()));
        value.serialize(&mut ser)
    } else {
        let mut ser = serde_json::Serializer::with_formatter(&mut *writer, Safe(CompactFormatter));
        value.serialize(&mut ser)
    };
    result.map_err(|e| match e.io_error_kind() {
        Some(kind) => io::Error::new(kind, e.to_string()),
        None => io::Error::other(e.to_string()),
    })
}

/// `value` as text (for standard error).
pub fn to_string<T: Serialize + ?Sized>(value: &T, pretty: bool) -> String {
    let mut bytes = Vec::new();
    match write(&mut bytes, value, pretty) {
        Ok(()) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => format!("{{\"error\":{{\"message\":\"cannot write JSON: {e}\"}}}}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_keep_their_value_but_nothing_steers_the_terminal() {
        let hostile = "a\u{1b}]52;c;AAAA\u{7}b\u{9b}2J\u{202e}evil\u{2028}x\u{7f}";
        let value = json!({"content": {"message": hostile}, "topic": "caf\u{e9} \u{1f600}"});
        for pretty in [false, true] {
            let text = to_string(&value, pretty);
            assert!(
                text.chars()
                    .all(|c| !c.is_control() || c == '\n' || c == ' ')
                    && !text.contains('\u{202e}')
                    && !text.contains('\u{2028}'),
                "{text:?}"
            );
            let back: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
            assert_eq!(back, value, "a decoder reads the same strings");
        }
        assert_eq!(
            to_string(&json!(["\u{9b}\u{202e}é"]), false),
            r#"["\u009b\u202eé"]"#
        );
    }
}
