//! A console state with a known clock, people, threads and messages, for update and render tests.
// Shared by several test binaries; each uses only part of it.
#![allow(dead_code)]

use acs_interop::app::{AppState, Effect, Msg, update};
use acs_interop::backend::{BackendEvent, Command};
use acs_interop::config::Keymap;
use acs_interop::model::{
    Connection, Message, MessageKind, Participant, PersonKind, SafeText, ThreadSummary,
};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub const NOW: i64 = 1_795_842_000_000; // Saturday 28 November 2026, 05:00 UTC
pub const ME: &str = "8:acs:res_me";
pub const ALICE: &str = "8:acs:res_alice";
pub const TEAMS_BOB: &str = "8:orgid:bob-object-id";
pub const PLANS: &str = "19:aaaa@thread.v2";
pub const RANDOM: &str = "19:bbbb@thread.v2";

pub fn thread(id: &str, topic: &str, last: i64, unread: usize) -> ThreadSummary {
    ThreadSummary {
        id: id.into(),
        topic: SafeText::new(topic),
        last_activity_ms: Some(last),
        deleted: false,
        unread,
        has_teams_users: false,
    }
}

pub fn message(id: i64, sender: &str, name: &str, body: &str) -> Message {
    Message {
        id: id.to_string(),
        order: id,
        version: id.to_string(),
        kind: MessageKind::Text,
        sender: Some(sender.into()),
        sender_name: SafeText::new(name),
        body: body.into(),
        attachments: Vec::new(),
        created_ms: id,
        edited_ms: None,
        deleted_ms: None,
        client_id: None,
    }
}

pub fn person(raw: &str, name: &str) -> Participant {
    Participant {
        raw_id: raw.into(),
        name: SafeText::new(name),
        kind: PersonKind::of(raw),
    }
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn key_with(code: KeyCode, modifiers: KeyModifiers) -> Msg {
    Msg::Key(KeyEvent::new(code, modifiers))
}

/// Types `text` into whatever has the focus.
pub fn type_text(state: &mut AppState, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| update(state, key(KeyCode::Char(c))))
        .collect()
}

pub fn backend(state: &mut AppState, event: BackendEvent) -> Vec<Effect> {
    update(state, Msg::Backend(event))
}

pub fn commands(effects: &[Effect]) -> Vec<Command> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Command(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

/// Connected as "me", two threads (Plans newest, with 2 unread), Plans open and loaded with a few
/// messages from Alice and me; Alice (ACS) and Bob (Teams) take part.
pub fn connected(width: u16, height: u16) -> AppState {
    let mut state = AppState::new(Keymap::default());
    state.client_id_prefix = "test".into();
    update(&mut state, Msg::Resize(width, height));
    update(&mut state, Msg::Tick(NOW));
    backend(
        &mut state,
        BackendEvent::Connected(Connection {
            endpoint_label: "emulator".into(),
            me: ME.into(),
            my_name: SafeText::new("Me"),
        }),
    );
    backend(
        &mut state,
        BackendEvent::Threads(vec![
            thread(RANDOM, "Random", NOW - 86_400_000, 0),
            thread(PLANS, "Plans", NOW - 60_000, 2),
        ]),
    );
    backend(
        &mut state,
        BackendEvent::Participants {
            thread_id: PLANS.into(),
            participants: vec![
                person(ME, "Me"),
                person(ALICE, "Alice"),
                person(TEAMS_BOB, "Bob"),
            ],
        },
    );
    backend(
        &mut state,
        BackendEvent::Messages {
            thread_id: PLANS.into(),
            messages: vec![
                message(NOW - 300_000, ALICE, "Alice", "Shall we meet at ten?"),
                message(NOW - 240_000, ME, "Me", "Yes, see you there."),
                Message {
                    kind: MessageKind::Html,
                    ..message(
                        NOW - 120_000,
                        TEAMS_BOB,
                        "Bob",
                        "<b>Bold</b> plan from Teams",
                    )
                },
            ],
            older_available: Some(true),
        },
    );
    state
}

/// Draws `state` on a test terminal of its size.
pub fn draw(state: &AppState, theme: &acs_interop::config::Theme) -> ratatui::buffer::Buffer {
    let (w, h) = state.size;
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).expect("a test terminal");
    terminal
        .draw(|frame| acs_interop::ui::view(state, theme, frame))
        .expect("a frame draws");
    terminal.backend().buffer().clone()
}

/// The screen's rows as text, trailing spaces trimmed.
pub fn screen_rows(buffer: &ratatui::buffer::Buffer) -> Vec<String> {
    let area = buffer.area;
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect()
}
