//! The console's pure `update`: what a user does and sees, without a terminal.

#[path = "console/fixture.rs"]
mod fixture;

use acs_interop::app::state::{Confirmation, Focus, Overlay};
use acs_interop::app::{AppState, Effect, Msg, update};
use acs_interop::backend::{BackendEvent, Command};
use acs_interop::config::Keymap;
use acs_interop::model::{Message, MessageKind, SafeText, SendState};
use acs_interop::text::{AttachmentKind, AttachmentRef};
use crossterm::event::{KeyCode, KeyModifiers};
use fixture::*;

#[test]
fn the_most_recent_thread_opens_at_start_with_the_composer_focused() {
    let mut state = AppState::new(Keymap::default());
    let effects = backend(
        &mut state,
        BackendEvent::Threads(vec![
            thread(RANDOM, "Random", NOW - 86_400_000, 0),
            thread(PLANS, "Plans", NOW, 0),
        ]),
    );
    assert_eq!(state.open_thread.as_deref(), Some(PLANS));
    assert_eq!(state.focus, Focus::Composer);
    assert_eq!(
        commands(&effects),
        vec![Command::OpenThread {
            thread_id: PLANS.into()
        }]
    );
    assert_eq!(state.threads[0].id, PLANS, "newest activity first");
}

#[test]
fn enter_sends_and_the_message_shows_as_sending_until_the_thread_holds_it() {
    let mut state = connected(120, 40);
    type_text(&mut state, "hello");
    let effects = update(&mut state, key(KeyCode::Enter));
    let sent = commands(&effects);
    let [
        Command::SendMessage {
            thread_id,
            client_id,
            content,
        },
    ] = sent.as_slice()
    else {
        panic!("expected one send, got {sent:?}");
    };
    assert_eq!((thread_id.as_str(), content.as_str()), (PLANS, "hello"));
    assert!(
        state.composer.is_empty(),
        "the composer empties after sending"
    );
    let view = &state.views[PLANS];
    assert_eq!(view.pending.len(), 1);
    assert_eq!(view.pending[0].state, SendState::Sending);
    assert_eq!(state.pending_sends(), 1);

    backend(
        &mut state,
        BackendEvent::Send {
            thread_id: PLANS.into(),
            client_id: client_id.clone(),
            content: "hello".into(),
            state: SendState::Sent {
                message_id: (NOW + 5).to_string(),
            },
        },
    );
    let mut mine = message(NOW + 5, ME, "Me", "hello");
    mine.client_id = Some(client_id.clone());
    backend(
        &mut state,
        BackendEvent::Messages {
            thread_id: PLANS.into(),
            messages: vec![mine],
            older_available: None,
        },
    );
    assert!(
        state.views[PLANS].pending.is_empty(),
        "the thread holds it now"
    );
    assert_eq!(state.pending_sends(), 0);
}

#[test]
fn alt_enter_adds_a_line_instead_of_sending() {
    let mut state = connected(120, 40);
    type_text(&mut state, "one");
    let effects = update(&mut state, key_with(KeyCode::Enter, KeyModifiers::ALT));
    type_text(&mut state, "two");
    assert!(commands(&effects).is_empty());
    assert_eq!(state.composer.text(), "one\ntwo");
}

#[test]
fn typing_is_announced_at_most_once_every_eight_seconds() {
    let mut state = connected(120, 40);
    let first = type_text(&mut state, "ab");
    assert_eq!(
        commands(&first),
        vec![Command::Typing {
            thread_id: PLANS.into()
        }]
    );
    update(&mut state, Msg::Tick(NOW + 7_000));
    assert!(commands(&type_text(&mut state, "c")).is_empty());
    update(&mut state, Msg::Tick(NOW + 8_000));
    assert_eq!(commands(&type_text(&mut state, "d")).len(), 1);
}

#[test]
fn someone_typing_shows_for_eight_seconds_after_their_last_notification() {
    let mut state = connected(120, 40);
    backend(
        &mut state,
        BackendEvent::Typing {
            thread_id: PLANS.into(),
            sender: ALICE.into(),
            name: SafeText::new("Alice"),
            at_ms: NOW,
        },
    );
    assert!(state.views[PLANS].typing.contains_key(ALICE));
    update(&mut state, Msg::Tick(NOW + 7_999));
    assert!(state.views[PLANS].typing.contains_key(ALICE));
    update(&mut state, Msg::Tick(NOW + 8_001));
    assert!(state.views[PLANS].typing.is_empty());
}

#[test]
fn a_message_from_someone_typing_ends_their_typing_line() {
    let mut state = connected(120, 40);
    backend(
        &mut state,
        BackendEvent::Typing {
            thread_id: PLANS.into(),
            sender: ALICE.into(),
            name: SafeText::new("Alice"),
            at_ms: NOW,
        },
    );
    backend(
        &mut state,
        BackendEvent::Messages {
            thread_id: PLANS.into(),
            messages: vec![message(NOW + 500, ALICE, "Alice", "done typing")],
            older_available: None,
        },
    );
    assert!(state.views[PLANS].typing.is_empty());
}

#[test]
fn a_teams_typing_event_with_a_blank_name_uses_the_participant_name() {
    let mut state = connected(120, 40);
    backend(
        &mut state,
        BackendEvent::Typing {
            thread_id: PLANS.into(),
            sender: TEAMS_BOB.into(),
            name: SafeText::new(""),
            at_ms: NOW,
        },
    );
    assert_eq!(state.views[PLANS].typing[TEAMS_BOB].name.as_str(), "Bob");
}

#[test]
fn news_at_the_bottom_of_the_open_thread_is_reported_read() {
    let mut state = connected(120, 40);
    // Past the interval since the receipt sent when the thread opened.
    update(&mut state, Msg::Tick(NOW + 5_000));
    let effects = backend(
        &mut state,
        BackendEvent::Messages {
            thread_id: PLANS.into(),
            messages: vec![message(NOW + 1_000, ALICE, "Alice", "new")],
            older_available: None,
        },
    );
    assert_eq!(
        commands(&effects),
        vec![Command::MarkRead {
            thread_id: PLANS.into(),
            message_id: (NOW + 1_000).to_string()
        }]
    );
}

#[test]
fn news_is_not_reported_read_while_scrolled_back() {
    let mut state = connected(120, 40);
    // Past the interval since the receipt sent when the thread opened.
    update(&mut state, Msg::Tick(NOW + 5_000));
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::PageUp));
    assert!(state.views[PLANS].scroll.anchor.is_some(), "scrolled back");
    let effects = backend(
        &mut state,
        BackendEvent::Messages {
            thread_id: PLANS.into(),
            messages: vec![message(NOW + 1_000, ALICE, "Alice", "new")],
            older_available: None,
        },
    );
    assert!(
        commands(&effects)
            .iter()
            .all(|c| !matches!(c, Command::MarkRead { .. }))
    );
    let effects = update(&mut state, key(KeyCode::End));
    assert!(
        commands(&effects)
            .iter()
            .any(|c| matches!(c, Command::MarkRead { .. })),
        "reaching the bottom reads it"
    );
}

#[test]
fn unread_counts_grow_in_other_threads_and_clear_when_opened() {
    let mut state = connected(120, 40);
    backend(
        &mut state,
        BackendEvent::Messages {
            thread_id: RANDOM.into(),
            messages: vec![
                message(NOW + 1, ALICE, "Alice", "psst"),
                message(NOW + 2, ALICE, "Alice", "hey"),
            ],
            older_available: None,
        },
    );
    let random = state.threads.iter().find(|t| t.id == RANDOM).unwrap();
    assert_eq!(random.unread, 2);
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::BackTab));
    assert_eq!(state.focus, Focus::Threads);
    let index = state.threads.iter().position(|t| t.id == RANDOM).unwrap();
    state.thread_cursor = index;
    let effects = update(&mut state, key(KeyCode::Enter));
    assert_eq!(state.open_thread.as_deref(), Some(RANDOM));
    assert!(commands(&effects).contains(&Command::OpenThread {
        thread_id: RANDOM.into()
    }));
    assert_eq!(
        state
            .threads
            .iter()
            .find(|t| t.id == RANDOM)
            .unwrap()
            .unread,
        0
    );
}

#[test]
fn up_in_an_empty_composer_edits_the_last_own_message() {
    let mut state = connected(120, 40);
    update(&mut state, key(KeyCode::Up));
    assert_eq!(state.composer.text(), "Yes, see you there.");
    assert!(state.composer.editing.is_some());
    type_text(&mut state, "!");
    let effects = update(&mut state, key(KeyCode::Enter));
    assert_eq!(
        commands(&effects),
        vec![Command::EditMessage {
            thread_id: PLANS.into(),
            message_id: (NOW - 240_000).to_string(),
            content: "Yes, see you there.!".into()
        }]
    );
}

#[test]
fn history_brings_back_what_was_sent() {
    let mut state = connected(120, 40);
    type_text(&mut state, "first");
    update(&mut state, key(KeyCode::Enter));
    update(
        &mut state,
        key_with(KeyCode::Char('p'), KeyModifiers::CONTROL),
    );
    assert_eq!(state.composer.text(), "first");
}

fn run_command(state: &mut AppState, line: &str) -> Vec<Effect> {
    update(state, key(KeyCode::Esc));
    update(state, key(KeyCode::Char(':')));
    assert!(
        matches!(state.overlay, Overlay::CommandLine(_)),
        "':' opens the command line"
    );
    type_text(state, line);
    update(state, key(KeyCode::Enter))
}

#[test]
fn commands_change_the_topic_and_add_people_by_name() {
    let mut state = connected(120, 40);
    let effects = run_command(&mut state, "topic Plans for Monday");
    assert_eq!(
        commands(&effects),
        vec![Command::UpdateTopic {
            thread_id: PLANS.into(),
            topic: "Plans for Monday".into()
        }]
    );
    let effects = run_command(&mut state, "new \"Launch party\" Alice 8:acs:res_zed");
    assert_eq!(
        commands(&effects),
        vec![Command::CreateThread {
            topic: "Launch party".into(),
            participants: vec![ALICE.into(), "8:acs:res_zed".into()]
        }]
    );
    let effects = run_command(&mut state, "remove Bob");
    assert_eq!(
        commands(&effects),
        vec![Command::RemoveParticipant {
            thread_id: PLANS.into(),
            raw_id: TEAMS_BOB.into()
        }]
    );
}

#[test]
fn an_unknown_name_or_command_explains_itself() {
    let mut state = connected(120, 40);
    assert!(commands(&run_command(&mut state, "add Zelda")).is_empty());
    let error = state.error.clone().expect("an error bar");
    assert!(error.what.as_str().contains("Zelda"), "{error:?}");
    assert!(error.fix.as_str().contains("raw id"), "{error:?}");
    run_command(&mut state, "frobnicate");
    assert!(
        state
            .error
            .as_ref()
            .unwrap()
            .fix
            .as_str()
            .contains("Commands:")
    );
}

#[test]
fn a_fast_escape_colon_from_the_composer_opens_the_command_line() {
    let mut state = connected(120, 40);
    // Terminals deliver Esc and a quick ':' as Alt+':'.
    update(&mut state, key_with(KeyCode::Char(':'), KeyModifiers::ALT));
    assert!(matches!(state.overlay, Overlay::CommandLine(_)));
    assert!(state.composer.is_empty());
}

#[test]
fn tab_completes_command_names_and_people() {
    let mut state = connected(120, 40);
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::Char(':')));
    type_text(&mut state, "ad");
    update(&mut state, key(KeyCode::Tab));
    type_text(&mut state, "Al");
    update(&mut state, key(KeyCode::Tab));
    let Overlay::CommandLine(line) = &state.overlay else {
        panic!("command line closed")
    };
    assert_eq!(line.input, "add Alice ");
}

#[test]
fn a_large_paste_asks_before_landing_in_the_composer() {
    let mut state = connected(120, 40);
    let big = "x".repeat(5_000);
    update(&mut state, Msg::Paste(big.clone()));
    assert!(matches!(
        state.overlay,
        Overlay::Confirm(Confirmation::LargePaste { .. })
    ));
    assert!(state.composer.is_empty());
    update(&mut state, key(KeyCode::Char('y')));
    assert_eq!(state.composer.text(), big);
    update(&mut state, Msg::Paste("small".into()));
    assert!(state.composer.text().ends_with("small"));
}

#[test]
fn deleting_a_thread_asks_first_and_names_the_teams_users() {
    let mut state = connected(120, 40);
    assert!(commands(&run_command(&mut state, "delete-thread")).is_empty());
    let Overlay::Confirm(Confirmation::DeleteThread { teams_users, .. }) = state.overlay.clone()
    else {
        panic!("expected a confirmation, got {:?}", state.overlay);
    };
    assert_eq!(teams_users, 1);
    let effects = update(&mut state, key(KeyCode::Char('y')));
    assert_eq!(
        commands(&effects),
        vec![Command::DeleteThread {
            thread_id: PLANS.into()
        }]
    );
}

#[test]
fn a_failed_send_can_be_retried() {
    let mut state = connected(120, 40);
    type_text(&mut state, "hello");
    let sent = commands(&update(&mut state, key(KeyCode::Enter)));
    let Command::SendMessage { client_id, .. } = &sent[0] else {
        panic!()
    };
    backend(
        &mut state,
        BackendEvent::Send {
            thread_id: PLANS.into(),
            client_id: client_id.clone(),
            content: "hello".into(),
            state: SendState::Failed {
                reason: SafeText::new("403 Forbidden"),
            },
        },
    );
    let effects = run_command(&mut state, "retry");
    assert_eq!(
        commands(&effects),
        vec![Command::RetrySend {
            thread_id: PLANS.into(),
            client_id: client_id.clone()
        }]
    );
}

#[test]
fn home_asks_for_older_pages_one_at_a_time() {
    let mut state = connected(120, 40);
    update(&mut state, key(KeyCode::Esc));
    let effects = update(&mut state, key(KeyCode::Home));
    assert_eq!(
        commands(&effects),
        vec![Command::SeekOlder {
            thread_id: PLANS.into()
        }]
    );
    assert!(
        commands(&update(&mut state, key(KeyCode::Home))).is_empty(),
        "not twice while loading"
    );
}

#[test]
fn ctrl_c_quits_from_anywhere() {
    for setup in [":", "?"] {
        let mut state = connected(80, 24);
        update(&mut state, key(KeyCode::Esc));
        type_text(&mut state, setup);
        let effects = update(
            &mut state,
            key_with(KeyCode::Char('c'), KeyModifiers::CONTROL),
        );
        assert_eq!(effects, vec![Effect::Quit], "after {setup}");
    }
}

#[test]
fn clicking_a_thread_opens_it() {
    let mut state = connected(120, 40);
    let row = 1 + 2 * state.threads.iter().position(|t| t.id == RANDOM).unwrap() as u16;
    let click = crossterm::event::MouseEvent {
        kind: crossterm::event::MouseEventKind::Down(crossterm::event::MouseButton::Left),
        column: 3,
        row,
        modifiers: KeyModifiers::NONE,
    };
    update(&mut state, Msg::Mouse(click));
    assert_eq!(state.open_thread.as_deref(), Some(RANDOM));
}

#[test]
fn copying_a_message_with_an_attachment_copies_its_label_once_with_its_link() {
    let mut state = connected(120, 40);
    let agenda = AttachmentRef {
        id: "1".into(),
        kind: AttachmentKind::File,
        name: "agenda.pdf".into(),
        url: Some("https://e/emulator/attachments/1".into()),
    };
    let html = Message {
        kind: MessageKind::Html,
        attachments: vec![agenda.clone()],
        ..message(NOW + 1, TEAMS_BOB, "Bob", "<p>the agenda</p>")
    };
    let text = Message {
        attachments: vec![agenda],
        ..message(NOW + 2, TEAMS_BOB, "Bob", "and again")
    };
    backend(
        &mut state,
        BackendEvent::Messages {
            thread_id: PLANS.into(),
            messages: vec![html, text],
            older_available: None,
        },
    );
    update(&mut state, key(KeyCode::Esc));
    let newest = update(&mut state, key(KeyCode::Char('y')));
    // The first Up selects the newest message, the second the one before it.
    update(&mut state, key(KeyCode::Up));
    update(&mut state, key(KeyCode::Up));
    let html_one = update(&mut state, key(KeyCode::Char('y')));
    let link = "[file: agenda.pdf] https://e/emulator/attachments/1";
    assert_eq!(newest, vec![Effect::Copy(format!("and again\n{link}"))]);
    assert_eq!(html_one, vec![Effect::Copy(format!("the agenda\n{link}"))]);
}

#[test]
fn copying_a_message_sends_its_text_to_the_clipboard() {
    let mut state = connected(120, 40);
    update(&mut state, key(KeyCode::Esc));
    let effects = update(&mut state, key(KeyCode::Char('y')));
    assert_eq!(effects, vec![Effect::Copy("Bold plan from Teams".into())]);
}

/// News one message at a time, as a busy thread sends it.
fn news(state: &mut AppState, thread_id: &str, orders: std::ops::Range<i64>) -> Vec<Command> {
    let mut sent = Vec::new();
    for order in orders {
        let effects = backend(
            state,
            BackendEvent::Messages {
                thread_id: thread_id.into(),
                messages: vec![message(order, ALICE, "Alice", &format!("news {order}"))],
                older_available: None,
            },
        );
        sent.extend(commands(&effects));
    }
    sent
}

#[test]
fn a_busy_thread_keeps_its_newest_messages_and_fetches_older_ones_again_on_scroll() {
    use acs_interop::app::state::LOADED_CAP;
    let mut state = connected(120, 40);
    let total = (LOADED_CAP * 2) as i64;
    let sent = news(&mut state, PLANS, NOW + 1..NOW + 1 + total);
    let view = &state.views[PLANS];
    assert!(view.messages.len() <= LOADED_CAP + LOADED_CAP / 4);
    assert_eq!(view.last_order(), Some(NOW + total), "the newest is shown");
    assert!(view.older_available, "the dropped ones can come back");
    let oldest_kept = *view.messages.keys().next().expect("messages");
    let dropped: Vec<i64> = sent
        .iter()
        .filter_map(|c| match c {
            Command::DroppedOlder {
                thread_id,
                oldest_kept,
            } if thread_id == PLANS => Some(*oldest_kept),
            _ => None,
        })
        .collect();
    assert_eq!(dropped.last(), Some(&oldest_kept), "the backend is told");
    let screen = screen_rows(&draw(&state, &acs_interop::config::Theme::default_dark()));
    assert!(
        screen
            .iter()
            .any(|r| r.contains(&format!("news {}", NOW + total))),
        "{screen:#?}"
    );

    // Reading back holds on to everything: nothing is dropped under the reader.
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::PageUp));
    let held = state.views[PLANS].messages.len();
    let sent = news(&mut state, PLANS, NOW + 1 + total..NOW + 1 + total + 1_000);
    assert!(
        !sent
            .iter()
            .any(|c| matches!(c, Command::DroppedOlder { .. }))
    );
    assert_eq!(state.views[PLANS].messages.len(), held + 1_000);
}

#[test]
fn a_thread_in_the_background_drops_its_place_with_its_oldest_messages() {
    use acs_interop::app::state::LOADED_CAP;
    let mut state = connected(120, 40);
    news(&mut state, RANDOM, NOW + 1..NOW + 11);
    let view = state.views.get_mut(RANDOM).expect("the thread's view");
    view.selected = Some(NOW + 3);
    news(
        &mut state,
        RANDOM,
        NOW + 11..NOW + 11 + 2 * LOADED_CAP as i64,
    );
    let view = &state.views[RANDOM];
    assert!(view.messages.len() <= LOADED_CAP + LOADED_CAP / 4);
    assert_eq!(view.selected, None, "the selected message was let go");
}

#[test]
fn a_first_thread_opens_by_itself_even_when_its_news_comes_before_it() {
    let mut state = AppState::new(Keymap::default());
    backend(&mut state, BackendEvent::Threads(Vec::new()));
    // Being added brings a system message before the thread's own event.
    backend(
        &mut state,
        BackendEvent::Messages {
            thread_id: PLANS.into(),
            messages: vec![message(NOW, ALICE, "Alice", "welcome")],
            older_available: None,
        },
    );
    let effects = backend(
        &mut state,
        BackendEvent::ThreadChanged(thread(PLANS, "Plans", NOW, 0)),
    );
    assert_eq!(state.open_thread.as_deref(), Some(PLANS));
    assert_eq!(
        commands(&effects),
        vec![Command::OpenThread {
            thread_id: PLANS.into()
        }]
    );
}
