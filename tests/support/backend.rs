//! The console's backend task, run against an in-process emulator: start it, wait for its events.

use std::time::Duration;

use acs_interop::backend::calls::CallbackSetup;
use acs_interop::backend::session::Target;
use acs_interop::backend::{BackendConfig, BackendEvent, ChangeFeed, Command};
use tokio::sync::mpsc;

use super::TestEmulator;

pub const WAIT: Duration = Duration::from_secs(10);

pub struct Running {
    pub commands: mpsc::Sender<Command>,
    pub events: mpsc::Receiver<BackendEvent>,
    pub seen: Vec<BackendEvent>,
}

impl Running {
    /// Waits (bounded) for the first event that `pick` accepts; panics with what came instead.
    pub async fn wait_for<T>(
        &mut self,
        what: &str,
        mut pick: impl FnMut(&BackendEvent) -> Option<T>,
    ) -> T {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(remaining, self.events.recv()).await {
                Ok(Some(event)) => {
                    let picked = pick(&event);
                    self.seen.push(event);
                    if let Some(found) = picked {
                        return found;
                    }
                }
                Ok(None) => panic!(
                    "the backend stopped while waiting for {what}; saw {:#?}",
                    self.seen
                ),
                Err(_) => panic!("no {what} within {WAIT:?}; saw {:#?}", self.seen),
            }
        }
    }
}

pub fn target(e: &TestEmulator, state_dir: &std::path::Path, embedded: bool) -> Target {
    Target {
        connection: e.emulator.connection_string().clone(),
        ca_cert: None,
        user_id: None,
        embedded,
        state_dir: Some(state_dir.to_path_buf()),
        display_name: "Me".into(),
        tap: Default::default(),
    }
}

pub fn start(target: Target, outbox: Option<std::path::PathBuf>) -> Running {
    start_as(target, outbox, Default::default())
}

/// The backend in an identity mode (observing or acting as `target.user_id`).
pub fn start_as(
    target: Target,
    outbox: Option<std::path::PathBuf>,
    mode: acs_interop::model::IdentityMode,
) -> Running {
    let (commands, command_rx) = mpsc::channel(64);
    let (event_tx, events) = mpsc::channel(1024);
    acs_interop::backend::spawn(
        BackendConfig {
            target,
            feed: ChangeFeed::Socket,
            outbox_path: outbox,
            callbacks: CallbackSetup::Local {
                listen: ([127, 0, 0, 1], 0).into(),
            },
            mode,
        },
        command_rx,
        event_tx,
    );
    Running {
        commands,
        events,
        seen: Vec::new(),
    }
}

pub async fn my_id(running: &mut Running) -> String {
    running
        .wait_for("Connected", |e| match e {
            BackendEvent::Connected(c) => Some(c.me.clone()),
            _ => None,
        })
        .await
}
