//! Reaching what is not loaded yet (the start of a thread, a message, a date, the next search hit)
//! and the search itself. The types live here; `update::seek` drives them page by page.

use std::collections::BTreeSet;

use crate::model::{Message, MessageKind};

/// What older pages are being fetched for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeekTarget {
    /// The first message of the thread.
    Start,
    /// A message by its order (its numeric id).
    Message(i64),
    /// The first message at or after this instant (epoch milliseconds).
    Time(i64),
    /// The next search hit older than the current one.
    OlderHit,
}

/// Older pages being fetched until `target` is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seek {
    pub target: SeekTarget,
    /// Messages loaded since the seek began, for the progress line.
    pub loaded: usize,
}

/// A search in one thread. Hits are found in loaded messages and in every page as it arrives.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Search {
    /// What was typed.
    pub query: String,
    /// Orders of the messages that match.
    pub hits: BTreeSet<i64>,
    /// The hit shown now.
    pub current: Option<i64>,
}

impl Search {
    pub fn new(query: &str) -> Search {
        Search {
            query: query.to_string(),
            ..Default::default()
        }
    }

    /// Adds the messages among `messages` that match.
    pub fn scan<'a>(&mut self, messages: impl IntoIterator<Item = &'a Message>) {
        let needle = self.query.to_lowercase();
        for m in messages {
            if m.deleted_ms.is_none() && searchable_text(m).to_lowercase().contains(&needle) {
                self.hits.insert(m.order);
            }
        }
    }

    /// The nearest hit older than `order` (or the newest hit when `order` is `None`).
    pub fn older_than(&self, order: Option<i64>) -> Option<i64> {
        match order {
            Some(o) => self.hits.range(..o).next_back().copied(),
            None => self.hits.iter().next_back().copied(),
        }
    }

    /// The nearest hit newer than `order`.
    pub fn newer_than(&self, order: i64) -> Option<i64> {
        self.hits.range(order + 1..).next().copied()
    }
}

/// The text a search looks in: what the message shows, without markup.
pub fn searchable_text(message: &Message) -> String {
    match &message.kind {
        MessageKind::Html | MessageKind::Text => message
            .body_lines()
            .iter()
            .map(|l| l.text())
            .collect::<Vec<_>>()
            .join("\n"),
        MessageKind::TopicUpdated { topic } => topic.to_string(),
        MessageKind::ParticipantAdded { names } | MessageKind::ParticipantRemoved { names } => {
            names
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
        MessageKind::CallNotice { text } => text.to_string(),
    }
}

/// Byte ranges of `text` where `needle` occurs, ignoring case (for highlighting).
pub fn find_ignoring_case(text: &str, needle: &str) -> Vec<std::ops::Range<usize>> {
    let needle: Vec<char> = needle.chars().flat_map(char::to_lowercase).collect();
    if needle.is_empty() {
        return Vec::new();
    }
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let mut matched = 0;
        let mut j = i;
        while j < chars.len() && matched < needle.len() {
            let lower: Vec<char> = chars[j].1.to_lowercase().collect();
            if needle[matched..].starts_with(&lower) {
                matched += lower.len();
                j += 1;
            } else {
                break;
            }
        }
        if matched == needle.len() {
            let end = chars.get(j).map(|(b, _)| *b).unwrap_or(text.len());
            out.push(chars[i].0..end);
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_occurrence_ignoring_case() {
        assert_eq!(
            find_ignoring_case("Budget, BUDGET, budge", "budget"),
            vec![0..6, 8..14]
        );
        assert_eq!(find_ignoring_case("Grüße GRÜSSE", "grüße"), vec![0..7]);
        assert!(find_ignoring_case("anything", "").is_empty());
    }
}
