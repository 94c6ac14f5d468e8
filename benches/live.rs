//! Consoles under live load, each run as `launch` runs it: the backend task (HTTP, the realtime
//! socket, JSON decoding, conversion, read receipts, the inspector's recording of every exchange and
//! frame) and the event loop (`update`, coalesced frames)
//! drawing into a 120×40 test terminal, on an OS thread of its own so that its CPU time is its own.
//! The emulator is in-process and file-backed with the default (synced) durability; senders are 16
//! HTTP clients on loopback. Left out: a real terminal's escape-code output and TLS.
//!
//! - `ingest_100k_live_from_others`: one console with its thread open while another user sends
//!   100,000 messages into it. The measured time is the console's CPU time from the thread being
//!   open to the last message drawn (the target is under 3 s). Once, its resident memory growth is
//!   printed; that figure is the whole process, emulator and senders included, so it is an upper
//!   bound for the console (the target is under 100 MB).
//! - `ingest_100k_live_own`: the same with the 100,000 messages sent as the console's own user from
//!   elsewhere (another device of the same person).
//! - `send_16_clients_no_console` and `send_16_clients_4_consoles`: acknowledged sends per second
//!   into a thread with nobody watching, and with four consoles of four members watching it live;
//!   their ratio is printed (the target is at least 0.8).

mod support;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

use acs_interop::acs::connection_string::ConnectionString;
use acs_interop::app::run::{EventLoop, TerminalSignals};
use acs_interop::app::{AppState, Msg, update};
use acs_interop::backend::session::Target;
use acs_interop::backend::{BackendConfig, BackendEvent, ChangeFeed, Command};
use acs_interop::config::{Keymap, Theme};
use acs_interop::emulator::{Durability, Emulator, Storage};
use support::*;

/// Messages sent live in `ingest_*`.
const LIVE: usize = 100_000;
const SENDERS: usize = 16;
const SIZE: (u16, u16) = (120, 40);
/// The message that ends a console's run once it is drawn.
const END: &str = "the last message of the run";

fn content(sender: usize, i: usize) -> String {
    format!("live message {sender}-{i}: the build is green again")
}

struct NoClipboard;

impl TerminalSignals for NoClipboard {
    fn bell(&mut self) {}

    fn copy(&mut self, _: &str) {}
}

/// What a console's run came to.
struct Outcome {
    /// CPU time from its thread being open to the last message drawn.
    cpu: Duration,
    /// Messages it holds for the open thread at the end.
    held: usize,
    /// Whether the last frame shows the last message.
    end_shown: bool,
}

/// A console running on its own thread, until it has drawn a message saying [`END`].
struct Console {
    me: String,
    opened: oneshot::Receiver<()>,
    done: std::thread::JoinHandle<Outcome>,
}

impl Console {
    fn start(connection: ConnectionString, state_dir: PathBuf) -> Console {
        let (me_tx, me_rx) = std::sync::mpsc::channel();
        let (opened_tx, opened) = oneshot::channel();
        let done = std::thread::Builder::new()
            .name("console".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime");
                rt.block_on(run_console(connection, state_dir, me_tx, opened_tx))
            })
            .expect("a console thread");
        let me = me_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the console connects");
        Console { me, opened, done }
    }

    fn finish(self) -> Outcome {
        self.done.join().expect("the console thread")
    }
}

async fn run_console(
    connection: ConnectionString,
    state_dir: PathBuf,
    me_tx: std::sync::mpsc::Sender<String>,
    opened_tx: oneshot::Sender<()>,
) -> Outcome {
    let (command_tx, command_rx) = mpsc::channel(256);
    let (event_tx, event_rx) = mpsc::channel(4096);
    let target = Target {
        connection,
        ca_cert: None,
        user_id: None,
        embedded: false,
        state_dir: Some(state_dir.clone()),
        display_name: "Bench".into(),
        // Recording for the inspector, as `launch` does.
        tap: acs_interop::inspect::Tap::new(),
    };
    acs_interop::backend::spawn(
        BackendConfig {
            target,
            feed: ChangeFeed::Socket,
            outbox_path: Some(state_dir.join("outbox.sqlite3")),
            callbacks: acs_interop::backend::calls::CallbackSetup::Local {
                listen: ([127, 0, 0, 1], 0).into(),
            },
            mode: Default::default(),
        },
        command_rx,
        event_tx,
    );
    let (loop_tx, loop_rx) = mpsc::channel(4096);
    let (stop_tx, stop_rx) = oneshot::channel();
    let cpu_at_open = Arc::new(Mutex::new(None));
    tokio::spawn(watch(
        event_rx,
        loop_tx,
        Watchers {
            me: me_tx,
            opened: Some(opened_tx),
            stop: stop_tx,
            cpu_at_open: cpu_at_open.clone(),
        },
    ));
    let mut state = AppState::new(Keymap::default());
    update(&mut state, Msg::Resize(SIZE.0, SIZE.1));
    update(&mut state, Msg::Tick(acs_interop::acs::time::now_ms()));
    let mut console = EventLoop {
        terminal: Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).expect("a test terminal"),
        state,
        theme: Theme::default_dark(),
        commands: command_tx.clone(),
        events: loop_rx,
        clipboard: NoClipboard,
    };
    let input = futures_util::stream::pending::<std::io::Result<crossterm::event::Event>>();
    console
        .run(input, async {
            let _ = stop_rx.await;
        })
        .await
        .expect("the event loop runs");
    console.draw().expect("the last frame");
    let cpu = support::thread_cpu()
        .saturating_sub(cpu_at_open.lock().ok().and_then(|c| *c).unwrap_or_default());
    let screen: String = console
        .terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|cell| cell.symbol())
        .collect();
    let _ = command_tx.send(Command::Shutdown).await;
    Outcome {
        cpu,
        held: console.state.open_view().map_or(0, |v| v.messages.len()),
        end_shown: screen.contains(END),
    }
}

struct Watchers {
    me: std::sync::mpsc::Sender<String>,
    opened: Option<oneshot::Sender<()>>,
    stop: oneshot::Sender<()>,
    cpu_at_open: Arc<Mutex<Option<Duration>>>,
}

/// Passes the backend's events to the event loop, noting when the console connected and opened its
/// thread; once the loop has taken the [`END`] message, stops it.
async fn watch(
    mut from: mpsc::Receiver<BackendEvent>,
    to: mpsc::Sender<BackendEvent>,
    mut watchers: Watchers,
) {
    while let Some(event) = from.recv().await {
        let end = match &event {
            BackendEvent::Connected(c) => {
                let _ = watchers.me.send(c.me.clone());
                false
            }
            BackendEvent::Messages {
                messages,
                older_available,
                ..
            } => {
                if older_available.is_some()
                    && let Some(opened) = watchers.opened.take()
                {
                    if let Ok(mut cpu) = watchers.cpu_at_open.lock() {
                        *cpu = Some(support::thread_cpu());
                    }
                    let _ = opened.send(());
                }
                messages.iter().any(|m| m.body == END)
            }
            _ => false,
        };
        if to.send(event).await.is_err() {
            return;
        }
        if end {
            // The loop has applied everything once it has taken everything.
            while to.capacity() < to.max_capacity() {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            let _ = watchers.stop.send(());
            return;
        }
    }
}

/// A thread between a sender and the consoles' users; the sender's token.
async fn thread_for(emulator: &Emulator, consoles: &[&str]) -> (String, String) {
    let http = reqwest::Client::new();
    let (_, token) = identity(emulator, &http).await;
    let thread = create_thread(emulator, &http, &token, "Live", consoles).await;
    (thread, token)
}

async fn send_end(emulator: &Emulator, thread: &str, token: &str) {
    let http = reqwest::Client::new();
    let body = serde_json::json!({ "content": END });
    post(&http, &messages_url(emulator, thread), token, body).await;
}

/// One run of `ingest_100k_live_*`: returns the console's CPU time.
fn ingest(rt: &tokio::runtime::Runtime, own: bool, report: bool) -> Duration {
    let data = tempfile::tempdir().expect("a temp folder");
    let emulator = rt.block_on(start_emulator(
        Storage::Directory(data.path().join("emulator")),
        Durability::Full,
    ));
    let console_dir = data.path().join("console");
    std::fs::create_dir_all(&console_dir).expect("the console folder");
    let mut console = Console::start(emulator.connection_string().clone(), console_dir);
    let (thread, others_token) = rt.block_on(thread_for(&emulator, &[&console.me]));
    let token = if own {
        rt.block_on(token_for(&emulator, &reqwest::Client::new(), &console.me))
    } else {
        others_token
    };
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(30), &mut console.opened)
            .await
            .expect("the console opens the thread in time")
            .expect("the console opens the thread");
    });
    let rss_before = memory("VmRSS:");
    let url = messages_url(&emulator, &thread);
    let sent = rt.block_on(async {
        let took = send_concurrently(&clients(SENDERS), &url, &token, LIVE, content).await;
        send_end(&emulator, &thread, &token).await;
        took
    });
    let outcome = console.finish();
    let rss_after = memory("VmRSS:");
    assert!(outcome.end_shown, "the last message is drawn");
    if report {
        eprintln!(
            "live/ingest_100k_live_{}: console CPU {:.2} s while {LIVE} messages arrived in {:.1} s; \
             process VmRSS {rss_before:.0} → {rss_after:.0} MiB (+{:.0} MiB, emulator and senders \
             included), VmHWM {:.0} MiB; {} messages held at the end",
            if own { "own" } else { "from_others" },
            outcome.cpu.as_secs_f64(),
            sent.as_secs_f64(),
            rss_after - rss_before,
            memory("VmHWM:"),
            outcome.held,
        );
    }
    rt.block_on(emulator.shutdown());
    outcome.cpu
}

fn ingest_100k_live(c: &mut Criterion) {
    acs_interop::install_crypto_provider();
    let rt = runtime();
    let mut group = c.benchmark_group("live");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(LIVE as u64));
    for (name, own) in [
        ("ingest_100k_live_from_others", false),
        ("ingest_100k_live_own", true),
    ] {
        ingest(&rt, own, true);
        group.bench_function(name, |b| {
            b.iter_custom(|iters| (0..iters).map(|_| ingest(&rt, own, false)).sum())
        });
    }
    group.finish();
}

/// Acknowledged sends per second with and without four consoles watching the thread.
fn send_with_4_consoles(c: &mut Criterion) {
    const BATCH: usize = 2_000;
    acs_interop::install_crypto_provider();
    let rt = runtime();
    let data = tempfile::tempdir().expect("a temp folder");
    let emulator = rt.block_on(start_emulator(
        Storage::Directory(data.path().join("emulator")),
        Durability::Full,
    ));
    let senders = clients(SENDERS);
    let mut group = c.benchmark_group("live");
    group.sample_size(10);
    group.throughput(Throughput::Elements(BATCH as u64));
    group.measurement_time(Duration::from_secs(10));
    let mut rates = Vec::new();
    for watching in [0, 4] {
        let consoles: Vec<Console> = (0..watching)
            .map(|i| {
                let dir = data.path().join(format!("console-{i}"));
                std::fs::create_dir_all(&dir).expect("a console folder");
                Console::start(emulator.connection_string().clone(), dir)
            })
            .collect();
        let members: Vec<&str> = consoles.iter().map(|c| c.me.as_str()).collect();
        let (thread, token) = rt.block_on(thread_for(&emulator, &members));
        let url = messages_url(&emulator, &thread);
        let mut consoles = consoles;
        for console in &mut consoles {
            rt.block_on(async {
                tokio::time::timeout(Duration::from_secs(30), &mut console.opened)
                    .await
                    .expect("a console opens the thread in time")
                    .expect("a console opens the thread");
            });
        }
        let measured = Arc::new(Mutex::new((0usize, Duration::ZERO)));
        let name = match watching {
            0 => "send_16_clients_no_console",
            _ => "send_16_clients_4_consoles",
        };
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += rt.block_on(send_concurrently(&senders, &url, &token, BATCH, content));
                }
                if let Ok(mut m) = measured.lock() {
                    m.0 += iters as usize * BATCH;
                    m.1 += total;
                }
                total
            })
        });
        rt.block_on(send_end(&emulator, &thread, &token));
        for console in consoles {
            assert!(
                console.finish().end_shown,
                "every console kept up to the end"
            );
        }
        let (sent, took) = measured.lock().map(|m| *m).unwrap_or_default();
        rates.push(sent as f64 / took.as_secs_f64());
    }
    group.finish();
    eprintln!(
        "live/send_with_4_consoles: {:.0} sends/s with none, {:.0} with four consoles watching: \
         ratio {:.2}",
        rates[0],
        rates[1],
        rates[1] / rates[0]
    );
    rt.block_on(emulator.shutdown());
}

criterion_group!(benches, send_with_4_consoles, ingest_100k_live);
criterion_main!(benches);
