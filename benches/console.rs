//! Console benchmarks, in-process through the public API:
//! - `frame_120x40_of_100k_thread`: one frame of a 100,000-message thread, at the bottom and scrolled
//!   back to the middle of the messages the console holds of it (only what fits is laid out);
//! - `apply_100k_received_messages`: received messages through `update`, 100 and 1 per event; prints
//!   the resident memory 100,000 messages take (criterion does not measure memory);
//! - `start_to_first_frame` (and `start_to_loaded_frame`, until the open thread is drawn): embedded
//!   emulator, backend and first frame, on a second run (a database exists) and a first one.

mod support;

use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

use acs_interop::app::state::Scroll;
use acs_interop::app::{AppState, Effect, Msg, update};
use acs_interop::backend::{BackendEvent, Command};
use acs_interop::config::{Keymap, Theme};
use acs_interop::emulator::{Emulator, EmulatorConfig, Storage};
use acs_interop::model::{Connection, Message, MessageKind, Participant, PersonKind};
use acs_interop::model::{SafeText, ThreadSummary};
use support::memory;

const NOW: i64 = 1_795_842_000_000; // Saturday 28 November 2026, 05:00 UTC
const ME: &str = "8:acs:res_me";
const PEOPLE: [(&str, &str); 3] = [
    ("8:acs:res_alice", "Alice"),
    ("8:orgid:bob-object-id", "Bob"),
    (ME, "Me"),
];
const THREAD: &str = "19:bench@thread.v2";
const BIG: usize = 100_000;
const STEP_MS: i64 = 30_000;
const TEXT: &str = "the meeting moves to Thursday, bring your notes about the rollout plan (v2).";
const SIZE: (u16, u16) = (120, 40);

/// Message `i` of a deterministic mix: mostly a few words, some paragraphs, every 7th HTML, every 13th
/// edited, every 101st deleted, every 997th a system message.
fn message(i: usize) -> Message {
    let order = NOW - BIG as i64 * STEP_MS + i as i64 * STEP_MS;
    let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
    let words = match h % 10 {
        0..=5 => 3 + h % 12,
        6..=8 => 15 + h % 40,
        _ => 80 + h % 120,
    } as usize;
    let text: Vec<&str> = TEXT
        .split(' ')
        .cycle()
        .skip(h as usize % 13)
        .take(words)
        .collect();
    let (sender, name) = PEOPLE[(h % 3) as usize];
    let (kind, body) = if i.is_multiple_of(997) {
        let names = vec![SafeText::new("Carol")];
        (MessageKind::ParticipantAdded { names }, String::new())
    } else if i.is_multiple_of(7) {
        let (head, rest) = text.split_at(text.len() / 2);
        let html = format!(
            "<p><b>{}</b> <a href=\"https://example.com/{i}\">link</a></p><ul><li>{}</li></ul>",
            head.join(" "),
            rest.join(" ")
        );
        (MessageKind::Html, html)
    } else {
        (MessageKind::Text, text.join(" "))
    };
    let system = kind.is_system();
    Message {
        id: order.to_string(),
        order,
        version: (order + i64::from(i.is_multiple_of(13))).to_string(),
        kind,
        sender: (!system).then(|| sender.to_string()),
        sender_name: SafeText::new(if system { "" } else { name }),
        body: if i.is_multiple_of(101) {
            String::new()
        } else {
            body
        },
        attachments: Vec::new(),
        created_ms: order,
        edited_ms: i.is_multiple_of(13).then_some(order + 1),
        deleted_ms: i.is_multiple_of(101).then_some(order + 2),
        client_id: (sender == ME && !system).then(|| format!("bench-{i}")),
    }
}

/// `count` received messages as `Messages` events (news, as the realtime feed delivers them) of `per`.
fn received(count: usize, per: usize) -> Vec<Msg> {
    (0..count)
        .step_by(per)
        .map(|first| {
            Msg::Backend(BackendEvent::Messages {
                thread_id: THREAD.into(),
                messages: (first..count.min(first + per)).map(message).collect(),
                older_available: None,
            })
        })
        .collect()
}

/// Connected as "me", one thread open and loaded (empty), three participants, like the tests' fixture.
fn connected() -> AppState {
    let mut state = AppState::new(Keymap::default());
    update(&mut state, Msg::Resize(SIZE.0, SIZE.1));
    update(&mut state, Msg::Tick(NOW));
    let events = [
        BackendEvent::Connected(Connection {
            endpoint_label: "emulator".into(),
            me: ME.into(),
            my_name: SafeText::new("Me"),
        }),
        BackendEvent::Threads(vec![ThreadSummary {
            id: THREAD.into(),
            topic: SafeText::new("Rollout"),
            last_activity_ms: Some(NOW - STEP_MS),
            deleted: false,
            unread: 0,
            has_teams_users: true,
        }]),
        BackendEvent::Participants {
            thread_id: THREAD.into(),
            participants: PEOPLE
                .iter()
                .map(|(raw, name)| Participant {
                    raw_id: raw.to_string(),
                    name: SafeText::new(name),
                    kind: PersonKind::of(raw),
                })
                .collect(),
        },
        BackendEvent::Messages {
            thread_id: THREAD.into(),
            messages: Vec::new(),
            older_available: Some(false),
        },
    ];
    for event in events {
        update(&mut state, Msg::Backend(event));
    }
    state
}

fn apply(state: &mut AppState, msgs: Vec<Msg>) {
    for msg in msgs {
        update(state, msg);
    }
}

fn apply_received(c: &mut Criterion) {
    // First in the process, so the numbers are this state's and not what earlier benches left behind.
    let before = memory("VmRSS:");
    let mut state = connected();
    apply(&mut state, received(BIG, 100));
    let (after, peak) = (memory("VmRSS:"), memory("VmHWM:"));
    let held = state.open_view().map_or(0, |v| v.messages.len());
    eprintln!(
        "console/memory: VmRSS {before:.1} MiB before, {after:.1} MiB after applying {held} messages \
         (+{:.1} MiB, {:.0} B a message); VmHWM {peak:.1} MiB",
        after - before,
        (after - before) * 1024.0 * 1024.0 / held as f64
    );
    drop(state);

    let mut group = c.benchmark_group("console");
    group.sample_size(10);
    for (name, count, per) in [
        ("apply_100k_received_messages", BIG, 100),
        ("apply_10k_received_messages_one_per_event", 10_000, 1),
    ] {
        group.throughput(Throughput::Elements(count as u64));
        group.bench_function(name, |b| {
            b.iter_batched(
                || (connected(), received(count, per)),
                |(mut state, msgs)| {
                    apply(&mut state, msgs);
                    state
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

fn frame(c: &mut Criterion) {
    let theme = Theme::default_dark();
    let mut state = connected();
    apply(&mut state, received(BIG, 100));
    let mut terminal = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).expect("a test terminal");
    let mut draw = |state: &AppState| {
        let frame = terminal.draw(|f| acs_interop::ui::view(state, &theme, f));
        frame.expect("a frame").buffer.content.len()
    };
    let mut group = c.benchmark_group("console");
    group.bench_function("frame_120x40_of_100k_thread", |b| b.iter(|| draw(&state)));
    // The console holds the newest few thousand of the thread's messages (older ones are fetched
    // again on scroll): the middle of what it holds.
    let view = state.views.get_mut(THREAD).expect("the open thread");
    view.scroll = Scroll {
        anchor: view.messages.keys().nth(view.messages.len() / 2).copied(),
        lines_up: 0,
    };
    group.bench_function("frame_120x40_of_100k_thread_scrolled_to_middle", |b| {
        b.iter(|| draw(&state))
    });
    group.finish();
    // The frames show messages: the bottom and the middle of the thread.
    let screen = |state: &AppState| {
        let mut terminal = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).expect("a terminal");
        let frame = terminal.draw(|f| acs_interop::ui::view(state, &theme, f));
        let cells = &frame.expect("a frame").buffer.content;
        cells.iter().map(|cell| cell.symbol()).collect::<String>()
    };
    let middle = screen(&state);
    state.views.get_mut(THREAD).expect("the thread").scroll = Scroll::default();
    let bottom = screen(&state);
    assert!(bottom.contains("rollout") && middle.contains("rollout") && bottom != middle);
}

/// As `launch` does with the embedded emulator and a data folder; with `loaded`, goes on until the
/// open thread is loaded and drawn. Returns the time, then shuts everything down.
async fn start_console(data: &Path, loaded: bool) -> Duration {
    let started = Instant::now();
    let emulator = Emulator::start(EmulatorConfig {
        listen: ([127, 0, 0, 1], 0).into(),
        storage: Storage::Directory(data.join("emulator")),
        ..EmulatorConfig::default()
    })
    .await
    .expect("the emulator starts");
    let console_dir = data.join("console");
    std::fs::create_dir_all(&console_dir).expect("the console folder");
    let (command_tx, command_rx) = mpsc::channel(256);
    let (event_tx, event_rx) = mpsc::channel(4096);
    let config = support::console::backend_config(
        emulator.connection_string().clone(),
        &console_dir,
        true,
        Default::default(),
    );
    let backend = acs_interop::backend::spawn(config, command_rx, event_tx);
    let mut console = support::console::event_loop(SIZE, command_tx, event_rx);
    console.draw().expect("the first frame");
    while loaded && !console.state.open_view().is_some_and(|v| v.loaded) {
        let event = console.events.recv().await.expect("the backend runs");
        assert!(!matches!(event, BackendEvent::Failure { .. }), "{event:?}");
        for effect in update(&mut console.state, Msg::Backend(event)) {
            if let Effect::Command(command) = effect {
                console.commands.send(command).await.expect("a command");
            }
        }
        if console.state.open_view().is_some_and(|v| v.loaded) {
            console.draw().expect("the loaded frame");
        }
    }
    let elapsed = started.elapsed();
    let _ = console.commands.send(Command::Shutdown).await;
    let _ = tokio::time::timeout(Duration::from_secs(5), backend).await;
    emulator.shutdown().await;
    elapsed
}

fn start_to_first_frame(c: &mut Criterion) {
    acs_interop::install_crypto_provider();
    let rt = Runtime::new().expect("a tokio runtime");
    let second_run = tempfile::tempdir().expect("a temp folder");
    // The first run makes the database, the identities and the welcome thread.
    rt.block_on(start_console(second_run.path(), true));
    let mut group = c.benchmark_group("console");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    for (name, loaded) in [
        ("start_to_first_frame", false),
        ("start_to_loaded_frame", true),
    ] {
        for fresh in [false, true] {
            let id = format!("{name}_{}", if fresh { "fresh" } else { "second_run" });
            group.bench_function(id, |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let fresh_dir = tempfile::tempdir().expect("a temp folder");
                        let dir = if fresh { &fresh_dir } else { &second_run };
                        total += rt.block_on(start_console(dir.path(), loaded));
                    }
                    total
                })
            });
        }
    }
    group.finish();
}

/// A frame at 200×60 with 1,000 threads listed (200 with unread messages, so the hotlist and the
/// badges have work) and the 100,000-message thread open, the list scrolled to its middle.
fn frame_with_1000_threads(c: &mut Criterion) {
    let theme = Theme::default_dark();
    let mut state = connected();
    apply(&mut state, received(BIG, 100));
    update(&mut state, Msg::Resize(200, 60));
    let threads = (0..1_000)
        .map(|i| ThreadSummary {
            id: if i == 0 {
                THREAD.to_string()
            } else {
                format!("19:t{i}@thread.v2")
            },
            topic: SafeText::new(&format!("Thread {i} about the rollout plan")),
            last_activity_ms: Some(NOW - i * STEP_MS),
            deleted: i % 97 == 0 && i > 0,
            unread: if i % 5 == 0 { (i % 7) as usize + 1 } else { 0 },
            has_teams_users: i % 3 == 0,
        })
        .collect();
    update(&mut state, Msg::Backend(BackendEvent::Threads(threads)));
    state.thread_cursor = 500;
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("a test terminal");
    assert!(
        screen_text(&mut terminal, &state, &theme).contains("Thread 500 about"),
        "the list shows its middle"
    );
    let mut group = c.benchmark_group("console");
    group.bench_function("frame_200x60_with_1000_threads", |b| {
        b.iter(|| {
            let frame = terminal.draw(|f| acs_interop::ui::view(&state, &theme, f));
            frame.expect("a frame").buffer.content.len()
        })
    });
    group.finish();
}

/// One frame of the inspector at 120×40 with its ring full (4,096 exchanges, each with headers and a
/// JSON body, a quarter of them failures), following the newest: reading the ring under its lock,
/// filtering, laying out the visible rows and drawing. Leaves out the recording itself (done on the
/// backend's tasks as answers arrive).
fn inspector_frame_ring_full(c: &mut Criterion) {
    use acs_interop::inspect::{Body, Entry, EntryKind, RING_ENTRIES, Tap};
    let theme = Theme::default_dark();
    let mut state = connected();
    update(&mut state, Msg::Resize(120, 40));
    let wire = Tap::new();
    let body = format!(
        "{{\"value\":[{}]}}",
        vec!["{\"id\":\"1\",\"content\":{\"message\":\"hello\"}}"; 20].join(",")
    );
    for i in 0..RING_ENTRIES + 100 {
        let mut e = Entry::new(
            EntryKind::Http,
            "GET",
            &format!(
                "https://res.communication.azure.com/chat/threads/19%3At{i}%40thread.v2/messages?api-version=2024-03-07"
            ),
        );
        e.status = Some(if i % 4 == 0 { 429 } else { 200 });
        e.latency_ms = Some(12);
        e.request.headers = vec![
            ("authorization".into(), "Bearer REDACTED".into()),
            (
                "x-ms-client-request-id".into(),
                format!("a1a1a1a1-2222-4333-8444-{i:012}"),
            ),
        ];
        e.response.body = Some(Body::keep("application/json", body.as_bytes()));
        wire.record(e);
    }
    state.wire = wire;
    update(
        &mut state,
        Msg::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::F(3),
            crossterm::event::KeyModifiers::NONE,
        )),
    );
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("a test terminal");
    assert!(
        screen_text(&mut terminal, &state, &theme).contains("4096 kept"),
        "the ring is full"
    );
    let mut group = c.benchmark_group("console");
    group.bench_function("inspector_frame_120x40_ring_full", |b| {
        b.iter(|| {
            let frame = terminal.draw(|f| acs_interop::ui::view(&state, &theme, f));
            frame.expect("a frame").buffer.content.len()
        })
    });
    group.finish();
}

/// Draws one frame and gives its text, to check what a bench draws.
fn screen_text(
    terminal: &mut Terminal<TestBackend>,
    state: &acs_interop::app::AppState,
    theme: &Theme,
) -> String {
    let frame = terminal.draw(|f| acs_interop::ui::view(state, theme, f));
    frame
        .expect("a frame")
        .buffer
        .content()
        .iter()
        .map(|cell| cell.symbol())
        .collect()
}

criterion_group!(
    benches,
    apply_received,
    frame,
    frame_with_1000_threads,
    inspector_frame_ring_full,
    start_to_first_frame
);
criterion_main!(benches);
