//! Command-line arguments.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "acs-interop",
    version,
    about = "A console and local emulator for Azure Communication Services chat with Microsoft Teams users",
    long_about = "acs-interop runs a local Azure Communication Services emulator that the official ACS SDKs \
                  can use unchanged. Without a subcommand it starts the emulator in the foreground."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub emulator: EmulatorArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a local ACS emulator (identity, chat, realtime events) until Ctrl-C.
    Emulator(EmulatorArgs),
}

#[derive(Debug, Clone, Args)]
pub struct EmulatorArgs {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:7880", global = true)]
    pub listen: SocketAddr,

    /// Serve HTTPS with a self-signed certificate kept in the data folder (the Python and JS chat SDKs
    /// need it: they refuse bearer tokens over plain http).
    #[arg(long, global = true)]
    pub tls: bool,

    /// Folder for the emulator's database and certificates [default: the user data folder].
    #[arg(long, value_name = "DIR", conflicts_with = "in_memory", global = true)]
    pub data_dir: Option<PathBuf>,

    /// Keep everything in memory; nothing survives the process.
    #[arg(long, global = true)]
    pub in_memory: bool,

    /// Apply the service's per-thread rate limits (429 with Retry-After).
    #[arg(long, global = true)]
    pub throttle: bool,

    /// Refuse api-version dates this emulator does not know, instead of serving them.
    #[arg(long, global = true)]
    pub strict_api_version: bool,

    /// Log level (error, warn, info, debug, trace) or a tracing filter; logs go to standard error.
    #[arg(long, default_value = "warn", global = true, env = "ACS_INTEROP_LOG")]
    pub log_level: String,
}
