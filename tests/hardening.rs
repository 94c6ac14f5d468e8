//! Hardening of the emulator: one emulator per data folder, and HTTP details clients get right.

#[path = "support/mod.rs"]
mod support;

use acs_interop::emulator::{Emulator, EmulatorConfig, EmulatorError, Storage};
use reqwest::Method;
use support::TestEmulator;

fn on(dir: &std::path::Path) -> EmulatorConfig {
    EmulatorConfig {
        storage: Storage::Directory(dir.to_path_buf()),
        ..support::test_config()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_emulator_on_the_same_data_folder_is_refused_and_says_why() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let first = Emulator::start(on(dir.path()))
        .await
        .expect("the first starts");
    let second = Emulator::start(on(dir.path())).await;
    match second {
        Err(e @ EmulatorError::DataDirInUse { .. }) => {
            let text = e.to_string();
            assert!(text.contains("another emulator"), "{text}");
            assert!(
                text.contains(&std::process::id().to_string()),
                "names the process: {text}"
            );
            assert!(text.contains("--data-dir"), "says what to do: {text}");
        }
        Err(other) => panic!("refused for another reason: {other}"),
        Ok(_) => panic!("two emulators ran on one data folder"),
    }
    first.shutdown().await;
    let again = Emulator::start(on(dir.path()))
        .await
        .expect("the folder is free once the first stopped");
    again.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bearer_scheme_is_case_insensitive() {
    let e = TestEmulator::start().await;
    let (_, token) = e.create_user().await;
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let authorization = format!("{scheme} {token}");
        let response = e
            .send(
                Method::GET,
                "/chat/threads?api-version=2024-03-07",
                &[("authorization", authorization.as_str())],
                Vec::new(),
            )
            .await;
        response.expect(200);
    }
    let response = e
        .send(
            Method::GET,
            "/chat/threads?api-version=2024-03-07",
            &[("authorization", format!("Basic {token}").as_str())],
            Vec::new(),
        )
        .await;
    response.expect(401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_versions_must_name_real_days_and_previews_are_not_their_ga_version() {
    let mut config = support::test_config();
    config.strict_api_version = true;
    let e = TestEmulator::start_with(config).await;
    let (_, token) = e.create_user().await;
    for (version, status) in [
        ("2024-03-07", 200),
        ("1999-13-45", 400),
        ("2025-02-30", 400),
        ("2024-03-07-preview", 400),
    ] {
        let response = e
            .send(
                Method::GET,
                &format!("/chat/threads?api-version={version}"),
                &[("authorization", format!("Bearer {token}").as_str())],
                Vec::new(),
            )
            .await;
        if status == 200 {
            response.expect(200);
        } else {
            response.expect_error(400, "UnsupportedApiVersion");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_needs_a_short_printable_name() {
    let e = TestEmulator::start().await;
    let long = "p".repeat(acs_interop::emulator::tenant::MAX_POLICY_NAME_CHARS + 1);
    for identity in ["", "Tag:", "  ", long.as_str(), "bad\u{7}name"] {
        let response = e
            .identity(
                Method::POST,
                "/emulator/teams/policies",
                Some(&serde_json::json!({"Identity": identity, "EnableAcsFederationAccess": true})),
            )
            .await;
        response.expect_error(400, "InvalidParameter");
    }
    let ok = "p".repeat(acs_interop::emulator::tenant::MAX_POLICY_NAME_CHARS);
    e.identity(
        Method::POST,
        "/emulator/teams/policies",
        Some(&serde_json::json!({"Identity": ok, "EnableAcsFederationAccess": true})),
    )
    .await
    .expect(201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_from_the_http_layer_come_in_the_acs_shape() {
    let e = TestEmulator::start().await;
    let (_, token) = e.create_user().await;
    let bad_path = e
        .send(
            Method::GET,
            "/chat/threads/%ff?api-version=2024-03-07",
            &[("authorization", format!("Bearer {token}").as_str())],
            Vec::new(),
        )
        .await;
    bad_path.expect_error(400, "BadRequest");
    let no_thread = e
        .identity(
            Method::DELETE,
            "/emulator/teams/users/megan@contoso.example/messages/1",
            None,
        )
        .await;
    let error = no_thread.expect_error(400, "BadRequest");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("threadId")),
        "{error}"
    );
}
