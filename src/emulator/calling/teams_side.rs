//! What a Teams user does in a live call, for the admin API and for personas: record, transcribe, put on
//! hold, hang up, transfer. Teams recording reaches the application as RecordingStateChanged with
//! `recordingKind: "teams"`; Teams transcription as TranscriptionStarted/Stopped (an emulator choice: the
//! service documents no Teams-specific transcription event).

use std::time::Duration;

use axum::http::StatusCode;

use crate::acs::call_events::CallEventType;
use crate::acs::calling::{RecordingKind, RecordingState, recording_id};
use crate::acs::time::now_ms;
use crate::emulator::EmulatorState;
use crate::emulator::error::ApiError;
use crate::emulator::store::Db;
use crate::emulator::tenant::seed::CallBehaviour;
use crate::ids::uuid_v4;

use super::codes;
use super::engine::change_quietly;
use super::events::{self, Outgoing};
use super::model::{Call, Party, Phase, Recording};

fn conflict(message: String) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "Conflict", message)
}

fn in_call<'a>(call: &'a Call, raw_id: &str) -> Result<&'a Party, ApiError> {
    call.party(raw_id).ok_or_else(|| {
        ApiError::not_found(format!("{raw_id} has not answered call {} yet.", call.id))
    })
}

/// Starts or stops the Teams user's recording. Returns the recording id.
pub fn record(
    call: &mut Call,
    raw_id: &str,
    active: bool,
    events_out: &mut Vec<Outgoing>,
    db: &mut Db,
) -> Result<String, ApiError> {
    in_call(call, raw_id)?;
    let existing = call
        .recordings
        .iter()
        .position(|r| r.kind == RecordingKind::Teams && !r.stopped);
    let recording = match (existing, active) {
        (Some(_), true) => {
            return Err(conflict(
                "A Teams recording of this call is already running.".into(),
            ));
        }
        (None, false) => {
            return Err(conflict(
                "No Teams recording of this call is running.".into(),
            ));
        }
        (None, true) => {
            let id = recording_id(&call.id, &uuid_v4());
            db.index_recording(&id, &call.id)?;
            call.recordings.push(Recording {
                id,
                kind: RecordingKind::Teams,
                state: RecordingState::Active,
                started_ms: now_ms(),
                callback_uri: None,
                stopped: false,
            });
            call.recordings.len() - 1
        }
        (Some(i), false) => {
            call.recordings[i].state = RecordingState::Inactive;
            call.recordings[i].stopped = true;
            i
        }
    };
    let recording = call.recordings[recording].clone();
    events_out.push(events::recording_changed(call, &recording));
    Ok(recording.id)
}

/// Starts or stops the Teams side's transcription.
pub fn transcribe(
    call: &mut Call,
    raw_id: &str,
    active: bool,
    events_out: &mut Vec<Outgoing>,
) -> Result<(), ApiError> {
    in_call(call, raw_id)?;
    if call.transcription.by_teams == active {
        return Err(conflict(format!(
            "Teams transcription of this call is already {}.",
            if active { "on" } else { "off" }
        )));
    }
    let was = call.transcription.is_on();
    call.transcription.by_teams = active;
    // The events say whether the call is transcribed, whoever does it.
    if call.transcription.is_on() != was {
        events_out.push(events::transcription(call, active, None));
    }
    Ok(())
}

/// Puts the call on hold, or takes it off hold, from the Teams user's side.
pub fn hold(
    call: &mut Call,
    raw_id: &str,
    on_hold: bool,
    events_out: &mut Vec<Outgoing>,
) -> Result<(), ApiError> {
    let party = call
        .party_mut(raw_id)
        .ok_or_else(|| ApiError::not_found(format!("{raw_id} is not in this call.")))?;
    if party.on_hold != on_hold {
        party.on_hold = on_hold;
        events_out.push(events::participants_updated(call));
    }
    Ok(())
}

/// The Teams user hangs up: a 1:1 call ends; in a larger call they leave.
pub fn hang_up(
    call: &mut Call,
    raw_id: &str,
    events_out: &mut Vec<Outgoing>,
) -> Result<(), ApiError> {
    let party = in_call(call, raw_id)?.clone();
    call.parties.retain(|p| p.raw_id != raw_id);
    events_out.push(events::participants_updated(call));
    if call.others().next().is_none() {
        let name = party.display_name.unwrap_or(party.raw_id);
        end(call, events_out, codes::remote_hang_up(&name));
    }
    Ok(())
}

/// The Teams user hands the call to another Teams user or app (who answers at once, as a blind
/// transfer does): the application sees the roster change.
pub fn transfer(
    call: &mut Call,
    raw_id: &str,
    target: &str,
    target_name: Option<String>,
    events_out: &mut Vec<Outgoing>,
) -> Result<(), ApiError> {
    in_call(call, raw_id)?;
    call.expect_absent(target, "target")?;
    call.parties.retain(|p| p.raw_id != raw_id);
    call.parties.push(Party::new(target, target_name));
    events_out.push(events::participants_updated(call));
    Ok(())
}

/// Ends the call for the application: CallDisconnected, and every media operation canceled.
pub fn end(
    call: &mut Call,
    events_out: &mut Vec<Outgoing>,
    result: crate::acs::calling::ResultInformation,
) {
    cancel_play(call, events_out);
    let mut ended = Vec::new();
    for recording in call.recordings.iter_mut().filter(|r| !r.stopped) {
        let was_active = recording.state == RecordingState::Active;
        recording.stopped = true;
        recording.state = RecordingState::Inactive;
        if was_active {
            ended.push(recording.clone());
        }
    }
    // A recording (or transcription) ends with its call; the application hears it as from a stop.
    for recording in &ended {
        events_out.push(events::recording_changed(call, recording));
    }
    if call.transcription.is_on() {
        call.transcription = Default::default();
        events_out.push(events::transcription(call, false, None));
    }
    call.invitations.clear();
    call.phase = Phase::Disconnected;
    call.ended_ms = Some(now_ms());
    events_out.push(events::simple(
        call,
        CallEventType::CallDisconnected,
        None,
        result,
    ));
}

/// Stops what plays, if anything: PlayCanceled.
pub fn cancel_play(call: &mut Call, events_out: &mut Vec<Outgoing>) {
    if let Some(play) = call.play.take() {
        events_out.push(events::simple(
            call,
            CallEventType::PlayCanceled,
            Some(&play.operation),
            codes::media_canceled(),
        ));
    }
}

/// Runs the later steps of a persona's behaviour (record, transcribe, hang up) on timers, from the
/// moment it answered.
pub fn schedule_behaviour(
    state: EmulatorState,
    call_id: String,
    raw_id: String,
    behaviour: CallBehaviour,
) {
    let steps: Vec<(u64, Step)> = [
        (behaviour.record_after_ms, Step::Record(true)),
        (behaviour.stop_recording_after_ms, Step::Record(false)),
        (behaviour.transcribe_after_ms, Step::Transcribe),
        (behaviour.hang_up_after_ms, Step::HangUp),
    ]
    .into_iter()
    .filter_map(|(after, step)| after.map(|ms| (ms, step)))
    .collect();
    for (after_ms, step) in steps {
        let (state, call_id, raw_id) = (state.clone(), call_id.clone(), raw_id.clone());
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(after_ms)).await;
            let result = change_quietly(&state, &call_id, move |call, events_out, db| {
                if call.party(&raw_id).is_none() {
                    return Ok(false);
                }
                // A step that no longer applies (recording already stopped by hand) is skipped.
                let applied = match step {
                    Step::Record(on) => record(call, &raw_id, on, events_out, db).is_ok(),
                    Step::Transcribe => transcribe(call, &raw_id, true, events_out).is_ok(),
                    Step::HangUp => hang_up(call, &raw_id, events_out).is_ok(),
                };
                Ok(applied)
            })
            .await;
            if let Err(e) = result {
                tracing::warn!(error = %e, "a persona's call step could not be kept");
            }
        });
    }
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Record(bool),
    Transcribe,
    HangUp,
}
