//! The call on screen: the call commands, the call bar, and the recording and transcription notice —
//! what `update` makes of the backend's call news, and what is drawn (snapshots reviewed; cell styles
//! checked where they carry the meaning).

#[path = "console/fixture.rs"]
mod fixture;

use acs_interop::app::compliance::Variant;
use acs_interop::app::{AppState, Effect, Msg, update};
use acs_interop::backend::{BackendEvent, Command};
use acs_interop::config::Theme;
use acs_interop::model::call::{CallConnectionId, CallEnd, CallMember, CallNews, RecordingOrigin};
use acs_interop::model::{MessageKind, PersonKind, SafeText};
use crossterm::event::KeyCode;
use fixture::*;
use ratatui::style::Modifier;

fn bob() -> CallMember {
    CallMember {
        raw_id: TEAMS_BOB.into(),
        name: SafeText::new("Bob"),
        kind: PersonKind::Teams,
        muted: false,
        on_hold: false,
    }
}

fn news(state: &mut AppState, news: CallNews) -> Vec<Effect> {
    backend(state, BackendEvent::Call(news))
}

fn command_line(state: &mut AppState, line: &str) -> Vec<Effect> {
    update(state, key(KeyCode::Esc));
    update(state, key(KeyCode::Char(':')));
    type_text(state, line);
    update(state, key(KeyCode::Enter))
}

/// A connected call with Bob (Teams), placed from Plans.
fn in_call(width: u16, height: u16) -> AppState {
    let mut state = connected(width, height);
    news(
        &mut state,
        CallNews::Placing {
            target: bob(),
            thread_id: Some(PLANS.into()),
        },
    );
    news(
        &mut state,
        CallNews::Ringing {
            call_id: CallConnectionId::new("cc-1"),
        },
    );
    news(&mut state, CallNews::Connected { at_ms: NOW });
    news(
        &mut state,
        CallNews::Roster {
            sequence: Some(1),
            members: vec![
                CallMember {
                    raw_id: ME.into(),
                    name: SafeText::new("Me"),
                    kind: PersonKind::Acs,
                    muted: false,
                    on_hold: false,
                },
                bob(),
            ],
        },
    );
    update(&mut state, Msg::Tick(NOW + 83_000));
    state
}

fn recording(state: &mut AppState, active: bool) -> Vec<Effect> {
    news(
        state,
        CallNews::Recording {
            active,
            origin: RecordingOrigin::Teams,
            at_ms: NOW + 60_000,
        },
    )
}

#[test]
fn rosters_follow_their_sequence_numbers_from_zero_and_without_one() {
    let mut state = connected(120, 40);
    news(
        &mut state,
        CallNews::Placing {
            target: bob(),
            thread_id: None,
        },
    );
    let roster = |sequence, held: bool| CallNews::Roster {
        sequence,
        members: vec![CallMember {
            on_hold: held,
            ..bob()
        }],
    };
    let held = |state: &AppState| state.call.as_ref().unwrap().roster[0].on_hold;
    news(&mut state, roster(Some(0), false));
    assert_eq!(
        state.call.as_ref().unwrap().roster.len(),
        1,
        "a roster numbered 0 shows"
    );
    news(&mut state, roster(Some(2), true));
    assert!(held(&state));
    news(&mut state, roster(Some(1), false));
    assert!(held(&state), "an older roster arriving late is ignored");
    news(&mut state, roster(None, false));
    assert!(
        !held(&state),
        "a roster without a number is taken as the newest"
    );
}

#[test]
fn call_defaults_to_the_threads_only_teams_user() {
    let mut state = connected(120, 40);
    let effects = command_line(&mut state, "call");
    assert_eq!(
        commands(&effects),
        vec![Command::PlaceCall {
            thread_id: Some(PLANS.into()),
            target: TEAMS_BOB.into()
        }]
    );
}

#[test]
fn call_commands_need_a_call_and_a_call_needs_no_other_call() {
    let mut state = connected(120, 40);
    assert!(commands(&command_line(&mut state, "hangup")).is_empty());
    assert!(
        state
            .error
            .as_ref()
            .is_some_and(|e| e.what.as_str().contains("no call"))
    );
    let mut state = in_call(120, 40);
    assert!(commands(&command_line(&mut state, "call Alice")).is_empty());
    assert!(
        state
            .error
            .as_ref()
            .is_some_and(|e| e.what.as_str().contains("already in progress"))
    );
    assert_eq!(
        commands(&command_line(&mut state, "hangup")),
        vec![Command::HangUp]
    );
    assert_eq!(
        commands(&command_line(&mut state, "mute Bob")),
        vec![Command::MuteInCall {
            participant: TEAMS_BOB.into()
        }]
    );
    assert_eq!(
        commands(&command_line(&mut state, "record")),
        vec![Command::RecordCall]
    );
}

#[test]
fn the_call_bar_says_who_and_how_long() {
    let state = in_call(120, 40);
    let screen = screen_rows(&draw(&state, &Theme::default_dark()));
    assert!(
        screen[0].contains("☎ Bob (Teams) — connected 01:23 · in call: you, Bob"),
        "{}",
        screen[0]
    );
}

#[test]
fn recording_rings_the_bell_once_shows_the_notice_and_says_who_in_the_thread() {
    let mut state = in_call(120, 40);
    let effects = recording(&mut state, true);
    assert_eq!(
        effects.iter().filter(|e| **e == Effect::Bell).count(),
        1,
        "{effects:?}"
    );
    assert_eq!(state.compliance.shown(), Some(Variant::RecordingStarted));
    assert!(
        !recording(&mut state, true).contains(&Effect::Bell),
        "a repeat is no news"
    );
    let line = state.views[PLANS]
        .messages
        .values()
        .find_map(|m| match &m.kind {
            MessageKind::CallNotice { text } => Some(text.to_string()),
            _ => None,
        })
        .expect("a line in the thread");
    assert_eq!(line, "● Bob (Teams) started recording the call");
    let screen = screen_rows(&draw(&state, &Theme::default_dark()));
    assert!(
        screen[0].starts_with(" ● Recording has started. By joining, you are giving consent"),
        "{}",
        screen[0]
    );
    assert!(
        screen
            .iter()
            .any(|r| r.contains("started recording the call"))
    );
}

#[test]
fn the_bell_can_be_turned_off() {
    let mut state = in_call(120, 40);
    state.bell_on_recording = false;
    assert!(!recording(&mut state, true).contains(&Effect::Bell));
}

#[test]
fn the_notice_cannot_be_dismissed_while_recording_and_stays_after_until_dismissed() {
    let mut state = in_call(120, 40);
    recording(&mut state, true);
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::Char('x')));
    assert_eq!(state.compliance.shown(), Some(Variant::RecordingStarted));
    news(
        &mut state,
        CallNews::Transcription {
            active: true,
            by_this_app: false,
            at_ms: NOW + 61_000,
        },
    );
    assert_eq!(
        state.compliance.shown(),
        Some(Variant::RecordingAndTranscriptionStarted)
    );
    news(
        &mut state,
        CallNews::Ended {
            end: CallEnd::RemoteHungUp,
            at_ms: NOW + 90_000,
        },
    );
    assert_eq!(
        state.compliance.shown(),
        Some(Variant::RecordingAndTranscriptionStopped)
    );
    for t in 0..100 {
        update(&mut state, Msg::Tick(NOW + 90_000 + t * 1_000));
    }
    assert_eq!(
        state.compliance.shown(),
        Some(Variant::RecordingAndTranscriptionStopped),
        "a stopped notice stays until dismissed"
    );
    assert!(state.call.is_none(), "the ended call left the call bar");
    update(&mut state, key(KeyCode::Char('x')));
    assert_eq!(state.compliance.shown(), None);
}

#[test]
fn an_ended_call_says_why() {
    let mut state = in_call(120, 40);
    news(
        &mut state,
        CallNews::Ended {
            end: CallEnd::NotAllowed {
                rule: SafeText::new("Permission check failed"),
            },
            at_ms: NOW + 84_000,
        },
    );
    let screen = screen_rows(&draw(&state, &Theme::default_dark()));
    assert!(
        screen[0].contains("ended: not allowed: Permission check failed"),
        "{}",
        screen[0]
    );
}

#[test]
fn the_notice_shows_at_every_size_down_to_20_by_6_even_over_help() {
    let mut state = in_call(120, 40);
    recording(&mut state, true);
    for (w, h) in [(20, 6), (40, 12), (80, 24), (120, 40), (200, 60), (10, 3)] {
        let mut sized = state.clone();
        update(&mut sized, Msg::Resize(w, h));
        let screen = screen_rows(&draw(&sized, &Theme::default_dark()));
        assert!(screen[0].starts_with(" ● Rec"), "{w}x{h}: {screen:?}");
    }
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::Char('?')));
    update(&mut state, Msg::Resize(80, 24));
    let screen = screen_rows(&draw(&state, &Theme::default_dark()));
    assert!(screen[0].contains("Recording has started"), "{screen:?}");
}

#[test]
fn the_notice_stands_out_in_every_theme_and_without_colour() {
    let mut state = in_call(80, 24);
    recording(&mut state, true);
    for name in ["dark", "light", "high-contrast"] {
        let theme = Theme::built_in(name).unwrap();
        let buffer = draw(&state, &theme);
        let title = &buffer[(3, 0)];
        assert_eq!(title.bg, theme.banner.bg.unwrap(), "{name}");
        assert!(title.modifier.contains(Modifier::BOLD), "{name}");
    }
    let mono = Theme::default_dark().monochrome();
    let buffer = draw(&state, &mono);
    let title = &buffer[(3, 0)];
    assert!(
        title.modifier.contains(Modifier::BOLD | Modifier::REVERSED),
        "{:?}",
        title.modifier
    );
}

#[test]
fn a_call_with_recording_at_80_by_24() {
    let mut state = in_call(80, 24);
    recording(&mut state, true);
    insta::assert_snapshot!(screen_rows(&draw(&state, &Theme::default_dark())).join("\n"));
}

#[test]
fn a_call_with_recording_at_20_by_6() {
    let mut state = in_call(20, 6);
    recording(&mut state, true);
    insta::assert_snapshot!(screen_rows(&draw(&state, &Theme::default_dark())).join("\n"));
}
