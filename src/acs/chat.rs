//! Chat request and response bodies, from the chat specs (2021-09-07 to 2025-03-15).
//!
//! Unknown fields are ignored; fields the spec marks required are non-optional here.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::error::CommunicationError;
use super::identifier::CommunicationIdentifierModel;

/// Free-form string metadata on threads, messages and participants.
pub type Metadata = BTreeMap<String, String>;

/// A page of a list operation; `nextLink` is absent on the last page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub value: Vec<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatParticipant {
    pub communication_identifier: CommunicationIdentifierModel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_history_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ChatRetentionPolicy {
    #[serde(rename_all = "camelCase")]
    ThreadCreationDate {
        delete_thread_after_days: i32,
    },
    None,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateChatThreadRequest {
    pub topic: String,
    #[serde(default)]
    pub participants: Option<Vec<ChatParticipant>>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub retention_policy: Option<ChatRetentionPolicy>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatThreadProperties {
    pub id: String,
    pub topic: String,
    pub created_on: String,
    pub created_by_communication_identifier: CommunicationIdentifierModel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_policy: Option<ChatRetentionPolicy>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateChatThreadResult {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_thread: Option<ChatThreadProperties>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid_participants: Option<Vec<CommunicationError>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatThreadItem {
    pub id: String,
    pub topic: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_received_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateChatThreadRequest {
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub retention_policy: Option<ChatRetentionPolicy>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ChatMessageType {
    #[serde(alias = "Text")]
    Text,
    #[serde(alias = "Html")]
    Html,
    #[serde(alias = "TopicUpdated")]
    TopicUpdated,
    #[serde(alias = "ParticipantAdded")]
    ParticipantAdded,
    #[serde(alias = "ParticipantRemoved")]
    ParticipantRemoved,
}

impl ChatMessageType {
    pub fn as_str(self) -> &'static str {
        match self {
            ChatMessageType::Text => "text",
            ChatMessageType::Html => "html",
            ChatMessageType::TopicUpdated => "topicUpdated",
            ChatMessageType::ParticipantAdded => "participantAdded",
            ChatMessageType::ParticipantRemoved => "participantRemoved",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(text.to_string())).ok()
    }

    pub fn is_system(self) -> bool {
        !matches!(self, ChatMessageType::Text | ChatMessageType::Html)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendChatMessageRequest {
    pub content: String,
    #[serde(default)]
    pub sender_display_name: Option<String>,
    #[serde(default, rename = "type")]
    pub message_type: Option<ChatMessageType>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendChatMessageResult {
    pub id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ChatAttachmentType {
    Image,
    File,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatAttachment {
    pub id: String,
    pub attachment_type: ChatAttachmentType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessageContent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participants: Option<Vec<ChatParticipant>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<ChatAttachment>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initiator_communication_identifier: Option<CommunicationIdentifierModel>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage {
    pub id: String,
    #[serde(rename = "type")]
    pub message_type: ChatMessageType,
    pub sequence_id: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<ChatMessageContent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_display_name: Option<String>,
    pub created_on: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_communication_identifier: Option<CommunicationIdentifierModel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateChatMessageRequest {
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddChatParticipantsRequest {
    pub participants: Vec<ChatParticipant>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddChatParticipantsResult {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid_participants: Option<Vec<CommunicationError>>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendTypingNotificationRequest {
    #[serde(default)]
    pub sender_display_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendReadReceiptRequest {
    pub chat_message_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessageReadReceipt {
    pub sender_communication_identifier: CommunicationIdentifierModel,
    pub chat_message_id: String,
    pub read_on: String,
}

/// Limits on chat requests: the service's documented ones (ACS-NOTES, the specs), and where it documents
/// none, the emulator's choice (said so below, and in the README's emulator limits).
pub mod limits {
    /// The most bytes of content in one message.
    pub const MAX_MESSAGE_BYTES: usize = 28 * 1024;
    /// The most participants in one create or add request.
    pub const MAX_PARTICIPANTS_PER_BATCH: usize = 200;
    /// The most participants in one thread.
    pub const MAX_PARTICIPANTS_PER_THREAD: usize = 250;
    /// The largest page of messages.
    pub const MAX_MESSAGE_PAGE: usize = 200;
    /// Thread metadata: the bytes of all its names and values (the spec: "up to 1KB").
    pub const MAX_THREAD_METADATA_BYTES: usize = 1024;
    /// A participant's metadata: the bytes of all its names and values (the spec: "up to 1KB").
    pub const MAX_PARTICIPANT_METADATA_BYTES: usize = 1024;
    /// A message's metadata, as above. The emulator's choice: the service documents no limit; four
    /// times the thread's leaves room for a client's own ids and keeps a message well within 32 KB.
    pub const MAX_MESSAGE_METADATA_BYTES: usize = 4 * 1024;
    /// A display name (participant, message sender, typing notification), in characters. The
    /// emulator's choice: the service documents none; 200 added participants then make a system
    /// message of at most a few hundred KB.
    pub const MAX_DISPLAY_NAME_CHARS: usize = 256;
    /// A thread's topic, in characters. The emulator's choice: the service documents none.
    pub const MAX_TOPIC_CHARS: usize = 1024;
}
