//! `/emulator/faults`, signed with the access key like the other admin routes:
//! - `GET`: the faults in force, their seed, and how many of each were injected since they were set;
//! - `PUT {"spec": "503=10%,…"}`: puts new faults in force (the counts start again);
//! - `DELETE`: no faults.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::spec::{FaultSpec, RouteClass};
use super::{Faults, Kind};
use crate::emulator::EmulatorState;
use crate::emulator::error::ApiError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetFaults {
    spec: String,
}

/// What `GET` answers: the canonical spec, the seed in use, and the counts by class and kind.
pub fn describe(faults: &Faults) -> Value {
    let (spec, seed) = faults.current();
    let mut injected = Map::new();
    for class in RouteClass::ALL {
        let mut counts = Map::new();
        for kind in Kind::ALL {
            let n = faults.count(class, kind);
            if n > 0 {
                counts.insert(kind.name().into(), n.into());
            }
        }
        injected.insert(class.name().into(), counts.into());
    }
    json!({
        "active": !spec.is_off(),
        "spec": spec.with_seed(seed).to_string(),
        "seed": seed,
        "injected": injected,
    })
}

pub(crate) async fn get(State(state): State<EmulatorState>) -> Json<Value> {
    Json(describe(&state.faults))
}

pub(crate) async fn put(
    State(state): State<EmulatorState>,
    body: Result<Json<SetFaults>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(body) = body.map_err(|e| {
        ApiError::bad_request(format!(
            "The body is {{\"spec\": \"503=10%,latency=200ms~50ms\"}}: {}",
            e.body_text()
        ))
    })?;
    if body.spec.len() > 4096 {
        return Err(ApiError::invalid_field(
            "spec",
            "A fault spec is at most 4096 characters.",
        ));
    }
    let spec = FaultSpec::parse(&body.spec).map_err(|why| ApiError::invalid_field("spec", why))?;
    let seed = state.faults.set(spec.clone());
    announce(&spec, seed);
    Ok(Json(describe(&state.faults)))
}

pub(crate) async fn delete(State(state): State<EmulatorState>) -> Json<Value> {
    state.faults.set(FaultSpec::off());
    tracing::warn!("fault injection is off");
    Json(describe(&state.faults))
}

/// Logs the faults put in force, with the seed that repeats their choices.
pub fn announce(spec: &FaultSpec, seed: u64) {
    if spec.is_off() {
        tracing::warn!("fault injection is off");
    } else {
        tracing::warn!(spec = %spec.with_seed(seed), "fault injection is on: answers marked x-ms-emulator-fault are injected");
    }
}
