//! Which endpoint a headless command (`chat`, `teams`) talks to: the connection string when there is
//! one; else the running console's embedded emulator, which it publishes in
//! `<data-dir>/console/endpoint.json`; else that same emulator's data, opened in this process for the
//! length of the command.

use std::path::PathBuf;

use crate::acs::connection_string::{ConnectionString, ConnectionStringError};
use crate::backend::endpoint_file::{self, ENDPOINT_FILE, Lookup};
use crate::config::paths;
use crate::emulator::{Emulator, EmulatorConfig, EmulatorError, Storage};

/// What the command line said about where to connect.
#[derive(Debug, Clone, Default)]
pub struct ReachOptions {
    /// `--connection-string` or `ACS_CONNECTION_STRING`.
    pub connection_string: Option<String>,
    pub ca_cert: Option<PathBuf>,
    /// `--data-dir`; the user data folder when absent.
    pub data_dir: Option<PathBuf>,
}

/// How the endpoint was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    ConnectionString,
    /// The running console's emulator.
    Console {
        pid: u32,
    },
    /// The console's emulator data, opened by this process.
    OwnEmulator,
}

/// An endpoint to talk to; [`Reached::close`] stops an emulator this process started.
pub struct Reached {
    pub connection: ConnectionString,
    pub ca_cert: Option<PathBuf>,
    /// The console's embedded emulator (published or opened here): identities are remembered under
    /// `embedded:` as the console does.
    pub embedded: bool,
    /// The console's state folder, where identities are remembered; `None` keeps nothing.
    pub console_dir: Option<PathBuf>,
    pub via: Via,
    emulator: Option<Emulator>,
}

impl Reached {
    /// Stops the emulator this process started, if any, so its last writes are on disk.
    pub async fn close(self) {
        if let Some(emulator) = self.emulator {
            emulator.shutdown().await;
        }
    }
}

/// Why no endpoint could be reached.
#[derive(Debug, thiserror::Error)]
pub enum ReachError {
    #[error("--connection-string / ACS_CONNECTION_STRING: {0}")]
    BadConnectionString(ConnectionStringError),
    #[error(transparent)]
    NoHome(#[from] paths::NoHome),
    #[error(
        "the console's emulator data in {dir} is in use{holder}, but no running console published \
         its endpoint in {file} ({why}). Is an older console or `acs-interop emulator --data-dir` \
         running on it? Quit it and try again, or point this command at it with --connection-string."
    )]
    InUse {
        dir: String,
        holder: String,
        file: String,
        why: String,
    },
    #[error("cannot open the console's emulator data in {dir}: {source}")]
    Start { dir: String, source: EmulatorError },
}

impl ReachError {
    /// 2 for a malformed connection string (bad input), 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            ReachError::BadConnectionString(_) => 2,
            _ => 1,
        }
    }
}

/// Finds the endpoint as described at the top of this module.
pub async fn reach(options: &ReachOptions) -> Result<Reached, ReachError> {
    if let Some(text) = &options.connection_string {
        let connection = ConnectionString::parse(text).map_err(ReachError::BadConnectionString)?;
        // With a connection string the data folder only remembers identities: do without one.
        let data_dir = options.data_dir.clone().or_else(|| paths::data_dir().ok());
        return Ok(Reached {
            connection,
            ca_cert: options.ca_cert.clone(),
            embedded: false,
            console_dir: data_dir.map(|d| d.join("console")),
            via: Via::ConnectionString,
            emulator: None,
        });
    }
    let data_dir = match &options.data_dir {
        Some(dir) => dir.clone(),
        None => paths::data_dir()?,
    };
    let console_dir = data_dir.join("console");
    let why = match endpoint_file::lookup(&console_dir) {
        Lookup::Running { connection, pid } => {
            return Ok(Reached {
                connection,
                ca_cert: None,
                embedded: true,
                console_dir: Some(console_dir),
                via: Via::Console { pid },
                emulator: None,
            });
        }
        Lookup::NoConsole { stale_pid: None } => "there is none".to_string(),
        Lookup::NoConsole {
            stale_pid: Some(pid),
        } => format!("the one there names process {pid}, which has ended"),
        Lookup::Unreadable(e) => e.to_string(),
    };
    let emulator_dir = console_dir.join("emulator");
    let started = Emulator::start(EmulatorConfig {
        listen: ([127, 0, 0, 1], 0).into(),
        storage: Storage::Directory(emulator_dir.clone()),
        ..EmulatorConfig::default()
    })
    .await;
    match started {
        Ok(emulator) => Ok(Reached {
            connection: emulator.connection_string().clone(),
            ca_cert: None,
            embedded: true,
            console_dir: Some(console_dir),
            via: Via::OwnEmulator,
            emulator: Some(emulator),
        }),
        Err(EmulatorError::DataDirInUse { path, pid }) => Err(ReachError::InUse {
            dir: path.display().to_string(),
            holder: pid,
            file: console_dir.join(ENDPOINT_FILE).display().to_string(),
            why,
        }),
        Err(source) => Err(ReachError::Start {
            dir: emulator_dir.display().to_string(),
            source,
        }),
    }
}
