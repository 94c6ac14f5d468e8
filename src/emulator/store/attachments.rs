//! Attachments that Teams users send: kept by id, served to the thread's participants.

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
}

impl Db {
    pub fn insert_attachment(
        &mut self,
        id: &str,
        thread_id: &str,
        name: &str,
        kind: ChatAttachmentType,
    ) -> Result<(), ApiError> {
        let kind = match kind {
            ChatAttachmentType::Image => "image",
            ChatAttachmentType::File => "file",
        };
        self.conn.execute(
            "INSERT INTO attachments (id, thread_id, name, kind, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, thread_id, name, kind, crate::acs::time::now_ms()],
        )?;
        Ok(())
    }

    pub fn attachment(&self, id: &str) -> Result<StoredAttachment, ApiError> {
        self.conn
            .query_row(
                "SELECT id, thread_id, name, kind FROM attachments WHERE id = ?1",
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
                    })
                },
            )
            .optional()?
            .ok_or_else(|| ApiError::not_found(format!("There is no attachment '{id}'.")))
    }
}
