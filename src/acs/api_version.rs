//! The `api-version` query parameter: which versions each surface accepts.

/// The API surfaces the emulator serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Chat,
    Identity,
    Calling,
}

pub const CHAT_VERSIONS: &[&str] = &[
    "2021-03-07",
    "2021-09-07",
    "2023-11-07",
    "2024-03-07",
    "2025-03-15",
];
pub const IDENTITY_VERSIONS: &[&str] = &[
    "2021-03-07",
    "2022-06-01",
    "2022-09-01",
    "2022-10-01",
    "2023-08-01",
    "2023-10-01",
    "2025-06-30",
    "2026-07-22",
    "2026-09-23",
];
pub const CALLING_VERSIONS: &[&str] = &[
    "2023-03-06",
    "2023-10-15",
    "2024-04-15",
    "2024-09-15",
    "2025-05-15",
    "2025-06-15",
    "2026-03-12",
];

/// How a given `api-version` value stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionCheck {
    Known,
    /// A well-formed date (optionally `-preview`) that this build does not know.
    UnknownDate,
    Malformed,
}

pub fn known_versions(surface: Surface) -> &'static [&'static str] {
    match surface {
        Surface::Chat => CHAT_VERSIONS,
        Surface::Identity => IDENTITY_VERSIONS,
        Surface::Calling => CALLING_VERSIONS,
    }
}

/// Every version listed is a GA date; a `-preview` of one of them is a different version, which
/// this build does not know.
pub fn check(surface: Surface, version: &str) -> VersionCheck {
    let (date, preview) = match version.strip_suffix("-preview") {
        Some(date) => (date, true),
        None => (version, false),
    };
    if !is_date(date) {
        return VersionCheck::Malformed;
    }
    if !preview && known_versions(surface).contains(&date) {
        VersionCheck::Known
    } else {
        VersionCheck::UnknownDate
    }
}

/// `YYYY-MM-DD` naming a day that exists (no month 13, no 30 February).
fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return false;
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<u16>().ok();
    let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else {
        return false;
    };
    let Ok(month) = time::Month::try_from(u8::try_from(month).unwrap_or(0)) else {
        return false;
    };
    u8::try_from(day)
        .is_ok_and(|day| time::Date::from_calendar_date(i32::from(year), month, day).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_versions() {
        assert_eq!(check(Surface::Chat, "2024-03-07"), VersionCheck::Known);
        assert_eq!(
            check(Surface::Chat, "2024-03-07-preview"),
            VersionCheck::UnknownDate,
            "a preview of a GA date is another version"
        );
        assert_eq!(check(Surface::Chat, "1999-13-45"), VersionCheck::Malformed);
        assert_eq!(check(Surface::Chat, "2025-02-30"), VersionCheck::Malformed);
        assert_eq!(
            check(Surface::Chat, "2024-02-29"),
            VersionCheck::UnknownDate
        );
        assert_eq!(
            check(Surface::Chat, "2030-01-01"),
            VersionCheck::UnknownDate
        );
        assert_eq!(check(Surface::Identity, "latest"), VersionCheck::Malformed);
    }
}
