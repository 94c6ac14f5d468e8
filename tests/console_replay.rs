//! Session records: a session with the real backend against the in-process emulator is recorded, then
//! played into a fresh console, which must draw what the live one drew; records hold no keys or
//! tokens; and the binary refuses files that are not whole records before it takes the terminal.

#[path = "console/fixture.rs"]
mod fixture;
mod support;

use std::collections::VecDeque;
use std::path::Path;
use std::time::Duration;

use acs_interop::app::{AppState, Effect, Msg, update};
use acs_interop::backend::calls::CallbackSetup;
use acs_interop::backend::{BackendConfig, BackendEvent, ChangeFeed, Command};
use acs_interop::config::{Keymap, Theme};
use acs_interop::model::{Connection, RealtimeState, SafeText};
use acs_interop::replay::{Recorder, Redactor, TerminalSize, read_record, tee};
use base64::Engine;
use crossterm::event::KeyCode;
use fixture::{draw, key, screen_rows, type_text};
use support::TestEmulator;
use support::backend::target;
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(15);

/// A console as the event loop runs it, without a terminal: backend events go through `update`, and
/// the commands it gives go to the backend.
struct Console {
    state: AppState,
    events: mpsc::Receiver<BackendEvent>,
    commands: mpsc::Sender<Command>,
    /// How many events `state` has seen, so the replay can stop at the same place.
    applied: usize,
    /// What the user did that a replay's user does too (opening a thread), and after how many events.
    navigation: Vec<(usize, Msg)>,
}

fn fresh_state(now_ms: i64) -> AppState {
    let mut state = AppState::new(Keymap::default());
    state.client_id_prefix = "test".into();
    update(&mut state, Msg::Resize(120, 40));
    update(&mut state, Msg::Tick(now_ms));
    state
}

impl Console {
    async fn forward(&self, effects: Vec<Effect>) {
        for effect in effects {
            if let Effect::Command(command) = effect {
                self.commands.send(command).await.expect("the backend runs");
            }
        }
    }

    /// Applies backend events until `done` holds.
    async fn until(&mut self, what: &str, done: impl Fn(&AppState) -> bool) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !done(&self.state) {
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            let event = tokio::time::timeout(remaining, self.events.recv())
                .await
                .unwrap_or_else(|_| {
                    let bodies: Vec<Vec<&str>> = self
                        .state
                        .views
                        .values()
                        .map(|v| v.messages.values().map(|m| m.body.as_str()).collect())
                        .collect();
                    panic!(
                        "no {what} within {WAIT:?}; open {:?} of {:?}; messages {bodies:?}",
                        self.state.open_thread, self.state.threads
                    )
                })
                .unwrap_or_else(|| panic!("the backend stopped before {what}"));
            self.applied += 1;
            let effects = update(&mut self.state, Msg::Backend(event));
            self.forward(effects).await;
        }
    }

    /// Opens the thread with `:open`, as a user who watches the replay would too.
    async fn open(&mut self, thread_id: &str) {
        let mut keys = vec![key(KeyCode::Esc), key(KeyCode::Char(':'))];
        keys.extend(
            format!("open {thread_id}")
                .chars()
                .map(|c| key(KeyCode::Char(c))),
        );
        keys.push(key(KeyCode::Enter));
        for msg in keys {
            self.navigation.push((self.applied, msg.clone()));
            let effects = update(&mut self.state, msg);
            self.forward(effects).await;
        }
    }

    async fn type_and_send(&mut self, text: &str) {
        let mut effects = type_text(&mut self.state, text);
        effects.extend(update(&mut self.state, key(KeyCode::Enter)));
        self.forward(effects).await;
    }
}

/// Starts the backend against `e`, recording to `path` through the same tee the console uses; also
/// returns a sender into the recorded stream, as if the backend had said more.
fn recorded_console(
    e: &TestEmulator,
    state_dir: &Path,
    path: &Path,
    now_ms: i64,
) -> (Console, mpsc::Sender<BackendEvent>) {
    let recorder = Recorder::create(
        path,
        TerminalSize {
            width: 120,
            height: 40,
        },
        Redactor::new().with_connection(e.emulator.connection_string()),
    )
    .expect("the record can be written");
    let (commands, command_rx) = mpsc::channel(64);
    let (backend_tx, backend_rx) = mpsc::channel(1024);
    let (console_tx, events) = mpsc::channel(1024);
    acs_interop::backend::spawn(
        BackendConfig {
            target: target(e, state_dir, false),
            feed: ChangeFeed::Socket,
            outbox_path: None,
            callbacks: CallbackSetup::Local {
                listen: ([127, 0, 0, 1], 0).into(),
            },
            mode: Default::default(),
        },
        command_rx,
        backend_tx.clone(),
    );
    tee(recorder, backend_rx, console_tx);
    let console = Console {
        state: fresh_state(now_ms),
        events,
        commands,
        applied: 0,
        navigation: Vec::new(),
    };
    (console, backend_tx)
}

fn holds(state: &AppState, body: &str) -> bool {
    state
        .open_view()
        .is_some_and(|v| v.messages.values().any(|m| m.body == body) && v.pending.is_empty())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_record_draws_what_the_live_console_drew() {
    let e = TestEmulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.jsonl");
    let now = acs_interop::acs::time::now_ms();
    let (mut live, _) = recorded_console(&e, dir.path(), &path, now);

    live.until("the live socket", |s| {
        s.connection.is_some() && s.realtime == RealtimeState::Live
    })
    .await;
    let me = live.state.me().unwrap().to_string();
    let alice = e.create_user().await;
    let thread = e.create_thread(&alice.1, "Plans", &[&me]).await;
    e.send_message(&alice.1, &thread, "Shall we meet at ten?")
        .await;
    live.open(&thread).await;
    live.until("Alice's message in the open thread", |s| {
        holds(s, "Shall we meet at ten?")
    })
    .await;
    live.type_and_send("Yes, see you there.").await;
    live.until("my message, sent", |s| holds(s, "Yes, see you there."))
        .await;
    e.send_message(&alice.1, &thread, "Great \u{1b}[31m news")
        .await;
    live.until("Alice's answer", |s| holds(s, "Great \u{1b}[31m news"))
        .await;
    live.commands.send(Command::Shutdown).await.unwrap();

    let record = read_record(&path).expect("the record reads back");
    assert_eq!(record.header.format, "acs-interop-record");
    assert_eq!(record.header.version, 1);
    assert_eq!(
        record.header.terminal,
        TerminalSize {
            width: 120,
            height: 40
        }
    );
    assert!(
        record.entries.len() >= live.applied,
        "the record holds every event the console saw ({} < {})",
        record.entries.len(),
        live.applied
    );
    assert!(
        record.entries.windows(2).all(|w| w[0].t_ms <= w[1].t_ms),
        "times never go back"
    );

    // The replay: the same events, the same navigation at the same points, and the answers the
    // player gives to what the console asks.
    let mut replayed = fresh_state(now);
    let mut navigation = live.navigation.iter().peekable();
    for (i, entry) in record.entries.into_iter().take(live.applied).enumerate() {
        let mut queue = VecDeque::new();
        while let Some((_, msg)) = navigation.next_if(|(at, _)| *at == i) {
            queue.push_back(msg.clone());
        }
        queue.push_back(Msg::Backend(entry.event));
        while let Some(msg) = queue.pop_front() {
            for effect in update(&mut replayed, msg) {
                if let Effect::Command(command) = effect {
                    let answers = acs_interop::replay::player::answer(&command);
                    queue.extend(answers.into_iter().map(Msg::Backend));
                }
            }
        }
    }
    for (_, msg) in navigation {
        update(&mut replayed, msg.clone());
    }
    let later = now + 1_000;
    update(&mut live.state, Msg::Tick(later));
    update(&mut replayed, Msg::Tick(later));
    let theme = Theme::default_dark();
    let live_frame = draw(&live.state, &theme);
    let replayed_frame = draw(&replayed, &theme);
    let rows = screen_rows(&live_frame).join("\n");
    assert!(
        rows.contains("Yes, see you there.") && rows.contains("Plans"),
        "{rows}"
    );
    assert!(
        !rows.contains('\u{1b}'),
        "the escape in Alice's answer is shown, not obeyed: {rows}"
    );
    assert_eq!(
        screen_rows(&replayed_frame),
        screen_rows(&live_frame),
        "the replay draws the same text"
    );
    assert_eq!(replayed_frame, live_frame, "and the same styles");
}

/// A random URL-safe base64 text of `n` bytes.
fn random_b64(n: usize) -> String {
    let bytes: Vec<u8> = (0..n.div_ceil(16))
        .flat_map(|_| acs_interop::ids::random_bytes::<16>())
        .take(n)
        .collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `text` holds something shaped like a JWT: `eyJ…` then two dot-separated parts.
fn holds_a_jwt(text: &str) -> bool {
    text.match_indices("eyJ").any(|(i, _)| {
        let rest = &text[i..];
        let token: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        token.matches('.').count() >= 2 && token.len() > 30
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_holds_no_key_or_token() {
    let e = TestEmulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.jsonl");
    let now = acs_interop::acs::time::now_ms();
    let (mut live, inject) = recorded_console(&e, dir.path(), &path, now);
    live.until("the live socket", |s| {
        s.connection.is_some() && s.realtime == RealtimeState::Live
    })
    .await;
    let me = live.state.me().unwrap().to_string();

    // A fresh key and token, in the places where news can carry them.
    let key = random_b64(48);
    let token = format!(
        "eyJ{}.eyJ{}.{}",
        random_b64(24),
        random_b64(60),
        random_b64(32)
    );
    let alice = e.create_user().await;
    let thread = e.create_thread(&alice.1, "Secrets", &[&me]).await;
    let body = format!(
        "my token is {token}; the file is at https://files.example.com/share/report.pdf?sv=2024&sig={key}"
    );
    e.send_message(&alice.1, &thread, &body).await;
    live.open(&thread).await;
    live.until("the message with secrets", |s| {
        s.open_view().is_some_and(|v| {
            v.messages
                .values()
                .any(|m| m.body.starts_with("my token is"))
        })
    })
    .await;
    // What the backend would say if a connection string or a token ever reached its words.
    let connection = e.emulator.connection_string().expose();
    for event in [
        BackendEvent::Failure {
            what: SafeText::new(&format!("cannot connect with {connection}")),
            fix: SafeText::new(&format!("Authorization: Bearer {token}")),
        },
        BackendEvent::Connected(Connection {
            endpoint_label: format!("https://me:{key}@example.com/?access_token={key}"),
            me: me.clone(),
            my_name: SafeText::new("Me"),
        }),
        BackendEvent::Notice(SafeText::new(&format!("accesskey={key}"))),
    ] {
        inject.send(event).await.unwrap();
    }
    live.until("the injected notice", |s| {
        s.notice
            .as_ref()
            .is_some_and(|n| n.as_str().starts_with("accesskey="))
    })
    .await;
    live.commands.send(Command::Shutdown).await.unwrap();

    let text = std::fs::read_to_string(&path).unwrap();
    let access_key = base64::engine::general_purpose::STANDARD.encode(e.access_key());
    assert!(
        text.contains("my token is REDACTED"),
        "the message is recorded: {text}"
    );
    assert!(
        text.contains("https://files.example.com/share/report.pdf?sv=REDACTED&sig=REDACTED"),
        "the link is kept without its signature: {text}"
    );
    assert!(!text.contains(&key), "the key is in the record");
    assert!(!text.contains(&token), "the token is in the record");
    assert!(
        !text.contains(&access_key),
        "the access key is in the record"
    );
    assert!(!holds_a_jwt(&text), "a token is in the record: {text}");
    assert!(
        read_record(&path).is_ok(),
        "a redacted record still reads back"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "only its owner reads a record: {mode:o}");
    }
}

#[test]
fn the_status_bar_says_it_is_a_replay() {
    let mut state = fixture::connected(120, 40);
    let theme = Theme::default_dark();
    assert!(
        !screen_rows(&draw(&state, &theme))
            .join("\n")
            .contains("replay")
    );
    state.replay = Some(acs_interop::replay::Speed::Times(2.0).label());
    let rows = screen_rows(&draw(&state, &theme));
    let status = rows.last().unwrap();
    assert!(status.starts_with(" ▶ replay ×2 "), "{status}");
}

fn replay_binary(file: &Path) -> (Option<i32>, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_acs-interop"))
        .arg("replay")
        .arg(file)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("the binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

const HEADER: &str = r#"{"format":"acs-interop-record","version":1,"app_version":"0.1.0","terminal":{"width":80,"height":24},"started":"2026-11-28T05:00:00.000Z"}"#;

#[test]
fn a_file_that_is_not_a_whole_record_exits_2_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = r#"{"t_ms":0,"event":{"type":"recovered"}}"#;
    let cases = [
        ("empty.jsonl", String::new(), "line 1: the file is empty"),
        (
            "foreign.jsonl",
            "{\"name\": \"something else\"}\n".to_string(),
            "line 1: not an acs-interop record",
        ),
        (
            "truncated.jsonl",
            format!("{HEADER}\n{good}\n{{\"t_ms\":40,\"event\":{{\"type\":\"noti"),
            "line 3: the line stops in the middle: the file was cut short",
        ),
        (
            "broken.jsonl",
            format!(
                "{HEADER}\n{good}\n{{\"t_ms\":50,\"event\":{{\"type\":\"sent_twice\"}}}}\n{good}\n"
            ),
            "line 3: event.type: unknown variant `sent_twice`",
        ),
        (
            "newer.jsonl",
            format!("{}\n", HEADER.replace("\"version\":1", "\"version\":7")),
            "line 1: record format version 7",
        ),
    ];
    for (name, content, expected) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, content).unwrap();
        let (code, stderr) = replay_binary(&file);
        assert_eq!(code, Some(2), "{name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert!(
            !stderr.contains('\u{1b}'),
            "{name}: nothing reached the terminal"
        );
    }
    let (code, stderr) = replay_binary(&dir.path().join("missing.jsonl"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("cannot read"), "{stderr}");
}

#[test]
fn an_unwritable_record_path_is_refused_before_the_terminal_is_taken() {
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_acs-interop"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("--record")
        .arg(dir.path().join("no such folder").join("session.jsonl"))
        .env_remove("ACS_CONNECTION_STRING")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot write the record") && stderr.contains("session.jsonl"),
        "{stderr}"
    );
    assert!(
        output.stdout.is_empty(),
        "the terminal was not taken over: {:?}",
        String::from_utf8_lossy(&output.stdout)
    );
}
