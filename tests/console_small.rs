//! Small terminals and stale text: every pane reachable, help that scrolls, errors in full, a clear
//! "too small" line, and nothing left behind by wide characters or finished actions.

#[path = "console/fixture.rs"]
mod fixture;

use acs_interop::app::state::{Focus, Overlay};
use acs_interop::app::{AppState, update};
use acs_interop::backend::BackendEvent;
use acs_interop::config::Theme;
use acs_interop::model::SafeText;
use crossterm::event::KeyCode;
use fixture::*;

fn screen(state: &AppState) -> String {
    screen_rows(&draw(state, &Theme::default_dark())).join("\n")
}

#[test]
fn at_40_by_12_tab_reaches_the_thread_list_and_switches_threads() {
    let mut state = connected(40, 12);
    update(&mut state, key(KeyCode::Esc));
    // Messages, then the participants, then the threads: all folded away at this width.
    update(&mut state, key(KeyCode::Tab));
    update(&mut state, key(KeyCode::Tab));
    assert_eq!(state.focus, Focus::Threads);
    let shown = screen(&state);
    assert!(
        shown.contains("Random") && shown.contains("Threads"),
        "{shown}"
    );
    insta::assert_snapshot!(shown);
    update(&mut state, key(KeyCode::Down));
    update(&mut state, key(KeyCode::Enter));
    assert_eq!(state.open_thread.as_deref(), Some(RANDOM));
    assert_eq!(state.focus, Focus::Composer, "the list folds away again");
}

#[test]
fn at_80_by_24_the_folded_participants_open_with_tab() {
    let mut state = connected(80, 24);
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::Tab));
    assert_eq!(state.focus, Focus::Participants);
    let shown = screen(&state);
    assert!(shown.contains("Alice") && shown.contains("Bob"), "{shown}");
}

#[test]
fn help_scrolls_at_80_by_24_to_its_last_line() {
    let mut state = connected(80, 24);
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::Char('?')));
    assert!(!screen(&state).contains(":quit"), "cut at first");
    update(&mut state, key(KeyCode::Down));
    assert!(matches!(state.overlay, Overlay::Help(1)), "Down scrolls");
    update(&mut state, key(KeyCode::End));
    let shown = screen(&state);
    assert!(
        shown.contains(":quit") && shown.contains(":inspect"),
        "{shown}"
    );
    insta::assert_snapshot!(shown);
    update(&mut state, key(KeyCode::Char('q')));
    assert_eq!(state.overlay, Overlay::None, "another key closes it");
}

#[test]
fn a_refusal_and_its_fix_show_in_full_at_80_columns() {
    let mut state = connected(80, 24);
    let fix = "Set-CsExternalAccessPolicy -Identity Global -EnableAcsFederationAccess $true, then Grant-CsExternalAccessPolicy -PolicyName Global -Identity adele@contoso.example, and wait up to 24 hours for it to apply";
    backend(
        &mut state,
        BackendEvent::Failure {
            what: SafeText::new(
                "Adele Vance cannot be added: her External Access Policy blocks ACS users (EnableAcsFederationAccess is false).",
            ),
            fix: SafeText::new(fix),
        },
    );
    let flat: String = screen(&state)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for word in fix.split(' ') {
        assert!(flat.contains(word), "'{word}' shows:\n{flat}");
    }
    assert!(flat.contains("24 hours for it to apply"), "{flat}");
}

#[test]
fn below_the_minimum_size_one_line_says_so() {
    let state = connected(20, 6);
    let shown = screen(&state);
    assert!(shown.contains("window too small"), "{shown}");
    assert!(shown.contains("32×10"), "{shown}");
}

#[test]
fn flags_and_joined_emoji_leave_nothing_behind_after_a_thread_switch() {
    let mut state = connected(80, 24);
    backend(
        &mut state,
        BackendEvent::Messages {
            thread_id: PLANS.into(),
            messages: vec![message(NOW, ALICE, "Alice", "🇯🇵🇫🇷 trip, 👩‍👩‍👧 family, done")],
            older_available: None,
        },
    );
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("a terminal");
    let theme = Theme::default_dark();
    terminal
        .draw(|f| acs_interop::ui::view(&state, &theme, f))
        .expect("a frame");
    // Terminals and the layout disagree on the width of flags and joined emoji, which is what left
    // cells behind: they are drawn as letters and as emoji side by side instead.
    let first = screen_rows(terminal.backend().buffer()).join("\n");
    assert!(first.contains("[JP][FR] trip"), "{first}");
    assert!(
        first.contains("family") && !first.contains('\u{200d}'),
        "{first}"
    );
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::BackTab));
    update(&mut state, key(KeyCode::Down));
    update(&mut state, key(KeyCode::Enter));
    terminal
        .draw(|f| acs_interop::ui::view(&state, &theme, f))
        .expect("a frame");
    let rows = screen_rows(terminal.backend().buffer());
    let text = rows.join("\n");
    for stale in ["🇯", "🇵", "🇫", "🇷", "👩", "👧", "trip"] {
        assert!(!text.contains(stale), "{stale} left behind:\n{text}");
    }
}

#[test]
fn finished_actions_take_their_text_with_them() {
    let mut state = connected(80, 24);
    // Editing: the hint goes once the edit is saved.
    update(&mut state, key(KeyCode::Up));
    assert!(screen(&state).contains("Editing your message"));
    update(&mut state, key(KeyCode::Enter));
    assert!(!screen(&state).contains("Editing your message"));
    // A refusal goes when the next command is given.
    backend(
        &mut state,
        BackendEvent::Failure {
            what: SafeText::new("Adele cannot be added."),
            fix: SafeText::new("Change her policy."),
        },
    );
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::Char(':')));
    type_text(&mut state, "add alice");
    update(&mut state, key(KeyCode::Enter));
    assert!(!screen(&state).contains("Adele cannot be added"));
}

#[test]
fn edit_with_someone_elses_message_selected_says_whose_it_is() {
    let mut state = connected(80, 24);
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::Char('k')));
    update(&mut state, key(KeyCode::Char(':')));
    type_text(&mut state, "edit");
    update(&mut state, key(KeyCode::Enter));
    let error = state.error.clone().expect("a refusal");
    assert!(error.what.as_str().contains("Bob's"), "{error:?}");
    assert!(state.composer.editing.is_none());
}
