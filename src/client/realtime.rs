//! The emulator's realtime socket (`/emulator/realtime`), kept connected: after any drop it
//! reconnects with backoff and a current token, asking for what it missed with `since`, so every
//! event is delivered once and in order. The real ACS service has no public equivalent; there the
//! backend polls instead.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use reqwest::Url;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::error::TlsError;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{Connector, connect_async_tls_with_config};

/// The socket's read buffer (frames larger than it are read in several steps).
const READ_BUFFER: usize = 16 * 1024;
/// The pause between reads while frames keep coming. A busy thread's news arrives in a write per
/// commit, hundreds a second; waking for each cost the console more than the news itself. The first
/// frame after a quiet spell is read at once; the console draws news at most every 100 ms anyway.
const PACE: Duration = Duration::from_millis(10);

use super::http::{error_from_body, innermost, parse_endpoint, tls_client_config};
use super::network::{NetworkCause, NetworkError, classify, tls_cause};
use super::retry::{RetryPolicy, random_jitter};
use super::token::TokenSource;
use super::{ClientError, Result};
use crate::acs::events::{ChatEvent, ControlFrame, RealtimeFrame};

/// What the realtime task tells its owner.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // nearly every update is an event; boxing would only add an allocation
pub enum RealtimeUpdate {
    /// The socket is open; `last_seq` is the newest event the server holds for the user.
    Connected { last_seq: u64 },
    /// An event, each `seq` once and in increasing order.
    Event { seq: u64, event: ChatEvent },
    /// The server no longer has every event since the last one received: reload what is shown.
    ResyncRequired,
    /// The socket closed or could not be opened; a `Reconnecting` follows unless the task ends.
    Disconnected { reason: String },
    /// The next connection attempt (counting from 1 since the last success) starts after `delay`.
    Reconnecting { attempt: u32, delay: Duration },
}

/// Timing of the realtime task, and where its frames are recorded.
#[derive(Debug, Clone)]
pub struct RealtimeOptions {
    /// Delays between reconnection attempts (`max_attempts` is not used: it never gives up).
    pub backoff: RetryPolicy,
    /// No frame at all for this long means the connection is dead (the server heartbeats every 15 s).
    pub silence_limit: Duration,
    /// How long opening the socket (TCP, TLS, upgrade) may take.
    pub connect_timeout: Duration,
    /// Where frames are recorded.
    pub tap: crate::inspect::Tap,
}

impl Default for RealtimeOptions {
    fn default() -> Self {
        RealtimeOptions {
            backoff: RetryPolicy {
                max_attempts: u32::MAX,
                base_delay: Duration::from_millis(500),
                max_delay: Duration::from_secs(30),
            },
            silence_limit: Duration::from_secs(45),
            connect_timeout: Duration::from_secs(10),
            tap: crate::inspect::Tap::off(),
        }
    }
}

/// `ws(s)://<endpoint host>/emulator/realtime?since=<since>` for an `http(s)` endpoint.
pub fn realtime_url(endpoint: &str, since: u64) -> Result<Url> {
    let base = parse_endpoint(endpoint)?;
    let mut url = base
        .join("emulator/realtime")
        .map_err(|e| ClientError::Config(format!("cannot build the realtime URL: {e}")))?;
    let scheme = if base.scheme() == "https" {
        "wss"
    } else {
        "ws"
    };
    url.set_scheme(scheme)
        .map_err(|_| ClientError::Config(format!("cannot use {scheme} for {endpoint}")))?;
    url.query_pairs_mut()
        .append_pair("since", &since.to_string());
    Ok(url)
}

/// Starts the realtime task with the default [`RealtimeOptions`]. See [`spawn_realtime_with`].
pub fn spawn_realtime(
    endpoint: &str,
    tokens: TokenSource,
    tls: Option<Arc<rustls::ClientConfig>>,
    since: u64,
    tx: mpsc::Sender<RealtimeUpdate>,
    cancel: watch::Receiver<bool>,
) -> JoinHandle<()> {
    spawn_realtime_with(
        endpoint,
        tokens,
        tls,
        since,
        tx,
        cancel,
        RealtimeOptions::default(),
    )
}

/// Starts a task that streams the user's events into `tx`, starting after `since` (0 for all the
/// server kept). `tls` is used for `wss` (see [`tls_client_config`]; `None` trusts the system's CAs).
///
/// The task ends when `cancel` turns true or its sender is dropped, when `tx`'s receiver is dropped,
/// or, after a `Disconnected` saying why, when it cannot go on: a bad endpoint, or a fixed token that
/// expired or was refused.
pub fn spawn_realtime_with(
    endpoint: &str,
    tokens: TokenSource,
    tls: Option<Arc<rustls::ClientConfig>>,
    since: u64,
    tx: mpsc::Sender<RealtimeUpdate>,
    cancel: watch::Receiver<bool>,
    options: RealtimeOptions,
) -> JoinHandle<()> {
    let base = realtime_url(endpoint, since);
    tokio::spawn(run(base, tokens, tls, since, tx, cancel, options))
}

/// Why one connection ended.
enum End {
    /// Try again after a delay.
    Dropped(String),
    /// Trying again cannot help.
    Fatal(String),
    /// Nobody is listening any more.
    ReceiverGone,
}

async fn run(
    base: Result<Url>,
    tokens: TokenSource,
    tls: Option<Arc<rustls::ClientConfig>>,
    mut last: u64,
    tx: mpsc::Sender<RealtimeUpdate>,
    mut cancel: watch::Receiver<bool>,
    options: RealtimeOptions,
) {
    let base = match base {
        Ok(url) => url,
        Err(e) => {
            let _ = tx
                .send(RealtimeUpdate::Disconnected {
                    reason: e.to_string(),
                })
                .await;
            return;
        }
    };
    let mut attempt = 0u32;
    loop {
        let end = tokio::select! {
            _ = cancelled(&mut cancel) => return,
            end = connection(&base, &tokens, &tls, &mut last, &tx, &options, &mut attempt) => end,
        };
        let reason = match end {
            End::ReceiverGone => return,
            End::Fatal(reason) => {
                let _ = tx.send(RealtimeUpdate::Disconnected { reason }).await;
                return;
            }
            End::Dropped(reason) => reason,
        };
        tracing::debug!(%reason, "realtime connection ended");
        if tx
            .send(RealtimeUpdate::Disconnected { reason })
            .await
            .is_err()
        {
            return;
        }
        let delay = options.backoff.delay_for(attempt, None, random_jitter());
        attempt = attempt.saturating_add(1);
        if tx
            .send(RealtimeUpdate::Reconnecting { attempt, delay })
            .await
            .is_err()
        {
            return;
        }
        tokio::select! {
            _ = cancelled(&mut cancel) => return,
            _ = tokio::time::sleep(delay) => {}
        }
    }
}

/// Resolves when cancellation is asked for or can no longer be (the sender is gone).
async fn cancelled(cancel: &mut watch::Receiver<bool>) {
    let _ = cancel.wait_for(|stop| *stop).await;
}

/// One connection, from the handshake until it ends; `last` is the newest `seq` delivered.
async fn connection(
    base: &Url,
    tokens: &TokenSource,
    tls: &Option<Arc<rustls::ClientConfig>>,
    last: &mut u64,
    tx: &mpsc::Sender<RealtimeUpdate>,
    options: &RealtimeOptions,
    attempt: &mut u32,
) -> End {
    let token = match tokens.token().await {
        Ok(token) => token,
        Err(e @ ClientError::Config(_)) => return End::Fatal(e.to_string()),
        Err(e) => return End::Dropped(format!("cannot get an access token: {e}")),
    };
    let mut url = base.clone();
    url.query_pairs_mut()
        .clear()
        .append_pair("since", &last.to_string());
    let mut request = match url.as_str().into_client_request() {
        Ok(request) => request,
        Err(e) => return End::Fatal(format!("cannot make the realtime request: {e}")),
    };
    let Ok(mut authorization) = HeaderValue::from_str(&format!("Bearer {token}")) else {
        return End::Fatal("the access token is not a valid header".into());
    };
    authorization.set_sensitive(true);
    request.headers_mut().insert("authorization", authorization);
    let connector = if url.scheme() == "wss" {
        match tls.clone().map_or_else(|| tls_client_config(None), Ok) {
            Ok(config) => Some(Connector::Rustls(config)),
            Err(e) => return End::Fatal(e.to_string()),
        }
    } else {
        None
    };
    // A smaller read buffer than the default 128 KiB: it is zeroed each time the socket is read,
    // which on a busy feed is after every frame.
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER);
    let handshake = connect_async_tls_with_config(request, Some(config), true, connector);
    let mut socket = match tokio::time::timeout(options.connect_timeout, handshake).await {
        Ok(Ok((socket, _))) => socket,
        Ok(Err(e)) => {
            let refused =
                matches!(&e, WsError::Http(r) if matches!(r.status().as_u16(), 401 | 403));
            let reason = describe(e, &url);
            // A token that cannot be replaced will be refused again.
            return if refused && !tokens.refreshes() {
                End::Fatal(reason)
            } else {
                End::Dropped(reason)
            };
        }
        Err(_) => {
            return End::Dropped(format!(
                "opening {} took longer than {} s",
                origin(&url),
                options.connect_timeout.as_secs()
            ));
        }
    };
    let shown = SocketShown {
        number: options.tap.next_socket(),
        url: crate::inspect::redact::url(url.as_str()),
    };
    // Whether frames came since the last pause: a busy feed is read in pauses of [`PACE`].
    let mut busy = false;
    loop {
        let ready = match socket.next().now_or_never() {
            Some(ready) => {
                busy = true;
                Ok(ready)
            }
            None if busy => {
                // Nothing more yet on a busy feed: wait a moment, so what comes meanwhile is read
                // in one go instead of waking for each of the server's writes.
                busy = false;
                tokio::time::sleep(PACE).await;
                continue;
            }
            None => tokio::time::timeout(options.silence_limit, socket.next()).await,
        };
        let message = match ready {
            Err(_) => {
                return End::Dropped(format!(
                    "nothing heard for {} s; the connection is presumed dead",
                    options.silence_limit.as_secs()
                ));
            }
            Ok(None) => return End::Dropped("the server closed the connection".into()),
            Ok(Some(Err(e))) => return End::Dropped(describe(e, &url)),
            Ok(Some(Ok(message))) => message,
        };
        let update = match message {
            Message::Text(text) => match record_frame(&options.tap, &shown, text.as_str()) {
                Ok(frame) => match frame_update(frame, last) {
                    Some(update) => update,
                    None => continue,
                },
                Err(e) => {
                    // A newer server may send event types this build does not know.
                    tracing::warn!(error = %e, "skipped an unreadable realtime frame");
                    continue;
                }
            },
            Message::Close(frame) => {
                let why = frame
                    .map(|f| f.reason.to_string())
                    .filter(|r| !r.is_empty())
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default();
                return End::Dropped(format!("the server closed the connection{why}"));
            }
            // Pings are answered by the socket itself; nothing else is expected.
            _ => continue,
        };
        if matches!(update, RealtimeUpdate::Connected { .. }) {
            *attempt = 0;
        }
        if tx.send(update).await.is_err() {
            return End::ReceiverGone;
        }
    }
}

/// A realtime socket as the inspector shows it: its number and its redacted URL, worked out once.
struct SocketShown {
    number: u64,
    url: String,
}

/// Reads a received frame, and records it on the tap with the thread it is about.
fn record_frame(
    tap: &crate::inspect::Tap,
    socket: &SocketShown,
    text: &str,
) -> serde_json::Result<RealtimeFrame> {
    let frame = RealtimeFrame::from_json(text);
    if tap.is_on() {
        let thread_id = match &frame {
            Ok(RealtimeFrame::Event { event, .. }) => Some(event.thread_id().to_string()),
            _ => None,
        };
        let body = crate::inspect::Body::frame(text.to_string());
        tap.record(crate::inspect::Entry::frame(
            socket.number,
            false,
            &socket.url,
            thread_id,
            body,
        ));
    }
    frame
}

/// What a frame means to the owner, if anything; drops events already delivered.
fn frame_update(frame: RealtimeFrame, last: &mut u64) -> Option<RealtimeUpdate> {
    match frame {
        RealtimeFrame::Event { seq, event } => {
            if seq <= *last {
                return None;
            }
            *last = seq;
            Some(RealtimeUpdate::Event { seq, event })
        }
        RealtimeFrame::Control(ControlFrame::RealTimeNotificationConnected { last_seq }) => {
            // A server holding less than was seen is another life of it (restarted in memory, its
            // data reset): its count starts again, and the resyncRequired that follows says reload.
            if last_seq < *last {
                *last = last_seq;
            }
            Some(RealtimeUpdate::Connected { last_seq })
        }
        RealtimeFrame::Control(ControlFrame::ResyncRequired { .. }) => {
            Some(RealtimeUpdate::ResyncRequired)
        }
        RealtimeFrame::Control(ControlFrame::Heartbeat { .. }) => None,
    }
}

fn origin(url: &Url) -> String {
    super::http::origin_of(url)
}

/// A handshake or socket error in words; a refused upgrade carries the service's error.
fn describe(e: WsError, url: &Url) -> String {
    match e {
        WsError::Http(response) => {
            let status = response.status().as_u16();
            let body = response.body().as_deref().unwrap_or_default();
            let error = Box::new(error_from_body(status, body));
            ClientError::Service {
                status,
                error,
                retry_after: None,
                request_id: None,
            }
            .to_string()
        }
        WsError::Io(io) => NetworkError::new(
            classify(&io),
            Some(origin(url)),
            format!("cannot reach {}: {}", origin(url), innermost(&io)),
        )
        .to_string(),
        WsError::Tls(tls) => {
            let cause = match &tls {
                TlsError::Rustls(e) => tls_cause(e),
                _ => NetworkCause::Tls,
            };
            NetworkError::new(
                cause,
                Some(origin(url)),
                format!("TLS with {} failed: {tls}", origin(url)),
            )
            .to_string()
        }
        other => format!("the realtime connection to {} failed: {other}", origin(url)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acs::events::ReadReceiptEvent;

    #[test]
    fn urls_follow_the_endpoint_scheme() {
        assert_eq!(
            realtime_url("https://127.0.0.1:7880/", 42)
                .unwrap()
                .as_str(),
            "wss://127.0.0.1:7880/emulator/realtime?since=42"
        );
        assert_eq!(
            realtime_url("http://localhost:7880", 0).unwrap().as_str(),
            "ws://localhost:7880/emulator/realtime?since=0"
        );
    }

    #[test]
    fn events_already_delivered_are_dropped() {
        let event = |seq| RealtimeFrame::Event {
            seq,
            event: ChatEvent::ReadReceiptReceived(ReadReceiptEvent {
                thread_id: "19:t@thread.v2".into(),
                sender: Default::default(),
                recipient: Default::default(),
                chat_message_id: "1".into(),
                read_on: "2026-11-28T05:00:00.000Z".into(),
            }),
        };
        let mut last = 5;
        assert_eq!(frame_update(event(4), &mut last), None);
        assert_eq!(frame_update(event(5), &mut last), None);
        assert!(matches!(
            frame_update(event(6), &mut last),
            Some(RealtimeUpdate::Event { seq: 6, .. })
        ));
        assert_eq!(last, 6);
        let heartbeat = RealtimeFrame::Control(ControlFrame::Heartbeat { time: "t".into() });
        assert_eq!(frame_update(heartbeat, &mut last), None);
        let resync = RealtimeFrame::Control(ControlFrame::ResyncRequired { oldest_seq: 9 });
        assert_eq!(
            frame_update(resync, &mut last),
            Some(RealtimeUpdate::ResyncRequired)
        );
    }

    #[test]
    fn a_server_that_holds_less_than_was_seen_starts_the_count_again() {
        // An in-memory emulator restarted: it holds 3 events where this client saw 40.
        let mut last = 40;
        let connected =
            RealtimeFrame::Control(ControlFrame::RealTimeNotificationConnected { last_seq: 3 });
        assert_eq!(
            frame_update(connected, &mut last),
            Some(RealtimeUpdate::Connected { last_seq: 3 })
        );
        assert_eq!(last, 3, "the events that follow (4, 5, ...) are new");
        let ahead =
            RealtimeFrame::Control(ControlFrame::RealTimeNotificationConnected { last_seq: 50 });
        frame_update(ahead, &mut last);
        assert_eq!(last, 3, "a server ahead replays what was missed from here");
    }
}
