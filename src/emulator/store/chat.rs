//! Threads and messages.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::Db;
use crate::acs::chat::{
    ChatMessage, ChatMessageContent, ChatMessageType, ChatRetentionPolicy, ChatThreadItem,
    ChatThreadProperties, Metadata,
};
use crate::acs::events::{ChatEvent, ChatMessageEvent, EventActor, ThreadEvent, ThreadProperties};
use crate::acs::identifier::CommunicationIdentifier;
use crate::acs::time::format_ms;
use crate::emulator::error::ApiError;

/// A thread as stored.
#[derive(Debug, Clone)]
pub struct ThreadRow {
    pub id: String,
    pub topic: String,
    pub created_ms: i64,
    pub created_by: String,
    pub deleted_ms: Option<i64>,
    pub metadata: Option<Metadata>,
    pub retention: Option<ChatRetentionPolicy>,
}

impl ThreadRow {
    pub fn properties(&self) -> ChatThreadProperties {
        ChatThreadProperties {
            id: self.id.clone(),
            topic: self.topic.clone(),
            created_on: format_ms(self.created_ms),
            created_by_communication_identifier: CommunicationIdentifier::from_raw_id(
                &self.created_by,
            )
            .to_model(),
            deleted_on: self.deleted_ms.map(format_ms),
            metadata: self.metadata.clone(),
            retention_policy: self.retention.clone(),
        }
    }

    fn event_properties(&self) -> ThreadProperties {
        ThreadProperties {
            topic: self.topic.clone(),
            metadata: self.metadata.clone().unwrap_or_default(),
        }
    }
}

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

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, ApiError> {
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

/// Where a page of threads starts.
#[derive(Debug, Clone)]
pub struct ThreadPageQuery {
    pub after: Option<(i64, String)>,
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
    /// A live (not deleted) thread, or 404.
    pub fn thread(&self, thread_id: &str) -> Result<ThreadRow, ApiError> {
        let row = self.thread_including_deleted(thread_id)?;
        match row {
            Some(t) if t.deleted_ms.is_none() => Ok(t),
            _ => Err(ApiError::not_found(format!(
                "The chat thread '{thread_id}' does not exist."
            ))),
        }
    }

    pub fn thread_including_deleted(&self, thread_id: &str) -> Result<Option<ThreadRow>, ApiError> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT id, topic, created_ms, created_by, deleted_ms, metadata, retention
                 FROM threads WHERE id = ?1",
            )?
            .query_row(params![thread_id], |r| {
                let metadata: Option<String> = r.get(5)?;
                let retention: Option<String> = r.get(6)?;
                Ok(ThreadRow {
                    id: r.get(0)?,
                    topic: r.get(1)?,
                    created_ms: r.get(2)?,
                    created_by: r.get(3)?,
                    deleted_ms: r.get(4)?,
                    metadata: metadata.and_then(|m| serde_json::from_str(&m).ok()),
                    retention: retention.and_then(|m| serde_json::from_str(&m).ok()),
                })
            })
            .optional()?;
        Ok(row)
    }

    pub fn insert_thread(&mut self, thread: &ThreadRow) -> Result<(), ApiError> {
        let metadata = thread.metadata.as_ref().map(to_json).transpose()?;
        let retention = thread.retention.as_ref().map(to_json).transpose()?;
        self.conn.execute(
            "INSERT INTO threads (id, topic, created_ms, created_by, metadata, retention, activity_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?3)",
            params![
                thread.id,
                thread.topic,
                thread.created_ms,
                thread.created_by,
                metadata,
                retention
            ],
        )?;
        Ok(())
    }

    /// The result stored for an earlier create with the same `repeatability-request-id`.
    pub fn repeated_create(
        &self,
        request_id: &str,
        creator: &str,
    ) -> Result<Option<String>, ApiError> {
        Ok(self
            .conn
            .query_row(
                "SELECT response FROM create_requests WHERE request_id = ?1 AND creator = ?2",
                params![request_id, creator],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn remember_create(
        &mut self,
        request_id: &str,
        creator: &str,
        response: &str,
        now_ms: i64,
    ) -> Result<(), ApiError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO create_requests (request_id, creator, response, created_ms)
             VALUES (?1, ?2, ?3, ?4)",
            params![request_id, creator, response, now_ms],
        )?;
        Ok(())
    }

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

    /// Changes topic and metadata; a topic change adds a `topicUpdated` system message.
    pub fn update_thread(
        &mut self,
        mut thread: ThreadRow,
        topic: Option<String>,
        metadata: Option<Metadata>,
        retention: Option<ChatRetentionPolicy>,
        actor: &str,
        now_ms: i64,
    ) -> Result<(), ApiError> {
        let topic_changed = topic.as_ref().is_some_and(|t| *t != thread.topic);
        if let Some(t) = topic {
            thread.topic = t;
        }
        if let Some(changes) = metadata {
            let mut merged = thread.metadata.take().unwrap_or_default();
            merged.extend(changes);
            thread.metadata = Some(merged);
        }
        if retention.is_some() {
            thread.retention = retention;
        }
        self.conn.execute(
            "UPDATE threads SET topic = ?2, metadata = ?3, retention = ?4, activity_ms = ?5 WHERE id = ?1",
            params![
                thread.id,
                thread.topic,
                thread.metadata.as_ref().map(to_json).transpose()?,
                thread.retention.as_ref().map(to_json).transpose()?,
                now_ms
            ],
        )?;
        if topic_changed {
            self.append_message(
                &thread.id,
                NewMessage {
                    message_type: ChatMessageType::TopicUpdated,
                    sender: None,
                    sender_name: None,
                    content: ChatMessageContent {
                        topic: Some(thread.topic.clone()),
                        initiator_communication_identifier: Some(
                            CommunicationIdentifier::from_raw_id(actor).to_model(),
                        ),
                        ..Default::default()
                    },
                    metadata: None,
                },
                now_ms,
            )?;
        }
        let by = self.actor(&thread.id, actor)?;
        for user in self.event_recipients(&thread.id)? {
            let event = ChatEvent::ChatThreadPropertiesUpdated(ThreadEvent {
                thread_id: thread.id.clone(),
                version: now_ms.to_string(),
                on: format_ms(now_ms),
                by: Some(by.clone()),
                properties: Some(thread.event_properties()),
                participants: Vec::new(),
            });
            self.emit(&user, event, now_ms)?;
        }
        Ok(())
    }

    pub fn delete_thread(
        &mut self,
        thread: &ThreadRow,
        actor: &str,
        now_ms: i64,
    ) -> Result<(), ApiError> {
        self.conn.execute(
            "UPDATE threads SET deleted_ms = ?2, activity_ms = ?2 WHERE id = ?1",
            params![thread.id, now_ms],
        )?;
        let by = self.actor(&thread.id, actor)?;
        for user in self.event_recipients(&thread.id)? {
            let event = ChatEvent::ChatThreadDeleted(ThreadEvent {
                thread_id: thread.id.clone(),
                version: now_ms.to_string(),
                on: format_ms(now_ms),
                by: Some(by.clone()),
                properties: None,
                participants: Vec::new(),
            });
            self.emit(&user, event, now_ms)?;
        }
        // Deleting a chat removes its Teams users and hides the history from them (seed: chat behaviours).
        self.conn.execute(
            "DELETE FROM participants WHERE thread_id = ?1
               AND (raw_id LIKE '8:orgid:%' OR raw_id LIKE '8:dod:%' OR raw_id LIKE '8:gcch:%')",
            params![thread.id],
        )?;
        Ok(())
    }

    /// Tells every participant that a thread was created.
    pub fn announce_thread(&mut self, thread: &ThreadRow, now_ms: i64) -> Result<(), ApiError> {
        let by = self.actor(&thread.id, &thread.created_by)?;
        let participants = self.participants_page(&thread.id, 0, usize::MAX)?;
        for user in self.event_recipients(&thread.id)? {
            let event = ChatEvent::ChatThreadCreated(ThreadEvent {
                thread_id: thread.id.clone(),
                version: now_ms.to_string(),
                on: format_ms(thread.created_ms),
                by: Some(by.clone()),
                properties: Some(thread.event_properties()),
                participants: participants.clone(),
            });
            self.emit(&user, event, now_ms)?;
        }
        Ok(())
    }

    pub(crate) fn actor(&self, thread_id: &str, raw_id: &str) -> Result<EventActor, ApiError> {
        let name: Option<Option<String>> = self
            .conn
            .prepare_cached(
                "SELECT display_name FROM participants WHERE thread_id = ?1 AND raw_id = ?2",
            )?
            .query_row(params![thread_id, raw_id], |r| r.get(0))
            .optional()?;
        Ok(EventActor {
            id: CommunicationIdentifier::from_raw_id(raw_id).to_model(),
            display_name: name.flatten().unwrap_or_default(),
        })
    }

    /// Threads the user takes part in, most recently active first; one more than `max` when more follow.
    pub fn threads_page(
        &self,
        user: &str,
        query: &ThreadPageQuery,
    ) -> Result<Vec<(ChatThreadItem, i64)>, ApiError> {
        let (after_ms, after_id) = query.after.clone().unwrap_or((i64::MAX, String::new()));
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.id, t.topic, t.deleted_ms, t.last_message_ms, t.activity_ms
             FROM participants p JOIN threads t ON t.id = p.thread_id
             WHERE p.raw_id = ?1 AND t.activity_ms >= ?2
               AND (t.activity_ms < ?3 OR (t.activity_ms = ?3 AND (?4 = '' OR t.id < ?4)))
             ORDER BY t.activity_ms DESC, t.id DESC LIMIT ?5",
        )?;
        let rows = stmt.query_map(
            params![
                user,
                query.start_ms.unwrap_or(0),
                after_ms,
                after_id,
                (query.max + 1) as i64
            ],
            |r| {
                let deleted: Option<i64> = r.get(2)?;
                let last: Option<i64> = r.get(3)?;
                Ok((
                    ChatThreadItem {
                        id: r.get(0)?,
                        topic: r.get(1)?,
                        deleted_on: deleted.map(format_ms),
                        last_message_received_on: last.map(format_ms),
                    },
                    r.get::<_, i64>(4)?,
                ))
            },
        )?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}
