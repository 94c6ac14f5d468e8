//! The identity API of the emulator: identities, tokens and HMAC authentication.

mod support;

use std::time::{Duration, SystemTime};

use acs_interop::acs::hmac::sign_request;
use acs_interop::acs::time::{now_ms, parse_rfc3339_ms};
use reqwest::Method;
use serde_json::{Value, json};
use support::{IDENTITY_API, Response, TestEmulator, enc, test_config};

fn identity_path(id: &str, action: &str) -> String {
    format!("/identities/{}{action}", enc(id))
}

/// Asserts that `expiresOn` is about `minutes` from now.
#[track_caller]
fn assert_expires_in(token: &Value, minutes: i64) {
    let expires = token["expiresOn"].as_str().expect("expiresOn");
    let expires_ms = parse_rfc3339_ms(expires).expect("expiresOn is RFC 3339");
    let expected = now_ms() + minutes * 60_000;
    assert!(
        (expires_ms - expected).abs() < 120_000,
        "expiresOn {expires} is not {minutes} minutes from now"
    );
}

/// A chat call that any valid chat token may make.
async fn list_threads(emulator: &TestEmulator, token: &str) -> Response {
    emulator.get(token, "/chat/threads").await
}

async fn issue(emulator: &TestEmulator, id: &str, body: &Value) -> Response {
    emulator
        .identity(
            Method::POST,
            &identity_path(id, "/:issueAccessToken"),
            Some(body),
        )
        .await
}

#[tokio::test]
async fn create_identity_without_token_returns_only_the_identity() {
    let emulator = TestEmulator::start().await;
    let response = emulator.identity(Method::POST, "/identities", None).await;
    let body = response.expect(201);
    let id = body["identity"]["id"].as_str().expect("an id");
    assert!(
        id.starts_with(&format!("8:acs:{}_", emulator.resource_id())),
        "{id} is not an ACS user of this resource"
    );
    assert!(body.get("accessToken").is_none(), "{body}");

    let empty_object = emulator
        .identity(Method::POST, "/identities", Some(&json!({})))
        .await;
    let other = empty_object.expect(201)["identity"]["id"].as_str().unwrap();
    assert_ne!(other, id, "every identity gets its own id");
}

#[tokio::test]
async fn create_identity_with_scopes_returns_a_working_token_valid_1440_minutes_by_default() {
    let emulator = TestEmulator::start().await;
    let response = emulator
        .identity(
            Method::POST,
            "/identities",
            Some(&json!({"createTokenWithScopes": ["chat", "voip"]})),
        )
        .await;
    let body = response.expect(201);
    let token = &body["accessToken"];
    assert!(body["identity"]["id"].is_string());
    assert_expires_in(token, 1440);
    let token = token["token"].as_str().expect("a token");
    list_threads(&emulator, token).await.expect(200);
}

#[tokio::test]
async fn expires_in_minutes_accepts_60_and_1440() {
    let emulator = TestEmulator::start().await;
    for minutes in [60, 1440] {
        let response = emulator
            .identity(
                Method::POST,
                "/identities",
                Some(&json!({"createTokenWithScopes": ["chat"], "expiresInMinutes": minutes})),
            )
            .await;
        let body = response.expect(201);
        assert_expires_in(&body["accessToken"], minutes);

        let id = body["identity"]["id"].as_str().unwrap();
        let issued = issue(
            &emulator,
            id,
            &json!({"scopes": ["chat"], "expiresInMinutes": minutes}),
        )
        .await;
        assert_expires_in(issued.expect(200), minutes);
    }
}

#[tokio::test]
async fn expires_in_minutes_outside_60_to_1440_is_refused_naming_the_field() {
    let emulator = TestEmulator::start().await;
    let (id, _) = emulator.create_user().await;
    for minutes in [59, 1441] {
        emulator
            .identity(
                Method::POST,
                "/identities",
                Some(&json!({"createTokenWithScopes": ["chat"], "expiresInMinutes": minutes})),
            )
            .await
            .expect_error_target(400, "BadRequest", "expiresInMinutes");
        issue(
            &emulator,
            &id,
            &json!({"scopes": ["chat"], "expiresInMinutes": minutes}),
        )
        .await
        .expect_error_target(400, "BadRequest", "expiresInMinutes");
    }
}

#[tokio::test]
async fn unknown_scope_is_refused_naming_the_field() {
    let emulator = TestEmulator::start().await;
    emulator
        .identity(
            Method::POST,
            "/identities",
            Some(&json!({"createTokenWithScopes": ["chat", "telepathy"]})),
        )
        .await
        .expect_error_target(400, "BadRequest", "createTokenWithScopes");
    let (id, _) = emulator.create_user().await;
    issue(&emulator, &id, &json!({"scopes": ["telepathy"]}))
        .await
        .expect_error_target(400, "BadRequest", "scopes");
}

#[tokio::test]
async fn issue_token_returns_a_token_that_works_for_chat() {
    let emulator = TestEmulator::start().await;
    let (id, _) = emulator.create_user().await;
    let response = issue(&emulator, &id, &json!({"scopes": ["chat"]})).await;
    let body = response.expect(200);
    assert_expires_in(body, 1440);
    let token = body["token"].as_str().expect("a token");
    list_threads(&emulator, token).await.expect(200);
}

#[tokio::test]
async fn issue_token_for_an_unknown_identity_is_not_found() {
    let emulator = TestEmulator::start().await;
    let unknown = format!(
        "8:acs:{}_00000000-0000-4000-8000-000000000000",
        emulator.resource_id()
    );
    issue(&emulator, &unknown, &json!({"scopes": ["chat"]}))
        .await
        .expect_error(404, "NotFound");
}

#[tokio::test]
async fn revoke_voids_earlier_tokens_but_not_later_ones() {
    let emulator = TestEmulator::start().await;
    let (id, old_token) = emulator.create_user().await;
    list_threads(&emulator, &old_token).await.expect(200);

    let revoked = emulator
        .identity(
            Method::POST,
            &identity_path(&id, "/:revokeAccessTokens"),
            None,
        )
        .await;
    revoked.expect(204);

    list_threads(&emulator, &old_token)
        .await
        .expect_error(401, "Unauthorized");

    let fresh = issue(&emulator, &id, &json!({"scopes": ["chat"]})).await;
    let fresh = fresh.expect(200)["token"].as_str().unwrap().to_string();
    list_threads(&emulator, &fresh).await.expect(200);
}

#[tokio::test]
async fn delete_identity_voids_its_tokens_and_refuses_new_ones() {
    let emulator = TestEmulator::start().await;
    let (id, token) = emulator.create_user().await;
    emulator
        .identity(Method::DELETE, &identity_path(&id, ""), None)
        .await
        .expect(204);
    list_threads(&emulator, &token)
        .await
        .expect_error(401, "Unauthorized");
    issue(&emulator, &id, &json!({"scopes": ["chat"]}))
        .await
        .expect_error(404, "NotFound");
}

// ---------------------------------------------------------------- HMAC

const CREATE_PATH: &str = "/identities?api-version=2023-10-01";

#[tokio::test]
async fn request_without_authorization_is_unauthorized() {
    let emulator = TestEmulator::start().await;
    let body = b"{}";
    let signed = emulator.sign("POST", CREATE_PATH, body);
    let headers = [
        ("x-ms-date", signed.date.as_str()),
        ("x-ms-content-sha256", signed.content_sha256.as_str()),
        ("content-type", "application/json"),
    ];
    emulator
        .send(Method::POST, CREATE_PATH, &headers, body.to_vec())
        .await
        .expect_error(401, "Unauthorized");
}

#[tokio::test]
async fn request_signed_with_another_key_is_unauthorized() {
    let emulator = TestEmulator::start().await;
    let body = b"{}";
    let signed = sign_request(
        b"not the emulator's key",
        "POST",
        CREATE_PATH,
        &emulator.host(),
        body,
        &support::http_date_now(),
    );
    emulator
        .send_signed(Method::POST, CREATE_PATH, body, &signed)
        .await
        .expect_error(401, "Unauthorized");
}

#[tokio::test]
async fn body_that_does_not_match_its_content_hash_is_unauthorized() {
    let emulator = TestEmulator::start().await;
    let signed = emulator.sign("POST", CREATE_PATH, b"{}");
    let tampered = br#"{"createTokenWithScopes":["chat"]}"#;
    let response = emulator
        .send_signed(Method::POST, CREATE_PATH, tampered, &signed)
        .await;
    let error = response.expect_error(401, "Unauthorized");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("x-ms-content-sha256"),
        "the message should say the content hash is wrong: {error}"
    );
}

#[tokio::test]
async fn date_more_than_15_minutes_from_now_is_unauthorized() {
    let emulator = TestEmulator::start().await;
    let body = b"{}";
    let sixteen_minutes = Duration::from_secs(16 * 60);
    for date in [
        SystemTime::now() - sixteen_minutes,
        SystemTime::now() + sixteen_minutes,
    ] {
        let signed = sign_request(
            emulator.access_key(),
            "POST",
            CREATE_PATH,
            &emulator.host(),
            body,
            &httpdate::fmt_http_date(date),
        );
        emulator
            .send_signed(Method::POST, CREATE_PATH, body, &signed)
            .await
            .expect_error(401, "Unauthorized");
    }
    // Within the window is fine: the failures above are the date's, not the signature's.
    let signed = sign_request(
        emulator.access_key(),
        "POST",
        CREATE_PATH,
        &emulator.host(),
        body,
        &httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(10 * 60)),
    );
    emulator
        .send_signed(Method::POST, CREATE_PATH, body, &signed)
        .await
        .expect(201);
}

#[tokio::test]
async fn signature_over_a_different_path_is_unauthorized() {
    let emulator = TestEmulator::start().await;
    let body = b"{}";
    let signed = emulator.sign("POST", "/identities?api-version=2023-08-01", body);
    emulator
        .send_signed(Method::POST, CREATE_PATH, body, &signed)
        .await
        .expect_error(401, "Unauthorized");
}

#[tokio::test]
async fn js_style_reencoded_query_signature_is_accepted() {
    let emulator = TestEmulator::start().await;
    let (id, _) = emulator.create_user().await;
    // Sent with ':' as is; signed as the JS SDK's URLSearchParams serialises it, ':' as %3A.
    let sent = format!(
        "{}?api-version={IDENTITY_API}&id={id}",
        identity_path(&id, "/:issueAccessToken")
    );
    let signed_form = format!(
        "{}?api-version={IDENTITY_API}&id={}",
        identity_path(&id, "/:issueAccessToken"),
        id.replace(':', "%3A")
    );
    assert!(sent.contains("&id=8:acs:") && signed_form.contains("&id=8%3Aacs%3A"));
    let body = serde_json::to_vec(&json!({"scopes": ["chat"]})).unwrap();
    let signed = emulator.sign("POST", &signed_form, &body);
    let response = emulator
        .send_signed(Method::POST, &sent, &body, &signed)
        .await;
    assert!(response.expect(200)["token"].is_string());
}

// ---------------------------------------------------------------- api-version and routes

#[tokio::test]
async fn missing_api_version_is_a_bad_request() {
    let emulator = TestEmulator::start().await;
    let signed = emulator.sign("POST", "/identities", b"");
    emulator
        .send_signed(Method::POST, "/identities", b"", &signed)
        .await
        .expect_error(400, "MissingApiVersionParameter");
}

#[tokio::test]
async fn unknown_well_formed_api_version_is_served_by_default() {
    let emulator = TestEmulator::start().await;
    emulator
        .identity(Method::POST, "/identities?api-version=2099-01-01", None)
        .await
        .expect(201);
}

#[tokio::test]
async fn unknown_api_version_is_refused_when_strict() {
    let mut config = test_config();
    config.strict_api_version = true;
    let emulator = TestEmulator::start_with(config).await;
    emulator
        .identity(Method::POST, "/identities?api-version=2099-01-01", None)
        .await
        .expect_error_target(400, "UnsupportedApiVersion", "api-version");
    // A known version still works.
    emulator
        .identity(Method::POST, "/identities", None)
        .await
        .expect(201);
}

#[tokio::test]
async fn malformed_api_version_is_refused() {
    let emulator = TestEmulator::start().await;
    emulator
        .identity(Method::POST, "/identities?api-version=latest", None)
        .await
        .expect_error_target(400, "UnsupportedApiVersion", "api-version");
}

#[tokio::test]
async fn teams_token_exchange_is_refused_with_a_clear_error() {
    let emulator = TestEmulator::start().await;
    let response = emulator
        .identity(
            Method::POST,
            "/teamsUser/:exchangeAccessToken",
            Some(&json!({
                "token": "entra-token",
                "appId": "00000000-0000-4000-8000-000000000001",
                "userId": "00000000-0000-4000-8000-000000000002"
            })),
        )
        .await;
    let error = response.expect_error(400, "EntraTokenUnavailable");
    assert!(
        error["message"].as_str().unwrap().contains("Teams"),
        "the message should say why: {error}"
    );
}

#[tokio::test]
async fn unknown_route_is_not_found_in_the_acs_error_shape() {
    let emulator = TestEmulator::start().await;
    emulator
        .send(
            Method::GET,
            "/no/such/operation?api-version=2023-10-01",
            &[],
            Vec::new(),
        )
        .await
        .expect_error(404, "NotFound");
    emulator
        .identity(Method::POST, "/identities/8%3Aacs%3Ax/:noSuchAction", None)
        .await
        .expect_error(404, "NotFound");
}
