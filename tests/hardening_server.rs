//! The emulator's server against clients that trickle bytes, idle, or open more connections than it
//! serves: they are cut off in time, and everyone else is still answered.

mod support;

use std::time::Duration;

use acs_interop::emulator::EmulatorConfig;
use acs_interop::emulator::server::ConnectionLimits;
use serde_json::json;
use support::{TestEmulator, test_config, thread_path};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn with_limits(max_connections: usize, header_timeout: Duration) -> EmulatorConfig {
    EmulatorConfig {
        connections: ConnectionLimits {
            max_connections,
            header_timeout,
        },
        ..test_config()
    }
}

fn address(e: &TestEmulator) -> String {
    e.base().trim_start_matches("http://").to_string()
}

/// Waits (bounded) for the server to close `stream`; whatever it sent first is returned.
async fn closed_by_server(stream: &mut TcpStream, within: Duration) -> Result<Vec<u8>, String> {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Ok(received),
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
            Err(_) => return Err(format!("still open after {within:?}")),
        }
    }
}

/// `/emulator/health`'s status, on a connection of its own.
async fn health(e: &TestEmulator) -> reqwest::StatusCode {
    reqwest::Client::new()
        .get(format!("{}/emulator/health", e.base()))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .expect("health answers")
        .status()
}

/// Opens a connection that has sent the start of a request and nothing more.
async fn half_a_request(address: &str) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.expect("connects");
    stream
        .write_all(b"GET /emulator/health HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("writes");
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_trickling_its_headers_is_cut_off_at_the_header_time_limit() {
    let e = TestEmulator::start_with(with_limits(4_096, Duration::from_secs(1))).await;
    let mut stream = half_a_request(&address(&e)).await;
    // One header line every 200 ms: always busy, never done.
    let trickle = async {
        for i in 0..50 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if stream
                .write_all(format!("X-Slow-{i}: 1\r\n").as_bytes())
                .await
                .is_err()
            {
                return i;
            }
        }
        50
    };
    let lines = trickle.await;
    assert!(
        lines < 25,
        "the server still read headers after {lines} lines"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_kept_alive_connection_is_closed_after_the_header_time_limit() {
    let e = TestEmulator::start_with(with_limits(4_096, Duration::from_secs(1))).await;
    let mut stream = TcpStream::connect(address(&e)).await.expect("connects");
    stream
        .write_all(b"GET /emulator/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("writes");
    let answered = closed_by_server(&mut stream, Duration::from_secs(5))
        .await
        .expect("closed after idling");
    assert!(
        String::from_utf8_lossy(&answered).starts_with("HTTP/1.1 200"),
        "the request itself was answered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_a_send_are_answered_with_hundreds_of_slow_connections_open() {
    let e = TestEmulator::start().await;
    let address = address(&e);
    let mut slow = Vec::new();
    for _ in 0..500 {
        slow.push(half_a_request(&address).await);
    }
    assert_eq!(health(&e).await, 200);
    let (_, token) = e.create_user().await;
    let thread = e.create_thread(&token, "Under load", &[]).await;
    e.post(
        &token,
        &thread_path(&thread, "/messages"),
        &json!({"content": "still here"}),
    )
    .await
    .expect(201);
    drop(slow);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_cap_a_new_connection_is_closed_and_service_resumes_when_slow_ones_are_cut() {
    let e = TestEmulator::start_with(with_limits(16, Duration::from_secs(1))).await;
    let address = address(&e);
    let mut held = Vec::new();
    for _ in 0..16 {
        held.push(half_a_request(&address).await);
    }
    // Give the server a moment to take all sixteen.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut extra = TcpStream::connect(&address).await.expect("connects");
    let _ = extra
        .write_all(b"GET /emulator/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let answer = closed_by_server(&mut extra, Duration::from_millis(900))
        .await
        .expect("closed at once, not left waiting");
    assert!(answer.is_empty(), "nothing is served past the cap");
    // The held ones are cut at the header limit, and then a client is served again.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(health(&e).await, 200);
    drop(held);
}
