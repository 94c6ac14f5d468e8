//! One request body limit for every route (chat, identity, calling and the admin API): a larger body
//! gets 413 in the ACS shape, saying the limit.
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
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt};

use super::error::ApiError;

/// The largest request body any route accepts. The service documents none; 2 MB is far above the
/// largest valid request (200 participants with names and metadata at their limits).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// The most of an oversized body that is read (and dropped) so that its sender can read the 413.
const DRAIN_BYTES: u64 = 16 * 1024 * 1024;
/// The longest that reading an oversized body may take.
const DRAIN_TIME: Duration = Duration::from_secs(10);

/// The 413 every route answers for a body past [`MAX_BODY_BYTES`].
pub fn too_large() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::PAYLOAD_TOO_LARGE,
        "RequestEntityTooLarge",
        format!(
            "The request body is larger than {} MB ({MAX_BODY_BYTES} bytes), the most the emulator accepts.",
            MAX_BODY_BYTES / (1024 * 1024)
        ),
    )
}

/// Middleware: reads the body up to the limit and hands it on whole; answers 413 past it.
pub async fn limit_body(request: Request, next: Next) -> Response {
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
