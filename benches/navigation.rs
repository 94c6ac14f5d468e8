//! Finding one's way in a long thread, as the user sees it: a real emulator over loopback HTTP holds
//! a 100,000-message thread; the console's backend pages it through the socket and the JSON, the
//! console converts, merges and draws a 200×60 frame after each batch of events.
//! - `home_to_first_of_100k`: Home from the newest message until the first one is selected, shown
//!   and nothing more is loading;
//! - `search_100k`: `/` and a word only the first message holds, until that message is selected.
//!
//! Left out: the terminal's own time to paint (frames go to ratatui's test backend), and the thread's
//! first page (the thread is open and loaded when the clock starts; each sample reopens it).

mod support;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

use acs_interop::app::{AppState, Effect, Msg, update};
use acs_interop::backend::session::Target;
use acs_interop::backend::{BackendConfig, BackendEvent, ChangeFeed, Command};
use acs_interop::config::{Keymap, Theme};
use acs_interop::emulator::{Emulator, EmulatorConfig, Storage};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use support::{identity, post};

const MESSAGES: usize = 100_000;
const SENDERS: usize = 16;
const SIZE: (u16, u16) = (200, 60);
const FIRST_WORD: &str = "origin-needle";

/// The console half: its state, a test terminal, and the channels to its backend.
struct Console {
    state: AppState,
    terminal: Terminal<TestBackend>,
    theme: Theme,
    commands: mpsc::Sender<Command>,
    events: mpsc::Receiver<BackendEvent>,
}

impl Console {
    async fn apply(&mut self, msg: Msg) {
        for effect in update(&mut self.state, msg) {
            if let Effect::Command(command) = effect {
                self.commands.send(command).await.expect("the backend runs");
            }
        }
    }

    async fn press(&mut self, code: KeyCode) {
        self.apply(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
            .await;
    }

    async fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c)).await;
        }
    }

    /// Applies backend events, a frame per batch as the event loop does, until `done`.
    async fn until(&mut self, done: impl Fn(&AppState) -> bool) {
        while !done(&self.state) {
            let event = self.events.recv().await.expect("the backend runs");
            assert!(!matches!(event, BackendEvent::Failure { .. }), "{event:?}");
            self.apply(Msg::Backend(event)).await;
            while let Ok(more) = self.events.try_recv() {
                self.apply(Msg::Backend(more)).await;
            }
            let (state, theme) = (&self.state, &self.theme);
            self.terminal
                .draw(|f| acs_interop::ui::view(state, theme, f))
                .expect("a frame");
        }
    }

    /// Opens `thread` afresh (nothing of it loaded) and waits for its newest page.
    async fn reopen(&mut self, thread: &str) {
        self.state.views.remove(thread);
        self.state.open_thread = None;
        self.press(KeyCode::Esc).await;
        self.press(KeyCode::Char(':')).await;
        self.type_text(&format!("open {thread}")).await;
        self.press(KeyCode::Enter).await;
        self.until(|s| s.open_view().is_some_and(|v| v.loaded))
            .await;
        self.press(KeyCode::Esc).await;
    }

    fn screen(&self) -> String {
        let buffer = self.terminal.backend().buffer();
        buffer.content().iter().map(|cell| cell.symbol()).collect()
    }

    /// Applies events until nothing more is loading, then checks that `order` is selected.
    async fn arrive_at(&mut self, order: i64) {
        self.until(|s| s.open_view().is_some_and(|v| v.seek.is_none()))
            .await;
        let selected = self.state.open_view().and_then(|v| v.selected);
        assert_eq!(selected, Some(order), "the seek ended elsewhere");
    }
}

/// A thread with the console's user and `MESSAGES` messages, the first holding `FIRST_WORD`.
async fn big_thread(emulator: &Emulator, me: &str) -> String {
    let http = reqwest::Client::new();
    let (_, token) = identity(emulator, &http).await;
    let endpoint = emulator.connection_string().endpoint.clone();
    let me_model =
        acs_interop::acs::identifier::CommunicationIdentifier::from_raw_id(me).to_model();
    let created = post(
        &http,
        &format!("{endpoint}chat/threads?api-version=2024-03-07"),
        &token,
        json!({"topic": "A long thread", "participants": [{"communicationIdentifier": me_model}]}),
    )
    .await;
    let thread = created["chatThread"]["id"]
        .as_str()
        .expect("a thread id")
        .to_string();
    let url = format!(
        "{endpoint}chat/threads/{}/messages?api-version=2024-03-07",
        percent_encoding::utf8_percent_encode(&thread, percent_encoding::NON_ALPHANUMERIC)
    );
    post(
        &http,
        &url,
        &token,
        json!({"content": format!("the very first message: {FIRST_WORD}")}),
    )
    .await;
    let per_sender = (MESSAGES - 1).div_ceil(SENDERS);
    let mut tasks = Vec::new();
    for s in 0..SENDERS {
        let (http, url, token) = (reqwest::Client::new(), url.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..per_sender {
                post(
                    &http,
                    &url,
                    &token,
                    json!({"content": format!("message {s}-{i}")}),
                )
                .await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("a sender");
    }
    thread
}

async fn start() -> (Emulator, Console, String) {
    let emulator = Emulator::start(EmulatorConfig {
        listen: ([127, 0, 0, 1], 0).into(),
        storage: Storage::InMemory,
        ..EmulatorConfig::default()
    })
    .await
    .expect("the emulator starts");
    let (command_tx, command_rx) = mpsc::channel(256);
    let (event_tx, event_rx) = mpsc::channel(4096);
    acs_interop::backend::spawn(
        BackendConfig {
            target: Target {
                connection: emulator.connection_string().clone(),
                ca_cert: None,
                user_id: None,
                embedded: true,
                state_dir: None,
                display_name: "Bench".into(),
                tap: Default::default(),
            },
            feed: ChangeFeed::Socket,
            outbox_path: None,
            callbacks: acs_interop::backend::calls::CallbackSetup::Local {
                listen: ([127, 0, 0, 1], 0).into(),
            },
            mode: Default::default(),
        },
        command_rx,
        event_tx,
    );
    let mut state = AppState::new(Keymap::default());
    update(&mut state, Msg::Resize(SIZE.0, SIZE.1));
    update(&mut state, Msg::Tick(acs_interop::acs::time::now_ms()));
    let mut console = Console {
        state,
        terminal: Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).expect("a test terminal"),
        theme: Theme::default_dark(),
        commands: command_tx,
        events: event_rx,
    };
    console
        .until(|s| s.open_view().is_some_and(|v| v.loaded))
        .await;
    let me = console.state.me().expect("connected").to_string();
    let thread = big_thread(&emulator, &me).await;
    console.reopen(&thread).await;
    (emulator, console, thread)
}

fn navigation(c: &mut Criterion) {
    acs_interop::install_crypto_provider();
    let rt = Runtime::new().expect("a tokio runtime");
    let (_emulator, mut console, thread) = rt.block_on(start());
    let first = rt.block_on(async {
        console.press(KeyCode::Home).await;
        console
            .until(|s| s.open_view().is_some_and(|v| v.seek.is_none()))
            .await;
        let view = console.state.open_view().expect("open");
        assert!(view.messages.len() >= MESSAGES, "every message was loaded");
        let first = *view.messages.keys().next().expect("a first message");
        let needle = view
            .messages
            .values()
            .find(|m| m.body.contains(FIRST_WORD))
            .map(|m| m.order)
            .expect("the first text message");
        (first, needle)
    });
    let (first, needle) = first;
    let mut group = c.benchmark_group("navigation");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(30));
    group.bench_function("home_to_first_of_100k", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    console.reopen(&thread).await;
                    let started = Instant::now();
                    console.press(KeyCode::Home).await;
                    console.arrive_at(first).await;
                    total += started.elapsed();
                    assert!(
                        console.screen().contains("the very first message"),
                        "it shows"
                    );
                }
                total
            })
        })
    });
    group.bench_function("search_100k", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    console.reopen(&thread).await;
                    let started = Instant::now();
                    console.press(KeyCode::Char('/')).await;
                    console.type_text(FIRST_WORD).await;
                    console.press(KeyCode::Enter).await;
                    console.arrive_at(needle).await;
                    total += started.elapsed();
                }
                total
            })
        })
    });
    group.finish();
}

criterion_group!(benches, navigation);
criterion_main!(benches);
