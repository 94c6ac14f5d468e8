//! The console's backend task against the emulator in-process: connecting, the welcome thread,
//! sending through the outbox, resuming after a crash without duplicates, and realtime news.

mod support;

use std::time::Duration;

use acs_interop::backend::calls::CallbackSetup;
use acs_interop::backend::outbox::{Outbox, Outgoing};
use acs_interop::backend::{BackendConfig, BackendEvent, ChangeFeed, Command};
use acs_interop::model::SendState;
use serde_json::{Value, json};
use support::backend::{Running, my_id, start, target};
use support::{TestEmulator, thread_path};
use tokio::sync::mpsc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_console_starts_with_a_welcome_thread_and_keeps_its_identity() {
    let e = TestEmulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut first = start(target(&e, dir.path(), true), None);
    let me = my_id(&mut first).await;
    let threads = first
        .wait_for("the thread list", |e| match e {
            BackendEvent::Threads(t) => Some(t.clone()),
            _ => None,
        })
        .await;
    assert_eq!(threads.len(), 1, "{threads:?}");
    assert_eq!(threads[0].topic.as_str(), "Welcome to acs-interop");
    first.commands.send(Command::Shutdown).await.unwrap();

    let mut second = start(target(&e, dir.path(), true), None);
    assert_eq!(
        my_id(&mut second).await,
        me,
        "the identity is remembered per endpoint"
    );
    let threads = second
        .wait_for("the thread list", |e| match e {
            BackendEvent::Threads(t) => Some(t.clone()),
            _ => None,
        })
        .await;
    assert_eq!(threads.len(), 1, "no second welcome: {threads:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sent_message_goes_through_the_outbox_and_is_reported_sent() {
    let e = TestEmulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let outbox_path = dir.path().join("outbox.sqlite3");
    let mut running = start(target(&e, dir.path(), false), Some(outbox_path.clone()));
    let me = my_id(&mut running).await;
    let alice = e.create_user().await;
    let thread = e.create_thread(&alice.1, "Plans", &[&me]).await;
    running
        .commands
        .send(Command::SendMessage {
            thread_id: thread.clone(),
            client_id: "c-1".into(),
            content: "hello".into(),
        })
        .await
        .unwrap();
    let id = running
        .wait_for("the send to be confirmed", |e| match e {
            BackendEvent::Send {
                client_id,
                state: SendState::Sent { message_id },
                ..
            } if client_id == "c-1" => Some(message_id.clone()),
            _ => None,
        })
        .await;
    let listed = e
        .get(&alice.1, &thread_path(&thread, &format!("/messages/{id}")))
        .await;
    let body = listed.expect(200);
    assert_eq!(body["content"]["message"], "hello");
    assert_eq!(body["metadata"]["clientMessageId"], "c-1");
    assert!(
        Outbox::open(Some(&outbox_path))
            .unwrap()
            .all()
            .unwrap()
            .is_empty(),
        "the outbox empties"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_crash_the_outbox_resends_only_what_the_thread_does_not_hold() {
    resume_after_crash(0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_crash_a_message_is_found_however_busy_the_thread_has_been_since() {
    // More than five pages of 200 arrived after it, from someone else.
    resume_after_crash(1_200).await;
}

/// A crash after "landed" reached the service and before "lost" did, then `busy_after` messages from
/// Alice, then a restart.
async fn resume_after_crash(busy_after: usize) {
    let e = TestEmulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let outbox_path = dir.path().join("outbox.sqlite3");
    // A first run learns the console's identity.
    let mut first = start(target(&e, dir.path(), false), None);
    let me = my_id(&mut first).await;
    first.commands.send(Command::Shutdown).await.unwrap();
    let alice = e.create_user().await;
    let thread = e.create_thread(&alice.1, "Plans", &[&me]).await;

    // As if the previous run crashed: "landed" reached the service before the crash, "lost" did not.
    let token: Value = e
        .identity(
            reqwest::Method::POST,
            &format!("/identities/{}/:issueAccessToken", support::enc(&me)),
            Some(&json!({"scopes": ["chat"]})),
        )
        .await
        .expect(200)
        .clone();
    let my_token = token["token"].as_str().unwrap().to_string();
    e.post(
        &my_token,
        &thread_path(&thread, "/messages"),
        &json!({"content": "landed", "metadata": {"clientMessageId": "c-landed"}}),
    )
    .await
    .expect(201);
    // Another console of another user may use the same client id: its message is not ours.
    e.post(
        &alice.1,
        &thread_path(&thread, "/messages"),
        &json!({"content": "alice's", "metadata": {"clientMessageId": "c-lost"}}),
    )
    .await
    .expect(201);
    for i in 0..busy_after {
        e.send_message(&alice.1, &thread, &format!("busy {i}"))
            .await;
    }
    let outbox = Outbox::open(Some(&outbox_path)).unwrap();
    let earlier = acs_interop::acs::time::now_ms() - 5_000;
    for (id, content) in [("c-landed", "landed"), ("c-lost", "lost")] {
        outbox
            .put(&Outgoing {
                client_id: id.into(),
                thread_id: thread.clone(),
                content: content.into(),
                created_ms: earlier,
                failed: None,
            })
            .unwrap();
    }
    drop(outbox);

    let mut running = start(target(&e, dir.path(), false), Some(outbox_path.clone()));
    for wanted in ["c-landed", "c-lost"] {
        running
            .wait_for(wanted, |e| match e {
                BackendEvent::Send {
                    client_id,
                    state: SendState::Sent { .. },
                    ..
                } if client_id == wanted => Some(()),
                _ => None,
            })
            .await;
    }
    let (messages, _) = e
        .list_all(&alice.1, &thread_path(&thread, "/messages?maxPageSize=200"))
        .await;
    let count = |text: &str| {
        messages
            .iter()
            .filter(|m| m["content"]["message"] == text)
            .count()
    };
    assert_eq!(
        count("landed"),
        1,
        "a message the thread held is not sent again"
    );
    assert_eq!(
        count("lost"),
        1,
        "a message that never arrived is sent once"
    );
    assert!(
        Outbox::open(Some(&outbox_path))
            .unwrap()
            .all()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn news_from_another_user_arrives_through_the_realtime_socket() {
    let e = TestEmulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut running = start(target(&e, dir.path(), false), None);
    let me = my_id(&mut running).await;
    running
        .wait_for("the live socket", |e| {
            matches!(
                e,
                BackendEvent::Realtime(acs_interop::model::RealtimeState::Live)
            )
            .then_some(())
        })
        .await;
    let alice = e.create_user().await;
    let thread = e.create_thread(&alice.1, "Live", &[&me]).await;
    e.send_message(&alice.1, &thread, "are you there?").await;
    e.post(
        &alice.1,
        &thread_path(&thread, "/typing"),
        &json!({"senderDisplayName": "Alice"}),
    )
    .await
    .expect(200);
    running
        .wait_for("Alice's message", |e| match e {
            BackendEvent::Messages { messages, .. } => messages
                .iter()
                .any(|m| m.body == "are you there?")
                .then_some(()),
            _ => None,
        })
        .await;
    running
        .wait_for("Alice typing", |e| match e {
            BackendEvent::Typing { name, .. } => (name.as_str() == "Alice").then_some(()),
            _ => None,
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_participant_is_explained() {
    let e = TestEmulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut running = start(target(&e, dir.path(), false), None);
    let me = my_id(&mut running).await;
    let alice = e.create_user().await;
    let thread = e.create_thread(&alice.1, "Plans", &[&me]).await;
    let stranger = format!(
        "8:acs:{}_00000000-0000-0000-0000-000000000000",
        e.resource_id()
    );
    running
        .commands
        .send(Command::AddParticipant {
            thread_id: thread,
            participant: stranger.clone(),
        })
        .await
        .unwrap();
    let what = running
        .wait_for("a failure", |e| match e {
            BackendEvent::Failure { what, .. } => Some(what.as_str().to_string()),
            _ => None,
        })
        .await;
    assert!(what.contains(&stranger) && what.contains("404"), "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_push_channel_the_backend_polls_and_says_so() {
    let e = TestEmulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (commands, command_rx) = mpsc::channel(64);
    let (event_tx, events) = mpsc::channel(1024);
    acs_interop::backend::spawn(
        BackendConfig {
            target: target(&e, dir.path(), false),
            feed: ChangeFeed::Polling(Duration::from_secs(1)),
            outbox_path: None,
            callbacks: CallbackSetup::Local {
                listen: ([127, 0, 0, 1], 0).into(),
            },
            mode: Default::default(),
        },
        command_rx,
        event_tx,
    );
    let mut running = Running {
        commands,
        events,
        seen: Vec::new(),
    };
    let me = my_id(&mut running).await;
    running
        .wait_for("the polling state", |e| {
            matches!(
                e,
                BackendEvent::Realtime(acs_interop::model::RealtimeState::Polling {
                    interval_s: 1
                })
            )
            .then_some(())
        })
        .await;
    let alice = e.create_user().await;
    let thread = e.create_thread(&alice.1, "Polled", &[&me]).await;
    running
        .commands
        .send(Command::OpenThread {
            thread_id: thread.clone(),
        })
        .await
        .unwrap();
    e.send_message(&alice.1, &thread, "found by polling").await;
    running
        .wait_for("the polled message", |e| match e {
            BackendEvent::Messages {
                messages,
                older_available: None,
                ..
            } => messages
                .iter()
                .any(|m| m.body == "found by polling")
                .then_some(()),
            _ => None,
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn older_messages_the_console_let_go_of_come_back_from_just_before_the_oldest_kept() {
    let e = TestEmulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut running = start(target(&e, dir.path(), false), None);
    let me = my_id(&mut running).await;
    let alice = e.create_user().await;
    let thread = e.create_thread(&alice.1, "Busy", &[&me]).await;
    let mut ids = Vec::new();
    for i in 0..500 {
        ids.push(e.send_message(&alice.1, &thread, &format!("m{i}")).await);
    }
    running
        .commands
        .send(Command::OpenThread {
            thread_id: thread.clone(),
        })
        .await
        .unwrap();
    running
        .wait_for("the newest page", |e| match e {
            BackendEvent::Messages {
                older_available: Some(true),
                ..
            } => Some(()),
            _ => None,
        })
        .await;
    // The console keeps m300.. and drops what is older, far past the page the backend fetched.
    let oldest_kept: i64 = ids[300].parse().unwrap();
    for command in [
        Command::DroppedOlder {
            thread_id: thread.clone(),
            oldest_kept,
        },
        Command::LoadOlder {
            thread_id: thread.clone(),
        },
    ] {
        running.commands.send(command).await.unwrap();
    }
    let (bodies, older) = running
        .wait_for("the page before the oldest kept", |e| match e {
            BackendEvent::Messages {
                messages,
                older_available: Some(older),
                ..
            } => Some((
                messages.iter().map(|m| m.body.clone()).collect::<Vec<_>>(),
                *older,
            )),
            _ => None,
        })
        .await;
    assert!(bodies.contains(&"m299".to_string()), "{bodies:?}");
    assert!(
        !bodies.iter().any(|b| b == "m300" || b == "m450"),
        "nothing kept comes twice: {bodies:?}"
    );
    assert!(older, "m0.. are older still");
    // And paging on from there continues where that page ended.
    running
        .commands
        .send(Command::LoadOlder {
            thread_id: thread.clone(),
        })
        .await
        .unwrap();
    let next = running
        .wait_for("the next older page", |e| match e {
            BackendEvent::Messages {
                messages,
                older_available: Some(_),
                ..
            } => Some(messages.iter().map(|m| m.body.clone()).collect::<Vec<_>>()),
            _ => None,
        })
        .await;
    let oldest_of_first = bodies
        .iter()
        .filter_map(|b| b.strip_prefix('m')?.parse::<usize>().ok())
        .min()
        .unwrap();
    assert!(
        next.contains(&format!("m{}", oldest_of_first - 1)),
        "{next:?}"
    );
}
