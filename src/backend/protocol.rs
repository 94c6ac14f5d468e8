//! The channel protocol between the console and its backend task: `Command` in, `BackendEvent` out.
//! Both carry owned data; errors are events.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::model::call::CallNews;
use crate::model::{
    Connection, Message, Participant, ReadReceipt, RealtimeState, SafeText, SendState,
    ThreadSummary,
};

/// What the console asks of the backend.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Load the thread's newest messages, participants and receipts.
    OpenThread {
        thread_id: String,
    },
    /// Page older messages of the thread, before `before_order`.
    LoadOlder {
        thread_id: String,
    },
    /// The console let go of the thread's messages older than `oldest_kept` to bound its memory: the
    /// next older page is the one just before that message, wherever the last page ended.
    DroppedOlder {
        thread_id: String,
        oldest_kept: i64,
    },
    /// The next older page when reaching far back (Home, `:goto`, search): the largest pages the
    /// service gives.
    SeekOlder {
        thread_id: String,
    },
    SendMessage {
        thread_id: String,
        client_id: String,
        content: String,
    },
    RetrySend {
        thread_id: String,
        client_id: String,
    },
    EditMessage {
        thread_id: String,
        message_id: String,
        content: String,
    },
    DeleteMessage {
        thread_id: String,
        message_id: String,
    },
    CreateThread {
        topic: String,
        participants: Vec<String>,
    },
    AddParticipant {
        thread_id: String,
        participant: String,
    },
    RemoveParticipant {
        thread_id: String,
        raw_id: String,
    },
    UpdateTopic {
        thread_id: String,
        topic: String,
    },
    DeleteThread {
        thread_id: String,
    },
    /// Keep a deleted thread out of the list from now on.
    ForgetThread {
        thread_id: String,
    },
    Typing {
        thread_id: String,
    },
    MarkRead {
        thread_id: String,
        message_id: String,
    },
    /// Emulator only: speak as this Teams user (UPN or object id) from now on.
    SpeakAs {
        who: String,
    },
    /// Emulator only: a message from the Teams user being spoken as.
    SendAsTeams {
        thread_id: String,
        who: String,
        content: String,
    },
    /// Emulator only: typing as the Teams user being spoken as.
    TypeAsTeams {
        thread_id: String,
        who: String,
    },
    /// Download the message's attachments with the user's token into `dir` (default: the user's
    /// download folder), never overwriting a file; progress and results come as notices.
    SaveAttachments {
        thread_id: String,
        message_id: String,
        dir: Option<PathBuf>,
    },
    /// Read the thread as the service holds it now, with the message `message_id` (`:state`).
    InspectThread {
        thread_id: String,
        message_id: Option<String>,
    },
    /// Write the session's exchanges (the inspector's) to a HAR file.
    ExportHar {
        path: PathBuf,
    },
    /// Call `target` (a raw id, or a UPN on the emulator) from the console's identity.
    PlaceCall {
        thread_id: Option<String>,
        target: String,
    },
    HangUp,
    /// Mute an ACS user in the call.
    MuteInCall {
        participant: String,
    },
    AddToCall {
        participant: String,
    },
    /// Start the application's recording of the call, or stop it.
    RecordCall,
    /// Stop observing someone else's identity and act as it from now on: writes, read receipts and
    /// typing notifications go out as that user.
    Act,
    Shutdown,
}

/// What the backend tells the console.
///
/// It serialises (for session records) as `{"type": "snake_case_name", "data": ...}`; the names are
/// part of the record format, so renaming a variant needs a new format version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum BackendEvent {
    Connected(Connection),
    /// The whole thread list.
    Threads(Vec<ThreadSummary>),
    ThreadChanged(ThreadSummary),
    ThreadDeleted {
        thread_id: String,
    },
    /// A thread's unread count and Teams badge, worked out from the service's durable state.
    ThreadCounts {
        thread_id: String,
        unread: usize,
        has_teams_users: bool,
        last_activity_ms: Option<i64>,
    },
    /// Messages to merge into a thread (a page, or news); `older_available` is set with pages.
    Messages {
        thread_id: String,
        messages: Vec<Message>,
        older_available: Option<bool>,
    },
    /// A page of the thread could not be loaded (the failure itself comes as `Failure`).
    PageFailed {
        thread_id: String,
    },
    Participants {
        thread_id: String,
        participants: Vec<Participant>,
    },
    ReadReceipts {
        thread_id: String,
        receipts: Vec<ReadReceipt>,
    },
    Typing {
        thread_id: String,
        sender: String,
        name: SafeText,
        at_ms: i64,
    },
    Send {
        thread_id: String,
        client_id: String,
        content: String,
        state: SendState,
    },
    Realtime(RealtimeState),
    /// The thread was created; the console opens it.
    ThreadCreated {
        thread_id: String,
    },
    /// Something failed: what happened, and what the user can do.
    Failure {
        what: SafeText,
        fix: SafeText,
    },
    /// The connection trouble that the last `Failure` reported is over: the console is connected
    /// (again) and the error bar can go.
    Recovered,
    Notice(SafeText),
    /// The composer now speaks as this Teams user (object id, name), or as oneself.
    SpeakingAs(Option<(String, SafeText)>),
    /// News about the console's call.
    Call(CallNews),
    /// A thread as the service holds it (`:state`).
    ThreadState(Box<crate::model::thread_state::ThreadState>),
}

impl Command {
    /// Whether the command changes what others see, as the console's identity: a message, a thread, a
    /// participant, a call. Observing, none of these goes out without a yes.
    pub fn writes(&self) -> bool {
        match self {
            Command::SendMessage { .. }
            | Command::RetrySend { .. }
            | Command::EditMessage { .. }
            | Command::DeleteMessage { .. }
            | Command::CreateThread { .. }
            | Command::AddParticipant { .. }
            | Command::RemoveParticipant { .. }
            | Command::UpdateTopic { .. }
            | Command::DeleteThread { .. }
            | Command::PlaceCall { .. }
            | Command::HangUp
            | Command::MuteInCall { .. }
            | Command::AddToCall { .. }
            | Command::RecordCall => true,
            // Reading, local bookkeeping, the emulator's Teams side (not the console's identity), and
            // the presence signals `announces` covers.
            Command::OpenThread { .. }
            | Command::LoadOlder { .. }
            | Command::SeekOlder { .. }
            | Command::DroppedOlder { .. }
            | Command::ForgetThread { .. }
            | Command::Typing { .. }
            | Command::MarkRead { .. }
            | Command::SpeakAs { .. }
            | Command::SendAsTeams { .. }
            | Command::TypeAsTeams { .. }
            | Command::SaveAttachments { .. }
            | Command::InspectThread { .. }
            | Command::ExportHar { .. }
            | Command::Act
            | Command::Shutdown => false,
        }
    }

    /// Whether the command tells others what the console's identity is doing: a read receipt or a
    /// typing notification. Observing, these are never sent.
    pub fn announces(&self) -> bool {
        matches!(self, Command::Typing { .. } | Command::MarkRead { .. })
    }
}
