//! Whose identity the console uses, whether it may leave a trace as it, and raw ids shortened to the
//! part that tells one user from another.

use super::SafeText;
use crate::acs::identifier::CommunicationIdentifier;

/// Whose identity the console uses, and whether it writes as it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdentityMode {
    /// The console's own identity: it reads and writes as itself.
    #[default]
    Own,
    /// Someone else's identity (`--user-id`), looked at without leaving a trace: no read receipts, no
    /// typing notifications, and every write asks first.
    Observing,
    /// Someone else's identity, written as (`--act`, or after confirming a write while observing).
    Acting,
}

impl IdentityMode {
    /// The mode a console starts in: its own identity without `--user-id`; observing with it, unless
    /// `--act` says to act as that user from the start.
    pub fn at_start(other_user: bool, act: bool) -> IdentityMode {
        match (other_user, act) {
            (false, _) => IdentityMode::Own,
            (true, false) => IdentityMode::Observing,
            (true, true) => IdentityMode::Acting,
        }
    }

    pub fn is_observing(self) -> bool {
        self == IdentityMode::Observing
    }

    /// Whether the identity is someone else's (observed or acted as).
    pub fn is_other(self) -> bool {
        self != IdentityMode::Own
    }

    /// The mode in a few words, with the identity shortened: "observing …1a2b3c4d".
    pub fn label(self, raw_id: &str) -> String {
        match self {
            IdentityMode::Own => "own identity".to_string(),
            IdentityMode::Observing => format!("observing {}", short_id(raw_id)),
            IdentityMode::Acting => format!("acting as {}", short_id(raw_id)),
        }
    }
}

/// How many characters of a user's own part a short id keeps.
const USER_TAIL: usize = 8;
/// How many characters of an id of unknown shape a short id keeps.
const UNKNOWN_TAIL: usize = 12;

/// The last `n` characters of `text`.
fn last_chars(text: &str, n: usize) -> &str {
    if n == 0 {
        return "";
    }
    match text.char_indices().rev().nth(n - 1) {
        Some((i, _)) => &text[i..],
        None => text,
    }
}

/// `…` and the last `n` characters of `part`, or `…` and all of it when it is shorter.
fn tail(part: &str, n: usize) -> String {
    format!("…{}", last_chars(part, n))
}

/// A raw id shortened to what tells it apart, never to the prefix every id of a resource shares:
/// `8:acs:<resource>_<user>` → `…` and the last 8 characters of the user part; a Teams user or app
/// (`8:orgid:<guid>`, `28:orgid:<guid>`) → `…` and the last 8 of the guid; a phone number stays whole;
/// an id of unknown shape → `…` and its last 12 characters (or the whole id when it is short). Raw ids
/// come from the network, so the result is sanitised.
pub fn short_id(raw_id: &str) -> SafeText {
    SafeText::new(&shorten(raw_id))
}

fn shorten(raw_id: &str) -> String {
    match CommunicationIdentifier::from_raw_id(raw_id) {
        CommunicationIdentifier::CommunicationUser { id } => {
            // `<prefix>:<resource>_<user>`: the user part follows the last `_` (or the last `:` for ids
            // without a resource, such as `8:spool:<id>`).
            let suffix = id.rsplit(':').next().unwrap_or(&id);
            let user = suffix.rsplit('_').next().unwrap_or(suffix);
            tail(user, USER_TAIL)
        }
        CommunicationIdentifier::TeamsExtensionUser { user_id, .. }
        | CommunicationIdentifier::MicrosoftTeamsUser { user_id, .. } => tail(&user_id, USER_TAIL),
        CommunicationIdentifier::MicrosoftTeamsApp { app_id, .. } => tail(&app_id, USER_TAIL),
        CommunicationIdentifier::PhoneNumber {
            value,
            is_anonymous,
            ..
        } => {
            if is_anonymous {
                "anonymous".to_string()
            } else {
                value
            }
        }
        CommunicationIdentifier::Unknown { id } => {
            if id.chars().count() <= UNKNOWN_TAIL {
                id
            } else {
                tail(&id, UNKNOWN_TAIL)
            }
        }
    }
}

/// The short id after its kind (`8:acs:…1a2b3c4d`, `8:orgid:…5e6f7a8b`), for questions that must
/// name the identity unmistakably; phone numbers and unknown shapes as [`short_id`] gives them.
pub fn tagged_short_id(raw_id: &str) -> SafeText {
    let short = shorten(raw_id);
    let mut parts = raw_id.splitn(3, ':');
    SafeText::new(&match (parts.next(), parts.next(), parts.next()) {
        (Some(a), Some(b), Some(_)) if short.starts_with('…') && !a.is_empty() && !b.is_empty() =>
        {
            format!("{a}:{b}:{short}")
        }
        _ => short,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short_id(raw_id: &str) -> String {
        super::short_id(raw_id).to_string()
    }

    fn tagged_short_id(raw_id: &str) -> String {
        super::tagged_short_id(raw_id).to_string()
    }

    const RESOURCE: &str = "2d4c6e8a-0000-4000-8000-1234567890ab";

    #[test]
    fn acs_users_of_one_resource_are_told_apart_by_their_user_part() {
        let a = format!("8:acs:{RESOURCE}_6f1c0d2e-7a1b-4c3d-9e8f-00001a2b3c4d");
        let b = format!("8:acs:{RESOURCE}_6f1c0d2e-7a1b-4c3d-9e8f-00005e6f7a8b");
        assert_eq!(short_id(&a), "…1a2b3c4d");
        assert_eq!(short_id(&b), "…5e6f7a8b");
        assert!(!short_id(&a).contains(&RESOURCE[..8]), "no shared prefix");
        assert_eq!(
            short_id("8:gcch-acs:res_0000000c-aaaa-bbbb-cccc-0123456789ab"),
            "…456789ab"
        );
        assert_eq!(
            short_id("8:acs:res_me"),
            "…me",
            "short user parts stay whole"
        );
        assert_eq!(short_id("8:spool:abcdef0123456789"), "…23456789");
    }

    #[test]
    fn teams_users_and_apps_keep_the_end_of_their_guid() {
        assert_eq!(
            short_id("8:orgid:3f2a1b0c-1111-2222-3333-44445e6f7a8b"),
            "…5e6f7a8b"
        );
        assert_eq!(
            short_id("8:teamsvisitor:3f2a1b0c-1111-2222-3333-444400000001"),
            "…00000001"
        );
        assert_eq!(
            short_id("28:orgid:00000000-1111-2222-3333-4444deadbeef"),
            "…deadbeef"
        );
        // A Teams extension user: resource, tenant, then the user.
        assert_eq!(
            short_id(&format!(
                "8:acs:{RESOURCE}_tenant-guid_aaaabbbb-0000-9999cafef00d"
            )),
            "…cafef00d"
        );
    }

    #[test]
    fn phone_numbers_stay_whole_and_unknown_shapes_keep_their_last_twelve() {
        assert_eq!(short_id("4:+15551234567"), "+15551234567");
        assert_eq!(short_id("4:anonymous"), "anonymous");
        assert_eq!(
            short_id("something:else:entirely-different-0123"),
            "…fferent-0123"
        );
        assert_eq!(short_id("odd-id"), "odd-id");
        assert_eq!(short_id(""), "");
    }

    #[test]
    fn ids_from_the_network_never_split_a_character_nor_reach_the_terminal_raw() {
        assert_eq!(short_id("8:acs:res_ééééééééé"), "…éééééééé");
        assert!(!short_id("8:acs:res_abc\u{1b}[2Jdef").contains('\u{1b}'));
        assert_eq!(
            short_id("x:y:😀😀😀😀😀😀😀😀😀😀😀😀😀"),
            "…😀😀😀😀😀😀😀😀😀😀😀😀"
        );
    }

    #[test]
    fn a_tagged_short_id_names_the_kind() {
        assert_eq!(
            tagged_short_id(&format!("8:acs:{RESOURCE}_0000-00001a2b3c4d")),
            "8:acs:…1a2b3c4d"
        );
        assert_eq!(
            tagged_short_id("8:orgid:aaaa-5e6f7a8b"),
            "8:orgid:…5e6f7a8b"
        );
        assert_eq!(tagged_short_id("4:+15551234567"), "+15551234567");
    }

    #[test]
    fn the_mode_follows_the_flags() {
        assert_eq!(IdentityMode::at_start(false, false), IdentityMode::Own);
        assert_eq!(IdentityMode::at_start(true, false), IdentityMode::Observing);
        assert_eq!(IdentityMode::at_start(true, true), IdentityMode::Acting);
        let id = "8:acs:res_0000-00001a2b3c4d";
        assert_eq!(IdentityMode::Observing.label(id), "observing …1a2b3c4d");
        assert_eq!(IdentityMode::Acting.label(id), "acting as …1a2b3c4d");
    }
}
