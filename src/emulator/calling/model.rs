//! A call as the emulator keeps it (JSON in the `calls` table): its ids, who is in it, what is ringing,
//! recording, transcribing and playing, and where its events go.

use serde::{Deserialize, Serialize};

use crate::acs::calling::{
    CallConnectionProperties, CallConnectionState, CallParticipant, RecordingKind, RecordingState,
};
use crate::acs::identifier::{CommunicationIdentifier, IdentifierKind};
use crate::emulator::error::ApiError;

/// Where a call is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Phase {
    /// Placed; the other side rings.
    Ringing,
    Connected,
    /// Ended; kept so that late requests get a clear 404.
    Disconnected,
}

/// Someone in the call (the application's own identity included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Party {
    pub raw_id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub muted: bool,
    #[serde(default)]
    pub on_hold: bool,
}

impl Party {
    pub fn new(raw_id: &str, display_name: Option<String>) -> Party {
        Party {
            raw_id: raw_id.to_string(),
            display_name,
            muted: false,
            on_hold: false,
        }
    }

    pub fn identifier(&self) -> CommunicationIdentifier {
        CommunicationIdentifier::from_raw_id(&self.raw_id)
    }

    pub fn to_wire(&self) -> CallParticipant {
        CallParticipant {
            identifier: self.identifier().to_model(),
            is_muted: self.muted,
            is_on_hold: self.on_hold,
        }
    }

    /// A Teams user or a Teams app: the 1:1 interop rules apply to calls with one.
    pub fn is_teams(&self) -> bool {
        is_teams_party(&self.raw_id)
    }
}

pub fn is_teams_party(raw_id: &str) -> bool {
    matches!(
        CommunicationIdentifier::from_raw_id(raw_id).kind(),
        IdentifierKind::MicrosoftTeamsUser
            | IdentifierKind::MicrosoftTeamsApp
            | IdentifierKind::TeamsExtensionUser
    )
}

/// Where the events of one operation go, and what they echo.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    #[serde(default)]
    pub context: Option<String>,
    /// `operationCallbackUri`, which overrides the call's callback for this operation's events.
    #[serde(default)]
    pub callback_uri: Option<String>,
}

/// Why someone is being rung.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum InviteKind {
    /// A target of the create request.
    Create,
    /// Added with participants:add.
    Add,
}

/// Someone invited into the call who has not answered yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invitation {
    pub id: String,
    pub raw_id: String,
    pub kind: InviteKind,
    pub operation: Operation,
}

/// A recording of the call, by the application or by the Teams side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recording {
    pub id: String,
    pub kind: RecordingKind,
    pub state: RecordingState,
    pub started_ms: i64,
    /// `recordingStateCallbackUri`, when the application gave one.
    #[serde(default)]
    pub callback_uri: Option<String>,
    /// Stopped for good (a stopped recording cannot be resumed).
    #[serde(default)]
    pub stopped: bool,
}

/// Media the application is playing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Play {
    pub id: String,
    pub operation: Operation,
    pub looped: bool,
}

/// Transcription of the call, by the application or by the Teams side.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transcription {
    #[serde(default)]
    pub by_app: bool,
    #[serde(default)]
    pub by_teams: bool,
}

impl Transcription {
    /// Someone transcribes the call.
    pub fn is_on(&self) -> bool {
        self.by_app || self.by_teams
    }
}

/// A call connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Call {
    pub id: String,
    pub server_call_id: String,
    pub correlation_id: String,
    /// The application's identity in the call.
    pub source: String,
    #[serde(default)]
    pub source_display_name: Option<String>,
    pub callback_uri: String,
    /// The create request's operation, echoed by CallConnected / CreateCallFailed.
    #[serde(default)]
    pub created_by: Operation,
    /// Raw ids the call was placed to.
    pub targets: Vec<String>,
    pub phase: Phase,
    /// Who is in the call now, the source first.
    pub parties: Vec<Party>,
    #[serde(default)]
    pub invitations: Vec<Invitation>,
    /// The last `sequenceNumber` of ParticipantsUpdated.
    #[serde(default)]
    pub sequence: i32,
    #[serde(default)]
    pub recordings: Vec<Recording>,
    #[serde(default)]
    pub transcription: Transcription,
    #[serde(default)]
    pub play: Option<Play>,
    /// What the far end plays to the caller (a voice app's greeting), shown by the admin API.
    #[serde(default)]
    pub far_end_media: Option<String>,
    /// The application's transfer under way: its id and the transferee.
    #[serde(default)]
    pub pending_transfer: Option<(String, String)>,
    pub created_ms: i64,
    #[serde(default)]
    pub connected_ms: Option<i64>,
    #[serde(default)]
    pub ended_ms: Option<i64>,
}

impl Call {
    pub fn is_live(&self) -> bool {
        self.phase != Phase::Disconnected
    }

    pub fn state(&self) -> CallConnectionState {
        match self.phase {
            Phase::Ringing => CallConnectionState::Connecting,
            Phase::Connected => CallConnectionState::Connected,
            Phase::Disconnected => CallConnectionState::Disconnected,
        }
    }

    /// The party with this raw id.
    pub fn party(&self, raw_id: &str) -> Option<&Party> {
        self.parties.iter().find(|p| p.raw_id == raw_id)
    }

    pub fn party_mut(&mut self, raw_id: &str) -> Option<&mut Party> {
        self.parties.iter_mut().find(|p| p.raw_id == raw_id)
    }

    /// 400 naming `field` unless `raw_id` is in the call.
    pub fn expect_party(&self, raw_id: &str, field: &str) -> Result<&Party, ApiError> {
        self.party(raw_id)
            .ok_or_else(|| ApiError::invalid_field(field, format!("{raw_id} is not in this call.")))
    }

    /// 400 naming `field` if `raw_id` is in the call already.
    pub fn expect_absent(&self, raw_id: &str, field: &str) -> Result<(), ApiError> {
        match self.party(raw_id) {
            Some(_) => Err(ApiError::invalid_field(
                field,
                format!("{raw_id} is already in this call."),
            )),
            None => Ok(()),
        }
    }

    /// Whether a Teams user or app is (or is being called) in this call.
    pub fn has_teams_party(&self) -> bool {
        self.parties.iter().any(Party::is_teams) || self.targets.iter().any(|t| is_teams_party(t))
    }

    /// The parties other than the application's identity.
    pub fn others(&self) -> impl Iterator<Item = &Party> {
        self.parties.iter().filter(move |p| p.raw_id != self.source)
    }

    pub fn active_recording(&self) -> Option<&Recording> {
        self.recordings
            .iter()
            .find(|r| !r.stopped && r.state == RecordingState::Active)
    }

    /// The application's own recording that has not been stopped.
    pub fn app_recording(&self) -> Option<&Recording> {
        self.recordings
            .iter()
            .find(|r| !r.stopped && r.kind == RecordingKind::AzureCommunicationServices)
    }

    pub fn properties(&self) -> CallConnectionProperties {
        CallConnectionProperties {
            call_connection_id: Some(self.id.clone()),
            server_call_id: Some(self.server_call_id.clone()),
            targets: self
                .targets
                .iter()
                .map(|t| CommunicationIdentifier::from_raw_id(t).to_model())
                .collect(),
            call_connection_state: Some(self.state()),
            callback_uri: Some(self.callback_uri.clone()),
            source_display_name: self.source_display_name.clone(),
            source: Some(CommunicationIdentifier::from_raw_id(&self.source).to_model()),
            correlation_id: Some(self.correlation_id.clone()),
        }
    }

    /// The roster as ParticipantsUpdated and GetParticipants carry it.
    pub fn roster(&self) -> Vec<CallParticipant> {
        self.parties.iter().map(Party::to_wire).collect()
    }
}
