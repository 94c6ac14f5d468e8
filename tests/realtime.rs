//! The emulator's realtime socket, `/emulator/realtime`: frames, ordering, replay after a reconnect
//! and authentication.

mod support;

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};
use support::{TestEmulator, thread_path};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

/// The longest any single frame (or the handshake) may take.
const WAIT: Duration = Duration::from_secs(5);

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

fn realtime_url(emulator: &TestEmulator, since: u64) -> String {
    format!("ws://{}/emulator/realtime?since={since}", emulator.host())
}

async fn try_connect(url: &str, token: Option<&str>) -> Result<Socket, WsError> {
    let mut request = url.into_client_request().expect("a websocket request");
    if let Some(token) = token {
        let value = HeaderValue::from_str(&format!("Bearer {token}")).expect("a header value");
        request.headers_mut().insert("authorization", value);
    }
    let (socket, _) = timeout(WAIT, connect_async(request))
        .await
        .expect("the handshake finishes in time")?;
    Ok(socket)
}

/// One user's connection; checks that event frames arrive exactly once and in order.
struct Listener {
    socket: Socket,
    /// The `seq` of the last event frame received.
    last_seq: u64,
}

impl Listener {
    /// Connects with `since`, and checks that the first frame is `realTimeNotificationConnected`,
    /// whose `lastSeq` it returns.
    async fn connect(emulator: &TestEmulator, token: &str, since: u64) -> (Listener, u64) {
        let socket = try_connect(&realtime_url(emulator, since), Some(token))
            .await
            .expect("the upgrade is accepted");
        let mut listener = Listener {
            socket,
            last_seq: since,
        };
        let first = listener.next_raw().await;
        assert_eq!(first["type"], "realTimeNotificationConnected", "{first}");
        assert!(first.get("seq").is_none(), "control frames carry no seq");
        let last = first["data"]["lastSeq"].as_u64().expect("data.lastSeq");
        (listener, last)
    }

    /// The next text frame as JSON, skipping heartbeats and pings; fails after [`WAIT`].
    async fn next_raw(&mut self) -> Value {
        loop {
            let message = timeout(WAIT, self.socket.next())
                .await
                .expect("a frame arrives in time")
                .expect("the socket stays open")
                .expect("the socket has no error");
            match message {
                Message::Text(text) => {
                    let frame: Value = serde_json::from_str(text.as_str()).expect("a JSON frame");
                    if frame["type"] != "heartbeat" {
                        return frame;
                    }
                }
                Message::Ping(_) | Message::Pong(_) => {}
                other => panic!("unexpected websocket message {other:?}"),
            }
        }
    }

    /// The next event frame; its `seq` must follow the previous one's.
    async fn next_event(&mut self) -> Value {
        let frame = self.next_raw().await;
        let seq = frame["seq"]
            .as_u64()
            .unwrap_or_else(|| panic!("an event frame has a seq: {frame}"));
        assert_eq!(
            seq,
            self.last_seq + 1,
            "events arrive once each and in order: {frame}"
        );
        self.last_seq = seq;
        frame
    }

    /// Reads events until `accept` takes one; returns it and the events read before it.
    async fn until(&mut self, accept: impl Fn(&Value) -> bool) -> (Value, Vec<Value>) {
        let mut skipped = Vec::new();
        loop {
            let frame = self.next_event().await;
            if accept(&frame) {
                return (frame, skipped);
            }
            assert!(
                skipped.len() < 100,
                "the awaited event never came: {skipped:?}"
            );
            skipped.push(frame);
        }
    }

    async fn until_type(&mut self, kind: &str) -> Value {
        self.until(|f| f["type"] == kind).await.0
    }

    async fn close(mut self) {
        let _ = timeout(WAIT, self.socket.close(None)).await;
    }
}

/// Alice created a thread with Bob.
struct Fixture {
    emulator: TestEmulator,
    alice: (String, String),
    bob: (String, String),
    thread: String,
}

impl Fixture {
    async fn new() -> Fixture {
        let emulator = TestEmulator::start().await;
        let alice = emulator.create_user().await;
        let bob = emulator.create_user().await;
        let thread = emulator
            .create_named_thread(&alice.1, "Live", &[(&bob.0, "Bob")])
            .await;
        Fixture {
            emulator,
            alice,
            bob,
            thread,
        }
    }

    async fn send(&self, token: &str, content: &str) -> String {
        self.emulator
            .send_message(token, &self.thread, content)
            .await
    }
}

fn is_message(kind: &'static str, id: &str) -> impl Fn(&Value) -> bool {
    let id = id.to_string();
    move |f: &Value| f["type"] == kind && f["data"]["id"] == id.as_str()
}

#[tokio::test]
async fn first_frame_is_realtime_notification_connected_with_the_last_seq() {
    let emulator = TestEmulator::start().await;
    let (_, token) = emulator.create_user().await;
    let (listener, last) = Listener::connect(&emulator, &token, 0).await;
    assert_eq!(last, 0, "a new user has no events");
    listener.close().await;

    let f = Fixture::new().await;
    let (mut listener, last) = Listener::connect(&f.emulator, &f.alice.1, 0).await;
    assert!(last > 0, "creating the thread produced events for alice");
    // Replay from 0 delivers events 1..=last, the thread's creation among them.
    let created = listener.until_type("chatThreadCreated").await;
    assert_eq!(created["data"]["threadId"], f.thread);
    assert!(listener.last_seq <= last);
}

#[tokio::test]
async fn message_from_another_user_arrives_as_chat_message_received_in_order() {
    let f = Fixture::new().await;
    let (mut alice, _) = Listener::connect(&f.emulator, &f.alice.1, 0).await;
    let mut ids = Vec::new();
    for content in ["one", "two", "three"] {
        ids.push(f.send(&f.bob.1, content).await);
    }
    let mut seqs = Vec::new();
    for (id, content) in ids.iter().zip(["one", "two", "three"]) {
        let (frame, skipped) = alice.until(|f| f["type"] == "chatMessageReceived").await;
        assert!(
            skipped.iter().all(|s| s["type"] != "chatMessageReceived"),
            "{skipped:?}"
        );
        let data = &frame["data"];
        assert_eq!(data["id"], id.as_str());
        assert_eq!(data["message"], content);
        assert_eq!(data["threadId"], f.thread);
        assert_eq!(data["type"], "text");
        assert_eq!(data["sender"]["rawId"], f.bob.0);
        assert_eq!(data["senderDisplayName"], "Bob");
        assert_eq!(data["recipient"]["rawId"], f.alice.0);
        seqs.push(frame["seq"].as_u64().unwrap());
    }
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    alice.close().await;
}

#[tokio::test]
async fn typing_arrives_at_the_other_user_but_not_at_the_typer() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let (mut alice, _) = Listener::connect(e, &f.alice.1, 0).await;
    let (mut bob, _) = Listener::connect(e, &f.bob.1, 0).await;
    e.post(
        &f.bob.1,
        &thread_path(&f.thread, "/typing"),
        &json!({"senderDisplayName": "Bobby"}),
    )
    .await
    .expect(200);

    let typing = alice.until_type("typingIndicatorReceived").await;
    let data = &typing["data"];
    assert_eq!(data["threadId"], f.thread);
    assert_eq!(data["sender"]["rawId"], f.bob.0);
    assert_eq!(data["senderDisplayName"], "Bobby");
    assert_eq!(data["recipient"]["rawId"], f.alice.0);

    // Anything bob's typing produced for bob would come before this later message.
    let marker = f.send(&f.alice.1, "after the typing").await;
    let (_, before) = bob.until(is_message("chatMessageReceived", &marker)).await;
    assert!(
        before
            .iter()
            .all(|frame| frame["type"] != "typingIndicatorReceived"),
        "the typer must not hear its own typing: {before:?}"
    );
    alice.close().await;
    bob.close().await;
}

#[tokio::test]
async fn read_receipt_arrives_at_the_other_participant() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let (mut alice, _) = Listener::connect(e, &f.alice.1, 0).await;
    let id = f.send(&f.alice.1, "please read").await;
    e.post(
        &f.bob.1,
        &thread_path(&f.thread, "/readReceipts"),
        &json!({"chatMessageId": id}),
    )
    .await
    .expect(200);
    let receipt = alice.until_type("readReceiptReceived").await;
    let data = &receipt["data"];
    assert_eq!(data["threadId"], f.thread);
    assert_eq!(data["chatMessageId"], id);
    assert_eq!(data["sender"]["rawId"], f.bob.0);
    assert_eq!(data["recipient"]["rawId"], f.alice.0);
    assert!(data["readOn"].is_string());
    alice.close().await;
}

#[tokio::test]
async fn edit_and_delete_arrive_as_chat_message_edited_and_deleted() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let (mut alice, _) = Listener::connect(e, &f.alice.1, 0).await;
    let id = f.send(&f.bob.1, "first draft").await;
    let path = thread_path(&f.thread, &format!("/messages/{id}"));
    e.patch(&f.bob.1, &path, &json!({"content": "second draft"}))
        .await
        .expect(204);
    e.delete(&f.bob.1, &path).await.expect(204);

    let (received, _) = alice.until(is_message("chatMessageReceived", &id)).await;
    let (edited, between) = alice.until(is_message("chatMessageEdited", &id)).await;
    assert!(between.is_empty(), "{between:?}");
    assert_eq!(edited["data"]["message"], "second draft");
    assert!(edited["data"]["editedOn"].is_string(), "{edited}");
    assert_ne!(edited["data"]["version"], received["data"]["version"]);

    let (deleted, between) = alice.until(is_message("chatMessageDeleted", &id)).await;
    assert!(between.is_empty(), "{between:?}");
    assert!(deleted["data"]["deletedOn"].is_string(), "{deleted}");
    assert_eq!(deleted["data"]["sender"]["rawId"], f.bob.0);
    alice.close().await;
}

#[tokio::test]
async fn reconnect_with_since_replays_exactly_the_missed_events_in_order() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let (mut alice, _) = Listener::connect(e, &f.alice.1, 0).await;
    let seen = f.send(&f.bob.1, "seen live").await;
    alice.until(is_message("chatMessageReceived", &seen)).await;
    let since = alice.last_seq;
    alice.close().await;

    let mut missed = Vec::new();
    for content in ["missed 1", "missed 2", "missed 3"] {
        missed.push(f.send(&f.bob.1, content).await);
    }

    let (mut alice, last) = Listener::connect(e, &f.alice.1, since).await;
    assert_eq!(last, since + 3, "the server holds exactly 3 newer events");
    for id in &missed {
        // next_event checks that seq is since+1, since+2, since+3: no gap, no duplicate.
        let frame = alice.next_event().await;
        assert_eq!(frame["type"], "chatMessageReceived", "{frame}");
        assert_eq!(frame["data"]["id"], id.as_str(), "in the order sent");
    }
    // Nothing else was replayed: the next frame is a new live event.
    e.post(&f.bob.1, &thread_path(&f.thread, "/typing"), &json!({}))
        .await
        .expect(200);
    let next = alice.next_event().await;
    assert_eq!(next["type"], "typingIndicatorReceived", "{next}");
    alice.close().await;
}

#[tokio::test]
async fn since_beyond_the_newest_seq_asks_for_a_resync_then_delivers_live_events_without_replay() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    // A position from another life of the server (an in-memory emulator restarted), and values that
    // would wrap if taken as signed numbers.
    let position = e.get(&f.alice.1, "/emulator/realtime/position").await;
    let newest = position.expect(200)["lastSeq"].as_u64().expect("lastSeq");
    for since in [newest + 1_000, 1 << 63, u64::MAX] {
        let (mut alice, last) = Listener::connect(e, &f.alice.1, since).await;
        let resync = alice.next_raw().await;
        assert_eq!(resync["type"], "resyncRequired", "since={since}: {resync}");
        // The stream goes on from the server's newest event, and nothing older is replayed.
        alice.last_seq = last;
        let live = f.send(&f.bob.1, &format!("after since={since}")).await;
        let frame = alice.next_event().await;
        assert!(
            is_message("chatMessageReceived", &live)(&frame),
            "since={since}: the next frame is the live message: {frame}"
        );
        alice.close().await;
    }
}

#[tokio::test]
async fn access_token_query_parameter_is_accepted_for_browsers() {
    let emulator = TestEmulator::start().await;
    let (_, token) = emulator.create_user().await;
    let url = format!("{}&access_token={token}", realtime_url(&emulator, 0));
    let mut socket = try_connect(&url, None)
        .await
        .expect("the upgrade is accepted");
    let first = timeout(WAIT, socket.next())
        .await
        .expect("a frame arrives in time")
        .expect("the socket stays open")
        .expect("the socket has no error");
    let frame: Value = serde_json::from_str(first.to_text().unwrap()).unwrap();
    assert_eq!(frame["type"], "realTimeNotificationConnected");
}

/// The HTTP response that refused an upgrade.
fn refused(result: Result<Socket, WsError>) -> (u16, Value) {
    match result {
        Ok(_) => panic!("the upgrade must be refused"),
        Err(WsError::Http(response)) => {
            let body = response
                .body()
                .as_deref()
                .and_then(|b| serde_json::from_slice(b).ok())
                .unwrap_or(Value::Null);
            (response.status().as_u16(), body)
        }
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
    }
}

#[tokio::test]
async fn bad_token_is_refused_with_401_on_upgrade() {
    let f = Fixture::new().await;
    let url = realtime_url(&f.emulator, 0);
    let (head, signature) = f.alice.1.rsplit_once('.').unwrap();
    let first = if signature.starts_with('A') { 'B' } else { 'A' };
    let forged = format!("{head}.{first}{}", &signature[1..]);
    for token in [Some("garbage"), Some(forged.as_str()), None] {
        let (status, body) = refused(try_connect(&url, token).await);
        assert_eq!(status, 401, "token {token:?}");
        assert_eq!(body["error"]["code"], "Unauthorized", "{body}");
    }
}

#[tokio::test]
async fn malformed_since_is_refused_in_the_acs_error_shape() {
    let emulator = TestEmulator::start().await;
    let (_, token) = emulator.create_user().await;
    let url = format!("ws://{}/emulator/realtime?since=yesterday", emulator.host());
    let (status, body) = refused(try_connect(&url, Some(&token)).await);
    assert_eq!(status, 400);
    assert_eq!(
        body["error"]["code"], "BadRequest",
        "every emulator error is an ACS error body; got {body}"
    );
}
