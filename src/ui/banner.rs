//! The recording and transcription notice: across the full width, above every pane, in the words of
//! the ACS UI library's compliance banner. It always gets at least one row.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::compliance::Variant;
use crate::app::state::AppState;
use crate::config::{Action, Theme};
use crate::text::{display_width, truncate_to_width};

/// The most rows the notice takes at a terminal height.
fn max_rows(height: u16) -> usize {
    match height {
        20.. => 4,
        10.. => 3,
        _ => usize::from(height.saturating_sub(1) / 2).max(1),
    }
}

/// One word of the notice, and whether it is in the bold title.
type Word = (String, bool);

fn words(text: &str, bold: bool) -> impl Iterator<Item = Word> + '_ {
    text.split_whitespace().map(move |w| (w.to_string(), bold))
}

/// Fills lines of `width` with the words; a word longer than a line is cut across lines.
fn fill(words: &[Word], width: usize) -> Vec<Vec<Word>> {
    let mut lines: Vec<Vec<Word>> = vec![Vec::new()];
    let mut used = 0;
    for (word, bold) in words {
        let w = display_width(word);
        let needed = if used == 0 { w } else { used + 1 + w };
        if needed <= width {
            used = needed;
            if let Some(line) = lines.last_mut() {
                line.push((word.clone(), *bold));
            }
            continue;
        }
        if w <= width {
            lines.push(vec![(word.clone(), *bold)]);
            used = w;
            continue;
        }
        // Too long for any line (a URL on a narrow terminal): cut it.
        let mut rest = word.as_str();
        while !rest.is_empty() {
            let room = if used == 0 {
                width
            } else {
                width.saturating_sub(used + 1)
            };
            let mut piece = truncate_plain(rest, room);
            if piece.is_empty() {
                if used > 0 {
                    lines.push(Vec::new());
                    used = 0;
                    continue;
                }
                // Not even one character fits: take one, the line is cut when drawn.
                piece = rest.char_indices().nth(1).map_or(rest, |(i, _)| &rest[..i]);
            }
            rest = &rest[piece.len()..];
            used += display_width(piece) + usize::from(used > 0);
            if let Some(line) = lines.last_mut() {
                line.push((piece.to_string(), *bold));
            }
            if !rest.is_empty() {
                lines.push(Vec::new());
                used = 0;
            }
        }
    }
    lines
}

/// The longest prefix of `text` (on a char boundary) that fits `width` columns.
fn truncate_plain(text: &str, width: usize) -> &str {
    let mut used = 0;
    for (i, c) in text.char_indices() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width {
            return &text[..i];
        }
        used += w;
    }
    text
}

/// The notice's text as lines of words, at `width` and at most `rows`: everything if it fits, else
/// without the link's address, then cut with "…".
fn layout(variant: Variant, hint: Option<&str>, width: usize, rows: usize) -> Vec<Vec<Word>> {
    let width = width.max(1);
    let link = variant.link();
    let mut full: Vec<Word> = vec![("●".to_string(), true)];
    full.extend(words(variant.title(), true));
    full.extend(words(variant.sentence(), false));
    let without_url = {
        let mut w = full.clone();
        w.extend(words(link.label(), false));
        w.extend(hint.into_iter().flat_map(|h| words(h, false)));
        w
    };
    full.extend(words(&format!("{}:", link.label()), false));
    full.push((link.url().to_string(), false));
    full.extend(hint.into_iter().flat_map(|h| words(h, false)));
    for candidate in [&full, &without_url] {
        let lines = fill(candidate, width);
        if lines.len() <= rows {
            return lines;
        }
    }
    let mut lines = fill(&without_url, width);
    lines.truncate(rows);
    if let Some(last) = lines.last_mut() {
        let text = join(last);
        let cut = truncate_to_width(&format!("{text}…"), width);
        // Keep the last line's emphasis simple: whatever it started with.
        let bold = last.first().is_some_and(|(_, b)| *b);
        *last = vec![(cut, bold)];
    }
    lines
}

fn join(words: &[Word]) -> String {
    words
        .iter()
        .map(|(w, _)| w.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The key that closes the notice, for its hint.
fn dismiss_hint(state: &AppState, variant: Variant) -> Option<String> {
    if !variant.is_stopped_only() {
        return None;
    }
    let key = state
        .keymap
        .key_for(Action::DismissBanner)
        .unwrap_or_else(|| "x".to_string());
    Some(format!("({key} or :dismiss closes)"))
}

/// How many rows the notice needs now (0 when there is none).
pub fn rows(state: &AppState, area: Rect) -> u16 {
    let Some(variant) = state.compliance.shown() else {
        return 0;
    };
    let hint = dismiss_hint(state, variant);
    let lines = layout(
        variant,
        hint.as_deref(),
        usize::from(area.width).saturating_sub(2),
        max_rows(area.height),
    );
    lines.len() as u16
}

pub fn draw(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(variant) = state.compliance.shown() else {
        return;
    };
    let hint = dismiss_hint(state, variant);
    let width = usize::from(area.width);
    let lines = layout(
        variant,
        hint.as_deref(),
        width.saturating_sub(2),
        usize::from(area.height),
    );
    let bold = theme.banner.add_modifier(Modifier::BOLD);
    let rendered: Vec<Line> = lines
        .iter()
        .map(|words| {
            let mut spans = vec![Span::styled(" ", theme.banner)];
            let mut used = 1;
            for (i, (word, is_bold)) in words.iter().enumerate() {
                let style: Style = if *is_bold { bold } else { theme.banner };
                if i > 0 {
                    spans.push(Span::styled(" ", theme.banner));
                    used += 1;
                }
                used += display_width(word);
                spans.push(Span::styled(word.clone(), style));
            }
            spans.push(Span::styled(
                " ".repeat(width.saturating_sub(used)),
                theme.banner,
            ));
            Line::from(spans)
        })
        .collect();
    frame.render_widget(Paragraph::new(rendered), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Vec<Word>]) -> Vec<String> {
        lines.iter().map(|l| join(l)).collect()
    }

    #[test]
    fn wide_terminals_get_the_whole_notice_with_the_link() {
        let lines = layout(Variant::RecordingStarted, None, 200, 4);
        let all = text(&lines).join(" ");
        assert!(all.starts_with("● Recording has started. By joining, you are giving consent"));
        assert!(all.contains("Privacy policy: https://privacy.microsoft.com/"));
    }

    #[test]
    fn narrow_terminals_keep_the_title_and_never_overflow() {
        for width in 1..100 {
            for rows in 1..5 {
                let lines = layout(
                    Variant::RecordingAndTranscriptionStarted,
                    Some("(x closes)"),
                    width,
                    rows,
                );
                assert!(lines.len() <= rows && !lines.is_empty(), "{width}x{rows}");
                for line in text(&lines) {
                    assert!(display_width(&line) <= width, "{width}: {line:?}");
                }
            }
        }
        let lines = text(&layout(Variant::RecordingStarted, None, 18, 2));
        assert_eq!(lines[0], "● Recording has");
        assert!(lines[1].starts_with("started."), "{lines:?}");
    }

    #[test]
    fn long_words_are_cut_not_lost() {
        let lines = fill(&[("abcdefghij".into(), false)], 4);
        assert_eq!(text(&lines), vec!["abcd", "efgh", "ij"]);
    }
}
