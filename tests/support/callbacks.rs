//! A Call Automation callback receiver inside the test process: an HTTP server on a free loopback port
//! that records every POST (path, headers, body) and lets a test wait for the events of one call.
//! [`Verifier`] checks the callbacks' `Authorization: Bearer` tokens against the keys an emulator
//! publishes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use acs_interop::acs::callback_token::{self, CallbackClaims, Expected, JwkSet};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use reqwest::Method as ClientMethod;
use serde_json::Value;
use tokio::sync::Notify;

use super::TestEmulator;

/// How long a test waits for an event before it gives up (generous: the machine may be loaded).
pub const WAIT: Duration = Duration::from_secs(20);
/// The prefix of every Call Automation event type.
pub const EVENT_PREFIX: &str = "Microsoft.Communication.";

/// One POST the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    /// Arrival order, from 0.
    pub seq: usize,
    /// The path and query it was POSTed to.
    pub path: String,
    pub headers: HeaderMap,
    /// The body as JSON (`Value::Null` when it is not JSON).
    pub body: Value,
    pub at: Instant,
    /// The status the receiver answered: 200, or 503 while refusing (see
    /// [`CallbackReceiver::refuse_next`]).
    pub status: u16,
}

impl Received {
    /// The CloudEvent: the first element of the body's array.
    pub fn event(&self) -> &Value {
        &self.body[0]
    }

    /// The event's type without `Microsoft.Communication.`.
    pub fn event_type(&self) -> &str {
        let full = self.event()["type"].as_str().unwrap_or_default();
        full.strip_prefix(EVENT_PREFIX).unwrap_or(full)
    }

    pub fn data(&self) -> &Value {
        &self.event()["data"]
    }

    pub fn call_id(&self) -> &str {
        self.data()["callConnectionId"].as_str().unwrap_or_default()
    }

    /// `(code, subCode)` of `data.resultInformation`.
    pub fn result(&self) -> (i64, i64) {
        let info = &self.data()["resultInformation"];
        (
            info["code"].as_i64().unwrap_or(-1),
            info["subCode"].as_i64().unwrap_or(-1),
        )
    }

    pub fn result_message(&self) -> &str {
        self.data()["resultInformation"]["message"]
            .as_str()
            .unwrap_or_default()
    }

    /// The bearer token of the `Authorization` header, if there is one.
    pub fn bearer(&self) -> Option<&str> {
        self.headers
            .get("authorization")?
            .to_str()
            .ok()?
            .strip_prefix("Bearer ")
    }

    /// A line for failure messages.
    pub fn describe(&self) -> String {
        format!(
            "#{} {} {} {}",
            self.seq,
            self.path,
            self.event_type(),
            self.data()["resultInformation"]
        )
    }
}

#[derive(Default)]
struct Inner {
    received: Mutex<Vec<Received>>,
    arrived: Notify,
    /// How many of the next POSTs to answer 503.
    refusals: AtomicUsize,
}

/// Records the callbacks POSTed to it; answers each with 200 (or 503 when told to refuse).
pub struct CallbackReceiver {
    base: String,
    inner: Arc<Inner>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for CallbackReceiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn record(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    if method != Method::POST {
        return StatusCode::METHOD_NOT_ALLOWED;
    }
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| uri.path().to_string());
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let refused = inner
        .refusals
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    let status = if refused {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    {
        let mut received = inner.received.lock().expect("the receiver's lock");
        let seq = received.len();
        received.push(Received {
            seq,
            path,
            headers,
            body,
            at: Instant::now(),
            status: status.as_u16(),
        });
    }
    inner.arrived.notify_waiters();
    status
}

impl CallbackReceiver {
    pub async fn start() -> CallbackReceiver {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("the callback receiver binds");
        let port = listener.local_addr().expect("a local address").port();
        let inner = Arc::new(Inner::default());
        let app = axum::Router::new()
            .fallback(record)
            .with_state(inner.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        CallbackReceiver {
            base: format!("http://127.0.0.1:{port}"),
            inner,
            server,
        }
    }

    /// The receiver's URL for `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Answers the next `n` POSTs with 503 (they are still recorded), as a receiver that is briefly
    /// unavailable.
    pub fn refuse_next(&self, n: usize) {
        self.inner.refusals.store(n, Ordering::SeqCst);
    }

    /// Everything received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.inner
            .received
            .lock()
            .expect("the receiver's lock")
            .clone()
    }

    /// The events about the call `call_id` accepted so far (answered 200).
    pub fn events_of(&self, call_id: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.status == 200 && r.call_id() == call_id)
            .collect()
    }

    /// Waits until `found` picks something out of what has been received; panics after `timeout`
    /// with `what` and the list of what did arrive.
    pub async fn wait_until<T>(
        &self,
        timeout: Duration,
        what: &str,
        found: impl Fn(&[Received]) -> Option<T>,
    ) -> T {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Registered before looking, so an arrival between the look and the wait is not missed.
            let arrived = self.inner.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            if let Some(t) = found(&self.received()) {
                return t;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                let got: Vec<String> = self.received().iter().map(Received::describe).collect();
                panic!(
                    "timed out after {timeout:?} waiting for {what}; received:\n  {}",
                    got.join("\n  ")
                );
            }
        }
    }

    /// The `n`-th (from 1) accepted event of `event_type` (without the `Microsoft.Communication.`
    /// prefix) about the call `call_id` that `matches`.
    pub async fn nth_where(
        &self,
        call_id: &str,
        event_type: &str,
        n: usize,
        matches: impl Fn(&Received) -> bool,
    ) -> Received {
        assert!(n >= 1, "events are counted from 1");
        let what = format!("{event_type} #{n} of call {call_id}");
        self.wait_until(WAIT, &what, |all| {
            all.iter()
                .filter(|r| {
                    r.status == 200
                        && r.call_id() == call_id
                        && r.event_type() == event_type
                        && matches(r)
                })
                .nth(n - 1)
                .cloned()
        })
        .await
    }

    /// The `n`-th (from 1) event of `event_type` about the call `call_id`.
    pub async fn nth(&self, call_id: &str, event_type: &str, n: usize) -> Received {
        self.nth_where(call_id, event_type, n, |_| true).await
    }

    /// The first event of `event_type` about the call `call_id`.
    pub async fn first(&self, call_id: &str, event_type: &str) -> Received {
        self.nth(call_id, event_type, 1).await
    }

    /// The first event of `event_type` about the call `call_id` that `matches`.
    pub async fn first_where(
        &self,
        call_id: &str,
        event_type: &str,
        matches: impl Fn(&Received) -> bool,
    ) -> Received {
        self.nth_where(call_id, event_type, 1, matches).await
    }

    /// How many events of `event_type` about `call_id` have been accepted.
    pub fn count(&self, call_id: &str, event_type: &str) -> usize {
        self.events_of(call_id)
            .iter()
            .filter(|r| r.event_type() == event_type)
            .count()
    }
}

/// Checks callback tokens as an application would: the keys and issuer an emulator publishes, its
/// resource id as audience.
#[derive(Debug, Clone)]
pub struct Verifier {
    pub keys: JwkSet,
    pub issuer: String,
    pub audience: String,
}

impl Verifier {
    /// Reads the OpenID configuration, then the keys at its `jwks_uri`.
    pub async fn fetch(e: &TestEmulator) -> Verifier {
        let config = e
            .send(
                ClientMethod::GET,
                "/calling/.well-known/acsopenidconfiguration",
                &[],
                Vec::new(),
            )
            .await;
        let config = config.expect(200).clone();
        let issuer = config["issuer"].as_str().expect("an issuer").to_string();
        let jwks_uri = config["jwks_uri"].as_str().expect("a jwks_uri").to_string();
        assert_eq!(
            jwks_uri,
            format!("{}/calling/keys", e.base()),
            "the keys are served by the emulator itself"
        );
        let keys = e.send(ClientMethod::GET, &jwks_uri, &[], Vec::new()).await;
        let keys: JwkSet =
            serde_json::from_value(keys.expect(200).clone()).expect("the keys are a JWKS");
        assert!(!keys.keys.is_empty(), "the JWKS has no keys");
        Verifier {
            keys,
            issuer,
            audience: e.resource_id().to_string(),
        }
    }

    /// The claims of a verified token; panics, naming the callback, when it does not verify.
    #[track_caller]
    pub fn verify(&self, callback: &Received) -> CallbackClaims {
        let token = callback
            .bearer()
            .unwrap_or_else(|| panic!("no bearer token on {}", callback.describe()));
        let now_s = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("the clock is after 1970")
            .as_secs() as i64;
        let expected = Expected {
            issuer: &self.issuer,
            audience: &self.audience,
            now_s,
        };
        callback_token::verify(token, &self.keys, &expected)
            .unwrap_or_else(|e| panic!("{}: {e}", callback.describe()))
    }
}
