//! End-to-end calls: the real binary in a private tmux server at 80×24 on an in-process emulator. The
//! console starts a thread with a Teams user and calls her, the Teams side starts recording from a
//! second process (`acs-interop teams record`), the notice appears at once, and `:hangup` ends the call.
//!
//! Needs `tmux` on the PATH; each test fails with a clear message when it is missing.

mod support;

use std::process::Command;

use support::TestEmulator;
use support::tmux::{Tmux, sh_quote};

const MEGAN: &str = "megan@contoso.example";

/// `acs-interop teams <args>` against the emulator, as a second shell would run it.
fn teams(emulator: &TestEmulator, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_acs-interop"))
        .arg("teams")
        .args(args)
        .env(
            "ACS_CONNECTION_STRING",
            emulator.emulator.connection_string().expose(),
        )
        .output()
        .expect("acs-interop teams runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_at_80_by_24_shows_the_recording_notice_the_moment_teams_records() {
    let emulator = TestEmulator::start().await;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let command = format!(
        "XDG_CONFIG_HOME={config} {bin} --connection-string {cs} --data-dir {data} --name Me; sleep 30",
        config = sh_quote(&dir.path().join("config").display().to_string()),
        bin = sh_quote(env!("CARGO_BIN_EXE_acs-interop")),
        cs = sh_quote(&emulator.emulator.connection_string().expose()),
        data = sh_quote(&dir.path().join("data").display().to_string()),
    );
    let tmux = Tmux::start("calls", &command, 80, 24);
    tmux.wait_for_text("● live").await;

    tmux.keys(&["Escape"]);
    tmux.wait_for_text("Message (i to write)").await;
    tmux.type_text(&format!(":new Calls {MEGAN}"));
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("▶ Calls").await;
    tmux.wait_for_text("Megan Bowen joined").await;
    // With no one named, :call calls the thread's only Teams user.
    tmux.keys(&["Escape"]);
    tmux.wait_for_text("Message (i to write)").await;
    tmux.type_text(":call");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("☎ Megan Bowen (Teams) — connected")
        .await;
    let screen = tmux.screen();
    assert!(
        !screen.contains("Recording"),
        "no notice before anything records:\n{screen}"
    );

    let recorded = teams(&emulator, &["record", MEGAN, "start"]);
    assert!(
        recorded.status.success(),
        "teams record failed: {}",
        String::from_utf8_lossy(&recorded.stderr)
    );
    let screen = tmux
        .wait_for("the recording notice on the first row", |s| {
            s.lines()
                .next()
                .is_some_and(|l| l.contains("● Recording has started. By joining, you are giving"))
        })
        .await;
    assert!(
        screen.contains("Megan Bowen (Teams) started recording"),
        "a line in the thread says who:\n{screen}"
    );

    // A refused action explains itself with the rule.
    tmux.type_text(":record");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("recording isn't available for 1:1 calls")
        .await;

    tmux.type_text(":hangup");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("ended: you hung up").await;
    tmux.wait_for_text("Recording is being saved.").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teams_user_cannot_transfer_to_an_acs_user_or_forward_and_the_rule_is_named() {
    let emulator = TestEmulator::start().await;
    let transfer = teams(&emulator, &["transfer", MEGAN, "8:acs:someone"]);
    assert_eq!(transfer.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&transfer.stderr);
    assert!(
        stderr.contains("can't make ACS users forwarding or transfer targets"),
        "{stderr}"
    );
    let forward = teams(&emulator, &["forward", MEGAN, "8:orgid:x"]);
    assert!(
        String::from_utf8_lossy(&forward.stderr).contains("Call forwarding"),
        "{forward:?}"
    );
}
