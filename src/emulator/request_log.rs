//! One log line per request, and the headers the service answers every request with.
//!
//! Each answer carries a fresh `x-ms-request-id`, an `MS-CV` correlation vector (the caller's,
//! extended, when it sent one) and the caller's `x-ms-client-request-id` echoed. The line, at info,
//! has the method, the path (never the query: the realtime socket may carry a token there), the
//! status, the latency in ms, the caller (the ACS user a valid bearer token names, `hmac` for a signed
//! request, `-` otherwise) and the request ids.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;

use super::EmulatorState;
use crate::acs::token::TokenClaims;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-ms-request-id");
const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("x-ms-client-request-id");
const CORRELATION_VECTOR: HeaderName = HeaderName::from_static("ms-cv");

/// The longest correlation vector that is extended rather than replaced.
const MAX_CV_LEN: usize = 127;

/// Middleware: tags the answer with its request ids and logs the request.
pub async fn log_and_tag(
    State(state): State<EmulatorState>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let caller = caller(&state, request.headers(), request.uri().query());
    let client_request_id = request.headers().get(CLIENT_REQUEST_ID).cloned();
    let cv = correlation_vector(request.headers().get(CORRELATION_VECTOR));
    let request_id = crate::ids::uuid_v4();

    let mut response = next.run(request).await;

    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID, value);
    }
    if let Ok(value) = HeaderValue::from_str(&cv) {
        headers.insert(CORRELATION_VECTOR, value);
    }
    if let Some(value) = &client_request_id {
        headers.insert(CLIENT_REQUEST_ID, value.clone());
    }
    let client_request_id = client_request_id
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info!(
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        latency_ms = started.elapsed().as_millis() as u64,
        caller = %caller,
        request_id = %request_id,
        client_request_id = %client_request_id,
        "request"
    );
    response
}

/// Who made the request, as far as its credentials say without a database lookup.
fn caller(state: &EmulatorState, headers: &HeaderMap, query: Option<&str>) -> String {
    let authorization = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let token = match authorization {
        Some(value) => match value.split_once(' ') {
            Some((scheme, _)) if scheme.eq_ignore_ascii_case("hmac-sha256") => {
                return "hmac".to_string();
            }
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
                Some(token.trim().to_string())
            }
            _ => None,
        },
        None => query.and_then(token_in_query),
    };
    let now_s = crate::acs::time::now_ms() / 1000;
    token
        .and_then(|t| TokenClaims::decode(&t, &state.keys.signing_key, now_s).ok())
        .map(|claims| claims.user_raw_id())
        .unwrap_or_else(|| "-".to_string())
}

/// The `access_token` query parameter (browsers cannot set headers on a WebSocket).
fn token_in_query(query: &str) -> Option<String> {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("access_token="))
        .map(|v| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned()
        })
}

/// The caller's correlation vector extended by one element, or a fresh one.
fn correlation_vector(given: Option<&HeaderValue>) -> String {
    let given = given
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|cv| {
            !cv.is_empty()
                && cv.len() < MAX_CV_LEN
                && cv
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '.'))
        });
    match given {
        Some(cv) => format!("{cv}.0"),
        None => {
            let base = base64::engine::general_purpose::STANDARD_NO_PAD
                .encode(crate::ids::random_bytes::<16>());
            format!("{base}.0")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correlation_vectors_are_extended_or_made() {
        let given = HeaderValue::from_static("ZOyS7b9CrUy/t3Z2NZXFQw.1");
        assert_eq!(
            correlation_vector(Some(&given)),
            "ZOyS7b9CrUy/t3Z2NZXFQw.1.0"
        );
        let fresh = correlation_vector(None);
        assert!(fresh.ends_with(".0") && fresh.len() == 24, "{fresh}");
        let odd = HeaderValue::from_static("not a cv");
        assert_ne!(correlation_vector(Some(&odd)), "not a cv.0");
    }

    #[test]
    fn a_token_in_the_query_is_found() {
        assert_eq!(
            token_in_query("since=4&access_token=a.b.c").as_deref(),
            Some("a.b.c")
        );
        assert_eq!(token_in_query("since=4"), None);
    }
}
