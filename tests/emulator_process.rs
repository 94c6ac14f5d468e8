//! The standalone emulator as a process: it keeps serving when nobody reads its standard output, and
//! SIGTERM stops it cleanly even then (`acs-interop emulator | head -2`).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_stdout_neither_stops_nor_panics_the_emulator() {
    acs_interop::install_crypto_provider();
    let mut child = Command::new(env!("CARGO_BIN_EXE_acs-interop"))
        .args(["emulator", "--in-memory", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the emulator starts");
    let stdout = child.stdout.take().expect("a pipe");
    let mut lines = BufReader::new(stdout).lines();
    let _version = lines.next().expect("a first line").expect("text");
    let endpoint_line = lines.next().expect("a second line").expect("text");
    // As `head -2` does: read two lines, close the pipe.
    drop(lines);
    let endpoint = endpoint_line
        .split_whitespace()
        .last()
        .expect("the endpoint")
        .to_string();
    let health = reqwest::get(format!("{endpoint}emulator/health"))
        .await
        .expect("the emulator still answers");
    assert!(health.status().is_success(), "{}", health.status());

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting works") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the emulator did not stop on SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("stderr reads");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(status.success(), "{status:?}\n{stderr}");
}
