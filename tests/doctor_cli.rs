//! `acs-interop doctor` as an admin runs it: exports in, a verdict out, and the exit code scripts rely on.

use std::process::Command;

const RESOURCE: &str = "1e0f6a2c-3b4d-4e5f-8a9b-0c1d2e3f4a5b";

fn doctor(args: &[&str]) -> (i32, String, String) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/doctor/");
    let output = Command::new(env!("CARGO_BIN_EXE_acs-interop"))
        .arg("doctor")
        .args(args.iter().map(|a| a.replace("{dir}", dir)))
        .output()
        .expect("the binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn files(user: &str, federation: &str) -> Vec<String> {
    vec![
        "--federation-config".into(),
        format!("{{dir}}{federation}"),
        "--policies".into(),
        "{dir}policies.json".into(),
        "--user".into(),
        format!("{{dir}}{user}"),
        "--resource-id".into(),
        RESOURCE.into(),
    ]
}

fn run(args: Vec<String>) -> (i32, String, String) {
    doctor(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn an_allowed_user_exits_zero() {
    let (code, out, _) = run(files("user-allowed.json", "federation-on.json"));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Chat:  enabled"), "{out}");
}

#[test]
fn a_blocked_user_exits_one_with_the_rule_and_the_powershell_fix() {
    let (code, out, _) = run(files("user-blocked.json", "federation-on.json"));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Chat:  disabled"), "{out}");
    assert!(out.contains("row "), "names the seed table's row: {out}");
    assert!(
        out.contains("-ExternalAccessPolicy")
            || out.contains("Grant-CsExternalAccessPolicy")
            || out.contains("Set-CsExternalAccessPolicy"),
        "{out}"
    );
}

#[test]
fn federation_off_is_fixed_with_the_federation_cmdlet() {
    let (code, out, _) = run(files("user-allowed.json", "federation-off.json"));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("Set-CsTeamsAcsFederationConfiguration"),
        "{out}"
    );
    assert!(out.contains(RESOURCE), "{out}");
}

#[test]
fn json_output_is_machine_readable() {
    let mut args = files("user-blocked.json", "federation-on.json");
    args.push("--json".into());
    let (code, out, _) = run(args);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["chatEnabled"], false);
    assert!(v["fixes"].as_array().is_some_and(|f| !f.is_empty()));
}

#[test]
fn bad_input_exits_two_naming_the_file() {
    let mut args = files("user-allowed.json", "federation-on.json");
    args[3] = "{dir}does-not-exist.json".into();
    let (code, _, err) = run(args);
    assert_eq!(code, 2);
    assert!(err.contains("does-not-exist.json"), "{err}");
    let (code, _, err) = doctor(&["--policies", "x"]);
    assert_eq!(code, 2, "missing arguments are bad input too: {err}");
}

#[test]
fn an_unknown_coexistence_mode_is_bad_input_not_a_verdict() {
    let (code, out, err) = run(files("user-legacy-mode.json", "federation-on.json"));
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("TeamsUpgradeEffectiveMode") && err.contains("\"Legacy\""),
        "{err}"
    );
    assert!(err.contains("TeamsOnly"), "names the modes it knows: {err}");
}
