//! Call Automation requests and responses (`/calling/...`, api-version 2026-03-12), in the spec's field
//! names. Requests accept what the SDKs send (no `kind`, upper-case `cloud`); responses always carry
//! `kind`, `rawId` and the nested identifier object.

use serde::{Deserialize, Serialize};

use super::identifier::{CommunicationIdentifierModel, CommunicationUserModel, PhoneNumberModel};

/// The Call Automation `api-version` this project speaks (the 1.6.0 SDKs' default).
pub const CALLING_API_VERSION: &str = "2026-03-12";

/// `CallConnectionStateModel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CallConnectionState {
    Connecting,
    Connected,
    Transferring,
    TransferAccepted,
    Disconnecting,
    Disconnected,
    /// `unknown`, or a state this build does not know.
    #[serde(other)]
    Unknown,
}

/// `CreateCallRequest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateCallRequest {
    pub targets: Vec<CommunicationIdentifierModel>,
    pub callback_uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<CommunicationUserModel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_caller_id_number: Option<PhoneNumberModel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
}

/// `CallConnectionProperties`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallConnectionProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_connection_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_call_id: Option<String>,
    #[serde(default)]
    pub targets: Vec<CommunicationIdentifierModel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_connection_state: Option<CallConnectionState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<CommunicationIdentifierModel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

/// `CallParticipant`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallParticipant {
    pub identifier: CommunicationIdentifierModel,
    #[serde(default)]
    pub is_muted: bool,
    #[serde(default)]
    pub is_on_hold: bool,
}

/// `GetParticipantsResponse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetParticipantsResponse {
    pub value: Vec<CallParticipant>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
}

/// `AddParticipantRequest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddParticipantRequest {
    pub participant_to_add: CommunicationIdentifierModel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation_timeout_in_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_callback_uri: Option<String>,
}

/// `AddParticipantResponse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddParticipantResponse {
    pub participant: CallParticipant,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    pub invitation_id: String,
}

/// `RemoveParticipantRequest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoveParticipantRequest {
    pub participant_to_remove: CommunicationIdentifierModel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_callback_uri: Option<String>,
}

/// The body of several answers that only echo the operation context (`RemoveParticipantResponse`,
/// `TransferCallResponse`, `MuteParticipantsResult`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationContextResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
}

/// `TransferToParticipantRequest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferToParticipantRequest {
    pub target_participant: CommunicationIdentifierModel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferee: Option<CommunicationIdentifierModel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_callback_uri: Option<String>,
}

/// `MuteParticipantsRequest`: the spec allows ACS users only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MuteParticipantsRequest {
    pub target_participants: Vec<CommunicationIdentifierModel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
}

/// `CancelAddParticipantRequest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelAddParticipantRequest {
    pub invitation_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_callback_uri: Option<String>,
}

/// `CancelAddParticipantResponse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelAddParticipantResponse {
    pub invitation_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
}

/// `HoldRequest` / `UnholdRequest` (the optional music on hold is accepted and not played).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HoldRequest {
    pub target_participant: CommunicationIdentifierModel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_callback_uri: Option<String>,
}

/// `PlaySourceType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PlaySourceKind {
    File,
    Text,
    Ssml,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileSource {
    pub uri: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextSource {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_locale: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SsmlSource {
    pub ssml_text: String,
}

/// `PlaySource`: exactly the object its `kind` names must be present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlaySource {
    pub kind: PlaySourceKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<TextSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssml: Option<SsmlSource>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlayOptions {
    #[serde(rename = "loop")]
    pub looped: bool,
}

/// `PlayRequest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlayRequest {
    pub play_sources: Vec<PlaySource>,
    #[serde(default)]
    pub play_to: Vec<CommunicationIdentifierModel>,
    #[serde(default)]
    pub interrupt_call_media_operation: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub play_options: Option<PlayOptions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_callback_uri: Option<String>,
}

/// `StartTranscriptionRequest` / `StopTranscriptionRequest` / `UpdateTranscriptionRequest`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptionRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speech_model_endpoint_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_callback_uri: Option<String>,
}

/// `CallLocator`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallLocator {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_call_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_call_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// `StartCallRecordingRequest` (content, channel and format options are accepted; the emulator records
/// no media).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartCallRecordingRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_locator: Option<CallLocator>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_connection_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_state_callback_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_channel_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_format_type: Option<String>,
    #[serde(default)]
    pub pause_on_start: bool,
}

/// `RecordingState`. A value this build does not know reads as `Unknown` (an event is never refused
/// for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RecordingState {
    Active,
    Inactive,
    #[serde(other)]
    Unknown,
}

/// `RecordingKind`: who records. `teams` and `teamsCompliance` come from the Teams side; a kind this
/// build does not know reads as `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RecordingKind {
    AzureCommunicationServices,
    Teams,
    TeamsCompliance,
    #[serde(other)]
    Unknown,
}

/// `RecordingStateResponse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingStateResponse {
    pub recording_id: String,
    pub recording_state: RecordingState,
    pub recording_kind: RecordingKind,
}

/// `ResultInformation`: the outcome in every event's `data`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultInformation {
    #[serde(default)]
    pub code: i32,
    #[serde(default)]
    pub sub_code: i32,
    #[serde(default)]
    pub message: String,
}

impl ResultInformation {
    /// A result in the service's message style: `"<text> DiagCode: <code>#<subCode>.@"`.
    pub fn new(code: i32, sub_code: i32, text: &str) -> ResultInformation {
        ResultInformation {
            code,
            sub_code,
            message: format!("{text} DiagCode: {code}#{sub_code}.@"),
        }
    }

    /// The message without its `DiagCode` suffix.
    pub fn text(&self) -> &str {
        match self.message.find(" DiagCode:") {
            Some(i) => &self.message[..i],
            None => &self.message,
        }
    }
}

/// `transcriptionUpdate` of the Transcription* events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptionUpdate {
    pub transcription_status: String,
    pub transcription_status_details: String,
}

/// The `recordingId` shape the service uses: unpadded base64url of
/// `{"PlatformEndpointId":"<callConnectionId>","ResourceSpecificId":"<guid>"}`.
pub fn recording_id(call_connection_id: &str, resource_specific_id: &str) -> String {
    use base64::Engine;
    let json = serde_json::json!({
        "PlatformEndpointId": call_connection_id,
        "ResourceSpecificId": resource_specific_id,
    });
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json.to_string())
}

/// The `serverCallId` shape the service uses: standard base64 (padded) of a conversation URL.
pub fn server_call_id(conversation: &str) -> String {
    use base64::Engine;
    let url = format!(
        "https://api.flightproxy.skype.com/api/v2/cp/conv-emulator/conv/{conversation}?i=0&e=0"
    );
    base64::engine::general_purpose::STANDARD.encode(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    #[test]
    fn a_create_call_request_from_the_python_sdk_parses() {
        let body = r#"{"targets": [{"rawId": "8:orgid:oid-1",
              "microsoftTeamsUser": {"userId": "oid-1", "isAnonymous": false, "cloud": "PUBLIC"}}],
             "sourceDisplayName": "Bob", "source": {"id": "8:acs:r_u"},
             "operationContext": "ctx", "callbackUri": "https://app/cb"}"#;
        let request: CreateCallRequest = serde_json::from_str(body).unwrap();
        assert_eq!(request.targets.len(), 1);
        let target = request.targets[0].resolve().unwrap();
        assert_eq!(target.raw_id().as_str(), "8:orgid:oid-1");
        assert_eq!(request.source.unwrap().id, "8:acs:r_u");
    }

    #[test]
    fn results_read_like_the_service_and_strip_back() {
        let r = ResultInformation::new(200, 7000, "The conversation has ended.");
        assert_eq!(
            r.message,
            "The conversation has ended. DiagCode: 200#7000.@"
        );
        assert_eq!(r.text(), "The conversation has ended.");
    }

    #[test]
    fn ids_have_the_service_shapes() {
        let id = recording_id("cc-1", "r-1");
        assert!(!id.contains('=') && !id.contains('+') && !id.contains('/'));
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&id)
            .unwrap();
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(value["PlatformEndpointId"], "cc-1");
        let server = server_call_id("abc");
        let url = base64::engine::general_purpose::STANDARD
            .decode(&server)
            .unwrap();
        assert!(String::from_utf8(url).unwrap().starts_with("https://"));
    }

    #[test]
    fn values_from_a_newer_service_do_not_refuse_the_message() {
        let state: RecordingState = serde_json::from_str(r#""paused""#).unwrap();
        assert_eq!(state, RecordingState::Unknown);
        let kind: RecordingKind = serde_json::from_str(r#""somethingNew""#).unwrap();
        assert_eq!(kind, RecordingKind::Unknown);
        let state: CallConnectionState = serde_json::from_str(r#""establishing""#).unwrap();
        assert_eq!(state, CallConnectionState::Unknown);
    }

    #[test]
    fn play_options_use_the_loop_keyword() {
        let json = serde_json::to_string(&PlayOptions { looped: true }).unwrap();
        assert_eq!(json, r#"{"loop":true}"#);
    }
}
