//! The other side of a call, simulated: who a target is, whether the interop rules let this resource
//! call them, and what they do (answer, decline, let it ring; then record, transcribe, hang up), from the
//! tenant's personas. Every step is a timer that changes the call only if it is still as expected.

use std::time::Duration;

use crate::acs::call_events::CallEventType;
use crate::acs::calling::ResultInformation;
use crate::acs::identifier::CommunicationIdentifier;
use crate::emulator::EmulatorState;
use crate::emulator::store::IdentityState;
use crate::emulator::tenant::seed::{CallAnswer, CallBehaviour, Seed};
use crate::emulator::tenant::verdict_for;

use super::codes;
use super::engine::change_quietly;
use super::events::{self, Outgoing};
use super::model::{Call, Invitation, InviteKind, Party, Phase};
use super::teams_side;

/// How long the emulator takes to refuse a call the rules forbid (the service answers 201 first).
const REFUSAL_DELAY: Duration = Duration::from_millis(300);
/// How long a simulated ACS client takes to answer.
const ACS_ANSWER_DELAY: Duration = Duration::from_millis(1000);

/// What will happen to one invitation.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Answered after `after`; then the behaviour's later steps.
    Answer {
        after: Duration,
        name: Option<String>,
        behaviour: CallBehaviour,
    },
    Decline {
        after: Duration,
        name: String,
    },
    /// Rings until the ring timeout.
    Ignore {
        name: String,
    },
    /// Fails after `after` with this result.
    Fail {
        after: Duration,
        result: ResultInformation,
    },
}

/// The display name the tenant gives a raw id, if it knows one.
pub fn display_name(seed: &Seed, raw_id: &str) -> Option<String> {
    match CommunicationIdentifier::from_raw_id(raw_id) {
        CommunicationIdentifier::MicrosoftTeamsUser { user_id, .. } => {
            seed.user(&user_id).map(|u| u.display_name.clone())
        }
        CommunicationIdentifier::MicrosoftTeamsApp { app_id, .. } => {
            seed.app(&app_id).map(|a| a.display_name.clone())
        }
        _ => None,
    }
}

/// Decides what an invitation to `raw_id` leads to, by the tenant's rules and personas.
pub async fn plan_for(state: &EmulatorState, raw_id: &str) -> Plan {
    let seed = state.tenant.snapshot();
    match CommunicationIdentifier::from_raw_id(raw_id) {
        CommunicationIdentifier::MicrosoftTeamsUser { user_id, .. } => {
            let Some(user) = seed.user(&user_id) else {
                return Plan::Fail {
                    after: REFUSAL_DELAY,
                    result: codes::unreachable(raw_id, "the tenant has no such user"),
                };
            };
            let verdict = verdict_for(&seed, user, &state.resource_id);
            if let Some(reason) = verdict.reasons.iter().find(|r| r.blocks_chat()) {
                return Plan::Fail {
                    after: REFUSAL_DELAY,
                    result: codes::permission_denied(reason, verdict.table_row),
                };
            }
            if !verdict.calls_enabled {
                return Plan::Fail {
                    after: REFUSAL_DELAY,
                    result: codes::not_teams_only(&user.upn, &user.mode),
                };
            }
            let behaviour = seed
                .persona_of(&user.object_id)
                .and_then(|p| p.call.clone());
            plan_behaviour(behaviour, &user.display_name)
        }
        CommunicationIdentifier::MicrosoftTeamsApp { app_id, .. } => {
            let Some(app) = seed.app(&app_id) else {
                return Plan::Fail {
                    after: REFUSAL_DELAY,
                    result: codes::unreachable(raw_id, "the tenant has no such app"),
                };
            };
            let federation = crate::emulator::tenant::federation_of(&seed);
            if !federation.enable_acs_users {
                return Plan::Fail {
                    after: REFUSAL_DELAY,
                    result: codes::tenant_denied(&crate::interop::Reason::FederationOff),
                };
            }
            if !federation.allows(&state.resource_id) {
                return Plan::Fail {
                    after: REFUSAL_DELAY,
                    result: codes::tenant_denied(&crate::interop::Reason::ResourceNotAllowed {
                        resource_id: state.resource_id.to_string(),
                    }),
                };
            }
            let behaviour = Some(app.call.clone().unwrap_or(CallBehaviour {
                answer_after_ms: 1000,
                ..CallBehaviour::default()
            }));
            plan_behaviour(behaviour, &app.display_name)
        }
        CommunicationIdentifier::CommunicationUser { id } => {
            let lookup = id.clone();
            let known = state.store.run(move |db| db.identity_state(&lookup)).await;
            match known {
                Ok(IdentityState::Active { .. }) => Plan::Answer {
                    after: ACS_ANSWER_DELAY,
                    name: None,
                    behaviour: CallBehaviour::default(),
                },
                _ => Plan::Fail {
                    after: REFUSAL_DELAY,
                    result: codes::unreachable(&id, "no such identity in this resource"),
                },
            }
        }
        _ => Plan::Fail {
            after: REFUSAL_DELAY,
            result: codes::unreachable(
                raw_id,
                "the emulator reaches only ACS users and Teams users and apps",
            ),
        },
    }
}

fn plan_behaviour(behaviour: Option<CallBehaviour>, name: &str) -> Plan {
    match behaviour {
        None => Plan::Ignore {
            name: name.to_string(),
        },
        Some(b) => {
            let after = Duration::from_millis(b.answer_after_ms);
            match b.answer {
                CallAnswer::Accept => Plan::Answer {
                    after,
                    name: Some(name.to_string()),
                    behaviour: b,
                },
                CallAnswer::Decline => Plan::Decline {
                    after,
                    name: name.to_string(),
                },
                CallAnswer::Ignore => Plan::Ignore {
                    name: name.to_string(),
                },
            }
        }
    }
}

/// Starts the far end of one invitation: answers, declines, times out or fails as planned.
pub fn start(
    state: EmulatorState,
    call_id: String,
    invitation_id: String,
    plan: Plan,
    ring_timeout: Duration,
) {
    tokio::spawn(async move {
        match plan {
            Plan::Answer {
                after,
                name,
                behaviour,
            } => {
                // An invitation with its own (shorter) timeout may expire before the answer.
                tokio::time::sleep(after.min(ring_timeout)).await;
                if after > ring_timeout {
                    ring_out(
                        &state,
                        &call_id,
                        &invitation_id,
                        name.as_deref().unwrap_or("the callee"),
                    )
                    .await;
                    return;
                }
                let answered = answer(&state, &call_id, &invitation_id, name, &behaviour).await;
                if let Some(raw_id) = answered {
                    teams_side::schedule_behaviour(state, call_id, raw_id, behaviour);
                }
            }
            Plan::Decline { after, name } => {
                tokio::time::sleep(after.min(ring_timeout)).await;
                if after > ring_timeout {
                    ring_out(&state, &call_id, &invitation_id, &name).await;
                } else {
                    fail(&state, &call_id, &invitation_id, codes::declined(&name)).await;
                }
            }
            Plan::Ignore { name } => {
                tokio::time::sleep(ring_timeout).await;
                ring_out(&state, &call_id, &invitation_id, &name).await;
            }
            Plan::Fail { after, result } => {
                tokio::time::sleep(after).await;
                fail(&state, &call_id, &invitation_id, result).await;
            }
        }
    });
}

async fn ring_out(state: &EmulatorState, call_id: &str, invitation_id: &str, name: &str) {
    fail(state, call_id, invitation_id, codes::no_answer(name)).await;
}

/// The invitee answers: they join; the call connects if it was still ringing. Returns their raw id.
async fn answer(
    state: &EmulatorState,
    call_id: &str,
    invitation_id: &str,
    name: Option<String>,
    behaviour: &CallBehaviour,
) -> Option<String> {
    let invitation_id = invitation_id.to_string();
    let greeting = behaviour.greeting.clone();
    let joined = std::sync::Arc::new(std::sync::Mutex::new(None));
    let out = joined.clone();
    let changed = change_quietly(state, call_id, move |call, events, _db| {
        let Some(invitation) = take_invitation(call, &invitation_id) else {
            return Ok(false);
        };
        if call.party(&invitation.raw_id).is_some() {
            return Ok(true);
        }
        call.parties.push(Party::new(&invitation.raw_id, name));
        let now = crate::acs::time::now_ms();
        match invitation.kind {
            InviteKind::Create => {
                if call.phase == Phase::Ringing {
                    call.phase = Phase::Connected;
                    call.connected_ms = Some(now);
                    // The pending invitations of a group call keep ringing; the call is up.
                    events.push(events::simple(
                        call,
                        CallEventType::CallConnected,
                        Some(&call.created_by.clone()),
                        codes::success(""),
                    ));
                }
            }
            InviteKind::Add => {
                let mut data = events::base(call, Some(&invitation.operation), codes::success(""));
                data.participant =
                    Some(CommunicationIdentifier::from_raw_id(&invitation.raw_id).to_model());
                events.push(events::call_event(
                    call,
                    CallEventType::AddParticipantSucceeded,
                    Some(&invitation.operation),
                    data,
                ));
            }
        }
        if greeting.is_some() {
            call.far_end_media = greeting.clone();
        }
        events.push(events::participants_updated(call));
        if let Ok(mut slot) = out.lock() {
            *slot = Some(invitation.raw_id.clone());
        }
        Ok(true)
    })
    .await;
    match changed {
        Ok(true) => joined.lock().ok().and_then(|mut s| s.take()),
        Ok(false) => None,
        Err(e) => {
            tracing::warn!(error = %e, "a simulated answer could not be kept");
            None
        }
    }
}

/// The invitation fails (declined, no answer, refused): AddParticipantFailed, or CreateCallFailed when
/// it was the call's last hope.
pub async fn fail(
    state: &EmulatorState,
    call_id: &str,
    invitation_id: &str,
    result: ResultInformation,
) {
    let invitation_id = invitation_id.to_string();
    let changed = change_quietly(state, call_id, move |call, events, _db| {
        let Some(invitation) = take_invitation(call, &invitation_id) else {
            return Ok(false);
        };
        events.extend(failure_events(call, &invitation, result));
        Ok(true)
    })
    .await;
    if let Err(e) = changed {
        tracing::warn!(error = %e, "a simulated call failure could not be kept");
    }
}

/// The events of a failed invitation (already taken off the call).
pub fn failure_events(
    call: &mut Call,
    invitation: &Invitation,
    result: ResultInformation,
) -> Vec<Outgoing> {
    match invitation.kind {
        InviteKind::Add => {
            let mut data = events::base(call, Some(&invitation.operation), result);
            data.participant =
                Some(CommunicationIdentifier::from_raw_id(&invitation.raw_id).to_model());
            vec![events::call_event(
                call,
                CallEventType::AddParticipantFailed,
                Some(&invitation.operation),
                data,
            )]
        }
        InviteKind::Create => {
            let still_ringing = call
                .invitations
                .iter()
                .any(|i| i.kind == InviteKind::Create);
            if call.phase == Phase::Ringing && !still_ringing {
                call.phase = Phase::Disconnected;
                let created_by = call.created_by.clone();
                vec![events::simple(
                    call,
                    CallEventType::CreateCallFailed,
                    Some(&created_by),
                    result,
                )]
            } else {
                Vec::new()
            }
        }
    }
}

fn take_invitation(call: &mut Call, invitation_id: &str) -> Option<Invitation> {
    let i = call
        .invitations
        .iter()
        .position(|i| i.id == invitation_id)?;
    Some(call.invitations.remove(i))
}
