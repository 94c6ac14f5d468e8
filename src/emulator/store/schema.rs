//! The database schema and connection settings.

use rusqlite::{Connection, OptionalExtension, params};

const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS identities (
    id          TEXT PRIMARY KEY,
    created_ms  INTEGER NOT NULL,
    generation  INTEGER NOT NULL DEFAULT 0,
    deleted_ms  INTEGER
);
CREATE TABLE IF NOT EXISTS threads (
    id               TEXT PRIMARY KEY,
    topic            TEXT NOT NULL,
    created_ms       INTEGER NOT NULL,
    created_by       TEXT NOT NULL,
    deleted_ms       INTEGER,
    metadata         TEXT,
    retention        TEXT,
    last_seq         INTEGER NOT NULL DEFAULT 0,
    last_message_ms  INTEGER,
    activity_ms      INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS participants (
    thread_id         TEXT NOT NULL,
    raw_id            TEXT NOT NULL,
    display_name      TEXT,
    share_history_ms  INTEGER,
    metadata          TEXT,
    added_ms          INTEGER NOT NULL,
    activity_ms       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (thread_id, raw_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS participants_by_user ON participants (raw_id, thread_id);
CREATE TABLE IF NOT EXISTS messages (
    thread_id     TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    id            INTEGER NOT NULL,
    type          TEXT NOT NULL,
    sender        TEXT,
    sender_name   TEXT,
    content       TEXT NOT NULL,
    metadata      TEXT,
    created_ms    INTEGER NOT NULL,
    edited_ms     INTEGER,
    deleted_ms    INTEGER,
    version       INTEGER NOT NULL,
    client_key    TEXT,
    PRIMARY KEY (thread_id, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS messages_by_id ON messages (thread_id, id);
CREATE TABLE IF NOT EXISTS read_receipts (
    thread_id   TEXT NOT NULL,
    raw_id      TEXT NOT NULL,
    message_id  INTEGER NOT NULL,
    read_ms     INTEGER NOT NULL,
    PRIMARY KEY (thread_id, raw_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS create_requests (
    request_id  TEXT NOT NULL,
    creator     TEXT NOT NULL,
    response    TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    PRIMARY KEY (request_id, creator)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS attachments (
    id          TEXT PRIMARY KEY,
    thread_id   TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    created_ms  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS user_event_seq (
    user_id  TEXT PRIMARY KEY,
    seq      INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS calls (
    id              TEXT PRIMARY KEY,
    server_call_id  TEXT NOT NULL,
    live            INTEGER NOT NULL,
    record          TEXT NOT NULL,
    created_ms      INTEGER NOT NULL,
    updated_ms      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS calls_live ON calls (live) WHERE live = 1;
CREATE INDEX IF NOT EXISTS calls_by_server_id ON calls (server_call_id);
CREATE TABLE IF NOT EXISTS call_recordings (
    recording_id  TEXT PRIMARY KEY,
    call_id       TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS call_requests (
    request_id  TEXT NOT NULL,
    operation   TEXT NOT NULL,
    status      INTEGER NOT NULL,
    body        TEXT,
    created_ms  INTEGER NOT NULL,
    PRIMARY KEY (request_id, operation)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
    user_id     TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    frame       TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    PRIMARY KEY (user_id, seq)
) WITHOUT ROWID;
"#;

/// Listing a user's threads by recent activity reads one range of this index per page, however many
/// threads the user has: each participant row carries its thread's activity, kept by the triggers.
const ACTIVITY_INDEX: &str = r#"
CREATE INDEX IF NOT EXISTS participants_by_activity
    ON participants (raw_id, activity_ms DESC, thread_id DESC);
CREATE TRIGGER IF NOT EXISTS participant_activity_on_join AFTER INSERT ON participants BEGIN
    UPDATE participants SET activity_ms = (SELECT activity_ms FROM threads WHERE id = NEW.thread_id)
    WHERE thread_id = NEW.thread_id AND raw_id = NEW.raw_id;
END;
CREATE TRIGGER IF NOT EXISTS participant_activity_on_change AFTER UPDATE OF activity_ms ON threads BEGIN
    UPDATE participants SET activity_ms = NEW.activity_ms WHERE thread_id = NEW.id;
END;
"#;

/// A database from before the activity index gets its column, filled from the threads.
fn add_activity_index(conn: &Connection) -> Result<(), rusqlite::Error> {
    let has_column = conn
        .prepare("SELECT 1 FROM pragma_table_info('participants') WHERE name = 'activity_ms'")?
        .exists([])?;
    if !has_column {
        conn.execute_batch(
            "ALTER TABLE participants ADD COLUMN activity_ms INTEGER NOT NULL DEFAULT 0;
             UPDATE participants SET activity_ms =
                 (SELECT activity_ms FROM threads WHERE threads.id = participants.thread_id);",
        )?;
    }
    conn.execute_batch(ACTIVITY_INDEX)
}

/// Applies connection settings and creates the schema.
pub fn prepare(
    conn: &Connection,
    file_backed: bool,
    durability: super::Durability,
) -> Result<(), rusqlite::Error> {
    if file_backed {
        // WAL. FULL syncs the log at every commit, so an acknowledged write survives a power cut;
        // NORMAL syncs only at checkpoints: it survives the process being killed.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let synchronous = match durability {
            super::Durability::Full => "FULL",
            super::Durability::Relaxed => "NORMAL",
        };
        conn.pragma_update(None, "synchronous", synchronous)?;
    }
    conn.pragma_update(None, "busy_timeout", 5000)?;
    conn.execute_batch(SCHEMA)?;
    add_activity_index(conn)?;
    let version: Option<String> = meta(conn, "schema_version")?;
    match version.and_then(|v| v.parse::<i64>().ok()) {
        Some(v) if v > SCHEMA_VERSION => {
            return Err(rusqlite::Error::InvalidParameterName(format!(
                "the database was written by a newer acs-interop (schema {v}); this one knows {SCHEMA_VERSION}"
            )));
        }
        Some(_) => {}
        None => set_meta(conn, "schema_version", &SCHEMA_VERSION.to_string())?,
    }
    Ok(())
}

pub fn meta(conn: &Connection, key: &str) -> Result<Option<String>, rusqlite::Error> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
        r.get(0)
    })
    .optional()
}

pub fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<(), rusqlite::Error> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synchronous_after(durability: super::super::Durability) -> i64 {
        let dir = tempfile::tempdir().expect("a temp dir");
        let conn = Connection::open(dir.path().join("db.sqlite3")).expect("open");
        prepare(&conn, true, durability).expect("prepare");
        conn.query_row("PRAGMA synchronous", [], |r| r.get(0))
            .expect("the pragma reads")
    }

    #[test]
    fn a_database_from_before_the_activity_index_is_filled_in() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let conn = Connection::open(dir.path().join("old.sqlite3")).expect("open");
        // The participants table as the first schema made it, with one thread in it.
        let old_schema = SCHEMA.replace("    activity_ms       INTEGER NOT NULL DEFAULT 0,\n", "");
        assert_ne!(old_schema, SCHEMA);
        conn.execute_batch(&old_schema).expect("the old schema");
        conn.execute_batch(
            "INSERT INTO threads (id, topic, created_ms, created_by, activity_ms)
                 VALUES ('19:t', 'old', 1, 'me', 42);
             INSERT INTO participants (thread_id, raw_id, added_ms) VALUES ('19:t', 'me', 1);",
        )
        .expect("old rows");
        prepare(&conn, true, super::super::Durability::Full).expect("prepare migrates");
        let activity: i64 = conn
            .query_row("SELECT activity_ms FROM participants", [], |r| r.get(0))
            .expect("the column");
        assert_eq!(activity, 42, "filled from the thread");
        conn.execute("UPDATE threads SET activity_ms = 50 WHERE id = '19:t'", [])
            .expect("activity moves");
        let activity: i64 = conn
            .query_row("SELECT activity_ms FROM participants", [], |r| r.get(0))
            .expect("the column");
        assert_eq!(activity, 50, "the trigger follows the thread");
    }

    #[test]
    fn full_durability_syncs_every_commit_and_relaxed_only_checkpoints() {
        // SQLite: 2 = FULL (the log is synced at every commit), 1 = NORMAL (at checkpoints).
        assert_eq!(synchronous_after(super::super::Durability::Full), 2);
        assert_eq!(synchronous_after(super::super::Durability::Relaxed), 1);
    }
}
