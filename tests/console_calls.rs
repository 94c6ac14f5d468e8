//! The console's calls, through its backend against the emulator in-process: placing a call, the
//! verified events turned into news, refusals explained with the rule and its fix, and a callback
//! listener that acts on nothing it cannot verify.

mod support;

use std::time::Duration;

use acs_interop::acs::callback_token::{CallbackClaims, CallbackSigner};
use acs_interop::backend::calls::CallbackSetup;
use acs_interop::backend::{BackendEvent, Command};
use acs_interop::client::build_http_client;
use acs_interop::client::callbacks::{CallbackVerifier, listen};
use acs_interop::model::call::{CallEnd, CallNews, RecordingOrigin};
use reqwest::Method;
use serde_json::json;
use support::TestEmulator;
use support::backend::{Running, my_id, start, target};
use tokio::sync::mpsc;

const MEGAN: &str = "megan@contoso.example";

fn call_news(event: &BackendEvent) -> Option<CallNews> {
    match event {
        BackendEvent::Call(news) => Some(news.clone()),
        _ => None,
    }
}

async fn wait_news<T>(
    running: &mut Running,
    what: &str,
    pick: impl Fn(&CallNews) -> Option<T>,
) -> T {
    running
        .wait_for(what, |e| call_news(e).and_then(|n| pick(&n)))
        .await
}

async fn failure(running: &mut Running) -> (String, String) {
    running
        .wait_for("a failure", |e| match e {
            BackendEvent::Failure { what, fix } => Some((what.to_string(), fix.to_string())),
            _ => None,
        })
        .await
}

/// Waits for the call to end and says how.
async fn ended(running: &mut Running, what: &str) -> CallEnd {
    wait_news(running, what, |n| match n {
        CallNews::Ended { end, .. } => Some(end.clone()),
        _ => None,
    })
    .await
}

async fn console(e: &TestEmulator) -> (Running, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut running = start(target(e, dir.path(), false), None);
    my_id(&mut running).await;
    (running, dir)
}

async fn place(running: &Running, target: &str) {
    running
        .commands
        .send(Command::PlaceCall {
            thread_id: None,
            target: target.into(),
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_to_a_teams_user_connects_shows_the_roster_and_the_teams_recording_and_ends() {
    let e = TestEmulator::start().await;
    let (mut running, _dir) = console(&e).await;
    place(&running, MEGAN).await;
    let target = wait_news(&mut running, "Placing", |n| match n {
        CallNews::Placing { target, .. } => Some(target.clone()),
        _ => None,
    })
    .await;
    assert_eq!(target.name.as_str(), "Megan Bowen");
    assert!(target.raw_id.starts_with("8:orgid:"));
    wait_news(&mut running, "Ringing", |n| {
        matches!(n, CallNews::Ringing { .. }).then_some(())
    })
    .await;
    wait_news(&mut running, "Connected", |n| {
        matches!(n, CallNews::Connected { .. }).then_some(())
    })
    .await;
    let members = wait_news(&mut running, "the roster", |n| match n {
        CallNews::Roster { members, .. } => Some(members.clone()),
        _ => None,
    })
    .await;
    assert_eq!(members.len(), 2, "{members:?}");
    assert!(members.iter().any(|m| m.name.as_str() == "Megan Bowen"));

    let started = e
        .identity(
            Method::POST,
            &format!("/emulator/teams/users/{MEGAN}/call/recording"),
            Some(&json!({"active": true})),
        )
        .await;
    started.expect(200);
    let origin = wait_news(&mut running, "the recording", |n| match n {
        CallNews::Recording {
            active: true,
            origin,
            ..
        } => Some(*origin),
        _ => None,
    })
    .await;
    assert_eq!(origin, RecordingOrigin::Teams);

    running.commands.send(Command::HangUp).await.unwrap();
    let end = ended(&mut running, "the end").await;
    assert_eq!(end, CallEnd::HungUp);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_calls_name_the_rule_and_the_powershell_that_fixes_it() {
    let e = TestEmulator::start().await;
    let (mut running, _dir) = console(&e).await;
    place(&running, "adele@contoso.example").await;
    let end = ended(&mut running, "the refusal").await;
    assert!(
        matches!(&end, CallEnd::NotAllowed { rule } if rule.as_str().contains("EnableAcsFederationAccess")),
        "{end:?}"
    );
    let (what, fix) = failure(&mut running).await;
    assert!(
        what.contains("Adele Vance") && what.contains("Tag:NoAcsFederation"),
        "{what}"
    );
    assert!(fix.contains("Grant-CsExternalAccessPolicy"), "{fix}");

    place(&running, "lee@contoso.example").await;
    let (what, fix) = failure(&mut running).await;
    assert!(what.contains("TeamsOnly"), "{what}");
    assert!(fix.contains("Grant-CsTeamsUpgradePolicy"), "{fix}");

    place(&running, "alex@contoso.example").await;
    let end = ended(&mut running, "the decline").await;
    assert_eq!(end, CallEnd::Declined);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn muting_adding_and_recording_in_a_teams_call_are_refused_with_the_rule() {
    let e = TestEmulator::start().await;
    let (mut running, _dir) = console(&e).await;
    place(&running, MEGAN).await;
    wait_news(&mut running, "Connected", |n| {
        matches!(n, CallNews::Connected { .. }).then_some(())
    })
    .await;
    let send = |c: Command| running.commands.send(c);
    send(Command::MuteInCall {
        participant: MEGAN.into(),
    })
    .await
    .unwrap();
    let (what, fix) = failure(&mut running).await;
    assert!(what.contains("Only ACS users can be muted"), "{what}");
    assert!(fix.contains("Teams users mute themselves"), "{fix}");

    let (other, _) = e.create_user().await;
    running
        .commands
        .send(Command::AddToCall { participant: other })
        .await
        .unwrap();
    let (what, _) = failure(&mut running).await;
    assert!(
        what.contains("escalation to a group call isn't supported"),
        "{what}"
    );

    running.commands.send(Command::RecordCall).await.unwrap();
    let (what, fix) = failure(&mut running).await;
    assert!(what.contains("403") && what.contains("recording"), "{what}");
    assert!(fix.contains("a Teams user can record from Teams"), "{fix}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_callback_listener_refuses_what_it_cannot_verify_and_passes_what_it_can() {
    let e = TestEmulator::start().await;
    acs_interop::install_crypto_provider();
    let http = build_http_client(None).unwrap();
    let verifier = CallbackVerifier::new(http.clone(), e.emulator.endpoint(), e.resource_id());
    let (tx, mut rx) = mpsc::channel(16);
    let listener = listen(([127, 0, 0, 1], 0).into(), None, verifier, tx)
        .await
        .unwrap();
    let event = json!([{"id": "1", "source": "calling/callConnections/x",
        "type": "Microsoft.Communication.CallConnected", "specversion": "1.0",
        "data": {"callConnectionId": "x", "serverCallId": "s", "correlationId": "c",
                 "resultInformation": {"code": 200, "subCode": 0, "message": ""}}}]);
    let post = |auth: Option<String>| {
        let mut request = http.post(&listener.url).json(&event);
        if let Some(a) = auth {
            request = request.header("authorization", a);
        }
        request.send()
    };
    assert_eq!(post(None).await.unwrap().status(), 401);
    assert_eq!(
        post(Some("Bearer not.a.jwt".into()))
            .await
            .unwrap()
            .status(),
        401
    );
    // Signed by a key the emulator does not publish.
    let pkcs8 = include_bytes!("keys/callback-test-key.pk8");
    let foreign =
        acs_interop::acs::callback_token::CallbackSigner::new(pkcs8, &[0xc8; 256], &[1, 0, 1])
            .unwrap();
    let token = foreign
        .sign(
            &acs_interop::acs::callback_token::CallbackClaims::issued_at(
                acs_interop::acs::callback_token::CALL_AUTOMATION_ISSUER,
                e.resource_id(),
                acs_interop::acs::time::now_ms() / 1000,
            ),
        )
        .unwrap();
    assert_eq!(
        post(Some(format!("Bearer {token}")))
            .await
            .unwrap()
            .status(),
        401
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(300), rx.recv())
            .await
            .is_err(),
        "nothing unverified reaches the console"
    );
    // The listener at a wrong path answers nothing useful either.
    let wrong = format!("http://{}/callbacks/guess", listener.local_addr);
    assert_eq!(
        http.post(wrong).json(&event).send().await.unwrap().status(),
        404
    );

    // A real call's events, signed by the emulator, pass.
    let (source, _) = e.create_user().await;
    let created = e
        .calling(
            Method::POST,
            "/calling/callConnections",
            Some(
                &json!({"targets": [{"rawId": "8:orgid:5c1c3a3e-8a9b-4f4e-9d1e-1a2b3c4d5e01"}],
                         "source": {"id": source}, "callbackUri": listener.url}),
            ),
        )
        .await;
    created.expect(201);
    let verified = tokio::time::timeout(Duration::from_secs(15), rx.recv())
        .await
        .expect("a verified event")
        .unwrap();
    assert_eq!(
        verified.event.event_type,
        "Microsoft.Communication.CallConnected"
    );
}

/// A stand-in for an endpoint's key documents, serving the test key; returns its authority and a
/// signer with that key.
async fn key_documents() -> (String, CallbackSigner) {
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::traits::PublicKeyParts;
    let pkcs8 = include_bytes!("keys/callback-test-key.pk8");
    let key = rsa::RsaPrivateKey::from_pkcs8_der(pkcs8).unwrap();
    let signer =
        CallbackSigner::new(pkcs8, &key.n().to_bytes_be(), &key.e().to_bytes_be()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let authority = format!("http://{}/", listener.local_addr().unwrap());
    let config = json!({"issuer": ISSUER, "jwks_uri": format!("{authority}calling/keys")});
    let keys = json!({"keys": [signer.jwk()]});
    let app = axum::Router::new()
        .route(
            "/calling/.well-known/acsopenidconfiguration",
            axum::routing::get(move || async move { axum::Json(config) }),
        )
        .route(
            "/calling/keys",
            axum::routing::get(move || async move { axum::Json(keys) }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (authority, signer)
}

const ISSUER: &str = "https://issuer.test";
const RESOURCE: &str = "res-under-test";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listener_checks_signature_issuer_audience_and_lifetime_and_asks_for_a_retry_without_keys()
 {
    acs_interop::install_crypto_provider();
    let (authority, signer) = key_documents().await;
    let http = build_http_client(None).unwrap();
    let (tx, mut rx) = mpsc::channel(16);
    let verifier = CallbackVerifier::new(http.clone(), &authority, RESOURCE);
    let listener = listen(([127, 0, 0, 1], 0).into(), None, verifier, tx)
        .await
        .unwrap();
    let event = json!([{"id": "1", "source": "calling/callConnections/x",
        "type": "Microsoft.Communication.CallConnected", "specversion": "1.0",
        "data": {"callConnectionId": "x", "serverCallId": "s", "correlationId": "c",
                 "resultInformation": {"code": 200, "subCode": 0, "message": ""}}}]);
    let now = acs_interop::acs::time::now_ms() / 1000;
    let post = |token: String| {
        http.post(&listener.url)
            .header("authorization", format!("Bearer {token}"))
            .json(&event)
            .send()
    };
    let sign = |iss: &str, aud: &str, at: i64| {
        signer
            .sign(&CallbackClaims::issued_at(iss, aud, at))
            .unwrap()
    };

    assert_eq!(
        post(sign(ISSUER, RESOURCE, now)).await.unwrap().status(),
        200
    );
    assert!(
        rx.recv().await.is_some(),
        "a verified event reaches the console"
    );
    for (why, token) in [
        ("another audience", sign(ISSUER, "another-resource", now)),
        ("another issuer", sign("https://evil.test", RESOURCE, now)),
        ("expired", sign(ISSUER, RESOURCE, now - 3600)),
    ] {
        assert_eq!(post(token).await.unwrap().status(), 401, "{why}");
    }
    // The right key id, a payload it never signed.
    let good = sign(ISSUER, RESOURCE, now);
    let parts: Vec<&str> = good.split('.').collect();
    let forged = sign(ISSUER, "another-resource", now);
    let forged_payload = forged.split('.').nth(1).unwrap();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        forged_payload.replace("another-resource", RESOURCE),
        parts[2]
    );
    assert_eq!(
        post(tampered).await.unwrap().status(),
        401,
        "a tampered payload"
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(300), rx.recv())
            .await
            .is_err(),
        "nothing unverified reaches the console"
    );

    // Keys that cannot be fetched are this side's failure: the sender is asked to try again.
    // Nothing listens on port 1 of loopback: connections are refused at once.
    let dead = "http://127.0.0.1:1/";
    let (tx, _rx) = mpsc::channel(16);
    let listener = listen(
        ([127, 0, 0, 1], 0).into(),
        None,
        CallbackVerifier::new(http.clone(), dead, RESOURCE),
        tx,
    )
    .await
    .unwrap();
    let answer = http
        .post(&listener.url)
        .header(
            "authorization",
            format!("Bearer {}", sign(ISSUER, RESOURCE, now)),
        )
        .json(&event)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 503);
}

#[test]
fn the_setup_needs_a_public_url_against_the_real_service() {
    use acs_interop::app::launch::CallbackOptions;
    let none = CallbackOptions::default();
    assert_eq!(none.setup(true).unwrap(), CallbackSetup::Missing);
    assert!(matches!(
        none.setup(false).unwrap(),
        CallbackSetup::Local { .. }
    ));
    let url_only = CallbackOptions {
        url: Some("https://tunnel.example/".into()),
        listen: None,
    };
    assert!(
        url_only
            .setup(true)
            .unwrap_err()
            .to_string()
            .contains("--callback-listen")
    );
    let both = CallbackOptions {
        listen: Some(([127, 0, 0, 1], 8790).into()),
        ..url_only
    };
    assert!(matches!(
        both.setup(true).unwrap(),
        CallbackSetup::Public { .. }
    ));
}
