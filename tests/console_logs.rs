//! The console's log answers "what became of my message?": one info line per send, edit, delete,
//! refusal and throttle, with the thread, the message or client id, the status and the request id the
//! emulator gave it. Never the message's words, never a token.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use acs_interop::backend::{BackendEvent, Command};
use acs_interop::model::SendState;
use support::backend::{Running, my_id, start, target};
use support::{TestEmulator, test_config};

/// Everything logged in this test binary, as text.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs one process-wide subscriber at info (the tasks run on several threads) and returns what
/// it captured so far; each test looks only at lines about its own threads.
fn log() -> String {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    let captured = CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .init();
        captured
    });
    String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned()
}

/// The value of `field=` in a log line.
fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let start = line.find(&format!(" {name}="))? + name.len() + 2;
    line[start..].split_whitespace().next()
}

/// The one line that holds every part of `parts`.
fn line_with<'a>(log: &'a str, parts: &[&str]) -> &'a str {
    let found: Vec<&str> = log
        .lines()
        .filter(|l| parts.iter().all(|p| l.contains(p)))
        .collect();
    assert_eq!(found.len(), 1, "one line with {parts:?} in:\n{log}");
    found[0]
}

async fn send(running: &mut Running, thread_id: &str, client_id: &str, content: &str) {
    running
        .commands
        .send(Command::SendMessage {
            thread_id: thread_id.into(),
            client_id: client_id.into(),
            content: content.into(),
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_edits_deletes_and_refusals_are_logged_with_their_request_ids() {
    log();
    let e = TestEmulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut running = start(target(&e, dir.path(), false), None);
    let me = my_id(&mut running).await;
    let alice = e.create_user().await;
    let mine = e.create_thread(&alice.1, "Ours", &[&me]).await;
    let theirs = e.create_thread(&alice.1, "Not mine", &[]).await;

    send(&mut running, &mine, "c-ok", "first secret words").await;
    let message_id = running
        .wait_for("the send", |e| match e {
            BackendEvent::Send {
                client_id,
                state: SendState::Sent { message_id },
                ..
            } if client_id == "c-ok" => Some(message_id.clone()),
            _ => None,
        })
        .await;
    send(&mut running, &theirs, "c-refused", "second secret words").await;
    running
        .wait_for("the refusal", |e| match e {
            BackendEvent::Send {
                client_id,
                state: SendState::Failed { .. },
                ..
            } if client_id == "c-refused" => Some(()),
            _ => None,
        })
        .await;
    running
        .commands
        .send(Command::EditMessage {
            thread_id: mine.clone(),
            message_id: message_id.clone(),
            content: "third secret words".into(),
        })
        .await
        .unwrap();
    running
        .wait_for("the edit", |e| match e {
            BackendEvent::Messages { messages, .. } => messages
                .iter()
                .any(|m| m.id == message_id && m.edited_ms.is_some())
                .then_some(()),
            _ => None,
        })
        .await;
    running
        .commands
        .send(Command::DeleteMessage {
            thread_id: mine.clone(),
            message_id: message_id.clone(),
        })
        .await
        .unwrap();
    running
        .wait_for("the deletion", |e| match e {
            BackendEvent::Messages { messages, .. } => messages
                .iter()
                .any(|m| m.id == message_id && m.deleted_ms.is_some())
                .then_some(()),
            _ => None,
        })
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;

    let log = log();
    let thread_field = |t: &str| format!("thread_id={t}");
    let sent = line_with(&log, &["INFO", "send accepted", &thread_field(&mine)]);
    assert_eq!(field(sent, "client_id"), Some("c-ok"), "{sent}");
    assert_eq!(field(sent, "message_id"), Some(message_id.as_str()));
    assert_eq!(field(sent, "status"), Some("201"), "{sent}");
    assert!(
        field(sent, "request_id").is_some_and(|id| id.len() == 36),
        "{sent}"
    );

    let refused = line_with(&log, &["INFO", "send refused", &thread_field(&theirs)]);
    assert_eq!(field(refused, "client_id"), Some("c-refused"), "{refused}");
    assert_eq!(field(refused, "status"), Some("403"), "{refused}");
    assert_eq!(field(refused, "code"), Some("Forbidden"), "{refused}");
    let request_id = field(refused, "request_id").expect("a request id");
    // The emulator's own line for that request names the same id.
    let emulator_line = line_with(&log, &[&format!("request_id={request_id}"), "method=POST"]);
    let hex = theirs.trim_start_matches("19:").split('@').next().unwrap();
    assert!(
        emulator_line.contains(hex) && emulator_line.contains("status=403"),
        "{emulator_line}"
    );

    let message = format!("message_id={message_id}");
    let edited = line_with(&log, &["INFO", "edit accepted", &message]);
    let deleted = line_with(&log, &["INFO", "delete accepted", &message]);
    for line in [edited, deleted] {
        assert_eq!(field(line, "thread_id"), Some(mine.as_str()), "{line}");
        assert!(
            field(line, "request_id").is_some_and(|id| id.len() == 36),
            "{line}"
        );
        assert!(
            field(line, "status").is_some_and(|s| s.starts_with('2')),
            "{line}"
        );
    }
    assert!(
        !log.contains("secret words"),
        "no message content in the log"
    );
    assert!(!log.contains(&alice.1), "no token in the log");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_send_says_when_it_is_tried_again() {
    log();
    let e = TestEmulator::start_with(acs_interop::emulator::EmulatorConfig {
        throttle: true,
        ..test_config()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut running = start(target(&e, dir.path(), false), None);
    let me = my_id(&mut running).await;
    let alice = e.create_user().await;
    let thread = e.create_thread(&alice.1, "Busy", &[&me]).await;
    // The service allows 10 message writes per thread in 10 s.
    for i in 0..11 {
        send(&mut running, &thread, &format!("c-{i}"), "busy").await;
    }
    let (client_id, retry_in_ms) = running
        .wait_for("a throttled send", |e| match e {
            BackendEvent::Send {
                client_id,
                state: SendState::Throttled { retry_in_ms },
                ..
            } => Some((client_id.clone(), *retry_in_ms)),
            _ => None,
        })
        .await;
    assert_eq!(client_id, "c-10");
    assert!(
        (1_000..=10_000).contains(&retry_in_ms),
        "the wait the emulator asked for: {retry_in_ms} ms"
    );
    let log = log();
    let line = line_with(
        &log,
        &["INFO", "send throttled", &format!("thread_id={thread}")],
    );
    assert_eq!(field(line, "client_id"), Some("c-10"), "{line}");
    assert_eq!(field(line, "status"), Some("429"), "{line}");
    assert_eq!(
        field(line, "retry_in_ms"),
        Some(retry_in_ms.to_string().as_str())
    );
    assert!(
        field(line, "request_id").is_some_and(|id| id.len() == 36),
        "{line}"
    );
}
