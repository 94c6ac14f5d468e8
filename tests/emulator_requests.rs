//! Every answer names its request (`x-ms-request-id`, `MS-CV`, the caller's `x-ms-client-request-id`
//! echoed), and the standalone emulator logs one plain line per request: method, path without the
//! query, status, latency, caller and request id.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use acs_interop::acs::connection_string::ConnectionString;
use acs_interop::client::IdentityClient;
use reqwest::Method;
use support::TestEmulator;

fn is_uuid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && parts
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

fn header<'a>(response: &'a support::Response, name: &str) -> Option<&'a str> {
    response.headers.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_names_its_request_and_echoes_the_callers_id() {
    let e = TestEmulator::start().await;
    let plain = e
        .send(Method::GET, "/emulator/health", &[], Vec::new())
        .await;
    plain.expect(200);
    let first = header(&plain, "x-ms-request-id").expect("a request id");
    assert!(is_uuid(first), "{first}");
    assert!(header(&plain, "ms-cv").is_some_and(|cv| cv.ends_with(".0")));
    assert_eq!(header(&plain, "x-ms-client-request-id"), None);

    let mine = "5a2bd1e4-8d1f-4e3c-9a57-3c4d2f0b1e6a";
    let refused = e
        .send(
            Method::GET,
            "/chat/threads?api-version=2024-03-07",
            &[
                ("x-ms-client-request-id", mine),
                ("ms-cv", "ZOyS7b9CrUy/t3Z2NZXFQw.3"),
            ],
            Vec::new(),
        )
        .await;
    refused.expect_error(401, "Unauthorized");
    assert_eq!(header(&refused, "x-ms-client-request-id"), Some(mine));
    assert_eq!(
        header(&refused, "ms-cv"),
        Some("ZOyS7b9CrUy/t3Z2NZXFQw.3.0")
    );
    let second = header(&refused, "x-ms-request-id").expect("errors have one too");
    assert!(is_uuid(second) && second != first, "{second} after {first}");

    let missing = e.send(Method::GET, "/no/such/route", &[], Vec::new()).await;
    missing.expect(404);
    assert!(header(&missing, "x-ms-request-id").is_some_and(is_uuid));
}

/// The lines of `log` that record a request.
fn request_lines(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains(" request ") || l.ends_with(" request"))
        .filter(|l| l.contains("request_id="))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standalone_emulator_logs_one_plain_line_per_request() {
    acs_interop::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("emulator.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_acs-interop"))
        .args([
            "emulator",
            "--in-memory",
            "--listen",
            "127.0.0.1:0",
            "--log-level",
            "info",
        ])
        .env_remove("NO_COLOR")
        .env_remove("ACS_INTEROP_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("the emulator starts");
    let stdout = child.stdout.take().expect("a pipe");
    let mut lines = BufReader::new(stdout).lines();
    let mut connection = None;
    for line in lines.by_ref() {
        let line = line.expect("text");
        if let Some(cs) = line.trim().strip_prefix("connection string") {
            connection = Some(ConnectionString::parse(cs.trim()).expect("a connection string"));
            break;
        }
    }
    let connection = connection.expect("the banner has the connection string");
    let endpoint = connection.endpoint.clone();

    let http = reqwest::Client::new();
    // 1: plain, with a query that must not reach the log.
    let health = http
        .get(format!("{endpoint}emulator/health?secret=hunter2-in-query"))
        .header("x-ms-client-request-id", "my-own-id-1")
        .send()
        .await
        .unwrap();
    assert!(health.status().is_success());
    let health_id = health.headers()["x-ms-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    // 2: signed (the identity API), and 3: as a user, with a bearer token.
    let identity = IdentityClient::new(http.clone(), &connection).unwrap();
    let (user, token) = identity.create_user_with_token(&["chat"]).await.unwrap();
    let threads = http
        .get(format!("{endpoint}chat/threads?api-version=2024-03-07"))
        .bearer_auth(&token.token)
        .send()
        .await
        .unwrap();
    assert_eq!(threads.status(), 200);
    // 4: refused.
    let missing = http
        .get(format!("{endpoint}no/such/route"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let started = Instant::now();
    while child.try_wait().expect("waiting works").is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the emulator did not stop"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(lines);

    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(!log.contains("\x1b["), "colour codes in a file: {log:?}");
    let requests = request_lines(&log);
    assert_eq!(requests.len(), 4, "one line per request: {log}");
    assert!(!log.contains("hunter2"), "the query is not logged: {log}");
    assert!(!log.contains(&token.token), "the token is not logged");
    let health_line = requests[0];
    for part in [
        "method=GET",
        "path=/emulator/health",
        "status=200",
        "latency_ms=",
        "caller=-",
        &format!("request_id={health_id}"),
        "client_request_id=my-own-id-1",
    ] {
        assert!(health_line.contains(part), "{part} in {health_line}");
    }
    assert!(
        requests[1].contains("method=POST")
            && requests[1].contains("path=/identities")
            && requests[1].contains("status=201")
            && requests[1].contains("caller=hmac"),
        "{}",
        requests[1]
    );
    assert!(
        requests[2].contains("path=/chat/threads")
            && requests[2].contains(&format!("caller={user}")),
        "{}",
        requests[2]
    );
    assert!(
        requests[3].contains("status=404") && requests[3].contains("path=/no/such/route"),
        "{}",
        requests[3]
    );
}
