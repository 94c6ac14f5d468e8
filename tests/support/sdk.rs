//! The official Azure Communication Services Python SDKs in a virtual environment under
//! `target/sdk-venv`, created on first use by whichever test gets there first. A missing Python,
//! a failed venv or a failed pip install fails the test that asked: nothing is skipped.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

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

/// The venv's Python once installed. The tests of a binary that need it run in parallel: the
/// first installs while the others wait, so pip never runs twice at once.
static SDK_PYTHON: OnceCell<PathBuf> = OnceCell::const_new();

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn venv_python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}

pub fn describe(output: &Output) -> String {
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
pub async fn sdk_python() -> PathBuf {
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
