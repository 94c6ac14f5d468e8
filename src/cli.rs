//! Command-line arguments.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "acs-interop",
    version,
    about = "A terminal console and local emulator for Azure Communication Services chat with Microsoft Teams users",
    long_about = "acs-interop opens a chat console. Without a connection string it runs on its own embedded ACS \
                  emulator; with one (or a profile from config.toml) it talks to a real ACS resource or a \
                  standalone emulator (`acs-interop emulator`)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub console: ConsoleArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a local ACS emulator (identity, chat, realtime events) in the foreground until Ctrl-C.
    Emulator(EmulatorArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ConsoleArgs {
    /// Connect to this ACS resource or standalone emulator: "endpoint=https://...;accesskey=...".
    #[arg(
        long,
        env = "ACS_CONNECTION_STRING",
        hide_env_values = true,
        conflicts_with = "profile"
    )]
    pub connection_string: Option<String>,

    /// Use a [profiles.NAME] entry of config.toml.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Look at threads as this existing identity (8:acs:...) instead of the console's own.
    #[arg(long, value_name = "RAW_ID")]
    pub user_id: Option<String>,

    /// Trust this PEM certificate too (the emulator's emulator-ca.pem with --tls).
    #[arg(long, value_name = "PATH")]
    pub ca_cert: Option<PathBuf>,

    /// Folder for the console's state, logs and the embedded emulator [default: the user data folder].
    #[arg(long, value_name = "DIR", conflicts_with = "in_memory")]
    pub data_dir: Option<PathBuf>,

    /// Keep nothing: the embedded emulator and the outbox live in memory.
    #[arg(long)]
    pub in_memory: bool,

    /// Theme: dark, light, high-contrast, or a file <config>/themes/NAME.toml [default: from config.toml].
    #[arg(long)]
    pub theme: Option<String>,

    /// Your display name in threads [default: $USER].
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Log level or tracing filter; the log is console.log in the data folder.
    #[arg(long, default_value = "info", env = "ACS_INTEROP_LOG")]
    pub log_level: String,
}

#[derive(Debug, Clone, Args)]
pub struct EmulatorArgs {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:7880")]
    pub listen: SocketAddr,

    /// Serve HTTPS with a self-signed certificate kept in the data folder (the Python and JS chat SDKs
    /// need it: they refuse bearer tokens over plain http).
    #[arg(long)]
    pub tls: bool,

    /// Folder for the emulator's database and certificates [default: the user data folder].
    #[arg(long, value_name = "DIR", conflicts_with = "in_memory")]
    pub data_dir: Option<PathBuf>,

    /// Keep everything in memory; nothing survives the process.
    #[arg(long)]
    pub in_memory: bool,

    /// Apply the service's per-thread rate limits (429 with Retry-After).
    #[arg(long)]
    pub throttle: bool,

    /// Refuse api-version dates this emulator does not know, instead of serving them.
    #[arg(long)]
    pub strict_api_version: bool,

    /// Log level (error, warn, info, debug, trace) or a tracing filter; logs go to standard error.
    #[arg(long, default_value = "warn", env = "ACS_INTEROP_LOG")]
    pub log_level: String,
}
