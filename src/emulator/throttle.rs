//! The service's documented per-thread rate limits, applied when the emulator runs with `--throttle`.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::error::ApiError;

/// What is being limited, with its allowance per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// Send, update and delete message: 10 per 10 s per thread.
    MessageWrite,
    /// Typing notifications: 5 per 10 s per user per thread.
    Typing,
    /// Read receipts: 10 per 10 s per user per thread.
    ReadReceipt,
}

impl Limit {
    fn allowance(self) -> usize {
        match self {
            Limit::MessageWrite | Limit::ReadReceipt => 10,
            Limit::Typing => 5,
        }
    }
}

const WINDOW: Duration = Duration::from_secs(10);

#[derive(Default)]
pub struct Throttle {
    windows: Mutex<HashMap<(Limit, String), VecDeque<Instant>>>,
}

impl Throttle {
    /// Counts one use of `limit` for `key`, or answers 429 with the seconds until one is free.
    pub fn check(&self, limit: Limit, key: &str, now: Instant) -> Result<(), ApiError> {
        let Ok(mut windows) = self.windows.lock() else {
            return Ok(());
        };
        let window = windows.entry((limit, key.to_string())).or_default();
        while window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            window.pop_front();
        }
        if window.len() >= limit.allowance() {
            let oldest = window.front().copied().unwrap_or(now);
            let wait = WINDOW.saturating_sub(now.duration_since(oldest));
            return Err(ApiError::too_many_requests(wait.as_secs_f64().ceil() as u64));
        }
        window.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eleventh_write_in_ten_seconds_waits() {
        let t = Throttle::default();
        let start = Instant::now();
        for i in 0..10 {
            t.check(
                Limit::MessageWrite,
                "thread",
                start + Duration::from_millis(i),
            )
            .unwrap();
        }
        let e = t
            .check(
                Limit::MessageWrite,
                "thread",
                start + Duration::from_secs(2),
            )
            .unwrap_err();
        assert_eq!(e.status.as_u16(), 429);
        assert_eq!(e.retry_after, Some(8));
        assert!(t.check(Limit::MessageWrite, "other", start).is_ok());
        assert!(
            t.check(
                Limit::MessageWrite,
                "thread",
                start + Duration::from_secs(11)
            )
            .is_ok()
        );
    }
}
