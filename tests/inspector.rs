//! The inspector and HAR: every exchange of a session is recorded with its ids and redacted, shown in
//! the console, and written as HAR 1.2; no key or token is kept anywhere.

#[path = "console/fixture.rs"]
mod fixture;
mod support;

use std::sync::Arc;

use acs_interop::app::{Msg, update};
use acs_interop::backend::{BackendEvent, Command};
use acs_interop::config::Theme;
use acs_interop::inspect::{Body, Entry, EntryKind, Tap, har};
use acs_interop::model::SendState;
use crossterm::event::{KeyCode, KeyModifiers};
use fixture::{connected, draw, key, key_with, screen_rows};
use serde_json::Value;
use support::TestEmulator;
use support::backend::{my_id, start, target};

/// Whether `text` holds anything shaped like a JSON Web Token (the emulator's tokens are JWTs).
fn has_jwt(text: &str) -> bool {
    text.match_indices("eyJ").any(|(at, _)| {
        let rest = &text[at..];
        let token: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        token.matches('.').count() >= 2 && token.len() > 20
    })
}

fn access_key_text(e: &TestEmulator) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(e.access_key())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_is_recorded_with_ids_and_without_secrets_and_written_as_har() {
    let e = TestEmulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let wire = Tap::new();
    let mut t = target(&e, dir.path(), true);
    t.tap = wire.clone();
    let mut running = start(t, None);
    my_id(&mut running).await;
    let threads = running
        .wait_for("the thread list", |e| match e {
            BackendEvent::Threads(t) if !t.is_empty() => Some(t.clone()),
            _ => None,
        })
        .await;
    let thread_id = threads[0].id.clone();
    running
        .commands
        .send(Command::SendMessage {
            thread_id: thread_id.clone(),
            client_id: "c-1".into(),
            content: "hello inspector".into(),
        })
        .await
        .unwrap();
    running
        .wait_for("the send", |e| match e {
            BackendEvent::Send {
                state: SendState::Sent { .. },
                ..
            } => Some(()),
            _ => None,
        })
        .await;
    // The realtime echo of the message.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !wire.entries().iter().any(|e| {
        matches!(e.kind, EntryKind::Frame { .. })
            && e.response
                .body
                .as_ref()
                .is_some_and(|b| b.text().contains("hello inspector"))
    }) {
        assert!(
            std::time::Instant::now() < deadline,
            "no realtime frame recorded"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    running.commands.send(Command::Shutdown).await.unwrap();

    let entries = wire.entries();
    let send = entries
        .iter()
        .find(|e| e.method == "POST" && e.url.contains("/messages?"))
        .expect("the send was recorded");
    assert_eq!(send.status, Some(201));
    assert_eq!(send.thread_id.as_deref(), Some(thread_id.as_str()));
    assert_eq!(
        send.request.header("authorization"),
        Some("Bearer REDACTED")
    );
    assert!(send.request.header("x-ms-client-request-id").is_some());
    assert!(send.latency_ms.is_some() && send.attempt == 1);
    let sent_body = &send.request.body.as_ref().unwrap().text();
    assert!(sent_body.contains("hello inspector"), "{sent_body}");
    let issue = entries
        .iter()
        .find(|e| e.url.contains(":issueAccessToken") || e.url.contains("/identities"))
        .expect("the identity exchange was recorded");
    assert!(
        issue
            .request
            .header("authorization")
            .unwrap()
            .ends_with("Signature=REDACTED")
    );

    // Nothing kept holds the key or a token.
    let har_path = dir.path().join("session.har");
    har::write(&har_path, &entries).unwrap();
    let text = std::fs::read_to_string(&har_path).unwrap();
    assert!(!has_jwt(&text), "a token reached the HAR file");
    assert!(
        !text.contains(&access_key_text(&e)),
        "the access key reached the HAR file"
    );
    let all_kept: String = entries.iter().map(|e| format!("{e:?}")).collect();
    assert!(!has_jwt(&all_kept) && !all_kept.contains(&access_key_text(&e)));

    // HAR 1.2: the fields its readers require.
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["log"]["version"], "1.2");
    assert_eq!(doc["log"]["creator"]["name"], "acs-interop");
    let har_entries = doc["log"]["entries"].as_array().unwrap();
    assert!(har_entries.len() >= 3, "{}", har_entries.len());
    for entry in har_entries {
        assert!(entry["startedDateTime"].as_str().unwrap().ends_with('Z'));
        assert!(entry["time"].is_number() && entry["timings"]["wait"].is_number());
        for field in ["method", "url", "httpVersion", "headersSize", "bodySize"] {
            assert!(
                !entry["request"][field].is_null(),
                "request.{field}: {entry}"
            );
        }
        for array in ["cookies", "headers", "queryString"] {
            assert!(entry["request"][array].is_array(), "request.{array}");
        }
        for field in [
            "status",
            "statusText",
            "httpVersion",
            "redirectURL",
            "headersSize",
        ] {
            assert!(
                !entry["response"][field].is_null(),
                "response.{field}: {entry}"
            );
        }
        assert!(entry["response"]["content"]["size"].is_number());
        assert!(entry["cache"].is_object());
    }
    let socket = har_entries
        .iter()
        .find(|e| e["_resourceType"] == "websocket")
        .expect("the realtime socket has an entry");
    assert_eq!(socket["response"]["status"], 101);
    assert!(
        socket["_webSocketMessages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["type"] == "receive"
                && m["data"].as_str().unwrap().contains("hello inspector"))
    );

    // The console shows it: the list, then one exchange whole.
    let mut state = connected(120, 40);
    state.wire = wire.clone();
    update(
        &mut state,
        key_with(KeyCode::Char('o'), KeyModifiers::CONTROL),
    );
    let theme = Theme::default_dark();
    let screen = screen_rows(&draw(&state, &theme)).join("\n");
    assert!(
        screen.contains("Inspector") && screen.contains("/messages"),
        "{screen}"
    );
    assert!(!has_jwt(&screen));
    // Up to the send, and open it.
    let newest_first: Vec<Arc<Entry>> = wire.entries().into_iter().rev().collect();
    let steps = newest_first.iter().position(|e| e.seq == send.seq).unwrap();
    for _ in 0..steps {
        update(&mut state, key(KeyCode::Up));
    }
    update(&mut state, key(KeyCode::Enter));
    let screen = screen_rows(&draw(&state, &theme)).join("\n");
    assert!(screen.contains("201 Created"), "{screen}");
    assert!(screen.contains("x-ms-client-request-id:"), "{screen}");
    assert!(screen.contains("Bearer REDACTED"), "{screen}");
    assert!(screen.contains("hello inspector"), "{screen}");
}

/// A fixed ring: sign-in, a page of messages, a throttled send and its retry, a frame, a network
/// failure and a call event.
fn sample_wire() -> Tap {
    let tap = Tap::new();
    let base = "https://res.communication.azure.com";
    let thread = "19%3Aab12cd34ef56%40thread.v2";
    let mut at = fixture::NOW;
    let mut add = |mut e: Entry| {
        e.at_ms = at;
        at += 1_250;
        tap.record(e);
    };
    let mut e = Entry::new(
        EntryKind::Http,
        "POST",
        &format!("{base}/identities/8:acs:res_me/:issueAccessToken?api-version=2023-10-01"),
    );
    e.status = Some(200);
    e.latency_ms = Some(18);
    e.request.headers = vec![(
        "authorization".into(),
        "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=REDACTED".into(),
    )];
    e.response.headers = vec![
        (
            "x-ms-request-id".into(),
            "5b1f0c2e-1111-4c2b-9d1e-0a1b2c3d4e5f".into(),
        ),
        ("ms-cv".into(), "Zm9vYmFy.0".into()),
    ];
    e.response.body = Some(Body::keep("application/json", br#"{"token":"eyJhbGciOiJSUzI1NiJ9.eyJza3lwZWlkIjoiYWNzIn0.c2ln","expiresOn":"2026-11-29T05:00:00Z"}"#));
    add(e);
    let mut e = Entry::new(
        EntryKind::Http,
        "GET",
        &format!("{base}/chat/threads/{thread}/messages?api-version=2024-03-07&maxPageSize=200"),
    );
    e.status = Some(200);
    e.latency_ms = Some(42);
    e.request.headers = vec![(
        "x-ms-client-request-id".into(),
        "a1a1a1a1-2222-4333-8444-555555555555".into(),
    )];
    add(e);
    for (attempt, status) in [(1, 429), (2, 201)] {
        let mut e = Entry::new(
            EntryKind::Http,
            "POST",
            &format!("{base}/chat/threads/{thread}/messages?api-version=2024-03-07"),
        );
        e.attempt = attempt;
        e.status = Some(status);
        e.latency_ms = Some(9);
        if status == 429 {
            e.retry_after_ms = Some(10_000);
        }
        e.request.headers = vec![
            ("authorization".into(), "Bearer REDACTED".into()),
            (
                "x-ms-client-request-id".into(),
                "b2b2b2b2-2222-4333-8444-666666666666".into(),
            ),
        ];
        e.request.body = Some(Body::keep(
            "application/json",
            br#"{"content":"hi","type":"text","metadata":{"clientMessageId":"c-1"}}"#,
        ));
        add(e);
    }
    let mut e = Entry::new(
        EntryKind::Frame {
            socket: 1,
            sent: false,
        },
        "WS",
        "wss://res.example/emulator/realtime?since=0",
    );
    e.thread_id = Some("19:ab12cd34ef56@thread.v2".into());
    e.response.body = Some(Body::keep("application/json", br#"{"type":"event","seq":7,"event":{"type":"chatMessageReceived","threadId":"19:ab12cd34ef56@thread.v2"}}"#));
    add(e);
    let mut e = Entry::new(
        EntryKind::Http,
        "GET",
        &format!("{base}/chat/threads?api-version=2024-03-07"),
    );
    e.error =
        Some("cannot connect to https://res.communication.azure.com: Connection refused".into());
    e.latency_ms = Some(3);
    add(e);
    let mut e = Entry::new(EntryKind::Callback, "POST", "/callbacks/REDACTED");
    e.status = Some(200);
    e.latency_ms = Some(1);
    e.request.body = Some(Body::keep(
        "application/json",
        br#"[{"type":"Microsoft.Communication.CallConnected","data":{"callConnectionId":"c1"}}]"#,
    ));
    add(e);
    tap
}

#[test]
fn the_inspector_at_80_by_24_and_120_by_40() {
    let theme = Theme::default_dark();
    for (w, h) in [(80, 24), (120, 40)] {
        let mut state = connected(w, h);
        state.wire = sample_wire();
        update(&mut state, key(KeyCode::F(3)));
        let list = screen_rows(&draw(&state, &theme)).join("\n");
        insta::assert_snapshot!(format!("inspector_list_{w}x{h}"), list);
        // The throttled send: four up from the newest.
        for _ in 0..4 {
            update(&mut state, key(KeyCode::Up));
        }
        update(&mut state, key(KeyCode::Enter));
        let detail = screen_rows(&draw(&state, &theme)).join("\n");
        insta::assert_snapshot!(format!("inspector_detail_{w}x{h}"), detail);
        assert!(!has_jwt(&list) && !has_jwt(&detail));
    }
}

#[test]
fn the_inspector_filters_by_failure_and_thread_and_copies_an_exchange() {
    let theme = Theme::default_dark();
    let mut state = connected(120, 40);
    state.wire = sample_wire();
    update(
        &mut state,
        Msg::Key(crossterm::event::KeyEvent::new(
            KeyCode::F(3),
            KeyModifiers::NONE,
        )),
    );
    update(&mut state, key(KeyCode::Char('f')));
    let screen = screen_rows(&draw(&state, &theme)).join("\n");
    assert!(
        screen.contains("2 shown") && screen.contains("failures"),
        "{screen}"
    );
    assert!(
        screen.contains("429") && screen.contains("ERR") && !screen.contains(" 201 "),
        "{screen}"
    );
    update(&mut state, key(KeyCode::Char('f')));
    update(&mut state, key(KeyCode::Char('f')));
    update(&mut state, key(KeyCode::Char('f')));
    update(&mut state, key(KeyCode::Char('f')));
    update(&mut state, key(KeyCode::Char('t')));
    let screen = screen_rows(&draw(&state, &theme)).join("\n");
    assert!(
        screen.contains("0 shown") && screen.contains("this thread"),
        "{screen}"
    );
    update(&mut state, key(KeyCode::Char('t')));
    let effects = update(&mut state, key(KeyCode::Char('y')));
    let copied = effects
        .iter()
        .find_map(|e| match e {
            acs_interop::app::Effect::Copy(text) => Some(text.clone()),
            _ => None,
        })
        .expect("y copies the highlighted exchange");
    let entry: Value = serde_json::from_str(&copied).unwrap();
    assert_eq!(entry["request"]["url"], "/callbacks/REDACTED");
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(state.overlay, acs_interop::app::state::Overlay::None);
}

#[test]
fn an_injected_fault_is_marked_in_the_list_and_the_detail() {
    let theme = Theme::default_dark();
    let tap = Tap::new();
    let mut e = Entry::new(
        EntryKind::Http,
        "POST",
        "http://127.0.0.1:7880/chat/threads/19%3Aab12cd34ef56%40thread.v2/messages?api-version=2024-03-07",
    );
    e.at_ms = fixture::NOW;
    e.status = Some(503);
    e.latency_ms = Some(212);
    e.retry_after_ms = Some(1_000);
    e.response.headers = vec![("x-ms-emulator-fault".into(), "503 (latency 211 ms)".into())];
    tap.record(e);
    let mut state = connected(120, 40);
    state.wire = tap;
    update(&mut state, key(KeyCode::F(3)));
    let list = screen_rows(&draw(&state, &theme)).join("\n");
    assert!(
        list.contains("injected 503 (latency 211 ms) · wait 1 s · /chat/threads/"),
        "{list}"
    );
    update(&mut state, key(KeyCode::Enter));
    let detail = screen_rows(&draw(&state, &theme)).join("\n");
    assert!(
        detail.contains("Injected by the emulator's fault injection: 503 (latency 211 ms)"),
        "{detail}"
    );
}
