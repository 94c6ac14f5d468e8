//! Durable state in SQLite, owned by one thread that applies jobs in batched transactions.
//!
//! Every job runs in its own savepoint inside a batch; the batch commits once and only then are the
//! callers answered and the realtime events published. An answered write is therefore in the WAL,
//! and survives `kill -9` of the process.

mod attachments;
mod calls;
mod chat;
mod events;
mod identities;
mod participants;
mod schema;
mod threads;

pub use calls::RememberedAnswer;
pub use chat::{MessagePageQuery, NewMessage};
pub use identities::IdentityState;
pub use participants::NewParticipant;
pub use threads::{ThreadPageQuery, ThreadRow};

use rusqlite::Connection;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use tokio::sync::oneshot;

use super::error::ApiError;

/// Most jobs applied in one transaction.
const MAX_BATCH: usize = 512;

/// Told whether the job's batch committed, or why not.
type Completion = Box<dyn FnOnce(Result<(), ApiError>) + Send>;
/// Run with the database, or refused without it (then it does nothing and only gives its completion).
type Job = Box<dyn FnOnce(Option<&mut Db>) -> (bool, Completion) + Send>;

/// Handle to the storage thread. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    jobs: mpsc::Sender<Job>,
    worker: Arc<std::sync::Mutex<Option<JoinHandle<()>>>>,
    /// Batches committed so far, and how they reach the disk.
    commits: Arc<std::sync::atomic::AtomicU64>,
    pub durability: Durability,
    file: Option<DatabaseFile>,
}

/// The database file as opened. Once its path no longer leads to it (the data folder was deleted, or
/// the file replaced), nothing written would survive a restart, so every batch is refused instead.
#[derive(Debug, Clone)]
struct DatabaseFile {
    path: std::path::PathBuf,
    id: Option<(u64, u64)>,
}

impl DatabaseFile {
    fn new(path: &Path) -> DatabaseFile {
        DatabaseFile {
            path: path.to_path_buf(),
            id: file_id(path),
        }
    }

    /// Why writes can no longer be kept, if they cannot.
    fn problem(&self) -> Option<String> {
        (file_id(&self.path) != self.id).then(|| {
            format!(
                "The emulator's database {} was removed or replaced while it ran, so nothing written \
                 now would be kept. Restart the emulator.",
                self.path.display()
            )
        })
    }
}

/// The device and inode the path leads to now.
fn file_id(path: &Path) -> Option<(u64, u64)> {
    let metadata = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((metadata.dev(), metadata.ino()))
    }
    #[cfg(not(unix))]
    {
        Some((0, metadata.len().min(1)))
    }
}

/// When an acknowledged write is on the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Every batch is synced to the disk before any write in it is acknowledged (WAL with
    /// `synchronous=FULL`): it survives a power cut, as PostgreSQL's default and SQLite FULL promise.
    #[default]
    Full,
    /// The batch is in the write-ahead log before it is acknowledged, synced only at checkpoints
    /// (`synchronous=NORMAL`): it survives the process being killed, not a power cut.
    Relaxed,
}

impl Durability {
    pub fn name(self) -> &'static str {
        match self {
            Durability::Full => "full",
            Durability::Relaxed => "relaxed",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("cannot prepare the database: {0}")]
    Schema(#[from] rusqlite::Error),
}

/// A realtime event produced by a job, published after its batch commits.
pub struct PendingEvent {
    pub user: String,
    pub seq: u64,
    pub frame: Arc<str>,
}

/// A Call Automation callback produced by a job: a JSON body to POST to `url`, after the commit.
#[derive(Debug, Clone)]
pub struct PendingCallback {
    pub call_id: String,
    pub url: String,
    pub body: Arc<str>,
}

/// A realtime frame as published: its sequence number for its user, and its text.
pub type Frame = (u64, Arc<str>);

/// Where committed news goes: realtime frames to connected users, callbacks to applications. The store
/// knows only this trait, not the realtime hub or the callback delivery.
pub trait Publisher: Send + Sync + 'static {
    /// A user's frames of one commit, in order.
    fn publish_frames(&self, user: &str, frames: Vec<Frame>);
    fn publish_callback(&self, callback: PendingCallback);
}

/// A commit's events gathered per user, each user's in order, so that a connection receives a
/// commit's news at once and sends it in one write.
fn by_user(events: impl Iterator<Item = PendingEvent>) -> Vec<(String, Vec<Frame>)> {
    let mut users: Vec<(String, Vec<Frame>)> = Vec::new();
    for event in events {
        match users.iter_mut().find(|(user, _)| *user == event.user) {
            Some((_, frames)) => frames.push((event.seq, event.frame)),
            None => users.push((event.user, vec![(event.seq, event.frame)])),
        }
    }
    users
}

/// What a job sees: the connection (inside the batch transaction) and the batch's pending news.
pub struct Db {
    pub(crate) conn: Connection,
    pub(crate) pending: Vec<PendingEvent>,
    pub(crate) pending_callbacks: Vec<PendingCallback>,
    last_id_ms: i64,
    file: Option<DatabaseFile>,
    file_problem_logged: bool,
    /// Set by [`Store::close`]'s job: the thread ends after this batch and the connection closes.
    close_requested: bool,
}

impl Store {
    /// Opens (or creates) the database at `path`, or a private in-memory one.
    pub fn open(
        path: Option<&Path>,
        publisher: Arc<dyn Publisher>,
        durability: Durability,
    ) -> Result<Store, StoreError> {
        let conn = match path {
            Some(p) => Connection::open(p).map_err(|source| StoreError::Open {
                path: p.display().to_string(),
                source,
            })?,
            None => Connection::open_in_memory()?,
        };
        schema::prepare(&conn, path.is_some(), durability)?;
        let last_id_ms = chat::last_message_id(&conn)?;
        let file = path.map(DatabaseFile::new);
        let mut db = Db {
            conn,
            pending: Vec::new(),
            pending_callbacks: Vec::new(),
            last_id_ms,
            file: file.clone(),
            file_problem_logged: false,
            close_requested: false,
        };
        let (tx, rx) = mpsc::channel::<Job>();
        let commits = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counted = commits.clone();
        let worker = std::thread::Builder::new()
            .name("acs-store".into())
            .spawn(move || run_batches(&mut db, &rx, publisher.as_ref(), &counted))
            .map_err(|e| StoreError::Open {
                path: "storage thread".into(),
                source: rusqlite::Error::ToSqlConversionFailure(Box::new(e)),
            })?;
        Ok(Store {
            jobs: tx,
            worker: Arc::new(std::sync::Mutex::new(Some(worker))),
            commits,
            durability,
            file,
        })
    }

    /// Why the store cannot keep writes any more (its file is gone), if it cannot.
    pub fn problem(&self) -> Option<String> {
        self.file.as_ref().and_then(DatabaseFile::problem)
    }

    /// Runs `f` on the storage thread; its writes are committed before this returns `Ok`.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Db) -> Result<T, ApiError> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel::<Result<T, ApiError>>();
        let job: Job = Box::new(move |db: Option<&mut Db>| {
            let result = db.map(f);
            let ok = matches!(result, Some(Ok(_)));
            let completion: Completion = Box::new(move |committed: Result<(), ApiError>| {
                let answer = committed.and_then(|()| {
                    result.unwrap_or_else(|| Err(ApiError::unavailable("The change was not made.")))
                });
                let _ = tx.send(answer);
            });
            (ok, completion)
        });
        self.jobs
            .send(job)
            .map_err(|_| ApiError::unavailable("The emulator is shutting down."))?;
        rx.await
            .map_err(|_| ApiError::unavailable("The emulator is shutting down."))?
    }

    /// Batches that wrote and committed since the store opened: with `Durability::Full`, one sync of
    /// the write-ahead log each.
    pub fn commits(&self) -> u64 {
        self.commits.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Stops the storage thread after the jobs already queued and waits for it, so the database is
    /// closed (its write-ahead log checkpointed and removed) before the process exits. Clones that
    /// remain are answered "shutting down" from then on.
    pub fn close(self) {
        let Store { jobs, worker, .. } = self;
        let close: Job = Box::new(|db: Option<&mut Db>| {
            if let Some(db) = db {
                db.close_requested = true;
            }
            (true, Box::new(|_| {}))
        });
        if jobs.send(close).is_err() {
            return;
        }
        drop(jobs);
        let handle = worker.lock().ok().and_then(|mut h| h.take());
        if let Some(h) = handle {
            let _ = h.join();
        }
    }
}

fn run_batches(
    db: &mut Db,
    jobs: &mpsc::Receiver<Job>,
    publisher: &dyn Publisher,
    commits: &std::sync::atomic::AtomicU64,
) {
    while let Ok(first) = jobs.recv() {
        let mut batch = Vec::with_capacity(16);
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        apply_batch(db, batch, publisher, commits);
        if db.close_requested {
            return;
        }
    }
}

/// Applies a batch in one transaction, counted in `commits` when it wrote.
fn apply_batch(
    db: &mut Db,
    batch: Vec<Job>,
    publisher: &dyn Publisher,
    commits: &std::sync::atomic::AtomicU64,
) {
    if let Some(problem) = db.file.as_ref().and_then(DatabaseFile::problem) {
        if !db.file_problem_logged {
            db.file_problem_logged = true;
            tracing::error!("{problem}");
        }
        return refuse_batch(batch, &problem);
    }
    if let Err(e) = db.conn.execute_batch("BEGIN IMMEDIATE") {
        tracing::error!(error = %e, "cannot begin a transaction");
        return refuse_batch(batch, &commit_failure(&e, db.file.as_ref()));
    }
    let changes_before = db.conn.total_changes();
    let mut completions = Vec::with_capacity(batch.len());
    for job in batch {
        let mark = db.pending.len();
        let callbacks_mark = db.pending_callbacks.len();
        let savepoint = db.conn.execute_batch("SAVEPOINT job").is_ok();
        // A job that panics is rolled back and its caller answered 503; the thread lives on.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(Some(db))));
        let (ok, completion) = match outcome {
            Ok((ok, completion)) => (ok, Some(completion)),
            Err(_) => {
                tracing::error!("a storage job panicked; its changes were rolled back");
                (false, None)
            }
        };
        if savepoint {
            if !ok {
                let _ = db.conn.execute_batch("ROLLBACK TO job");
                db.pending.truncate(mark);
                db.pending_callbacks.truncate(callbacks_mark);
            }
            let _ = db.conn.execute_batch("RELEASE job");
        }
        completions.extend(completion);
    }
    match db.conn.execute_batch("COMMIT") {
        Ok(()) => {
            // A batch of reads writes nothing and syncs nothing; one that wrote was synced (FULL).
            if db.conn.total_changes() != changes_before {
                commits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            for (user, frames) in by_user(db.pending.drain(..)) {
                publisher.publish_frames(&user, frames);
            }
            for callback in db.pending_callbacks.drain(..) {
                publisher.publish_callback(callback);
            }
            for completion in completions {
                completion(Ok(()));
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "commit failed");
            let _ = db.conn.execute_batch("ROLLBACK");
            db.pending.clear();
            db.pending_callbacks.clear();
            let why = commit_failure(&e, db.file.as_ref());
            for completion in completions {
                completion(Err(ApiError::unavailable(why.clone())));
            }
        }
    }
}

/// Runs nothing of `batch`: each job is answered 503 with `why`.
fn refuse_batch(batch: Vec<Job>, why: &str) {
    for job in batch {
        let (_, completion) = job(None);
        completion(Err(ApiError::unavailable(why)));
    }
}

/// What a caller is told when a batch cannot be committed.
fn commit_failure(e: &rusqlite::Error, file: Option<&DatabaseFile>) -> String {
    let database = match file {
        Some(file) => format!("its database {}", file.path.display()),
        None => "its database".into(),
    };
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => format!(
            "The emulator could not write {database}: the disk is full. Free some space and try again."
        ),
        Some(rusqlite::ErrorCode::SystemIoFailure) => format!(
            "The emulator could not write {database} (an I/O error: a full disk, a file-size \
             limit, or a failing device; its log says more); try again once that is fixed."
        ),
        Some(rusqlite::ErrorCode::ReadOnly) => format!(
            "The emulator cannot write {database}: it is read-only. Give it write access and \
             restart the emulator."
        ),
        _ => format!("The emulator could not commit the change ({e}); try again."),
    }
}

impl Db {
    /// A message id: epoch milliseconds, strictly increasing so that ids never collide.
    pub fn next_message_id(&mut self) -> i64 {
        let now = crate::acs::time::now_ms();
        self.last_id_ms = now.max(self.last_id_ms + 1);
        self.last_id_ms
    }

    /// The `meta` value under `key`, if any.
    pub fn meta_value(&self, key: &str) -> Result<Option<String>, rusqlite::Error> {
        schema::meta(&self.conn, key)
    }

    pub fn set_meta_value(&self, key: &str, value: &str) -> Result<(), rusqlite::Error> {
        schema::set_meta(&self.conn, key, value)
    }

    /// Returns the `meta` value under `key`, first storing `make()` if there is none.
    pub fn meta_or_insert(
        &self,
        key: &str,
        make: impl FnOnce() -> String,
    ) -> Result<String, rusqlite::Error> {
        match schema::meta(&self.conn, key)? {
            Some(v) => Ok(v),
            None => {
                let v = make();
                schema::set_meta(&self.conn, key, &v)?;
                Ok(v)
            }
        }
    }
}
