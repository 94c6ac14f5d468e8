//! The outbox: a message is written to disk before it is sent, carries a client id in its metadata,
//! and after a crash or a timeout is resent only if its thread does not already hold it. One ordered
//! sender per thread.

use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// A message waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub client_id: String,
    pub thread_id: String,
    pub content: String,
    pub created_ms: i64,
    pub failed: Option<String>,
}

/// The outbox table, on disk (or in memory for `--in-memory`).
#[derive(Clone)]
pub struct Outbox {
    conn: Arc<Mutex<Connection>>,
}

#[derive(Debug, thiserror::Error)]
#[error("the outbox {path}: {source}")]
pub struct OutboxError {
    path: String,
    source: rusqlite::Error,
}

impl Outbox {
    pub fn open(path: Option<&Path>) -> Result<Outbox, OutboxError> {
        let name = path
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "in memory".into());
        let wrap = |source| OutboxError {
            path: name.clone(),
            source,
        };
        let conn = match path {
            Some(p) => Connection::open(p).map_err(wrap)?,
            None => Connection::open_in_memory().map_err(wrap)?,
        };
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE IF NOT EXISTS outbox (
                 client_id  TEXT PRIMARY KEY,
                 thread_id  TEXT NOT NULL,
                 content    TEXT NOT NULL,
                 created_ms INTEGER NOT NULL,
                 failed     TEXT
             );",
        )
        .map_err(wrap)?;
        Ok(Outbox {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, String> {
        let conn = self
            .conn
            .lock()
            .map_err(|_| "the outbox lock is poisoned".to_string())?;
        f(&conn).map_err(|e| format!("the outbox failed: {e}"))
    }

    /// Keeps the message before anything is sent.
    pub fn put(&self, m: &Outgoing) -> Result<(), String> {
        self.with(|c| {
            c.execute(
                "INSERT OR REPLACE INTO outbox (client_id, thread_id, content, created_ms, failed)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![m.client_id, m.thread_id, m.content, m.created_ms, m.failed],
            )
            .map(|_| ())
        })
    }

    pub fn get(&self, client_id: &str) -> Result<Option<Outgoing>, String> {
        self.with(|c| {
            c.query_row(
                "SELECT client_id, thread_id, content, created_ms, failed FROM outbox WHERE client_id = ?1",
                params![client_id],
                row,
            )
            .optional()
        })
    }

    pub fn mark_failed(&self, client_id: &str, reason: Option<&str>) -> Result<(), String> {
        self.with(|c| {
            c.execute(
                "UPDATE outbox SET failed = ?2 WHERE client_id = ?1",
                params![client_id, reason],
            )
            .map(|_| ())
        })
    }

    pub fn remove(&self, client_id: &str) -> Result<(), String> {
        self.with(|c| {
            c.execute(
                "DELETE FROM outbox WHERE client_id = ?1",
                params![client_id],
            )
            .map(|_| ())
        })
    }

    /// Everything still waiting, oldest first.
    pub fn all(&self) -> Result<Vec<Outgoing>, String> {
        self.with(|c| {
            let mut stmt = c.prepare(
                "SELECT client_id, thread_id, content, created_ms, failed FROM outbox ORDER BY created_ms, client_id",
            )?;
            let rows = stmt.query_map([], row)?;
            rows.collect()
        })
    }
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Outgoing> {
    Ok(Outgoing {
        client_id: r.get(0)?,
        thread_id: r.get(1)?,
        content: r.get(2)?,
        created_ms: r.get(3)?,
        failed: r.get(4)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_survive_reopening_until_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("outbox.sqlite3");
        let m = Outgoing {
            client_id: "c-1".into(),
            thread_id: "19:t@thread.v2".into(),
            content: "hello".into(),
            created_ms: 1,
            failed: None,
        };
        Outbox::open(Some(&path)).unwrap().put(&m).unwrap();
        let reopened = Outbox::open(Some(&path)).unwrap();
        assert_eq!(reopened.all().unwrap(), vec![m.clone()]);
        reopened.mark_failed("c-1", Some("403")).unwrap();
        assert_eq!(
            reopened.get("c-1").unwrap().unwrap().failed.as_deref(),
            Some("403")
        );
        reopened.remove("c-1").unwrap();
        assert!(reopened.all().unwrap().is_empty());
    }
}
