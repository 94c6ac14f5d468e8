//! The per-user event log behind the realtime socket: every event a user should see, numbered.

use rusqlite::params;
use std::sync::Arc;

use super::{Db, PendingEvent};
use crate::acs::events::{ChatEvent, RealtimeFrame};
use crate::emulator::error::ApiError;

/// An event as kept for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub seq: u64,
    pub frame: Arc<str>,
}

/// How many events each user keeps for reconnecting clients.
const KEEP_PER_USER: i64 = 10_000;
/// Every this many events of a user, those beyond [`KEEP_PER_USER`] are dropped as the event is logged.
const TRIM_EVERY: i64 = 500;

impl Db {
    /// Records `event` for `user` with that user's next sequence number; it is published on commit.
    pub fn emit(&mut self, user: &str, event: ChatEvent, now_ms: i64) -> Result<(), ApiError> {
        let seq: i64 = self
            .conn
            .prepare_cached(
                "INSERT INTO user_event_seq (user_id, seq) VALUES (?1, 1)
                 ON CONFLICT(user_id) DO UPDATE SET seq = seq + 1 RETURNING seq",
            )?
            .query_row(params![user], |r| r.get(0))?;
        let frame = RealtimeFrame::Event {
            seq: seq as u64,
            event,
        };
        let text = serde_json::to_string(&frame)
            .map_err(|e| ApiError::internal(format!("cannot encode an event: {e}")))?;
        self.conn
            .prepare_cached(
                "INSERT INTO events (user_id, seq, frame, created_ms) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![user, seq, text, now_ms])?;
        if seq % TRIM_EVERY == 0 {
            // The log stays bounded however busy a user is, not only at the periodic prune.
            self.conn
                .prepare_cached("DELETE FROM events WHERE user_id = ?1 AND seq <= ?2")?
                .execute(params![user, seq - KEEP_PER_USER])?;
        }
        self.pending.push(PendingEvent {
            user: user.to_string(),
            seq: seq as u64,
            frame: Arc::from(text),
        });
        Ok(())
    }

    /// The newest sequence number issued to `user` (0 when none).
    pub fn last_event_seq(&self, user: &str) -> Result<u64, ApiError> {
        let seq: Option<i64> = self
            .conn
            .prepare_cached("SELECT seq FROM user_event_seq WHERE user_id = ?1")?
            .query_row(params![user], |r| r.get(0))
            .ok();
        Ok(seq.unwrap_or(0) as u64)
    }

    /// The oldest sequence number still kept for `user`, if any.
    pub fn oldest_event_seq(&self, user: &str) -> Result<Option<u64>, ApiError> {
        let oldest: Option<i64> = self
            .conn
            .prepare_cached("SELECT MIN(seq) FROM events WHERE user_id = ?1")?
            .query_row(params![user], |r| r.get(0))?;
        Ok(oldest.map(|s| s as u64))
    }

    /// Events after `since`, oldest first, at most `limit`; and the oldest sequence still kept.
    pub fn events_since(
        &self,
        user: &str,
        since: u64,
        limit: usize,
    ) -> Result<(Vec<StoredEvent>, Option<u64>), ApiError> {
        let oldest = self.oldest_event_seq(user)?;
        // Sequence numbers are stored as i64: a `since` beyond that has nothing after it, and must
        // not wrap to a negative number that has everything after it.
        let since = i64::try_from(since).unwrap_or(i64::MAX);
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, frame FROM events WHERE user_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![user, since, limit as i64], |r| {
            Ok(StoredEvent {
                seq: r.get::<_, i64>(0)? as u64,
                frame: Arc::from(r.get::<_, String>(1)?),
            })
        })?;
        let events = rows.collect::<Result<Vec<_>, _>>()?;
        Ok((events, oldest))
    }

    /// Drops events older than `before_ms`, and beyond the newest [`KEEP_PER_USER`] of each user.
    pub fn prune_events(&mut self, before_ms: i64) -> Result<usize, ApiError> {
        let mut removed = self.conn.execute(
            "DELETE FROM events WHERE created_ms < ?1",
            params![before_ms],
        )?;
        removed += self.conn.execute(
            "DELETE FROM events WHERE (user_id, seq) IN (
                 SELECT e.user_id, e.seq FROM events e JOIN user_event_seq u ON u.user_id = e.user_id
                 WHERE e.seq <= u.seq - ?1)",
            params![KEEP_PER_USER],
        )?;
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acs::events::TypingIndicatorEvent;
    use crate::acs::identifier::CommunicationIdentifier;
    use crate::emulator::store::{Durability, PendingCallback, Publisher, Store};

    struct Nowhere;

    impl Publisher for Nowhere {
        fn publish_frames(&self, _: &str, _: Vec<(u64, Arc<str>)>) {}
        fn publish_callback(&self, _: PendingCallback) {}
    }

    fn typing(user: &str) -> ChatEvent {
        let who = CommunicationIdentifier::from_raw_id(user).to_model();
        ChatEvent::TypingIndicatorReceived(TypingIndicatorEvent {
            thread_id: "19:t@thread.v2".into(),
            sender: who.clone(),
            sender_display_name: "Ana".into(),
            recipient: who,
            version: "1".into(),
            received_on: "2026-11-30T10:00:00Z".into(),
        })
    }

    #[tokio::test]
    async fn a_busy_users_log_stays_bounded_between_prunes() {
        let store = Store::open(None, Arc::new(Nowhere), Durability::Relaxed).expect("a store");
        let user = "8:acs:busy";
        let total = KEEP_PER_USER + 3 * TRIM_EVERY + 7;
        let (kept, oldest, newest) = store
            .run(move |db| {
                for _ in 0..total {
                    db.emit(user, typing(user), 1)?;
                }
                let kept: i64 = db.conn.query_row(
                    "SELECT COUNT(*) FROM events WHERE user_id = ?1",
                    params![user],
                    |r| r.get(0),
                )?;
                let (_, oldest) = db.events_since(user, 0, 1)?;
                Ok((kept, oldest, db.last_event_seq(user)?))
            })
            .await
            .expect("the events are logged");
        assert_eq!(newest, total as u64);
        assert!(
            kept <= KEEP_PER_USER + TRIM_EVERY,
            "{kept} events kept for one user"
        );
        // The newest KEEP_PER_USER are always there for a client that reconnects.
        assert!(oldest.is_some_and(|o| o <= (total - KEEP_PER_USER + 1) as u64));
    }
}
