//! Fault injection: `--faults` and `/emulator/faults` make the emulator answer with 429, 500 and
//! 503, add latency, cut connections and drop realtime sockets, by route class and repeatably by
//! seed; every injected answer says so. The console shows what it goes through and loses nothing.

mod support;

use std::time::{Duration, Instant};

use acs_interop::backend::{BackendEvent, Command};
use acs_interop::client::{IdentityClient, TeamsAdminClient};
use acs_interop::emulator::EmulatorConfig;
use acs_interop::emulator::faults::FaultSpec;
use acs_interop::model::IdentityMode;
use acs_interop::model::SendState;
use futures_util::StreamExt;
use serde_json::{Value, json};
use support::backend::{my_id, start_as, target};
use support::{TestEmulator, thread_path};

fn with_faults(spec: &str) -> EmulatorConfig {
    EmulatorConfig {
        faults: FaultSpec::parse(spec).expect("a valid spec"),
        ..support::test_config()
    }
}

fn admin(e: &TestEmulator) -> TeamsAdminClient {
    let identity = IdentityClient::new(reqwest::Client::new(), e.emulator.connection_string())
        .expect("an identity client");
    TeamsAdminClient::new(identity)
}

fn injected(response: &support::Response) -> Option<String> {
    response
        .headers
        .get("x-ms-emulator-fault")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_faulted_class_gets_injected_errors_in_the_acs_shape_and_other_classes_do_not() {
    let e = TestEmulator::start().await;
    let (_, token) = e.create_user().await;
    let thread = e.create_thread(&token, "Faults", &[]).await;
    let admin = admin(&e);
    admin
        .set_faults("chat-writes.503=100%,chat-writes.retry-after=3s")
        .await
        .expect("faults set");

    let refused = e
        .post(
            &token,
            &thread_path(&thread, "/messages"),
            &json!({"content": "x"}),
        )
        .await;
    let error = refused.expect_error(503, "ServiceUnavailable");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("injected")),
        "{error}"
    );
    assert_eq!(injected(&refused).as_deref(), Some("503"));
    assert_eq!(
        refused
            .headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("3")
    );
    let read = e.get(&token, &thread_path(&thread, "/messages")).await;
    read.expect(200);
    assert_eq!(injected(&read), None, "chat reads are not faulted");
    let health = reqwest::get(format!("{}/emulator/health", e.base()))
        .await
        .expect("health answers");
    assert_eq!(health.status(), 200, "the emulator's own routes never are");

    let shown = admin.faults().await.expect("the faults");
    assert_eq!(shown["active"], true);
    assert_eq!(shown["injected"]["chat-writes"]["503"], 1);
    assert!(
        shown["spec"]
            .as_str()
            .is_some_and(|s| s.starts_with("chat-writes.503=100%,chat-writes.retry-after=3s,seed=")),
        "{shown}"
    );
    let cleared = admin.clear_faults().await.expect("cleared");
    assert_eq!(cleared["active"], false);
    e.post(
        &token,
        &thread_path(&thread, "/messages"),
        &json!({"content": "y"}),
    )
    .await
    .expect(201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_faults_route_is_signed_and_refuses_a_bad_spec_with_the_reason() {
    let e = TestEmulator::start().await;
    let unsigned = e
        .send(
            reqwest::Method::PUT,
            "/emulator/faults",
            &[("content-type", "application/json")],
            br#"{"spec":"503=100%"}"#.to_vec(),
        )
        .await;
    unsigned.expect_error(401, "Unauthorized");
    let error = admin(&e).set_faults("503=150%").await.expect_err("refused");
    let text = error.to_string();
    assert!(text.contains("between 0% and 100%"), "{text}");
    let shown = admin(&e).faults().await.expect("the faults");
    assert_eq!(shown["active"], false, "nothing changed");
}

/// Sends `n` messages one after another without retrying, and returns which answered 201.
async fn send_each(e: &TestEmulator, token: &str, thread: &str, n: usize) -> Vec<Option<u16>> {
    let url = format!(
        "{}{}?api-version={}",
        e.base(),
        thread_path(thread, "/messages"),
        support::CHAT_API
    );
    let client = reqwest::Client::new();
    let mut out = Vec::new();
    for i in 0..n {
        let answer = client
            .post(&url)
            .bearer_auth(token)
            .json(&json!({"content": format!("m{i}")}))
            .send()
            .await;
        out.push(answer.ok().map(|r| r.status().as_u16()));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_repeats_the_same_faults_and_resets_cut_the_connection() {
    let spec = "chat-writes.503=20%,chat-writes.reset=20%,chat-writes.429=10%,seed=11";
    let mut runs = Vec::new();
    for _ in 0..2 {
        let e = TestEmulator::start().await;
        let (_, token) = e.create_user().await;
        let thread = e.create_thread(&token, "Seeded", &[]).await;
        admin(&e).set_faults(spec).await.expect("faults set");
        let answers = send_each(&e, &token, &thread, 40).await;
        admin(&e).clear_faults().await.expect("cleared");
        let (messages, _) = e.list_all(&token, &thread_path(&thread, "/messages")).await;
        let landed = messages.iter().filter(|m| m["type"] == "text").count();
        runs.push((answers, landed));
    }
    let (answers, landed) = &runs[0];
    assert_eq!(runs[0], runs[1], "the same seed, the same faults");
    let cut = answers.iter().filter(|a| a.is_none()).count();
    let created = answers.iter().filter(|a| **a == Some(201)).count();
    assert!(cut > 0, "resets cut connections: {answers:?}");
    assert!(answers.contains(&Some(503)) && answers.contains(&Some(429)));
    assert!(
        *landed > created && *landed < created + cut,
        "some cut requests were carried out and some not: {landed} landed, {created} answered 201, {cut} cut"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_is_added_and_marked() {
    let e = TestEmulator::start_with(with_faults("chat-reads.latency=300ms~50ms")).await;
    let (_, token) = e.create_user().await;
    let thread = e.create_thread(&token, "Slow", &[]).await;
    let started = Instant::now();
    let read = e.get(&token, &thread_path(&thread, "/messages")).await;
    assert!(started.elapsed() >= Duration::from_millis(250));
    read.expect(200);
    let mark = injected(&read).expect("marked");
    let ms: u64 = mark
        .strip_prefix("latency ")
        .and_then(|m| m.strip_suffix(" ms"))
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("{mark}"));
    assert!((250..=350).contains(&ms), "{mark}");
}

/// Reads text frames from a realtime socket until it closes; returns the frames and the close reason.
async fn read_until_closed(url: &str) -> (Vec<Value>, Option<String>) {
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("the socket opens");
    let mut frames = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let next = tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("the drop comes within 10 s");
        match next {
            Some(Ok(tokio_tungstenite::tungstenite::Message::Text(text))) => {
                frames.push(serde_json::from_str(text.as_str()).expect("json"));
            }
            Some(Ok(tokio_tungstenite::tungstenite::Message::Close(frame))) => {
                return (frames, frame.map(|f| f.reason.to_string()));
            }
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return (frames, None),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn realtime_sockets_are_dropped_every_interval_and_resume_without_loss() {
    let e = TestEmulator::start_with(with_faults("realtime.drop=1s")).await;
    let (_, token) = e.create_user().await;
    let thread = e.create_thread(&token, "Drops", &[]).await;
    let ws = e.base().replacen("http", "ws", 1);
    let url = |since: u64| format!("{ws}/emulator/realtime?since={since}&access_token={token}");
    let (frames, reason) = read_until_closed(&url(0)).await;
    assert!(
        reason
            .as_deref()
            .is_some_and(|r| r.contains("injected fault")),
        "{reason:?}"
    );
    let last = frames
        .iter()
        .filter_map(|f| f["seq"].as_u64())
        .max()
        .unwrap_or(0);
    // Written while no socket is open: the next connection replays it.
    let id = e.send_message(&token, &thread, "while dropped").await;
    let (frames, _) = read_until_closed(&url(last)).await;
    assert!(
        frames.iter().any(|f| f.to_string().contains(&id)),
        "the message sent between sockets is replayed: {frames:?}"
    );
    let shown = admin(&e).faults().await.expect("the faults");
    assert!(
        shown["injected"]["realtime"]["drop"].as_u64() >= Some(2),
        "{shown}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_shows_a_send_retrying_and_delivers_it_once_the_faults_pass() {
    let e = TestEmulator::start().await;
    let (me, token) = e.create_user().await;
    let thread_id = e.create_thread(&token, "Through faults", &[]).await;
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut t = target(&e, dir.path(), false);
    t.user_id = Some(me);
    let mut running = start_as(t, None, IdentityMode::Acting);
    my_id(&mut running).await;
    admin(&e)
        .set_faults("chat-writes.503=100%")
        .await
        .expect("faults set");
    running
        .commands
        .send(Command::SendMessage {
            thread_id: thread_id.clone(),
            client_id: "c-faulted".into(),
            content: "through the faults".into(),
        })
        .await
        .expect("the backend listens");
    let reason = running
        .wait_for("a retrying send", |e| match e {
            BackendEvent::Send {
                state: SendState::Retrying { reason, .. },
                ..
            } => Some(reason.to_string()),
            _ => None,
        })
        .await;
    assert_eq!(reason, "503 Service Unavailable");
    admin(&e).clear_faults().await.expect("cleared");
    running
        .wait_for("the send delivered", |e| match e {
            BackendEvent::Send {
                state: SendState::Sent { message_id },
                ..
            } => Some(message_id.clone()),
            _ => None,
        })
        .await;
    let (messages, _) = e
        .list_all(&token, &thread_path(&thread_id, "/messages"))
        .await;
    let copies = messages
        .iter()
        .filter(|m| m["content"]["message"] == "through the faults")
        .count();
    assert_eq!(copies, 1, "delivered once: {messages:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_cuts_the_connection_even_when_the_request_was_refused() {
    let e = TestEmulator::start().await;
    let (_, token) = e.create_user().await;
    admin(&e)
        .set_faults("chat-writes.reset=100%,seed=3")
        .await
        .expect("faults set");
    // A path that does not decode: refused in a plain-text answer that the ACS shape rewrites.
    let url = format!(
        "{}/chat/threads/%ff/messages?api-version={}",
        e.base(),
        support::CHAT_API
    );
    for _ in 0..8 {
        let answer = reqwest::Client::new()
            .post(&url)
            .bearer_auth(&token)
            .json(&json!({"content": "x"}))
            .send()
            .await;
        assert!(
            answer.is_err(),
            "every request is cut, none answered: {answer:?}"
        );
    }
}
