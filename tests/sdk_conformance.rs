//! Conformance against the official Azure Communication Services Python SDKs.
//!
//! Each test starts its own emulator with TLS and in-memory storage, then runs a
//! scenario script against it: `tests/sdk/conformance.py` (azure-communication-identity
//! and azure-communication-chat) and `tests/sdk/callautomation.py`
//! (azure-communication-callautomation, with PyJWT verifying the callbacks). The SDKs
//! live in one virtual environment under `target/sdk-venv`, created on first use by
//! whichever test gets there first. These tests never skip: a missing Python, a failed
//! venv or a failed pip install fails them.

mod support;

use std::process::Stdio;
use std::time::Duration;

use acs_interop::emulator::{Emulator, EmulatorConfig, Storage};
use support::sdk::{describe, manifest_dir, sdk_python};
use tokio::process::Command;

/// Generous: a scenario makes about a hundred requests to a local server, and the
/// calling one waits for simulated people to answer.
const SCENARIO_TIMEOUT: Duration = Duration::from_secs(300);

/// Starts an emulator with TLS and in-memory storage, runs `tests/sdk/<script>` against
/// it with the venv's Python, and fails with the script's output unless it exits 0.
async fn run_scenario_against_emulator(script: &str) {
    let python = sdk_python().await;

    let emulator = Emulator::start(EmulatorConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        tls: true,
        storage: Storage::InMemory,
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts");
    let connection_string = emulator.connection_string().expose();
    let ca = emulator
        .ca_certificate()
        .expect("an emulator with TLS has a CA certificate")
        .to_path_buf();

    let path = manifest_dir().join("tests").join("sdk").join(script);
    let mut command = Command::new(&python);
    command
        .arg(&path)
        .env("ACS_CONNECTION_STRING", &connection_string)
        .env("ACS_CA_CERT", &ca)
        .env("PYTHONUNBUFFERED", "1")
        // Keep __pycache__ out of tests/sdk.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // The timeout below drops the child; this makes dropping it end the process.
        .kill_on_drop(true);
    // requests honours proxy variables, which would send loopback traffic elsewhere.
    for proxy in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        command.env_remove(proxy);
    }
    let child = command
        .spawn()
        .unwrap_or_else(|e| panic!("start {script}: {e}"));

    // Awaited on the runtime, so the in-process emulator keeps serving meanwhile.
    let result = tokio::time::timeout(SCENARIO_TIMEOUT, child.wait_with_output()).await;
    emulator.shutdown().await;

    let output = result
        .unwrap_or_else(|_| panic!("{script} did not finish in {SCENARIO_TIMEOUT:?}"))
        .unwrap_or_else(|e| panic!("wait for {script}: {e}"));
    assert!(
        output.status.success(),
        "the official SDK scenario {script} failed against the emulator\n{}",
        describe(&output)
    );
    print!("{}", String::from_utf8_lossy(&output.stdout));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_python_sdks_work_against_the_emulator() {
    run_scenario_against_emulator("conformance.py").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_call_automation_sdk_works_against_the_emulator() {
    run_scenario_against_emulator("callautomation.py").await;
}
