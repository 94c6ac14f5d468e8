//! How large a request may be, the same on every route (chat, identity, calling and the admin API),
//! each refusal in the ACS shape and saying the limit: a target (path and query) past
//! [`MAX_URI_BYTES`] gets 414, a header section past [`MAX_HEADER_BYTES`] or [`MAX_HEADER_FIELDS`]
//! 431, a body past [`MAX_BODY_BYTES`] 413.
//!
//! The HTTP layer (hyper) has limits of its own that it answers itself, with no body: a target past
//! 64 KB (414), a header section past about 400 KB or more than [`HTTP_HEADER_FIELDS`] header fields
//! (431), and a request it cannot parse (400). The emulator's limits are lower, so that only those
//! extremes get a bare answer.
//!
//! A server that answers before reading the whole body, then closes, leaves a client that sends its
//! whole body before reading (the Python SDK does) writing into a closed connection: it reports a
//! broken pipe or an `SSLEOFError` instead of the 413. So the rest of an oversized body is read and
//! dropped before answering, up to [`DRAIN_BYTES`] and [`DRAIN_TIME`]; only a body larger still (or
//! slower) has its connection cut. A client that asked `Expect: 100-continue` is answered at once, as
//! it has not sent the body.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt};

use super::error::ApiError;

/// The largest request body any route accepts. The service documents none; the largest valid request
/// (200 participants with names and metadata at their limits) takes under 0.5 MB as the SDKs encode it.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// The longest request target (path and query) any route accepts, in bytes. The service documents
/// none; ACS paths and queries are short, and a realtime token in the query takes about 1 KB.
pub const MAX_URI_BYTES: usize = 16 * 1024;
/// The largest header section (every name and value) any route accepts, in bytes. The service
/// documents none; a bearer token is about 1 KB.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// The most header fields (a repeated name counts each time) any route accepts. The service
/// documents none; the SDKs send about a dozen.
pub const MAX_HEADER_FIELDS: usize = 100;
/// The most header fields the HTTP layer reads before answering 431 itself, with no body: above
/// [`MAX_HEADER_FIELDS`], so that a request with a few more than the emulator accepts gets its
/// answer in the ACS shape. The layer sets aside room for this many per request it parses.
pub const HTTP_HEADER_FIELDS: usize = 500;
/// The most of an oversized body that is read (and dropped) so that its sender can read the 413.
const DRAIN_BYTES: u64 = 16 * 1024 * 1024;
/// The longest that reading an oversized body may take.
const DRAIN_TIME: Duration = Duration::from_secs(10);

/// The 413 every route answers for a body past [`MAX_BODY_BYTES`].
pub fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestEntityTooLarge",
        format!(
            "The request body is larger than {} MB ({MAX_BODY_BYTES} bytes), the most the emulator accepts.",
            MAX_BODY_BYTES / (1024 * 1024)
        ),
    )
}

/// Middleware: checks the target and headers, then reads the body up to the limit and hands it on
/// whole.
pub async fn limit_request(request: Request, next: Next) -> Response {
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |pq| pq.as_str().len());
    if target > MAX_URI_BYTES {
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            "UriTooLong",
            format!(
                "The request's path and query are {target} bytes; the most the emulator accepts is {MAX_URI_BYTES}."
            ),
        )
        .into_response();
    }
    let headers: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if headers > MAX_HEADER_BYTES {
        return ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "RequestHeaderFieldsTooLarge",
            format!(
                "The request's headers are {headers} bytes; the most the emulator accepts is {MAX_HEADER_BYTES}."
            ),
        )
        .into_response();
    }
    let fields = request.headers().len();
    if fields > MAX_HEADER_FIELDS {
        return ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "RequestHeaderFieldsTooLarge",
            format!(
                "The request has {fields} header fields; the most the emulator accepts is {MAX_HEADER_FIELDS}."
            ),
        )
        .into_response();
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let expects_continue = request
        .headers()
        .get(header::EXPECT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    let (parts, body) = request.into_parts();
    let mut stream = body.into_data_stream();
    if let Some(length) = declared.filter(|n| *n > MAX_BODY_BYTES as u64) {
        if !expects_continue && length <= DRAIN_BYTES {
            drain(&mut stream, 0).await;
        }
        return too_large().into_response();
    }
    let mut buffer = Vec::with_capacity(declared.map_or(0, |n| n as usize));
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) => {
                return ApiError::bad_request(format!("The request body cannot be read: {e}."))
                    .into_response();
            }
        };
        if buffer.len() + chunk.len() > MAX_BODY_BYTES {
            drain(&mut stream, (buffer.len() + chunk.len()) as u64).await;
            return too_large().into_response();
        }
        buffer.extend_from_slice(&chunk);
    }
    next.run(Request::from_parts(parts, Body::from(buffer)))
        .await
}

/// Reads and drops the rest of a body, `read` bytes of which are already read, within the bounds.
async fn drain<S, E>(stream: &mut S, mut read: u64)
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    let reading = async {
        while read <= DRAIN_BYTES {
            match stream.next().await {
                Some(Ok(chunk)) => read += chunk.len() as u64,
                Some(Err(_)) | None => return,
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIME, reading).await;
}
