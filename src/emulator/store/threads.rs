//! Threads: create, read, list, update and delete.

use rusqlite::{OptionalExtension, params};

use super::Db;
use super::chat::{NewMessage, to_json};
use crate::acs::chat::{
    ChatMessageContent, ChatMessageType, ChatRetentionPolicy, ChatThreadItem, ChatThreadProperties,
    Metadata,
};
use crate::acs::events::{ChatEvent, EventActor, ThreadEvent, ThreadProperties};
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

/// Where a page of threads starts.
#[derive(Debug, Clone)]
pub struct ThreadPageQuery {
    pub after: Option<(i64, String)>,
    pub start_ms: Option<i64>,
    pub max: usize,
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
            "SELECT t.id, t.topic, t.deleted_ms, t.last_message_ms, p.activity_ms
             FROM participants p INDEXED BY participants_by_activity
             JOIN threads t ON t.id = p.thread_id
             WHERE p.raw_id = ?1 AND p.activity_ms >= ?2
               AND (p.activity_ms, p.thread_id) < (?3, ?4)
             ORDER BY p.activity_ms DESC, p.thread_id DESC LIMIT ?5",
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
