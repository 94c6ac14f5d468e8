//! Call Automation (`/calling/...`, HMAC like identity): calls from an ACS application to ACS users and
//! to Teams users and apps, with the Teams side simulated from the tenant. Every outcome reaches the
//! application as CloudEvents POSTed to its callback URL, each signed with a JWT whose keys are served
//! at `/calling/keys`.
//!
//! - [`model`]: a call as kept in SQLite; [`engine`]: changing one in a storage job, and repeatability.
//! - [`connections`], [`participants`], [`media`], [`recordings`]: the routes.
//! - [`far_end`]: who a target is and what they do; [`teams_side`]: what Teams users do in a call;
//!   [`admin`]: the Teams side through the admin API.
//! - [`events`] and [`codes`]: the events and their result codes; [`delivery`] and [`signing`]: getting
//!   them to the application, authenticated.

pub mod admin;
pub mod codes;
pub mod connections;
pub mod delivery;
pub mod engine;
pub mod events;
pub mod far_end;
pub mod media;
pub mod model;
pub mod participants;
pub mod recordings;
pub mod signing;
pub mod teams_side;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;

use super::EmulatorState;
use super::error::ApiError;
use crate::acs::identifier::CommunicationIdentifierModel;
use engine::Answer;

/// Call settings of one emulator.
#[derive(Debug, Clone)]
pub struct CallingSettings {
    /// How long a call (or an invitation) rings before it ends unanswered.
    pub ring_timeout: Duration,
    /// The `iss` of callback tokens.
    pub issuer: Arc<str>,
}

impl Default for CallingSettings {
    fn default() -> Self {
        CallingSettings {
            ring_timeout: Duration::from_secs(30),
            issuer: Arc::from(crate::acs::callback_token::CALL_AUTOMATION_ISSUER),
        }
    }
}

/// The `/calling/...` routes (HMAC-signed) and the two unauthenticated key documents.
pub fn routes(state: &EmulatorState) -> Router<EmulatorState> {
    let signed = Router::new()
        .route("/calling/{collection}", post(post_collection))
        .route(
            "/calling/callConnections/{segment}",
            get(connections::get)
                .delete(connections::hang_up)
                .post(post_connection),
        )
        .route(
            "/calling/callConnections/{id}/participants",
            get(participants::list),
        )
        .route(
            "/calling/callConnections/{id}/participants/{raw_id}",
            get(participants::get),
        )
        .route(
            "/calling/callConnections/{id}/{segment}",
            post(post_connection_child),
        )
        .route(
            "/calling/recordings/{segment}",
            get(recordings::get)
                .delete(recordings::stop)
                .post(post_recording),
        )
        .route_layer(from_fn_with_state(state.clone(), super::auth::require_hmac))
        .route_layer(from_fn_with_state(
            state.clone(),
            super::extract::calling_api_version,
        ));
    let open = Router::new()
        .route(
            "/calling/.well-known/acsopenidconfiguration",
            get(signing::openid_configuration),
        )
        .route("/calling/keys", get(signing::keys));
    signed.merge(open)
}

/// `POST /calling/callConnections`, `/calling/callConnections:answer` and the like, and
/// `POST /calling/recordings`.
async fn post_collection(
    State(state): State<EmulatorState>,
    Path(collection): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Answer, ApiError> {
    match collection.split_once(':') {
        None if collection == "callConnections" => {
            connections::create(state, headers, parse_body(&body)?).await
        }
        None if collection == "recordings" => recordings::start(State(state), headers, body).await,
        Some(("callConnections", action)) => connections::incoming(action, &body).await,
        _ => Err(ApiError::not_found(format!(
            "There is no operation at POST /calling/{collection}."
        ))),
    }
}

/// `POST /calling/callConnections/{id}:<action>`.
async fn post_connection(
    State(state): State<EmulatorState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Answer, ApiError> {
    let Some((id, action)) = segment.split_once(':') else {
        return Err(ApiError::not_found(format!(
            "There is no operation at POST /calling/callConnections/{segment}; actions look like {{id}}:terminate."
        )));
    };
    connections::action(state, id.to_string(), action, headers, body).await
}

/// `POST /calling/callConnections/{id}/participants:<action>`.
async fn post_connection_child(
    State(state): State<EmulatorState>,
    Path((id, segment)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Answer, ApiError> {
    match segment.split_once(':') {
        Some(("participants", action)) => {
            participants::action(state, id, action, headers, body).await
        }
        _ => Err(ApiError::not_found(format!(
            "There is no operation at POST /calling/callConnections/{id}/{segment}."
        ))),
    }
}

/// `POST /calling/recordings/{id}:pause|:resume`.
async fn post_recording(
    State(state): State<EmulatorState>,
    Path(segment): Path<String>,
) -> Result<Answer, ApiError> {
    match segment.split_once(':') {
        Some((id, action)) => recordings::action(state, id.to_string(), action).await,
        None => Err(ApiError::not_found(format!(
            "There is no operation at POST /calling/recordings/{segment}."
        ))),
    }
}

/// A JSON body that must be present, with errors that name the field.
pub(crate) fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("The request body is missing."));
    }
    super::extract::parse_json(body)
}

/// A JSON body that may be absent (then the default).
pub(crate) fn parse_optional_body<T: DeserializeOwned + Default>(
    body: &[u8],
) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    super::extract::parse_json(body)
}

/// A request's identifier as a raw id; 400 naming `field` when it cannot be used.
pub(crate) fn resolve(
    model: &CommunicationIdentifierModel,
    field: &str,
) -> Result<String, ApiError> {
    model
        .resolve()
        .map(|id| id.raw_id().to_string())
        .map_err(|e| {
            ApiError::invalid_field(field, format!("The field '{field}' is not valid: {e}."))
        })
}

/// A callback URL must be absolute http(s). The service takes only https; the emulator also takes
/// http, so a local receiver needs no certificate.
pub(crate) fn valid_callback_uri(uri: &str, field: &str) -> Result<(), ApiError> {
    let parsed = reqwest::Url::parse(uri.trim()).map_err(|_| {
        ApiError::invalid_field(
            field,
            format!("The field '{field}' must be an absolute http(s) URL, not '{uri}'."),
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(ApiError::invalid_field(
            field,
            format!("The field '{field}' must be an http(s) URL, not '{uri}'."),
        ));
    }
    Ok(())
}

/// Where an operation's events go and what they echo; the callback, when given, must be http(s).
pub(crate) fn operation_of(
    context: &Option<String>,
    callback: &Option<String>,
) -> Result<model::Operation, ApiError> {
    if let Some(uri) = callback {
        valid_callback_uri(uri, "operationCallbackUri")?;
    }
    Ok(model::Operation {
        context: context.clone(),
        callback_uri: callback.clone(),
    })
}

/// After a restart: every call that was live is ended, and its application told so (CallDisconnected
/// with the emulator's own result code), so no call dangles.
pub async fn end_interrupted_calls(state: &EmulatorState) -> Result<usize, ApiError> {
    state
        .store
        .run(|db| {
            let calls = db.live_calls()?;
            let now = crate::acs::time::now_ms();
            for mut call in calls.iter().cloned() {
                let mut events_out = Vec::new();
                teams_side::end(&mut call, &mut events_out, codes::restarted());
                db.save_call(&call, now)?;
                engine::queue(db, &call, events_out)?;
            }
            Ok(calls.len())
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_urls_must_be_http_or_https() {
        assert!(valid_callback_uri("https://app.example/cb", "callbackUri").is_ok());
        assert!(valid_callback_uri("http://127.0.0.1:9/cb?x=1", "callbackUri").is_ok());
        let e = valid_callback_uri("ftp://x/cb", "callbackUri").unwrap_err();
        assert_eq!(e.error.target.as_deref(), Some("callbackUri"));
        assert!(valid_callback_uri("/relative", "callbackUri").is_err());
        assert!(valid_callback_uri("", "operationCallbackUri").is_err());
    }
}
