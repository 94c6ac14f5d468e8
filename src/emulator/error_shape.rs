//! Every error the emulator answers is in the ACS shape, whoever made it: axum's own rejections (a
//! path that does not decode, a missing query parameter, a body that is not JSON) answer in plain
//! text, which SDKs cannot read. This layer rewrites them as `{"error": {"code", "message"}}`.

use axum::extract::Request;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// The most of a plain-text error body kept as the message.
const MESSAGE_LIMIT: usize = 4 * 1024;

pub async fn acs_errors(request: Request, next: Next) -> Response {
    let head = request.method() == Method::HEAD;
    let response = next.run(request).await;
    let status = response.status();
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if head || json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MESSAGE_LIMIT)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let reason = status.canonical_reason().unwrap_or("Error");
    let code: String = reason.chars().filter(|c| !c.is_whitespace()).collect();
    let message = if text.is_empty() {
        format!("{reason}.")
    } else {
        text
    };
    let mut shaped = ApiError::new(status, &code, message).into_response();
    // What other layers marked on it (such as a connection to cut) stays too.
    *shaped.extensions_mut() = parts.extensions;
    // Headers the handler set (Retry-After, Allow) stay; the body's type is now JSON.
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            shaped.headers_mut().insert(name.clone(), value.clone());
        }
    }
    shaped
}
