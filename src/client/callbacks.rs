//! Receiving Call Automation callbacks: an HTTP listener that checks each request's JWT (signature by
//! the keys of the endpoint the calls were placed with, issuer, audience = the resource's immutable id,
//! lifetime) before anything is read from it. A request that fails the check is answered 401, logged,
//! and never acted on.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinHandle;

use super::{ClientError, Result};
use crate::acs::call_events::{CloudEvent, parse_callback_body};
use crate::acs::callback_token::{
    CallbackTokenError, Expected, JwkSet, OPENID_CONFIGURATION_PATH, OpenIdConfiguration, verify,
};

/// The real service's Call Automation host, which publishes its callback keys.
pub const SERVICE_CALLBACK_AUTHORITY: &str = "https://acscallautomation.communication.azure.com/";
/// Unknown keys are fetched again at most this often.
const KEY_REFRESH: Duration = Duration::from_secs(30);

/// Checks callback tokens against the keys an endpoint publishes; fetches them on first use and when
/// a token names a key it does not know yet.
pub struct CallbackVerifier {
    http: reqwest::Client,
    openid_url: String,
    audience: String,
    keys: Mutex<Option<Keys>>,
    tap: crate::inspect::Tap,
}

struct Keys {
    issuer: String,
    set: JwkSet,
    fetched: Instant,
}

impl std::fmt::Debug for CallbackVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackVerifier")
            .field("openid_url", &self.openid_url)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

/// Why a callback was refused.
#[derive(Debug, thiserror::Error)]
pub enum CallbackRefusal {
    #[error(transparent)]
    Token(#[from] CallbackTokenError),
    #[error("the callback keys cannot be fetched: {0}")]
    Keys(ClientError),
}

impl CallbackVerifier {
    /// Verifies with the keys that `authority` (`https://host/`) publishes under
    /// `calling/.well-known/acsopenidconfiguration`; `audience` is the resource's immutable id.
    pub fn new(http: reqwest::Client, authority: &str, audience: &str) -> CallbackVerifier {
        let base = if authority.ends_with('/') {
            authority.to_string()
        } else {
            format!("{authority}/")
        };
        CallbackVerifier {
            http,
            openid_url: format!("{base}{OPENID_CONFIGURATION_PATH}"),
            audience: audience.to_string(),
            keys: Mutex::new(None),
            tap: crate::inspect::Tap::off(),
        }
    }

    /// Records every callback received, and the answer given, on `tap`.
    pub fn with_tap(mut self, tap: crate::inspect::Tap) -> CallbackVerifier {
        self.tap = tap;
        self
    }

    async fn fetch(&self) -> Result<Keys> {
        let get = |url: String| async move {
            let response = self
                .http
                .get(&url)
                .send()
                .await
                .map_err(super::http::network_error)?;
            if !response.status().is_success() {
                return Err(super::http::error_from_response(response).await);
            }
            Ok(response)
        };
        let config: OpenIdConfiguration = super::http::decode_json(
            get(self.openid_url.clone()).await?,
            "the OpenID configuration",
        )
        .await?;
        let set: JwkSet =
            super::http::decode_json(get(config.jwks_uri.clone()).await?, "the callback keys")
                .await?;
        Ok(Keys {
            issuer: config.issuer,
            set,
            fetched: Instant::now(),
        })
    }

    /// Fetches the keys now (so the first callback does not wait for them); a failure is left for
    /// the first callback to retry.
    pub async fn prefetch(&self) {
        let mut keys = self.keys.lock().await;
        if keys.is_none() {
            match self.fetch().await {
                Ok(fetched) => *keys = Some(fetched),
                Err(e) => tracing::warn!(error = %e, "cannot fetch the callback keys yet"),
            }
        }
    }

    /// Checks an `Authorization` header value (`Bearer <jwt>`).
    pub async fn check(
        &self,
        authorization: Option<&str>,
    ) -> std::result::Result<(), CallbackRefusal> {
        let token = authorization
            .and_then(|v| {
                let (scheme, rest) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            })
            .filter(|t| !t.is_empty())
            .ok_or(CallbackTokenError::Missing)?;
        let now_s = crate::acs::time::now_ms() / 1000;
        let mut keys = self.keys.lock().await;
        if keys.is_none() {
            *keys = Some(self.fetch().await.map_err(CallbackRefusal::Keys)?);
        }
        let attempt = |k: &Keys| {
            verify(
                token,
                &k.set,
                &Expected {
                    issuer: &k.issuer,
                    audience: &self.audience,
                    now_s,
                },
            )
        };
        let Some(current) = keys.as_ref() else {
            return Err(CallbackRefusal::Token(CallbackTokenError::Missing));
        };
        match attempt(current) {
            // Keys rotate: a token signed with a key not seen yet is worth one fresh look.
            Err(CallbackTokenError::UnknownKey(_)) if current.fetched.elapsed() > KEY_REFRESH => {
                let fresh = self.fetch().await.map_err(CallbackRefusal::Keys)?;
                let result = attempt(&fresh);
                *keys = Some(fresh);
                result.map(|_| ()).map_err(Into::into)
            }
            other => other.map(|_| ()).map_err(Into::into),
        }
    }
}

/// A callback event that passed the checks, with when it arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedEvent {
    pub event: CloudEvent,
    pub received_ms: i64,
}

/// A running callback listener.
pub struct CallbackListener {
    /// The URL to give the service as `callbackUri`.
    pub url: String,
    pub local_addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for CallbackListener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Receiver {
    verifier: CallbackVerifier,
    events: mpsc::Sender<VerifiedEvent>,
}

/// The path callbacks are posted to: unguessable, so that only whoever was given the URL finds it.
fn secret_path() -> String {
    format!("/callbacks/{}", crate::ids::uuid_v4())
}

/// Listens on `addr` and passes every verified event to `events`. `public_url` is the URL the service
/// reaches this listener at (a tunnel, for the real service); without it, the listener's own address
/// on loopback.
pub async fn listen(
    addr: SocketAddr,
    public_url: Option<&str>,
    verifier: CallbackVerifier,
    events: mpsc::Sender<VerifiedEvent>,
) -> Result<CallbackListener> {
    let tcp = TcpListener::bind(addr)
        .await
        .map_err(|e| ClientError::Config(format!("cannot listen for callbacks on {addr}: {e}")))?;
    let local_addr = tcp
        .local_addr()
        .map_err(|e| ClientError::Config(format!("cannot listen for callbacks: {e}")))?;
    let path = secret_path();
    let url = match public_url {
        Some(base) => public_callback_url(base, &path)?,
        None => format!("http://{local_addr}{path}"),
    };
    verifier.prefetch().await;
    let receiver = Arc::new(Receiver { verifier, events });
    let app = Router::new()
        .route(&path, post(receive))
        .with_state(receiver);
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(tcp, app).await {
            tracing::error!(error = %e, "the callback listener stopped");
        }
    });
    Ok(CallbackListener {
        url,
        local_addr,
        task,
    })
}

/// The public URL of the listener's path: `base`'s path followed by `path`, with `base`'s query kept
/// (a key there is a documented way to authenticate callbacks). The service posts to the URL as given
/// and the tunnel forwards the path, so the listener sees `path`.
fn public_callback_url(base: &str, path: &str) -> Result<String> {
    let mut url = reqwest::Url::parse(base.trim())
        .map_err(|e| ClientError::Config(format!("the callback URL '{base}' is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ClientError::Config(format!(
            "the callback URL '{base}' must be an http(s) URL"
        )));
    }
    if !url.path().trim_matches('/').is_empty() {
        return Err(ClientError::Config(format!(
            "the callback URL '{base}' has a path; give the tunnel's root (the listener picks the path)"
        )));
    }
    url.set_path(path);
    url.set_fragment(None);
    Ok(url.to_string())
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let started = Instant::now();
    let status = verify_and_pass_on(&receiver, &headers, &body).await;
    let tap = &receiver.verifier.tap;
    if tap.is_on() {
        use crate::inspect::{Body, Entry, EntryKind, redact};
        // The listener's path is its secret.
        let mut entry = Entry::new(EntryKind::Callback, "POST", "/callbacks/REDACTED");
        entry.request.headers = headers
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes());
                (
                    name.to_string(),
                    redact::header_value(name.as_str(), &value),
                )
            })
            .collect();
        entry.request.body = Some(Body::keep("application/json", &body));
        entry.status = Some(status.as_u16());
        entry.latency_ms = Some(started.elapsed().as_millis() as u64);
        tap.record(entry);
    }
    status
}

async fn verify_and_pass_on(receiver: &Receiver, headers: &HeaderMap, body: &[u8]) -> StatusCode {
    let authorization = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    match receiver.verifier.check(authorization).await {
        Ok(()) => {}
        // Our own failure to fetch the keys: the sender should try again, not give up on the event.
        Err(CallbackRefusal::Keys(e)) => {
            tracing::warn!(error = %e, "a Call Automation callback waits: the keys cannot be fetched");
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        Err(refusal) => {
            tracing::warn!(reason = %refusal, "refused a Call Automation callback");
            return StatusCode::UNAUTHORIZED;
        }
    }
    let events = match parse_callback_body(body) {
        Ok(events) => events,
        Err(e) => {
            tracing::warn!(error = %e, "a verified callback could not be read");
            return StatusCode::BAD_REQUEST;
        }
    };
    let received_ms = crate::acs::time::now_ms();
    for event in events {
        tracing::info!(
            event = %event.event_type,
            call = %event.data.call_connection_id,
            code = event.data.result_information.code,
            sub_code = event.data.result_information.sub_code,
            "call event"
        );
        if receiver
            .events
            .send(VerifiedEvent { event, received_ms })
            .await
            .is_err()
        {
            return StatusCode::SERVICE_UNAVAILABLE;
        }
    }
    StatusCode::OK
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_url_keeps_its_query_and_gets_the_listeners_path() {
        assert_eq!(
            public_callback_url("https://t.example/?code=KEY", "/callbacks/abc").unwrap(),
            "https://t.example/callbacks/abc?code=KEY"
        );
        assert_eq!(
            public_callback_url("https://t.example", "/callbacks/abc").unwrap(),
            "https://t.example/callbacks/abc"
        );
        assert!(public_callback_url("https://t.example/api/cb", "/callbacks/abc").is_err());
        assert!(public_callback_url("ftp://t.example/", "/callbacks/abc").is_err());
        assert!(public_callback_url("not a url", "/callbacks/abc").is_err());
    }
}
