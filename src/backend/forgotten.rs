//! Deleted threads the user removed from the list (`:forget`): kept beside the outbox, so that they
//! stay out of the list after a restart. The service keeps listing deleted threads.

use rusqlite::{Connection, params};
use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

#[derive(Clone)]
pub struct Forgotten {
    conn: Arc<Mutex<Connection>>,
}

impl Forgotten {
    /// Opens the table in the console's database at `path` (in memory without one).
    pub fn open(path: Option<&Path>) -> Result<Forgotten, String> {
        let conn = match path {
            Some(p) => Connection::open(p),
            None => Connection::open_in_memory(),
        }
        .and_then(|c| {
            c.busy_timeout(std::time::Duration::from_secs(5))?;
            c.execute_batch(
                "CREATE TABLE IF NOT EXISTS forgotten_threads (thread_id TEXT PRIMARY KEY);",
            )?;
            Ok(c)
        })
        .map_err(|e| format!("the list of forgotten threads: {e}"))?;
        Ok(Forgotten {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    pub fn forget(&self, thread_id: &str) -> Result<(), String> {
        let conn = self
            .conn
            .lock()
            .map_err(|_| "a lock is poisoned".to_string())?;
        conn.execute(
            "INSERT OR IGNORE INTO forgotten_threads (thread_id) VALUES (?1)",
            params![thread_id],
        )
        .map(|_| ())
        .map_err(|e| format!("cannot remember the forgotten thread: {e}"))
    }

    pub fn all(&self) -> HashSet<String> {
        let Ok(conn) = self.conn.lock() else {
            return HashSet::new();
        };
        let read = || -> rusqlite::Result<HashSet<String>> {
            let mut stmt = conn.prepare("SELECT thread_id FROM forgotten_threads")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.collect()
        };
        read().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot read the forgotten threads");
            HashSet::new()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forgotten_thread_stays_forgotten_after_reopening() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("console.db");
        let first = Forgotten::open(Some(&path)).expect("open");
        first.forget("19:gone@thread.v2").expect("forget");
        first.forget("19:gone@thread.v2").expect("twice is fine");
        let again = Forgotten::open(Some(&path)).expect("reopen");
        assert_eq!(
            again.all().into_iter().collect::<Vec<_>>(),
            vec!["19:gone@thread.v2"]
        );
    }
}
