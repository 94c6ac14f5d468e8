//! One log line for each write the user asked for (send, edit, delete) each time something happens to
//! it: accepted, throttled, retried, refused or failed. Each names the thread, the message (by id, or
//! by the client id before it has one), the service's status and error code, and the request id that
//! the service's support asks for. Never the message's content, never a token.

use std::time::Duration;

use crate::client::ClientError;

/// A write, as the log names it.
#[derive(Debug, Clone, Copy)]
pub struct Write<'a> {
    /// "send", "edit", "delete".
    pub action: &'static str,
    pub thread_id: &'a str,
    pub client_id: Option<&'a str>,
    pub message_id: Option<&'a str>,
}

fn or_dash(value: Option<&str>) -> &str {
    value.unwrap_or("-")
}

/// The status, or what kind of failure had none.
fn status_of(e: &ClientError) -> String {
    match e {
        ClientError::Service { status, .. } => status.to_string(),
        ClientError::Network(_) => "network".to_string(),
        ClientError::Decode(_) => "decode".to_string(),
        ClientError::Config(_) => "config".to_string(),
    }
}

impl Write<'_> {
    /// The service took it; `message_id` is the message's id when the answer gave one.
    pub fn accepted(&self, status: u16, request_id: Option<&str>, message_id: Option<&str>) {
        tracing::info!(
            thread_id = %self.thread_id,
            client_id = %or_dash(self.client_id),
            message_id = %or_dash(message_id.or(self.message_id)),
            status,
            request_id = %or_dash(request_id),
            "{} accepted",
            self.action
        );
    }

    /// An earlier attempt had landed: the thread already holds it.
    pub fn already_held(&self, message_id: &str) {
        tracing::info!(
            thread_id = %self.thread_id,
            client_id = %or_dash(self.client_id),
            message_id = %message_id,
            "{} already in the thread; not sent again",
            self.action
        );
    }

    /// The service asked to wait (429) before the next try.
    pub fn throttled(&self, e: &ClientError, wait: Duration) {
        tracing::info!(
            thread_id = %self.thread_id,
            client_id = %or_dash(self.client_id),
            message_id = %or_dash(self.message_id),
            status = %status_of(e),
            request_id = %or_dash(e.request_id()),
            retry_in_ms = wait.as_millis() as u64,
            "{} throttled; retrying after the wait",
            self.action
        );
    }

    /// A failure that may pass (the network, 503); tried again after `wait`.
    pub fn retrying(&self, e: &ClientError, wait: Duration, attempt: u32) {
        tracing::info!(
            thread_id = %self.thread_id,
            client_id = %or_dash(self.client_id),
            message_id = %or_dash(self.message_id),
            status = %status_of(e),
            code = %or_dash(e.code()),
            request_id = %or_dash(e.request_id()),
            attempt,
            retry_in_ms = wait.as_millis() as u64,
            error = %crate::text::sanitize_line(&e.to_string()),
            "{} failed; retrying",
            self.action
        );
    }

    /// The end of it: refused by the service, or failed for good.
    pub fn failed(&self, e: &ClientError) {
        let outcome = if matches!(e, ClientError::Service { .. }) {
            "refused"
        } else {
            "failed"
        };
        tracing::info!(
            thread_id = %self.thread_id,
            client_id = %or_dash(self.client_id),
            message_id = %or_dash(self.message_id),
            status = %status_of(e),
            code = %or_dash(e.code()),
            request_id = %or_dash(e.request_id()),
            error = %crate::text::sanitize_line(&e.to_string()),
            "{} {outcome}",
            self.action
        );
    }
}
