//! Calls as the console shows them: who, in what phase, who is in the call, and what the backend
//! learned from the call's verified callback events.

use serde::{Deserialize, Serialize};

use super::chat::{PersonKind, SafeText};

/// A Call Automation call connection id (a GUID on the service).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CallConnectionId(String);

impl CallConnectionId {
    pub fn new(id: impl Into<String>) -> Self {
        CallConnectionId(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CallConnectionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a call ended, in the words the call bar uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CallEnd {
    /// This console hung up.
    HungUp,
    /// The other side hung up.
    RemoteHungUp,
    Declined,
    NoAnswer,
    /// An interop rule refused the call; the rule in one line.
    NotAllowed {
        rule: SafeText,
    },
    /// The callee could not be reached (unknown, or no endpoint online).
    Unreachable,
    /// The call was transferred away from this console.
    Transferred,
    /// Anything else, with the service's words.
    Failed {
        reason: SafeText,
    },
}

impl CallEnd {
    /// "declined", "no answer", "not allowed: <rule>", ...
    pub fn label(&self) -> String {
        match self {
            CallEnd::HungUp => "you hung up".into(),
            CallEnd::RemoteHungUp => "they hung up".into(),
            CallEnd::Declined => "declined".into(),
            CallEnd::NoAnswer => "no answer".into(),
            CallEnd::NotAllowed { rule } => format!("not allowed: {rule}"),
            CallEnd::Unreachable => "unreachable".into(),
            CallEnd::Transferred => "transferred".into(),
            CallEnd::Failed { reason } => format!("failed: {reason}"),
        }
    }

    /// Whether the call ended as calls normally end (connected, then someone hung up).
    pub fn is_normal(&self) -> bool {
        matches!(
            self,
            CallEnd::HungUp | CallEnd::RemoteHungUp | CallEnd::Transferred
        )
    }
}

/// Someone in the call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallMember {
    pub raw_id: String,
    pub name: SafeText,
    pub kind: PersonKind,
    pub muted: bool,
    pub on_hold: bool,
}

/// Who turned recording on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordingOrigin {
    /// Call Automation recording started by this application.
    ThisApp,
    /// A Teams user's recording.
    Teams,
    /// A Teams compliance-recording policy.
    TeamsCompliance,
    /// A kind of recording this build does not know.
    Other,
}

/// What the backend tells the console about the call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum CallNews {
    /// The call is being placed from `thread_id` (if any) to `target`.
    Placing {
        target: CallMember,
        thread_id: Option<String>,
    },
    /// The service accepted the call and rings the other side.
    Ringing {
        call_id: CallConnectionId,
    },
    Connected {
        at_ms: i64,
    },
    /// The whole roster; `sequence` orders rosters that arrive out of order (a roster without one is
    /// taken as the newest).
    Roster {
        sequence: Option<i32>,
        members: Vec<CallMember>,
    },
    Recording {
        active: bool,
        origin: RecordingOrigin,
        at_ms: i64,
    },
    Transcription {
        active: bool,
        /// Started or stopped by this application rather than the Teams side.
        by_this_app: bool,
        at_ms: i64,
    },
    /// Something worth a line in the call bar (a play finished, a greeting plays, a refusal).
    Note(SafeText),
    Ended {
        end: CallEnd,
        at_ms: i64,
    },
}
