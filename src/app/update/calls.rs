//! The call: what the backend learns about it, the call commands, and the recording notice.

use super::{fail, notify};
use crate::app::call::{CallPhase, CallView, ENDED_SHOWN_MS};
use crate::app::msg::Effect;
use crate::app::state::AppState;
use crate::backend::Command;
use crate::model::call::{CallMember, CallNews, RecordingOrigin};
use crate::model::{Message, MessageKind, PersonKind, SafeText};

pub fn on_news(state: &mut AppState, news: CallNews) -> Vec<Effect> {
    let mut effects = Vec::new();
    match news {
        CallNews::Placing { target, thread_id } => {
            state.compliance.reset();
            state.call = Some(CallView {
                call_id: None,
                thread_id: thread_id.or_else(|| state.open_thread.clone()),
                target,
                phase: CallPhase::Placing,
                roster: Vec::new(),
                roster_sequence: None,
                note: None,
            });
        }
        CallNews::Ringing { call_id } => {
            if let Some(call) = state.call.as_mut().filter(|c| c.is_live()) {
                call.call_id = Some(call_id);
                if call.phase == CallPhase::Placing {
                    call.phase = CallPhase::Ringing;
                }
            }
        }
        CallNews::Connected { at_ms } => {
            if let Some(call) = state.call.as_mut().filter(|c| c.is_live()) {
                call.phase = CallPhase::Connected { since_ms: at_ms };
            }
        }
        CallNews::Roster { sequence, members } => {
            // Rosters may arrive out of order; the sequence number says which is newest.
            if let Some(call) = state.call.as_mut()
                && newer(sequence, call.roster_sequence)
            {
                call.roster_sequence = sequence;
                call.roster = members;
            }
        }
        CallNews::Recording {
            active,
            origin,
            at_ms,
        } => {
            let started = active && !state.compliance.recording_active();
            if state.compliance.set_recording(active) {
                let who = recording_origin(state, origin);
                let what = if active {
                    "started recording the call"
                } else {
                    "stopped recording the call"
                };
                add_call_line(state, at_ms, &format!("● {who} {what}"));
            }
            if started {
                effects.extend(bell(state));
            }
        }
        CallNews::Transcription {
            active,
            by_this_app,
            at_ms,
        } => {
            let started = active && !state.compliance.transcription_active();
            if state.compliance.set_transcription(active) {
                let who = if by_this_app {
                    "This app".to_string()
                } else {
                    other_side(state)
                };
                let what = if active {
                    "started transcribing the call"
                } else {
                    "stopped transcribing the call"
                };
                add_call_line(state, at_ms, &format!("● {who} {what}"));
            }
            if started {
                effects.extend(bell(state));
            }
        }
        CallNews::Note(text) => {
            if let Some(call) = state.call.as_mut() {
                call.note = Some(text);
            }
        }
        CallNews::Ended { end, at_ms } => {
            // Nothing records or transcribes a call that has ended; the notice says what was saved.
            state.compliance.set_recording(false);
            state.compliance.set_transcription(false);
            if let Some(call) = state.call.as_mut().filter(|c| c.is_live()) {
                let line = format!("☎ call with {} ended: {}", call_name(call), end.label());
                call.phase = CallPhase::Ended { end, at_ms };
                add_call_line(state, at_ms, &line);
            }
        }
    }
    effects
}

/// Whether a roster numbered `sequence` replaces one numbered `shown`.
fn newer(sequence: Option<i32>, shown: Option<i32>) -> bool {
    match (sequence, shown) {
        (Some(s), Some(shown)) => s > shown,
        _ => true,
    }
}

fn bell(state: &AppState) -> Option<Effect> {
    state.bell_on_recording.then_some(Effect::Bell)
}

fn call_name(call: &CallView) -> String {
    if call.target.name.is_empty() {
        call.target.raw_id.clone()
    } else {
        call.target.name.to_string()
    }
}

/// "Megan Bowen (Teams)": the other side of a 1:1 call.
fn other_side(state: &AppState) -> String {
    let Some(call) = &state.call else {
        return "The Teams side".to_string();
    };
    match call.target.kind {
        PersonKind::Teams | PersonKind::TeamsApp => {
            format!("{} ({})", call_name(call), call.target.kind.label())
        }
        _ => call_name(call),
    }
}

fn recording_origin(state: &AppState, origin: RecordingOrigin) -> String {
    match origin {
        RecordingOrigin::ThisApp => "This app".to_string(),
        RecordingOrigin::Teams => other_side(state),
        RecordingOrigin::TeamsCompliance => "A Teams compliance-recording policy".to_string(),
        RecordingOrigin::Other => "Someone".to_string(),
    }
}

/// A line about the call in its thread (or the open one), at the event's time.
fn add_call_line(state: &mut AppState, at_ms: i64, text: &str) {
    let Some(thread_id) = state
        .call
        .as_ref()
        .and_then(|c| c.thread_id.clone())
        .or_else(|| state.open_thread.clone())
    else {
        return;
    };
    let view = state.views.entry(thread_id).or_default();
    // Lines sit among the messages by time; a message id taken at the same millisecond moves it on.
    let mut order = at_ms;
    while view.messages.contains_key(&order) {
        order += 1;
    }
    view.messages.insert(
        order,
        Message {
            id: format!("call-{order}"),
            order,
            version: "0".into(),
            kind: MessageKind::CallNotice {
                text: SafeText::new(text),
            },
            sender: None,
            sender_name: SafeText::default(),
            body: String::new(),
            attachments: Vec::new(),
            created_ms: at_ms,
            edited_ms: None,
            deleted_ms: None,
            client_id: None,
        },
    );
}

/// An ended call leaves the call bar after a while.
pub fn on_tick(state: &mut AppState) {
    if let Some(CallView {
        phase: CallPhase::Ended { at_ms, .. },
        ..
    }) = &state.call
        && state.now_ms - at_ms > ENDED_SHOWN_MS
    {
        state.call = None;
    }
}

/// Closes the recording notice when only what has stopped is on it.
pub fn dismiss_banner(state: &mut AppState) {
    let before = state.compliance.shown();
    state.compliance.dismiss();
    if before.is_some() && state.compliance.shown() == before {
        notify(
            state,
            "The notice stays while recording or transcription is on.",
        );
    }
}

/// `:call [participant]`: the given one, else the thread's only Teams user or app.
pub fn call(state: &mut AppState, target: Option<String>) -> Vec<Effect> {
    if state.call.as_ref().is_some_and(CallView::is_live) {
        fail(
            state,
            "A call is already in progress.",
            "End it with :hangup first.",
        );
        return Vec::new();
    }
    let target = match target {
        Some(t) => t,
        None => {
            let candidates: Vec<&crate::model::Participant> = state
                .open_view()
                .map(|v| {
                    v.participants
                        .iter()
                        .filter(|p| matches!(p.kind, PersonKind::Teams | PersonKind::TeamsApp))
                        .collect()
                })
                .unwrap_or_default();
            match candidates.as_slice() {
                [only] => only.raw_id.clone(),
                [] => {
                    fail(
                        state,
                        ":call needs someone to call: this thread has no Teams user.",
                        "Write :call <participant> (a UPN on the emulator, 8:orgid:<object id>, 28:orgid:<app id> or 8:acs:...).",
                    );
                    return Vec::new();
                }
                _ => {
                    fail(
                        state,
                        "This thread has more than one Teams user; calls with Teams users are 1:1.",
                        "Name one: :call <participant> (Tab completes).",
                    );
                    return Vec::new();
                }
            }
        }
    };
    vec![Effect::Command(Command::PlaceCall {
        thread_id: state.open_thread.clone(),
        target,
    })]
}

/// `:hangup`, `:mute`, `:add-to-call`, `:record`: only with a live call.
pub fn in_call(state: &mut AppState, command: Command) -> Vec<Effect> {
    if !state.call.as_ref().is_some_and(CallView::is_live) {
        fail(
            state,
            "There is no call in progress.",
            "Start one with :call <participant>.",
        );
        return Vec::new();
    }
    vec![Effect::Command(command)]
}

/// The members of the call, for completion: (name, raw id).
pub fn members(state: &AppState) -> Vec<(String, String)> {
    state
        .call
        .iter()
        .flat_map(|c| c.roster.iter().chain(std::iter::once(&c.target)))
        .map(|m: &CallMember| (m.name.to_string(), m.raw_id.clone()))
        .collect()
}
