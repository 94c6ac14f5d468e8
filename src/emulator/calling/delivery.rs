//! Delivering callbacks: each event is POSTed on its own, as a one-element JSON array, with a fresh
//! `Authorization: Bearer <JWT>`. Each call has a queue per destination, so the events a receiver gets
//! arrive in order, and a slow or dead receiver holds up only itself: not its call's other callback URLs,
//! nor other calls. Failed deliveries are retried with backoff, then dropped with a log line.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

use super::signing::CallbackKeys;
use crate::emulator::store::{PendingCallback, Store};

/// Waits before the second, third and fourth try.
const RETRY_DELAYS: [Duration; 3] = [
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(2),
];
/// How long one try may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// A call's queue stops after this long without events (a new event starts it again).
const IDLE: Duration = Duration::from_secs(60);

/// Hands committed callbacks to the delivery task; never blocks.
#[derive(Clone)]
pub struct Deliveries {
    tx: mpsc::UnboundedSender<PendingCallback>,
}

/// The receiving end, given to [`run`].
pub struct Queue(mpsc::UnboundedReceiver<PendingCallback>);

impl Deliveries {
    pub fn channel() -> (Deliveries, Queue) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Deliveries { tx }, Queue(rx))
    }

    pub fn send(&self, callback: PendingCallback) {
        if self.tx.send(callback).is_err() {
            tracing::debug!("the emulator is stopping; a callback was not delivered");
        }
    }
}

/// What a delivery needs besides the event.
#[derive(Clone)]
pub struct Sender {
    pub http: reqwest::Client,
    pub keys: CallbackKeys,
    pub store: Store,
    pub issuer: Arc<str>,
    /// The resource's immutable id: the tokens' audience.
    pub audience: Arc<str>,
}

/// Routes callbacks to a queue per call and destination until the emulator stops.
pub async fn run(Queue(mut queue): Queue, sender: Sender) {
    let mut calls: HashMap<(String, String), mpsc::UnboundedSender<PendingCallback>> =
        HashMap::new();
    while let Some(callback) = queue.recv().await {
        let key = (callback.call_id.clone(), callback.url.clone());
        let callback = match calls.get(&key) {
            Some(tx) => match tx.send(callback) {
                Ok(()) => continue,
                // That call's queue stopped while idle: start a new one.
                Err(mpsc::error::SendError(callback)) => callback,
            },
            None => callback,
        };
        calls.retain(|_, tx| !tx.is_closed());
        let (tx, rx) = mpsc::unbounded_channel();
        let _ = tx.send(callback);
        calls.insert(key, tx);
        tokio::spawn(call_queue(rx, sender.clone()));
    }
}

async fn call_queue(mut rx: mpsc::UnboundedReceiver<PendingCallback>, sender: Sender) {
    while let Ok(Some(callback)) = tokio::time::timeout(IDLE, rx.recv()).await {
        deliver(&sender, &callback).await;
    }
    // Idle: refuse new events (they start a new queue), but deliver any that slipped in meanwhile.
    rx.close();
    while let Some(callback) = rx.recv().await {
        deliver(&sender, &callback).await;
    }
}

/// Where a callback goes, for logs: scheme, host and port only (callback URLs may carry a key in their
/// query, or a secret in their path).
fn shown(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => format!(
            "{}://{}{}",
            u.scheme(),
            u.host_str().unwrap_or("?"),
            u.port().map(|p| format!(":{p}")).unwrap_or_default()
        ),
        Err(_) => "an unreadable URL".to_string(),
    }
}

async fn deliver(sender: &Sender, callback: &PendingCallback) {
    let mut last_error = String::new();
    for attempt in 0..=RETRY_DELAYS.len() {
        if attempt > 0 {
            tokio::time::sleep(RETRY_DELAYS[attempt - 1]).await;
        }
        let token = match sender
            .keys
            .token(&sender.store, &sender.issuer, &sender.audience)
            .await
        {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(error = %e, "cannot sign a callback token");
                return;
            }
        };
        let sent = sender
            .http
            .post(&callback.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .bearer_auth(token)
            .timeout(ATTEMPT_TIMEOUT)
            .body(callback.body.to_string())
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => {
                tracing::debug!(call = %callback.call_id, url = %shown(&callback.url), "callback delivered");
                return;
            }
            Ok(response) => {
                let status = response.status();
                last_error = format!("answered {status}");
                // The receiver refused this event; sending it again will not change its mind.
                if status.is_client_error()
                    && status != reqwest::StatusCode::REQUEST_TIMEOUT
                    && status != reqwest::StatusCode::TOO_MANY_REQUESTS
                {
                    break;
                }
            }
            Err(e) => last_error = e.without_url().to_string(),
        }
    }
    tracing::warn!(
        call = %callback.call_id,
        url = %shown(&callback.url),
        error = %last_error,
        "a callback could not be delivered; it was dropped"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_urls_leave_out_their_query() {
        assert_eq!(
            shown("https://app.example/cb?code=secret"),
            "https://app.example"
        );
        assert_eq!(
            shown("http://127.0.0.1:9/callbacks/secret-path"),
            "http://127.0.0.1:9"
        );
    }
}
