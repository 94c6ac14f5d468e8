//! The seed's limits and known issues for ACS ↔ Teams interop as data, and one-line explanations of a
//! refused Teams participant for the console's error bar.

use super::rules::Verdict;

/// What a limit applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Area {
    Chat,
    Calls,
    /// Obligations on the application (recording and transcription notices).
    Compliance,
}

/// One limit or known issue from the seed document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limit {
    /// Stable kebab-case id.
    pub id: &'static str,
    pub area: Area,
    /// The seed calls it a known issue (may be fixed later) rather than a limitation.
    pub known_issue: bool,
    /// One line, for a status bar or a help page.
    pub text: &'static str,
}

const fn limit(id: &'static str, area: Area, known_issue: bool, text: &'static str) -> Limit {
    Limit {
        id,
        area,
        known_issue,
        text,
    }
}

pub const ACS_STARTS_CHATS: Limit = limit(
    "acs-starts-chats",
    Area::Chat,
    false,
    "ACS users can only initiate chats; Teams users cannot start one with them",
);
pub const NO_FILES_TO_TEAMS: Limit = limit(
    "no-files-to-teams",
    Area::Chat,
    false,
    "ACS users cannot send images or files to Teams users (they can receive them); links are fine",
);
pub const DELETE_REMOVES_TEAMS_USERS: Limit = limit(
    "delete-removes-teams-users",
    Area::Chat,
    false,
    "deleting the chat removes the Teams users from it and hides its history in Teams",
);
pub const ACS_SHOWN_AS_EXTERNAL: Limit = limit(
    "acs-shown-as-external",
    Area::Chat,
    true,
    "Teams lists ACS users as External, with inconsistent people cards and possibly wrong display names",
);
pub const BLANK_TYPING_NAME: Limit = limit(
    "blank-typing-name",
    Area::Chat,
    true,
    "typing events from Teams users may carry a blank display name",
);
pub const NO_TEAMS_READ_RECEIPTS: Limit = limit(
    "no-teams-read-receipts",
    Area::Chat,
    true,
    "Teams users send no read receipts",
);
pub const NO_TEAMS_EDITS: Limit = limit(
    "no-teams-edits",
    Area::Chat,
    true,
    "Teams users cannot edit their messages in these chats",
);
pub const NO_CHAT_TO_CALL: Limit = limit(
    "no-chat-to-call",
    Area::Chat,
    true,
    "the chat cannot be escalated to a call from the Teams app",
);
pub const TEAMS_ONLY_FOR_CALLS: Limit = limit(
    "teams-only-for-calls",
    Area::Calls,
    false,
    "Teams users must be in TeamsOnly mode; Skype for Business users cannot receive calls from ACS users",
);
pub const ONE_TO_ONE_CALLS: Limit = limit(
    "one-to-one-calls",
    Area::Calls,
    false,
    "calls are 1:1 only; escalation to a group call is not supported",
);
pub const NO_ACS_RECORDING: Limit = limit(
    "no-acs-recording",
    Area::Calls,
    false,
    "ACS call recording is not available for these 1:1 calls",
);
pub const NO_ADVANCED_ROUTING: Limit = limit(
    "no-advanced-routing",
    Area::Calls,
    false,
    "no call forwarding, group call pickup, simultaneous ringing or voicemail",
);
pub const NO_TRANSFER_TO_ACS: Limit = limit(
    "no-transfer-to-acs",
    Area::Calls,
    false,
    "Teams users cannot forward or transfer calls to ACS users",
);
pub const NO_DOTNET_CALLING: Limit = limit(
    "no-dotnet-calling",
    Area::Calls,
    false,
    "the .NET Calling SDK does not support calling Teams users",
);
pub const NO_THIRD_PARTY_DEVICES: Limit = limit(
    "no-third-party-devices",
    Area::Calls,
    false,
    "third-party Teams devices and Skype IP phones are not supported",
);
pub const RECORDING_NOTICE: Limit = limit(
    "recording-notice",
    Area::Compliance,
    false,
    "when recording or transcription starts in a Teams call or meeting, tell the users at once in the UI",
);

/// Every limit and known issue in the seed, chat first.
pub const ACS_TO_TEAMS_LIMITS: &[Limit] = &[
    ACS_STARTS_CHATS,
    NO_FILES_TO_TEAMS,
    DELETE_REMOVES_TEAMS_USERS,
    ACS_SHOWN_AS_EXTERNAL,
    BLANK_TYPING_NAME,
    NO_TEAMS_READ_RECEIPTS,
    NO_TEAMS_EDITS,
    NO_CHAT_TO_CALL,
    TEAMS_ONLY_FOR_CALLS,
    ONE_TO_ONE_CALLS,
    NO_ACS_RECORDING,
    NO_ADVANCED_ROUTING,
    NO_TRANSFER_TO_ACS,
    NO_DOTNET_CALLING,
    NO_THIRD_PARTY_DEVICES,
    RECORDING_NOTICE,
];

/// A limit by its id.
pub fn limit_by_id(id: &str) -> Option<&'static Limit> {
    ACS_TO_TEAMS_LIMITS.iter().find(|l| l.id == id)
}

/// `(what, fix)` for an error bar when a Teams user was refused as a participant; `None` when the verdict
/// lets ACS users chat with them. `what` names the first rule that blocks chat; `fix` is the admin's first
/// PowerShell line.
pub fn explain_refused_participant(verdict: &Verdict) -> Option<(String, String)> {
    if verdict.chat_enabled {
        return None;
    }
    let what = match verdict.reasons.iter().find(|r| r.blocks_chat()) {
        Some(reason) => format!("refused: {reason} (seed table row {})", verdict.table_row),
        None => format!("refused by seed table row {}", verdict.table_row),
    };
    let fix = match verdict.fixes.first() {
        Some(fix) => format!("a Teams admin can run: {}", fix.powershell),
        None => "a Teams admin must enable ACS federation for this user".to_string(),
    };
    Some((what, fix))
}

/// `(what, fix)` for the error bar when a call to a Teams user was refused; `None` when the verdict lets
/// ACS users call them. Like [`explain_refused_participant`], but the TeamsOnly rule counts too.
pub fn explain_refused_call(verdict: &Verdict) -> Option<(String, String)> {
    if verdict.calls_enabled {
        return None;
    }
    let what = match verdict.reasons.first() {
        Some(reason) if reason.blocks_chat() => {
            format!("refused: {reason} (seed table row {})", verdict.table_row)
        }
        Some(reason) => format!("refused: {reason}"),
        None => format!("refused by seed table row {}", verdict.table_row),
    };
    let fix = match verdict.fixes.first() {
        Some(fix) => format!("a Teams admin can run: {}", fix.powershell),
        None => "a Teams admin must enable ACS federation for this user".to_string(),
    };
    Some((what, fix))
}

/// `(what, fix)` for an `invalidParticipants` entry when only its code is known (no tenant facts), e.g.
/// against the real service. `who` names the participant.
pub fn explain_refusal_code(code: &str, who: &str) -> (String, String) {
    match code {
        "403" => (
            format!("{who} was refused: their Teams tenant does not allow chat with this ACS resource"),
            "a Teams admin must turn on ACS federation for this resource and allow it in the user's \
             External Access Policy (run `acs-interop doctor` on their exports for the exact commands)"
                .to_string(),
        ),
        "404" => (
            format!("{who} was refused: no such Teams user"),
            "check the Entra object id (or UPN, in the emulator)".to_string(),
        ),
        other => (format!("{who} was refused (code {other})"), "see the service's message for details".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interop::model::{
        CoexistenceMode, ExternalAccessPolicy, FederationConfiguration, TeamsUser,
    };
    use crate::interop::rules::evaluate;

    fn verdict(granted: Option<&str>) -> Verdict {
        let config = FederationConfiguration {
            enable_acs_users: true,
            allowed_acs_resources: vec!["r".into()],
        };
        let policies = [
            ExternalAccessPolicy {
                identity: "Global".into(),
                enable_acs_federation_access: true,
            },
            ExternalAccessPolicy {
                identity: "Tag:NoAcs".into(),
                enable_acs_federation_access: false,
            },
        ];
        let user = TeamsUser {
            object_id: "oid".into(),
            user_principal_name: "megan@contoso.com".into(),
            display_name: String::new(),
            external_access_policy: granted.map(String::from),
            teams_upgrade_effective_mode: CoexistenceMode::TeamsOnly,
        };
        evaluate(&config, &policies, &user, "r")
    }

    #[test]
    fn a_refused_participant_is_explained_in_one_line_each() {
        let (what, fix) = explain_refused_participant(&verdict(Some("NoAcs"))).unwrap();
        assert_eq!(
            what,
            "refused: the policy Tag:NoAcs granted to megan@contoso.com has EnableAcsFederationAccess False (seed table row 4)"
        );
        assert_eq!(
            fix,
            "a Teams admin can run: Grant-CsExternalAccessPolicy -Identity megan@contoso.com -PolicyName $null"
        );
        assert!(!what.contains('\n') && !fix.contains('\n'));
        assert_eq!(explain_refused_participant(&verdict(None)), None);
    }

    #[test]
    fn a_refused_call_names_the_teams_only_rule_too() {
        let mut v = verdict(None);
        assert_eq!(explain_refused_call(&v), None);
        let user = TeamsUser {
            object_id: "oid".into(),
            user_principal_name: "lee@contoso.com".into(),
            display_name: String::new(),
            external_access_policy: None,
            teams_upgrade_effective_mode: CoexistenceMode::parse("Islands"),
        };
        let config = FederationConfiguration {
            enable_acs_users: true,
            allowed_acs_resources: vec!["r".into()],
        };
        let policies = [ExternalAccessPolicy {
            identity: "Global".into(),
            enable_acs_federation_access: true,
        }];
        v = evaluate(&config, &policies, &user, "r");
        let (what, fix) = explain_refused_call(&v).unwrap();
        assert!(what.contains("TeamsOnly"), "{what}");
        assert!(fix.contains("Grant-CsTeamsUpgradePolicy"), "{fix}");
        assert_eq!(explain_refused_participant(&v), None);
    }

    #[test]
    fn refusal_codes_without_facts_are_explained() {
        assert!(
            explain_refusal_code("403", "megan")
                .0
                .contains("does not allow chat")
        );
        assert!(
            explain_refusal_code("404", "megan")
                .0
                .contains("no such Teams user")
        );
        assert!(explain_refusal_code("500", "megan").0.contains("code 500"));
    }

    #[test]
    fn limits_have_unique_ids_and_cover_the_seed() {
        let mut ids: Vec<_> = ACS_TO_TEAMS_LIMITS.iter().map(|l| l.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), ACS_TO_TEAMS_LIMITS.len());
        assert_eq!(
            limit_by_id("teams-only-for-calls"),
            Some(&TEAMS_ONLY_FOR_CALLS)
        );
        assert_eq!(
            ACS_TO_TEAMS_LIMITS
                .iter()
                .filter(|l| l.area == Area::Chat)
                .count(),
            8
        );
    }
}
