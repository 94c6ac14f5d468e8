//! `acs-interop chat ...`: chat threads from the shell, as the console's own identity (or another one,
//! observed with `--user-id`). Human tables by default; `--json` prints one document per command, or
//! one object per line for `watch` and `messages --all` (README, "chat --json").
//!
//! Exit codes: 0 done; 1 the service refused (its code, message and request id are printed) or the
//! endpoint could not be reached; 2 bad input.

mod json;
mod out;
mod poll;
mod read;
mod send;
mod table;
mod watch;
mod when;

pub use when::Since;

use std::path::PathBuf;

use crate::acs::identifier::{CommunicationIdentifier, IdentifierKind};
use crate::acs::thread_id::ThreadId;
use crate::backend::session::{self, SessionError, Target};
use crate::client::ClientError;
use crate::commands::endpoint::{ReachOptions, reach};
use crate::text::sanitize_line;
use out::Out;

/// What `acs-interop chat` was asked to do, as the command line gave it (checked here).
#[derive(Debug, Clone)]
pub struct ChatOptions {
    pub connection_string: Option<String>,
    pub ca_cert: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    /// Observe as this identity instead of the console's own.
    pub user_id: Option<String>,
    /// With `user_id`: write as that identity too.
    pub act: bool,
    pub json: bool,
    /// Times in UTC rather than at `utc_offset_s`.
    pub utc: bool,
    /// The local zone's offset, read while the process had one thread.
    pub utc_offset_s: i32,
    /// The name messages are sent under.
    pub display_name: String,
    /// Write the command's exchanges to this HAR file.
    pub har: Option<PathBuf>,
    pub action: ChatAction,
}

/// One chat subcommand, ids still as typed.
#[derive(Debug, Clone)]
pub enum ChatAction {
    Threads,
    Show {
        thread: String,
        messages: u32,
    },
    Messages {
        thread: String,
        limit: Option<u32>,
        all: bool,
        since: Option<Since>,
    },
    Participants {
        thread: String,
    },
    Receipts {
        thread: String,
    },
    Send {
        thread: String,
        text: String,
        html: bool,
    },
    Watch {
        thread: Option<String>,
        poll_secs: Option<u64>,
    },
}

/// Why a command stopped, with its exit code. Texts may quote the service: they are sanitised when
/// printed.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error("{0}")]
    BadInput(String),
    #[error("{0}")]
    Service(ClientError),
    #[error("{0}")]
    Failed(String),
    /// Whoever read standard output stopped reading (`| head`): not a failure.
    #[error("standard output was closed")]
    Closed,
}

impl ChatError {
    pub fn exit_code(&self) -> u8 {
        match self {
            ChatError::BadInput(_) => 2,
            ChatError::Service(_) | ChatError::Failed(_) => 1,
            ChatError::Closed => 0,
        }
    }
}

impl From<ClientError> for ChatError {
    fn from(e: ClientError) -> Self {
        ChatError::Service(e)
    }
}

impl From<std::io::Error> for ChatError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            ChatError::Closed
        } else {
            ChatError::Failed(format!("cannot write the output: {e}"))
        }
    }
}

/// The subcommand with its ids parsed.
enum Checked {
    Threads,
    Show(ThreadId, u32),
    Messages {
        thread: ThreadId,
        limit: u32,
        all: bool,
        since: Option<Since>,
    },
    Participants(ThreadId),
    Receipts(ThreadId),
    Send(ThreadId, String, bool),
    Watch(Option<ThreadId>, Option<u64>),
}

/// How many messages `messages` shows without `--limit`.
const DEFAULT_LIMIT: u32 = 20;

fn thread(text: &str) -> Result<ThreadId, ChatError> {
    ThreadId::parse(text).map_err(|e| ChatError::BadInput(e.to_string()))
}

/// Parses the ids and refuses a write while observing, before anything is started.
fn check(options: &ChatOptions) -> Result<Checked, ChatError> {
    if let Some(raw) = &options.user_id {
        let identifier = CommunicationIdentifier::from_raw_id(raw.trim());
        if identifier.kind() != IdentifierKind::CommunicationUser {
            return Err(ChatError::BadInput(format!(
                "--user-id '{}' is not an ACS user id; they look like 8:acs:<resource id>_<user id>",
                sanitize_line(raw)
            )));
        }
    } else if options.act {
        return Err(ChatError::BadInput(
            "--act acts as the identity given with --user-id; give one".into(),
        ));
    }
    Ok(match &options.action {
        ChatAction::Threads => Checked::Threads,
        ChatAction::Show {
            thread: t,
            messages,
        } => Checked::Show(thread(t)?, *messages),
        ChatAction::Messages {
            thread: t,
            limit,
            all,
            since,
        } => Checked::Messages {
            thread: thread(t)?,
            limit: limit.unwrap_or(DEFAULT_LIMIT),
            all: *all,
            since: since.clone(),
        },
        ChatAction::Participants { thread: t } => Checked::Participants(thread(t)?),
        ChatAction::Receipts { thread: t } => Checked::Receipts(thread(t)?),
        ChatAction::Send {
            thread: t,
            text,
            html,
        } => {
            let id = thread(t)?;
            if let (Some(raw), false) = (&options.user_id, options.act) {
                return Err(ChatError::BadInput(format!(
                    "you are observing as {}: add --act to send as them",
                    sanitize_line(raw.trim())
                )));
            }
            if text.trim().is_empty() {
                return Err(ChatError::BadInput("the message is empty".into()));
            }
            Checked::Send(id, text.clone(), *html)
        }
        ChatAction::Watch {
            thread: t,
            poll_secs,
        } => Checked::Watch(t.as_deref().map(thread).transpose()?, *poll_secs),
    })
}

/// Runs the command; returns the exit code after printing any error on standard error.
pub async fn run(options: ChatOptions) -> u8 {
    let result = run_checked(&options).await;
    match result {
        Ok(()) | Err(ChatError::Closed) => 0,
        Err(e) => {
            report(&e, options.json);
            e.exit_code()
        }
    }
}

async fn run_checked(options: &ChatOptions) -> Result<(), ChatError> {
    let checked = check(options)?;
    // Before anything runs: a HAR file that cannot be written is bad input.
    let wire = match &options.har {
        Some(path) => {
            crate::inspect::har::prepare(path).map_err(|e| ChatError::BadInput(e.to_string()))?;
            crate::inspect::Tap::new()
        }
        None => crate::inspect::Tap::off(),
    };
    let result = reach_and_run(options, checked, &wire).await;
    if let Some(path) = &options.har {
        // Written whatever the outcome: a refusal is what the file is wanted for.
        crate::inspect::har::write(path, &wire.entries()).map_err(|e| {
            ChatError::Failed(format!("cannot write the HAR file {}: {e}", path.display()))
        })?;
    }
    result
}

async fn reach_and_run(
    options: &ChatOptions,
    checked: Checked,
    wire: &crate::inspect::Tap,
) -> Result<(), ChatError> {
    let reached = reach(&ReachOptions {
        connection_string: options.connection_string.clone(),
        ca_cert: options.ca_cert.clone(),
        data_dir: options.data_dir.clone(),
    })
    .await
    .map_err(|e| match e.exit_code() {
        2 => ChatError::BadInput(e.to_string()),
        _ => ChatError::Failed(e.to_string()),
    })?;
    let target = Target {
        connection: reached.connection.clone(),
        ca_cert: reached.ca_cert.clone(),
        user_id: options.user_id.as_ref().map(|u| u.trim().to_string()),
        embedded: reached.embedded,
        state_dir: reached.console_dir.clone(),
        display_name: options.display_name.clone(),
        tap: wire.clone(),
    };
    let result = match session::open(&target).await {
        Ok(session) => {
            let mut out = Out::new(options.json, options.utc, options.utc_offset_s);
            let done = dispatch(&session, &target, &mut out, checked).await;
            // What was printed before an error still reaches the reader.
            let flushed = out.flush().map_err(ChatError::from);
            done.and(flushed)
        }
        Err(SessionError::Client(e)) => Err(ChatError::Service(*e)),
        Err(e) => Err(ChatError::Failed(e.to_string())),
    };
    reached.close().await;
    result
}

async fn dispatch(
    session: &session::Session,
    target: &Target,
    out: &mut Out,
    checked: Checked,
) -> Result<(), ChatError> {
    match checked {
        Checked::Threads => read::threads(session, out).await,
        Checked::Show(thread, n) => read::show(session, out, &thread, n).await,
        Checked::Messages {
            thread,
            limit,
            all,
            since,
        } => {
            let since = since.map(|s| s.resolve(out.offset_s()));
            if all {
                read::all_messages(session, out, &thread, since).await
            } else {
                read::messages(session, out, &thread, limit, since).await
            }
        }
        Checked::Participants(thread) => read::participants(session, out, &thread).await,
        Checked::Receipts(thread) => read::receipts(session, out, &thread).await,
        Checked::Send(thread, text, html) => send::send(session, out, &thread, text, html).await,
        Checked::Watch(thread, poll) => {
            let feed = match poll {
                Some(secs) => watch::Feed::Poll(std::time::Duration::from_secs(secs)),
                None if session::is_emulator(target) => watch::Feed::Socket,
                None => watch::Feed::Poll(watch::SERVICE_POLL),
            };
            watch::watch(session, target, out, thread.as_ref(), feed).await
        }
    }
}

/// Prints an error on standard error: the ACS code, message and request id of a refusal; as JSON
/// with `--json`.
fn report(error: &ChatError, json: bool) {
    if json {
        let document = match error {
            ChatError::Service(e) => json::error_document(e),
            other => serde_json::json!({"error": {
                "status": null,
                "code": null,
                "message": other.to_string(),
                "requestId": null,
            }}),
        };
        let mut line = crate::text::safe_json::to_string(&document, false);
        line.push('\n');
        eprint!("{line}");
        return;
    }
    eprintln!("error: {}", sanitize_line(&error.to_string()));
    if let ChatError::Service(e) = error {
        if let Some(code) = e.code() {
            eprintln!("  code: {}", sanitize_line(code));
        }
        if let Some(id) = e.request_id() {
            eprintln!("  request id: {}", sanitize_line(id));
        }
    }
}
