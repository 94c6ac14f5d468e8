//! A console as `launch` runs it, on an OS thread of its own so that its CPU time is its own: the
//! backend task (HTTP, the realtime socket, JSON decoding, conversion, read receipts, the
//! inspector's recording of every exchange and frame) and the event loop (`update`, coalesced
//! frames) drawing into a 120×40 test terminal. It runs until it has drawn a message saying [`END`].

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

use acs_interop::acs::connection_string::ConnectionString;
use acs_interop::app::run::{EventLoop, TerminalSignals};
use acs_interop::app::{AppState, Msg, update};
use acs_interop::backend::session::Target;
use acs_interop::backend::{BackendConfig, BackendEvent, ChangeFeed, Command};
use acs_interop::config::{Keymap, Theme};

const SIZE: (u16, u16) = (120, 40);
/// The message that ends a console's run once it is drawn.
pub const END: &str = "the last message of the run";

/// The clipboard and bell of a test terminal: nothing.
pub struct NoClipboard;

impl TerminalSignals for NoClipboard {
    fn bell(&mut self) {}

    fn copy(&mut self, _: &str) {}
}

/// What a console's run came to.
pub struct Outcome {
    /// CPU time from its thread being open to the last message drawn.
    pub cpu: Duration,
    /// Messages it holds for the open thread at the end.
    pub held: usize,
    /// Whether the last frame shows the last message.
    pub end_shown: bool,
}

/// A console running on its own thread, until it has drawn a message saying [`END`].
pub struct Console {
    pub me: String,
    pub opened: oneshot::Receiver<()>,
    done: std::thread::JoinHandle<Outcome>,
}

impl Console {
    pub fn start(connection: ConnectionString, state_dir: PathBuf) -> Console {
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

    /// Waits (on `rt`) until the console has opened its thread.
    pub fn wait_until_open(&mut self, rt: &tokio::runtime::Runtime) {
        rt.block_on(async {
            tokio::time::timeout(Duration::from_secs(30), &mut self.opened)
                .await
                .expect("a console opens the thread in time")
                .expect("a console opens the thread");
        });
    }

    pub fn finish(self) -> Outcome {
        self.done.join().expect("the console thread")
    }
}

/// A console backend's configuration as `launch` makes it, its state in `state_dir`.
pub fn backend_config(
    connection: ConnectionString,
    state_dir: &Path,
    embedded: bool,
    tap: acs_interop::inspect::Tap,
) -> BackendConfig {
    BackendConfig {
        target: Target {
            connection,
            ca_cert: None,
            user_id: None,
            embedded,
            state_dir: Some(state_dir.to_path_buf()),
            display_name: "Bench".into(),
            tap,
        },
        feed: ChangeFeed::Socket,
        outbox_path: Some(state_dir.join("outbox.sqlite3")),
        callbacks: acs_interop::backend::calls::CallbackSetup::Local {
            listen: ([127, 0, 0, 1], 0).into(),
        },
        mode: Default::default(),
    }
}

/// An event loop drawing into a test terminal of `size`, its state sized and ticked once.
pub fn event_loop(
    size: (u16, u16),
    commands: mpsc::Sender<Command>,
    events: mpsc::Receiver<BackendEvent>,
) -> EventLoop<TestBackend, NoClipboard> {
    let mut state = AppState::new(Keymap::default());
    update(&mut state, Msg::Resize(size.0, size.1));
    update(&mut state, Msg::Tick(acs_interop::acs::time::now_ms()));
    EventLoop {
        terminal: Terminal::new(TestBackend::new(size.0, size.1)).expect("a test terminal"),
        state,
        theme: Theme::default_dark(),
        commands,
        events,
        clipboard: NoClipboard,
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
    // Recording for the inspector, as `launch` does.
    let tap = acs_interop::inspect::Tap::new();
    acs_interop::backend::spawn(
        backend_config(connection, &state_dir, false, tap),
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
    let mut console = event_loop(SIZE, command_tx.clone(), loop_rx);
    let input = futures_util::stream::pending::<std::io::Result<crossterm::event::Event>>();
    console
        .run(input, async {
            let _ = stop_rx.await;
        })
        .await
        .expect("the event loop runs");
    console.draw().expect("the last frame");
    let cpu = super::thread_cpu()
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
                        *cpu = Some(super::thread_cpu());
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
