//! The backend task between the console and ACS: `Command` in, `BackendEvent` out. It owns the client,
//! the outbox and the realtime connection (or the polling); the console never waits on the network.

mod actions;
mod attachments;
mod call_news;
pub mod calls;
mod connect;
pub mod convert;
pub mod endpoint_file;
mod forgotten;
mod observe;
pub mod outbox;
mod outcome;
pub mod protocol;
mod realtime;
mod sender;
pub mod session;
mod sync;
mod teams;
mod thread_state;
mod welcome;

pub use protocol::{BackendEvent, Command};

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

use crate::acs::chat::{ChatParticipant, UpdateChatMessageRequest};
use crate::acs::identifier::CommunicationIdentifier;
use crate::client::ChatClient;
use crate::model::{Connection, IdentityMode, RealtimeState, SafeText};
use calls::{CallbackAuthority, CallbackSetup, Calls};
use convert::failure;
use outbox::{Outbox, Outgoing};
use sender::Senders;
use session::{Session, Target};

/// Realtime updates already waiting that are applied together, at most.
const REALTIME_BURST: usize = 256;

/// How the backend hears about changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeFeed {
    /// The emulator's realtime socket.
    Socket,
    /// Polling every interval (the real service: its push channel is not public).
    Polling(Duration),
}

/// What the task shares with the work it spawns.
pub struct Ctx {
    pub chat: ChatClient,
    pub me: String,
    pub my_name: String,
    pub outbox: Outbox,
    events: mpsc::Sender<BackendEvent>,
    /// Per thread: the `nextLink` of the next older page.
    cursors: Mutex<HashMap<String, sync::Cursor>>,
    /// When this run started: outbox entries older than this may already have been sent.
    pub started_ms: i64,
    /// The emulator's Teams admin API; `None` against the real service.
    pub teams_admin: Option<crate::client::TeamsAdminClient>,
    /// The HTTP client the other clients share.
    pub http: reqwest::Client,
    /// The call in progress.
    pub calls: Calls,
    /// Deleted threads removed from the list.
    pub forgotten: forgotten::Forgotten,
    /// Whose identity this is, and whether it may write (observing: nothing goes out as it).
    mode: Mutex<IdentityMode>,
    /// Per thread: the display name the identity has there (for someone else's identity).
    names: Mutex<HashMap<String, String>>,
}

impl Ctx {
    pub async fn emit(&self, event: BackendEvent) {
        let _ = self.events.send(event).await;
    }

    fn set_cursor(&self, thread_id: &str, cursor: sync::Cursor) {
        if let Ok(mut c) = self.cursors.lock() {
            c.insert(thread_id.to_string(), cursor);
        }
    }

    fn cursor(&self, thread_id: &str) -> sync::Cursor {
        self.cursors
            .lock()
            .ok()
            .and_then(|c| c.get(thread_id).cloned())
            .unwrap_or(sync::Cursor::Next(None))
    }
}

/// Everything the backend needs to start.
pub struct BackendConfig {
    pub target: Target,
    pub feed: ChangeFeed,
    /// The outbox database; `None` keeps it in memory.
    pub outbox_path: Option<PathBuf>,
    /// Where call events are received.
    pub callbacks: CallbackSetup,
    /// Own identity, observing someone else's (no writes, receipts or typing until `Command::Act`),
    /// or acting as it.
    pub mode: IdentityMode,
}

/// Starts the backend: it connects (trying again with backoff until it can, saying why it cannot),
/// loads, and then serves commands until `Shutdown`.
pub fn spawn(
    config: BackendConfig,
    mut commands: mpsc::Receiver<Command>,
    events: mpsc::Sender<BackendEvent>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let Some((session, early)) =
            connect::open_session(&config.target, &mut commands, &events).await
        else {
            return;
        };
        let outbox = match Outbox::open(config.outbox_path.as_deref()) {
            Ok(o) => o,
            Err(e) => {
                let _ = events
                    .send(BackendEvent::Failure {
                        what: SafeText::new(&e.to_string()),
                        fix: SafeText::new("Check the data folder's permissions, then restart."),
                    })
                    .await;
                // Stay until asked to stop, so the console keeps showing why rather than that the
                // backend ended.
                while let Some(command) = commands.recv().await {
                    if command == Command::Shutdown {
                        break;
                    }
                }
                return;
            }
        };
        let forgotten = match forgotten::Forgotten::open(config.outbox_path.as_deref()) {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(error = %e, "forgotten threads are kept in memory only");
                match forgotten::Forgotten::open(None) {
                    Ok(f) => f,
                    Err(_) => return,
                }
            }
        };
        run(
            (session, config.mode),
            config.target,
            config.feed,
            config.callbacks,
            (outbox, forgotten),
            (early, commands),
            events,
        )
        .await;
    })
}

async fn run(
    (session, mode): (Session, IdentityMode),
    target: Target,
    feed: ChangeFeed,
    callbacks: CallbackSetup,
    (outbox, forgotten): (Outbox, forgotten::Forgotten),
    (early, mut commands): (Vec<Command>, mpsc::Receiver<Command>),
    events: mpsc::Sender<BackendEvent>,
) {
    // Callback tokens are signed with keys the endpoint publishes: the emulator's own, or the service's.
    let authority = if session::is_emulator(&target) {
        target.connection.endpoint.clone()
    } else {
        crate::client::callbacks::SERVICE_CALLBACK_AUTHORITY.to_string()
    };
    let (call_events_tx, mut call_events) = mpsc::channel(256);
    let calls = Calls::new(
        crate::client::CallAutomationClient::new(session.identity.signed().clone()),
        callbacks,
        CallbackAuthority(authority),
        call_events_tx,
    );
    let ctx = Arc::new(Ctx {
        chat: session.chat.clone(),
        me: session.me.clone(),
        my_name: session.my_name.clone(),
        outbox,
        events,
        cursors: Mutex::new(HashMap::new()),
        started_ms: crate::acs::time::now_ms(),
        teams_admin: session.teams_admin.clone(),
        http: session.http.clone(),
        calls,
        forgotten,
        mode: Mutex::new(mode),
        names: Mutex::new(HashMap::new()),
    });
    ctx.emit(BackendEvent::Connected(Connection {
        endpoint_label: session.endpoint_label.clone(),
        me: session.me.clone(),
        my_name: SafeText::new(&session.my_name),
    }))
    .await;

    let (cancel_tx, cancel) = watch::channel(false);
    let (updates_tx, mut updates) = mpsc::channel(1024);
    match feed {
        ChangeFeed::Socket => {
            ctx.emit(BackendEvent::Realtime(RealtimeState::Connecting))
                .await;
            // Everything shown is loaded over REST below, so only news from now on is needed.
            let since = realtime::newest_seq(&ctx, &target).await;
            connect::watch_realtime(
                connect::RealtimeFeed {
                    endpoint: ctx.chat.endpoint().to_string(),
                    tokens: ctx.chat.tokens().clone(),
                    tls: session.tls.clone(),
                    since,
                    tap: session.tap.clone(),
                },
                updates_tx,
                ctx.events.clone(),
                cancel,
            );
        }
        ChangeFeed::Polling(interval) => {
            drop(updates_tx);
            ctx.emit(BackendEvent::Realtime(RealtimeState::Polling {
                interval_s: interval.as_secs(),
            }))
            .await;
        }
    }

    initial_load(&ctx, &session, &target).await;
    let senders = Senders::default();
    // Observing sends nothing, not even what waited from an earlier run; acting sends it.
    if !ctx.mode().is_observing() {
        resume_outbox(&ctx, &senders);
    }

    let mut open: Option<String> = None;
    // What the console asked for while the backend was still connecting.
    for command in early {
        match command {
            Command::OpenThread { thread_id } => {
                open = Some(thread_id.clone());
                let ctx = ctx.clone();
                tokio::spawn(async move { sync::open_thread(&ctx, &thread_id).await });
            }
            command => handle(&ctx, &senders, command),
        }
    }
    let poll_every = match feed {
        ChangeFeed::Polling(d) => d,
        ChangeFeed::Socket => Duration::from_secs(3600),
    };
    let mut poll = tokio::time::interval(poll_every);
    poll.tick().await;
    let mut last_poll = time::OffsetDateTime::now_utc();
    let mut updates_open = matches!(feed, ChangeFeed::Socket);
    // Updates already waiting are taken together; the buffer is kept, a busy feed fills it often.
    let mut burst = Vec::with_capacity(REALTIME_BURST);
    loop {
        tokio::select! {
            command = commands.recv() => match command {
                None | Some(Command::Shutdown) => break,
                Some(Command::OpenThread { thread_id }) => {
                    open = Some(thread_id.clone());
                    let ctx = ctx.clone();
                    tokio::spawn(async move { sync::open_thread(&ctx, &thread_id).await });
                }
                Some(command) => handle(&ctx, &senders, command),
            },
            received = updates.recv_many(&mut burst, REALTIME_BURST), if updates_open => {
                match received {
                    0 => updates_open = false,
                    _ => realtime::apply_all(&ctx, burst.drain(..)).await,
                }
            }
            Some(verified) = call_events.recv() => {
                let ctx = ctx.clone();
                ctx.calls.on_event(&ctx, verified).await;
            },
            _ = poll.tick(), if matches!(feed, ChangeFeed::Polling(_)) => {
                let now = time::OffsetDateTime::now_utc();
                sync::poll(&ctx, open.as_deref(), last_poll).await;
                last_poll = now;
            }
        }
    }
    let _ = cancel_tx.send(true);
    ctx.calls.shutdown().await;
}

async fn initial_load(ctx: &Arc<Ctx>, session: &Session, target: &Target) {
    let mut threads = match sync::load_threads(ctx).await {
        Ok(t) => t,
        Err(e) => {
            let (what, fix) = failure("list your threads", &e);
            ctx.emit(BackendEvent::Failure { what, fix }).await;
            return;
        }
    };
    // The welcome thread is a write: only for the console's own identity.
    if session.embedded && threads.is_empty() && ctx.mode() == IdentityMode::Own {
        match welcome::create(session, target).await {
            Ok(_) => match sync::load_threads(ctx).await {
                Ok(t) => threads = t,
                Err(e) => tracing::warn!(error = %e, "cannot list threads after the welcome"),
            },
            Err(e) => tracing::warn!(error = %e, "cannot create the welcome thread"),
        }
    }
    sync::report_threads(ctx, threads).await;
}

fn resume_outbox(ctx: &Arc<Ctx>, senders: &Senders) {
    match ctx.outbox.all() {
        Ok(waiting) => {
            for m in waiting {
                senders.enqueue(ctx, &m.thread_id.clone(), m.client_id);
            }
        }
        Err(e) => tracing::error!(error = %e, "cannot read the outbox"),
    }
}

/// Runs a command; network work is spawned so the loop keeps serving realtime news.
fn handle(ctx: &Arc<Ctx>, senders: &Senders, command: Command) {
    let ctx = ctx.clone();
    if ctx.mode().is_observing() && (command.writes() || command.announces()) {
        observe::refuse(ctx, command);
        return;
    }
    match command {
        Command::DroppedOlder {
            thread_id,
            oldest_kept,
        } => ctx.set_cursor(&thread_id, sync::Cursor::Before(oldest_kept)),
        Command::Act => {
            if ctx.mode().is_observing() {
                tracing::info!(user = %ctx.me, "acting as the observed identity from now on");
                ctx.set_mode(IdentityMode::Acting);
                resume_outbox(&ctx, senders);
            }
        }
        Command::SendMessage {
            thread_id,
            client_id,
            content,
        } => {
            let m = Outgoing {
                client_id: client_id.clone(),
                thread_id: thread_id.clone(),
                content,
                created_ms: crate::acs::time::now_ms(),
                failed: None,
            };
            match ctx.outbox.put(&m) {
                Ok(()) => senders.enqueue(&ctx, &thread_id, client_id),
                Err(e) => {
                    tokio::spawn(async move {
                        ctx.emit(BackendEvent::Failure {
                            what: SafeText::new(&format!("The message was not sent: {e}")),
                            fix: SafeText::new(
                                "Check the data folder (disk full or read-only?), then send again.",
                            ),
                        })
                        .await
                    });
                }
            }
        }
        Command::RetrySend {
            thread_id,
            client_id,
        } => senders.enqueue(&ctx, &thread_id, client_id),
        command => {
            tokio::spawn(async move { actions::act(&ctx, command).await });
        }
    }
}
