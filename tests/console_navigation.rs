//! Finding one's way in a thread: the selection the view follows, Home and End, pages, the count of
//! news below, the "new since you left" line, search and `:goto`. Through `update` and a drawn frame.

#[path = "console/fixture.rs"]
mod fixture;

use acs_interop::app::{AppState, Effect, update};
use acs_interop::backend::{BackendEvent, Command};
use acs_interop::config::Theme;
use acs_interop::model::Message;
use crossterm::event::{KeyCode, KeyModifiers};
use fixture::*;

/// Message `i` of a long thread, a minute apart, alternately from Alice and me.
fn numbered(i: i64) -> Message {
    let at = NOW - 10_000_000 + i * 60_000;
    let (who, name) = if i % 2 == 0 {
        (ALICE, "Alice")
    } else {
        (ME, "Me")
    };
    message(at, who, name, &format!("message {i:05}"))
}

fn page(from: i64, to: i64, older: bool) -> BackendEvent {
    BackendEvent::Messages {
        thread_id: PLANS.into(),
        messages: (from..to).map(numbered).collect(),
        older_available: Some(older),
    }
}

/// Plans open at `w`×`h` holding messages 1..=n, nothing older on the server, messages pane focused.
fn long_thread(w: u16, h: u16, n: i64) -> AppState {
    let mut state = connected(w, h);
    backend(&mut state, page(1, n + 1, false));
    update(&mut state, key(KeyCode::Esc));
    state
}

fn screen(state: &AppState) -> String {
    screen_rows(&draw(state, &Theme::default_dark())).join("\n")
}

fn copied(effects: &[Effect]) -> Option<String> {
    effects.iter().find_map(|e| match e {
        Effect::Copy(text) => Some(text.clone()),
        _ => None,
    })
}

#[test]
fn home_in_a_short_thread_shows_the_whole_conversation_not_a_blank_pane() {
    let mut state = connected(80, 24);
    type_text(&mut state, "hi");
    update(&mut state, key(KeyCode::Enter));
    update(&mut state, key(KeyCode::Esc));
    let effects = update(&mut state, key(KeyCode::Home));
    assert_eq!(
        commands(&effects),
        vec![Command::SeekOlder {
            thread_id: PLANS.into()
        }]
    );
    backend(
        &mut state,
        BackendEvent::Messages {
            thread_id: PLANS.into(),
            messages: Vec::new(),
            older_available: Some(false),
        },
    );
    let shown = screen(&state);
    for text in [
        "Shall we meet at ten?",
        "Yes, see you there.",
        "plan from Teams",
    ] {
        assert!(shown.contains(text), "{text} is on screen:\n{shown}");
    }
}

#[test]
fn after_home_j_moves_one_message_and_y_copies_what_is_on_screen() {
    let mut state = long_thread(80, 24, 300);
    update(&mut state, key(KeyCode::Home));
    let shown = screen(&state);
    assert!(shown.contains("message 00001"), "{shown}");
    assert!(!shown.contains("message 00300"), "{shown}");
    update(&mut state, key(KeyCode::Char('j')));
    update(&mut state, key(KeyCode::Char('j')));
    let shown = screen(&state);
    assert!(shown.contains("message 00003"), "{shown}");
    assert!(
        !shown.contains("message 00299"),
        "j stays near the start:\n{shown}"
    );
    let text = copied(&update(&mut state, key(KeyCode::Char('y')))).expect("a copy");
    assert_eq!(text, "message 00003");
}

#[test]
fn k_walks_back_with_the_view_following_the_selection() {
    let mut state = long_thread(80, 24, 300);
    for _ in 0..40 {
        update(&mut state, key(KeyCode::Char('k')));
    }
    let shown = screen(&state);
    assert!(shown.contains("message 00261"), "{shown}");
    let text = copied(&update(&mut state, key(KeyCode::Char('y')))).expect("a copy");
    assert_eq!(text, "message 00261");
}

#[test]
fn page_up_moves_a_page_and_the_selection_stays_on_screen() {
    let mut state = long_thread(80, 24, 300);
    let before = screen(&state);
    update(&mut state, key(KeyCode::PageUp));
    let after = screen(&state);
    assert_ne!(before, after);
    assert!(!after.contains("message 00300"), "{after}");
    let text = copied(&update(&mut state, key(KeyCode::Char('y')))).expect("a copy");
    assert!(after.contains(&text), "{text} is on screen:\n{after}");
    update(&mut state, key(KeyCode::PageDown));
    update(&mut state, key(KeyCode::PageDown));
    assert!(screen(&state).contains("message 00300"));
}

#[test]
fn news_while_scrolled_up_is_counted_below_and_end_follows_again() {
    let mut state = long_thread(80, 24, 300);
    update(&mut state, key(KeyCode::Home));
    backend(
        &mut state,
        BackendEvent::Messages {
            thread_id: PLANS.into(),
            messages: vec![numbered(302)],
            older_available: None,
        },
    );
    let shown = screen(&state);
    assert!(shown.contains("1 new ↓"), "{shown}");
    assert!(
        shown.contains("message 00001"),
        "the view did not move:\n{shown}"
    );
    let mut effects = update(&mut state, key(KeyCode::End));
    // The receipt goes at once, or with the tick after the interval since the last one.
    effects.extend(update(
        &mut state,
        acs_interop::app::Msg::Tick(NOW + 10_000),
    ));
    let shown = screen(&state);
    assert!(
        shown.contains("message 00302") && !shown.contains("new ↓"),
        "{shown}"
    );
    assert!(
        commands(&effects).contains(&Command::MarkRead {
            thread_id: PLANS.into(),
            message_id: numbered(302).id
        }),
        "seeing it marks it read"
    );
}

#[test]
fn home_fetches_pages_until_the_first_message_with_progress_and_esc_stops() {
    let mut state = connected(80, 24);
    backend(&mut state, page(9_801, 10_001, true));
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(
        commands(&update(&mut state, key(KeyCode::Home))),
        vec![Command::SeekOlder {
            thread_id: PLANS.into()
        }]
    );
    let more = backend(&mut state, page(9_601, 9_801, true));
    assert_eq!(
        commands(&more),
        vec![Command::SeekOlder {
            thread_id: PLANS.into()
        }],
        "the next page"
    );
    let shown = screen(&state);
    assert!(
        shown.contains("loading older messages… 200 loaded"),
        "{shown}"
    );
    update(&mut state, key(KeyCode::Esc));
    assert!(
        commands(&backend(&mut state, page(9_401, 9_601, true))).is_empty(),
        "Esc stops after the page on its way"
    );
    assert!(!screen(&state).contains("loaded · Esc stops"));

    update(&mut state, key(KeyCode::Home));
    backend(&mut state, page(1, 9_401, false));
    let shown = screen(&state);
    assert!(shown.contains("message 00001"), "{shown}");
    let text = copied(&update(&mut state, key(KeyCode::Char('y')))).expect("a copy");
    assert_eq!(text, "message 00001");
}

#[test]
fn search_looks_through_older_pages_and_n_walks_the_hits() {
    let mut state = connected(80, 24);
    backend(&mut state, page(9_801, 10_001, true));
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::Char('/')));
    type_text(&mut state, "MESSAGE 0004");
    let effects = update(&mut state, key(KeyCode::Enter));
    assert_eq!(
        commands(&effects),
        vec![Command::SeekOlder {
            thread_id: PLANS.into()
        }],
        "no hit loaded: older pages are searched"
    );
    backend(&mut state, page(1, 9_801, false));
    let shown = screen(&state);
    assert!(shown.contains("message 00049"), "the newest hit:\n{shown}");
    update(&mut state, key(KeyCode::Char('n')));
    update(&mut state, key(KeyCode::Char('n')));
    let text = copied(&update(&mut state, key(KeyCode::Char('y')))).expect("a copy");
    assert_eq!(text, "message 00047");
    update(&mut state, key(KeyCode::Char('N')));
    let text = copied(&update(&mut state, key(KeyCode::Char('y')))).expect("a copy");
    assert_eq!(text, "message 00048");
    // The hit is highlighted: reverse video on the matching text only.
    let buffer = draw(&state, &Theme::default_dark());
    let rows = screen_rows(&buffer);
    let y = rows
        .iter()
        .position(|r| r.contains("message 00048"))
        .expect("the hit shows") as u16;
    let x = rows[usize::from(y)]
        .find("message 00048")
        .expect("the text") as u16;
    let reversed = |x: u16| {
        buffer[(x, y)]
            .style()
            .add_modifier
            .contains(ratatui::style::Modifier::REVERSED)
    };
    assert!(reversed(x) && !reversed(x + 13), "only the match is marked");
}

#[test]
fn goto_a_date_loads_back_to_it() {
    let mut state = connected(80, 24);
    backend(&mut state, page(9_801, 10_001, true));
    update(&mut state, key(KeyCode::Esc));
    // Message 67 is at NOW - 10,000,000 + 4,020,000 ms: 2026-11-28 03:20:20 UTC, the first after 03:20.
    update(&mut state, key(KeyCode::Char(':')));
    type_text(&mut state, "goto 2026-11-28 03:20");
    let effects = update(&mut state, key(KeyCode::Enter));
    assert_eq!(
        commands(&effects),
        vec![Command::SeekOlder {
            thread_id: PLANS.into()
        }]
    );
    backend(&mut state, page(1, 9_801, false));
    let text = copied(&update(&mut state, key(KeyCode::Char('y')))).expect("a copy");
    assert_eq!(text, "message 00067");
}

#[test]
fn the_line_new_since_you_left_sits_above_the_first_unread_message() {
    // Plans was opened with 2 unread: Alice's and Bob's, the newest from others.
    let mut state = connected(80, 24);
    backend(&mut state, page(1, 11, false));
    let shown = screen(&state);
    let rows: Vec<&str> = shown.lines().collect();
    let at = |text: &str| {
        rows.iter()
            .position(|r| r.contains(text))
            .unwrap_or_else(|| panic!("{text} shows:\n{shown}"))
    };
    let marker = at("new since you left");
    assert!(at("message 00010") < marker, "{shown}");
    assert!(marker < at("Shall we meet at ten?"), "{shown}");
}

#[test]
fn ctrl_l_redraws_and_ctrl_u_clears_the_composer_line() {
    let mut state = connected(80, 24);
    type_text(&mut state, "half a thought");
    update(
        &mut state,
        key_with(KeyCode::Char('u'), KeyModifiers::CONTROL),
    );
    assert!(state.composer.is_empty());
    let effects = update(
        &mut state,
        key_with(KeyCode::Char('l'), KeyModifiers::CONTROL),
    );
    assert_eq!(effects, vec![Effect::Redraw]);
}

#[test]
fn esc_and_colon_arriving_together_open_the_command_line_not_the_composer() {
    let mut state = connected(80, 24);
    update(
        &mut state,
        key_with(KeyCode::Char(':'), KeyModifiers::ALT | KeyModifiers::SHIFT),
    );
    type_text(&mut state, "attach x");
    assert!(state.composer.is_empty(), "nothing typed into the message");
    assert!(matches!(
        state.overlay,
        acs_interop::app::state::Overlay::CommandLine(_)
    ));
}

#[test]
fn a_selected_message_stays_on_screen_while_news_arrives() {
    let mut state = long_thread(80, 24, 300);
    update(&mut state, key(KeyCode::Char('k')));
    for i in 301..330 {
        backend(
            &mut state,
            BackendEvent::Messages {
                thread_id: PLANS.into(),
                messages: vec![numbered(i)],
                older_available: None,
            },
        );
    }
    let shown = screen(&state);
    assert!(shown.contains("message 00300"), "{shown}");
    assert!(shown.contains("new ↓"), "{shown}");
    let text = copied(&update(&mut state, key(KeyCode::Char('y')))).expect("a copy");
    assert_eq!(text, "message 00300");
}

#[test]
fn a_page_that_fails_ends_the_loading_so_home_can_try_again() {
    let mut state = connected(80, 24);
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::Home));
    backend(
        &mut state,
        BackendEvent::PageFailed {
            thread_id: PLANS.into(),
        },
    );
    assert!(!screen(&state).contains("Esc stops"));
    assert_eq!(
        commands(&update(&mut state, key(KeyCode::Home))),
        vec![Command::SeekOlder {
            thread_id: PLANS.into()
        }],
        "Home asks again"
    );
}

#[test]
fn home_pressed_before_the_first_page_waits_for_it() {
    let mut state = connected(80, 24);
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::Char(':')));
    type_text(&mut state, "open 19:later@thread.v2");
    update(&mut state, key(KeyCode::Enter));
    update(&mut state, key(KeyCode::Esc));
    assert!(commands(&update(&mut state, key(KeyCode::Home))).is_empty());
    let later = |from, to, older| BackendEvent::Messages {
        thread_id: "19:later@thread.v2".into(),
        messages: (from..to).map(numbered).collect(),
        older_available: Some(older),
    };
    assert!(
        commands(&backend(&mut state, later(50, 100, true))).contains(&Command::SeekOlder {
            thread_id: "19:later@thread.v2".into()
        }),
        "the seek goes on once the thread is loaded"
    );
    backend(&mut state, later(1, 50, false));
    let text = copied(&update(&mut state, key(KeyCode::Char('y')))).expect("a copy");
    assert_eq!(text, "message 00001");
}

#[test]
fn opening_the_open_thread_again_keeps_the_place_in_it() {
    let mut state = long_thread(80, 24, 300);
    update(&mut state, key(KeyCode::Home));
    update(&mut state, key(KeyCode::BackTab));
    update(&mut state, key(KeyCode::Enter));
    assert!(screen(&state).contains("message 00001"));
}

#[test]
fn an_edit_that_removes_the_word_removes_the_hit() {
    let mut state = long_thread(80, 24, 300);
    update(&mut state, key(KeyCode::Char('/')));
    type_text(&mut state, "message 00299");
    update(&mut state, key(KeyCode::Enter));
    let mut edited = numbered(299);
    edited.body = "something else".into();
    edited.version = (edited.order + 1).to_string();
    backend(
        &mut state,
        BackendEvent::Messages {
            thread_id: PLANS.into(),
            messages: vec![edited],
            older_available: None,
        },
    );
    let search = state.views[PLANS].search.clone().expect("a search");
    assert!(search.hits.is_empty(), "{search:?}");
}

#[test]
fn read_receipts_go_out_at_most_every_few_seconds_for_the_newest_message() {
    let mut state = long_thread(80, 24, 10);
    let receipts = |effects: &[Effect]| {
        commands(effects)
            .into_iter()
            .filter(|c| matches!(c, Command::MarkRead { .. }))
            .collect::<Vec<_>>()
    };
    let mut sent = Vec::new();
    // A busy thread: 20 messages from Alice within a second.
    for i in 0..20 {
        update(&mut state, acs_interop::app::Msg::Tick(NOW + i * 50));
        sent.extend(receipts(&backend(
            &mut state,
            BackendEvent::Messages {
                thread_id: PLANS.into(),
                messages: vec![message(NOW + 1_000 + i, ALICE, "Alice", "busy")],
                older_available: None,
            },
        )));
    }
    assert!(sent.len() <= 1, "{sent:?}");
    assert_eq!(
        state
            .threads
            .iter()
            .find(|t| t.id == PLANS)
            .map(|t| t.unread),
        Some(0)
    );
    // After the interval, a tick sends the one for the newest.
    let later = receipts(&update(
        &mut state,
        acs_interop::app::Msg::Tick(NOW + 4_000),
    ));
    assert_eq!(
        later,
        vec![Command::MarkRead {
            thread_id: PLANS.into(),
            message_id: (NOW + 1_019).to_string()
        }]
    );
    assert!(
        receipts(&update(
            &mut state,
            acs_interop::app::Msg::Tick(NOW + 9_000)
        ))
        .is_empty()
    );
}
