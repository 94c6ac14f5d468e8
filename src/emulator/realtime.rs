//! The realtime socket: `/emulator/realtime`, one per connected user, fed by the store's event log.
//!
//! A client connects with its bearer token (header, or `access_token` query parameter for browsers)
//! and `since=<last seq it saw>`; it first receives `realTimeNotificationConnected`, then every event
//! after `since` from the log, then live events, each once and in order.
//!
//! Two positions cannot be served by replay, and both get `resyncRequired` (the client reloads what it
//! shows over REST) and then the stream, never a refusal, which a reconnecting client would only repeat:
//! - `since` older than the oldest event kept: the kept events follow.
//! - `since` beyond the newest event the server holds (any `u64`, up to `u64::MAX`): the client's
//!   position is from another life of the server (an in-memory emulator restarted, a data folder
//!   reset). Nothing is replayed: the stream goes on after `lastSeq` of the connected frame, which the
//!   client takes as its new position.

use axum::extract::rejection::QueryRejection;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use futures_util::SinkExt;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

use super::EmulatorState;
use super::auth::bearer_user;
use super::error::ApiError;
use crate::acs::events::{ControlFrame, RealtimeFrame};
use crate::acs::time::{format_ms, now_ms};

/// Committed events of one user and one commit, in order: sequence numbers and frame texts.
pub type LiveEvent = Arc<[(u64, Arc<str>)]>;

/// Live fan-out of committed events to connected users.
#[derive(Default)]
pub struct Hub {
    users: Mutex<HashMap<String, broadcast::Sender<LiveEvent>>>,
}

/// Commits of live events a connection can fall behind by before it goes back to the log.
const LIVE_BUFFER: usize = 1024;
/// Live events sent in one write at most (whole commits: one may go past it).
const LIVE_BATCH: usize = 256;
/// The least time between two writes of live events to a busy connection: what is committed
/// meanwhile leaves in the next write. The first event after a quiet spell leaves at once; on a busy
/// thread this spares both sides a write and a wake-up per commit (hundreds a second).
const LIVE_PACE: Duration = Duration::from_millis(10);
/// Events read from the log at a time when catching up.
const REPLAY_CHUNK: usize = 500;
/// The socket's read buffer. Clients send next to nothing (pings, a close), and the buffer is made
/// ready (zeroed) each time the connection looks for input, which is after every event it sends: the
/// default 128 KiB made that the largest cost of a busy realtime feed.
const CLIENT_READ_BUFFER: usize = 4 * 1024;
/// How often an idle connection hears from the server.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(15);

impl Hub {
    pub fn publish(&self, user: &str, frames: Vec<(u64, Arc<str>)>) {
        let Ok(mut users) = self.users.lock() else {
            return;
        };
        if let Some(sender) = users.get(user) {
            if sender.receiver_count() == 0 {
                users.remove(user);
            } else {
                let _ = sender.send(Arc::from(frames));
            }
        }
    }

    pub fn subscribe(&self, user: &str) -> Option<broadcast::Receiver<LiveEvent>> {
        let mut users = self.users.lock().ok()?;
        let sender = users
            .entry(user.to_string())
            .or_insert_with(|| broadcast::channel(LIVE_BUFFER).0);
        Some(sender.subscribe())
    }
}

#[derive(Debug, Deserialize)]
pub struct RealtimeQuery {
    #[serde(default)]
    since: Option<u64>,
    #[serde(default)]
    access_token: Option<String>,
}

pub async fn connect(
    State(state): State<EmulatorState>,
    query: Result<Query<RealtimeQuery>, QueryRejection>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    // The token is checked first, so that a bad one is refused whatever else is wrong.
    let token_in_query = match &query {
        Ok(Query(q)) => q.access_token.clone(),
        Err(_) => None,
    };
    let user = match bearer_user(&state, &headers, token_in_query.as_deref()).await {
        Ok(user) => user,
        Err(e) => return e.into_response(),
    };
    let since = match query {
        Ok(Query(q)) => q.since.unwrap_or(0),
        Err(_) => {
            return ApiError::invalid_field(
                "since",
                "'since' must be the last sequence number the client saw (a whole number).",
            )
            .into_response();
        }
    };
    let upgrade = match upgrade {
        Ok(u) => u,
        Err(e) => {
            return ApiError::bad_request(format!(
                "This endpoint takes a WebSocket upgrade: {}.",
                e.body_text()
            ))
            .into_response();
        }
    };
    upgrade
        .read_buffer_size(CLIENT_READ_BUFFER)
        .on_upgrade(move |socket| async move {
            if let Err(e) = serve(state, user, since, socket).await {
                tracing::debug!(error = %e, "realtime connection ended");
            }
        })
        .into_response()
}

#[derive(Debug, thiserror::Error)]
enum ConnectionEnd {
    #[error("the client went away")]
    Closed,
    #[error(transparent)]
    Store(#[from] ApiError),
}

async fn send_text(socket: &mut WebSocket, text: &str) -> Result<(), ConnectionEnd> {
    socket
        .send(Message::Text(Utf8Bytes::from(text)))
        .await
        .map_err(|_| ConnectionEnd::Closed)
}

/// Queues a frame without writing it out: frames fed together leave in one write at [`flush`].
async fn feed_text(socket: &mut WebSocket, text: &str) -> Result<(), ConnectionEnd> {
    socket
        .feed(Message::Text(Utf8Bytes::from(text)))
        .await
        .map_err(|_| ConnectionEnd::Closed)
}

async fn flush(socket: &mut WebSocket) -> Result<(), ConnectionEnd> {
    socket.flush().await.map_err(|_| ConnectionEnd::Closed)
}

async fn send_control(socket: &mut WebSocket, frame: ControlFrame) -> Result<(), ConnectionEnd> {
    let text = serde_json::to_string(&RealtimeFrame::Control(frame))
        .map_err(|e| ApiError::internal(e.to_string()))?;
    send_text(socket, &text).await
}

/// Sends logged events after `*last` until the log is exhausted.
async fn replay(
    state: &EmulatorState,
    user: &str,
    last: &mut u64,
    socket: &mut WebSocket,
) -> Result<(), ConnectionEnd> {
    loop {
        let (u, since) = (user.to_string(), *last);
        let (events, oldest) = state
            .store
            .run(move |db| db.events_since(&u, since, REPLAY_CHUNK))
            .await?;
        if let Some(oldest) = oldest
            && oldest > since.saturating_add(1)
            && events.first().map(|e| e.seq) == Some(oldest)
        {
            send_control(socket, ControlFrame::ResyncRequired { oldest_seq: oldest }).await?;
        }
        let done = events.len() < REPLAY_CHUNK;
        for event in events {
            feed_text(socket, &event.frame).await?;
            *last = event.seq;
        }
        flush(socket).await?;
        if done {
            return Ok(());
        }
    }
}

async fn serve(
    state: EmulatorState,
    user: String,
    since: u64,
    mut socket: WebSocket,
) -> Result<(), ConnectionEnd> {
    // Subscribe before reading the log, so nothing committed in between is missed.
    let mut live = state
        .hub
        .subscribe(&user)
        .ok_or_else(|| ApiError::internal("the realtime hub is unavailable"))?;
    let u = user.clone();
    let newest = state.store.run(move |db| db.last_event_seq(&u)).await?;
    send_control(
        &mut socket,
        ControlFrame::RealTimeNotificationConnected { last_seq: newest },
    )
    .await?;
    let mut last = since;
    if since > newest {
        let u = user.clone();
        let oldest = state.store.run(move |db| db.oldest_event_seq(&u)).await?;
        send_control(
            &mut socket,
            ControlFrame::ResyncRequired {
                oldest_seq: oldest.unwrap_or(newest.saturating_add(1)),
            },
        )
        .await?;
        last = newest;
    }
    replay(&state, &user, &mut last, &mut socket).await?;
    let mut shutdown = state.shutdown.clone();
    let mut drops = state.faults.drops();
    drops.borrow_and_update();
    let mut heartbeat = tokio::time::interval(HEARTBEAT_INTERVAL);
    heartbeat.tick().await;
    // When the next live write may leave: set after a write that took all there was.
    let mut paced_until: Option<tokio::time::Instant> = None;
    loop {
        tokio::select! {
            received = live.recv() => match received {
                Ok(event) => {
                    if let Some(until) = paced_until.take() {
                        tokio::time::sleep_until(until).await;
                    }
                    let drained =
                        send_live(&state, &user, &mut last, &mut socket, &mut live, event).await?;
                    if drained {
                        paced_until = Some(tokio::time::Instant::now() + LIVE_PACE);
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    replay(&state, &user, &mut last, &mut socket).await?;
                }
                Err(broadcast::error::RecvError::Closed) => return Ok(()),
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return Err(ConnectionEnd::Closed),
                Some(Ok(_)) => {}
            },
            _ = heartbeat.tick() => {
                send_control(&mut socket, ControlFrame::Heartbeat { time: format_ms(now_ms()) }).await?;
            }
            _ = shutdown.changed() => {
                let _ = socket.send(Message::Close(None)).await;
                return Ok(());
            }
            Ok(()) = drops.changed() => {
                // Said in the close frame, so that the client's log shows the drop was injected.
                let _ = socket
                    .send(Message::Close(Some(CloseFrame {
                        code: close_code::RESTART,
                        reason: Utf8Bytes::from_static(
                            "injected fault: realtime drop (--faults, /emulator/faults)",
                        ),
                    })))
                    .await;
                return Ok(());
            }
        }
    }
}

/// Sends a live event and those published with it: events committed together (a group commit
/// holds many) leave in one write, which saves packets and wake-ups on both sides of a busy feed.
/// Returns whether it took everything waiting (rather than stopping at [`LIVE_BATCH`]).
async fn send_live(
    state: &EmulatorState,
    user: &str,
    last: &mut u64,
    socket: &mut WebSocket,
    live: &mut broadcast::Receiver<LiveEvent>,
    first: LiveEvent,
) -> Result<bool, ConnectionEnd> {
    let mut next = Some(first);
    let mut fed = 0;
    let mut drained = true;
    while let Some(frames) = next.take() {
        for (seq, frame) in frames.iter() {
            if *seq > last.saturating_add(1) {
                // Something was published while we replayed; the log has it.
                flush(socket).await?;
                replay(state, user, last, socket).await?;
            }
            if *seq > *last {
                feed_text(socket, frame).await?;
                *last = *seq;
                fed += 1;
            }
        }
        if fed >= LIVE_BATCH {
            drained = live.is_empty();
            break;
        }
        next = match live.try_recv() {
            Ok(event) => Some(event),
            Err(broadcast::error::TryRecvError::Lagged(_)) => {
                flush(socket).await?;
                replay(state, user, last, socket).await?;
                None
            }
            Err(_) => None,
        };
    }
    flush(socket).await?;
    Ok(drained)
}

/// `GET /emulator/realtime/position`: the newest sequence number held for the caller, so a client that
/// loaded its state over REST can ask the socket for news only (`since=<lastSeq>`).
pub async fn position(State(state): State<EmulatorState>, headers: HeaderMap) -> Response {
    let user = match bearer_user(&state, &headers, None).await {
        Ok(user) => user,
        Err(e) => return e.into_response(),
    };
    match state.store.run(move |db| db.last_event_seq(&user)).await {
        Ok(last) => axum::Json(serde_json::json!({ "lastSeq": last })).into_response(),
        Err(e) => e.into_response(),
    }
}
