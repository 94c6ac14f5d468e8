//! Result codes of call events: the service's where they are documented, and the emulator's own (a
//! `99xxx` subcode, labelled as the emulator's in the message) where the service's code is not known.

use crate::acs::calling::ResultInformation;
use crate::interop::Reason;

/// Subcodes the emulator makes up because the service's are not documented. Each message says so.
pub mod emulator_subcode {
    /// The Teams callee is not in TeamsOnly mode.
    pub const NOT_TEAMS_ONLY: i32 = 99001;
    /// A third party for a call with a Teams user: escalation to a group call.
    pub const ESCALATION: i32 = 99002;
    /// The other side ended the call.
    pub const REMOTE_HANG_UP: i32 = 99003;
    /// The emulator restarted while the call was live.
    pub const RESTARTED: i32 = 99009;
}

pub fn success(text: &str) -> ResultInformation {
    ResultInformation::new(200, 0, text)
}

/// The app hung up or terminated (recorded from the service).
pub fn ended_by_app() -> ResultInformation {
    ResultInformation::new(200, 7000, "The conversation has ended.")
}

/// The callee declined (documented call-end code 603/0).
pub fn declined(name: &str) -> ResultInformation {
    ResultInformation::new(603, 0, &format!("Call declined by {name}."))
}

/// Nobody answered before the ring timeout (documented 487/10004).
pub fn no_answer(name: &str) -> ResultInformation {
    ResultInformation::new(
        487,
        10004,
        &format!("Call canceled: {name} did not answer before the ring timeout."),
    )
}

/// The callee has no endpoint that can take the call (documented 480/10037).
pub fn unreachable(who: &str, why: &str) -> ResultInformation {
    ResultInformation::new(
        480,
        10037,
        &format!("Call failed: the callee {who} could not be reached ({why})."),
    )
}

/// A Teams user (or the tenant) does not allow this ACS resource (403/10124, as the Calling SDK reports
/// it); the message names the rule.
pub fn permission_denied(reason: &Reason, table_row: u8) -> ResultInformation {
    ResultInformation::new(
        403,
        10124,
        &format!(
            "Permission check for callee to interact with caller is not allowed: {reason} (interop rule, seed table row {table_row})."
        ),
    )
}

/// The tenant does not allow this ACS resource at all (for Teams apps, which have no user policy).
pub fn tenant_denied(reason: &Reason) -> ResultInformation {
    ResultInformation::new(
        403,
        10124,
        &format!(
            "Permission check for callee to interact with caller is not allowed: {reason} (interop rule)."
        ),
    )
}

pub fn not_teams_only(upn: &str, mode: &str) -> ResultInformation {
    ResultInformation::new(
        403,
        emulator_subcode::NOT_TEAMS_ONLY,
        &format!(
            "{upn} is in {mode} mode; ACS users can call only Teams users in TeamsOnly mode (Skype for Business users cannot receive these calls). Emulator subcode: the service's code is not documented."
        ),
    )
}

pub fn escalation(who: &str) -> ResultInformation {
    ResultInformation::new(
        403,
        emulator_subcode::ESCALATION,
        &format!(
            "Cannot add {who}: calls between ACS users and Teams users are 1:1 only; escalation to a group call isn't supported. Emulator subcode: the service's code is not documented."
        ),
    )
}

pub fn remote_hang_up(name: &str) -> ResultInformation {
    ResultInformation::new(
        200,
        emulator_subcode::REMOTE_HANG_UP,
        &format!("{name} ended the call. Emulator subcode: the service's code is not documented."),
    )
}

pub fn restarted() -> ResultInformation {
    ResultInformation::new(
        500,
        emulator_subcode::RESTARTED,
        "The emulator restarted; calls that were live when it stopped are ended. Emulator subcode.",
    )
}

/// Removed from the call by the application (documented 5300 for removals).
pub fn removed() -> ResultInformation {
    ResultInformation::new(200, 5300, "The participant was removed from the call.")
}

/// A pending invitation was canceled (recorded from the service: 200/5300).
pub fn invitation_canceled() -> ResultInformation {
    ResultInformation::new(200, 5300, "The invitation was canceled.")
}

/// Media ended because the call ended or the application canceled it.
pub fn media_canceled() -> ResultInformation {
    ResultInformation::new(400, 8508, "Action failed, the operation was canceled.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_emulators_own_codes_say_so() {
        for r in [
            not_teams_only("lee@contoso.example", "Islands"),
            escalation("8:acs:x"),
            remote_hang_up("Megan"),
            restarted(),
        ] {
            assert!(r.sub_code >= 99000, "{r:?}");
            assert!(r.message.to_lowercase().contains("emulator"), "{r:?}");
        }
        assert!(
            escalation("x")
                .message
                .contains("escalation to a group call isn't supported")
        );
        assert!(
            not_teams_only("lee", "Islands")
                .message
                .contains("TeamsOnly")
        );
    }
}
