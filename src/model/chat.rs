//! What the console knows about threads, messages and people.

use serde::{Deserialize, Serialize};

use crate::acs::identifier::{CommunicationIdentifier, IdentifierKind};
use crate::text::{AttachmentRef, StyledLine, html_to_lines, plain_to_lines};

/// Text from the network after the sanitiser: safe to put on a terminal as one line.
///
/// It serialises as a plain string; deserialising sanitises again, because a file (a session record)
/// is as untrusted as the network.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct SafeText(String);

impl<'de> Deserialize<'de> for SafeText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(SafeText::new(&text))
    }
}

impl SafeText {
    /// Sanitises `text` for single-line display.
    pub fn new(text: &str) -> SafeText {
        SafeText(crate::text::sanitize_line(text).into_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Display for SafeText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who someone is, as far as the console shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonKind {
    Acs,
    Teams,
    TeamsApp,
    Phone,
    Other,
}

impl PersonKind {
    pub fn of(raw_id: &str) -> PersonKind {
        match CommunicationIdentifier::from_raw_id(raw_id).kind() {
            IdentifierKind::CommunicationUser => PersonKind::Acs,
            IdentifierKind::MicrosoftTeamsUser | IdentifierKind::TeamsExtensionUser => {
                PersonKind::Teams
            }
            IdentifierKind::MicrosoftTeamsApp => PersonKind::TeamsApp,
            IdentifierKind::PhoneNumber => PersonKind::Phone,
            IdentifierKind::Unknown => PersonKind::Other,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PersonKind::Acs => "ACS",
            PersonKind::Teams => "Teams",
            PersonKind::TeamsApp => "Teams app",
            PersonKind::Phone => "phone",
            PersonKind::Other => "other",
        }
    }
}

/// A thread in the thread list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadSummary {
    pub id: String,
    pub topic: SafeText,
    pub last_activity_ms: Option<i64>,
    pub deleted: bool,
    pub unread: usize,
    pub has_teams_users: bool,
}

/// What a message is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MessageKind {
    Text,
    Html,
    TopicUpdated {
        topic: SafeText,
    },
    ParticipantAdded {
        names: Vec<SafeText>,
    },
    ParticipantRemoved {
        names: Vec<SafeText>,
    },
    /// A line this console adds about its call (recording started, and by whom); never sent.
    CallNotice {
        text: SafeText,
    },
}

impl MessageKind {
    pub fn is_system(&self) -> bool {
        !matches!(self, MessageKind::Text | MessageKind::Html)
    }
}

/// A message as the console keeps it. The body stays raw: it is rendered (and sanitised) by `text`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    /// Position in the thread: the numeric id (ACS ids are epoch milliseconds).
    pub order: i64,
    pub version: String,
    pub kind: MessageKind,
    pub sender: Option<String>,
    pub sender_name: SafeText,
    pub body: String,
    /// The message's attachments, their links as the message carried them.
    pub attachments: Vec<AttachmentRef>,
    pub created_ms: i64,
    pub edited_ms: Option<i64>,
    pub deleted_ms: Option<i64>,
    /// The client id this console put in `metadata` when it sent the message.
    pub client_id: Option<String>,
}

impl Message {
    /// Orders by id, which the service makes increasing; ids that are not numbers go by time.
    pub fn order_of(id: &str, created_ms: i64) -> i64 {
        id.parse().unwrap_or(created_ms)
    }

    /// The body as lines, attachments included: HTML places its `<img>`s and lists the other
    /// attachments after the text; a text body is followed by all of them.
    pub fn body_lines(&self) -> Vec<StyledLine> {
        match self.kind {
            MessageKind::Html => html_to_lines(&self.body, &self.attachments),
            _ => {
                let mut lines = plain_to_lines(&self.body);
                if !self.attachments.is_empty() {
                    lines.extend(html_to_lines("", &self.attachments));
                }
                lines
            }
        }
    }

    /// What a system message says, in one line ("Ann joined"); empty for a message people wrote.
    pub fn system_text(&self) -> String {
        let who = |names: &[SafeText]| {
            names
                .iter()
                .map(SafeText::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match &self.kind {
            MessageKind::TopicUpdated { topic } => format!("topic set to \u{201c}{topic}\u{201d}"),
            MessageKind::ParticipantAdded { names } => format!("{} joined", who(names)),
            MessageKind::ParticipantRemoved { names } => format!("{} left", who(names)),
            MessageKind::CallNotice { text } => text.to_string(),
            MessageKind::Text | MessageKind::Html => String::new(),
        }
    }

    pub fn has_newer_version_than(&self, other: &Message) -> bool {
        let v = |s: &str| s.parse::<i64>().unwrap_or(0);
        v(&self.version) > v(&other.version)
            || (self.version == other.version
                && self.deleted_ms.is_some()
                && other.deleted_ms.is_none())
    }
}

/// A participant of a thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Participant {
    pub raw_id: String,
    pub name: SafeText,
    pub kind: PersonKind,
}

/// How far someone has read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadReceipt {
    pub reader: String,
    pub message_id: String,
    pub read_ms: i64,
}

/// The delivery state of a message this console sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SendState {
    Sending,
    /// The service asked to wait (429); the next try comes after `retry_in_ms`, counted from when
    /// the console hears of it.
    Throttled {
        retry_in_ms: u64,
    },
    /// A try failed in a way that may pass (a 5xx, no answer); the next comes after `retry_in_ms`.
    Retrying {
        retry_in_ms: u64,
        /// What went wrong, short: `503`, `no answer`.
        reason: SafeText,
    },
    Sent {
        message_id: String,
    },
    Failed {
        reason: SafeText,
    },
}

/// An own message on its way: shown under the thread until the thread holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingSend {
    pub client_id: String,
    pub content: String,
    pub created_ms: i64,
    pub state: SendState,
    /// When the console heard of `state` (a throttled send counts down from it).
    pub state_ms: i64,
}

impl PendingSend {
    /// For a throttled or retrying send: whole seconds until the next try at `now_ms`, rounded up.
    pub fn retry_in_s(&self, now_ms: i64) -> Option<u64> {
        match self.state {
            SendState::Throttled { retry_in_ms } | SendState::Retrying { retry_in_ms, .. } => {
                let waited = u64::try_from(now_ms.saturating_sub(self.state_ms)).unwrap_or(0);
                Some(retry_in_ms.saturating_sub(waited).div_ceil(1000))
            }
            _ => None,
        }
    }
}

/// How the console hears about changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RealtimeState {
    Connecting,
    Live,
    Reconnecting {
        attempt: u32,
    },
    /// Against the real service: polling, and typing indicators are unavailable.
    Polling {
        interval_s: u64,
    },
}

/// Where the console is connected, for the status bar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connection {
    /// "emulator" or the service host.
    pub endpoint_label: String,
    pub me: String,
    pub my_name: SafeText,
}
