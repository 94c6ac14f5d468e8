//! Writing a record while the console runs: a task between the backend and the console writes each
//! event, then passes it on. Every line is flushed, so a crash keeps what was recorded; a write that
//! fails stops the recording (said once, on screen and in the log), never the console.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use tokio::sync::mpsc;

use super::format::{Header, TerminalSize};
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
    /// Creates (or replaces) the file at `path`, readable by its owner only, and writes the header;
    /// fails here, before anything else starts, when the file cannot be written.
    pub fn create(
        path: &Path,
        terminal: TerminalSize,
        redactor: Redactor,
    ) -> Result<Recorder, RecordError> {
        let failed = |source| RecordError {
            path: path.to_path_buf(),
            source,
        };
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        // A record holds conversations: readable by its owner only.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path).map_err(failed)?;
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
        let header = serde_json::to_vec(&Header::now(terminal)).map_err(std::io::Error::other)?;
        recorder.write_line(header)?;
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
        let mut value = serde_json::to_value(event).map_err(std::io::Error::other)?;
        self.redactor.scrub_json(&mut value);
        // An `Entry`, written by hand to put the time first for people reading the file.
        let event = serde_json::to_string(&value).map_err(std::io::Error::other)?;
        self.write_line(format!("{{\"t_ms\":{t_ms},\"event\":{event}}}").into_bytes())
    }

    /// Writes one line and flushes it: a crash keeps every line written.
    fn write_line(&mut self, mut line: Vec<u8>) -> std::io::Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A writer that keeps what it is given, and fails once `fail` is set.
    #[derive(Clone, Default)]
    struct Sink {
        bytes: Arc<Mutex<Vec<u8>>>,
        fail: Arc<Mutex<bool>>,
    }

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if *self.fail.lock().unwrap() {
                return Err(std::io::Error::other("disk full"));
            }
            self.bytes.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn recorder(sink: &Sink) -> Recorder {
        let size = TerminalSize {
            width: 80,
            height: 24,
        };
        Recorder::new(
            Box::new(sink.clone()),
            "test.jsonl".into(),
            size,
            Redactor::new(),
        )
        .unwrap()
    }

    #[test]
    fn lines_read_back_with_the_time_first() {
        let sink = Sink::default();
        let mut r = recorder(&sink);
        r.record(&BackendEvent::Notice(SafeText::new("hello")))
            .unwrap();
        r.record(&BackendEvent::Recovered).unwrap();
        let bytes = sink.bytes.lock().unwrap().clone();
        let text = String::from_utf8(bytes.clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with(r#"{"format":"acs-interop-record","version":1,"#),
            "{}",
            lines[0]
        );
        assert!(lines[1].starts_with(r#"{"t_ms":"#), "{}", lines[1]);
        let record = crate::replay::file::parse_record(&bytes).unwrap();
        assert_eq!(record.header.terminal.width, 80);
        assert_eq!(
            record
                .entries
                .iter()
                .map(|e| e.event.clone())
                .collect::<Vec<_>>(),
            vec![
                BackendEvent::Notice(SafeText::new("hello")),
                BackendEvent::Recovered
            ]
        );
    }

    #[tokio::test]
    async fn a_write_error_is_said_once_and_the_events_still_reach_the_console() {
        let sink = Sink::default();
        let (backend, from) = mpsc::channel(8);
        let (to, mut console) = mpsc::channel(8);
        let task = tee(recorder(&sink), from, to);
        *sink.fail.lock().unwrap() = true;
        for _ in 0..3 {
            backend.send(BackendEvent::Recovered).await.unwrap();
        }
        drop(backend);
        task.await.unwrap();
        let mut seen = Vec::new();
        while let Some(event) = console.recv().await {
            seen.push(event);
        }
        assert_eq!(seen.len(), 4, "{seen:?}");
        let BackendEvent::Failure { what, .. } = &seen[0] else {
            panic!("{seen:?}");
        };
        assert!(what.as_str().contains("Recording stopped") && what.as_str().contains("disk full"));
        assert!(seen[1..].iter().all(|e| *e == BackendEvent::Recovered));
    }
}
