//! Observe mode: the console opened with `--user-id` looks at a thread as that user without leaving a
//! trace (no read receipts, no typing), asks before any write, and acts as them once told to.

#[path = "console/fixture.rs"]
mod fixture;
mod support;

use acs_interop::app::state::{Confirmation, Focus, HeldWrite, Overlay};
use acs_interop::app::{AppState, Effect, Msg, update};
use acs_interop::backend::{BackendEvent, Command};
use acs_interop::config::{Keymap, Theme};
use acs_interop::model::{Connection, IdentityMode, SafeText, SendState};
use crossterm::event::KeyCode;
use fixture::{NOW, PLANS, RANDOM, backend, commands, draw, key, message, person, screen_rows};
use fixture::{thread, type_text};

const RESOURCE: &str = "2d4c6e8a-0000-4000-8000-1234567890ab";

fn acs(user: &str) -> String {
    format!("8:acs:{RESOURCE}_{user}")
}

/// The user looked at: "Bob" in the thread.
fn bob() -> String {
    acs("6f1c0d2e-7a1b-4c3d-9e8f-00001a2b3c4d")
}

fn alice() -> String {
    acs("6f1c0d2e-7a1b-4c3d-9e8f-00005e6f7a8b")
}

/// Someone the thread gives no display name.
fn nameless() -> String {
    acs("6f1c0d2e-7a1b-4c3d-9e8f-0000cafe0001")
}

const MEGAN: &str = "8:orgid:3f2a1b0c-1111-2222-3333-44445e6f7a8b";

/// The console as Bob in `mode`, Plans open with two unread messages from Alice, Random with one:
/// the state, and every effect the start asked for.
fn console_as(mode: IdentityMode, width: u16, height: u16) -> (AppState, Vec<Effect>) {
    let mut state = AppState::new(Keymap::default());
    state.client_id_prefix = "test".into();
    state.identity_mode = mode;
    let mut effects = update(&mut state, Msg::Resize(width, height));
    effects.extend(update(&mut state, Msg::Tick(NOW)));
    effects.extend(backend(
        &mut state,
        BackendEvent::Connected(Connection {
            endpoint_label: "emulator".into(),
            me: bob(),
            // The console's own name, which is not Bob's.
            my_name: SafeText::new("Operator"),
        }),
    ));
    effects.extend(backend(
        &mut state,
        BackendEvent::Threads(vec![
            thread(RANDOM, "Random", NOW - 86_400_000, 1),
            thread(PLANS, "Plans", NOW - 60_000, 2),
        ]),
    ));
    effects.extend(backend(
        &mut state,
        BackendEvent::Participants {
            thread_id: PLANS.into(),
            participants: vec![
                person(&bob(), "Bob"),
                person(&alice(), "Alice"),
                person(&nameless(), ""),
                person(MEGAN, "Megan Bowen"),
            ],
        },
    ));
    effects.extend(backend(
        &mut state,
        BackendEvent::Messages {
            thread_id: PLANS.into(),
            messages: vec![
                message(NOW - 300_000, &bob(), "Bob", "It does not load for me."),
                message(NOW - 240_000, &alice(), "Alice", "Which page?"),
                message(
                    NOW - 120_000,
                    &alice(),
                    "Alice",
                    "Can you send a screenshot?",
                ),
            ],
            older_available: Some(false),
        },
    ));
    (state, effects)
}

fn announcements(effects: &[Effect]) -> Vec<Command> {
    commands(effects)
        .into_iter()
        .filter(|c| matches!(c, Command::MarkRead { .. } | Command::Typing { .. }))
        .collect()
}

fn writes(effects: &[Effect]) -> Vec<Command> {
    commands(effects)
        .into_iter()
        .filter(Command::writes)
        .collect()
}

fn run_command(state: &mut AppState, line: &str) -> Vec<Effect> {
    let mut effects = update(state, key(KeyCode::Esc));
    effects.extend(update(state, key(KeyCode::Char(':'))));
    effects.extend(type_text(state, line));
    effects.extend(update(state, key(KeyCode::Enter)));
    effects
}

fn screen(state: &AppState) -> String {
    screen_rows(&draw(state, &Theme::default_dark())).join("\n")
}

// ---------------------------------------------------------------------------------------------
// No trace while observing

#[test]
fn observing_sends_no_read_receipt_or_typing_on_open_ticks_news_or_keys() {
    let (mut state, mut effects) = console_as(IdentityMode::Observing, 120, 40);
    assert_eq!(state.open_thread.as_deref(), Some(PLANS));
    // Typing in the composer, the clock running past every interval, news at the bottom.
    effects.extend(type_text(&mut state, "looking"));
    for s in 1..=20 {
        effects.extend(update(&mut state, Msg::Tick(NOW + s * 1_000)));
    }
    effects.extend(backend(
        &mut state,
        BackendEvent::Messages {
            thread_id: PLANS.into(),
            messages: vec![message(NOW + 21_000, &alice(), "Alice", "Still there?")],
            older_available: None,
        },
    ));
    effects.extend(type_text(&mut state, " more"));
    effects.extend(update(&mut state, key(KeyCode::Esc)));
    effects.extend(update(&mut state, key(KeyCode::End)));
    // Another thread with an unread message, opened and loaded.
    effects.extend(run_command(&mut state, &format!("open {RANDOM}")));
    assert_eq!(state.open_thread.as_deref(), Some(RANDOM));
    effects.extend(backend(
        &mut state,
        BackendEvent::Messages {
            thread_id: RANDOM.into(),
            messages: vec![message(NOW + 22_000, &alice(), "Alice", "Lunch?")],
            older_available: Some(false),
        },
    ));
    for s in 23..=30 {
        effects.extend(update(&mut state, Msg::Tick(NOW + s * 1_000)));
    }
    assert_eq!(announcements(&effects), vec![], "{effects:?}");
    assert!(
        commands(&effects)
            .iter()
            .any(|c| matches!(c, Command::OpenThread { thread_id } if thread_id == RANDOM)),
        "reading still works: {effects:?}"
    );
    // The participants pane keeps Bob's read position as the service has it.
    assert_eq!(state.views[PLANS].receipts.get(&bob()), None);
    assert_eq!(state.identity_mode, IdentityMode::Observing);
}

#[test]
fn the_same_start_as_oneself_does_send_a_receipt() {
    // The control for the test above: the fixture would show receipts if they were sent.
    let (_, effects) = console_as(IdentityMode::Own, 120, 40);
    assert!(
        matches!(announcements(&effects).as_slice(), [Command::MarkRead { thread_id, .. }] if thread_id == PLANS),
        "{effects:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Writes ask first

#[test]
fn a_send_while_observing_asks_first_naming_the_identity_and_no_sends_nothing() {
    let (mut state, _) = console_as(IdentityMode::Observing, 80, 24);
    type_text(&mut state, "hello from Bob");
    let effects = update(&mut state, key(KeyCode::Enter));
    assert_eq!(commands(&effects), vec![], "nothing goes out before a yes");
    let Overlay::Confirm(Confirmation::ActAs {
        what,
        who,
        name,
        write,
    }) = &state.overlay
    else {
        panic!("a question, not {:?}", state.overlay);
    };
    assert_eq!(
        (what.as_str(), who.as_str(), name.as_str(), write),
        ("Send", "8:acs:…1a2b3c4d", "Bob", &HeldWrite::Composer)
    );
    let shown = screen(&state);
    assert!(
        shown.contains("Send as Bob 8:acs:…1a2b3c4d (observing)?"),
        "{shown}"
    );
    insta::assert_snapshot!(shown);

    let effects = update(&mut state, key(KeyCode::Char('n')));
    assert_eq!(commands(&effects), vec![]);
    assert_eq!(state.overlay, Overlay::None);
    assert_eq!(state.identity_mode, IdentityMode::Observing);
    assert_eq!(state.composer.text(), "hello from Bob", "the text stays");
    assert!(state.views[PLANS].pending.is_empty(), "nothing pending");
    assert!(screen(&state).contains("Not sent (observing)."));
}

#[test]
fn yes_sends_as_the_identity_and_acts_from_then_on() {
    let (mut state, _) = console_as(IdentityMode::Observing, 120, 40);
    type_text(&mut state, "hello from Bob");
    update(&mut state, key(KeyCode::Enter));
    let effects = update(&mut state, key(KeyCode::Char('y')));
    let sent = commands(&effects);
    assert_eq!(sent.first(), Some(&Command::Act), "{sent:?}");
    assert!(
        matches!(sent.get(1), Some(Command::SendMessage { thread_id, content, .. }) if thread_id == PLANS && content == "hello from Bob"),
        "{sent:?}"
    );
    assert_eq!(state.identity_mode, IdentityMode::Acting);
    assert!(state.composer.is_empty());
    // The message waits under Bob's name in this thread, not the console's.
    assert_eq!(state.my_name_in(PLANS).as_str(), "Bob");
    assert!(
        screen(&state).contains("acting as …1a2b3c4d"),
        "{}",
        screen(&state)
    );
    // From now on receipts and typing go out as for one's own identity.
    let effects = backend(
        &mut state,
        BackendEvent::Messages {
            thread_id: PLANS.into(),
            messages: vec![message(NOW + 1_000, &alice(), "Alice", "Thanks!")],
            older_available: None,
        },
    );
    let mut effects = effects;
    effects.extend(update(&mut state, Msg::Tick(NOW + 10_000)));
    effects.extend(type_text(&mut state, "np"));
    let said = announcements(&effects);
    assert!(
        said.iter().any(|c| matches!(c, Command::MarkRead { .. }))
            && said.iter().any(|c| matches!(c, Command::Typing { .. })),
        "{said:?}"
    );
    // No second question.
    update(&mut state, key(KeyCode::Enter));
    assert_eq!(state.overlay, Overlay::None);
}

#[test]
fn every_write_command_asks_first_while_observing() {
    let (mut state, _) = console_as(IdentityMode::Observing, 120, 40);
    let lines = [
        ("topic New topic", "Change the topic"),
        ("add 8:acs:res_someone", "Add the participant"),
        ("remove Alice", "Remove the participant"),
        ("delete", "Delete the message"),
        ("new Side Alice", "Create the thread"),
        ("call", "Call"),
    ];
    for (line, what) in lines {
        let effects = run_command(&mut state, line);
        assert_eq!(writes(&effects), vec![], ":{line} sent {effects:?}");
        match &state.overlay {
            Overlay::Confirm(Confirmation::ActAs {
                what: asked,
                write: HeldWrite::Commands(held),
                ..
            }) => {
                assert_eq!(asked, what, ":{line}");
                assert_eq!(held.len(), 1, ":{line}: {held:?}");
            }
            other => panic!(
                ":{line} asked nothing: {other:?} (error: {:?})",
                state.error
            ),
        }
        update(&mut state, key(KeyCode::Char('n')));
        assert_eq!(state.identity_mode, IdentityMode::Observing);
    }
    // Deleting the thread: its own question first, then whose identity deletes it.
    run_command(&mut state, "delete-thread");
    let effects = update(&mut state, key(KeyCode::Char('y')));
    assert_eq!(writes(&effects), vec![]);
    assert!(matches!(
        &state.overlay,
        Overlay::Confirm(Confirmation::ActAs { what, .. }) if what == "Delete the thread"
    ));
    let effects = update(&mut state, key(KeyCode::Char('y')));
    assert_eq!(
        commands(&effects)
            .into_iter()
            .filter(|c| !c.announces())
            .collect::<Vec<_>>(),
        vec![
            Command::Act,
            Command::DeleteThread {
                thread_id: PLANS.into()
            }
        ]
    );
}

#[test]
fn an_edit_and_a_retry_ask_first_too() {
    let (mut state, _) = console_as(IdentityMode::Observing, 120, 40);
    // Up in an empty composer edits Bob's last message.
    update(&mut state, key(KeyCode::Up));
    assert!(state.composer.editing.is_some());
    let effects = update(&mut state, key(KeyCode::Enter));
    assert_eq!(writes(&effects), vec![]);
    assert!(matches!(
        &state.overlay,
        Overlay::Confirm(Confirmation::ActAs { what, write: HeldWrite::Composer, .. }) if what == "Save the edit"
    ));
    update(&mut state, key(KeyCode::Esc));
    assert!(state.composer.editing.is_some(), "the edit waits");

    // A failed send waiting in the thread (from an earlier run's outbox): sending it again asks too.
    state
        .views
        .get_mut(PLANS)
        .unwrap()
        .pending
        .push(acs_interop::model::PendingSend {
            client_id: "c-1".into(),
            content: "lost".into(),
            created_ms: NOW,
            state: SendState::Failed {
                reason: SafeText::new("503"),
            },
            state_ms: NOW,
        });
    let effects = run_command(&mut state, "retry");
    assert_eq!(writes(&effects), vec![]);
    assert!(matches!(
        &state.overlay,
        Overlay::Confirm(Confirmation::ActAs {
            write: HeldWrite::Retry,
            ..
        })
    ));
    let effects = update(&mut state, key(KeyCode::Char('y')));
    assert_eq!(
        writes(&effects),
        vec![Command::RetrySend {
            thread_id: PLANS.into(),
            client_id: "c-1".into()
        }]
    );
}

#[test]
fn with_act_the_identity_acts_from_the_start() {
    // `--user-id ID --act`.
    let mode = IdentityMode::at_start(true, true);
    let (mut state, effects) = console_as(mode, 120, 40);
    assert!(
        announcements(&effects)
            .iter()
            .any(|c| matches!(c, Command::MarkRead { .. })),
        "{effects:?}"
    );
    type_text(&mut state, "hi");
    let effects = update(&mut state, key(KeyCode::Enter));
    assert!(
        matches!(writes(&effects).as_slice(), [Command::SendMessage { content, .. }] if content == "hi"),
        "{effects:?}"
    );
    assert_eq!(state.overlay, Overlay::None, "no question");
    assert!(screen(&state).contains("acting as …1a2b3c4d"));
}

// ---------------------------------------------------------------------------------------------
// What the screen says

#[test]
fn observing_at_80_by_24_the_status_bar_says_whom() {
    let (state, _) = console_as(IdentityMode::Observing, 80, 24);
    let shown = screen(&state);
    let status = shown.lines().last().unwrap_or_default();
    assert!(status.contains("observing …1a2b3c4d"), "{status}");
    assert!(!shown.contains(RESOURCE), "no id by its shared prefix");
    insta::assert_snapshot!(shown);
}

#[test]
fn the_participants_pane_marks_you_and_shortens_ids_by_their_tail() {
    let (mut state, _) = console_as(IdentityMode::Observing, 80, 24);
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::Tab));
    assert_eq!(state.focus, Focus::Participants);
    let shown = screen(&state);
    assert!(shown.contains("Bob (you)"), "{shown}");
    assert!(shown.contains("…cafe0001"), "{shown}");
    assert!(
        !shown.contains(RESOURCE) && !shown.contains("8:acs:2d4c"),
        "{shown}"
    );
    insta::assert_snapshot!(shown);
}

#[test]
fn at_120_by_40_the_whole_console_shows_the_mode() {
    let (state, _) = console_as(IdentityMode::Observing, 120, 40);
    let shown = screen(&state);
    assert!(shown.contains("observing …1a2b3c4d") && shown.contains("Bob (you)"));
    insta::assert_snapshot!(shown);
}

#[test]
fn whoami_shows_the_full_id_the_endpoint_and_the_mode() {
    let (mut state, _) = console_as(IdentityMode::Observing, 80, 24);
    run_command(&mut state, "whoami");
    assert_eq!(state.overlay, Overlay::WhoAmI);
    let shown = screen(&state);
    // The id is longer than the box is wide: it is cut at the width, all of it on two lines.
    let id = bob();
    let (first, rest) = id.split_at(61);
    assert!(shown.contains(first) && shown.contains(rest), "{shown}");
    assert!(
        shown.contains("emulator") && shown.contains("observing:"),
        "{shown}"
    );
    insta::assert_snapshot!(shown);
    update(&mut state, key(KeyCode::Char('x')));
    assert_eq!(state.overlay, Overlay::None, "any key closes it");
}

#[test]
fn whoami_is_in_help_and_completes() {
    let (mut state, _) = console_as(IdentityMode::Own, 120, 40);
    assert!(
        acs_interop::app::update::COMMANDS
            .iter()
            .any(|(name, _)| *name == "whoami")
    );
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::Char(':')));
    type_text(&mut state, "who");
    update(&mut state, key(KeyCode::Tab));
    assert!(matches!(&state.overlay, Overlay::CommandLine(line) if line.input == "whoami "));
    update(&mut state, key(KeyCode::Enter));
    assert_eq!(state.overlay, Overlay::WhoAmI);
    assert!(screen(&state).contains("own identity"));
}

// ---------------------------------------------------------------------------------------------
// The backend against the emulator

mod against_the_emulator {
    use super::support::backend::{WAIT, start_as, target};
    use super::support::{TestEmulator, participant, thread_path};
    use acs_interop::backend::{BackendEvent, Command};
    use acs_interop::model::{IdentityMode, SendState};
    use serde_json::{Value, json};

    async fn receipts(e: &TestEmulator, token: &str, thread: &str) -> Vec<Value> {
        let list = e.get(token, &thread_path(thread, "/readReceipts")).await;
        list.expect(200)["value"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_observing_backend_sends_no_receipt_and_refuses_writes_until_told_to_act() {
        let e = TestEmulator::start().await;
        let dir = tempfile::tempdir().unwrap();
        let (alice, alice_token) = e.create_user().await;
        let (bob, _) = e.create_user().await;
        let created = e
            .post(
                &alice_token,
                "/chat/threads",
                &json!({"topic": "Support", "participants": [participant(&alice, "Alice"), participant(&bob, "Bob")]}),
            )
            .await;
        let thread = created.expect(201)["chatThread"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let unread = e
            .send_message(&alice_token, &thread, "Are you there?")
            .await;

        let mut t = target(&e, dir.path(), false);
        t.user_id = Some(bob.clone());
        let mut running = start_as(t, None, IdentityMode::Observing);
        running
            .wait_for("the thread list", |ev| {
                matches!(ev, BackendEvent::Threads(_)).then_some(())
            })
            .await;
        for command in [
            Command::OpenThread {
                thread_id: thread.clone(),
            },
            Command::MarkRead {
                thread_id: thread.clone(),
                message_id: unread.clone(),
            },
            Command::Typing {
                thread_id: thread.clone(),
            },
            Command::SendMessage {
                thread_id: thread.clone(),
                client_id: "c-1".into(),
                content: "should not go".into(),
            },
        ] {
            running.commands.send(command).await.unwrap();
        }
        let what = running
            .wait_for("the refusal", |ev| match ev {
                BackendEvent::Failure { what, .. } => Some(what.to_string()),
                _ => None,
            })
            .await;
        assert!(what.contains("observing"), "{what}");
        running
            .wait_for("the thread's participants", |ev| {
                matches!(ev, BackendEvent::Participants { .. }).then_some(())
            })
            .await;
        assert_eq!(
            receipts(&e, &alice_token, &thread).await,
            Vec::<Value>::new()
        );
        let listed = e
            .list_all(
                &alice_token,
                &thread_path(&thread, "/messages?maxPageSize=200"),
            )
            .await
            .0;
        assert!(
            !listed
                .iter()
                .any(|m| m["content"]["message"] == "should not go"),
            "{listed:?}"
        );

        // Told to act: the receipt and the message go out as Bob, under his name in the thread.
        running.commands.send(Command::Act).await.unwrap();
        running
            .commands
            .send(Command::MarkRead {
                thread_id: thread.clone(),
                message_id: unread.clone(),
            })
            .await
            .unwrap();
        running
            .commands
            .send(Command::SendMessage {
                thread_id: thread.clone(),
                client_id: "c-2".into(),
                content: "here now".into(),
            })
            .await
            .unwrap();
        let id = running
            .wait_for("the send", |ev| match ev {
                BackendEvent::Send {
                    client_id,
                    state: SendState::Sent { message_id },
                    ..
                } if client_id == "c-2" => Some(message_id.clone()),
                _ => None,
            })
            .await;
        let sent = e
            .get(
                &alice_token,
                &thread_path(&thread, &format!("/messages/{id}")),
            )
            .await;
        let sent = sent.expect(200);
        assert_eq!(sent["senderDisplayName"], "Bob", "{sent}");
        assert_eq!(sent["senderCommunicationIdentifier"]["rawId"], bob.as_str());
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let found = receipts(&e, &alice_token, &thread).await;
            if found
                .iter()
                .any(|r| r["senderCommunicationIdentifier"]["rawId"] == bob.as_str())
            {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no receipt: {found:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn observing_on_the_embedded_emulator_creates_no_welcome_thread() {
        let e = TestEmulator::start().await;
        let dir = tempfile::tempdir().unwrap();
        let (bob, bob_token) = e.create_user().await;
        let mut t = target(&e, dir.path(), true);
        t.user_id = Some(bob);
        let mut running = start_as(t, None, IdentityMode::Observing);
        let threads = running
            .wait_for("the thread list", |ev| match ev {
                BackendEvent::Threads(t) => Some(t.clone()),
                _ => None,
            })
            .await;
        assert!(threads.is_empty(), "{threads:?}");
        let listed = e.get(&bob_token, "/chat/threads").await;
        assert_eq!(listed.expect(200)["value"], json!([]));
    }
}

#[test]
fn act_without_a_user_id_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_acs-interop"))
        .args(["--in-memory", "--act"])
        .env("XDG_CONFIG_HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .env_remove("ACS_CONNECTION_STRING")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--act needs --user-id"), "{stderr}");
}
