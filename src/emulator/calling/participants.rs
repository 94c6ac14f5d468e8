//! A call's participants: list, get by raw id, add (ringing, then joined or failed), remove, mute, and
//! cancel an invitation. A call with a Teams user stays 1:1: adding anyone fails with the rule.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use std::time::Duration;

use crate::acs::call_events::CallEventType;
use crate::acs::calling::{
    AddParticipantRequest, AddParticipantResponse, CallParticipant, CancelAddParticipantRequest,
    CancelAddParticipantResponse, GetParticipantsResponse, MuteParticipantsRequest,
    OperationContextResponse, RemoveParticipantRequest, ResultInformation,
};
use crate::acs::identifier::{CommunicationIdentifier, IdentifierKind};
use crate::emulator::EmulatorState;
use crate::emulator::error::ApiError;
use crate::ids::uuid_v4;

use super::engine::{Answer, change, repeat_of};
use super::events;
use super::far_end;
use super::model::{Invitation, InviteKind, Phase, is_teams_party};
use super::{codes, operation_of, parse_body, resolve, teams_side};

/// The longest invitation timeout the spec allows.
const MAX_INVITATION_TIMEOUT_S: i64 = 180;

/// `GET /calling/callConnections/{id}/participants`.
pub async fn list(
    State(state): State<EmulatorState>,
    Path(id): Path<String>,
) -> Result<Answer, ApiError> {
    let call = state.store.run(move |db| db.live_call(&id)).await?;
    Answer::json(
        StatusCode::OK,
        &GetParticipantsResponse {
            value: call.roster(),
            next_link: None,
        },
    )
}

/// `GET /calling/callConnections/{id}/participants/{rawId}` (the raw id arrives percent-decoded).
pub async fn get(
    State(state): State<EmulatorState>,
    Path((id, raw_id)): Path<(String, String)>,
) -> Result<Answer, ApiError> {
    let call = state.store.run(move |db| db.live_call(&id)).await?;
    let wanted = CommunicationIdentifier::from_raw_id(raw_id.trim()).raw_id();
    let party = call
        .party(wanted.as_str())
        .ok_or_else(|| ApiError::not_found(format!("{wanted} is not in this call.")))?;
    Answer::json(StatusCode::OK, &party.to_wire())
}

/// `POST /calling/callConnections/{id}/participants:<action>`.
pub async fn action(
    state: EmulatorState,
    id: String,
    action: &str,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Answer, ApiError> {
    match action {
        "add" => add(state, id, headers, parse_body(&body)?).await,
        "remove" => remove(state, id, headers, parse_body(&body)?).await,
        "mute" => mute(state, id, headers, parse_body(&body)?).await,
        "cancelAddParticipant" => cancel_add(state, id, headers, parse_body(&body)?).await,
        "moveHere" => Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            "NotImplemented",
            "The emulator does not simulate moving participants between calls.",
        )),
        other => Err(ApiError::not_found(format!(
            "There is no participants operation ':{other}'."
        ))),
    }
}

async fn add(
    state: EmulatorState,
    id: String,
    headers: HeaderMap,
    request: AddParticipantRequest,
) -> Result<Answer, ApiError> {
    let invitee = resolve(&request.participant_to_add, "participantToAdd")?;
    let timeout_s = request
        .invitation_timeout_in_seconds
        .unwrap_or(MAX_INVITATION_TIMEOUT_S);
    if !(0..=MAX_INVITATION_TIMEOUT_S).contains(&timeout_s) {
        return Err(ApiError::invalid_field(
            "invitationTimeoutInSeconds",
            format!(
                "invitationTimeoutInSeconds must be between 0 and {MAX_INVITATION_TIMEOUT_S}; it was {timeout_s}."
            ),
        ));
    }
    let operation = operation_of(&request.operation_context, &request.operation_callback_uri)?;
    let repeat = repeat_of(&headers, format!("add:{id}"))?;
    let invitation = Invitation {
        id: uuid_v4(),
        raw_id: invitee.clone(),
        kind: InviteKind::Add,
        operation: operation.clone(),
    };
    let response = AddParticipantResponse {
        participant: CallParticipant {
            identifier: CommunicationIdentifier::from_raw_id(&invitee).to_model(),
            is_muted: false,
            is_on_hold: false,
        },
        operation_context: request.operation_context.clone(),
        invitation_id: invitation.id.clone(),
    };
    let pending = invitation.clone();
    let escalation = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let refused = escalation.clone();
    let (answer, applied) = change(&state, &id, repeat, move |call, _events, _db| {
        if call.phase != Phase::Connected {
            return Err(ApiError::bad_request(
                "The call is not connected yet; add participants once it is.",
            ));
        }
        if call.party(&pending.raw_id).is_some()
            || call.invitations.iter().any(|i| i.raw_id == pending.raw_id)
        {
            return Err(ApiError::invalid_field(
                "participantToAdd",
                format!("{} is already in this call or being rung.", pending.raw_id),
            ));
        }
        // A call with a Teams user (or app) is 1:1: a third party would make it a group call.
        if call.has_teams_party() || is_teams_party(&pending.raw_id) {
            refused.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        call.invitations.push(pending);
        Answer::json(StatusCode::ACCEPTED, &response)
    })
    .await?;
    if applied {
        let plan = if escalation.load(std::sync::atomic::Ordering::Relaxed) {
            far_end::Plan::Fail {
                after: Duration::from_millis(300),
                result: codes::escalation(&invitee),
            }
        } else {
            far_end::plan_for(&state, &invitee).await
        };
        let timeout = Duration::from_secs(timeout_s as u64).min(state.calling.ring_timeout);
        far_end::start(state.clone(), id, invitation.id, plan, timeout);
    }
    Ok(answer)
}

async fn remove(
    state: EmulatorState,
    id: String,
    headers: HeaderMap,
    request: RemoveParticipantRequest,
) -> Result<Answer, ApiError> {
    let who = resolve(&request.participant_to_remove, "participantToRemove")?;
    let operation = operation_of(&request.operation_context, &request.operation_callback_uri)?;
    let repeat = repeat_of(&headers, format!("remove:{id}"))?;
    let response = OperationContextResponse {
        operation_context: request.operation_context.clone(),
    };
    let (answer, _) = change(&state, &id, repeat, move |call, events_out, _db| {
        if who == call.source {
            return Err(ApiError::invalid_field(
                "participantToRemove",
                "The application cannot remove itself; hang up instead.",
            ));
        }
        call.expect_party(&who, "participantToRemove")?;
        call.parties.retain(|p| p.raw_id != who);
        let mut data = events::base(
            call,
            Some(&operation),
            codes::success("Participant removed."),
        );
        data.participant = Some(CommunicationIdentifier::from_raw_id(&who).to_model());
        events_out.push(events::call_event(
            call,
            CallEventType::RemoveParticipantSucceeded,
            Some(&operation),
            data,
        ));
        events_out.push(events::participants_updated(call));
        if call.others().next().is_none() {
            teams_side::end(call, events_out, codes::removed());
        }
        Answer::json(StatusCode::ACCEPTED, &response)
    })
    .await?;
    Ok(answer)
}

async fn mute(
    state: EmulatorState,
    id: String,
    headers: HeaderMap,
    request: MuteParticipantsRequest,
) -> Result<Answer, ApiError> {
    if request.target_participants.len() != 1 {
        return Err(ApiError::invalid_field(
            "targetParticipants",
            "Mute one participant at a time.",
        ));
    }
    let who = resolve(&request.target_participants[0], "targetParticipants[0]")?;
    if CommunicationIdentifier::from_raw_id(&who).kind() != IdentifierKind::CommunicationUser {
        return Err(ApiError::invalid_field(
            "targetParticipants",
            format!(
                "Only ACS users can be muted through Call Automation; {who} is not one (Teams users mute themselves in Teams)."
            ),
        ));
    }
    let repeat = repeat_of(&headers, format!("mute:{id}"))?;
    let response = OperationContextResponse {
        operation_context: request.operation_context.clone(),
    };
    let (answer, _) = change(&state, &id, repeat, move |call, events_out, _db| {
        if !call.expect_party(&who, "targetParticipants")?.muted {
            if let Some(party) = call.party_mut(&who) {
                party.muted = true;
            }
            events_out.push(events::participants_updated(call));
        }
        Answer::json(StatusCode::OK, &response)
    })
    .await?;
    Ok(answer)
}

async fn cancel_add(
    state: EmulatorState,
    id: String,
    headers: HeaderMap,
    request: CancelAddParticipantRequest,
) -> Result<Answer, ApiError> {
    let operation = operation_of(&request.operation_context, &request.operation_callback_uri)?;
    let repeat = repeat_of(&headers, format!("cancelAdd:{id}"))?;
    let invitation_id = request.invitation_id.trim().to_string();
    if invitation_id.is_empty() {
        return Err(ApiError::invalid_field(
            "invitationId",
            "The field 'invitationId' is required.",
        ));
    }
    let response = CancelAddParticipantResponse {
        invitation_id: invitation_id.clone(),
        operation_context: request.operation_context.clone(),
    };
    let (answer, _) = change(&state, &id, repeat, move |call, events_out, _db| {
        let found = call
            .invitations
            .iter()
            .position(|i| i.id == invitation_id && i.kind == InviteKind::Add);
        let (kind, result) = match found {
            Some(i) => {
                call.invitations.remove(i);
                (
                    CallEventType::CancelAddParticipantSucceeded,
                    codes::invitation_canceled(),
                )
            }
            None => (
                CallEventType::CancelAddParticipantFailed,
                ResultInformation::new(
                    400,
                    0,
                    &format!("There is no pending invitation '{invitation_id}' to cancel."),
                ),
            ),
        };
        let mut data = events::base(call, Some(&operation), result);
        data.invitation_id = Some(invitation_id.clone());
        events_out.push(events::call_event(call, kind, Some(&operation), data));
        Answer::json(StatusCode::ACCEPTED, &response)
    })
    .await?;
    Ok(answer)
}
