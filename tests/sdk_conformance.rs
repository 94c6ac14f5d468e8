//! Conformance against the official Azure Communication Services Python SDKs.
//!
//! Each test starts its own emulator with TLS and in-memory storage, then runs a
//! scenario script against it: `tests/sdk/conformance.py` (azure-communication-identity
//! and azure-communication-chat) and `tests/sdk/callautomation.py`
//! (azure-communication-callautomation, with PyJWT verifying the callbacks). The SDKs
//! live in one virtual environment under `target/sdk-venv`, created on first use by
//! whichever test gets there first. These tests never skip: a missing Python, a failed
//! venv or a failed pip install fails them.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use acs_interop::emulator::{Emulator, EmulatorConfig, Storage};
use tokio::process::Command;
use tokio::sync::OnceCell;

/// The SDK versions the scenarios were written against. PyJWT (with `cryptography`,
/// pinned to a release with CPython 3.11 manylinux wheels) verifies the callback tokens.
const REQUIREMENTS: &[&str] = &[
    "azure-communication-identity==1.5.0",
    "azure-communication-chat==1.3.0",
    "azure-communication-callautomation==1.6.0",
    "PyJWT[crypto]==2.15.1",
    "cryptography==50.0.2",
];

/// Written into the venv after a successful install; holds the requirements.
const MARKER: &str = ".acs-interop-sdk-installed";

/// Generous: a scenario makes about a hundred requests to a local server, and the
/// calling one waits for simulated people to answer.
const SCENARIO_TIMEOUT: Duration = Duration::from_secs(300);

/// The venv's Python once installed. Both tests of this binary need it and run in
/// parallel: the first installs while the other waits, so pip never runs twice at once.
static SDK_PYTHON: OnceCell<PathBuf> = OnceCell::const_new();

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn venv_python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}

fn describe(output: &Output) -> String {
    format!(
        "status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

async fn run(command: &mut Command, what: &str) -> Output {
    command
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap_or_else(|e| panic!("{what}: could not start: {e}"))
}

/// Returns the venv's Python, installing the SDKs first if no test has yet.
async fn sdk_python() -> PathBuf {
    SDK_PYTHON.get_or_init(install_sdks).await.clone()
}

/// Creates the venv and installs the SDKs unless a marker from an earlier install
/// of the same versions is present; returns the venv's Python.
async fn install_sdks() -> PathBuf {
    let venv = manifest_dir().join("target").join("sdk-venv");
    let python = venv_python(&venv);
    let marker = venv.join(MARKER);
    let wanted = REQUIREMENTS.join("\n") + "\n";

    let installed = std::fs::read_to_string(&marker).ok();
    if python.is_file() && installed.as_deref() == Some(wanted.as_str()) {
        return python;
    }

    // PYTHON lets a machine without `python3` on PATH name its interpreter.
    let default = if cfg!(windows) { "python" } else { "python3" };
    let base = std::env::var("PYTHON").unwrap_or_else(|_| default.to_owned());
    let output = run(
        Command::new(&base).arg("-m").arg("venv").arg(&venv),
        &format!("{base} -m venv"),
    )
    .await;
    assert!(
        output.status.success() && python.is_file(),
        "creating the virtual environment {} failed (on Debian/Ubuntu install python3-venv)\n{}",
        venv.display(),
        describe(&output)
    );

    // Drop a stale marker first so an interrupted install is never taken as done.
    let _ = std::fs::remove_file(&marker);
    let output = run(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
            ])
            .args(REQUIREMENTS),
        "pip install",
    )
    .await;
    assert!(
        output.status.success(),
        "pip install {} failed\n{}",
        REQUIREMENTS.join(" "),
        describe(&output)
    );
    std::fs::write(&marker, wanted).expect("write the install marker");
    python
}

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
