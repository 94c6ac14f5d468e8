//! From verified Call Automation events to what the console shows: pure, and every network string made
//! safe here.

use std::collections::HashMap;

use crate::acs::call_events::{CallEventType, CloudEvent};
use crate::acs::calling::{RecordingKind, RecordingState, ResultInformation};
use crate::model::call::{CallEnd, CallMember, CallNews, RecordingOrigin};
use crate::model::{PersonKind, SafeText};

/// What the backend remembers of its call, to read events in context.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallContext {
    /// Display names by raw id (this console's own, the callee's, and what the emulator told).
    pub names: HashMap<String, String>,
    /// This console asked to hang up.
    pub hang_up_requested: bool,
    /// A transfer was accepted: the end that follows is the transfer's.
    pub transferred: bool,
    /// The operation context this console puts on its own requests.
    pub own_context: String,
    /// The recordings running now, by id: the notice says "recording" while any does.
    pub recordings: HashMap<String, RecordingOrigin>,
}

/// A member of the call, named if the name is known.
pub fn member(raw_id: &str, names: &HashMap<String, String>) -> CallMember {
    CallMember {
        name: SafeText::new(names.get(raw_id).map(String::as_str).unwrap_or("")),
        kind: PersonKind::of(raw_id),
        raw_id: raw_id.to_string(),
        muted: false,
        on_hold: false,
    }
}

/// Why a call that never connected ended.
pub fn end_of_failed_create(result: &ResultInformation) -> CallEnd {
    match result.code {
        603 => CallEnd::Declined,
        487 => CallEnd::NoAnswer,
        480 | 404 => CallEnd::Unreachable,
        403 => CallEnd::NotAllowed {
            rule: SafeText::new(result.text()),
        },
        _ => CallEnd::Failed {
            reason: SafeText::new(result.text()),
        },
    }
}

/// What an event means for the console; `None` for events it does not show.
pub fn news_of(
    event: &CloudEvent,
    context: &mut CallContext,
    received_ms: i64,
) -> Option<CallNews> {
    let data = &event.data;
    let at_ms = crate::acs::time::parse_rfc3339_ms(&event.time).unwrap_or(received_ms);
    let result = &data.result_information;
    Some(match event.kind()? {
        CallEventType::CallConnected => CallNews::Connected { at_ms },
        CallEventType::ParticipantsUpdated => CallNews::Roster {
            sequence: data.sequence_number,
            members: data
                .participants
                .iter()
                .flatten()
                .filter_map(|p| {
                    let raw = p.identifier.resolve().ok()?.raw_id().to_string();
                    let mut m = member(&raw, &context.names);
                    m.muted = p.is_muted;
                    m.on_hold = p.is_on_hold;
                    Some(m)
                })
                .collect(),
        },
        CallEventType::CreateCallFailed => CallNews::Ended {
            end: end_of_failed_create(result),
            at_ms,
        },
        CallEventType::CallDisconnected => {
            let end = if context.transferred {
                CallEnd::Transferred
            } else if context.hang_up_requested || result.sub_code == 7000 {
                CallEnd::HungUp
            } else if result.code >= 400 {
                CallEnd::Failed {
                    reason: SafeText::new(result.text()),
                }
            } else {
                CallEnd::RemoteHungUp
            };
            CallNews::Ended { end, at_ms }
        }
        CallEventType::CallTransferAccepted => {
            context.transferred = true;
            let target = data
                .transfer_target
                .as_ref()
                .and_then(|t| t.resolve().ok())
                .map(|t| t.raw_id().to_string())
                .unwrap_or_default();
            let name = context.names.get(&target).cloned().unwrap_or(target);
            CallNews::Note(SafeText::new(&format!("transferred to {name}")))
        }
        CallEventType::CallTransferFailed => CallNews::Note(SafeText::new(&format!(
            "transfer failed: {}",
            result.text()
        ))),
        CallEventType::AddParticipantSucceeded => CallNews::Note(SafeText::new(&format!(
            "{} joined",
            participant_name(event, context)
        ))),
        CallEventType::AddParticipantFailed => CallNews::Note(SafeText::new(&format!(
            "{} was not added: {}",
            participant_name(event, context),
            result.text()
        ))),
        CallEventType::RemoveParticipantSucceeded => CallNews::Note(SafeText::new(&format!(
            "{} left",
            participant_name(event, context)
        ))),
        CallEventType::RecordingStateChanged => {
            let origin = match data.recording_kind {
                Some(RecordingKind::Teams) => RecordingOrigin::Teams,
                Some(RecordingKind::TeamsCompliance) => RecordingOrigin::TeamsCompliance,
                Some(RecordingKind::AzureCommunicationServices) => RecordingOrigin::ThisApp,
                Some(RecordingKind::Unknown) | None => RecordingOrigin::Other,
            };
            // A state this build does not know counts as recording: the notice errs towards showing.
            let active = data.state != Some(RecordingState::Inactive);
            let was = !context.recordings.is_empty();
            let id = data.recording_id.clone().unwrap_or_default();
            if active {
                context.recordings.insert(id, origin);
            } else {
                context.recordings.remove(&id);
            }
            let now = !context.recordings.is_empty();
            if now == was {
                // Another recording still runs (or one more started): nothing changes on screen.
                return None;
            }
            CallNews::Recording {
                active: now,
                origin,
                at_ms,
            }
        }
        CallEventType::TranscriptionStarted | CallEventType::TranscriptionStopped => {
            CallNews::Transcription {
                active: event.kind() == Some(CallEventType::TranscriptionStarted),
                by_this_app: data.operation_context.as_deref()
                    == Some(context.own_context.as_str())
                    && !context.own_context.is_empty(),
                at_ms,
            }
        }
        CallEventType::PlayCompleted => CallNews::Note(SafeText::new("playback finished")),
        CallEventType::PlayFailed
        | CallEventType::TranscriptionFailed
        | CallEventType::HoldFailed => CallNews::Note(SafeText::new(result.text())),
        CallEventType::RemoveParticipantFailed
        | CallEventType::CancelAddParticipantSucceeded
        | CallEventType::CancelAddParticipantFailed
        | CallEventType::PlayStarted
        | CallEventType::PlayCanceled
        | CallEventType::TranscriptionUpdated => return None,
    })
}

fn participant_name(event: &CloudEvent, context: &CallContext) -> String {
    let raw = event
        .data
        .participant
        .as_ref()
        .and_then(|p| p.resolve().ok())
        .map(|p| p.raw_id().to_string())
        .unwrap_or_default();
    context.names.get(&raw).cloned().unwrap_or(raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acs::call_events::CallEventData;
    use crate::acs::calling::CallParticipant;
    use crate::acs::identifier::CommunicationIdentifier;

    fn event(kind: CallEventType, data: CallEventData) -> CloudEvent {
        CloudEvent::for_call("e".into(), kind, data, "2026-11-30T10:00:00.000Z".into())
    }

    fn result(code: i32, sub_code: i32, text: &str) -> CallEventData {
        CallEventData {
            result_information: ResultInformation::new(code, sub_code, text),
            ..Default::default()
        }
    }

    #[test]
    fn failed_creates_say_why_in_words() {
        let mut c = CallContext::default();
        let ended = |code, sub, text: &str, c: &mut CallContext| match news_of(
            &event(CallEventType::CreateCallFailed, result(code, sub, text)),
            c,
            0,
        ) {
            Some(CallNews::Ended { end, .. }) => end,
            other => panic!("{other:?}"),
        };
        assert_eq!(ended(603, 0, "Declined.", &mut c), CallEnd::Declined);
        assert_eq!(ended(487, 10004, "x", &mut c), CallEnd::NoAnswer);
        assert_eq!(ended(480, 10037, "x", &mut c), CallEnd::Unreachable);
        assert_eq!(
            ended(403, 10124, "Permission check \u{1b}[31mfailed.", &mut c).label(),
            "not allowed: Permission check ␛[31mfailed."
        );
    }

    #[test]
    fn a_disconnect_is_ours_theirs_or_a_transfer() {
        let mut c = CallContext::default();
        let end = |c: &mut CallContext, sub| match news_of(
            &event(CallEventType::CallDisconnected, result(200, sub, "x")),
            c,
            0,
        ) {
            Some(CallNews::Ended { end, .. }) => end,
            other => panic!("{other:?}"),
        };
        assert_eq!(end(&mut c, 99003), CallEnd::RemoteHungUp);
        c.hang_up_requested = true;
        assert_eq!(end(&mut c, 0), CallEnd::HungUp);
        c.transferred = true;
        assert_eq!(end(&mut c, 7000), CallEnd::Transferred);
    }

    #[test]
    fn rosters_carry_names_mute_and_hold() {
        let mut c = CallContext::default();
        c.names.insert("8:orgid:m".into(), "Megan".into());
        let teams = CommunicationIdentifier::from_raw_id("8:orgid:m");
        let data = CallEventData {
            sequence_number: Some(3),
            participants: Some(vec![CallParticipant {
                identifier: teams.to_model(),
                is_muted: true,
                is_on_hold: true,
            }]),
            ..Default::default()
        };
        match news_of(&event(CallEventType::ParticipantsUpdated, data), &mut c, 0) {
            Some(CallNews::Roster { sequence, members }) => {
                assert_eq!(sequence, Some(3));
                assert_eq!(members[0].name.as_str(), "Megan");
                assert!(members[0].muted && members[0].on_hold);
                assert_eq!(members[0].kind, PersonKind::Teams);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_notice_stays_while_any_recording_runs() {
        let mut c = CallContext::default();
        let mut recording = |id: &str, state, kind| {
            let data = CallEventData {
                recording_id: Some(id.into()),
                state: Some(state),
                recording_kind: Some(kind),
                ..Default::default()
            };
            news_of(
                &event(CallEventType::RecordingStateChanged, data),
                &mut c,
                0,
            )
        };
        assert!(matches!(
            recording("teams", RecordingState::Active, RecordingKind::Teams),
            Some(CallNews::Recording { active: true, .. })
        ));
        assert_eq!(
            recording(
                "compliance",
                RecordingState::Active,
                RecordingKind::TeamsCompliance
            ),
            None
        );
        assert_eq!(
            recording("teams", RecordingState::Inactive, RecordingKind::Teams),
            None,
            "the compliance recording still runs"
        );
        assert!(matches!(
            recording(
                "compliance",
                RecordingState::Inactive,
                RecordingKind::TeamsCompliance
            ),
            Some(CallNews::Recording { active: false, .. })
        ));
        assert!(matches!(
            recording("x", RecordingState::Unknown, RecordingKind::Unknown),
            Some(CallNews::Recording {
                active: true,
                origin: RecordingOrigin::Other,
                ..
            })
        ));
    }

    #[test]
    fn recording_and_transcription_say_who() {
        let mut c = CallContext {
            own_context: "mine".into(),
            ..Default::default()
        };
        let data = CallEventData {
            state: Some(RecordingState::Active),
            recording_kind: Some(RecordingKind::Teams),
            ..Default::default()
        };
        assert!(matches!(
            news_of(
                &event(CallEventType::RecordingStateChanged, data),
                &mut c,
                0
            ),
            Some(CallNews::Recording {
                active: true,
                origin: RecordingOrigin::Teams,
                ..
            })
        ));
        let data = CallEventData {
            operation_context: Some("mine".into()),
            ..Default::default()
        };
        assert!(matches!(
            news_of(&event(CallEventType::TranscriptionStopped, data), &mut c, 0),
            Some(CallNews::Transcription {
                active: false,
                by_this_app: true,
                ..
            })
        ));
    }
}
