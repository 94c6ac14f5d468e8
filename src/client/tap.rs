//! Recording requests and answers on the session's [`Tap`]: the request as sent, then the answer's
//! status, headers, latency and body. A JSON or text answer is read here and handed on rebuilt, so
//! the caller decodes it as before; other bodies (attachments) stream on untouched.

use std::time::Instant;

use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap};

use super::retry::retry_after_from_headers;
use super::{Result, http};
use crate::inspect::{Body, Entry, EntryKind, Tap, redact};

/// The most of an answer read into memory to record it; a larger one streams on unrecorded.
const BUFFER_LIMIT: u64 = 8 * 1024 * 1024;

/// An entry for a request about to be sent, as try number `attempt`.
pub(crate) fn request_entry(request: &reqwest::Request, attempt: u32) -> Entry {
    let mut entry = Entry::new(
        EntryKind::Http,
        request.method().as_str(),
        request.url().as_str(),
    );
    entry.attempt = attempt;
    entry.request.headers = headers(request.headers());
    if let Some(bytes) = request.body().and_then(|b| b.as_bytes()) {
        let mime = content_type(request.headers());
        entry.request.body = Some(Body::keep(&mime, bytes));
    }
    entry
}

/// Records the outcome of `entry`'s request and hands the answer on.
pub(crate) async fn finish(
    tap: &Tap,
    mut entry: Entry,
    started: Instant,
    outcome: std::result::Result<reqwest::Response, reqwest::Error>,
) -> Result<reqwest::Response> {
    let response = match outcome {
        Ok(response) => response,
        Err(e) => return Err(failed(tap, entry, started, e)),
    };
    entry.status = Some(response.status().as_u16());
    entry.response.headers = headers(response.headers());
    entry.retry_after_ms =
        retry_after_from_headers(response.headers(), std::time::SystemTime::now())
            .map(|d| d.as_millis() as u64);
    let mime = content_type(response.headers());
    let small = response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        .is_none_or(|len| len <= BUFFER_LIMIT);
    let textual = mime.is_empty() || mime.contains("json") || mime.starts_with("text/");
    if !(textual && small) {
        entry.latency_ms = Some(started.elapsed().as_millis() as u64);
        entry.response.body = Some(Body::keep(&mime, &[]));
        tap.record(entry);
        return Ok(response);
    }
    let status = response.status();
    let version = response.version();
    let response_headers = response.headers().clone();
    let bytes = match response.bytes().await {
        Ok(bytes) => bytes,
        Err(e) => return Err(failed(tap, entry, started, e)),
    };
    entry.latency_ms = Some(started.elapsed().as_millis() as u64);
    if !bytes.is_empty() {
        entry.response.body = Some(Body::keep(&mime, &bytes));
    }
    tap.record(entry);
    let mut rebuilt = ::http::Response::new(bytes);
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = response_headers;
    Ok(reqwest::Response::from(rebuilt))
}

/// Records that `entry`'s request got no (whole) answer, and gives the error.
fn failed(tap: &Tap, mut entry: Entry, started: Instant, e: reqwest::Error) -> super::ClientError {
    let error = http::network_error(e);
    entry.latency_ms = Some(started.elapsed().as_millis() as u64);
    entry.error = Some(redact::text(&error.to_string()));
    tap.record(entry);
    error
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Headers as they may be shown.
fn headers(map: &HeaderMap) -> Vec<(String, String)> {
    map.iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes());
            (
                name.to_string(),
                redact::header_value(name.as_str(), &value),
            )
        })
        .collect()
}
