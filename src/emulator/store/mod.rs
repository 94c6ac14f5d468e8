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

type Completion = Box<dyn FnOnce(bool) + Send>;
type Job = Box<dyn FnOnce(&mut Db) -> (bool, Completion) + Send>;

/// Handle to the storage thread. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    jobs: mpsc::Sender<Job>,
    worker: Arc<std::sync::Mutex<Option<JoinHandle<()>>>>,
    /// Batches committed so far, and how they reach the disk.
    commits: Arc<std::sync::atomic::AtomicU64>,
    pub durability: Durability,
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

/// Where committed news goes: realtime frames to connected users, callbacks to applications. The store
/// knows only this trait, not the realtime hub or the callback delivery.
pub trait Publisher: Send + Sync + 'static {
    fn publish_frame(&self, user: &str, seq: u64, frame: Arc<str>);
    fn publish_callback(&self, callback: PendingCallback);
}

/// What a job sees: the connection (inside the batch transaction) and the batch's pending news.
pub struct Db {
    pub(crate) conn: Connection,
    pub(crate) pending: Vec<PendingEvent>,
    pub(crate) pending_callbacks: Vec<PendingCallback>,
    last_id_ms: i64,
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
        let mut db = Db {
            conn,
            pending: Vec::new(),
            pending_callbacks: Vec::new(),
            last_id_ms,
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
        })
    }

    /// Runs `f` on the storage thread; its writes are committed before this returns `Ok`.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Db) -> Result<T, ApiError> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel::<Result<T, ApiError>>();
        let job: Job = Box::new(move |db: &mut Db| {
            let result = f(db);
            let ok = result.is_ok();
            let completion: Completion = Box::new(move |committed: bool| {
                let answer = if committed {
                    result
                } else {
                    Err(ApiError::unavailable(
                        "The emulator could not commit the change; try again.",
                    ))
                };
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

    /// Stops the storage thread after the jobs already queued; waits for it.
    pub fn close(self) {
        let Store { jobs, worker, .. } = self;
        drop(jobs);
        let handle = worker.lock().ok().and_then(|mut h| h.take());
        if let Some(h) = handle {
            // Other clones may still hold senders; the thread ends when the last one drops.
            if Arc::strong_count(&worker) == 1 {
                let _ = h.join();
            }
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
    }
}

/// Applies a batch in one transaction, counted in `commits` when it wrote.
fn apply_batch(
    db: &mut Db,
    batch: Vec<Job>,
    publisher: &dyn Publisher,
    commits: &std::sync::atomic::AtomicU64,
) {
    if let Err(e) = db.conn.execute_batch("BEGIN IMMEDIATE") {
        tracing::error!(error = %e, "cannot begin a transaction");
        for job in batch {
            let (_, completion) = job(db);
            completion(false);
        }
        let _ = db.conn.execute_batch("ROLLBACK");
        db.pending.clear();
        db.pending_callbacks.clear();
        return;
    }
    let changes_before = db.conn.total_changes();
    let mut completions = Vec::with_capacity(batch.len());
    for job in batch {
        let mark = db.pending.len();
        let callbacks_mark = db.pending_callbacks.len();
        let savepoint = db.conn.execute_batch("SAVEPOINT job").is_ok();
        // A job that panics is rolled back and its caller answered 503; the thread lives on.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(db)));
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
            for event in db.pending.drain(..) {
                publisher.publish_frame(&event.user, event.seq, event.frame);
            }
            for callback in db.pending_callbacks.drain(..) {
                publisher.publish_callback(callback);
            }
            for completion in completions {
                completion(true);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "commit failed");
            let _ = db.conn.execute_batch("ROLLBACK");
            db.pending.clear();
            db.pending_callbacks.clear();
            for completion in completions {
                completion(false);
            }
        }
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
