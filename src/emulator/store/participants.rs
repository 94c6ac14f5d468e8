//! Participants, membership checks, read receipts and typing notifications.

use rusqlite::{OptionalExtension, params};

use super::Db;
use super::chat::NewMessage;
use crate::acs::chat::{
    ChatMessageContent, ChatMessageReadReceipt, ChatMessageType, ChatParticipant, Metadata,
};
use crate::acs::events::{ChatEvent, ParticipantsEvent, ReadReceiptEvent, TypingIndicatorEvent};
use crate::acs::identifier::{CommunicationIdentifier, IdentifierKind};
use crate::acs::time::format_ms;
use crate::emulator::error::ApiError;

/// A participant to add, already validated.
#[derive(Debug, Clone)]
pub struct NewParticipant {
    pub raw_id: String,
    pub display_name: Option<String>,
    pub share_history_ms: Option<i64>,
    pub metadata: Option<Metadata>,
}

/// What a thread member may see.
#[derive(Debug, Clone, Copy)]
pub struct Membership {
    /// Messages created before this are hidden from the member.
    pub visible_from_ms: i64,
}

impl Membership {
    /// Whether the member may see a message (or its attachments) created at `created_ms`.
    pub fn sees(&self, created_ms: i64) -> bool {
        created_ms >= self.visible_from_ms
    }
}

impl NewParticipant {
    fn to_wire(&self) -> ChatParticipant {
        ChatParticipant {
            communication_identifier: CommunicationIdentifier::from_raw_id(&self.raw_id).to_model(),
            display_name: self.display_name.clone(),
            share_history_time: self.share_history_ms.map(format_ms),
            metadata: self.metadata.clone(),
        }
    }
}

impl Db {
    /// The caller's membership of a live thread: 404 for no such thread, 403 for a non-member.
    pub fn membership(&self, thread_id: &str, user: &str) -> Result<Membership, ApiError> {
        self.thread(thread_id)?;
        let row: Option<Option<i64>> = self
            .conn
            .prepare_cached(
                "SELECT share_history_ms FROM participants WHERE thread_id = ?1 AND raw_id = ?2",
            )?
            .query_row(params![thread_id, user], |r| r.get(0))
            .optional()?;
        match row {
            Some(share) => Ok(Membership {
                visible_from_ms: share.unwrap_or(0),
            }),
            None => Err(ApiError::forbidden(format!(
                "'{user}' is not a participant of the chat thread '{thread_id}'."
            ))),
        }
    }

    pub fn participant_count(&self, thread_id: &str) -> Result<usize, ApiError> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT COUNT(*) FROM participants WHERE thread_id = ?1")?
            .query_row(params![thread_id], |r| r.get(0))?;
        Ok(n as usize)
    }

    pub fn is_participant(&self, thread_id: &str, raw_id: &str) -> Result<bool, ApiError> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM participants WHERE thread_id = ?1 AND raw_id = ?2")?
            .query_row(params![thread_id, raw_id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Whether any Teams user takes part in the thread.
    pub fn has_teams_participants(&self, thread_id: &str) -> Result<bool, ApiError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT 1 FROM participants WHERE thread_id = ?1
                   AND (raw_id LIKE '8:orgid:%' OR raw_id LIKE '8:dod:%' OR raw_id LIKE '8:gcch:%') LIMIT 1",
            )?
            .query_row(params![thread_id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// The ACS users of a thread: the ones who can hold a realtime connection.
    pub fn event_recipients(&self, thread_id: &str) -> Result<Vec<String>, ApiError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT raw_id FROM participants WHERE thread_id = ?1")?;
        let rows = stmt.query_map(params![thread_id], |r| r.get::<_, String>(0))?;
        let mut users = Vec::new();
        for raw in rows {
            let raw = raw?;
            if CommunicationIdentifier::from_raw_id(&raw).kind()
                == IdentifierKind::CommunicationUser
            {
                users.push(raw);
            }
        }
        Ok(users)
    }

    /// Adds the participants who are not members yet (members stay as they are). Adds a
    /// `participantAdded` message and tells everyone, unless `quiet`. Returns those added.
    pub fn add_participants(
        &mut self,
        thread_id: &str,
        participants: Vec<NewParticipant>,
        actor: &str,
        now_ms: i64,
    ) -> Result<Vec<NewParticipant>, ApiError> {
        let mut added = Vec::new();
        for p in participants {
            if self.is_participant(thread_id, &p.raw_id)? {
                continue;
            }
            self.conn.execute(
                "INSERT INTO participants (thread_id, raw_id, display_name, share_history_ms, metadata, added_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    thread_id,
                    p.raw_id,
                    p.display_name,
                    p.share_history_ms,
                    p.metadata.as_ref().and_then(|m| serde_json::to_string(m).ok()),
                    now_ms
                ],
            )?;
            added.push(p);
        }
        if added.is_empty() {
            return Ok(added);
        }
        let wire: Vec<ChatParticipant> = added.iter().map(NewParticipant::to_wire).collect();
        self.append_message(
            thread_id,
            NewMessage {
                message_type: ChatMessageType::ParticipantAdded,
                sender: None,
                sender_name: None,
                content: ChatMessageContent {
                    participants: Some(wire.clone()),
                    initiator_communication_identifier: Some(
                        CommunicationIdentifier::from_raw_id(actor).to_model(),
                    ),
                    ..Default::default()
                },
                metadata: None,
            },
            now_ms,
        )?;
        let by = self.actor(thread_id, actor)?;
        for user in self.event_recipients(thread_id)? {
            let event = ChatEvent::ParticipantsAdded(ParticipantsEvent {
                thread_id: thread_id.to_string(),
                version: now_ms.to_string(),
                on: format_ms(now_ms),
                by: Some(by.clone()),
                participants: wire.clone(),
            });
            self.emit(&user, event, now_ms)?;
        }
        Ok(added)
    }

    /// Removes a participant; removing someone who is not a member changes nothing.
    pub fn remove_participant(
        &mut self,
        thread_id: &str,
        raw_id: &str,
        actor: &str,
        now_ms: i64,
    ) -> Result<(), ApiError> {
        let row = self.participant(thread_id, raw_id)?;
        let Some(removed) = row else {
            return Ok(());
        };
        let by = self.actor(thread_id, actor)?;
        // The removed user hears of it too, so recipients are taken before the removal.
        let recipients = self.event_recipients(thread_id)?;
        self.conn.execute(
            "DELETE FROM participants WHERE thread_id = ?1 AND raw_id = ?2",
            params![thread_id, raw_id],
        )?;
        self.conn.execute(
            "DELETE FROM read_receipts WHERE thread_id = ?1 AND raw_id = ?2",
            params![thread_id, raw_id],
        )?;
        self.append_message(
            thread_id,
            NewMessage {
                message_type: ChatMessageType::ParticipantRemoved,
                sender: None,
                sender_name: None,
                content: ChatMessageContent {
                    participants: Some(vec![removed.clone()]),
                    initiator_communication_identifier: Some(
                        CommunicationIdentifier::from_raw_id(actor).to_model(),
                    ),
                    ..Default::default()
                },
                metadata: None,
            },
            now_ms,
        )?;
        for user in recipients {
            let event = ChatEvent::ParticipantsRemoved(ParticipantsEvent {
                thread_id: thread_id.to_string(),
                version: now_ms.to_string(),
                on: format_ms(now_ms),
                by: Some(by.clone()),
                participants: vec![removed.clone()],
            });
            self.emit(&user, event, now_ms)?;
        }
        Ok(())
    }

    fn participant(
        &self,
        thread_id: &str,
        raw_id: &str,
    ) -> Result<Option<ChatParticipant>, ApiError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT raw_id, display_name, share_history_ms, metadata FROM participants
             WHERE thread_id = ?1 AND raw_id = ?2",
        )?;
        Ok(stmt
            .query_row(params![thread_id, raw_id], participant_from_row)
            .optional()?)
    }

    /// Participants in the order they joined.
    pub fn participants_page(
        &self,
        thread_id: &str,
        skip: usize,
        max: usize,
    ) -> Result<Vec<ChatParticipant>, ApiError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT raw_id, display_name, share_history_ms, metadata FROM participants
             WHERE thread_id = ?1 ORDER BY added_ms, raw_id LIMIT ?2 OFFSET ?3",
        )?;
        let limit = i64::try_from(max.saturating_add(1)).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![thread_id, limit, skip as i64], participant_from_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Records that `user` read up to `message_id`; a receipt never moves backwards.
    pub fn send_read_receipt(
        &mut self,
        thread_id: &str,
        user: &str,
        message_id: i64,
        now_ms: i64,
    ) -> Result<(), ApiError> {
        let changed = self.conn.execute(
            "INSERT INTO read_receipts (thread_id, raw_id, message_id, read_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(thread_id, raw_id) DO UPDATE SET message_id = excluded.message_id,
                 read_ms = excluded.read_ms
             WHERE excluded.message_id > read_receipts.message_id",
            params![thread_id, user, message_id, now_ms],
        )?;
        if changed == 0 {
            return Ok(());
        }
        let sender = CommunicationIdentifier::from_raw_id(user).to_model();
        for recipient in self.event_recipients(thread_id)? {
            let event = ChatEvent::ReadReceiptReceived(ReadReceiptEvent {
                thread_id: thread_id.to_string(),
                sender: sender.clone(),
                recipient: CommunicationIdentifier::from_raw_id(&recipient).to_model(),
                chat_message_id: message_id.to_string(),
                read_on: format_ms(now_ms),
            });
            self.emit(&recipient, event, now_ms)?;
        }
        Ok(())
    }

    pub fn read_receipts_page(
        &self,
        thread_id: &str,
        skip: usize,
        max: usize,
    ) -> Result<Vec<ChatMessageReadReceipt>, ApiError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT raw_id, message_id, read_ms FROM read_receipts WHERE thread_id = ?1
             ORDER BY read_ms DESC, raw_id LIMIT ?2 OFFSET ?3",
        )?;
        let limit = i64::try_from(max.saturating_add(1)).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![thread_id, limit, skip as i64], |r| {
            let raw: String = r.get(0)?;
            Ok(ChatMessageReadReceipt {
                sender_communication_identifier: CommunicationIdentifier::from_raw_id(&raw)
                    .to_model(),
                chat_message_id: r.get::<_, i64>(1)?.to_string(),
                read_on: format_ms(r.get(2)?),
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Tells the other participants that `user` is typing.
    pub fn send_typing(
        &mut self,
        thread_id: &str,
        user: &str,
        display_name: Option<String>,
        now_ms: i64,
    ) -> Result<(), ApiError> {
        let name = match display_name {
            Some(n) => n,
            None => self.actor(thread_id, user)?.display_name,
        };
        let sender = CommunicationIdentifier::from_raw_id(user).to_model();
        for recipient in self.event_recipients(thread_id)? {
            if recipient == user {
                continue;
            }
            let event = ChatEvent::TypingIndicatorReceived(TypingIndicatorEvent {
                thread_id: thread_id.to_string(),
                sender: sender.clone(),
                sender_display_name: name.clone(),
                recipient: CommunicationIdentifier::from_raw_id(&recipient).to_model(),
                version: now_ms.to_string(),
                received_on: format_ms(now_ms),
            });
            self.emit(&recipient, event, now_ms)?;
        }
        Ok(())
    }
}

fn participant_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ChatParticipant> {
    let raw: String = r.get(0)?;
    let share: Option<i64> = r.get(2)?;
    let metadata: Option<String> = r.get(3)?;
    Ok(ChatParticipant {
        communication_identifier: CommunicationIdentifier::from_raw_id(&raw).to_model(),
        display_name: r.get(1)?,
        share_history_time: share.map(format_ms),
        metadata: metadata.and_then(|m| serde_json::from_str(&m).ok()),
    })
}
