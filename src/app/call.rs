//! The console's call as the call bar shows it.

use crate::model::SafeText;
use crate::model::call::{CallConnectionId, CallEnd, CallMember};

/// How long an ended call stays on the call bar.
pub const ENDED_SHOWN_MS: i64 = 15_000;

/// Where the call is.
#[derive(Debug, Clone, PartialEq)]
pub enum CallPhase {
    /// Asked for; the service has not answered yet.
    Placing,
    /// The service took it; the other side rings.
    Ringing,
    Connected {
        since_ms: i64,
    },
    Ended {
        end: CallEnd,
        at_ms: i64,
    },
}

/// The call and what is known of it.
#[derive(Debug, Clone, PartialEq)]
pub struct CallView {
    pub call_id: Option<CallConnectionId>,
    /// The thread it was placed from, where its notices go.
    pub thread_id: Option<String>,
    pub target: CallMember,
    pub phase: CallPhase,
    /// Who is in the call, from the newest ParticipantsUpdated.
    pub roster: Vec<CallMember>,
    /// The sequence number of that ParticipantsUpdated, when it had one.
    pub roster_sequence: Option<i32>,
    /// The latest thing worth saying (a play finished, a greeting, a refusal).
    pub note: Option<SafeText>,
}

impl CallView {
    pub fn is_live(&self) -> bool {
        !matches!(self.phase, CallPhase::Ended { .. })
    }

    /// Someone in the call has put it on hold.
    pub fn on_hold(&self) -> bool {
        self.roster.iter().any(|m| m.on_hold)
    }

    /// The state in words: "ringing", "connected 01:23", "on hold", "ended: declined".
    pub fn state_text(&self, now_ms: i64) -> String {
        match &self.phase {
            CallPhase::Placing => "calling…".to_string(),
            CallPhase::Ringing => "ringing…".to_string(),
            CallPhase::Connected { .. } if self.on_hold() => "on hold".to_string(),
            CallPhase::Connected { since_ms } => {
                let secs = (now_ms - since_ms).max(0) / 1000;
                format!("connected {:02}:{:02}", secs / 60, secs % 60)
            }
            CallPhase::Ended { end, .. } => format!("ended: {}", end.label()),
        }
    }

    /// The name to show for someone in the call (their short id when the call gave no name).
    pub fn name_of<'a>(
        &'a self,
        member: &'a CallMember,
        me: Option<&str>,
    ) -> std::borrow::Cow<'a, str> {
        if Some(member.raw_id.as_str()) == me {
            return "you".into();
        }
        if !member.name.is_empty() {
            return member.name.as_str().into();
        }
        if member.raw_id == self.target.raw_id && !self.target.name.is_empty() {
            return self.target.name.as_str().into();
        }
        crate::model::short_id(&member.raw_id).to_string().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PersonKind;

    fn member(raw: &str, name: &str) -> CallMember {
        CallMember {
            raw_id: raw.into(),
            name: SafeText::new(name),
            kind: PersonKind::of(raw),
            muted: false,
            on_hold: false,
        }
    }

    #[test]
    fn the_state_reads_in_words() {
        let mut call = CallView {
            call_id: None,
            thread_id: None,
            target: member("8:orgid:m", "Megan"),
            phase: CallPhase::Ringing,
            roster: vec![],
            roster_sequence: None,
            note: None,
        };
        assert_eq!(call.state_text(0), "ringing…");
        call.phase = CallPhase::Connected { since_ms: 1_000 };
        assert_eq!(call.state_text(84_000), "connected 01:23");
        call.roster = vec![CallMember {
            on_hold: true,
            ..member("8:orgid:m", "")
        }];
        assert_eq!(call.state_text(84_000), "on hold");
        assert_eq!(call.name_of(&call.roster[0], None), "Megan");
        call.phase = CallPhase::Ended {
            end: CallEnd::Declined,
            at_ms: 0,
        };
        assert_eq!(call.state_text(0), "ended: declined");
        assert!(!call.is_live());
    }
}
