//! The console's state. `update` changes it; `view` only reads it.

use ratatui_textarea::TextArea;
use std::collections::{BTreeMap, HashMap};

use crate::config::Keymap;
use crate::model::{
    Connection, IdentityMode, Message, Participant, PendingSend, RealtimeState, SafeText,
    ThreadSummary,
};

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Threads,
    Messages,
    Composer,
    Participants,
}

/// What is drawn over the panes, if anything.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    None,
    /// The keys and commands, scrolled down by this many lines.
    Help(u16),
    /// The `:` command line, with its text and the completion cycle.
    CommandLine(CommandLine),
    Confirm(Confirmation),
    /// The `/` line: a search in the open thread.
    Search(CommandLine),
    /// Opening a thread by part of its topic, a participant's name or its id.
    Switcher(Switcher),
    /// The session's exchanges on the wire.
    Inspector(super::inspector::Inspector),
    /// The open thread's state (`:state`), scrolled down by this many lines.
    State(u16),
    /// `:whoami`: the identity, the endpoint and the mode.
    WhoAmI,
}

/// The thread switcher: what was typed, and which match is highlighted.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Switcher {
    pub line: CommandLine,
    pub cursor: usize,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CommandLine {
    pub input: String,
    /// Candidates of the last Tab, and which one is shown.
    pub completions: Vec<String>,
    pub completion_index: usize,
}

/// A question that needs y or n.
#[derive(Debug, Clone, PartialEq)]
pub enum Confirmation {
    LargePaste {
        text: String,
    },
    DeleteThread {
        thread_id: String,
        topic: SafeText,
        teams_users: usize,
    },
    /// A write asked for while observing someone else's identity: do it as them, and act as them
    /// from now on?
    ActAs {
        /// What would be done: "Send", "Save the edit", "Change the topic", ...
        what: String,
        /// The identity, shortened with its kind (`8:acs:…1a2b3c4d`), and its name in the open thread.
        who: SafeText,
        name: SafeText,
        write: HeldWrite,
    },
}

/// A write held while the user says whether to act as the observed identity.
#[derive(Debug, Clone, PartialEq)]
pub enum HeldWrite {
    /// What the composer holds: a new message, or the edit of one.
    Composer,
    /// The open thread's failed messages, to send again.
    Retry,
    /// Commands that change nothing here until they are sent.
    Commands(Vec<crate::backend::Command>),
}

/// An error the user should see: what happened and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorBar {
    pub what: SafeText,
    pub fix: SafeText,
}

/// Where the message list is scrolled to: the bottom line shown is `lines_up` lines above the bottom of
/// the message `anchor` (its order). `None` follows the newest message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scroll {
    pub anchor: Option<i64>,
    pub lines_up: usize,
}

/// Someone typing, until when.
#[derive(Debug, Clone, PartialEq)]
pub struct Typist {
    pub name: SafeText,
    pub until_ms: i64,
}

/// The most messages a thread holds while following the newest (news past it drops the oldest).
pub const LOADED_CAP: usize = 2_000;
/// How far past the cap a thread grows before dropping, so dropping is not paid per message.
const DROP_SLACK: usize = 500;

/// Everything known about one thread.
#[derive(Debug, Clone, Default)]
pub struct ThreadView {
    /// Messages by order (numeric id): a sorted map, so pages and news merge cheaply.
    pub messages: BTreeMap<i64, Message>,
    pub pending: Vec<PendingSend>,
    pub participants: Vec<Participant>,
    /// Reader raw id → the order of the last message they read.
    pub receipts: HashMap<String, i64>,
    pub typing: HashMap<String, Typist>,
    pub older_available: bool,
    pub loading_older: bool,
    pub scroll: Scroll,
    /// The message picked in the messages pane (for copy, edit, delete); `None` follows the newest.
    /// The view always shows it.
    pub selected: Option<i64>,
    /// The newest message this console reported as read.
    pub read_reported: Option<i64>,
    /// When the last read receipt went out, and whether a newer one waits for the interval to pass.
    pub receipt_sent_ms: Option<i64>,
    pub receipt_due: bool,
    pub loaded: bool,
    /// Messages from others that arrived while the view was scrolled away from the newest.
    pub new_below: usize,
    /// The first message that arrived since the last visit: a "new since you left" line goes above it.
    pub unread_marker: Option<i64>,
    /// The unread count when the thread was opened, until the marker is placed.
    pub unread_on_open: Option<usize>,
    /// Older pages being fetched to reach a message, a date, the start or a search hit.
    pub seek: Option<crate::app::seek::Seek>,
    /// The search in this thread and its hits.
    pub search: Option<crate::app::seek::Search>,
    /// The newest message from someone else (order, id), kept as messages merge so that read
    /// receipts never scan the thread.
    pub newest_from_others: Option<(i64, String)>,
}

impl ThreadView {
    /// Adds or replaces messages; a stale version never overwrites a newer one. `me` is the console's
    /// own raw id.
    pub fn merge(&mut self, messages: Vec<Message>, me: &str) -> usize {
        let mut added = 0;
        for m in messages {
            if !m.kind.is_system()
                && m.sender.as_deref() != Some(me)
                && self
                    .newest_from_others
                    .as_ref()
                    .is_none_or(|(o, _)| m.order > *o)
            {
                self.newest_from_others = Some((m.order, m.id.clone()));
            }
            match self.messages.get(&m.order) {
                Some(existing) if !m.has_newer_version_than(existing) => {}
                Some(_) => {
                    self.messages.insert(m.order, m);
                }
                None => {
                    if let Some(client_id) = &m.client_id {
                        self.pending.retain(|p| &p.client_id != client_id);
                    }
                    self.messages.insert(m.order, m);
                    added += 1;
                }
            }
        }
        added
    }

    /// Lets go of the oldest messages once more than [`LOADED_CAP`] and some are held, keeping the
    /// newest [`LOADED_CAP`], so a busy thread costs bounded memory; scrolling back fetches them again.
    /// The open thread keeps everything while the user reads back (a selection, a scroll, a seek or
    /// a page on its way); another thread drops its place in the history instead. Returns the oldest
    /// order kept when anything was dropped.
    pub fn drop_beyond_cap(&mut self, is_open: bool) -> Option<i64> {
        if self.messages.len() <= LOADED_CAP + DROP_SLACK || self.loading_older {
            return None;
        }
        let reading_back =
            self.selected.is_some() || self.scroll.anchor.is_some() || self.seek.is_some();
        if is_open && reading_back {
            return None;
        }
        let cutoff = *self.messages.keys().nth(self.messages.len() - LOADED_CAP)?;
        self.messages = self.messages.split_off(&cutoff);
        self.older_available = true;
        let dropped = |order: &Option<i64>| order.is_some_and(|o| o < cutoff);
        if dropped(&self.selected) || dropped(&self.scroll.anchor) {
            self.selected = None;
            self.scroll = Scroll::default();
        }
        if dropped(&self.unread_marker) {
            self.unread_marker = None;
        }
        if let Some(search) = self.search.as_mut() {
            search.hits = search.hits.split_off(&cutoff);
            if dropped(&search.current) {
                search.current = None;
            }
        }
        self.seek = None;
        Some(cutoff)
    }

    pub fn last_order(&self) -> Option<i64> {
        self.messages.keys().next_back().copied()
    }

    /// How many of `others` have read the message at `order`.
    pub fn readers_of(&self, order: i64, me: &str) -> (usize, usize) {
        let others: Vec<&Participant> = self
            .participants
            .iter()
            .filter(|p| p.raw_id != me && p.kind == crate::model::PersonKind::Acs)
            .collect();
        let read = others
            .iter()
            .filter(|p| self.receipts.get(&p.raw_id).is_some_and(|r| *r >= order))
            .count();
        (read, others.len())
    }
}

/// The composer: a multi-line editor, its history, and the message being edited, if any.
#[derive(Debug, Clone, Default)]
pub struct Composer {
    pub textarea: TextArea<'static>,
    pub history: Vec<String>,
    /// Position while walking the history with Ctrl-P / Ctrl-N.
    pub history_index: Option<usize>,
    /// The message being edited instead of a new one: (thread, message id).
    pub editing: Option<(String, String)>,
}

impl Composer {
    pub fn text(&self) -> String {
        self.textarea.lines().join("\n")
    }

    pub fn is_empty(&self) -> bool {
        self.textarea.lines().iter().all(|l| l.is_empty())
    }

    pub fn set_text(&mut self, text: &str) {
        let mut textarea = TextArea::from(text.lines().map(str::to_string).collect::<Vec<_>>());
        textarea.move_cursor(ratatui_textarea::CursorMove::Bottom);
        textarea.move_cursor(ratatui_textarea::CursorMove::End);
        self.textarea = textarea;
    }

    pub fn clear(&mut self) {
        self.textarea = TextArea::default();
        self.editing = None;
        self.history_index = None;
    }
}

/// The whole console state.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The time of the last tick or event, in epoch milliseconds: `update` has no clock.
    pub now_ms: i64,
    pub connection: Option<Connection>,
    pub realtime: RealtimeState,
    pub threads: Vec<ThreadSummary>,
    /// Index into `threads` of the highlighted one.
    pub thread_cursor: usize,
    pub views: HashMap<String, ThreadView>,
    pub open_thread: Option<String>,
    pub focus: Focus,
    pub overlay: Overlay,
    pub composer: Composer,
    pub error: Option<ErrorBar>,
    pub notice: Option<SafeText>,
    /// The terminal size, for layout-dependent decisions (scroll steps, mouse hits).
    pub size: (u16, u16),
    /// When this console last told the open thread it was typing.
    pub typing_sent_ms: Option<i64>,
    pub keymap: Keymap,
    /// The user's offset from UTC, read once at start (the clock is not read in `update`).
    pub utc_offset_s: i32,
    /// Makes client message ids unique across runs; set once at start.
    pub client_id_prefix: String,
    pub sends: u64,
    /// How long the notice stays.
    pub notice_until_ms: i64,
    /// Emulator only: the Teams user (object id, name) the composer speaks as, for demos of both sides.
    pub speaking_as: Option<(String, SafeText)>,
    /// Whose identity this is, and whether the console may leave a trace as it.
    pub identity_mode: IdentityMode,
    /// The call, while it lasts and for a while after.
    pub call: Option<super::call::CallView>,
    /// The recording and transcription notice.
    pub compliance: super::compliance::Compliance,
    /// Ring the terminal bell when recording or transcription starts.
    pub bell_on_recording: bool,
    /// Ring the terminal bell for a message in another thread, or one that mentions the user.
    pub bell_on_message: bool,
    /// The session's wire log, which the inspector shows.
    pub wire: crate::inspect::Tap,
    /// The last reading of a thread's state (`:state`).
    pub thread_state: Option<crate::model::thread_state::ThreadState>,
    /// Playing a session record rather than connected: what the status bar says ("replay ×2").
    pub replay: Option<String>,
}

impl AppState {
    pub fn new(keymap: Keymap) -> AppState {
        AppState {
            now_ms: 0,
            connection: None,
            realtime: RealtimeState::Connecting,
            threads: Vec::new(),
            thread_cursor: 0,
            views: HashMap::new(),
            open_thread: None,
            focus: Focus::Composer,
            overlay: Overlay::None,
            composer: Composer::default(),
            error: None,
            notice: None,
            size: (80, 24),
            typing_sent_ms: None,
            keymap,
            utc_offset_s: 0,
            client_id_prefix: String::from("c"),
            sends: 0,
            notice_until_ms: 0,
            speaking_as: None,
            identity_mode: IdentityMode::Own,
            call: None,
            compliance: Default::default(),
            bell_on_recording: true,
            bell_on_message: true,
            wire: crate::inspect::Tap::off(),
            thread_state: None,
            replay: None,
        }
    }

    pub fn me(&self) -> Option<&str> {
        self.connection.as_ref().map(|c| c.me.as_str())
    }

    /// The name the console's identity goes by in `thread_id`: the console's own name, or, for someone
    /// else's identity, their display name among the thread's participants (their short id when the
    /// thread gives none).
    pub fn my_name_in(&self, thread_id: &str) -> SafeText {
        let Some(connection) = &self.connection else {
            return SafeText::default();
        };
        if !self.identity_mode.is_other() {
            return connection.my_name.clone();
        }
        self.views
            .get(thread_id)
            .and_then(|v| v.participants.iter().find(|p| p.raw_id == connection.me))
            .map(|p| p.name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| crate::model::short_id(&connection.me))
    }

    pub fn open_view(&self) -> Option<&ThreadView> {
        self.open_thread.as_ref().and_then(|t| self.views.get(t))
    }

    pub fn open_summary(&self) -> Option<&ThreadSummary> {
        let id = self.open_thread.as_ref()?;
        self.threads.iter().find(|t| &t.id == id)
    }

    /// Own sends on their way, over all threads.
    pub fn pending_sends(&self) -> usize {
        self.count_sends(|s| {
            matches!(
                s,
                crate::model::SendState::Sending
                    | crate::model::SendState::Throttled { .. }
                    | crate::model::SendState::Retrying { .. }
            )
        })
    }

    /// Own sends that failed and wait for `:retry`, over all threads.
    pub fn failed_sends(&self) -> usize {
        self.count_sends(|s| matches!(s, crate::model::SendState::Failed { .. }))
    }

    fn count_sends(&self, matches: impl Fn(&crate::model::SendState) -> bool) -> usize {
        self.views
            .values()
            .flat_map(|v| v.pending.iter())
            .filter(|p| matches(&p.state))
            .count()
    }
}
