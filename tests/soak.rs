//! Soak: two consoles and the official Python chat SDK send into one thread through injected faults
//! (10% 503, 5% 429, 200 ± 100 ms of latency on every request, every realtime socket dropped every
//! 10 s), while the emulator is killed with SIGKILL and restarted, and one console is killed with
//! SIGKILL and started again on its state. Afterwards:
//! - every message a sender had acknowledged (queued in a console's outbox, or answered 201 to the
//!   SDK) is in the thread exactly once, and no message is there twice;
//! - each sender's messages are in the order it sent them;
//! - each console holds exactly the messages a fresh REST read returns, from the oldest it has
//!   loaded to the newest.
//!
//! The emulator is the built binary's `emulator --tls --data-dir` in its own process. Each
//! console is its own process (this test binary again, running [`soak_console_process`]): the backend
//! and the event loop as `launch` runs them, drawing into a test terminal, typing each message
//! into its composer. It runs 20 s in `cargo test`; `ACS_SOAK_SECONDS=60` runs it longer.

mod support;

use support::process::EmulatorProcess;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The faults of the run; the seed makes the emulator's choices the same each time.
const SPEC: &str = "503=10%,429=5%,latency=200ms~100ms,realtime.drop=10s,seed=2026";
/// The environment variable that makes [`soak_console_process`] a console of the run.
const CHILD_ENV: &str = "ACS_SOAK_CONSOLE";
/// How often each console types a message.
const CONSOLE_PACE: Duration = Duration::from_millis(400);
const CHAT_API: &str = "2025-03-15";

fn soak_seconds() -> u64 {
    std::env::var("ACS_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20)
}

/// Lines from a child's standard output, on a channel.
fn lines_of(
    out: impl std::io::Read + Send + 'static,
    prefix: &'static str,
) -> std_mpsc::Receiver<String> {
    let (tx, rx) = std_mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix(prefix)
                && tx.send(rest.to_string()).is_err()
            {
                return;
            }
        }
    });
    rx
}

fn start_emulator(data: &Path, port: u16, faults: Option<&str>) -> EmulatorProcess {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(data.join("emulator.log"))
        .expect("the emulator's log");
    let mut args: Vec<std::ffi::OsString> = vec!["--tls".into(), "--data-dir".into(), data.into()];
    args.extend(["--listen".into(), format!("127.0.0.1:{port}").into()]);
    if let Some(spec) = faults {
        args.extend(["--faults".into(), spec.into()]);
    }
    EmulatorProcess::start(args, Stdio::from(log))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// What a console process is told in [`CHILD_ENV`].
#[derive(Serialize, Deserialize)]
struct ChildConfig {
    connection: String,
    ca_cert: PathBuf,
    user: String,
    thread: String,
    state_dir: PathBuf,
    name: String,
}

struct ConsoleProcess {
    child: Child,
    stdin: ChildStdin,
    lines: std_mpsc::Receiver<String>,
}

impl ConsoleProcess {
    fn start(config: &ChildConfig) -> ConsoleProcess {
        let mut child = Command::new(std::env::current_exe().expect("this test binary"))
            .env(CHILD_ENV, serde_json::to_string(config).expect("json"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("a console process starts");
        let stdin = child.stdin.take().expect("stdin");
        let lines = lines_of(child.stdout.take().expect("stdout"), "soak: ");
        ConsoleProcess {
            child,
            stdin,
            lines,
        }
    }

    fn say(&mut self, line: &str) {
        let _ = writeln!(self.stdin, "{line}");
        let _ = self.stdin.flush();
    }
}

/// What the run heard from its senders.
#[derive(Default)]
struct Ledger {
    /// Acknowledged: in a console's outbox, or answered 201 to the SDK.
    acknowledged: HashSet<String>,
    /// Sent and confirmed by the service (consoles: delivered from the outbox).
    delivered: HashSet<String>,
    failed: Vec<String>,
    /// Given up by the SDK: may or may not have landed.
    unsure: Vec<String>,
}

impl Ledger {
    fn hear_console(&mut self, line: &str) -> Option<String> {
        let (what, rest) = line.split_once(' ').unwrap_or((line, ""));
        match what {
            "queued" => {
                self.acknowledged.insert(rest.to_string());
            }
            "sent" => {
                let content = rest.split_once(' ').map_or(rest, |(c, _)| c);
                self.acknowledged.insert(content.to_string());
                self.delivered.insert(content.to_string());
            }
            "failed" => self.failed.push(rest.to_string()),
            other => return Some(format!("{other} {rest}")),
        }
        None
    }

    fn hear_python(&mut self, line: &str, prefix: &str) {
        let mut words = line.splitn(3, ' ');
        match (words.next(), words.next()) {
            (Some("ok"), Some(n)) => {
                let content = format!("{prefix}-{n}");
                self.acknowledged.insert(content.clone());
                self.delivered.insert(content);
            }
            (Some("unsure"), Some(_)) => self.unsure.push(line.to_string()),
            _ => {}
        }
    }
}

/// Waits for a line from `lines` that `pick` accepts, feeding the others to the ledger.
fn wait_for_line(
    lines: &std_mpsc::Receiver<String>,
    ledger: &mut Ledger,
    what: &str,
    within: Duration,
    mut pick: impl FnMut(&str) -> bool,
) {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = lines
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no {what} within {within:?}"));
        if pick(&line) {
            return;
        }
        ledger.hear_console(&line);
    }
}

fn drain(console: &ConsoleProcess, ledger: &mut Ledger) {
    while let Ok(line) = console.lines.try_recv() {
        ledger.hear_console(&line);
    }
}

/// Every text message of the thread, oldest first, read afresh through REST: id → content.
async fn rest_read(
    http: &reqwest::Client,
    endpoint: &str,
    token: &str,
    thread: &str,
) -> BTreeMap<i64, (String, String)> {
    let mut url = format!(
        "{endpoint}chat/threads/{}/messages?maxPageSize=200&api-version={CHAT_API}",
        support::enc(thread)
    );
    let mut out = BTreeMap::new();
    loop {
        let page: Value = http
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .expect("the thread reads")
            .error_for_status()
            .expect("a page of messages")
            .json()
            .await
            .expect("json");
        for m in page["value"].as_array().into_iter().flatten() {
            if m["type"] != "text" && m["type"] != "html" {
                continue;
            }
            let id = m["id"].as_str().unwrap_or_default();
            let order: i64 = id.parse().expect("numeric message ids");
            let content = m["content"]["message"].as_str().unwrap_or_default();
            let sender = m["senderCommunicationIdentifier"]["rawId"]
                .as_str()
                .unwrap_or_default();
            out.insert(order, (content.to_string(), sender.to_string()));
        }
        match page["nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => return out,
        }
    }
}

/// The injected faults of both emulator processes, added up: `503 ×12, 429 ×5, …`.
fn injected_in_all(answers: &[&Value]) -> String {
    let mut sums: BTreeMap<String, u64> = BTreeMap::new();
    for answer in answers {
        for counts in answer["injected"]
            .as_object()
            .into_iter()
            .flat_map(|c| c.values())
        {
            for (kind, n) in counts.as_object().into_iter().flatten() {
                *sums.entry(kind.clone()).or_default() += n.as_u64().unwrap_or(0);
            }
        }
    }
    sums.iter()
        .map(|(kind, n)| format!("{kind} ×{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The index of a message of a sender: `A-17` → ("A", 17).
fn sender_and_index(content: &str) -> Option<(&str, u64)> {
    let (prefix, n) = content.rsplit_once('-')?;
    Some((prefix, n.parse().ok()?))
}

/// The test binary (`harness = false`): the soak test, or with [`CHILD_ENV`] set one of its consoles.
/// A name filter given to `cargo test` that does not match the soak test skips it.
fn main() {
    if let Ok(config) = std::env::var(CHILD_ENV) {
        return soak_console_process(&config);
    }
    const NAME: &str = "soak_two_consoles_and_the_python_sdk_through_faults_and_kills";
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if !filters.is_empty() && !filters.iter().any(|f| NAME.contains(f.as_str())) {
        println!("running 0 tests (filtered out: {NAME})");
        return;
    }
    println!("running 1 test");
    soak_two_consoles_and_the_python_sdk_through_faults_and_kills();
    println!("test {NAME} ... ok");
}

fn soak_two_consoles_and_the_python_sdk_through_faults_and_kills() {
    let seconds = soak_seconds();
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let python = rt.block_on(support::sdk::sdk_python());
    acs_interop::install_crypto_provider();
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("emulator");
    std::fs::create_dir_all(&data).expect("the data folder");
    let port = free_port();
    let mut emulator = start_emulator(&data, port, None);
    let ca_cert = data.join("emulator-ca.pem");
    let cs = emulator.connection_string();
    let endpoint = cs.endpoint.clone();
    let http = acs_interop::client::build_http_client(Some(&ca_cert)).expect("an HTTP client");
    let identity =
        acs_interop::client::IdentityClient::new(http.clone(), &cs).expect("an identity client");
    let admin = acs_interop::client::TeamsAdminClient::new(identity.clone());

    // Three members: the two consoles and the SDK, in one thread.
    let (users, thread, py_token) = rt.block_on(async {
        let mut users = Vec::new();
        for _ in 0..3 {
            let (user, token) = identity
                .create_user_with_token(&["chat"])
                .await
                .expect("a user");
            users.push((user, token.token.clone()));
        }
        let members: Vec<Value> = users
            .iter()
            .zip(["Console A", "Console B", "Python SDK"])
            .map(|((user, _), name)| {
                json!({"communicationIdentifier": {"rawId": user}, "displayName": name})
            })
            .collect();
        let created: Value = http
            .post(format!("{endpoint}chat/threads?api-version={CHAT_API}"))
            .bearer_auth(&users[2].1)
            .json(&json!({"topic": "Soak", "participants": members}))
            .send()
            .await
            .expect("the thread is created")
            .json()
            .await
            .expect("json");
        let thread = created["chatThread"]["id"]
            .as_str()
            .expect("a thread id")
            .to_string();
        admin.set_faults(SPEC).await.expect("the faults are set");
        let py_token = users[2].1.clone();
        (users, thread, py_token)
    });
    let config = |who: usize, name: &str| ChildConfig {
        connection: emulator.connection.clone(),
        ca_cert: ca_cert.clone(),
        user: users[who].0.clone(),
        thread: thread.clone(),
        state_dir: dir.path().join(name),
        name: format!("Console {name}"),
    };
    let (config_a, config_b) = (config(0, "A"), config(1, "B"));
    let mut ledger = Ledger::default();
    let mut a = ConsoleProcess::start(&config_a);
    let mut b = ConsoleProcess::start(&config_b);
    for console in [&a, &b] {
        wait_for_line(
            &console.lines,
            &mut ledger,
            "a console's open thread",
            Duration::from_secs(60),
            |l| l == "open",
        );
    }

    let mut sdk = Command::new(&python)
        .arg(support::sdk::manifest_dir().join("tests/sdk/soak.py"))
        .env("PYTHONPATH", support::sdk::manifest_dir().join("tests/sdk"))
        .env("ACS_CONNECTION_STRING", &emulator.connection)
        .env("ACS_CA_CERT", &ca_cert)
        .env("SOAK_TOKEN", &py_token)
        .env("SOAK_THREAD", &thread)
        .env("SOAK_SECONDS", seconds.to_string())
        .env("SOAK_PREFIX", "py")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the SDK sender starts");
    let sdk_lines = lines_of(sdk.stdout.take().expect("stdout"), "");
    let sdk_errors = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    {
        let (errors, stderr) = (sdk_errors.clone(), sdk.stderr.take().expect("stderr"));
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(mut errors) = errors.lock() {
                    errors.push_str(&line);
                    errors.push('\n');
                }
            }
        });
    }

    let started = Instant::now();
    let run = Duration::from_secs(seconds);
    let (mut killed_emulator, mut killed_console) = (false, false);
    let mut faults_before_kill = Value::Null;
    let mut b_open = true;
    let mut n = 0u64;
    let mut typed = 0u64;
    // What must arrive whatever happens: everything typed into a console that is not killed later.
    let mut must_arrive: HashSet<String> = HashSet::new();
    while started.elapsed() < run {
        let (text_a, text_b) = (format!("A-{n}"), format!("B-{n}"));
        a.say(&format!("send {text_a}"));
        must_arrive.insert(text_a);
        if b_open {
            b.say(&format!("send {text_b}"));
            if killed_console {
                must_arrive.insert(text_b);
            }
            typed += 1;
        }
        typed += 1;
        n += 1;
        std::thread::sleep(CONSOLE_PACE);
        drain(&a, &mut ledger);
        if b_open {
            drain(&b, &mut ledger);
        } else {
            while let Ok(line) = b.lines.try_recv() {
                if line == "open" {
                    b_open = true;
                } else {
                    ledger.hear_console(&line);
                }
            }
        }
        while let Ok(line) = sdk_lines.try_recv() {
            ledger.hear_python(&line, "py");
        }
        if !killed_emulator && started.elapsed() >= run.mul_f64(0.35) {
            killed_emulator = true;
            faults_before_kill = rt.block_on(admin.faults()).unwrap_or_default();
            emulator.child.kill().expect("SIGKILL the emulator");
            let _ = emulator.child.wait();
            std::thread::sleep(Duration::from_millis(500));
            emulator = start_emulator(&data, port, Some(SPEC));
        }
        if !killed_console && started.elapsed() >= run.mul_f64(0.65) {
            killed_console = true;
            b.child.kill().expect("SIGKILL console B");
            let _ = b.child.wait();
            // What it printed before it died is still in the pipe.
            while let Ok(line) = b.lines.recv_timeout(Duration::from_secs(5)) {
                ledger.hear_console(&line);
            }
            b = ConsoleProcess::start(&config_b);
            b_open = false;
        }
    }

    // The SDK stops at its own deadline.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match sdk_lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) if line == "done" => break,
            Ok(line) => ledger.hear_python(&line, "py"),
            Err(_) => panic!(
                "the SDK sender did not finish: {}",
                sdk_errors.lock().map(|e| e.clone()).unwrap_or_default()
            ),
        }
    }
    let _ = sdk.wait();
    let faults_seen = rt.block_on(admin.faults()).expect("the faults");
    rt.block_on(admin.clear_faults())
        .expect("the faults are cleared");

    // Every message acknowledged, or typed into a console that lived on, reaches the thread: the
    // consoles say so, or the thread holds it (a console killed between delivering a message and
    // saying so never says so).
    must_arrive.extend(ledger.acknowledged.iter().cloned());
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        drain(&a, &mut ledger);
        drain(&b, &mut ledger);
        must_arrive.extend(ledger.acknowledged.iter().cloned());
        let in_thread: HashSet<String> = rt
            .block_on(rest_read(&http, &endpoint, &py_token, &thread))
            .into_values()
            .map(|(content, _)| content)
            .collect();
        let waiting: Vec<&String> = must_arrive
            .iter()
            .filter(|c| !ledger.delivered.contains(*c) && !in_thread.contains(*c))
            .collect();
        if waiting.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not in the thread after 120 s: {waiting:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(
        ledger.failed.is_empty(),
        "sends given up: {:?}",
        ledger.failed
    );
    // The SDK retries what the faults throw at it; what it gives up on is rare.
    let python_acknowledged = ledger
        .acknowledged
        .iter()
        .filter(|c| c.starts_with("py-"))
        .count();
    assert!(
        ledger.unsure.len() * 10 <= python_acknowledged,
        "the SDK gave up on {} sends and had {python_acknowledged} acknowledged: {:?}",
        ledger.unsure.len(),
        ledger.unsure.iter().take(5).collect::<Vec<_>>()
    );

    let held = rt.block_on(rest_read(&http, &endpoint, &py_token, &thread));
    let mut copies: HashMap<&str, usize> = HashMap::new();
    for (content, _) in held.values() {
        *copies.entry(content.as_str()).or_default() += 1;
    }
    let twice: Vec<_> = copies.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    let missing: Vec<_> = must_arrive
        .iter()
        .filter(|c| !copies.contains_key(c.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "acknowledged but not in the thread: {missing:?}"
    );
    let mut last_of: HashMap<&str, u64> = HashMap::new();
    for (content, _) in held.values() {
        let Some((sender, index)) = sender_and_index(content) else {
            panic!("a message nobody in the run sent: {content}");
        };
        if let Some(before) = last_of.insert(sender, index) {
            assert!(
                index > before,
                "{sender}'s messages out of order: {sender}-{index} after {sender}-{before}"
            );
        }
    }

    // Each console ends holding what REST holds.
    for (name, console) in [("A", &mut a), ("B", &mut b)] {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            console.say("dump");
            let mut shown = BTreeMap::new();
            loop {
                let line = console
                    .lines
                    .recv_timeout(Duration::from_secs(30))
                    .unwrap_or_else(|_| panic!("console {name} answers a dump"));
                if line == "end" {
                    break;
                }
                if let Some(rest) = line.strip_prefix("held ") {
                    let (id, content) = rest.split_once('\t').expect("id and content");
                    shown.insert(
                        id.parse::<i64>().expect("a numeric id"),
                        content.to_string(),
                    );
                } else {
                    ledger.hear_console(&line);
                }
            }
            // A console loads the newest pages and older ones as the user scrolls back: what it
            // holds must be the thread from its oldest message on, with no gap and nothing else.
            let from = shown.keys().next().copied().unwrap_or(i64::MIN);
            let now = rt.block_on(rest_read(&http, &endpoint, &py_token, &thread));
            let rest: BTreeMap<i64, String> = now
                .range(from..)
                .map(|(id, (c, _))| (*id, c.clone()))
                .collect();
            if !shown.is_empty() && shown == rest {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "console {name} holds {} messages, REST {}; only in the console: {:?}; only in REST: {:?}",
                shown.len(),
                rest.len(),
                shown
                    .iter()
                    .filter(|(id, _)| !rest.contains_key(id))
                    .collect::<Vec<_>>(),
                rest.iter()
                    .filter(|(id, _)| !shown.contains_key(id))
                    .collect::<Vec<_>>(),
            );
            std::thread::sleep(Duration::from_secs(1));
        }
        console.say("quit");
    }
    let per_sender = |prefix: &str| {
        held.values()
            .filter(|(c, _)| c.starts_with(&format!("{prefix}-")))
            .count()
    };
    println!(
        "soak: {seconds} s, {} messages in the thread (A {}, B {}, Python {}), {typed} typed in the consoles, \
         {} acknowledged, {} unsure from the SDK; faults injected: {}",
        held.len(),
        per_sender("A"),
        per_sender("B"),
        per_sender("py"),
        ledger.acknowledged.len(),
        ledger.unsure.len(),
        injected_in_all(&[&faults_before_kill, &faults_seen])
    );
    for console in [&mut a, &mut b] {
        let deadline = Instant::now() + Duration::from_secs(20);
        while console.child.try_wait().ok().flatten().is_none() {
            if Instant::now() > deadline {
                let _ = console.child.kill();
                panic!("a console did not quit within 20 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    drop(emulator);
}

/// One console of the soak run, in its own process: see the module's documentation. Its standard
/// input takes `send TEXT` (typed into the composer, then Enter), `dump` (prints what it holds of
/// the thread) and `quit`; it prints `open`, `queued TEXT`, `sent TEXT ID` and `failed TEXT WHY`.
fn soak_console_process(config: &str) {
    let config: ChildConfig = serde_json::from_str(config).expect("the console's configuration");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(console::run(config));
}

mod console {
    use acs_interop::app::run::{EventLoop, TerminalSignals};
    use acs_interop::app::{AppState, Msg, update};
    use acs_interop::backend::calls::CallbackSetup;
    use acs_interop::backend::session::Target;
    use acs_interop::backend::{BackendConfig, BackendEvent, ChangeFeed, Command};
    use acs_interop::config::{Keymap, Theme};
    use acs_interop::model::{IdentityMode, MessageKind, SendState};
    use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use std::collections::HashSet;
    use tokio::sync::mpsc;

    use super::ChildConfig;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Control {
        Dump,
        Quit,
    }

    struct NoSignals;

    impl TerminalSignals for NoSignals {
        fn bell(&mut self) {}
        fn copy(&mut self, _: &str) {}
    }

    fn say(line: &str) {
        println!("soak: {line}");
    }

    /// Reports what a user would see of the open thread and their sends.
    fn report(event: &BackendEvent, thread: &str, opened: &mut bool, queued: &mut HashSet<String>) {
        match event {
            BackendEvent::Messages {
                thread_id,
                older_available: Some(_),
                ..
            } if thread_id == thread && !*opened => {
                *opened = true;
                say("open");
            }
            BackendEvent::Send { content, state, .. } => match state {
                SendState::Sending if queued.insert(content.clone()) => {
                    say(&format!("queued {content}"));
                }
                SendState::Sent { message_id } => say(&format!("sent {content} {message_id}")),
                SendState::Failed { reason } => say(&format!("failed {content} {reason}")),
                _ => {}
            },
            _ => {}
        }
    }

    pub async fn run(config: ChildConfig) {
        acs_interop::install_crypto_provider();
        let connection =
            acs_interop::acs::connection_string::ConnectionString::parse(&config.connection)
                .expect("a connection string");
        std::fs::create_dir_all(&config.state_dir).expect("the state folder");
        let (command_tx, command_rx) = mpsc::channel(256);
        let (event_tx, mut event_rx) = mpsc::channel(4096);
        acs_interop::backend::spawn(
            BackendConfig {
                target: Target {
                    connection,
                    ca_cert: Some(config.ca_cert.clone()),
                    user_id: Some(config.user.clone()),
                    embedded: false,
                    state_dir: Some(config.state_dir.clone()),
                    display_name: config.name.clone(),
                    tap: acs_interop::inspect::Tap::new(),
                },
                feed: ChangeFeed::Socket,
                outbox_path: Some(config.state_dir.join("outbox.sqlite3")),
                callbacks: CallbackSetup::Local {
                    listen: ([127, 0, 0, 1], 0).into(),
                },
                mode: IdentityMode::Acting,
            },
            command_rx,
            event_tx,
        );
        let (loop_tx, loop_rx) = mpsc::channel(4096);
        let thread = config.thread.clone();
        tokio::spawn(async move {
            let (mut opened, mut queued) = (false, HashSet::new());
            while let Some(event) = event_rx.recv().await {
                report(&event, &thread, &mut opened, &mut queued);
                if loop_tx.send(event).await.is_err() {
                    return;
                }
            }
        });

        // Standard input: typed messages become keys; `dump` and `quit` stop the loop, through a
        // channel that keeps them until the loop takes them.
        let (key_tx, key_rx) = mpsc::unbounded_channel::<Event>();
        let (control_tx, mut control_rx) = mpsc::unbounded_channel::<Control>();
        std::thread::spawn(move || {
            let key = |code| Event::Key(KeyEvent::new(code, KeyModifiers::NONE));
            for line in std::io::stdin().lines().map_while(Result::ok) {
                if let Some(text) = line.strip_prefix("send ") {
                    for c in text.chars() {
                        let _ = key_tx.send(key(KeyCode::Char(c)));
                    }
                    let _ = key_tx.send(key(KeyCode::Enter));
                } else if line == "dump" {
                    let _ = control_tx.send(Control::Dump);
                } else if line == "quit" {
                    let _ = control_tx.send(Control::Quit);
                }
            }
        });
        let mut input = Box::pin(futures_util::stream::unfold(key_rx, |mut rx| async move {
            rx.recv().await.map(|event| (Ok(event), rx))
        }));
        let mut state = AppState::new(Keymap::default());
        // As `launch` does, so that no other console's client ids look like this one's.
        state.client_id_prefix = acs_interop::ids::uuid_v4();
        update(&mut state, Msg::Resize(100, 30));
        update(&mut state, Msg::Tick(acs_interop::acs::time::now_ms()));
        let mut console = EventLoop {
            terminal: Terminal::new(TestBackend::new(100, 30)).expect("a test terminal"),
            state,
            theme: Theme::default_dark(),
            commands: command_tx.clone(),
            events: loop_rx,
            clipboard: NoSignals,
        };
        loop {
            let mut control = None;
            console
                .run(&mut input, async {
                    control = control_rx.recv().await;
                })
                .await
                .expect("the event loop runs");
            if let Some(view) = console.state.views.get(&config.thread) {
                for m in view.messages.values() {
                    if matches!(m.kind, MessageKind::Text | MessageKind::Html)
                        && m.deleted_ms.is_none()
                    {
                        say(&format!("held {}\t{}", m.id, m.body));
                    }
                }
            }
            say("end");
            // The test's standard input closing means quit too.
            if control != Some(Control::Dump) {
                break;
            }
        }
        let _ = command_tx.send(Command::Shutdown).await;
    }
}
