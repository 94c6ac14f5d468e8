//! Request parsing with ACS-shaped errors: JSON bodies that name the field at fault, and the
//! `api-version` query parameter.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::EmulatorState;
use super::error::ApiError;
use crate::acs::api_version::{self, Surface, VersionCheck};

/// A JSON body that must be present.
pub struct AcsJson<T>(pub T);

/// A JSON body that may be absent or empty (then `T::default()`).
pub struct OptionalAcsJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<EmulatorState> for AcsJson<T> {
    type Rejection = ApiError;

    async fn from_request(
        request: Request,
        state: &EmulatorState,
    ) -> Result<Self, Self::Rejection> {
        let bytes = body_bytes(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::bad_request("The request body is missing."));
        }
        parse_json(&bytes).map(AcsJson)
    }
}

impl<T: DeserializeOwned + Default> FromRequest<EmulatorState> for OptionalAcsJson<T> {
    type Rejection = ApiError;

    async fn from_request(
        request: Request,
        state: &EmulatorState,
    ) -> Result<Self, Self::Rejection> {
        let bytes = body_bytes(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalAcsJson(T::default()));
        }
        parse_json(&bytes).map(OptionalAcsJson)
    }
}

async fn body_bytes(request: Request, state: &EmulatorState) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state).await.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            super::request_limits::too_large()
        } else {
            ApiError::bad_request(format!("The request body cannot be read: {e}"))
        }
    })
}

/// Parses JSON, turning serde's complaint into a message that names the field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => Ok(v),
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                return Err(ApiError::bad_request(format!(
                    "The request body is not valid JSON: {inner}."
                )));
            }
            let message = inner.to_string();
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_string();
            if let Some(field) = message
                .strip_prefix("missing field `")
                .and_then(|m| m.split('`').next())
            {
                let target = if path == "." {
                    field.to_string()
                } else {
                    format!("{path}.{field}")
                };
                return Err(ApiError::invalid_field(
                    &target,
                    format!("The field '{target}' is required."),
                ));
            }
            let target = if path == "." { String::new() } else { path };
            Err(ApiError::invalid_field(
                &target,
                format!("The field '{target}' is not valid: {message}."),
            ))
        }
    }
}

fn api_version_of(query: Option<&str>) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == "api-version").then(|| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

fn check_api_version(
    state: &EmulatorState,
    surface: Surface,
    request: &Request,
) -> Result<(), ApiError> {
    let Some(version) = api_version_of(request.uri().query()) else {
        return Err(ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "MissingApiVersionParameter",
            "The api-version query parameter is required.",
        ));
    };
    let supported = || api_version::known_versions(surface).join(", ");
    match api_version::check(surface, &version) {
        VersionCheck::Known => Ok(()),
        VersionCheck::UnknownDate if !state.strict_api_version => {
            tracing::debug!(%version, "serving an api-version this emulator does not know");
            Ok(())
        }
        VersionCheck::UnknownDate | VersionCheck::Malformed => Err(ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "UnsupportedApiVersion",
            format!(
                "The api-version '{version}' is not supported; supported versions: {}.",
                supported()
            ),
        )
        .with_target("api-version")),
    }
}

pub async fn chat_api_version(
    State(state): State<EmulatorState>,
    request: Request,
    next: Next,
) -> Response {
    match check_api_version(&state, Surface::Chat, &request) {
        Ok(()) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

pub async fn calling_api_version(
    State(state): State<EmulatorState>,
    request: Request,
    next: Next,
) -> Response {
    match check_api_version(&state, Surface::Calling, &request) {
        Ok(()) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

pub async fn identity_api_version(
    State(state): State<EmulatorState>,
    request: Request,
    next: Next,
) -> Response {
    match check_api_version(&state, Surface::Identity, &request) {
        Ok(()) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acs::chat::{CreateChatThreadRequest, SendChatMessageRequest};

    #[test]
    fn errors_name_the_field() {
        let e = parse_json::<SendChatMessageRequest>(br#"{"type":"text"}"#).unwrap_err();
        assert_eq!(e.error.target.as_deref(), Some("content"));
        let e = parse_json::<SendChatMessageRequest>(br#"{"content": 5}"#).unwrap_err();
        assert_eq!(e.error.target.as_deref(), Some("content"));
        let e = parse_json::<CreateChatThreadRequest>(
            br#"{"topic":"t","participants":[{"displayName":"x"}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.error.target.as_deref(),
            Some("participants[0].communicationIdentifier")
        );
        let e = parse_json::<SendChatMessageRequest>(b"{").unwrap_err();
        assert!(e.error.message.contains("not valid JSON"));
    }
}
