//! Authentication as ACS does it: HMAC-SHA256 for the identity API, bearer user tokens for chat.

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::{Duration, SystemTime};

use super::EmulatorState;
use super::error::ApiError;
use super::store::IdentityState;
use crate::acs::hmac;
use crate::acs::token::{TokenClaims, TokenError};

/// How far a request's `x-ms-date` may be from the emulator's clock.
const MAX_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);
/// The largest body the HMAC check reads.
const MAX_SIGNED_BODY: usize = 4 * 1024 * 1024;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Middleware: the request must carry a valid HMAC signature made with the emulator's access key.
pub async fn require_hmac(
    State(state): State<EmulatorState>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, MAX_SIGNED_BODY).await {
        Ok(b) => b,
        Err(_) => return ApiError::bad_request("The request body is too large.").into_response(),
    };
    if let Err(e) = verify_hmac(&state, &parts, &bytes) {
        return e.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn verify_hmac(state: &EmulatorState, parts: &Parts, body: &[u8]) -> Result<(), ApiError> {
    let headers = &parts.headers;
    let authorization = header(headers, "authorization")
        .ok_or_else(|| ApiError::unauthorized("The request has no Authorization header."))?;
    let given = hmac::parse_authorization(authorization).ok_or_else(|| {
        ApiError::unauthorized(
            "The Authorization header must be 'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=...'.",
        )
    })?;
    let date = header(headers, "x-ms-date")
        .or_else(|| header(headers, "date"))
        .ok_or_else(|| ApiError::unauthorized("The request has no x-ms-date header."))?;
    let sent = httpdate::parse_http_date(date).map_err(|_| {
        ApiError::unauthorized(format!(
            "The x-ms-date header '{date}' is not an RFC 1123 date."
        ))
    })?;
    let now = SystemTime::now();
    let skew = now
        .duration_since(sent)
        .or_else(|_| sent.duration_since(now))
        .unwrap_or_default();
    if skew > MAX_CLOCK_SKEW {
        return Err(ApiError::unauthorized(format!(
            "The x-ms-date '{date}' is more than 15 minutes from the emulator's clock."
        )));
    }
    let content_hash = header(headers, "x-ms-content-sha256")
        .ok_or_else(|| ApiError::unauthorized("The request has no x-ms-content-sha256 header."))?;
    if !hmac::signatures_match(content_hash, &hmac::content_hash(body)) {
        return Err(ApiError::unauthorized(
            "The x-ms-content-sha256 header does not match the request body.",
        ));
    }
    let host = header(headers, "host")
        .map(str::to_string)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .ok_or_else(|| ApiError::unauthorized("The request has no Host header."))?;
    let candidates = hmac::path_and_query_candidates(parts.uri.path(), parts.uri.query());
    let mut expected_first = None;
    for path_and_query in &candidates {
        let text = hmac::string_to_sign(
            parts.method.as_str(),
            path_and_query,
            date,
            &host,
            content_hash,
        );
        if hmac::signatures_match(given, &hmac::signature(&state.keys.access_key, &text)) {
            return Ok(());
        }
        expected_first.get_or_insert(text);
    }
    // Like Azurite: the string the emulator signed helps a client author find the difference.
    tracing::debug!(string_to_sign = ?expected_first, "HMAC signature mismatch");
    Err(ApiError::unauthorized(
        "The HMAC signature does not match; check the access key and the string to sign (the emulator logs it at debug level).",
    ))
}

/// The user a bearer token speaks for, after every check the service makes.
pub async fn bearer_user(
    state: &EmulatorState,
    headers: &HeaderMap,
    query_token: Option<&str>,
) -> Result<String, ApiError> {
    let token = match header(headers, "authorization") {
        // The scheme name is case-insensitive (RFC 9110 §11.1).
        Some(value) => value
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token)
            .ok_or_else(|| {
                ApiError::unauthorized("The Authorization header must be 'Bearer <token>'.")
            })?
            .trim()
            .to_string(),
        None => query_token
            .map(str::to_string)
            .ok_or_else(|| ApiError::unauthorized("The request has no Authorization header."))?,
    };
    let now_s = crate::acs::time::now_ms() / 1000;
    let claims =
        TokenClaims::decode(&token, &state.keys.signing_key, now_s).map_err(|e| match e {
            TokenError::Expired => ApiError::unauthorized("The access token has expired."),
            TokenError::BadSignature => {
                ApiError::unauthorized("The access token was not issued by this emulator.")
            }
            _ => ApiError::unauthorized("The access token is not well formed."),
        })?;
    if *claims.resource_id != *state.resource_id {
        return Err(ApiError::unauthorized(
            "The access token was issued for another resource.",
        ));
    }
    if !claims.scopes().any(|s| s.starts_with("chat")) {
        return Err(ApiError::unauthorized(
            "The access token has no chat scope; issue one with the 'chat' scope.",
        ));
    }
    let user = claims.user_raw_id();
    let lookup = user.clone();
    let state_of = state
        .store
        .run(move |db| db.identity_state(&lookup))
        .await?;
    match state_of {
        IdentityState::Active { generation } if generation == claims.generation => Ok(user),
        IdentityState::Active { .. } => {
            Err(ApiError::unauthorized("The access token was revoked."))
        }
        IdentityState::Deleted => Err(ApiError::unauthorized("The identity was deleted.")),
        IdentityState::Unknown => Err(ApiError::unauthorized("The identity does not exist.")),
    }
}

/// Extractor for chat routes: the authenticated user's raw id.
pub struct ChatUser(pub String);

impl FromRequestParts<EmulatorState> for ChatUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &EmulatorState,
    ) -> Result<Self, Self::Rejection> {
        bearer_user(state, &parts.headers, None).await.map(ChatUser)
    }
}
