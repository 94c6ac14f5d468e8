//! The client for the real ACS service or the emulator: identity over HMAC, chat over bearer tokens,
//! retries with backoff and `Retry-After`, token refresh, paging, and the emulator's realtime socket.
//!
//! Build one [`reqwest::Client`] with [`build_http_client`] and share it: an [`IdentityClient`] mints
//! users and tokens, a [`TokenSource`] keeps a user's token fresh, and a [`ChatClient`] makes the chat
//! calls as that user. Against the emulator, [`spawn_realtime`] streams the user's events.
//!
//! Secrets (access keys, tokens) never appear in errors or `Debug` output.

pub mod callbacks;
pub mod calling;
pub mod chat;
pub mod http;
pub mod identity;
pub mod network;
pub mod realtime;
pub mod retry;
pub mod signed;
mod tap;
pub mod teams_admin;
pub mod token;

pub use calling::CallAutomationClient;
pub use chat::{Accepted, CHAT_API_VERSION, ChatClient, MessagesQuery};
pub use http::{build_http_client, load_ca_certificates, tls_client_config};
pub use identity::{AccessToken, IDENTITY_API_VERSION, IdentityClient};
pub use network::{NetworkCause, NetworkError};
pub use realtime::{RealtimeOptions, RealtimeUpdate, spawn_realtime, spawn_realtime_with};
pub use retry::{Idempotency, RetryPolicy, parse_retry_after};
pub use teams_admin::TeamsAdminClient;
pub use token::{REFRESH_MARGIN, TokenSource};

use std::fmt;
use std::time::Duration;

use crate::acs::CommunicationError;

/// What can go wrong talking to ACS. `Display` says what happened in words a user can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClientError {
    /// The service answered with an error status; `error` is its body (or one made from a non-JSON body).
    #[error("{}", ServiceDisplay { status: *status, error, retry_after: *retry_after })]
    Service {
        status: u16,
        /// Boxed: it is large, and every `Result` of the client carries its size.
        error: Box<CommunicationError>,
        retry_after: Option<Duration>,
        /// The service's `x-ms-request-id` (or `x-ms-client-request-id` it echoed), for support.
        request_id: Option<String>,
    },
    /// The request did not get an answer: connection refused, timeout, TLS failure, dropped socket.
    /// Its [`NetworkError::cause`] says which.
    #[error("network error: {0}")]
    Network(NetworkError),
    /// The service answered, but not with what the API promises.
    #[error("unexpected response: {0}")]
    Decode(String),
    /// Something on this side is wrong: a bad endpoint, an unreadable certificate, an expired token.
    #[error("{0}")]
    Config(String),
}

/// Shorthand for client results.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;

impl ClientError {
    /// Whether trying again later may succeed: throttling, an unavailable or failing service, or the
    /// network. Whether a given request is actually retried also depends on its method; see
    /// [`RetryPolicy`].
    pub fn is_retryable(&self) -> bool {
        match self {
            ClientError::Service { status, .. } => matches!(status, 429 | 500 | 502 | 503 | 504),
            ClientError::Network(_) => true,
            ClientError::Decode(_) | ClientError::Config(_) => false,
        }
    }

    /// Why the request got no answer, for a network error.
    pub fn network_cause(&self) -> Option<NetworkCause> {
        match self {
            ClientError::Network(e) => Some(e.cause),
            _ => None,
        }
    }

    /// The HTTP status of a service error.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Service { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The ACS error code of a service error, such as `Forbidden` or `NotFound`.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Service { error, .. } => Some(&error.code),
            _ => None,
        }
    }

    /// The request id the service gave a refused request: what its support asks for.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            ClientError::Service { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// How long the service asked to wait before trying again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ClientError::Service { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    #[cfg(test)]
    pub(crate) fn service(status: u16, code: &str, message: impl Into<String>) -> Self {
        ClientError::Service {
            status,
            error: Box::new(CommunicationError::new(code, message)),
            retry_after: None,
            request_id: None,
        }
    }
}

/// `403 Forbidden: <message>`, with the code when it adds something, the field at fault and the wait.
struct ServiceDisplay<'a> {
    status: u16,
    error: &'a CommunicationError,
    retry_after: Option<Duration>,
}

impl fmt::Display for ServiceDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = reason_phrase(self.status);
        write!(f, "{} {reason}", self.status)?;
        // `NotFound` after "Not Found" says nothing new; `InvalidParameter` after "Bad Request" does.
        let squashed: String = reason.chars().filter(|c| !c.is_whitespace()).collect();
        if !self.error.code.is_empty() && !self.error.code.eq_ignore_ascii_case(&squashed) {
            write!(f, " ({})", self.error.code)?;
        }
        let message = self.error.message.trim();
        if !message.is_empty() {
            write!(f, ": {message}")?;
        }
        if let Some(target) = self.error.target.as_deref().filter(|t| !t.is_empty()) {
            write!(f, " [field: {target}]")?;
        }
        if let Some(wait) = self.retry_after {
            write!(f, " (retry after {})", human_duration(wait))?;
        }
        Ok(())
    }
}

/// The standard reason phrase of an HTTP status, or "Error".
pub fn reason_phrase(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
}

fn human_duration(d: Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{} ms", d.as_millis())
    } else {
        format!("{} s", d.as_secs_f64().ceil() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_errors_read_like_a_sentence() {
        let e = ClientError::service(
            403,
            "Forbidden",
            "You are not a participant of this thread.",
        );
        assert_eq!(
            e.to_string(),
            "403 Forbidden: You are not a participant of this thread."
        );
        let e = ClientError::Service {
            status: 400,
            error: Box::new(
                CommunicationError::new("InvalidParameter", "The topic is too long.")
                    .with_target("topic"),
            ),
            retry_after: None,
            request_id: None,
        };
        assert_eq!(
            e.to_string(),
            "400 Bad Request (InvalidParameter): The topic is too long. [field: topic]"
        );
        let e = ClientError::Service {
            status: 429,
            error: Box::new(CommunicationError::new(
                "TooManyRequests",
                "Rate limit exceeded.",
            )),
            retry_after: Some(Duration::from_secs(8)),
            request_id: None,
        };
        assert_eq!(
            e.to_string(),
            "429 Too Many Requests: Rate limit exceeded. (retry after 8 s)"
        );
        assert!(e.is_retryable());
        assert_eq!(e.code(), Some("TooManyRequests"));
    }

    #[test]
    fn only_transient_failures_are_retryable() {
        assert!(ClientError::Network("connection refused".into()).is_retryable());
        assert!(ClientError::service(503, "ServiceUnavailable", "").is_retryable());
        assert!(!ClientError::service(404, "NotFound", "").is_retryable());
        assert!(!ClientError::Decode("x".into()).is_retryable());
        assert!(!ClientError::Config("x".into()).is_retryable());
    }
}
