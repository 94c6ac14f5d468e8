//! acs-interop: command-line entry point. Parses arguments and dispatches; nothing else.

mod cli;
mod headless;

use anyhow::Context;
use clap::{CommandFactory, FromArgMatches};
use std::path::PathBuf;
use std::process::ExitCode;

use acs_interop::acs::connection_string::ConnectionString;
use acs_interop::app::launch::{Endpoint, LaunchOptions, launch};
use acs_interop::commands::doctor::{DoctorSource, doctor};
use acs_interop::config::{Settings, paths};
use acs_interop::emulator::{Emulator, EmulatorConfig, Storage};
use cli::{
    CallArgs, Cli, Command, ConnectionArgs, ConsoleArgs, DoctorArgs, EmulatorArgs, ReplayArgs,
};

/// Writes a line to standard output, ignoring a closed or full stdout: the emulator serves on whether
/// anyone reads its banner (`emulator | head -2` must not stop or panic it).
macro_rules! say {
    ($out:ident) => {{
        let _ = writeln!($out);
    }};
    ($out:ident, $($arg:tt)*) => {{
        let _ = writeln!($out, $($arg)*);
    }};
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.format(&mut Cli::command()).exit(),
    };
    let key_warning = cli::key_on_command_line(&matches);
    if let Some(warning) = key_warning {
        // Before the console takes over the terminal; the console's log gets it too.
        eprintln!("warning: {warning}");
    }
    // Read while the process has one thread: the local offset cannot be read safely later.
    let utc_offset_s = time::UtcOffset::current_local_offset()
        .map(|o| o.whole_seconds())
        .unwrap_or(0);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Some(Command::Emulator(args)) => runtime.block_on(run_emulator(args)),
        Some(Command::Doctor(args)) => {
            return ExitCode::from(runtime.block_on(run_doctor(args)));
        }
        Some(Command::Teams(args)) => runtime.block_on(headless::run_teams(cli.connection, args)),
        Some(Command::Faults(args)) => runtime.block_on(headless::run_faults(cli.connection, args)),
        Some(Command::Chat(args)) => {
            let options =
                headless::chat_options(cli.connection, cli.console.user_id, args, utc_offset_s);
            return ExitCode::from(runtime.block_on(acs_interop::commands::chat::run(options)));
        }
        Some(Command::Completions { shell }) => {
            // Written whole at the end: the generator panics on a closed pipe (`| head`).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "acs-interop", &mut script);
            print_bytes(&script)
        }
        Some(Command::Man) => {
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut page)
                .context("cannot render the manual page")
                .and_then(|()| print_bytes(&page))
        }
        Some(Command::Call(args)) => {
            return ExitCode::from(runtime.block_on(run_call(args)));
        }
        Some(Command::Replay(args)) => {
            return ExitCode::from(runtime.block_on(run_replay(args, utc_offset_s)));
        }
        None => runtime.block_on(run_console(
            cli.connection,
            cli.console,
            utc_offset_s,
            key_warning,
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Errors can quote what a server said.
            eprintln!(
                "error: {}",
                acs_interop::text::sanitize_line(&format!("{e:#}"))
            );
            ExitCode::FAILURE
        }
    }
}

/// Writes to standard output; a reader that stopped early (`| head`) is not an error.
fn print_bytes(bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).context("cannot write to standard output")
        }
        _ => Ok(()),
    }
}

fn init_stderr_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // Colour codes only for a person at a terminal: a file or a pipe gets plain lines.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(std::io::stderr)
        .init();
}

/// The console's log goes to a file: the terminal belongs to the interface.
fn init_file_logging(level: &str, dir: &std::path::Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join("console.log");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("cannot open the log {}", path.display()))?;
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .init();
    Ok(path)
}

async fn run_console(
    connection: ConnectionArgs,
    args: ConsoleArgs,
    utc_offset_s: i32,
    key_warning: Option<&str>,
) -> anyhow::Result<()> {
    let data_dir = if args.in_memory {
        None
    } else {
        Some(match connection.data_dir.clone() {
            Some(dir) => dir,
            None => paths::data_dir()?,
        })
    };
    let config_dir = paths::config_dir().ok();
    let config_path = config_dir.as_ref().map(|d| d.join("config.toml"));
    let settings = match &config_path {
        Some(path) => Settings::load(path)?,
        None => Settings::default(),
    };
    let log_dir = data_dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("acs-interop"));
    init_file_logging(&args.log_level, &log_dir)?;
    if let Some(warning) = key_warning {
        tracing::warn!("{warning}");
    }

    let profile = match (&args.profile, &settings.default_profile) {
        (Some(name), _) | (None, Some(name)) if connection.connection_string.is_none() => {
            let found = settings.profiles.get(name).cloned().with_context(|| {
                let known: Vec<&String> = settings.profiles.keys().collect();
                format!(
                    "there is no profile '{name}' in {} (profiles: {known:?})",
                    config_path
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default()
                )
            })?;
            Some(found)
        }
        _ => None,
    };
    let endpoint = match (&connection.connection_string, profile) {
        (Some(cs), _) => Endpoint::Service {
            connection: ConnectionString::parse(cs)
                .context("--connection-string / ACS_CONNECTION_STRING")?,
            user_id: args.user_id.clone(),
            ca_cert: connection.ca_cert.clone(),
        },
        (None, Some(profile)) => Endpoint::Service {
            connection: ConnectionString::parse(&profile.connection_string)
                .context("the profile's connection_string")?,
            user_id: args.user_id.clone().or(profile.user_id),
            ca_cert: connection.ca_cert.clone().or(profile.ca_cert),
        },
        (None, None) => Endpoint::Embedded {
            user_id: args.user_id.clone(),
            faults: Box::new(match &args.faults {
                Some(spec) => acs_interop::emulator::faults::FaultSpec::parse(spec)
                    .map_err(|why| anyhow::anyhow!("--faults: {why}"))?,
                None => Default::default(),
            }),
        },
    };
    if args.faults.is_some() && !matches!(endpoint, Endpoint::Embedded { .. }) {
        anyhow::bail!(
            "--faults injects faults into the embedded emulator; for a standalone one, start it with \
             `acs-interop emulator --faults SPEC` or use `acs-interop faults set SPEC`"
        );
    }
    if args.act && endpoint.user_id().is_none() {
        anyhow::bail!(
            "--act needs --user-id RAW_ID (or a profile with user_id): it acts as that user instead of observing them"
        );
    }
    let display_name = args.name.clone().unwrap_or_else(default_display_name);
    launch(LaunchOptions {
        endpoint,
        callbacks: acs_interop::app::launch::CallbackOptions {
            url: args.callbacks.callback_url.clone(),
            listen: args.callbacks.callback_listen,
        },
        data_dir,
        config_dir,
        theme: args.theme.clone().unwrap_or_else(|| settings.theme.clone()),
        settings,
        display_name,
        utc_offset_s,
        har: args.har.clone(),
        act: args.act,
        record: args.record.clone(),
    })
    .await
}

/// Exit code 0 after the replay, 2 when the file is not a whole record, 1 on other errors.
async fn run_replay(args: ReplayArgs, utc_offset_s: i32) -> u8 {
    // Checked whole before the terminal is taken over.
    let record = match acs_interop::replay::read_record(&args.file) {
        Ok(record) => record,
        Err(e) => {
            let message = format!("{}: {e}", args.file.display());
            eprintln!("error: {}", acs_interop::text::sanitize_line(&message));
            return 2;
        }
    };
    let config_dir = paths::config_dir().ok();
    let settings = match config_dir
        .as_ref()
        .map(|d| Settings::load(&d.join("config.toml")))
    {
        Some(Ok(settings)) => settings,
        Some(Err(e)) => {
            eprintln!("error: {e:#}");
            return 1;
        }
        None => Settings::default(),
    };
    let options = acs_interop::app::launch::ReplayOptions {
        record,
        speed: args.speed,
        config_dir,
        theme: args.theme.unwrap_or_else(|| settings.theme.clone()),
        settings,
        utc_offset_s,
    };
    match acs_interop::app::launch::replay(options).await {
        Ok(()) => 0,
        Err(e) => {
            eprintln!(
                "error: {}",
                acs_interop::text::sanitize_line(&format!("{e:#}"))
            );
            1
        }
    }
}

async fn run_emulator(args: EmulatorArgs) -> anyhow::Result<()> {
    init_stderr_logging(&args.log_level);
    let storage = if args.in_memory {
        Storage::InMemory
    } else {
        Storage::Directory(match args.data_dir {
            Some(dir) => dir,
            None => paths::data_dir()?.join("emulator"),
        })
    };
    let tenant = match &args.seed {
        Some(path) => acs_interop::emulator::tenant::TenantSource::Seed {
            name: path.display().to_string(),
            text: std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the tenant seed {}", path.display()))?,
        },
        None => acs_interop::emulator::tenant::TenantSource::StoredOrDemo,
    };
    let config = EmulatorConfig {
        listen: args.listen,
        tls: args.tls,
        storage: storage.clone(),
        throttle: args.throttle,
        durability: match args.durability {
            crate::cli::DurabilityArg::Full => acs_interop::emulator::Durability::Full,
            crate::cli::DurabilityArg::Relaxed => acs_interop::emulator::Durability::Relaxed,
        },
        strict_api_version: args.strict_api_version,
        tenant,
        calling: acs_interop::emulator::CallingSettings {
            ring_timeout: std::time::Duration::from_secs(args.ring_timeout),
            issuer: args.callback_issuer.as_str().into(),
        },
        faults: match &args.faults {
            Some(spec) => acs_interop::emulator::faults::FaultSpec::parse(spec)
                .map_err(|why| anyhow::anyhow!("--faults: {why}"))?,
            None => Default::default(),
        },
        connections: acs_interop::emulator::server::ConnectionLimits {
            max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
            header_timeout: std::time::Duration::from_secs(args.header_timeout),
        },
    };
    let emulator = Emulator::start(config).await.map_err(|e| {
        let hint = if matches!(&e, acs_interop::emulator::EmulatorError::Bind { .. }) {
            " (is another emulator running? pick a port with --listen 127.0.0.1:PORT, or 0 for any)"
        } else {
            ""
        };
        anyhow::anyhow!("{e}{hint}")
    })?;
    // Listening for the stop signals before the banner says the emulator is ready, so a SIGTERM
    // sent as soon as the banner is read stops it cleanly instead of killing it.
    let stop = stop_signal();
    print_banner(&emulator, &storage);
    stop.await;
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        say!(out, "stopping…");
    }
    emulator.shutdown().await;
    Ok(())
}

fn print_banner(emulator: &Emulator, storage: &Storage) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let ws = if emulator.scheme() == "https" {
        "wss"
    } else {
        "ws"
    };
    let addr = emulator.local_addr();
    say!(out, "acs-interop emulator {}", env!("CARGO_PKG_VERSION"));
    say!(out, "  endpoint           {}", emulator.endpoint());
    say!(
        out,
        "  connection string  {}",
        emulator.connection_string().expose()
    );
    say!(out, "  resource id        {}", emulator.resource_id());
    if let Some(ca) = emulator.ca_certificate() {
        say!(
            out,
            "  certificate        {}  (trust it: Python connection_verify=<path>, Node NODE_EXTRA_CA_CERTS=<path>, acs-interop --ca-cert <path>)",
            ca.display()
        );
    }
    match storage {
        Storage::InMemory => say!(out, "  data               in memory (nothing is kept)"),
        Storage::Directory(dir) => say!(out, "  data               {}", dir.display()),
    }
    say!(
        out,
        "  realtime           {ws}://{addr}/emulator/realtime?since=0  (bearer token)"
    );
    say!(
        out,
        "  calls              {}calling/...  (HMAC; callbacks signed with the keys at {}calling/keys)",
        emulator.endpoint(),
        emulator.endpoint()
    );
    let (faults, seed) = emulator.faults();
    if !faults.is_off() {
        say!(
            out,
            "  faults             {}  (injected on purpose; `acs-interop faults` shows and changes them)",
            faults.with_seed(seed)
        );
    }
    say!(out);
    say!(out, "Open a console on it:");
    say!(
        out,
        "  {}",
        console_command(emulator.connection_string(), emulator.ca_certificate())
    );
    say!(out, "Or point an ACS SDK at it, for example in Python:");
    say!(
        out,
        "  CommunicationIdentityClient.from_connection_string(cs, connection_verify=\"<certificate>\")"
    );
    say!(out, "Press Ctrl-C to stop.");
}

/// The shell command that opens a console on the emulator: the connection string in the environment,
/// where `ps` does not show it, and the CA to trust with TLS.
fn console_command(connection: &ConnectionString, ca: Option<&std::path::Path>) -> String {
    let mut command = format!(
        "ACS_CONNECTION_STRING={} acs-interop",
        shell_quote(&connection.expose())
    );
    if let Some(ca) = ca {
        command.push_str(" --ca-cert ");
        command.push_str(&shell_quote(&ca.display().to_string()));
    }
    command
}

/// `text` as one POSIX shell word: in single quotes unless it is plainly safe.
fn shell_quote(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+:@,%".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// Exit code 0 when chat is enabled, 1 when disabled, 2 on bad input.
async fn run_doctor(args: DoctorArgs) -> u8 {
    let source = if args.emulator {
        let parsed = args
            .connection_string
            .as_deref()
            .map(ConnectionString::parse);
        match (parsed, args.teams_user.clone()) {
            (Some(Ok(connection)), Some(user)) => DoctorSource::Emulator {
                connection,
                ca_cert: args.ca_cert.clone(),
                user,
            },
            (Some(Err(e)), _) => {
                eprintln!("error: --connection-string: {e}");
                return 2;
            }
            _ => {
                eprintln!("error: --emulator needs --connection-string and --teams-user");
                return 2;
            }
        }
    } else {
        match (
            &args.federation_config,
            &args.policies,
            &args.user,
            &args.resource_id,
        ) {
            (Some(f), Some(p), Some(u), Some(r)) => DoctorSource::Files {
                federation_config: f.clone(),
                policies: p.clone(),
                user: u.clone(),
                resource_id: r.clone(),
            },
            _ => {
                eprintln!(
                    "error: give --federation-config, --policies, --user and --resource-id (or --emulator)"
                );
                return 2;
            }
        }
    };
    let (code, output) = doctor(source, args.json).await;
    if code == 2 {
        eprintln!("{output}");
    } else {
        acs_interop::commands::print_line(output.trim_end_matches('\n'));
    }
    code
}

/// Your display name in threads: $USER, as the console's default.
pub(crate) fn default_display_name() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "me".to_string())
}

/// Exit code 0 when the call connected and ended normally, 1 when it failed or was refused, 2 on bad
/// input.
async fn run_call(args: CallArgs) -> u8 {
    // Refused callbacks and failed key fetches are logged: they explain a call that hears nothing.
    init_stderr_logging("warn");
    // Also given before `call`: the top-level flag's value reaches this one.
    let Some(text) = args.connection_string.as_deref() else {
        eprintln!("error: give --connection-string, or set ACS_CONNECTION_STRING");
        return 2;
    };
    let connection = match ConnectionString::parse(text) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: --connection-string / ACS_CONNECTION_STRING: {e}");
            return 2;
        }
    };
    let options = acs_interop::commands::call::CallOptions {
        connection,
        ca_cert: args.ca_cert,
        participant: args.participant,
        source: args.source,
        display_name: args.name,
        json: args.json,
        hang_up_after: args.hangup_after.map(std::time::Duration::from_secs),
        callback_url: args.callbacks.callback_url,
        callback_listen: args.callbacks.callback_listen,
    };
    match acs_interop::commands::call::run(options).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

/// Ctrl-C or SIGTERM. On Unix the handlers are installed when this is called, not when the
/// future is first polled.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let handlers = {
        use tokio::signal::unix::{SignalKind, signal};
        signal(SignalKind::terminate())
            .and_then(|term| Ok((term, signal(SignalKind::interrupt())?)))
    };
    async move {
        #[cfg(unix)]
        if let Ok((mut term, mut interrupt)) = handlers {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = term.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_command_passes_the_key_in_the_environment_and_trusts_the_ca() {
        let connection = ConnectionString::new("https://127.0.0.1:7880/", b"key".to_vec());
        let ca = std::path::Path::new("/home/me/my data/emulator-ca.pem");
        assert_eq!(
            console_command(&connection, Some(ca)),
            "ACS_CONNECTION_STRING='endpoint=https://127.0.0.1:7880/;accesskey=a2V5' acs-interop \
             --ca-cert '/home/me/my data/emulator-ca.pem'"
        );
        let plain = ConnectionString::new("http://127.0.0.1:7880/", b"key".to_vec());
        assert_eq!(
            console_command(&plain, None),
            "ACS_CONNECTION_STRING='endpoint=http://127.0.0.1:7880/;accesskey=a2V5' acs-interop"
        );
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
