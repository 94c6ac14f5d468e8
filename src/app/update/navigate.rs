//! Commands that go somewhere: `:open <thread id>`, `:goto <date | time | message id>`, `:forget`.

use super::backend::open_thread;
use super::{fail, notify, seek};
use crate::app::msg::Effect;
use crate::app::seek::SeekTarget;
use crate::app::state::{AppState, Focus};
use crate::backend::Command;
use crate::model::{SafeText, ThreadSummary};

/// Opens a thread by id, listed or not (a thread one was added to a moment ago, or one seen in a log).
pub fn open_by_id(state: &mut AppState, id: Option<&String>) -> Vec<Effect> {
    let Some(id) = id.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()) else {
        fail(
            state,
            ":open needs a thread id.",
            "Write :open 19:…@thread.v2 (Ctrl+K finds a listed thread by topic).",
        );
        return Vec::new();
    };
    if !state.threads.iter().any(|t| t.id == id) {
        state.threads.push(ThreadSummary {
            id: id.clone(),
            topic: SafeText::new(&id),
            last_activity_ms: None,
            deleted: false,
            unread: 0,
            has_teams_users: false,
        });
    }
    state.focus = Focus::Composer;
    open_thread(state, &id)
}

/// Goes to a message by id, or to the first message at or after a date or time.
pub fn goto(state: &mut AppState, arg: &str) -> Vec<Effect> {
    let arg = arg.trim().trim_matches('"').trim();
    if state.open_thread.is_none() {
        fail(state, "No thread is open.", "Open one first.");
        return Vec::new();
    }
    match parse_target(arg, state.now_ms, state.utc_offset_s) {
        Some(target) => {
            state.focus = Focus::Messages;
            seek::start(state, target)
        }
        None => {
            fail(
                state,
                &format!("':goto {arg}' is not a message id, a date or a time."),
                "Write :goto 1764489600000 (a message id), :goto 2026-11-28, :goto \"2026-11-28 14:30\" or :goto 14:30 (today).",
            );
            Vec::new()
        }
    }
}

/// A message id (digits), `YYYY-MM-DD`, `YYYY-MM-DD HH:MM` or `HH:MM` (today), in the user's zone.
pub fn parse_target(arg: &str, now_ms: i64, offset_s: i32) -> Option<SeekTarget> {
    if !arg.is_empty() && arg.chars().all(|c| c.is_ascii_digit()) && arg.len() > 6 {
        return arg.parse().ok().map(SeekTarget::Message);
    }
    let offset = time::UtcOffset::from_whole_seconds(offset_s).ok()?;
    let (date_part, time_part) = match arg.split_once([' ', 'T']) {
        Some((d, t)) => (Some(d), Some(t)),
        None if arg.contains(':') => (None, Some(arg)),
        None => (Some(arg), None),
    };
    let date = match date_part {
        Some(d) => {
            let [y, m, d] = numbers::<3>(d, '-')?;
            let month = time::Month::try_from(u8::try_from(m).ok()?).ok()?;
            time::Date::from_calendar_date(y, month, u8::try_from(d).ok()?).ok()?
        }
        None => {
            let now = time::OffsetDateTime::from_unix_timestamp(now_ms.div_euclid(1000)).ok()?;
            now.to_offset(offset).date()
        }
    };
    let clock = match time_part {
        Some(t) => {
            let [h, m] = numbers::<2>(t, ':')?;
            time::Time::from_hms(u8::try_from(h).ok()?, u8::try_from(m).ok()?, 0).ok()?
        }
        None => time::Time::MIDNIGHT,
    };
    let at = time::PrimitiveDateTime::new(date, clock).assume_offset(offset);
    Some(SeekTarget::Time(
        i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()?,
    ))
}

/// Exactly `N` numbers separated by `sep`.
fn numbers<const N: usize>(text: &str, sep: char) -> Option<[i32; N]> {
    let parts: Vec<i32> = text
        .trim()
        .split(sep)
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    parts.try_into().ok()
}

/// Removes the open (or highlighted) deleted thread from the list, for good.
pub fn forget(state: &mut AppState) -> Vec<Effect> {
    let id = state
        .open_summary()
        .filter(|t| t.deleted)
        .or_else(|| state.threads.get(state.thread_cursor).filter(|t| t.deleted))
        .map(|t| t.id.clone());
    let Some(id) = id else {
        fail(
            state,
            "Only a deleted thread can be forgotten.",
            "Open or highlight a thread marked deleted, then :forget.",
        );
        return Vec::new();
    };
    state.threads.retain(|t| t.id != id);
    state.views.remove(&id);
    if state.open_thread.as_deref() == Some(id.as_str()) {
        state.open_thread = None;
    }
    state.thread_cursor = state
        .thread_cursor
        .min(state.threads.len().saturating_sub(1));
    notify(state, "Removed the deleted thread from the list.");
    vec![Effect::Command(Command::ForgetThread { thread_id: id })]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_in_the_users_zone() {
        assert_eq!(
            parse_target("1764489600000", 0, 0),
            Some(SeekTarget::Message(1_764_489_600_000))
        );
        // 2026-11-28 00:00 at UTC+1 is 2026-11-27 23:00 UTC.
        assert_eq!(
            parse_target("2026-11-28", 0, 3600),
            Some(SeekTarget::Time(1_795_820_400_000))
        );
        assert_eq!(
            parse_target("2026-11-28 14:30", 0, 0),
            Some(SeekTarget::Time(1_795_876_200_000))
        );
        // 09:15 today, when now is 2026-11-28 05:00 UTC.
        assert_eq!(
            parse_target("09:15", 1_795_842_000_000, 0),
            Some(SeekTarget::Time(1_795_857_300_000))
        );
        assert_eq!(parse_target("yesterday", 0, 0), None);
        assert_eq!(parse_target("2026-13-40", 0, 0), None);
    }
}
