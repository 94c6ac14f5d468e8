//! `:state`: the open thread as the service holds it (properties, participants with the Teams verdict,
//! receipts, the selected message) beside what only the console knows, drawn and copied as JSON.

#[path = "console/fixture.rs"]
mod fixture;
mod support;

use acs_interop::app::{Effect, update};
use acs_interop::backend::{BackendEvent, Command};
use acs_interop::config::Theme;
use acs_interop::model::thread_state::{
    MessageState, ParticipantState, ReceiptState, TeamsVerdict, ThreadState,
};
use acs_interop::model::{PersonKind, SafeText, SendState};
use crossterm::event::{KeyCode, KeyModifiers};
use fixture::{
    ALICE, ME, NOW, PLANS, TEAMS_BOB, backend, commands, connected, draw, key, key_with,
};
use serde_json::Value;
use support::TestEmulator;
use support::backend::{my_id, start, target};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backend_reads_a_thread_with_its_teams_verdicts_and_the_selected_message() {
    let e = TestEmulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut running = start(target(&e, dir.path(), true), None);
    let me = my_id(&mut running).await;
    let thread_id = running
        .wait_for("the welcome thread", |e| match e {
            BackendEvent::Threads(t) if !t.is_empty() => Some(t[0].id.clone()),
            _ => None,
        })
        .await;
    running
        .commands
        .send(Command::SendMessage {
            thread_id: thread_id.clone(),
            client_id: "c-state".into(),
            content: "look at me".into(),
        })
        .await
        .unwrap();
    let message_id = running
        .wait_for("the send", |e| match e {
            BackendEvent::Send {
                state: SendState::Sent { message_id },
                ..
            } => Some(message_id.clone()),
            _ => None,
        })
        .await;
    running
        .commands
        .send(Command::MarkRead {
            thread_id: thread_id.clone(),
            message_id: message_id.clone(),
        })
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    running
        .commands
        .send(Command::InspectThread {
            thread_id: thread_id.clone(),
            message_id: Some(message_id.clone()),
        })
        .await
        .unwrap();
    let reading = running
        .wait_for("the thread's state", |e| match e {
            BackendEvent::ThreadState(s) => Some(s.clone()),
            _ => None,
        })
        .await;
    assert_eq!(reading.thread_id, thread_id);
    assert_eq!(reading.topic.as_str(), "Welcome to acs-interop");
    assert!(reading.created_by.is_some() && reading.created_ms.is_some());
    assert_eq!(reading.deleted_ms, None);
    assert!(reading.problems.is_empty(), "{:?}", reading.problems);
    let mine = reading
        .participants
        .iter()
        .find(|p| p.raw_id.as_str() == me)
        .expect("I take part");
    assert_eq!(mine.kind, PersonKind::Acs);
    assert!(mine.teams.is_none());
    let teams = reading
        .participants
        .iter()
        .find(|p| p.kind == PersonKind::Teams)
        .expect("the welcome thread has a Teams user");
    let verdict = teams.teams.as_ref().expect("the doctor's verdict");
    assert!(
        verdict.chat_enabled && verdict.table_row.is_some(),
        "{verdict:?}"
    );
    assert!(
        reading
            .receipts
            .iter()
            .any(|r| r.reader.as_str() == me && r.message_id.as_str() == message_id),
        "{:?}",
        reading.receipts
    );
    let message = reading.message.as_ref().expect("the selected message");
    assert_eq!(message.id.as_str(), message_id);
    assert_eq!(message.kind.as_str(), "text");
    assert_eq!(
        message.sender.as_ref().map(|s| s.as_str()),
        Some(me.as_str())
    );
    assert!(
        message
            .metadata
            .iter()
            .any(|(k, v)| k.as_str() == "clientMessageId" && v.as_str() == "c-state")
    );
    running.commands.send(Command::Shutdown).await.unwrap();
}

fn reading() -> ThreadState {
    let text = SafeText::new;
    ThreadState {
        thread_id: PLANS.into(),
        fetched_ms: NOW,
        topic: text("Plans"),
        created_by: Some(text(ALICE)),
        created_ms: Some(NOW - 86_400_000),
        deleted_ms: None,
        metadata: vec![(text("project"), text("interop"))],
        retention: None,
        participants: vec![
            ParticipantState {
                raw_id: text(ME),
                name: text("Me"),
                kind: PersonKind::Acs,
                share_history_ms: None,
                metadata: Vec::new(),
                teams: None,
            },
            ParticipantState {
                raw_id: text(ALICE),
                name: text("Alice"),
                kind: PersonKind::Acs,
                share_history_ms: Some(NOW - 3_600_000),
                metadata: Vec::new(),
                teams: None,
            },
            ParticipantState {
                raw_id: text(TEAMS_BOB),
                name: text("Bob"),
                kind: PersonKind::Teams,
                share_history_ms: None,
                metadata: Vec::new(),
                teams: Some(TeamsVerdict {
                    chat_enabled: false,
                    calls_enabled: false,
                    table_row: Some(7),
                    row: text(
                        "tenant on · global policy off · custom policy off · assigned Global · interop off",
                    ),
                    reasons: vec![text(
                        "The Global External Access Policy has EnableAcsFederationAccess false.",
                    )],
                }),
            },
        ],
        receipts: vec![ReceiptState {
            reader: text(ALICE),
            message_id: text("1795841940000"),
            read_ms: Some(NOW - 30_000),
        }],
        message: Some(MessageState {
            id: text("1795841940000"),
            version: text("1795841990000"),
            sequence_id: text("4"),
            kind: text("text"),
            sender: Some(text(ALICE)),
            sender_name: text("Alice"),
            created_ms: Some(NOW - 60_000),
            edited_ms: Some(NOW - 10_000),
            deleted_ms: None,
            metadata: Vec::new(),
        }),
        problems: Vec::new(),
    }
}

#[test]
fn state_asks_for_the_selected_message_then_shows_and_copies_the_reading() {
    let theme = Theme::default_dark();
    for (w, h) in [(80, 24), (120, 40)] {
        let mut state = connected(w, h);
        update(&mut state, key(KeyCode::Esc));
        update(&mut state, key(KeyCode::Char('k')));
        let effects = update(
            &mut state,
            key_with(KeyCode::Char('t'), KeyModifiers::CONTROL),
        );
        let asked = commands(&effects);
        assert!(
            matches!(
                asked.as_slice(),
                [Command::InspectThread { thread_id, message_id: Some(_) }] if thread_id == PLANS
            ),
            "{asked:?}"
        );
        let waiting = fixture::screen_rows(&draw(&state, &theme)).join("\n");
        assert!(
            waiting.contains("reading the thread from the service"),
            "{waiting}"
        );
        backend(&mut state, BackendEvent::ThreadState(Box::new(reading())));
        let screen = fixture::screen_rows(&draw(&state, &theme)).join("\n");
        insta::assert_snapshot!(format!("state_{w}x{h}"), screen);
        let effects = update(&mut state, key(KeyCode::Char('y')));
        let copied = effects
            .iter()
            .find_map(|e| match e {
                Effect::Copy(text) => Some(text.clone()),
                _ => None,
            })
            .expect("y copies the state");
        let json: Value = serde_json::from_str(&copied).unwrap();
        assert_eq!(json["thread"]["id"], PLANS);
        assert_eq!(json["thread"]["metadata"]["project"], "interop");
        assert_eq!(
            json["participants"][1]["shareHistoryTime"],
            "2026-11-28T04:00:00.000Z"
        );
        assert_eq!(json["participants"][2]["teams"]["tableRow"], 7);
        assert_eq!(json["participants"][2]["teams"]["chatEnabled"], false);
        assert_eq!(json["readReceipts"][0]["rawId"], ALICE);
        assert_eq!(
            json["selectedMessage"]["editedOn"],
            "2026-11-28T04:59:50.000Z"
        );
        assert!(json["outbox"].is_array() && json["typing"].is_array());
        update(&mut state, key(KeyCode::Esc));
        assert_eq!(state.overlay, acs_interop::app::state::Overlay::None);
    }
}
