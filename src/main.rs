//! acs-interop: command-line entry point. Parses arguments and dispatches; nothing else.

mod cli;

use anyhow::Context;
use clap::Parser;
use std::path::PathBuf;

use acs_interop::emulator::{Emulator, EmulatorConfig, Storage};
use cli::{Cli, Command, EmulatorArgs};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let args = match &cli.command {
        Some(Command::Emulator(args)) => args.clone(),
        None => cli.emulator.clone(),
    };
    init_logging(&args.log_level);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run_emulator(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn default_data_dir() -> anyhow::Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "acs-interop").context(
        "no home folder to keep the emulator's data in; pass --data-dir DIR or --in-memory",
    )?;
    Ok(dirs.data_dir().join("emulator"))
}

async fn run_emulator(args: EmulatorArgs) -> anyhow::Result<()> {
    let storage = if args.in_memory {
        Storage::InMemory
    } else {
        Storage::Directory(match args.data_dir {
            Some(dir) => dir,
            None => default_data_dir()?,
        })
    };
    let config = EmulatorConfig {
        listen: args.listen,
        tls: args.tls,
        storage: storage.clone(),
        throttle: args.throttle,
        strict_api_version: args.strict_api_version,
    };
    let emulator = Emulator::start(config).await.map_err(|e| {
        let hint = if matches!(&e, acs_interop::emulator::EmulatorError::Bind { .. }) {
            " (is another emulator running? pick a port with --listen 127.0.0.1:PORT, or 0 for any)"
        } else {
            ""
        };
        anyhow::anyhow!("{e}{hint}")
    })?;
    print_banner(&emulator, &storage);
    wait_for_stop_signal().await;
    println!("stopping…");
    emulator.shutdown().await;
    Ok(())
}

fn print_banner(emulator: &Emulator, storage: &Storage) {
    let ws = if emulator.scheme() == "https" {
        "wss"
    } else {
        "ws"
    };
    let addr = emulator.local_addr();
    println!("acs-interop emulator {}", env!("CARGO_PKG_VERSION"));
    println!("  endpoint           {}", emulator.endpoint());
    println!(
        "  connection string  {}",
        emulator.connection_string().expose()
    );
    println!("  resource id        {}", emulator.resource_id());
    if let Some(ca) = emulator.ca_certificate() {
        println!(
            "  certificate        {}  (trust it: Python connection_verify=<path>, Node NODE_EXTRA_CA_CERTS=<path>)",
            ca.display()
        );
    }
    match storage {
        Storage::InMemory => println!("  data               in memory (nothing is kept)"),
        Storage::Directory(dir) => println!("  data               {}", dir.display()),
    }
    println!("  realtime           {ws}://{addr}/emulator/realtime?since=0  (bearer token)");
    println!();
    println!("Point an ACS SDK at it with the connection string above, for example in Python:");
    println!(
        "  CommunicationIdentityClient.from_connection_string(cs, connection_verify=\"<certificate>\")"
    );
    println!("Press Ctrl-C to stop.");
}

async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
