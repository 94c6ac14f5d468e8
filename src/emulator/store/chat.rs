//! Messages: append, read, page, edit and delete.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::Db;
use crate::acs::chat::{ChatMessage, ChatMessageContent, ChatMessageType, Metadata};
use crate::acs::events::{ChatEvent, ChatMessageEvent};
use crate::acs::identifier::CommunicationIdentifier;
use crate::acs::time::format_ms;
use crate::emulator::error::ApiError;

/// A message as stored.
#[derive(Debug, Clone)]
pub struct StoredMessage {
    pub seq: i64,
    pub id: i64,
    pub message_type: ChatMessageType,
    pub sender: Option<String>,
    pub sender_name: Option<String>,
    pub content: ChatMessageContent,
    pub metadata: Option<Metadata>,
    pub created_ms: i64,
    pub edited_ms: Option<i64>,
    pub deleted_ms: Option<i64>,
    pub version: i64,
}

impl StoredMessage {
    pub fn to_wire(&self) -> ChatMessage {
        ChatMessage {
            id: self.id.to_string(),
            message_type: self.message_type,
            sequence_id: self.seq.to_string(),
            version: self.version.to_string(),
            content: Some(self.content.clone()),
            sender_display_name: self.sender_name.clone(),
            created_on: format_ms(self.created_ms),
            sender_communication_identifier: self
                .sender
                .as_deref()
                .map(|s| CommunicationIdentifier::from_raw_id(s).to_model()),
            deleted_on: self.deleted_ms.map(format_ms),
            edited_on: self.edited_ms.map(format_ms),
            metadata: self.metadata.clone(),
        }
    }

    fn event(&self, thread_id: &str, recipient: &str) -> ChatMessageEvent {
        ChatMessageEvent {
            thread_id: thread_id.to_string(),
            sender: self
                .sender
                .as_deref()
                .map(|s| CommunicationIdentifier::from_raw_id(s).to_model()),
            sender_display_name: self.sender_name.clone().unwrap_or_default(),
            recipient: CommunicationIdentifier::from_raw_id(recipient).to_model(),
            id: self.id.to_string(),
            created_on: format_ms(self.created_ms),
            version: self.version.to_string(),
            message_type: self.message_type.as_str().to_string(),
            message: self.content.message.clone().unwrap_or_default(),
            metadata: self.metadata.clone().unwrap_or_default(),
            attachments: self.content.attachments.clone().unwrap_or_default(),
            edited_on: self.edited_ms.map(format_ms),
            deleted_on: self.deleted_ms.map(format_ms),
        }
    }
}

const MESSAGE_COLUMNS: &str = "seq, id, type, sender, sender_name, content, metadata, created_ms, edited_ms, deleted_ms, version";

fn message_from_row(row: &Row<'_>) -> rusqlite::Result<StoredMessage> {
    let type_text: String = row.get(2)?;
    let content_text: String = row.get(5)?;
    let metadata_text: Option<String> = row.get(6)?;
    Ok(StoredMessage {
        seq: row.get(0)?,
        id: row.get(1)?,
        message_type: ChatMessageType::parse(&type_text).unwrap_or(ChatMessageType::Text),
        sender: row.get(3)?,
        sender_name: row.get(4)?,
        content: serde_json::from_str(&content_text).unwrap_or_default(),
        metadata: metadata_text.and_then(|m| serde_json::from_str(&m).ok()),
        created_ms: row.get(7)?,
        edited_ms: row.get(8)?,
        deleted_ms: row.get(9)?,
        version: row.get(10)?,
    })
}

pub(super) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(|e| ApiError::internal(format!("cannot encode: {e}")))
}

/// The largest message id in the store, so that new ids keep increasing after a restart.
pub fn last_message_id(conn: &Connection) -> Result<i64, rusqlite::Error> {
    conn.query_row("SELECT COALESCE(MAX(id), 0) FROM messages", [], |r| {
        r.get(0)
    })
}

/// Where a page of messages starts and what it holds.
#[derive(Debug, Clone, Copy)]
pub struct MessagePageQuery {
    /// Only messages with a sequence below this (the continuation point).
    pub before_seq: Option<i64>,
    /// Only messages created, edited or deleted at or after this time.
    pub start_ms: Option<i64>,
    pub max: usize,
}

/// A new message, before it is numbered.
pub struct NewMessage {
    pub message_type: ChatMessageType,
    pub sender: Option<String>,
    pub sender_name: Option<String>,
    pub content: ChatMessageContent,
    pub metadata: Option<Metadata>,
}

impl Db {
    /// Appends a message with the thread's next sequence number; tells every participant.
    pub fn append_message(
        &mut self,
        thread_id: &str,
        message: NewMessage,
        now_ms: i64,
    ) -> Result<StoredMessage, ApiError> {
        let seq: i64 = self
            .conn
            .prepare_cached(
                "UPDATE threads SET last_seq = last_seq + 1, activity_ms = ?2,
                     last_message_ms = CASE WHEN ?3 THEN ?2 ELSE last_message_ms END
                 WHERE id = ?1 RETURNING last_seq",
            )?
            .query_row(
                params![thread_id, now_ms, !message.message_type.is_system()],
                |r| r.get(0),
            )?;
        let id = self.next_message_id();
        let stored = StoredMessage {
            seq,
            id,
            message_type: message.message_type,
            sender: message.sender,
            sender_name: message.sender_name,
            content: message.content,
            metadata: message.metadata,
            created_ms: now_ms,
            edited_ms: None,
            deleted_ms: None,
            version: id,
        };
        let client_key = stored
            .metadata
            .as_ref()
            .and_then(|m| m.get("clientMessageId").cloned());
        self.conn
            .prepare_cached(
                "INSERT INTO messages (thread_id, seq, id, type, sender, sender_name, content, metadata,
                     created_ms, version, client_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?3, ?10)",
            )?
            .execute(params![
                thread_id,
                seq,
                id,
                stored.message_type.as_str(),
                stored.sender,
                stored.sender_name,
                to_json(&stored.content)?,
                stored.metadata.as_ref().map(to_json).transpose()?,
                now_ms,
                client_key,
            ])?;
        if !stored.message_type.is_system() {
            for user in self.event_recipients(thread_id)? {
                let event = ChatEvent::ChatMessageReceived(stored.event(thread_id, &user));
                self.emit(&user, event, now_ms)?;
            }
        }
        Ok(stored)
    }

    pub fn message(&self, thread_id: &str, message_id: &str) -> Result<StoredMessage, ApiError> {
        let not_found = || {
            ApiError::not_found(format!(
                "The message '{message_id}' does not exist in this thread."
            ))
        };
        let id: i64 = message_id.parse().map_err(|_| not_found())?;
        let sql =
            format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE thread_id = ?1 AND id = ?2");
        self.conn
            .prepare_cached(&sql)?
            .query_row(params![thread_id, id], message_from_row)
            .optional()?
            .ok_or_else(not_found)
    }

    /// Newest first; returns one more than `max` when there is a further page.
    pub fn messages_page(
        &self,
        thread_id: &str,
        visible_from_ms: i64,
        query: MessagePageQuery,
    ) -> Result<Vec<StoredMessage>, ApiError> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages
             WHERE thread_id = ?1 AND seq < ?2 AND created_ms >= ?3
               AND (?4 IS NULL OR created_ms >= ?4 OR edited_ms >= ?4 OR deleted_ms >= ?4)
             ORDER BY seq DESC LIMIT ?5"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(
            params![
                thread_id,
                query.before_seq.unwrap_or(i64::MAX),
                visible_from_ms,
                query.start_ms,
                (query.max + 1) as i64
            ],
            message_from_row,
        )?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Replaces content and merges metadata; gives the message a new version.
    pub fn edit_message(
        &mut self,
        thread_id: &str,
        mut message: StoredMessage,
        content: Option<String>,
        metadata: Option<Metadata>,
        now_ms: i64,
    ) -> Result<StoredMessage, ApiError> {
        if let Some(text) = content {
            message.content.message = Some(text);
        }
        if let Some(changes) = metadata {
            let mut merged = message.metadata.take().unwrap_or_default();
            merged.extend(changes);
            message.metadata = Some(merged);
        }
        message.edited_ms = Some(now_ms);
        message.version = self.next_message_id();
        self.conn.execute(
            "UPDATE messages SET content = ?3, metadata = ?4, edited_ms = ?5, version = ?6
             WHERE thread_id = ?1 AND id = ?2",
            params![
                thread_id,
                message.id,
                to_json(&message.content)?,
                message.metadata.as_ref().map(to_json).transpose()?,
                now_ms,
                message.version
            ],
        )?;
        self.touch_thread(thread_id, now_ms)?;
        for user in self.event_recipients(thread_id)? {
            let event = ChatEvent::ChatMessageEdited(message.event(thread_id, &user));
            self.emit(&user, event, now_ms)?;
        }
        Ok(message)
    }

    /// Marks a message deleted; its id stays, its content goes.
    pub fn delete_message(
        &mut self,
        thread_id: &str,
        mut message: StoredMessage,
        now_ms: i64,
    ) -> Result<(), ApiError> {
        message.deleted_ms = Some(now_ms);
        message.version = self.next_message_id();
        message.content = ChatMessageContent {
            message: Some(String::new()),
            ..Default::default()
        };
        self.conn.execute(
            "UPDATE messages SET content = ?3, deleted_ms = ?4, version = ?5
             WHERE thread_id = ?1 AND id = ?2",
            params![
                thread_id,
                message.id,
                to_json(&message.content)?,
                now_ms,
                message.version
            ],
        )?;
        self.touch_thread(thread_id, now_ms)?;
        for user in self.event_recipients(thread_id)? {
            let event = ChatEvent::ChatMessageDeleted(message.event(thread_id, &user));
            self.emit(&user, event, now_ms)?;
        }
        Ok(())
    }

    fn touch_thread(&self, thread_id: &str, now_ms: i64) -> Result<(), ApiError> {
        self.conn
            .prepare_cached("UPDATE threads SET activity_ms = ?2 WHERE id = ?1")?
            .execute(params![thread_id, now_ms])?;
        Ok(())
    }
}
