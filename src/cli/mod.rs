//! Command-line arguments.

use acs_interop::commands::chat::Since;
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

mod faults;
pub use faults::{FaultsArgs, FaultsCommand, parse_fault_spec};

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
    pub connection: ConnectionArgs,

    #[command(flatten)]
    pub console: ConsoleArgs,
}

/// Where to connect and how to print: taken before or after any subcommand
/// (`acs-interop --json chat threads` and `acs-interop chat threads --json` are the same).
#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// Connect to this ACS resource or standalone emulator: "endpoint=https://...;accesskey=...".
    /// Prefer setting ACS_CONNECTION_STRING, or a profile: on the command line the access key is
    /// visible to every user of the machine (ps). Without one, the console runs its own emulator, and
    /// the chat and teams commands use the running console's (or open its data themselves).
    #[arg(
        long,
        global = true,
        env = "ACS_CONNECTION_STRING",
        hide_env_values = true,
        help_heading = "Connection"
    )]
    pub connection_string: Option<String>,

    /// Trust this PEM certificate too (the emulator's emulator-ca.pem with --tls).
    #[arg(long, global = true, value_name = "PATH", help_heading = "Connection")]
    pub ca_cert: Option<PathBuf>,

    /// Folder for the console's state, logs and the embedded emulator [default: the user data folder].
    #[arg(long, global = true, value_name = "DIR", help_heading = "Connection")]
    pub data_dir: Option<PathBuf>,

    /// Print JSON (the chat, teams, faults, doctor and call commands).
    #[arg(long, global = true, help_heading = "Connection")]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a local ACS emulator (identity, chat, realtime events, a simulated Teams tenant) until Ctrl-C.
    Emulator(EmulatorArgs),
    /// Say whether chat and calls between ACS users and a Teams user are enabled, why, and the PowerShell
    /// that fixes it. Exit code 0 when enabled, 1 when disabled, 2 on bad input.
    Doctor(DoctorArgs),
    /// Drive the emulator's simulated Teams tenant: users, policies, and acting as a Teams user.
    Teams(TeamsArgs),
    /// Read and write chat threads from the shell, as the console's identity (or --user-id). Exit code
    /// 0 when done, 1 when the service refused (its error code and request id printed), 2 on bad input.
    Chat(ChatArgs),
    /// Print a shell completion script: `acs-interop completions bash > /etc/bash_completion.d/acs-interop`.
    Completions { shell: clap_complete::Shell },
    /// Print the manual page (roff) to standard output: `acs-interop man | man -l -`.
    Man,
    /// Place a call through Call Automation and print each verified event until it ends. Exit code 0
    /// when it connected and ended normally, 1 when it failed or was refused, 2 on bad input.
    Call(CallArgs),
    /// Show or change the emulator's fault injection while it runs: throttling, server errors,
    /// latency, cut connections and realtime drops, by route class, with a seed that repeats a run.
    Faults(FaultsArgs),
    /// Play a session record (written with --record) in the console, at its pace, without a network.
    /// Exit code 2 when the file is not a whole record.
    Replay(ReplayArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// The record, as written by `acs-interop --record FILE`.
    pub file: PathBuf,

    /// How fast: 2 plays twice as fast, 0.5 half as fast, max without waiting.
    #[arg(long, value_name = "X", default_value = "1", value_parser = acs_interop::replay::Speed::parse)]
    pub speed: acs_interop::replay::Speed,

    /// Theme: dark, light, high-contrast, or a file <config>/themes/NAME.toml [default: from config.toml].
    #[arg(long)]
    pub theme: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct CallArgs {
    /// Whom to call: 8:orgid:<object id> or an Entra object id (Teams user), 28:orgid:<app id> (Teams
    /// app), 8:acs:... (ACS user), or a UPN on the emulator.
    pub participant: String,

    /// The ACS resource or emulator to call through (better from ACS_CONNECTION_STRING: on the
    /// command line the access key is visible to every user of the machine).
    #[arg(long, env = "ACS_CONNECTION_STRING", hide_env_values = true)]
    pub connection_string: Option<String>,

    /// Trust this PEM certificate (the emulator's emulator-ca.pem with --tls).
    #[arg(long, value_name = "PATH")]
    pub ca_cert: Option<PathBuf>,

    /// Call from this existing identity (8:acs:...) instead of a new one.
    #[arg(long, value_name = "RAW_ID")]
    pub source: Option<String>,

    /// The caller's display name, shown to Teams users.
    #[arg(long, value_name = "NAME", default_value = "acs-interop")]
    pub name: String,

    /// Hang up this many seconds after the call connects (otherwise it lasts until the other side
    /// hangs up, or Ctrl-C).
    #[arg(long, value_name = "SECS")]
    pub hangup_after: Option<u64>,

    /// One JSON object per event, per line.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub callbacks: CallbackArgs,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "Export the facts with Teams PowerShell:\n  \
    Get-CsTeamsAcsFederationConfiguration | ConvertTo-Json > federation.json\n  \
    Get-CsExternalAccessPolicy | ConvertTo-Json > policies.json\n  \
    Get-CsOnlineUser -Identity <upn> | ConvertTo-Json > user.json")]
pub struct DoctorArgs {
    /// Output of `Get-CsTeamsAcsFederationConfiguration | ConvertTo-Json`.
    #[arg(long, value_name = "FILE", required_unless_present = "emulator")]
    pub federation_config: Option<PathBuf>,

    /// Output of `Get-CsExternalAccessPolicy | ConvertTo-Json` (one policy or an array).
    #[arg(long, value_name = "FILE", required_unless_present = "emulator")]
    pub policies: Option<PathBuf>,

    /// Output of `Get-CsOnlineUser -Identity <upn> | ConvertTo-Json`.
    #[arg(long, value_name = "FILE", required_unless_present = "emulator")]
    pub user: Option<PathBuf>,

    /// The ACS resource's immutable resource id (with --emulator: the emulator's).
    #[arg(long, value_name = "ID", required_unless_present = "emulator")]
    pub resource_id: Option<String>,

    /// Read the facts from an acs-interop emulator's tenant instead of files.
    #[arg(long, requires = "connection_string", requires = "teams_user")]
    pub emulator: bool,

    /// With --emulator: the Teams user's UPN or object id.
    #[arg(long, value_name = "UPN_OR_ID")]
    pub teams_user: Option<String>,

    /// With --emulator: the emulator's connection string (better from ACS_CONNECTION_STRING: on the
    /// command line the access key is visible to every user of the machine).
    #[arg(long, env = "ACS_CONNECTION_STRING", hide_env_values = true)]
    pub connection_string: Option<String>,

    /// With --emulator: trust this PEM certificate (the emulator's emulator-ca.pem with --tls).
    #[arg(long, value_name = "PATH")]
    pub ca_cert: Option<PathBuf>,

    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct TeamsArgs {
    #[command(subcommand)]
    pub action: TeamsCommand,
}

#[derive(Debug, Clone, Args)]
pub struct ChatArgs {
    /// Observe as this existing identity (8:acs:...) instead of the console's own: reading works;
    /// writing needs --act too.
    #[arg(long, global = true, value_name = "RAW_ID")]
    pub user_id: Option<String>,

    /// With --user-id: write (send) as that user too.
    #[arg(long, global = true)]
    pub act: bool,

    /// Show times in UTC instead of the local time zone.
    #[arg(long, global = true)]
    pub utc: bool,

    /// Write the command's requests and answers to this HAR 1.2 file (secrets redacted), for browser
    /// developer tools or Fiddler.
    #[arg(long, global = true, value_name = "FILE")]
    pub har: Option<PathBuf>,

    #[command(subcommand)]
    pub action: ChatCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ChatCommand {
    /// The threads you are in, newest activity first.
    Threads,
    /// A thread's properties, participants, read receipts and newest messages.
    Show {
        /// The thread id: 19:<id>@thread.v2.
        thread: String,
        /// How many of the newest messages to show.
        #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=200))]
        messages: u32,
    },
    /// A thread's messages, newest first: the newest --limit N, or --all of them page by page
    /// (with --json, one object per line).
    Messages {
        /// The thread id: 19:<id>@thread.v2.
        thread: String,
        /// The newest N messages [default: 20].
        #[arg(long, value_name = "N", conflicts_with = "all", value_parser = clap::value_parser!(u32).range(1..))]
        limit: Option<u32>,
        /// Every message, printed page by page as it arrives.
        #[arg(long)]
        all: bool,
        /// Only messages created (or edited or deleted) since TIME: RFC 3339
        /// (2026-11-28T09:00:00Z) or a date (2026-11-28, from midnight in the local zone, or UTC with --utc).
        #[arg(long, value_name = "TIME", value_parser = parse_since)]
        since: Option<Since>,
    },
    /// A thread's participants.
    Participants {
        /// The thread id: 19:<id>@thread.v2.
        thread: String,
    },
    /// A thread's read receipts: who read up to which message.
    Receipts {
        /// The thread id: 19:<id>@thread.v2.
        thread: String,
    },
    /// Send a message to a thread.
    Send {
        /// The thread id: 19:<id>@thread.v2.
        thread: String,
        /// The message.
        text: String,
        /// The text is HTML.
        #[arg(long)]
        html: bool,
        /// Your display name in the thread [default: $USER].
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
    },
    /// Print events as they happen (messages, edits, deletions, typing, receipts, threads and
    /// participants), in one thread or all of yours, until Ctrl-C.
    Watch {
        /// Only this thread (19:<id>@thread.v2) [default: all of yours].
        thread: Option<String>,
        /// Poll every SECS seconds instead of using the emulator's realtime socket (the real service
        /// is always polled, every 5 s by default: its push channel is not public).
        #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
        poll: Option<u64>,
    },
}

/// Parses `--since`: RFC 3339, or `YYYY-MM-DD`.
pub fn parse_since(text: &str) -> Result<Since, String> {
    Since::parse(text)
}

#[derive(Debug, Clone, Subcommand)]
pub enum TeamsCommand {
    /// List the tenant's users (Get-CsOnlineUser).
    Users,
    /// One user by UPN or object id.
    User { who: String },
    /// Show or change the federation configuration (Set-CsTeamsAcsFederationConfiguration).
    Federation {
        /// EnableAcsUsers.
        #[arg(long)]
        enable: Option<bool>,
        /// Add a resource id to AllowedAcsResources.
        #[arg(long, value_name = "RESOURCE_ID")]
        allow: Vec<String>,
        /// Remove a resource id from AllowedAcsResources.
        #[arg(long, value_name = "RESOURCE_ID")]
        disallow: Vec<String>,
    },
    /// List the External Access Policies (Get-CsExternalAccessPolicy).
    Policies,
    /// Create a policy (New-CsExternalAccessPolicy).
    NewPolicy {
        identity: String,
        /// EnableAcsFederationAccess: true or false.
        #[arg(long, value_name = "true|false", action = clap::ArgAction::Set)]
        acs: bool,
    },
    /// Change a policy (Set-CsExternalAccessPolicy).
    SetPolicy {
        identity: String,
        /// EnableAcsFederationAccess: true or false.
        #[arg(long, value_name = "true|false", action = clap::ArgAction::Set)]
        acs: bool,
    },
    /// Grant a policy to a user (Grant-CsExternalAccessPolicy); "Global" removes the grant.
    Grant { who: String, policy: String },
    /// Say something as a Teams user in a thread.
    Say {
        who: String,
        thread_id: String,
        text: String,
        /// The text is HTML.
        #[arg(long)]
        html: bool,
        /// Attach an image with this name.
        #[arg(long, value_name = "NAME")]
        image: Vec<String>,
        /// Attach a file with this name.
        #[arg(long, value_name = "NAME")]
        file: Vec<String>,
    },
    /// Type as a Teams user in a thread.
    Type { who: String, thread_id: String },
    /// Try to edit as a Teams user (refused: Teams users cannot edit in these chats).
    Edit {
        who: String,
        thread_id: String,
        message_id: String,
        text: String,
    },
    /// Leave a thread as a Teams user.
    Leave { who: String, thread_id: String },
    /// List the live calls, with their participants, recording and transcription.
    Calls,
    /// Start or stop the Teams user's recording of their call (the app gets RecordingStateChanged).
    Record { who: String, action: OnOff },
    /// Start or stop Teams transcription of the Teams user's call (TranscriptionStarted/Stopped).
    Transcribe { who: String, action: OnOff },
    /// Put the Teams user's call on hold, or take it off hold.
    Hold { who: String, action: OnOff },
    /// The Teams user hangs up their call.
    Hangup { who: String },
    /// The Teams user transfers their call (refused for ACS users, with the rule).
    Transfer { who: String, target: String },
    /// The Teams user forwards their call (refused: forwarding isn't supported in interop calls).
    Forward { who: String, target: String },
    /// The Teams user calls someone (refused for ACS users, with the rule).
    Call { who: String, target: String },
}

/// start or stop (on or off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnOff {
    #[value(alias = "on")]
    Start,
    #[value(alias = "off")]
    Stop,
}

#[derive(Debug, Clone, Args)]
pub struct ConsoleArgs {
    /// Use a [profiles.NAME] entry of config.toml.
    #[arg(long, value_name = "NAME", conflicts_with = "connection_string")]
    pub profile: Option<String>,

    /// Look at threads as this existing identity (8:acs:...) instead of the console's own, without
    /// leaving a trace: no read receipts or typing notifications, and every write asks first.
    #[arg(long, value_name = "RAW_ID")]
    pub user_id: Option<String>,

    /// With --user-id (or a profile's user_id): act as that user from the start (messages, read
    /// receipts and typing go out as them) instead of observing.
    #[arg(long)]
    pub act: bool,

    /// Keep nothing: the embedded emulator and the outbox live in memory.
    #[arg(long, conflicts_with = "data_dir")]
    pub in_memory: bool,

    /// Theme: dark, light, high-contrast, or a file <config>/themes/NAME.toml [default: from config.toml].
    #[arg(long)]
    pub theme: Option<String>,

    /// Your display name in threads [default: $USER].
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// When the console closes, write every request, answer and realtime frame of the session to this
    /// HAR 1.2 file (secrets redacted), for browser developer tools or Fiddler. `:har FILE` saves at
    /// any moment.
    #[arg(long, value_name = "FILE")]
    pub har: Option<PathBuf>,

    /// Write what the console hears (no keys or tokens) to FILE, to play it back with `replay FILE`.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,

    /// Inject faults into the embedded emulator from the start (see `acs-interop faults --help` for
    /// SPEC); change them live with `acs-interop faults`.
    #[arg(long, value_name = "SPEC", value_parser = parse_fault_spec)]
    pub faults: Option<String>,

    /// Log level or tracing filter; the log is console.log in the data folder. The embedded
    /// emulator's line per request is left out by default (the inspector shows every exchange);
    /// `--log-level info` puts it in.
    #[arg(
        long,
        default_value = "info,acs_interop::emulator::request_log=warn",
        env = "ACS_INTEROP_LOG"
    )]
    pub log_level: String,

    #[command(flatten)]
    pub callbacks: CallbackArgs,
}

/// Where Call Automation posts call events.
#[derive(Debug, Clone, Args)]
pub struct CallbackArgs {
    /// The public HTTPS URL that reaches the callback listener (a tunnel such as a dev tunnel); the real
    /// service needs one to deliver call events. Not needed for an emulator on this machine.
    #[arg(long, value_name = "URL")]
    pub callback_url: Option<String>,

    /// Where the callback listener binds [default: 127.0.0.1 on a free port]; with --callback-url, the
    /// address the tunnel forwards to.
    #[arg(long, value_name = "ADDR")]
    pub callback_listen: Option<SocketAddr>,
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

    /// Inject faults: throttling, server errors, latency, cut connections and realtime drops
    /// (see `acs-interop faults --help` for SPEC); change them live with `acs-interop faults`.
    #[arg(long, value_name = "SPEC", value_parser = parse_fault_spec)]
    pub faults: Option<String>,

    /// When a write is acknowledged: full = synced to the disk first (survives a power cut);
    /// relaxed = in the write-ahead log, synced at checkpoints (survives a crash of the process, not a
    /// power cut; faster on slow disks).
    #[arg(long, value_enum, default_value_t = DurabilityArg::Full)]
    pub durability: DurabilityArg,

    /// Refuse api-version dates this emulator does not know, instead of serving them.
    #[arg(long)]
    pub strict_api_version: bool,

    /// The simulated Teams tenant, as a TOML seed file (see seeds/demo-tenant.toml); replaces the stored one.
    /// Without it: the stored tenant, or the built-in demo tenant.
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,

    /// Connections served at once; past it a new one is closed at once (lowered to fit the open-file
    /// limit).
    #[arg(long, value_name = "N", default_value_t = 4096, value_parser = clap::value_parser!(u64).range(16..=1_000_000))]
    pub max_connections: u64,

    /// How long a client has to send a request's headers, and to start its next request on a
    /// kept-alive connection.
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout: u64,

    /// How long a call rings before it ends unanswered (CreateCallFailed 487/10004).
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub ring_timeout: u64,

    /// The issuer (`iss`) of the JWTs that sign Call Automation callbacks.
    #[arg(long, value_name = "URL", default_value = acs_interop::acs::callback_token::CALL_AUTOMATION_ISSUER)]
    pub callback_issuer: String,

    /// Log level (error, warn, info, debug, trace) or a tracing filter; logs go to standard error.
    /// At info (the default) there is one line per request: method, path, status, latency, caller
    /// and request id.
    #[arg(long, default_value = "info", env = "ACS_INTEROP_LOG")]
    pub log_level: String,
}

/// The argument that carries an access key.
const CONNECTION_STRING: &str = "connection_string";

/// A warning when the access key came as `--connection-string` on the command line, where `ps` and
/// `/proc` show it to every user of the machine (`ACS_CONNECTION_STRING` and profiles do not).
pub fn key_on_command_line(matches: &ArgMatches) -> Option<&'static str> {
    let on_line = |m: &ArgMatches| {
        m.ids().any(|id| id.as_str() == CONNECTION_STRING)
            && m.value_source(CONNECTION_STRING) == Some(ValueSource::CommandLine)
    };
    if matches.subcommand().is_some_and(|(_, sub)| on_line(sub)) {
        Some(
            "--connection-string puts the access key on the command line, where other users of this \
             machine can read it (ps, /proc). Set ACS_CONNECTION_STRING instead.",
        )
    } else if on_line(matches) {
        Some(
            "--connection-string puts the access key on the command line, where other users of this \
             machine can read it (ps, /proc). Set ACS_CONNECTION_STRING instead, or use a profile in \
             config.toml (--profile NAME).",
        )
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, FromArgMatches};

    fn parse(args: &[&str]) -> (Cli, Option<&'static str>) {
        let matches = Cli::command()
            .try_get_matches_from(args)
            .expect("the arguments parse");
        let cli = Cli::from_arg_matches(&matches).expect("the arguments fit");
        (cli, key_on_command_line(&matches))
    }

    #[test]
    fn only_a_key_typed_on_the_command_line_is_warned_about() {
        let cs = "endpoint=http://127.0.0.1:7880/;accesskey=a2V5";
        let (cli, warning) = parse(&["acs-interop", "--connection-string", cs]);
        assert_eq!(cli.connection.connection_string.as_deref(), Some(cs));
        let warning = warning.expect("the console warns");
        assert!(
            warning.contains("ACS_CONNECTION_STRING") && warning.contains("--profile"),
            "{warning}"
        );
        assert!(!warning.contains("a2V5"), "the warning holds no key");
        let (_, warning) = parse(&["acs-interop", "teams", "--connection-string", cs, "users"]);
        let warning = warning.expect("subcommands warn too");
        assert!(
            !warning.contains("--profile"),
            "they have no profiles: {warning}"
        );
        assert_eq!(parse(&["acs-interop", "--profile", "dev"]).1, None);
        assert_eq!(parse(&["acs-interop", "emulator", "--tls"]).1, None);
    }
}

/// `--durability`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DurabilityArg {
    Full,
    Relaxed,
}
