//! Starting the console: pick the endpoint (embedded emulator, connection string or profile), start the
//! backend, take over the terminal, run the event loop, and give the terminal back on every exit path.
//! A replay runs in the same terminal set-up, with a record's player in place of the backend.

use anyhow::Context;
use crossterm::event::EventStream;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;

use super::run::{EventLoop, Exit, Osc52, TerminalGuard};
use super::state::AppState;
use crate::acs::connection_string::ConnectionString;
use crate::backend::calls::CallbackSetup;
use crate::backend::endpoint_file::PublishedEndpoint;
use crate::backend::session::Target;
use crate::backend::{BackendConfig, ChangeFeed};
use crate::config::{ColorDepth, Keymap, Settings, Theme};
use crate::emulator::{Emulator, EmulatorConfig, Storage};
use crate::model::IdentityMode;
use crate::replay::{Recorder, Redactor, TerminalSize, play, tee};

/// Where the console connects.
#[derive(Debug, Clone)]
pub enum Endpoint {
    /// Its own emulator, in-process on a free loopback port; as its remembered identity, or as
    /// `user_id`, one of that emulator's.
    Embedded {
        user_id: Option<String>,
        /// Faults the embedded emulator injects from the start (`--faults`).
        faults: Box<crate::emulator::faults::FaultSpec>,
    },
    Service {
        connection: ConnectionString,
        user_id: Option<String>,
        ca_cert: Option<PathBuf>,
    },
}

impl Endpoint {
    /// Someone else's identity to use instead of the console's own (`--user-id`, or a profile's).
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Endpoint::Embedded { user_id, .. } | Endpoint::Service { user_id, .. } => {
                user_id.as_deref()
            }
        }
    }
}

/// Where Call Automation posts call events for this console.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallbackOptions {
    /// The public URL (a tunnel) that reaches the listener; needed against the real service.
    pub url: Option<String>,
    /// Where the listener binds; loopback on a free port by default.
    pub listen: Option<std::net::SocketAddr>,
}

impl CallbackOptions {
    /// How calls receive their events: locally for an emulator on this machine, through the given URL
    /// otherwise, or not at all against the real service without one.
    pub fn setup(&self, real_service: bool) -> anyhow::Result<CallbackSetup> {
        let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        Ok(match (&self.url, self.listen) {
            (Some(url), Some(listen)) => {
                let parsed = reqwest::Url::parse(url)
                    .with_context(|| format!("--callback-url '{url}' is not a URL"))?;
                if !matches!(parsed.scheme(), "http" | "https") {
                    anyhow::bail!("--callback-url must be an http(s) URL, not '{url}'");
                }
                CallbackSetup::Public {
                    url: url.clone(),
                    listen,
                }
            }
            (Some(_), None) => anyhow::bail!(
                "--callback-url needs --callback-listen ADDR: the address your tunnel forwards to (e.g. 127.0.0.1:8790)"
            ),
            (None, listen) if !real_service => CallbackSetup::Local {
                listen: listen.unwrap_or(loopback),
            },
            (None, _) => CallbackSetup::Missing,
        })
    }
}

/// Everything the console needs to start.
#[derive(Debug, Clone)]
pub struct LaunchOptions {
    pub endpoint: Endpoint,
    pub callbacks: CallbackOptions,
    /// The data folder, or `None` to keep nothing.
    pub data_dir: Option<PathBuf>,
    pub config_dir: Option<PathBuf>,
    pub settings: Settings,
    pub theme: String,
    pub display_name: String,
    pub utc_offset_s: i32,
    /// Write the session's exchanges to this HAR file when it ends.
    pub har: Option<PathBuf>,
    /// With a `user_id`: act as that user from the start instead of observing (`--act`).
    pub act: bool,
    /// Write every event the console receives to this session record.
    pub record: Option<PathBuf>,
}

/// Everything a replay needs: the record, read and checked, and how the console looks.
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    pub record: crate::replay::Record,
    pub speed: crate::replay::Speed,
    pub config_dir: Option<PathBuf>,
    pub settings: Settings,
    pub theme: String,
    pub utc_offset_s: i32,
}

/// The outbox of the console's own identity, or one per other identity: a message that waits as one
/// identity never goes out as another.
fn outbox_file(user_id: Option<&str>) -> String {
    match user_id {
        None => "outbox.sqlite3".to_string(),
        Some(id) => {
            let safe: String = id
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            format!("outbox-{safe}.sqlite3")
        }
    }
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    }
    #[cfg(not(unix))]
    std::future::pending::<()>().await
}

/// The theme (for this terminal's colours) and the keys, from the settings.
fn theme_and_keys(
    theme: &str,
    config_dir: Option<&std::path::Path>,
    settings: &Settings,
) -> anyhow::Result<(Theme, Keymap)> {
    let user_themes = config_dir.map(|d| d.join("themes"));
    let depth = ColorDepth::detect(
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        std::env::var("COLORTERM").ok().as_deref(),
        std::env::var("TERM").ok().as_deref(),
    );
    let theme = Theme::load(theme, user_themes.as_deref())
        .context("the theme")?
        .for_depth(depth);
    let keymap = Keymap::with_overrides(&settings.key_overrides())
        .map_err(|e| anyhow::anyhow!("config.toml: {e}"))?;
    Ok((theme, keymap))
}

/// The console's state before anything is heard.
fn initial_state(keymap: Keymap, settings: &Settings, utc_offset_s: i32) -> AppState {
    let mut state = AppState::new(keymap);
    state.utc_offset_s = utc_offset_s;
    // Unique to this run of this console, so that no other console's message looks like one of ours.
    state.client_id_prefix = crate::ids::uuid_v4();
    state.bell_on_recording = settings.bell_on_recording;
    state.bell_on_message = settings.bell_on_message;
    state
}

/// Takes over the terminal, runs the event loop on `events` and gives the terminal back.
async fn run_in_terminal(
    state: AppState,
    theme: Theme,
    commands: mpsc::Sender<crate::backend::Command>,
    events: mpsc::Receiver<crate::backend::BackendEvent>,
) -> anyhow::Result<Exit> {
    let guard = TerminalGuard::enter().context("cannot set up the terminal")?;
    let terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))
        .context("cannot open the terminal")?;
    let mut event_loop = EventLoop {
        terminal,
        state,
        theme,
        commands,
        events,
        clipboard: Osc52,
    };
    let exit = event_loop.run(EventStream::new(), stop_signal()).await;
    drop(guard);
    exit.context("the terminal failed")
}

/// The terminal's size now, before the console takes it over (0 × 0 when it is not a terminal).
fn terminal_size() -> TerminalSize {
    let (width, height) = crossterm::terminal::size().unwrap_or((0, 0));
    TerminalSize { width, height }
}

/// Runs the console until the user quits.
pub async fn launch(options: LaunchOptions) -> anyhow::Result<()> {
    let (theme, keymap) = theme_and_keys(
        &options.theme,
        options.config_dir.as_deref(),
        &options.settings,
    )?;
    // First, so that a record or HAR file that cannot be written stops everything before it starts.
    let mut recorder = match &options.record {
        Some(path) => {
            let mut redactor = Redactor::new();
            if let Endpoint::Service { connection, .. } = &options.endpoint {
                redactor = redactor.with_connection(connection);
            }
            Some(Recorder::create(path, terminal_size(), redactor)?)
        }
        None => None,
    };
    if let Some(path) = &options.har {
        crate::inspect::har::prepare(path)?;
    }
    // Always on: the inspector can be opened at any moment, and the ring keeps its memory bounded.
    let wire = crate::inspect::Tap::new();
    let console_dir = options.data_dir.as_ref().map(|d| d.join("console"));
    if let Some(dir) = &console_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    // Removed again on every way out of this function, unwinding included.
    let mut published: Option<PublishedEndpoint> = None;
    let (emulator, target, feed, callbacks) = match &options.endpoint {
        Endpoint::Embedded { user_id, faults } => {
            let storage = match &options.data_dir {
                // Apart from the standalone emulator's folder: two processes must not share one store.
                Some(d) => Storage::Directory(d.join("console").join("emulator")),
                None => Storage::InMemory,
            };
            let emulator = Emulator::start(EmulatorConfig {
                listen: ([127, 0, 0, 1], 0).into(),
                storage,
                faults: faults.as_ref().clone(),
                ..EmulatorConfig::default()
            })
            .await
            .context("cannot start the embedded emulator")?;
            if let Some(recorder) = &mut recorder {
                recorder.also_redact(emulator.connection_string());
            }
            // Headless commands (`acs-interop chat`) find this emulator here while the console runs.
            if let Some(dir) = &console_dir {
                match PublishedEndpoint::publish(dir, emulator.connection_string()) {
                    Ok(file) => published = Some(file),
                    Err(e) => tracing::warn!(error = %e, "cannot publish the endpoint"),
                }
            }
            let target = Target {
                connection: emulator.connection_string().clone(),
                ca_cert: None,
                user_id: user_id.clone(),
                embedded: true,
                state_dir: console_dir.clone(),
                display_name: options.display_name.clone(),
                tap: wire.clone(),
            };
            let callbacks = options.callbacks.setup(false)?;
            (Some(emulator), target, ChangeFeed::Socket, callbacks)
        }
        Endpoint::Service {
            connection,
            user_id,
            ca_cert,
        } => {
            // A standalone emulator has the realtime socket; the real service's push channel is not public.
            let real_service = connection.host().ends_with(".communication.azure.com");
            let feed = if real_service {
                ChangeFeed::Polling(Duration::from_secs(options.settings.poll_interval_secs))
            } else {
                ChangeFeed::Socket
            };
            let target = Target {
                connection: connection.clone(),
                ca_cert: ca_cert.clone(),
                user_id: user_id.clone(),
                embedded: false,
                state_dir: console_dir.clone(),
                display_name: options.display_name.clone(),
                tap: wire.clone(),
            };
            let callbacks = options.callbacks.setup(real_service)?;
            (None, target, feed, callbacks)
        }
    };

    let user_id = options.endpoint.user_id();
    let mode = IdentityMode::at_start(user_id.is_some(), options.act);
    let (command_tx, command_rx) = mpsc::channel(256);
    let (backend_tx, backend_rx) = mpsc::channel(4096);
    let backend = crate::backend::spawn(
        BackendConfig {
            target,
            feed,
            outbox_path: console_dir.as_ref().map(|d| d.join(outbox_file(user_id))),
            callbacks,
            mode,
        },
        command_rx,
        backend_tx,
    );
    let event_rx = match recorder {
        Some(recorder) => {
            let (event_tx, event_rx) = mpsc::channel(4096);
            tee(recorder, backend_rx, event_tx);
            event_rx
        }
        None => backend_rx,
    };

    let mut state = initial_state(keymap, &options.settings, options.utc_offset_s);
    state.wire = wire.clone();
    state.identity_mode = mode;
    let exit = run_in_terminal(state, theme, command_tx, event_rx).await;
    // The backend gets a moment to stop after Shutdown; pending sends stay in the outbox.
    let _ = tokio::time::timeout(Duration::from_secs(2), backend).await;
    drop(published);
    if let Some(emulator) = emulator {
        emulator.shutdown().await;
    }
    if let Some(path) = &options.har {
        let entries = wire.entries();
        crate::inspect::har::write(path, &entries)
            .with_context(|| format!("cannot write the HAR file {}", path.display()))?;
        eprintln!("wrote {} exchanges to {}", entries.len(), path.display());
    }
    match exit? {
        Exit::Quit | Exit::Stopped | Exit::InputClosed => Ok(()),
    }
}
/// Plays a record in the console, as it was seen, with no network: commands that would change
/// something are refused.
pub async fn replay(options: ReplayOptions) -> anyhow::Result<()> {
    let (theme, keymap) = theme_and_keys(
        &options.theme,
        options.config_dir.as_deref(),
        &options.settings,
    )?;
    let (command_tx, command_rx) = mpsc::channel(256);
    let (event_tx, event_rx) = mpsc::channel(4096);
    let player = play(options.record.entries, options.speed, event_tx, command_rx);
    let mut state = initial_state(keymap, &options.settings, options.utc_offset_s);
    state.replay = Some(options.speed.label());
    let exit = run_in_terminal(state, theme, command_tx, event_rx).await;
    player.abort();
    match exit? {
        Exit::Quit | Exit::Stopped | Exit::InputClosed => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::outbox_file;

    #[test]
    fn each_other_identity_has_its_own_outbox() {
        assert_eq!(outbox_file(None), "outbox.sqlite3");
        let bob = outbox_file(Some("8:acs:res_0000-bob"));
        assert_eq!(bob, "outbox-8_acs_res_0000-bob.sqlite3");
        assert_ne!(bob, outbox_file(Some("8:acs:res_0000-ann")));
        assert!(!outbox_file(Some("../../etc/x")).contains('/'));
    }
}
