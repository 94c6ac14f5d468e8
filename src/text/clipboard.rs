//! Rendered lines as plain text for the clipboard, with the link targets the text does not show.

use super::style::StyledLine;

/// The lines' text, one per line. A run of spans that links somewhere (an attachment label, an image)
/// is followed by its target, unless the line already shows that target (a link written as its URL, or
/// an anchor followed by its `(href)`), so every label and every link appears once.
pub fn clipboard_text(lines: &[StyledLine]) -> String {
    lines.iter().map(line_text).collect::<Vec<_>>().join("\n")
}

fn line_text(line: &StyledLine) -> String {
    let shown = line.text();
    let mut out = String::with_capacity(shown.len());
    for (i, span) in line.spans.iter().enumerate() {
        out.push_str(&span.text);
        let Some(target) = span.link.as_deref() else {
            continue;
        };
        let run_ends = line
            .spans
            .get(i + 1)
            .is_none_or(|next| next.link.as_deref() != Some(target));
        if run_ends && !target.is_empty() && !shown.contains(target) {
            out.push(' ');
            out.push_str(target);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{AttachmentKind, AttachmentRef, html_to_lines};

    fn file(name: &str, url: Option<&str>) -> AttachmentRef {
        AttachmentRef {
            id: "f1".into(),
            kind: AttachmentKind::File,
            name: name.into(),
            url: url.map(str::to_string),
        }
    }

    #[test]
    fn an_attachment_label_appears_once_followed_by_its_link() {
        let lines = html_to_lines(
            "<p>the agenda</p>",
            &[file("agenda.pdf", Some("https://e/a/1"))],
        );
        assert_eq!(
            clipboard_text(&lines),
            "the agenda\n[file: agenda.pdf] https://e/a/1"
        );
    }

    #[test]
    fn an_attachment_without_a_link_is_only_its_label() {
        let lines = html_to_lines("", &[file("agenda.pdf", None)]);
        assert_eq!(clipboard_text(&lines), "[file: agenda.pdf]");
    }

    #[test]
    fn a_link_the_text_already_shows_is_not_repeated() {
        let lines = html_to_lines(
            r#"<a href="https://x.example/">https://x.example/</a> and <a href="https://y.example/"><b>y</b> site</a>"#,
            &[],
        );
        assert_eq!(
            clipboard_text(&lines),
            "https://x.example/ and y site (https://y.example/)"
        );
    }

    #[test]
    fn an_inline_image_is_followed_by_its_attachment_link() {
        let image = AttachmentRef {
            kind: AttachmentKind::Image,
            ..file("board.png", Some("https://e/images/i1"))
        };
        let lines = html_to_lines(r#"<p>look <img id="f1"> here</p>"#, &[image]);
        assert_eq!(
            clipboard_text(&lines),
            "look [image: board.png] https://e/images/i1 here"
        );
    }
}
