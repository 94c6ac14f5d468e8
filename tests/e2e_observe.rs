//! End-to-end, observe mode: the real binary in a private tmux server at 80×24, opened with `--user-id`
//! of a user who has unread messages, against an in-process emulator; what reached the service is read
//! back through its HTTP API.
//!
//! Needs `tmux` on the PATH; the test fails with a clear message when it is missing.

#[path = "support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::tmux::{POLL, TIMEOUT, Tmux, sh_quote};
use support::{TestEmulator, participant, thread_path};

/// Read receipts in the thread, as Alice sees them.
async fn receipts_by(e: &TestEmulator, token: &str, thread: &str, reader: &str) -> Vec<Value> {
    let list = e.get(token, &thread_path(thread, "/readReceipts")).await;
    let all = list.expect(200)["value"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    all.into_iter()
        .filter(|r| r["senderCommunicationIdentifier"]["rawId"] == reader)
        .collect()
}

/// Messages in the thread with this text, as Alice sees them.
async fn messages_saying(e: &TestEmulator, token: &str, thread: &str, text: &str) -> Vec<Value> {
    let first = thread_path(thread, "/messages?maxPageSize=200");
    e.list_all(token, &first)
        .await
        .0
        .into_iter()
        .filter(|m| m["content"]["message"] == text)
        .collect()
}

/// Polls until `check` gives something, or fails after [`TIMEOUT`] naming `what`.
async fn eventually<T, F: std::future::Future<Output = Option<T>>>(
    what: &str,
    mut check: impl FnMut() -> F,
) -> T {
    let start = Instant::now();
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(start.elapsed() < TIMEOUT, "timed out waiting for {what}");
        tokio::time::sleep(POLL).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observing_a_user_with_unread_messages_sends_no_read_receipt_until_a_write_is_confirmed() {
    let e = TestEmulator::start().await;
    let (alice, alice_token) = e.create_user().await;
    let (bob, _) = e.create_user().await;
    let created = e
        .post(
            &alice_token,
            "/chat/threads",
            &json!({"topic": "Bob cannot log in", "participants": [
                participant(&alice, "Alice"), participant(&bob, "Bob")]}),
        )
        .await;
    let thread = created.expect(201)["chatThread"]["id"]
        .as_str()
        .expect("a thread id")
        .to_string();
    e.send_message(&alice_token, &thread, "Does the app load for you?")
        .await;
    e.send_message(&alice_token, &thread, "Any error on screen?")
        .await;
    let tail: String = bob
        .chars()
        .rev()
        .take(8)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();

    let dir = tempfile::tempdir().expect("a temporary folder");
    let command = format!(
        "XDG_CONFIG_HOME={config} ACS_CONNECTION_STRING={cs} {bin} --data-dir {data} --name Operator \
         --user-id {bob}; echo EXIT=$?; sleep 30",
        config = sh_quote(&dir.path().join("config").display().to_string()),
        cs = sh_quote(&e.emulator.connection_string().expose()),
        bin = sh_quote(env!("CARGO_BIN_EXE_acs-interop")),
        data = sh_quote(&dir.path().join("data").display().to_string()),
        bob = sh_quote(&bob),
    );
    let tmux = Tmux::start("observe", &command, 80, 24);
    let screen = tmux.wait_for_text("Any error on screen?").await;
    assert!(
        screen.contains(&format!("observing …{tail}")),
        "the status bar says whom:\n{screen}"
    );
    tmux.wait_for_text("● live").await;

    // Looking, moving to the newest message, writing a draft: nothing reaches the service as Bob.
    tmux.keys(&["Escape", "End", "i"]);
    tmux.type_text("it says 401");
    tmux.wait_for_text("it says 401").await;
    // Longer than the console waits between receipts, so a held-back receipt would have gone too.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        receipts_by(&e, &alice_token, &thread, &bob).await,
        Vec::<Value>::new(),
        "observing sent a read receipt"
    );

    // Sending asks first, naming the identity; no sends nothing.
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for_text("(observing)?").await;
    assert!(
        screen.contains(&format!("Send as Bob 8:acs:…{tail}")),
        "{screen}"
    );
    tmux.keys(&["n"]);
    tmux.wait_for_text("Not sent (observing).").await;
    assert_eq!(
        messages_saying(&e, &alice_token, &thread, "it says 401").await,
        Vec::<Value>::new()
    );

    // Yes sends as Bob, under his name in the thread, and from then on the console acts as him.
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("(observing)?").await;
    tmux.keys(&["y"]);
    tmux.wait_for_text(&format!("acting as …{tail}")).await;
    let (e, alice_token, thread, bob) = (&e, alice_token.as_str(), thread.as_str(), bob.as_str());
    let sent = eventually("Bob's message on the service", || async move {
        messages_saying(e, alice_token, thread, "it says 401")
            .await
            .into_iter()
            .next()
    })
    .await;
    assert_eq!(sent["senderCommunicationIdentifier"]["rawId"], bob);
    assert_eq!(sent["senderDisplayName"], "Bob");
    eventually("Bob's read receipt once acting", || async move {
        receipts_by(e, alice_token, thread, bob)
            .await
            .into_iter()
            .next()
    })
    .await;

    tmux.keys(&["C-c"]);
    tmux.wait_for_text("EXIT=0").await;
}
