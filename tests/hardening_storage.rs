//! The emulator when its storage goes away under it: the data folder deleted while it runs, and a
//! file-size limit reached. Writes are refused with 503 and a reason, never acknowledged and lost,
//! and the emulator stays up.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use acs_interop::acs::connection_string::ConnectionString;
use acs_interop::client::IdentityClient;
use acs_interop::emulator::{EmulatorConfig, Storage};
use serde_json::{Value, json};
use support::{TestEmulator, thread_path};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_its_data_folder_deleted_the_emulator_refuses_writes_and_health_says_why() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("data");
    let e = TestEmulator::start_with(EmulatorConfig {
        storage: Storage::Directory(data.clone()),
        ..support::test_config()
    })
    .await;
    let (_, token) = e.create_user().await;
    let thread = e.create_thread(&token, "Kept", &[]).await;
    std::fs::remove_dir_all(&data).expect("the folder is deleted");

    let refused = e
        .post(
            &token,
            &thread_path(&thread, "/messages"),
            &json!({"content": "lost?"}),
        )
        .await;
    let error = refused.expect_error(503, "ServiceUnavailable");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("removed") && message.contains("Restart"),
        "{message}"
    );
    let health = reqwest::get(format!("{}/emulator/health", e.base()))
        .await
        .expect("health answers");
    assert_eq!(health.status(), 503);
    let body: Value = health.json().await.expect("json");
    assert_eq!(body["status"], "failing");
    assert!(
        body["problem"]
            .as_str()
            .is_some_and(|p| p.contains("removed"))
    );
}

/// The emulator binary under `ulimit -f` (in KiB), its standard error captured.
struct Limited {
    child: std::process::Child,
    connection: ConnectionString,
    log: std::sync::mpsc::Receiver<String>,
}

fn start_limited(data: &std::path::Path, kib: u32) -> Limited {
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -f {kib} && exec \"$0\" emulator --listen 127.0.0.1:0 --data-dir \"$1\""
        ))
        .arg(env!("CARGO_BIN_EXE_acs-interop"))
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash starts the emulator");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let connection = loop {
        let line = lines.next().expect("a banner line").expect("text");
        if let Some(cs) = line.trim().strip_prefix("connection string") {
            break ConnectionString::parse(cs.trim()).expect("a connection string");
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let (tx, log) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().expect("stderr");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    Limited {
        child,
        connection,
        log,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_file_size_limit_writes_get_503_and_the_emulator_lives_on() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut emulator = start_limited(dir.path(), 4096);
    acs_interop::install_crypto_provider();
    let cs = emulator.connection.clone();
    let http = reqwest::Client::new();
    let identity = IdentityClient::new(http.clone(), &cs).expect("an identity client");
    let (_, token) = identity
        .create_user_with_token(&["chat"])
        .await
        .expect("a user");
    let base = cs.endpoint.trim_end_matches('/').to_string();
    let created: Value = http
        .post(format!("{base}/chat/threads?api-version=2024-03-07"))
        .bearer_auth(&token.token)
        .json(&json!({"topic": "Big"}))
        .send()
        .await
        .expect("create a thread")
        .json()
        .await
        .expect("json");
    let thread = created["chatThread"]["id"].as_str().expect("an id");
    let url = format!(
        "{base}{}?api-version=2024-03-07",
        thread_path(thread, "/messages")
    );
    let big = "x".repeat(27 * 1024);
    let mut refused = None;
    for _ in 0..400 {
        let response = http
            .post(&url)
            .bearer_auth(&token.token)
            .json(&json!({"content": big}))
            .send()
            .await
            .expect("the emulator answers every send");
        if response.status() != 201 {
            refused = Some((response.status(), response.text().await.unwrap_or_default()));
            break;
        }
    }
    let (status, body) = refused.expect("4 MiB fill up before 400 sends of 27 KiB");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("could not write its database"), "{body}");
    assert!(
        emulator.child.try_wait().expect("wait").is_none(),
        "the emulator is still running"
    );
    let health = http
        .get(format!("{base}/emulator/health"))
        .send()
        .await
        .expect("health answers after the refusal");
    assert!(health.status().is_success() || health.status() == 503);
    let logged = std::iter::from_fn(|| emulator.log.recv_timeout(Duration::from_secs(2)).ok())
        .any(|line| line.contains("file-size limit"));
    assert!(logged, "the log says why");
    let _ = emulator.child.kill();
    let _ = emulator.child.wait();
}

#[test]
fn sigterm_closes_the_database_and_leaves_no_write_ahead_log_behind() {
    let dir = tempfile::tempdir().expect("a temp dir");
    // No limit worth the name: the same start as a user's.
    let mut emulator = start_limited(dir.path(), 10_000_000);
    assert!(dir.path().join("emulator.sqlite3-wal").exists(), "in use");
    let stopped = Command::new("kill")
        .args(["-TERM", &emulator.child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(stopped.success());
    let status = emulator.child.wait().expect("the emulator exits");
    assert!(status.success(), "a clean stop: {status}");
    for leftover in ["emulator.sqlite3-wal", "emulator.sqlite3-shm"] {
        assert!(
            !dir.path().join(leftover).exists(),
            "{leftover} is left behind"
        );
    }
}
