//! `/emulator/teams/calls` and `/emulator/teams/users/{who}/call/...`: the Teams side of live calls, for
//! tests and demos (HMAC-signed like the rest of the admin API). What Teams users cannot do with ACS
//! users (transfer or forward to them, call them) is refused with the rule.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::acs::identifier::{CommunicationIdentifier, IdentifierKind};
use crate::emulator::EmulatorState;
use crate::emulator::error::ApiError;
use crate::emulator::tenant::admin::raw_id;
use crate::interop::limits;

use super::engine::{Answer, change};
use super::far_end::{self, display_name};
use super::model::{Call, Phase};
use super::{parse_body, parse_optional_body, teams_side};

/// The rule named when a Teams user tries to transfer or forward a call to an ACS user.
pub const RULE_NO_TRANSFER_TO_ACS: &str =
    "Teams users can't make ACS users forwarding or transfer targets (interop limitation).";
/// The rule named for call forwarding by a Teams user.
pub const RULE_NO_FORWARDING: &str = "Call forwarding, group call pickup, simultaneous ringing and voicemail aren't supported in calls between Teams users and ACS users (interop limitation).";
/// The rule named when a Teams user tries to call an ACS user.
pub const RULE_ACS_STARTS_CALLS: &str = "Teams users cannot call ACS users: ACS users start 1:1 calls with Teams users, not the other way round (emulator rule: the interop documentation describes only calls from ACS users).";

fn call_json(call: &Call, seed: &crate::emulator::tenant::seed::Seed) -> Value {
    let parties: Vec<Value> = call
        .parties
        .iter()
        .map(|p| {
            json!({
                "rawId": p.raw_id,
                "displayName": p.display_name.clone().or_else(|| display_name(seed, &p.raw_id)),
                "isMuted": p.muted,
                "isOnHold": p.on_hold,
            })
        })
        .collect();
    let ringing: Vec<&str> = call.invitations.iter().map(|i| i.raw_id.as_str()).collect();
    json!({
        "callConnectionId": call.id,
        "serverCallId": call.server_call_id,
        "state": call.state(),
        "source": call.source,
        "participants": parties,
        "ringing": ringing,
        "recording": call.active_recording().map(|r| json!({"recordingId": r.id, "kind": r.kind})),
        "transcription": call.transcription.by_app || call.transcription.by_teams,
        "farEndMedia": call.far_end_media,
        "createdOn": crate::acs::time::format_ms(call.created_ms),
    })
}

/// `GET /emulator/teams/calls`: the live calls.
pub async fn list_calls(State(state): State<EmulatorState>) -> Result<Json<Value>, ApiError> {
    let calls = state.store.run(|db| db.live_calls()).await?;
    let seed = state.tenant.snapshot();
    Ok(Json(Value::Array(
        calls.iter().map(|c| call_json(c, &seed)).collect(),
    )))
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CallQuery {
    #[serde(default)]
    call_connection_id: Option<String>,
}

/// The Teams user (by UPN or object id) or app (by id) and their raw id and name.
fn teams_party(state: &EmulatorState, who: &str) -> Result<(String, String), ApiError> {
    let seed = state.tenant.snapshot();
    if let Some(user) = seed.user(who) {
        return Ok((raw_id(user), user.display_name.clone()));
    }
    if let Some(app) = seed.app(who) {
        return Ok((format!("28:orgid:{}", app.app_id), app.display_name.clone()));
    }
    Err(ApiError::not_found(format!(
        "The tenant has no user or app '{who}' (give a UPN, an object id or an app id)."
    )))
}

/// The live call the party has answered (the newest, or the one asked for).
async fn call_of(
    state: &EmulatorState,
    raw: &str,
    name: &str,
    wanted: Option<String>,
) -> Result<String, ApiError> {
    let calls = state.store.run(|db| db.live_calls()).await?;
    calls
        .iter()
        .rev()
        .filter(|c| c.phase == Phase::Connected && c.party(raw).is_some())
        .find(|c| wanted.as_deref().is_none_or(|w| w == c.id))
        .map(|c| c.id.clone())
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "{name} is in no live call{} (a call that still rings does not count).",
                wanted.map(|w| format!(" '{w}'")).unwrap_or_default()
            ))
        })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Active {
    active: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Hold {
    on_hold: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Target {
    target: String,
}

/// `POST /emulator/teams/users/{who}/call/{action}`: recording, transcription, hold, hangup,
/// transfer, forward.
pub async fn call_action(
    State(state): State<EmulatorState>,
    Path((who, action)): Path<(String, String)>,
    Query(query): Query<CallQuery>,
    body: Bytes,
) -> Result<Answer, ApiError> {
    let (raw, name) = teams_party(&state, &who)?;
    // Refusals first: they hold whether or not a call is live.
    if action == "forward" {
        let _: Target = parse_body(&body)?;
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "ForwardingNotSupported",
            format!("{name} cannot forward this call: {RULE_NO_FORWARDING}"),
        ));
    }
    let target = if action == "transfer" {
        let Target { target } = parse_body(&body)?;
        let target = CommunicationIdentifier::from_raw_id(target.trim());
        if target.kind() == IdentifierKind::CommunicationUser {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "TransferToAcsNotSupported",
                format!(
                    "{name} cannot transfer the call to {}: {RULE_NO_TRANSFER_TO_ACS}",
                    target.raw_id()
                ),
            ));
        }
        Some(target.raw_id().to_string())
    } else {
        None
    };
    let call_id = call_of(&state, &raw, &name, query.call_connection_id).await?;
    let seed = state.tenant.snapshot();
    let (answer, _) = match action.as_str() {
        "recording" => {
            let Active { active } = parse_body(&body)?;
            change(&state, &call_id, None, move |call, events_out, db| {
                let id = teams_side::record(call, &raw, active, events_out, db)?;
                Answer::json(
                    StatusCode::OK,
                    &json!({"callConnectionId": call.id, "recordingId": id, "active": active}),
                )
            })
            .await?
        }
        "transcription" => {
            let Active { active } = parse_body(&body)?;
            change(&state, &call_id, None, move |call, events_out, _db| {
                teams_side::transcribe(call, &raw, active, events_out)?;
                Answer::json(
                    StatusCode::OK,
                    &json!({"callConnectionId": call.id, "active": active}),
                )
            })
            .await?
        }
        "hold" => {
            let Hold { on_hold } = parse_body(&body)?;
            change(&state, &call_id, None, move |call, events_out, _db| {
                teams_side::hold(call, &raw, on_hold, events_out)?;
                Answer::json(
                    StatusCode::OK,
                    &json!({"callConnectionId": call.id, "onHold": on_hold}),
                )
            })
            .await?
        }
        "hangup" => {
            let _: Value = parse_optional_body(&body)?;
            change(&state, &call_id, None, move |call, events_out, _db| {
                teams_side::hang_up(call, &raw, events_out)?;
                Ok(Answer::empty(StatusCode::NO_CONTENT))
            })
            .await?
        }
        "transfer" => {
            let target = target.unwrap_or_default();
            let target_name = display_name(&seed, &target);
            let known = match CommunicationIdentifier::from_raw_id(&target) {
                CommunicationIdentifier::MicrosoftTeamsUser { user_id, .. } => {
                    seed.user(&user_id).is_some()
                }
                CommunicationIdentifier::MicrosoftTeamsApp { app_id, .. } => {
                    seed.app(&app_id).is_some()
                }
                _ => false,
            };
            if !known {
                return Err(ApiError::invalid_field(
                    "target",
                    format!("The tenant has no Teams user or app '{target}' to transfer to."),
                ));
            }
            // The ACS user would end up in a call with the target: the same rules as calling them.
            if let far_end::Plan::Fail { result, .. } = far_end::plan_for(&state, &target).await {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "TransferNotAllowed",
                    format!(
                        "{name} cannot transfer the call to {target}: {}",
                        result.text()
                    ),
                ));
            }
            change(&state, &call_id, None, move |call, events_out, _db| {
                teams_side::transfer(call, &raw, &target, target_name, events_out)?;
                Ok(Answer::empty(StatusCode::NO_CONTENT))
            })
            .await?
        }
        other => {
            return Err(ApiError::not_found(format!(
                "There is no Teams call action '{other}' (recording, transcription, hold, hangup, transfer, forward)."
            )));
        }
    };
    tracing::info!(call = %call_id, who = %name, action = %action, "Teams side acted in a call");
    Ok(answer)
}

/// `POST /emulator/teams/users/{who}/calls`: a Teams user calling someone.
pub async fn start_call(
    State(state): State<EmulatorState>,
    Path(who): Path<String>,
    body: Bytes,
) -> Result<Answer, ApiError> {
    let (_, name) = teams_party(&state, &who)?;
    let Target { target } = parse_body(&body)?;
    let target = CommunicationIdentifier::from_raw_id(target.trim());
    if target.kind() == IdentifierKind::CommunicationUser {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "AcsUsersStartCalls",
            format!(
                "{name} cannot call {}: {RULE_ACS_STARTS_CALLS}",
                target.raw_id()
            ),
        ));
    }
    Err(ApiError::bad_request(format!(
        "The emulator simulates calls placed by ACS applications only; {name} calling {} is Teams-to-Teams ({}).",
        target.raw_id(),
        limits::ONE_TO_ONE_CALLS.text
    )))
}
