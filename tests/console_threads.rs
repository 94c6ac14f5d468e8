//! The thread list as a daily driver: keys, the switcher, `:open`, unread counts and the Teams tag
//! that survive topic changes and restarts, deleted threads and `:forget`.

#[path = "console/fixture.rs"]
mod fixture;

use acs_interop::app::state::Focus;
use acs_interop::app::{AppState, Effect, update};
use acs_interop::backend::{BackendEvent, Command};
use acs_interop::config::Theme;
use acs_interop::model::SafeText;
use crossterm::event::{KeyCode, KeyModifiers};
use fixture::*;

fn screen(state: &AppState) -> String {
    screen_rows(&draw(state, &Theme::default_dark())).join("\n")
}

/// `n` more threads besides Plans and Random, each a minute older than the one before.
fn many_threads(state: &mut AppState, n: usize) {
    let mut threads = vec![
        thread(PLANS, "Plans", NOW - 60_000, 0),
        thread(RANDOM, "Random", NOW - 86_400_000, 0),
    ];
    for i in 0..n {
        threads.push(thread(
            &format!("19:t{i:04}@thread.v2"),
            &format!("Topic {i:04}"),
            NOW - 120_000 - i as i64 * 60_000,
            0,
        ));
    }
    backend(state, BackendEvent::Threads(threads));
}

fn highlighted(state: &AppState) -> String {
    state.threads[state.thread_cursor].topic.to_string()
}

#[test]
fn the_thread_list_moves_by_page_and_to_either_end() {
    let mut state = connected(120, 40);
    many_threads(&mut state, 200);
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::BackTab));
    assert_eq!(state.focus, Focus::Threads);
    update(&mut state, key(KeyCode::End));
    assert_eq!(highlighted(&state), "Random", "the oldest is last");
    assert!(screen(&state).contains("Random"), "and on screen");
    update(&mut state, key(KeyCode::Home));
    assert_eq!(highlighted(&state), "Plans");
    update(&mut state, key(KeyCode::PageDown));
    let after_page = state.thread_cursor;
    assert!(
        after_page >= 10,
        "a page is many threads, not one: {after_page}"
    );
    update(&mut state, key(KeyCode::PageUp));
    assert_eq!(state.thread_cursor, 0);
}

#[test]
fn ctrl_k_opens_a_thread_by_part_of_its_topic() {
    let mut state = connected(120, 40);
    many_threads(&mut state, 200);
    update(
        &mut state,
        key_with(KeyCode::Char('k'), KeyModifiers::CONTROL),
    );
    type_text(&mut state, "pic 0150");
    assert!(screen(&state).contains("Topic 0150"));
    let effects = update(&mut state, key(KeyCode::Enter));
    assert_eq!(state.open_thread.as_deref(), Some("19:t0150@thread.v2"));
    assert_eq!(
        commands(&effects),
        vec![Command::OpenThread {
            thread_id: "19:t0150@thread.v2".into()
        }]
    );
}

#[test]
fn slash_in_the_thread_list_finds_a_thread_by_participant() {
    let mut state = connected(120, 40);
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::BackTab));
    update(&mut state, key(KeyCode::Char('/')));
    type_text(&mut state, "bob");
    update(&mut state, key(KeyCode::Enter));
    assert_eq!(state.open_thread.as_deref(), Some(PLANS), "Bob is in Plans");
}

#[test]
fn open_by_id_opens_a_thread_the_list_does_not_hold() {
    let mut state = connected(120, 40);
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::Char(':')));
    type_text(&mut state, "open 19:elsewhere@thread.v2");
    let effects = update(&mut state, key(KeyCode::Enter));
    assert_eq!(
        commands(&effects),
        vec![Command::OpenThread {
            thread_id: "19:elsewhere@thread.v2".into()
        }]
    );
    assert_eq!(state.open_thread.as_deref(), Some("19:elsewhere@thread.v2"));
}

#[test]
fn counts_from_the_service_fill_every_thread_and_a_topic_change_keeps_them() {
    let mut state = connected(120, 40);
    many_threads(&mut state, 40);
    let oldest = "19:t0039@thread.v2";
    backend(
        &mut state,
        BackendEvent::ThreadCounts {
            thread_id: oldest.into(),
            unread: 3,
            has_teams_users: true,
            last_activity_ms: None,
        },
    );
    let summary = |state: &AppState| {
        state
            .threads
            .iter()
            .find(|t| t.id == oldest)
            .cloned()
            .expect("listed")
    };
    assert_eq!(summary(&state).unread, 3);
    // A topic change arrives as a bare summary: the count and the Teams tag stay.
    backend(
        &mut state,
        BackendEvent::ThreadChanged(acs_interop::model::ThreadSummary {
            topic: SafeText::new("Renamed"),
            ..thread(oldest, "Renamed", NOW, 0)
        }),
    );
    let after = summary(&state);
    assert_eq!((after.unread, after.has_teams_users), (3, true));
    assert_eq!(after.topic.as_str(), "Renamed");
    // A new listing (after a resync) keeps them too.
    many_threads(&mut state, 40);
    assert_eq!(summary(&state).unread, 3);
}

#[test]
fn a_message_in_a_thread_the_list_has_not_heard_of_is_counted_and_rings() {
    let mut state = connected(120, 40);
    let effects = backend(
        &mut state,
        BackendEvent::Messages {
            thread_id: "19:brand-new@thread.v2".into(),
            messages: vec![message(NOW + 1_000, ALICE, "Alice", "new thread, who dis")],
            older_available: None,
        },
    );
    let new = state
        .threads
        .iter()
        .find(|t| t.id == "19:brand-new@thread.v2")
        .expect("listed at once");
    assert_eq!(new.unread, 1);
    assert!(
        effects.contains(&Effect::Bell),
        "a message in another thread rings"
    );
    assert!(
        screen(&state).contains("new thread"),
        "the hotlist or the list shows it"
    );
}

#[test]
fn a_deleted_thread_is_never_fetched_and_can_be_forgotten() {
    let mut state = connected(120, 40);
    backend(
        &mut state,
        BackendEvent::ThreadDeleted {
            thread_id: PLANS.into(),
        },
    );
    assert!(
        state.views[PLANS].participants.is_empty(),
        "deleting removed everyone"
    );
    // After a restart the deleted thread is listed but was never loaded: opening it asks nothing.
    let mut restarted = connected(120, 40);
    restarted.views.clear();
    restarted.open_thread = None;
    let mut deleted = thread(RANDOM, "Random", NOW - 86_400_000, 0);
    deleted.deleted = true;
    backend(&mut restarted, BackendEvent::Threads(vec![deleted]));
    update(&mut restarted, key(KeyCode::Esc));
    update(&mut restarted, key(KeyCode::BackTab));
    let effects = update(&mut restarted, key(KeyCode::Enter));
    assert!(commands(&effects).is_empty(), "{effects:?}");
    assert!(restarted.error.is_none(), "no 404 error");
    assert!(screen(&restarted).contains("This thread was deleted"));
    update(&mut restarted, key(KeyCode::Esc));
    update(&mut restarted, key(KeyCode::Char(':')));
    type_text(&mut restarted, "forget");
    let effects = update(&mut restarted, key(KeyCode::Enter));
    assert_eq!(
        commands(&effects),
        vec![Command::ForgetThread {
            thread_id: RANDOM.into()
        }]
    );
    assert!(restarted.threads.is_empty());
}

#[test]
fn the_first_thread_of_someone_who_had_none_opens_by_itself() {
    let mut state = AppState::new(acs_interop::config::Keymap::default());
    backend(&mut state, BackendEvent::Threads(Vec::new()));
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
