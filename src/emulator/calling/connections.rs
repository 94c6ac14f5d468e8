//! Call connections: create, get, hang up, terminate, transfer; and the incoming-call operations, which
//! the emulator answers honestly (it never raises an IncomingCall).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use std::time::Duration;

use crate::acs::call_events::CallEventType;
use crate::acs::calling::{
    CreateCallRequest, OperationContextResponse, TransferToParticipantRequest, server_call_id,
};
use crate::acs::identifier::{CommunicationIdentifier, IdentifierKind};
use crate::acs::time::now_ms;
use crate::emulator::EmulatorState;
use crate::emulator::error::ApiError;
use crate::emulator::store::IdentityState;
use crate::ids::uuid_v4;

use super::engine::{self, Answer, change, change_quietly, repeat_of};
use super::events;
use super::far_end::{self, Plan};
use super::model::{Call, Invitation, InviteKind, Operation, Party, Phase};
use super::{codes, operation_of, parse_body, resolve, teams_side, valid_callback_uri};
use crate::interop::limits;

/// Most targets of one create request.
const MAX_TARGETS: usize = 20;

/// `POST /calling/callConnections`.
pub async fn create(
    state: EmulatorState,
    headers: HeaderMap,
    request: CreateCallRequest,
) -> Result<Answer, ApiError> {
    valid_callback_uri(&request.callback_uri, "callbackUri")?;
    if request.targets.is_empty() {
        return Err(ApiError::invalid_field(
            "targets",
            "The field 'targets' needs at least one participant to call.",
        ));
    }
    if request.targets.len() > MAX_TARGETS {
        return Err(ApiError::invalid_field(
            "targets",
            format!("A call can be placed to at most {MAX_TARGETS} targets."),
        ));
    }
    let mut targets = Vec::new();
    for (i, model) in request.targets.iter().enumerate() {
        let target = resolve(model, &format!("targets[{i}]"))?;
        if targets.contains(&target) {
            return Err(ApiError::invalid_field(
                &format!("targets[{i}]"),
                format!("{target} is listed twice."),
            ));
        }
        targets.push(target);
    }
    if targets.len() > 1 && targets.iter().any(|t| super::model::is_teams_party(t)) {
        return Err(ApiError::invalid_field(
            "targets",
            format!(
                "Calls between ACS users and Teams users are 1:1 only: {} (call one Teams user or one Teams app).",
                limits::ONE_TO_ONE_CALLS.text
            ),
        ));
    }
    let source = source_of(&state, &request).await?;
    if targets.contains(&source) {
        return Err(ApiError::invalid_field(
            "targets",
            format!("{source} is the source of the call and cannot also be its target."),
        ));
    }
    let id = uuid_v4();
    let created_by = Operation {
        context: request.operation_context.clone(),
        callback_uri: None,
    };
    let invitations: Vec<Invitation> = targets
        .iter()
        .map(|raw_id| Invitation {
            id: uuid_v4(),
            raw_id: raw_id.clone(),
            kind: InviteKind::Create,
            operation: created_by.clone(),
        })
        .collect();
    let call = Call {
        server_call_id: server_call_id(&id),
        correlation_id: uuid_v4(),
        source: source.clone(),
        source_display_name: request.source_display_name.clone(),
        callback_uri: request.callback_uri.clone(),
        created_by,
        targets,
        phase: Phase::Ringing,
        parties: vec![Party::new(&source, request.source_display_name.clone())],
        invitations: invitations.clone(),
        sequence: 0,
        recordings: Vec::new(),
        transcription: Default::default(),
        play: None,
        far_end_media: None,
        pending_transfer: None,
        created_ms: now_ms(),
        connected_ms: None,
        ended_ms: None,
        id: id.clone(),
    };
    let repeat = repeat_of(&headers, "createCall".into())?;
    let (answer, created) = engine::create(&state, repeat, call, |_, _| Ok(())).await?;
    if created {
        tracing::info!(call = %id, source = %source, "call placed");
        for invitation in invitations {
            let plan = far_end::plan_for(&state, &invitation.raw_id).await;
            far_end::start(
                state.clone(),
                id.clone(),
                invitation.id,
                plan,
                state.calling.ring_timeout,
            );
        }
    }
    Ok(answer)
}

/// The application's identity in the call: the request's `source`, which must be an ACS user of this
/// resource, or the resource's own Call Automation identity.
async fn source_of(state: &EmulatorState, request: &CreateCallRequest) -> Result<String, ApiError> {
    let Some(source) = &request.source else {
        return Ok(format!("8:acs:{}_callautomation", state.resource_id));
    };
    let id = source.id.trim().to_string();
    if CommunicationIdentifier::from_raw_id(&id).kind() != IdentifierKind::CommunicationUser {
        return Err(ApiError::invalid_field(
            "source.id",
            format!("The source must be an ACS user (8:acs:...), not '{id}'."),
        ));
    }
    let lookup = id.clone();
    match state
        .store
        .run(move |db| db.identity_state(&lookup))
        .await?
    {
        IdentityState::Active { .. } => Ok(id),
        IdentityState::Deleted => Err(ApiError::invalid_field(
            "source.id",
            format!("The source identity '{id}' was deleted."),
        )),
        IdentityState::Unknown => Err(ApiError::invalid_field(
            "source.id",
            format!("The source identity '{id}' does not exist in this resource."),
        )),
    }
}

/// `GET /calling/callConnections/{id}`.
pub async fn get(
    State(state): State<EmulatorState>,
    Path(id): Path<String>,
) -> Result<Answer, ApiError> {
    let call = state.store.run(move |db| db.live_call(&id)).await?;
    Answer::json(StatusCode::OK, &call.properties())
}

/// `DELETE /calling/callConnections/{id}`: the application leaves; a 1:1 call ends.
pub async fn hang_up(
    State(state): State<EmulatorState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Answer, ApiError> {
    let repeat = repeat_of(&headers, format!("hangUp:{id}"))?;
    end_by_app(&state, &id, repeat).await
}

async fn end_by_app(
    state: &EmulatorState,
    id: &str,
    repeat: Option<engine::Repeat>,
) -> Result<Answer, ApiError> {
    let (answer, _) = change(state, id, repeat, |call, events_out, _db| {
        teams_side::end(call, events_out, codes::ended_by_app());
        Ok(Answer::empty(StatusCode::NO_CONTENT))
    })
    .await?;
    tracing::info!(call = %id, "call ended by the application");
    Ok(answer)
}

/// `POST /calling/callConnections/{id}:<action>`.
pub async fn action(
    state: EmulatorState,
    id: String,
    action: &str,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Answer, ApiError> {
    match action {
        "terminate" => {
            let repeat = repeat_of(&headers, format!("terminate:{id}"))?;
            end_by_app(&state, &id, repeat).await
        }
        "transferToParticipant" => transfer(state, id, headers, &body).await,
        "play"
        | "cancelAllMediaOperations"
        | "startTranscription"
        | "stopTranscription"
        | "updateTranscription"
        | "hold"
        | "unhold" => super::media::action(state, id, action, &body).await,
        "recognize"
        | "startContinuousDtmfRecognition"
        | "stopContinuousDtmfRecognition"
        | "sendDtmfTones"
        | "startMediaStreaming"
        | "stopMediaStreaming" => super::media::not_simulated(&state, &id, action).await,
        other => Err(ApiError::not_found(format!(
            "There is no call connection operation ':{other}'."
        ))),
    }
}

/// `:transferToParticipant`: a blind transfer of a 1:1 call; the application leaves once it is accepted.
async fn transfer(
    state: EmulatorState,
    id: String,
    headers: HeaderMap,
    body: &[u8],
) -> Result<Answer, ApiError> {
    let request: TransferToParticipantRequest = parse_body(body)?;
    let target = resolve(&request.target_participant, "targetParticipant")?;
    let operation = operation_of(&request.operation_context, &request.operation_callback_uri)?;
    let transferee = match &request.transferee {
        Some(model) => Some(resolve(model, "transferee")?),
        None => None,
    };
    let repeat = repeat_of(&headers, format!("transfer:{id}"))?;
    let checked_target = target.clone();
    let transfer_id = crate::ids::uuid_v4();
    let pending = transfer_id.clone();
    let response = OperationContextResponse {
        operation_context: request.operation_context.clone(),
    };
    let (answer, applied) = change(&state, &id, repeat, move |call, _events, _db| {
        if call.phase != Phase::Connected {
            return Err(ApiError::bad_request(
                "The call is not connected yet; transfer it once it is.",
            ));
        }
        if call.pending_transfer.is_some() {
            return Err(ApiError::bad_request(
                "A transfer of this call is already under way.",
            ));
        }
        let others: Vec<&Party> = call.others().collect();
        let transferee = match (transferee, others.as_slice()) {
            (Some(t), _) => {
                call.expect_party(&t, "transferee")?;
                t
            }
            (None, [only]) => only.raw_id.clone(),
            (None, _) => {
                return Err(ApiError::invalid_field(
                    "transferee",
                    "A transfer without a transferee works on 1:1 calls only; name the transferee.",
                ));
            }
        };
        call.expect_absent(&checked_target, "targetParticipant")?;
        call.pending_transfer = Some((pending, transferee));
        Answer::json(StatusCode::ACCEPTED, &response)
    })
    .await?;
    if applied {
        let plan = far_end::plan_for(&state, &target).await;
        tokio::spawn(finish_transfer(
            state,
            id,
            transfer_id,
            target,
            operation,
            plan,
        ));
    }
    Ok(answer)
}

/// The transfer target answers (CallTransferAccepted, then the application leaves) or does not
/// (CallTransferFailed).
async fn finish_transfer(
    state: EmulatorState,
    id: String,
    transfer_id: String,
    target: String,
    operation: Operation,
    plan: Plan,
) {
    let (after, failure) = match plan {
        Plan::Answer { after, .. } => (after, None),
        Plan::Decline { after, name } => (after, Some(codes::declined(&name))),
        Plan::Ignore { name } => (state.calling.ring_timeout, Some(codes::no_answer(&name))),
        Plan::Fail { after, result } => (after, Some(result)),
    };
    tokio::time::sleep(
        after
            .min(state.calling.ring_timeout)
            .min(Duration::from_secs(30)),
    )
    .await;
    let result = change_quietly(&state, &id, move |call, events_out, _db| {
        // Only this transfer, and only while the call is as it was asked for.
        let Some((pending, transferee)) = call.pending_transfer.take() else {
            return Ok(false);
        };
        if pending != transfer_id || call.phase != Phase::Connected {
            call.pending_transfer = Some((pending, transferee));
            return Ok(false);
        }
        let failure = match failure {
            None if call.party(&transferee).is_none() => {
                Some(crate::acs::calling::ResultInformation::new(
                    400,
                    0,
                    "The transferee left the call before the transfer completed.",
                ))
            }
            other => other,
        };
        match failure {
            Some(result) => {
                events_out.push(events::simple(
                    call,
                    CallEventType::CallTransferFailed,
                    Some(&operation),
                    result,
                ));
            }
            None => {
                let mut data = events::base(
                    call,
                    Some(&operation),
                    codes::success("The call was transferred."),
                );
                data.transfer_target =
                    Some(CommunicationIdentifier::from_raw_id(&target).to_model());
                data.transferee =
                    Some(CommunicationIdentifier::from_raw_id(&transferee).to_model());
                events_out.push(events::call_event(
                    call,
                    CallEventType::CallTransferAccepted,
                    Some(&operation),
                    data,
                ));
                teams_side::end(
                    call,
                    events_out,
                    codes::success("The call was transferred; the application left it."),
                );
            }
        }
        Ok(true)
    })
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "a transfer's outcome could not be kept");
    }
}

/// `POST /calling/callConnections:answer|:redirect|:reject|:connect`: the emulator raises no incoming
/// calls (Teams users cannot call ACS users), so there is never a context to act on.
pub async fn incoming(action: &str, body: &[u8]) -> Result<Answer, ApiError> {
    let value: serde_json::Value = parse_body(body)?;
    match action {
        "answer" | "redirect" | "reject" => {
            if value
                .get("incomingCallContext")
                .and_then(|v| v.as_str())
                .is_none()
            {
                return Err(ApiError::invalid_field(
                    "incomingCallContext",
                    "The field 'incomingCallContext' is required.",
                ));
            }
            Err(ApiError::invalid_field(
                "incomingCallContext",
                "There is no incoming call with this context: the emulator raises no IncomingCall events (Teams users cannot call ACS users).",
            ))
        }
        "connect" => Err(ApiError::not_found(
            "There is no call at this locator to connect to.",
        )),
        other => Err(ApiError::not_found(format!(
            "There is no call connections operation ':{other}'."
        ))),
    }
}
