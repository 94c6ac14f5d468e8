//! The inspector's state: which exchanges it lists and which one is open. The exchanges themselves
//! live in the session's wire log ([`crate::inspect::Tap`]), read when drawing.

use std::sync::Arc;

use crate::inspect::{Entry, EntryKind};

/// Which entries the inspector lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Filter {
    #[default]
    All,
    /// Answers of 400 and above, and requests that got no answer.
    Failures,
    Http,
    Realtime,
    Callbacks,
}

impl Filter {
    pub fn next(self) -> Filter {
        match self {
            Filter::All => Filter::Failures,
            Filter::Failures => Filter::Http,
            Filter::Http => Filter::Realtime,
            Filter::Realtime => Filter::Callbacks,
            Filter::Callbacks => Filter::All,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Filter::All => "all",
            Filter::Failures => "failures",
            Filter::Http => "http",
            Filter::Realtime => "realtime",
            Filter::Callbacks => "callbacks",
        }
    }

    fn admits(self, entry: &Entry) -> bool {
        match self {
            Filter::All => true,
            Filter::Failures => entry.error.is_some() || entry.status.is_some_and(|s| s >= 400),
            Filter::Http => entry.kind == EntryKind::Http,
            Filter::Realtime => matches!(entry.kind, EntryKind::Frame { .. }),
            Filter::Callbacks => entry.kind == EntryKind::Callback,
        }
    }
}

/// The inspector overlay.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Inspector {
    pub filter: Filter,
    /// Only entries about this thread.
    pub thread: Option<String>,
    /// How many entries up from the newest the highlight is; 0 follows the newest as they come.
    pub from_newest: usize,
    /// The entry shown whole, by `seq`, and how far it is scrolled.
    pub open: Option<u64>,
    pub scroll: u16,
}

impl Inspector {
    /// The listed entries, oldest first.
    pub fn visible(&self, entries: &[Arc<Entry>]) -> Vec<Arc<Entry>> {
        entries
            .iter()
            .filter(|e| self.filter.admits(e))
            .filter(|e| {
                self.thread
                    .as_ref()
                    .is_none_or(|t| e.thread_id.as_deref() == Some(t.as_str()))
            })
            .cloned()
            .collect()
    }

    /// The index in `visible` of the highlighted entry.
    pub fn highlighted(&self, visible: usize) -> Option<usize> {
        visible
            .checked_sub(1)
            .map(|last| last.saturating_sub(self.from_newest))
    }
}

/// An entry as one JSON object (its HAR form), for copying.
pub fn entry_json(entry: &Entry) -> String {
    let har = crate::inspect::har::document(&[Arc::new(entry.clone())]);
    let one = &har["log"]["entries"][0];
    serde_json::to_string_pretty(one).unwrap_or_default()
}
