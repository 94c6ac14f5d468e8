//! Call Automation callback events: CloudEvents 1.0 whose `type` is `Microsoft.Communication.<Name>`,
//! POSTed to an application's callback URL as a one-element JSON array.
//!
//! Only types that the official JS parser (`parseCallAutomationEvent`) knows are ever made: it throws on
//! any other, so [`CallEventType`] is a subset of its list.

use serde::{Deserialize, Serialize};

use super::calling::TranscriptionUpdate;
use super::calling::{CallParticipant, RecordingKind, RecordingState, ResultInformation};
use super::identifier::CommunicationIdentifierModel;

const TYPE_PREFIX: &str = "Microsoft.Communication.";

macro_rules! event_types {
    ($($name:ident),* $(,)?) => {
        /// The callback event types this project makes and reads.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum CallEventType { $($name,)* }

        impl CallEventType {
            pub const ALL: &'static [CallEventType] = &[$(CallEventType::$name,)*];

            /// The name after `Microsoft.Communication.`.
            pub fn name(self) -> &'static str {
                match self { $(CallEventType::$name => stringify!($name),)* }
            }
        }
    };
}

event_types!(
    CallConnected,
    CallDisconnected,
    CreateCallFailed,
    ParticipantsUpdated,
    AddParticipantSucceeded,
    AddParticipantFailed,
    RemoveParticipantSucceeded,
    RemoveParticipantFailed,
    CancelAddParticipantSucceeded,
    CancelAddParticipantFailed,
    CallTransferAccepted,
    CallTransferFailed,
    RecordingStateChanged,
    PlayStarted,
    PlayCompleted,
    PlayFailed,
    PlayCanceled,
    TranscriptionStarted,
    TranscriptionStopped,
    TranscriptionUpdated,
    TranscriptionFailed,
    HoldFailed,
);

impl CallEventType {
    /// The CloudEvent `type`: `Microsoft.Communication.<Name>`.
    pub fn cloud_type(self) -> String {
        format!("{TYPE_PREFIX}{}", self.name())
    }

    /// The type of a CloudEvent `type` string, if it is one of ours.
    pub fn parse(cloud_type: &str) -> Option<CallEventType> {
        let name = cloud_type.strip_prefix(TYPE_PREFIX)?;
        CallEventType::ALL
            .iter()
            .copied()
            .find(|t| t.name() == name)
    }
}

/// The `data` of a callback event. Every event has the base fields; the others belong to some types
/// only and are left out when empty.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallEventData {
    #[serde(default)]
    pub call_connection_id: String,
    #[serde(default)]
    pub server_call_id: String,
    #[serde(default)]
    pub correlation_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    #[serde(default)]
    pub result_information: ResultInformation,
    /// ParticipantsUpdated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<i32>,
    /// ParticipantsUpdated: the whole roster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participants: Option<Vec<CallParticipant>>,
    /// Add/RemoveParticipant*.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant: Option<CommunicationIdentifierModel>,
    /// CancelAddParticipant*.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation_id: Option<String>,
    /// CallTransferAccepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_target: Option<CommunicationIdentifierModel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferee: Option<CommunicationIdentifierModel>,
    /// RecordingStateChanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<RecordingState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_kind: Option<RecordingKind>,
    /// Recording events repeat their source here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_source: Option<String>,
    /// Transcription*.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcription_update: Option<TranscriptionUpdate>,
    /// PlayFailed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_play_source_index: Option<i32>,
}

/// A CloudEvents 1.0 envelope as Call Automation sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CloudEvent {
    pub id: String,
    pub source: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub data: CallEventData,
    #[serde(default)]
    pub time: String,
    #[serde(default = "spec_version")]
    pub specversion: String,
    #[serde(default = "json_content_type")]
    pub datacontenttype: String,
    #[serde(default)]
    pub subject: String,
}

fn spec_version() -> String {
    "1.0".into()
}

fn json_content_type() -> String {
    "application/json".into()
}

impl CloudEvent {
    /// An event about a call connection (source and subject `calling/callConnections/<id>`).
    pub fn for_call(
        id: String,
        event_type: CallEventType,
        data: CallEventData,
        time: String,
    ) -> Self {
        let source = format!("calling/callConnections/{}", data.call_connection_id);
        CloudEvent {
            id,
            subject: source.clone(),
            source,
            event_type: event_type.cloud_type(),
            data,
            time,
            specversion: spec_version(),
            datacontenttype: json_content_type(),
        }
    }

    /// A recording event (source `calling/recordings/<serverCallId>/<recordingId>/RecordingStateChanged`).
    pub fn for_recording(id: String, mut data: CallEventData, time: String) -> Self {
        let source = format!(
            "calling/recordings/{}/{}/RecordingStateChanged",
            data.server_call_id,
            data.recording_id.as_deref().unwrap_or_default()
        );
        data.event_source = Some(source.clone());
        CloudEvent {
            id,
            subject: source.clone(),
            source,
            event_type: CallEventType::RecordingStateChanged.cloud_type(),
            data,
            time,
            specversion: spec_version(),
            datacontenttype: json_content_type(),
        }
    }

    /// The event's type, when it is one this project knows.
    pub fn kind(&self) -> Option<CallEventType> {
        CallEventType::parse(&self.event_type)
    }
}

/// Why a callback body cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackBodyError {
    #[error("the callback body is not a JSON array of CloudEvents: {0}")]
    NotEvents(String),
    #[error("the callback body is an empty array")]
    Empty,
}

/// Reads a callback body: a JSON array of CloudEvents (a single object is accepted too).
pub fn parse_callback_body(body: &[u8]) -> Result<Vec<CloudEvent>, CallbackBodyError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| CallbackBodyError::NotEvents(e.to_string()))?;
    let events = match value {
        serde_json::Value::Array(items) => items
            .into_iter()
            .map(serde_json::from_value)
            .collect::<Result<Vec<CloudEvent>, _>>(),
        object => serde_json::from_value(object).map(|e| vec![e]),
    }
    .map_err(|e| CallbackBodyError::NotEvents(e.to_string()))?;
    if events.is_empty() {
        return Err(CallbackBodyError::Empty);
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The types `parseCallAutomationEvent` of the JS SDK (1.6.0) accepts; it throws on any other.
    const JS_PARSER_TYPES: &[&str] = &[
        "AddParticipantSucceeded",
        "AddParticipantFailed",
        "RemoveParticipantSucceeded",
        "RemoveParticipantFailed",
        "CallConnected",
        "IncomingCall",
        "CallDisconnected",
        "CallTransferAccepted",
        "CallTransferFailed",
        "ParticipantsUpdated",
        "RecordingStateChanged",
        "PlayCompleted",
        "PlayFailed",
        "PlayCanceled",
        "RecognizeCompleted",
        "RecognizeCanceled",
        "RecognizeFailed",
        "ContinuousDtmfRecognitionToneReceived",
        "ContinuousDtmfRecognitionToneFailed",
        "ContinuousDtmfRecognitionStopped",
        "SendDtmfTonesCompleted",
        "SendDtmfTonesFailed",
        "CancelAddParticipantSucceeded",
        "CancelAddParticipantFailed",
        "TranscriptionStarted",
        "TranscriptionStopped",
        "TranscriptionUpdated",
        "TranscriptionFailed",
        "CreateCallFailed",
        "AnswerFailed",
        "HoldFailed",
        "ConnectFailed",
        "MediaStreamingStarted",
        "MediaStreamingStopped",
        "MediaStreamingFailed",
        "StartRecordingFailed",
        "PlayStarted",
        "PlayPaused",
        "PlayResumed",
        "HoldAudioStarted",
        "HoldAudioPaused",
        "HoldAudioResumed",
        "HoldAudioCompleted",
    ];

    #[test]
    fn every_type_made_is_one_the_js_parser_knows() {
        for t in CallEventType::ALL {
            assert!(JS_PARSER_TYPES.contains(&t.name()), "{t:?}");
            assert_eq!(CallEventType::parse(&t.cloud_type()), Some(*t));
        }
        assert_eq!(
            CallEventType::parse("Microsoft.Communication.TeamsRecordingStateChanged"),
            None
        );
    }

    #[test]
    fn a_recorded_service_event_parses() {
        let body = r#"[{"id": "d9179103-ab33-4e93-b0ae-35427b7bd406",
          "source": "calling/callConnections/08002380-b749-4584-ba8e-48e4fbf0d4bf",
          "type": "Microsoft.Communication.CallConnected",
          "data": {"version": "2024-09-01-preview",
                   "resultInformation": {"code": 200, "subCode": 0, "message": ""},
                   "callConnectionId": "08002380-b749-4584-ba8e-48e4fbf0d4bf",
                   "serverCallId": "aHR0cHM6Ly9hcGk=",
                   "correlationId": "784cf6cc-a492-44a0-897d-01f550542800",
                   "publicEventType": "Microsoft.Communication.CallConnected"},
          "time": "2025-03-17T17:47:59.8386576+00:00",
          "specversion": "1.0", "datacontenttype": "application/json",
          "subject": "calling/callConnections/08002380-b749-4584-ba8e-48e4fbf0d4bf"}]"#;
        let events = parse_callback_body(body.as_bytes()).unwrap();
        assert_eq!(events[0].kind(), Some(CallEventType::CallConnected));
        assert_eq!(
            events[0].data.call_connection_id,
            "08002380-b749-4584-ba8e-48e4fbf0d4bf"
        );
        assert_eq!(parse_callback_body(b"[]"), Err(CallbackBodyError::Empty));
        assert!(parse_callback_body(b"{").is_err());
    }

    #[test]
    fn events_leave_out_fields_of_other_types() {
        let data = CallEventData {
            call_connection_id: "cc".into(),
            ..Default::default()
        };
        let e = CloudEvent::for_call("id".into(), CallEventType::CallConnected, data, "t".into());
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["source"], "calling/callConnections/cc");
        assert_eq!(json["type"], "Microsoft.Communication.CallConnected");
        assert!(json["data"].get("participants").is_none());
        assert!(json["data"].get("resultInformation").is_some());
    }
}
