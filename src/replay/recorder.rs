//! Writing a record while the console runs: a task between the backend and the console writes each
//! event, then passes it on. Every line is flushed, so a crash keeps what was recorded; a write that
//! fails stops the recording (said once, on screen and in the log), never the console.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use tokio::sync::mpsc;

use super::format::{Entry, Header, TerminalSize};
use super::redact::Redactor;
use crate::backend::BackendEvent;
use crate::model::SafeText;

/// The record cannot be started.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the record {path}: {source}")]
pub struct RecordError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// A record being written.
pub struct Recorder {
    out: Box<dyn Write + Send>,
    /// Where it goes, for messages.
    name: String,
    started: Instant,
    redactor: Redactor,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("name", &self.name)
            .finish()
    }
}

impl Recorder {
    /// Creates (or replaces) the file at `path` and writes the header; fails here, before anything
    /// else starts, when the file cannot be written.
    pub fn create(
        path: &Path,
        terminal: TerminalSize,
        redactor: Redactor,
    ) -> Result<Recorder, RecordError> {
        let failed = |source| RecordError {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::create(path).map_err(failed)?;
        Recorder::new(
            Box::new(file),
            path.display().to_string(),
            terminal,
            redactor,
        )
        .map_err(failed)
    }

    /// A record written to `out`, which gets the header at once.
    pub fn new(
        out: Box<dyn Write + Send>,
        name: String,
        terminal: TerminalSize,
        redactor: Redactor,
    ) -> std::io::Result<Recorder> {
        let mut recorder = Recorder {
            out,
            name,
            started: Instant::now(),
            redactor,
        };
        let mut header =
            serde_json::to_value(Header::now(terminal)).map_err(std::io::Error::other)?;
        recorder.redactor.scrub_json(&mut header);
        recorder.write_line(&header)?;
        Ok(recorder)
    }

    /// Takes out `connection`'s secrets too, from now on (the embedded emulator's key is only known
    /// once it has started).
    pub fn also_redact(&mut self, connection: &crate::acs::connection_string::ConnectionString) {
        self.redactor = std::mem::take(&mut self.redactor).with_connection(connection);
    }

    /// Writes `event` with the time since the start, its secrets taken out.
    pub fn record(&mut self, event: &BackendEvent) -> std::io::Result<()> {
        let t_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let mut value = serde_json::to_value(Entry {
            t_ms,
            event: event.clone(),
        })
        .map_err(std::io::Error::other)?;
        self.redactor.scrub_json(&mut value);
        self.write_line(&value)
    }

    fn write_line(&mut self, value: &serde_json::Value) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(value).map_err(std::io::Error::other)?;
        line.push(b'\n');
        self.out.write_all(&line)?;
        self.out.flush()
    }
}

/// Passes every event from `from` to `to`, writing each to `recorder` first. Ends when either side
/// closes.
pub fn tee(
    mut recorder: Recorder,
    mut from: mpsc::Receiver<BackendEvent>,
    to: mpsc::Sender<BackendEvent>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut recording = true;
        while let Some(event) = from.recv().await {
            if recording && let Err(e) = recorder.record(&event) {
                recording = false;
                tracing::warn!(record = %recorder.name, error = %e, "recording stopped: the record cannot be written");
                let failure = BackendEvent::Failure {
                    what: SafeText::new(&format!(
                        "Recording stopped: cannot write {}: {e}.",
                        recorder.name
                    )),
                    fix: SafeText::new(
                        "The console carries on; free some space or pick another --record file next time.",
                    ),
                };
                if to.send(failure).await.is_err() {
                    return;
                }
            }
            if to.send(event).await.is_err() {
                return;
            }
        }
    })
}
