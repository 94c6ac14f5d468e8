//! Identities and their token generations.

use rusqlite::{OptionalExtension, params};

use super::Db;
use crate::emulator::error::ApiError;

/// What the store knows of an identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityState {
    Active { generation: u64 },
    Deleted,
    Unknown,
}

impl Db {
    pub fn create_identity(&mut self, id: &str, now_ms: i64) -> Result<(), ApiError> {
        self.conn.execute(
            "INSERT INTO identities (id, created_ms) VALUES (?1, ?2)",
            params![id, now_ms],
        )?;
        Ok(())
    }

    pub fn identity_state(&self, id: &str) -> Result<IdentityState, ApiError> {
        let row: Option<(i64, Option<i64>)> = self
            .conn
            .prepare_cached("SELECT generation, deleted_ms FROM identities WHERE id = ?1")?
            .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(match row {
            None => IdentityState::Unknown,
            Some((_, Some(_))) => IdentityState::Deleted,
            Some((generation, None)) => IdentityState::Active {
                generation: generation as u64,
            },
        })
    }

    /// The generation of an active identity, or 404.
    pub fn active_identity(&self, id: &str) -> Result<u64, ApiError> {
        match self.identity_state(id)? {
            IdentityState::Active { generation } => Ok(generation),
            IdentityState::Deleted => Err(ApiError::not_found(format!(
                "The identity '{id}' was deleted."
            ))),
            IdentityState::Unknown => Err(ApiError::not_found(format!(
                "The identity '{id}' does not exist."
            ))),
        }
    }

    /// Voids every token issued so far: tokens carry the generation they were issued in.
    pub fn revoke_tokens(&mut self, id: &str) -> Result<(), ApiError> {
        self.active_identity(id)?;
        self.conn.execute(
            "UPDATE identities SET generation = generation + 1 WHERE id = ?1",
            params![id],
        )?;
        Ok(())
    }

    pub fn delete_identity(&mut self, id: &str, now_ms: i64) -> Result<(), ApiError> {
        self.active_identity(id)?;
        self.conn.execute(
            "UPDATE identities SET deleted_ms = ?2, generation = generation + 1 WHERE id = ?1",
            params![id, now_ms],
        )?;
        Ok(())
    }
}
