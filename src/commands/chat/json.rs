//! The `--json` shapes: the wire's field names (camelCase, as in the chat OpenAPI spec), with
//! identifiers given as their raw id strings (`createdBy`, `senderId`, `initiatorId`). Every key is
//! always present, `null` when the service sent nothing, so scripts can rely on the shape. README.md
//! ("chat --json") documents them; tests/chat_cli.rs pins them.

use serde::Serialize;
use serde_json::{Value, json};

use crate::acs::chat::{
    ChatAttachment, ChatAttachmentType, ChatMessage, ChatMessageReadReceipt, ChatParticipant,
    ChatRetentionPolicy, ChatThreadItem, ChatThreadProperties, Metadata,
};
use crate::acs::events::{ChatEvent, ChatMessageEvent, ParticipantsEvent, ThreadEvent};
use crate::acs::identifier::{CommunicationIdentifierModel, IdentifierKind};
use crate::client::ClientError;

/// The raw id of an identifier, or what it carried when it does not resolve.
pub fn raw_id(model: &CommunicationIdentifierModel) -> Option<String> {
    model
        .resolve()
        .ok()
        .map(|i| i.raw_id().to_string())
        .or_else(|| model.raw_id.clone())
}

fn kind(model: &CommunicationIdentifierModel) -> IdentifierKind {
    model
        .resolve()
        .map(|i| i.kind())
        .unwrap_or(IdentifierKind::Unknown)
}

/// A thread in `threads`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Thread<'a> {
    pub id: &'a str,
    pub topic: &'a str,
    pub last_message_received_on: Option<&'a str>,
    pub deleted_on: Option<&'a str>,
}

impl<'a> From<&'a ChatThreadItem> for Thread<'a> {
    fn from(t: &'a ChatThreadItem) -> Self {
        Thread {
            id: &t.id,
            topic: &t.topic,
            last_message_received_on: t.last_message_received_on.as_deref(),
            deleted_on: t.deleted_on.as_deref(),
        }
    }
}

/// A thread's properties in `show`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadProperties<'a> {
    pub id: &'a str,
    pub topic: &'a str,
    pub created_on: &'a str,
    pub created_by: Option<String>,
    pub deleted_on: Option<&'a str>,
    pub metadata: &'a Metadata,
    pub retention_policy: Option<&'a ChatRetentionPolicy>,
}

static NO_METADATA: Metadata = Metadata::new();

impl<'a> From<&'a ChatThreadProperties> for ThreadProperties<'a> {
    fn from(t: &'a ChatThreadProperties) -> Self {
        ThreadProperties {
            id: &t.id,
            topic: &t.topic,
            created_on: &t.created_on,
            created_by: raw_id(&t.created_by_communication_identifier),
            deleted_on: t.deleted_on.as_deref(),
            metadata: t.metadata.as_ref().unwrap_or(&NO_METADATA),
            retention_policy: t.retention_policy.as_ref(),
        }
    }
}

/// A participant, in `participants`, `show` and system messages.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Participant<'a> {
    pub id: Option<String>,
    pub kind: IdentifierKind,
    pub display_name: Option<&'a str>,
    pub share_history_time: Option<&'a str>,
    pub metadata: &'a Metadata,
}

impl<'a> From<&'a ChatParticipant> for Participant<'a> {
    fn from(p: &'a ChatParticipant) -> Self {
        Participant {
            id: raw_id(&p.communication_identifier),
            kind: kind(&p.communication_identifier),
            display_name: p.display_name.as_deref(),
            share_history_time: p.share_history_time.as_deref(),
            metadata: p.metadata.as_ref().unwrap_or(&NO_METADATA),
        }
    }
}

/// A read receipt.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipt<'a> {
    pub sender_id: Option<String>,
    pub chat_message_id: &'a str,
    pub read_on: &'a str,
}

impl<'a> From<&'a ChatMessageReadReceipt> for Receipt<'a> {
    fn from(r: &'a ChatMessageReadReceipt) -> Self {
        Receipt {
            sender_id: raw_id(&r.sender_communication_identifier),
            chat_message_id: &r.chat_message_id,
            read_on: &r.read_on,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment<'a> {
    pub id: &'a str,
    pub attachment_type: ChatAttachmentType,
    pub name: Option<&'a str>,
    pub url: Option<&'a str>,
    pub preview_url: Option<&'a str>,
}

impl<'a> From<&'a ChatAttachment> for Attachment<'a> {
    fn from(a: &'a ChatAttachment) -> Self {
        Attachment {
            id: &a.id,
            attachment_type: a.attachment_type,
            name: a.name.as_deref(),
            url: a.url.as_deref(),
            preview_url: a.preview_url.as_deref(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Content<'a> {
    pub message: Option<&'a str>,
    pub topic: Option<&'a str>,
    pub participants: Vec<Participant<'a>>,
    pub attachments: Vec<Attachment<'a>>,
    pub initiator_id: Option<String>,
}

/// A message, in `messages`, `show` and `watch`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Message<'a> {
    pub id: &'a str,
    #[serde(rename = "type")]
    pub message_type: &'a str,
    /// `null` in `watch`: events carry no sequence id.
    pub sequence_id: Option<&'a str>,
    pub version: &'a str,
    pub created_on: &'a str,
    pub sender_id: Option<String>,
    pub sender_display_name: Option<&'a str>,
    pub content: Content<'a>,
    pub edited_on: Option<&'a str>,
    pub deleted_on: Option<&'a str>,
    pub metadata: &'a Metadata,
}

impl<'a> From<&'a ChatMessage> for Message<'a> {
    fn from(m: &'a ChatMessage) -> Self {
        let content = m.content.as_ref();
        Message {
            id: &m.id,
            message_type: m.message_type.as_str(),
            sequence_id: Some(&m.sequence_id),
            version: &m.version,
            created_on: &m.created_on,
            sender_id: m.sender_communication_identifier.as_ref().and_then(raw_id),
            sender_display_name: m.sender_display_name.as_deref(),
            content: Content {
                message: content.and_then(|c| c.message.as_deref()),
                topic: content.and_then(|c| c.topic.as_deref()),
                participants: content
                    .and_then(|c| c.participants.as_ref())
                    .map(|ps| ps.iter().map(Participant::from).collect())
                    .unwrap_or_default(),
                attachments: content
                    .and_then(|c| c.attachments.as_ref())
                    .map(|a| a.iter().map(Attachment::from).collect())
                    .unwrap_or_default(),
                initiator_id: content
                    .and_then(|c| c.initiator_communication_identifier.as_ref())
                    .and_then(raw_id),
            },
            edited_on: m.edited_on.as_deref(),
            deleted_on: m.deleted_on.as_deref(),
            metadata: m.metadata.as_ref().unwrap_or(&NO_METADATA),
        }
    }
}

impl<'a> From<&'a ChatMessageEvent> for Message<'a> {
    fn from(e: &'a ChatMessageEvent) -> Self {
        Message {
            id: &e.id,
            message_type: &e.message_type,
            sequence_id: None,
            version: &e.version,
            created_on: &e.created_on,
            sender_id: e.sender.as_ref().and_then(raw_id),
            sender_display_name: Some(&e.sender_display_name),
            content: Content {
                message: Some(&e.message),
                topic: None,
                participants: Vec::new(),
                attachments: e.attachments.iter().map(Attachment::from).collect(),
                initiator_id: None,
            },
            edited_on: e.edited_on.as_deref(),
            deleted_on: e.deleted_on.as_deref(),
            metadata: &e.metadata,
        }
    }
}

/// One `watch` line: the event's name in `type`, its thread, and what happened.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Event<'a> {
    #[serde(rename_all = "camelCase")]
    ChatMessageReceived {
        thread_id: &'a str,
        message: Message<'a>,
    },
    #[serde(rename_all = "camelCase")]
    ChatMessageEdited {
        thread_id: &'a str,
        message: Message<'a>,
    },
    #[serde(rename_all = "camelCase")]
    ChatMessageDeleted {
        thread_id: &'a str,
        message: Message<'a>,
    },
    #[serde(rename_all = "camelCase")]
    TypingIndicatorReceived {
        thread_id: &'a str,
        sender_id: Option<String>,
        sender_display_name: &'a str,
        received_on: &'a str,
    },
    #[serde(rename_all = "camelCase")]
    ReadReceiptReceived {
        thread_id: &'a str,
        sender_id: Option<String>,
        chat_message_id: &'a str,
        read_on: &'a str,
    },
    ChatThreadCreated(ThreadChange<'a>),
    ChatThreadPropertiesUpdated(ThreadChange<'a>),
    ChatThreadDeleted(ThreadChange<'a>),
    ParticipantsAdded(ParticipantsChange<'a>),
    ParticipantsRemoved(ParticipantsChange<'a>),
}

/// A thread created, changed or deleted, in `watch`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadChange<'a> {
    pub thread_id: &'a str,
    pub on: &'a str,
    pub by_id: Option<String>,
    pub topic: Option<&'a str>,
    pub metadata: &'a Metadata,
    pub participants: Vec<Participant<'a>>,
}

impl<'a> From<&'a ThreadEvent> for ThreadChange<'a> {
    fn from(e: &'a ThreadEvent) -> Self {
        ThreadChange {
            thread_id: &e.thread_id,
            on: &e.on,
            by_id: e.by.as_ref().and_then(|b| raw_id(&b.id)),
            topic: e.properties.as_ref().map(|p| p.topic.as_str()),
            metadata: e
                .properties
                .as_ref()
                .map(|p| &p.metadata)
                .unwrap_or(&NO_METADATA),
            participants: e.participants.iter().map(Participant::from).collect(),
        }
    }
}

/// Participants added or removed, in `watch`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantsChange<'a> {
    pub thread_id: &'a str,
    pub on: &'a str,
    pub by_id: Option<String>,
    pub participants: Vec<Participant<'a>>,
}

impl<'a> From<&'a ParticipantsEvent> for ParticipantsChange<'a> {
    fn from(e: &'a ParticipantsEvent) -> Self {
        ParticipantsChange {
            thread_id: &e.thread_id,
            on: &e.on,
            by_id: e.by.as_ref().and_then(|b| raw_id(&b.id)),
            participants: e.participants.iter().map(Participant::from).collect(),
        }
    }
}

impl<'a> From<&'a ChatEvent> for Event<'a> {
    fn from(event: &'a ChatEvent) -> Self {
        match event {
            ChatEvent::ChatMessageReceived(e) => Event::ChatMessageReceived {
                thread_id: &e.thread_id,
                message: e.into(),
            },
            ChatEvent::ChatMessageEdited(e) => Event::ChatMessageEdited {
                thread_id: &e.thread_id,
                message: e.into(),
            },
            ChatEvent::ChatMessageDeleted(e) => Event::ChatMessageDeleted {
                thread_id: &e.thread_id,
                message: e.into(),
            },
            ChatEvent::TypingIndicatorReceived(e) => Event::TypingIndicatorReceived {
                thread_id: &e.thread_id,
                sender_id: raw_id(&e.sender),
                sender_display_name: &e.sender_display_name,
                received_on: &e.received_on,
            },
            ChatEvent::ReadReceiptReceived(e) => Event::ReadReceiptReceived {
                thread_id: &e.thread_id,
                sender_id: raw_id(&e.sender),
                chat_message_id: &e.chat_message_id,
                read_on: &e.read_on,
            },
            ChatEvent::ChatThreadCreated(e) => Event::ChatThreadCreated(e.into()),
            ChatEvent::ChatThreadPropertiesUpdated(e) => {
                Event::ChatThreadPropertiesUpdated(e.into())
            }
            ChatEvent::ChatThreadDeleted(e) => Event::ChatThreadDeleted(e.into()),
            ChatEvent::ParticipantsAdded(e) => Event::ParticipantsAdded(e.into()),
            ChatEvent::ParticipantsRemoved(e) => Event::ParticipantsRemoved(e.into()),
        }
    }
}

/// A refusal on standard error with `--json`: `{"error": {"status", "code", "message", "requestId"}}`.
pub fn error_document(e: &ClientError) -> Value {
    match e {
        ClientError::Service {
            status,
            error,
            request_id,
            ..
        } => json!({"error": {
            "status": status,
            "code": error.code,
            "message": error.message,
            "requestId": request_id,
        }}),
        other => json!({"error": {
            "status": null,
            "code": null,
            "message": other.to_string(),
            "requestId": null,
        }}),
    }
}

/// `chat threads --json`.
#[derive(Debug, Serialize)]
pub struct Threads<'a> {
    pub threads: Vec<Thread<'a>>,
}

/// `chat show --json`: the newest messages first.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Show<'a> {
    pub thread: ThreadProperties<'a>,
    pub participants: Vec<Participant<'a>>,
    pub read_receipts: Vec<Receipt<'a>>,
    pub messages: Vec<Message<'a>>,
}

/// `chat messages --json` (without `--all`): the newest first.
#[derive(Debug, Serialize)]
pub struct Messages<'a> {
    pub messages: Vec<Message<'a>>,
}

/// `chat participants --json`.
#[derive(Debug, Serialize)]
pub struct Participants<'a> {
    pub participants: Vec<Participant<'a>>,
}

/// `chat receipts --json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipts<'a> {
    pub read_receipts: Vec<Receipt<'a>>,
}

/// `chat send --json`: the new message's id, as the service answers.
#[derive(Debug, Serialize)]
pub struct Sent<'a> {
    pub id: &'a str,
}
