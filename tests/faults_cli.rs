//! `acs-interop emulator --faults SPEC` and `acs-interop faults` as a user runs them: the faults in
//! force from the start, shown, changed and cleared from another shell; a bad spec is refused with
//! the reason and exit code 2 before anything starts or is sent.

mod support;

use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::process::EmulatorProcess;

fn start_emulator(faults: &str) -> EmulatorProcess {
    EmulatorProcess::start(
        ["--in-memory", "--listen", "127.0.0.1:0", "--faults", faults],
        Stdio::null(),
    )
}

fn faults(e: &EmulatorProcess, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_acs-interop"))
        .arg("faults")
        .args(args)
        .env("ACS_CONNECTION_STRING", &e.connection)
        .output()
        .expect("acs-interop faults runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn faults_are_shown_changed_and_cleared_from_the_shell() {
    let e = start_emulator("chat-writes.503=10%,seed=5");
    assert!(
        e.banner
            .iter()
            .any(|l| l.trim() == "faults             chat-writes.503=10%,seed=5  (injected on purpose; `acs-interop faults` shows and changes them)"),
        "the banner says faults are on: {:?}",
        e.banner
    );
    let shown = faults(&e, &[]);
    assert!(shown.status.success(), "{}", text(&shown));
    let out = text(&shown);
    assert!(
        out.contains("faults: chat-writes.503=10%,seed=5") && out.contains("seed:   5"),
        "{out}"
    );

    let set = faults(&e, &["--json", "set", "429=5%,latency=200ms~100ms"]);
    assert!(set.status.success(), "{}", text(&set));
    let answer: Value = serde_json::from_slice(&set.stdout).expect("json");
    assert_eq!(answer["active"], true);
    let spec = answer["spec"].as_str().expect("a spec");
    assert!(
        spec.starts_with("429=5%,latency=200ms~100ms,seed="),
        "a fresh seed is reported: {spec}"
    );

    let refused = faults(&e, &["set", "429=5"]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("percentage"), "{}", text(&refused));

    let cleared = faults(&e, &["clear"]);
    assert!(cleared.status.success(), "{}", text(&cleared));
    assert!(text(&cleared).contains("faults: off"), "{}", text(&cleared));
}

#[test]
fn a_bad_spec_stops_the_emulator_before_it_starts() {
    let output = Command::new(env!("CARGO_BIN_EXE_acs-interop"))
        .args(["emulator", "--in-memory", "--listen", "127.0.0.1:0"])
        .args(["--faults", "chat.503=10%"])
        .output()
        .expect("the emulator runs");
    assert_eq!(output.status.code(), Some(2));
    let out = text(&output);
    assert!(out.contains("unknown class `chat`"), "{out}");
}
