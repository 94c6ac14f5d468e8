//! What the console draws: snapshots at 80×24 and 120×40 (reviewed), and the cell styles that carry
//! meaning (selection, unread, failed).

#[path = "console/fixture.rs"]
mod fixture;

use acs_interop::app::{AppState, Msg, update};
use acs_interop::backend::BackendEvent;
use acs_interop::config::Theme;
use acs_interop::model::{SafeText, SendState};
use crossterm::event::KeyCode;
use fixture::*;
use ratatui::buffer::Buffer;
use ratatui::style::Modifier;

fn text_of(buffer: &Buffer) -> String {
    screen_rows(buffer).join("\n")
}

/// The first cell where `needle` starts.
fn find(buffer: &Buffer, needle: &str) -> Option<(u16, u16)> {
    find_from(buffer, needle, 0)
}

/// The first cell where `needle` starts, at or below row `from` (row 0 holds the pane titles).
fn find_from(buffer: &Buffer, needle: &str, from: u16) -> Option<(u16, u16)> {
    let area = buffer.area;
    for y in from..area.height {
        let row: Vec<String> = (0..area.width)
            .map(|x| buffer[(x, y)].symbol().to_string())
            .collect();
        let line = row.concat();
        if let Some(byte) = line.find(needle) {
            let col = line[..byte].chars().count() as u16;
            return Some((col, y));
        }
    }
    None
}

fn with_typing_and_failed_send(width: u16, height: u16) -> AppState {
    let mut state = connected(width, height);
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
        BackendEvent::Send {
            thread_id: PLANS.into(),
            client_id: "test-9".into(),
            content: "this one did not go through".into(),
            state: SendState::Failed {
                reason: SafeText::new("403 Forbidden"),
            },
        },
    );
    state
}

#[test]
fn console_at_120_by_40() {
    let state = with_typing_and_failed_send(120, 40);
    insta::assert_snapshot!(text_of(&draw(&state, &Theme::default_dark())));
}

#[test]
fn console_at_80_by_24_folds_the_participants() {
    let state = with_typing_and_failed_send(80, 24);
    let buffer = draw(&state, &Theme::default_dark());
    assert!(find(&buffer, "Participants").is_none());
    assert!(find(&buffer, "Alice is typing…").is_some());
    insta::assert_snapshot!(text_of(&buffer));
}

#[test]
fn help_overlay_lists_keys_and_commands() {
    let mut state = connected(100, 40);
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::Char('?')));
    insta::assert_snapshot!(text_of(&draw(&state, &Theme::default_dark())));
}

#[test]
fn the_selected_thread_has_the_selection_style() {
    let mut state = connected(120, 40);
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::BackTab));
    let theme = Theme::default_dark();
    let buffer = draw(&state, &theme);
    let selection = theme
        .selection
        .bg
        .expect("the theme sets a selection background");
    let (x, y) = find_from(&buffer, "Plans", 1).expect("the thread is listed");
    assert_eq!(buffer[(x, y)].bg, selection);
    let (x, y) = find_from(&buffer, "Random", 1).expect("the other thread is listed");
    assert_ne!(buffer[(x, y)].bg, selection);
}

#[test]
fn threads_with_unread_messages_stand_out() {
    let mut state = connected(120, 40);
    backend(
        &mut state,
        BackendEvent::Messages {
            thread_id: RANDOM.into(),
            messages: vec![message(NOW + 1, ALICE, "Alice", "psst")],
            older_available: None,
        },
    );
    let theme = Theme::default_dark();
    let buffer = draw(&state, &theme);
    let (x, y) = find_from(&buffer, "Random", 1).expect("listed");
    assert_eq!(buffer[(x, y)].fg, theme.unread.fg.unwrap());
    assert!(buffer[(x, y)].modifier.contains(Modifier::BOLD));
    let (x, y) = find_from(&buffer, "Plans", 1).expect("listed");
    assert!(
        !buffer[(x, y)].modifier.contains(Modifier::BOLD),
        "read threads are not bold"
    );
}

#[test]
fn a_failed_send_is_drawn_in_the_failure_style_and_says_how_to_retry() {
    let state = with_typing_and_failed_send(120, 40);
    let theme = Theme::default_dark();
    let buffer = draw(&state, &theme);
    let (x, y) = find(&buffer, "failed: 403 Forbidden (:retry)").expect("the failure is shown");
    assert_eq!(buffer[(x, y)].fg, theme.failed.fg.unwrap());
}

#[test]
fn a_throttled_send_counts_down_to_its_next_try() {
    let mut state = connected(120, 40);
    let throttled = |retry_in_ms| BackendEvent::Send {
        thread_id: PLANS.into(),
        client_id: "test-7".into(),
        content: "one too many".into(),
        state: SendState::Throttled { retry_in_ms },
    };
    backend(&mut state, throttled(8_000));
    let theme = Theme::default_dark();
    let screen = text_of(&draw(&state, &theme));
    assert!(screen.contains("throttled, retrying in 8 s"), "{screen}");
    assert!(screen.contains(" 1 sending "), "the status bar counts it");
    update(&mut state, Msg::Tick(NOW + 2_500));
    let screen = text_of(&draw(&state, &theme));
    assert!(screen.contains("throttled, retrying in 6 s"), "{screen}");
    update(&mut state, Msg::Tick(NOW + 9_000));
    let screen = text_of(&draw(&state, &theme));
    assert!(screen.contains("throttled, retrying now"), "{screen}");
    backend(
        &mut state,
        BackendEvent::Send {
            thread_id: PLANS.into(),
            client_id: "test-7".into(),
            content: "one too many".into(),
            state: SendState::Sending,
        },
    );
    let screen = text_of(&draw(&state, &theme));
    assert!(
        screen.contains("sending…") && !screen.contains("throttled"),
        "{screen}"
    );
}

#[test]
fn no_colour_keeps_the_selection_visible_in_reverse_video() {
    let mut state = connected(120, 40);
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::BackTab));
    let theme = Theme::default_dark().monochrome();
    let buffer = draw(&state, &theme);
    let (x, y) = find_from(&buffer, "Plans", 1).unwrap();
    assert!(buffer[(x, y)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn escape_sequences_from_the_network_never_reach_the_screen_raw() {
    let mut state = connected(120, 40);
    backend(
        &mut state,
        BackendEvent::Messages {
            thread_id: PLANS.into(),
            messages: vec![message(
                NOW + 1,
                ALICE,
                "Al\u{1b}[2Jice",
                "red \u{1b}[31malert\u{7} \u{202e}gnp.exe",
            )],
            older_available: None,
        },
    );
    let buffer = draw(&state, &Theme::default_dark());
    let text = text_of(&buffer);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\u{202e}'),
        "{text}"
    );
    assert!(text.contains("␛[31malert␇"), "{text}");
}

#[test]
fn any_size_draws_without_panicking() {
    let state = with_typing_and_failed_send(120, 40);
    for (w, h) in [
        (1, 1),
        (10, 3),
        (20, 8),
        (59, 15),
        (60, 15),
        (99, 30),
        (100, 30),
        (200, 60),
    ] {
        let mut sized = state.clone();
        update(&mut sized, Msg::Resize(w, h));
        draw(&sized, &Theme::default_dark());
    }
}
