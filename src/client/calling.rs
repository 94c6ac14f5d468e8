//! Call Automation over HMAC (`/calling/...`): place a call, hang up, manage its participants and its
//! recording. Outcomes arrive later as callback events (see [`super::callbacks`]).

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::http::{decode_json, encode_segment};
use super::retry::Idempotency;
use super::signed::SignedClient;
use super::{ClientError, Result};
use crate::acs::calling::{
    AddParticipantRequest, AddParticipantResponse, CALLING_API_VERSION, CallConnectionProperties,
    CallParticipant, CreateCallRequest, GetParticipantsResponse, MuteParticipantsRequest,
    OperationContextResponse, RecordingStateResponse, StartCallRecordingRequest,
};
use crate::acs::identifier::{CommunicationIdentifier, CommunicationUserModel};
use crate::model::call::CallConnectionId;

/// Calls the Call Automation API of one resource. Cheap to clone.
#[derive(Clone, Debug)]
pub struct CallAutomationClient {
    signed: SignedClient,
}

/// `Repeatability-Request-ID` and `Repeatability-First-Sent`: the service acts once however often the
/// request arrives, so such a request may be retried like an idempotent one.
fn repeatability() -> [(&'static str, String); 2] {
    [
        ("repeatability-request-id", crate::ids::uuid_v4()),
        (
            "repeatability-first-sent",
            httpdate::fmt_http_date(std::time::SystemTime::now()),
        ),
    ]
}

fn connection_path(id: &CallConnectionId, rest: &str) -> String {
    format!(
        "calling/callConnections/{}{rest}",
        encode_segment(id.as_str())
    )
}

impl CallAutomationClient {
    pub fn new(signed: SignedClient) -> CallAutomationClient {
        CallAutomationClient { signed }
    }

    pub fn endpoint(&self) -> &str {
        self.signed.endpoint()
    }

    async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        repeatable: bool,
        what: &str,
    ) -> Result<T> {
        let response = self.call(method, path, body, repeatable).await?;
        decode_json(response, what).await
    }

    async fn call<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        repeatable: bool,
    ) -> Result<reqwest::Response> {
        let headers: Vec<(&'static str, String)> = if repeatable {
            repeatability().to_vec()
        } else {
            Vec::new()
        };
        let idempotency = if repeatable || method != Method::POST {
            Idempotency::Idempotent
        } else {
            Idempotency::NotIdempotent
        };
        self.signed
            .call(
                method,
                path,
                CALLING_API_VERSION,
                body,
                idempotency,
                &headers,
            )
            .await
    }

    /// Places a call from `source` to `target`; events go to `callback_uri`.
    pub async fn create_call(
        &self,
        source: &str,
        source_display_name: Option<&str>,
        target: &CommunicationIdentifier,
        callback_uri: &str,
        operation_context: Option<&str>,
    ) -> Result<CallConnectionProperties> {
        let body = CreateCallRequest {
            targets: vec![target.to_model()],
            callback_uri: callback_uri.to_string(),
            source: Some(CommunicationUserModel {
                id: source.to_string(),
            }),
            source_display_name: source_display_name.map(str::to_string),
            source_caller_id_number: None,
            operation_context: operation_context.map(str::to_string),
        };
        self.send(
            Method::POST,
            "calling/callConnections",
            Some(&body),
            true,
            "the created call",
        )
        .await
    }

    pub async fn get_call(&self, id: &CallConnectionId) -> Result<CallConnectionProperties> {
        self.send::<(), _>(
            Method::GET,
            &connection_path(id, ""),
            None,
            false,
            "the call",
        )
        .await
    }

    /// Leaves the call (a 1:1 call ends).
    pub async fn hang_up(&self, id: &CallConnectionId) -> Result<()> {
        self.call::<()>(Method::DELETE, &connection_path(id, ""), None, false)
            .await
            .map(|_| ())
    }

    /// Ends the call for everyone.
    pub async fn terminate(&self, id: &CallConnectionId) -> Result<()> {
        self.call::<()>(Method::POST, &connection_path(id, ":terminate"), None, true)
            .await
            .map(|_| ())
    }

    pub async fn participants(&self, id: &CallConnectionId) -> Result<Vec<CallParticipant>> {
        let page: GetParticipantsResponse = self
            .send::<(), _>(
                Method::GET,
                &connection_path(id, "/participants"),
                None,
                false,
                "the call's participants",
            )
            .await?;
        Ok(page.value)
    }

    /// Invites `who`; the outcome arrives as AddParticipantSucceeded or AddParticipantFailed.
    pub async fn add_participant(
        &self,
        id: &CallConnectionId,
        who: &CommunicationIdentifier,
        operation_context: Option<&str>,
    ) -> Result<AddParticipantResponse> {
        let body = AddParticipantRequest {
            participant_to_add: who.to_model(),
            source_display_name: None,
            invitation_timeout_in_seconds: None,
            operation_context: operation_context.map(str::to_string),
            operation_callback_uri: None,
        };
        self.send(
            Method::POST,
            &connection_path(id, "/participants:add"),
            Some(&body),
            true,
            "the invitation",
        )
        .await
    }

    /// Mutes an ACS user in the call (the service mutes no one else).
    pub async fn mute(&self, id: &CallConnectionId, who: &CommunicationIdentifier) -> Result<()> {
        let body = MuteParticipantsRequest {
            target_participants: vec![who.to_model()],
            operation_context: None,
        };
        let _: OperationContextResponse = self
            .send(
                Method::POST,
                &connection_path(id, "/participants:mute"),
                Some(&body),
                true,
                "the mute",
            )
            .await?;
        Ok(())
    }

    /// Starts recording the call; RecordingStateChanged events follow.
    pub async fn start_recording(&self, id: &CallConnectionId) -> Result<RecordingStateResponse> {
        let body = StartCallRecordingRequest {
            call_connection_id: Some(id.as_str().to_string()),
            ..StartCallRecordingRequest::default()
        };
        self.send(
            Method::POST,
            "calling/recordings",
            Some(&body),
            true,
            "the recording",
        )
        .await
    }

    pub async fn stop_recording(&self, recording_id: &str) -> Result<()> {
        if recording_id.is_empty() {
            return Err(ClientError::Config("no recording id".into()));
        }
        let path = format!("calling/recordings/{}", encode_segment(recording_id));
        self.call::<()>(Method::DELETE, &path, None, false)
            .await
            .map(|_| ())
    }
}
