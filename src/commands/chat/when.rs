//! Times in (`--since`) and out (the tables' columns).

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::acs::time::parse_rfc3339_ms;

/// `--since`: an instant, or a day that starts at midnight in the zone the output uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Since {
    At(OffsetDateTime),
    Day(Date),
}

impl Since {
    /// RFC 3339 (`2026-11-28T09:00:00Z`, any offset) or a date (`2026-11-28`).
    pub fn parse(text: &str) -> Result<Since, String> {
        let text = text.trim();
        if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
            return Ok(Since::At(at));
        }
        parse_day(text).map(Since::Day).ok_or_else(|| {
            format!(
                "'{}' is neither an RFC 3339 time (2026-11-28T09:00:00Z) nor a date (2026-11-28)",
                crate::text::sanitize_line(text)
            )
        })
    }

    /// The instant: a day's midnight at `offset_s` seconds east of UTC.
    pub fn resolve(&self, offset_s: i32) -> OffsetDateTime {
        match self {
            Since::At(at) => *at,
            Since::Day(day) => {
                let offset = UtcOffset::from_whole_seconds(offset_s).unwrap_or(UtcOffset::UTC);
                day.midnight().assume_offset(offset)
            }
        }
    }
}

/// `YYYY-MM-DD`.
fn parse_day(text: &str) -> Option<Date> {
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

/// `2026-11-28 09:00:05` at `offset_s` (`Z` appended for UTC); `-` when there is no time, and the
/// text as given (made safe) when it is not RFC 3339.
pub fn show(time: Option<&str>, offset_s: i32, utc: bool) -> String {
    let Some(text) = time else {
        return "-".into();
    };
    match parse_rfc3339_ms(text) {
        Some(ms) => show_ms(ms, offset_s, utc),
        None => crate::text::sanitize_line(text).into_owned(),
    }
}

/// Epoch milliseconds as in [`show`].
pub fn show_ms(ms: i64, offset_s: i32, utc: bool) -> String {
    let offset = if utc {
        UtcOffset::UTC
    } else {
        UtcOffset::from_whole_seconds(offset_s).unwrap_or(UtcOffset::UTC)
    };
    let Ok(t) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) else {
        return "-".into();
    };
    let t = t.to_offset(offset);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}{}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        if utc { "Z" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_rfc3339_or_a_day_from_midnight_in_the_output_zone() {
        let at = Since::parse("2026-11-28T09:00:00+01:00").expect("rfc 3339");
        assert_eq!(at.resolve(0).unix_timestamp(), 1_795_852_800);
        let day = Since::parse("2026-11-28").expect("a date");
        assert_eq!(day.resolve(0).unix_timestamp(), 1_795_824_000);
        assert_eq!(day.resolve(3600).unix_timestamp(), 1_795_824_000 - 3600);
        assert!(Since::parse("yesterday").is_err());
        assert!(Since::parse("2026-13-01").is_err());
    }

    #[test]
    fn times_show_in_the_local_zone_or_utc() {
        let text = Some("2026-11-28T09:00:05.250Z");
        assert_eq!(show(text, 3600, false), "2026-11-28 10:00:05");
        assert_eq!(show(text, 3600, true), "2026-11-28 09:00:05Z");
        assert_eq!(show(None, 0, false), "-");
        assert_eq!(show(Some("soon\u{1b}[2J"), 0, false), "soon\u{241b}[2J");
    }
}
