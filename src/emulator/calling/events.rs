//! Building a call's callback events: the base `data` every event carries, where each one goes, and
//! ParticipantsUpdated with a rising sequence number.

use crate::acs::call_events::{CallEventData, CallEventType, CloudEvent};
use crate::acs::calling::{ResultInformation, TranscriptionUpdate};
use crate::acs::time::{format_ms, now_ms};
use crate::ids::uuid_v4;

use super::model::{Call, Operation, Recording};

/// An event and the URL it is POSTed to.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub url: String,
    pub event: CloudEvent,
}

/// The base `data`: ids, the operation's context, and the result.
pub fn base(
    call: &Call,
    operation: Option<&Operation>,
    result: ResultInformation,
) -> CallEventData {
    CallEventData {
        call_connection_id: call.id.clone(),
        server_call_id: call.server_call_id.clone(),
        correlation_id: call.correlation_id.clone(),
        operation_context: operation.and_then(|o| o.context.clone()),
        result_information: result,
        ..CallEventData::default()
    }
}

/// 200/0 with an empty message, as the service sends with ParticipantsUpdated and recording events.
fn ok_without_message() -> ResultInformation {
    ResultInformation {
        code: 200,
        sub_code: 0,
        message: String::new(),
    }
}

/// The operation's callback when it gave one, else the call's.
fn destination(call: &Call, operation: Option<&Operation>) -> String {
    operation
        .and_then(|o| o.callback_uri.clone())
        .unwrap_or_else(|| call.callback_uri.clone())
}

/// An event about the call, for `operation` (which sets its context and destination).
pub fn call_event(
    call: &Call,
    kind: CallEventType,
    operation: Option<&Operation>,
    data: CallEventData,
) -> Outgoing {
    Outgoing {
        url: destination(call, operation),
        event: CloudEvent::for_call(uuid_v4(), kind, data, format_ms(now_ms())),
    }
}

/// An event whose `data` is only the base.
pub fn simple(
    call: &Call,
    kind: CallEventType,
    operation: Option<&Operation>,
    result: ResultInformation,
) -> Outgoing {
    call_event(call, kind, operation, base(call, operation, result))
}

/// ParticipantsUpdated with the whole roster and the next sequence number (it has no operation context
/// and goes to the call's callback).
pub fn participants_updated(call: &mut Call) -> Outgoing {
    call.sequence += 1;
    let mut data = base(call, None, ok_without_message());
    data.sequence_number = Some(call.sequence);
    data.participants = Some(call.roster());
    call_event(call, CallEventType::ParticipantsUpdated, None, data)
}

/// RecordingStateChanged, to the recording's own callback when it has one.
pub fn recording_changed(call: &Call, recording: &Recording) -> Outgoing {
    let mut data = base(call, None, ok_without_message());
    data.recording_id = Some(recording.id.clone());
    data.state = Some(recording.state);
    data.start_date_time = Some(format_ms(recording.started_ms));
    data.recording_kind = Some(recording.kind);
    Outgoing {
        url: recording
            .callback_uri
            .clone()
            .unwrap_or_else(|| call.callback_uri.clone()),
        event: CloudEvent::for_recording(uuid_v4(), data, format_ms(now_ms())),
    }
}

/// TranscriptionStarted or TranscriptionStopped.
pub fn transcription(call: &Call, started: bool, operation: Option<&Operation>) -> Outgoing {
    let (kind, status, details, text) = if started {
        (
            CallEventType::TranscriptionStarted,
            "transcriptionStarted",
            "subscriptionStarted",
            "Action completed successfully.",
        )
    } else {
        (
            CallEventType::TranscriptionStopped,
            "transcriptionStopped",
            "subscriptionStopped",
            "Action completed successfully.",
        )
    };
    let result = ResultInformation {
        code: 200,
        sub_code: 0,
        message: text.to_string(),
    };
    let mut data = base(call, operation, result);
    data.transcription_update = Some(TranscriptionUpdate {
        transcription_status: status.into(),
        transcription_status_details: details.into(),
    });
    call_event(call, kind, operation, data)
}
