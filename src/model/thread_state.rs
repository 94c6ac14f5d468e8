//! What `:state` shows of a thread, as the service holds it now: its properties, its participants
//! (with the Teams verdict for Teams users), the read receipts and the selected message. All text
//! passed the sanitiser.

use serde::{Deserialize, Serialize};

use super::{PersonKind, SafeText};

/// Key–value metadata, sanitised.
pub type Metadata = Vec<(SafeText, SafeText)>;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ThreadState {
    pub thread_id: String,
    /// When this was read from the service.
    pub fetched_ms: i64,
    pub topic: SafeText,
    pub created_by: Option<SafeText>,
    pub created_ms: Option<i64>,
    pub deleted_ms: Option<i64>,
    pub metadata: Metadata,
    pub retention: Option<SafeText>,
    pub participants: Vec<ParticipantState>,
    pub receipts: Vec<ReceiptState>,
    pub message: Option<MessageState>,
    /// Parts the service would not give, with why.
    pub problems: Vec<SafeText>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParticipantState {
    pub raw_id: SafeText,
    pub name: SafeText,
    pub kind: PersonKind,
    /// History shared from this time (`None`: all of it).
    pub share_history_ms: Option<i64>,
    pub metadata: Metadata,
    /// For a Teams user on the emulator: what the doctor says.
    pub teams: Option<TeamsVerdict>,
}

/// The interop verdict about a Teams user, as the doctor gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamsVerdict {
    pub chat_enabled: bool,
    pub calls_enabled: bool,
    /// The row of Microsoft's table of tenant, policy and assignment (1–16).
    pub table_row: Option<u64>,
    /// That row in words.
    pub row: SafeText,
    pub reasons: Vec<SafeText>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceiptState {
    pub reader: SafeText,
    pub message_id: SafeText,
    pub read_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageState {
    pub id: SafeText,
    pub version: SafeText,
    pub sequence_id: SafeText,
    pub kind: SafeText,
    pub sender: Option<SafeText>,
    pub sender_name: SafeText,
    pub created_ms: Option<i64>,
    pub edited_ms: Option<i64>,
    pub deleted_ms: Option<i64>,
    pub metadata: Metadata,
}
