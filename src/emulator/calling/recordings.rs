//! Call recording by the application (`/calling/recordings`). The emulator records no media; it keeps
//! the recording's state and reports every change as RecordingStateChanged. Calls with a Teams user
//! cannot be recorded this way: ACS call recording isn't available for those 1:1 calls.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};

use crate::acs::calling::{
    RecordingKind, RecordingState, RecordingStateResponse, StartCallRecordingRequest, recording_id,
};
use crate::acs::time::now_ms;
use crate::emulator::EmulatorState;
use crate::emulator::error::ApiError;
use crate::ids::uuid_v4;

use super::engine::{Answer, change, repeat_of};
use super::events;
use super::model::{Call, Phase, Recording};
use super::{parse_body, valid_callback_uri};

/// `POST /calling/recordings`.
pub async fn start(
    State(state): State<EmulatorState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Answer, ApiError> {
    let request: StartCallRecordingRequest = parse_body(&body)?;
    if let Some(uri) = &request.recording_state_callback_uri {
        valid_callback_uri(uri, "recordingStateCallbackUri")?;
    }
    let call_id = match (&request.call_connection_id, &request.call_locator) {
        (Some(id), _) if !id.trim().is_empty() => id.trim().to_string(),
        (_, Some(locator)) => {
            let Some(server_call_id) = locator.server_call_id.clone().filter(|s| !s.is_empty())
            else {
                return Err(ApiError::invalid_field(
                    "callLocator.serverCallId",
                    "The emulator locates calls by serverCallId (group calls and rooms are not simulated).",
                ));
            };
            state
                .store
                .run(move |db| db.live_call_by_server_id(&server_call_id))
                .await?
                .id
        }
        _ => {
            return Err(ApiError::invalid_field(
                "callConnectionId",
                "Give the call to record: callConnectionId or callLocator.",
            ));
        }
    };
    let repeat = repeat_of(&headers, "startRecording".into())?;
    let recording = Recording {
        id: recording_id(&call_id, &uuid_v4()),
        kind: RecordingKind::AzureCommunicationServices,
        state: if request.pause_on_start {
            RecordingState::Inactive
        } else {
            RecordingState::Active
        },
        started_ms: now_ms(),
        callback_uri: request.recording_state_callback_uri.clone(),
        stopped: false,
    };
    let (answer, applied) = change(&state, &call_id, repeat, move |call, events_out, db| {
        if call.phase != Phase::Connected {
            return Err(ApiError::bad_request(
                "The call is not connected yet; record it once it is.",
            ));
        }
        if call.has_teams_party() {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "RecordingNotAllowed",
                "ACS call recording isn't available for 1:1 calls with Teams users (interop limitation). A Teams user can record from Teams; the application is then told with RecordingStateChanged, recordingKind 'teams'.",
            ));
        }
        if call.app_recording().is_some() {
            return Err(ApiError::bad_request(
                "This call is already being recorded; stop that recording first.",
            ));
        }
        db.index_recording(&recording.id, &call.id)?;
        call.recordings.push(recording.clone());
        events_out.push(events::recording_changed(call, &recording));
        Answer::json(StatusCode::OK, &response(&recording))
    })
    .await?;
    if applied {
        tracing::info!(call = %call_id, "recording started");
    }
    Ok(answer)
}

fn response(recording: &Recording) -> RecordingStateResponse {
    RecordingStateResponse {
        recording_id: recording.id.clone(),
        recording_state: recording.state,
        recording_kind: recording.kind,
    }
}

fn unknown_recording(id: &str) -> ApiError {
    ApiError::not_found(format!(
        "There is no recording '{id}' (it was stopped, or never started)."
    ))
}

/// The application's recording `id` of a live call, not stopped. A Teams recording is the Teams
/// user's: the application cannot stop, pause or resume it.
fn find<'a>(call: &'a mut Call, id: &str) -> Result<&'a mut Recording, ApiError> {
    let recording = call
        .recordings
        .iter_mut()
        .find(|r| r.id == id && !r.stopped)
        .ok_or_else(|| unknown_recording(id))?;
    if recording.kind != RecordingKind::AzureCommunicationServices {
        return Err(ApiError::forbidden(format!(
            "Recording '{id}' is a Teams recording: only the Teams side can stop, pause or resume it."
        )));
    }
    Ok(recording)
}

async fn call_of(state: &EmulatorState, recording: &str) -> Result<Call, ApiError> {
    let lookup = recording.to_string();
    match state
        .store
        .run(move |db| db.call_of_recording(&lookup))
        .await?
    {
        Some(call) if call.is_live() => Ok(call),
        _ => Err(unknown_recording(recording)),
    }
}

/// `GET /calling/recordings/{recordingId}`.
pub async fn get(
    State(state): State<EmulatorState>,
    Path(id): Path<String>,
) -> Result<Answer, ApiError> {
    let mut call = call_of(&state, &id).await?;
    let recording = find(&mut call, &id)?;
    Answer::json(StatusCode::OK, &response(recording))
}

/// `DELETE /calling/recordings/{recordingId}`.
pub async fn stop(
    State(state): State<EmulatorState>,
    Path(id): Path<String>,
) -> Result<Answer, ApiError> {
    let call = call_of(&state, &id).await?;
    let (answer, _) = change(&state, &call.id, None, move |call, events_out, _db| {
        let recording = find(call, &id)?;
        recording.state = RecordingState::Inactive;
        recording.stopped = true;
        let recording = recording.clone();
        events_out.push(events::recording_changed(call, &recording));
        Ok(Answer::empty(StatusCode::NO_CONTENT))
    })
    .await?;
    Ok(answer)
}

/// `POST /calling/recordings/{recordingId}:pause|:resume`.
pub async fn action(state: EmulatorState, id: String, action: &str) -> Result<Answer, ApiError> {
    let wanted = match action {
        "pause" => RecordingState::Inactive,
        "resume" => RecordingState::Active,
        other => {
            return Err(ApiError::not_found(format!(
                "There is no recording operation ':{other}'."
            )));
        }
    };
    let call = call_of(&state, &id).await?;
    let (answer, _) = change(&state, &call.id, None, move |call, events_out, _db| {
        let recording = find(call, &id)?;
        if recording.state != wanted {
            recording.state = wanted;
            let recording = recording.clone();
            events_out.push(events::recording_changed(call, &recording));
        }
        Ok(Answer::empty(StatusCode::ACCEPTED))
    })
    .await?;
    Ok(answer)
}
