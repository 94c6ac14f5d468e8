//! End-to-end, the ops views: the real binary in a private tmux server at 120×40 against an
//! in-process emulator: `:state` (Ctrl+T), the inspector (Ctrl+O) with one exchange opened, `:har`
//! while running and `--har` at exit, both valid HAR 1.2 without the access key or a token.
//!
//! Needs `tmux` on the PATH; the test fails with a clear message when it is missing.

#[path = "support/mod.rs"]
mod support;

use serde_json::{Value, json};
use support::tmux::{Tmux, sh_quote};
use support::{TestEmulator, participant};

/// Checks a HAR file as its readers need it, and that no credential is in it.
fn check_har(path: &std::path::Path, secrets: &[&str]) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "a secret reached {}",
            path.display()
        );
    }
    let doc: Value = serde_json::from_str(&text).expect("the HAR file is JSON");
    assert_eq!(doc["log"]["version"], "1.2");
    let entries = doc["log"]["entries"].as_array().expect("entries");
    assert!(!entries.is_empty(), "the HAR file has exchanges");
    for entry in entries {
        assert!(entry["startedDateTime"].is_string() && entry["time"].is_number());
        assert!(entry["request"]["headers"].is_array() && entry["response"]["status"].is_number());
    }
    doc
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_and_the_inspector_show_the_thread_and_the_wire_and_har_files_are_written() {
    let e = TestEmulator::start().await;
    let (alice, alice_token) = e.create_user().await;
    let (me, my_token) = e.create_user().await;
    let created = e
        .post(
            &alice_token,
            "/chat/threads",
            &json!({"topic": "Ops check", "participants": [
                participant(&alice, "Alice"), participant(&me, "Operator")]}),
        )
        .await;
    let thread = created.expect(201)["chatThread"]["id"]
        .as_str()
        .expect("a thread id")
        .to_string();
    e.send_message(&alice_token, &thread, "Can you see this?")
        .await;

    let dir = tempfile::tempdir().expect("a temporary folder");
    let exit_har = dir.path().join("exit.har");
    let live_har = dir.path().join("live.har");
    let command = format!(
        "XDG_CONFIG_HOME={config} ACS_CONNECTION_STRING={cs} {bin} --data-dir {data} --name Operator \
         --user-id {me} --act --har {har}; echo EXIT=$?; sleep 30",
        config = sh_quote(&dir.path().join("config").display().to_string()),
        cs = sh_quote(&e.emulator.connection_string().expose()),
        bin = sh_quote(env!("CARGO_BIN_EXE_acs-interop")),
        data = sh_quote(&dir.path().join("data").display().to_string()),
        me = sh_quote(&me),
        har = sh_quote(&exit_har.display().to_string()),
    );
    let tmux = Tmux::start("ops", &command, 120, 40);
    tmux.wait_for_text("Can you see this?").await;

    tmux.keys(&["C-t"]);
    let screen = tmux.wait_for_text("Participants (2)").await;
    assert!(
        screen.contains("Thread state") && screen.contains("Ops check"),
        "{screen}"
    );
    assert!(
        screen.contains("Operator (you)") && screen.contains(&alice),
        "{screen}"
    );
    assert!(screen.contains("Read receipts"), "{screen}");
    tmux.keys(&["Escape"]);

    tmux.keys(&["C-o"]);
    let screen = tmux.wait_for_text("Inspector").await;
    assert!(
        screen.contains("/messages") && screen.contains("200"),
        "{screen}"
    );
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for_text("Exchange #").await;
    assert!(screen.contains("x-ms-client-request-id:"), "{screen}");
    assert!(
        !screen.contains(&my_token),
        "the token shows in the inspector"
    );
    // One key at a time: Esc followed at once by another key arrives as Alt+key.
    tmux.keys(&["Escape"]);
    tmux.wait_for_text("Inspector ·").await;
    tmux.keys(&["Escape"]);
    tmux.wait_for("the inspector closed", |s| !s.contains("Inspector ·"))
        .await;
    // Back in the composer: Esc leaves it, then the command line opens.
    tmux.keys(&["Escape"]);
    tmux.wait_for_text("Message (i to write)").await;
    tmux.keys(&[":"]);
    tmux.type_text(&format!("har {}", live_har.display()));
    tmux.wait_for_text(":har ").await;
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("exchanges to").await;
    let key = e.emulator.connection_string().expose();
    let key = key.rsplit("accesskey=").next().expect("a key");
    check_har(&live_har, &[key, &my_token]);

    tmux.keys(&["C-c"]);
    tmux.wait_for_text("EXIT=0").await;
    let doc = check_har(&exit_har, &[key, &my_token]);
    let entries = doc["log"]["entries"].as_array().unwrap();
    assert!(
        entries.iter().any(|e| e["request"]["url"]
            .as_str()
            .is_some_and(|u| u.contains("/messages"))),
        "the exit HAR holds the messages exchange"
    );
}

#[test]
fn an_unwritable_har_path_is_refused_before_the_console_starts() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_acs-interop"))
        .args(["--in-memory", "--har", "/nonexistent-folder/session.har"])
        .env("XDG_CONFIG_HOME", dir.path())
        .env_remove("ACS_CONNECTION_STRING")
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot write the HAR file /nonexistent-folder/session.har"),
        "{stderr}"
    );
}
