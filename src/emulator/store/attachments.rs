//! Attachments that Teams users send: kept by id, served to the thread's participants. An attachment
//! carries its message's creation time, so that a member sees it exactly when it sees the message.

use rusqlite::{OptionalExtension, params};

use super::Db;
use crate::acs::chat::ChatAttachmentType;
use crate::emulator::error::ApiError;

/// An attachment as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAttachment {
    pub id: String,
    pub thread_id: String,
    pub name: String,
    pub kind: ChatAttachmentType,
    /// The creation time of the message that carries it.
    pub created_ms: i64,
}

impl Db {
    pub fn insert_attachment(
        &mut self,
        id: &str,
        thread_id: &str,
        name: &str,
        kind: ChatAttachmentType,
        created_ms: i64,
    ) -> Result<(), ApiError> {
        let kind = match kind {
            ChatAttachmentType::Image => "image",
            ChatAttachmentType::File => "file",
        };
        self.conn.execute(
            "INSERT INTO attachments (id, thread_id, name, kind, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, thread_id, name, kind, created_ms],
        )?;
        Ok(())
    }

    pub fn attachment(&self, id: &str) -> Result<StoredAttachment, ApiError> {
        self.conn
            .query_row(
                "SELECT id, thread_id, name, kind, created_ms FROM attachments WHERE id = ?1",
                params![id],
                |r| {
                    let kind: String = r.get(3)?;
                    Ok(StoredAttachment {
                        id: r.get(0)?,
                        thread_id: r.get(1)?,
                        name: r.get(2)?,
                        kind: if kind == "image" {
                            ChatAttachmentType::Image
                        } else {
                            ChatAttachmentType::File
                        },
                        created_ms: r.get(4)?,
                    })
                },
            )
            .optional()?
            .ok_or_else(|| ApiError::not_found(format!("There is no attachment '{id}'.")))
    }
}
