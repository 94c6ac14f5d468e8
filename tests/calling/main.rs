//! The emulator's Call Automation surface (`/calling/...`, api-version 2026-03-12) as an application sees
//! it: HMAC-signed requests, and every outcome as a signed CloudEvent POSTed to a callback receiver in
//! this process. Complements `tests/sdk/callautomation.py` (the official Python SDK's scenario): wire
//! shapes, repeatability, errors, ACS-to-ACS calls with recording and participants, transfers, media,
//! the Teams side through the admin API, personas, callback delivery and restarts.

mod acs_calls;
mod creating;
mod delivery;
#[path = "../support/mod.rs"]
mod support;
mod teams_side;
mod transfers_and_media;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use acs_interop::emulator::tenant::TenantSource;
use acs_interop::emulator::{CallingSettings, Storage};
use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
use support::callbacks::{CallbackReceiver, EVENT_PREFIX, Received, Verifier};
use support::{TestEmulator, enc, http_date_now};

// The demo tenant (seeds/demo-tenant.toml).
/// Answers after 1.5 s.
const MEGAN: &str = "5c1c3a3e-8a9b-4f4e-9d1e-1a2b3c4d5e01";
const MEGAN_UPN: &str = "megan@contoso.example";
/// Blocked by an External Access Policy.
const ADELE: &str = "5c1c3a3e-8a9b-4f4e-9d1e-1a2b3c4d5e03";
/// In Islands mode, not TeamsOnly.
const LEE: &str = "5c1c3a3e-8a9b-4f4e-9d1e-1a2b3c4d5e04";
/// Answers after 1.5 s, starts a Teams recording 5 s later and transcription 9 s after answering.
const NESTOR: &str = "5c1c3a3e-8a9b-4f4e-9d1e-1a2b3c4d5e05";
/// The voice app "Contoso Helpdesk": answers after 1 s with a greeting.
const HELPDESK: &str = "8a3a1b2c-0d4e-4f5a-9b6c-7d8e9f0a1b2c";

const CALLS: &str = "/calling/callConnections";

// ---------------------------------------------------------------- helpers

fn teams_raw(object_id: &str) -> String {
    format!("8:orgid:{object_id}")
}

/// A Teams user as the JS SDK sends it: `kind`, `rawId` and the nested object, cloud in lower case.
fn teams_user(object_id: &str) -> Value {
    json!({
        "kind": "microsoftTeamsUser",
        "rawId": teams_raw(object_id),
        "microsoftTeamsUser": {"userId": object_id, "isAnonymous": false, "cloud": "public"},
    })
}

/// An ACS user as the JS SDK sends it.
fn acs_user(raw_id: &str) -> Value {
    json!({"kind": "communicationUser", "rawId": raw_id, "communicationUser": {"id": raw_id}})
}

fn call_path(call_id: &str, rest: &str) -> String {
    format!("{CALLS}/{call_id}{rest}")
}

fn is_guid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The raw ids of a roster (`ParticipantsUpdated.participants` or a participants list), sorted.
fn raw_ids(participants: &Value) -> Vec<String> {
    let mut ids: Vec<String> = participants
        .as_array()
        .unwrap_or_else(|| panic!("not a roster: {participants}"))
        .iter()
        .map(|p| {
            p["identifier"]["rawId"]
                .as_str()
                .unwrap_or_else(|| panic!("a participant without rawId: {p}"))
                .to_string()
        })
        .collect();
    ids.sort();
    ids
}

fn sorted(ids: &[&str]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    ids.sort();
    ids
}

/// The roster entry of `raw_id` in a ParticipantsUpdated event.
fn entry<'a>(event: &'a Received, raw_id: &str) -> Option<&'a Value> {
    event.data()["participants"]
        .as_array()?
        .iter()
        .find(|p| p["identifier"]["rawId"] == raw_id)
}

fn sequence(event: &Received) -> i64 {
    event.data()["sequenceNumber"]
        .as_i64()
        .unwrap_or_else(|| panic!("no sequenceNumber: {}", event.describe()))
}

async fn new_user(e: &TestEmulator) -> String {
    e.create_user().await.0
}

/// Places a call from `source` to `target`; asserts 201 and returns the call connection properties.
async fn place(
    e: &TestEmulator,
    source: &str,
    target: Value,
    callback_uri: &str,
    context: &str,
) -> Value {
    let body = json!({
        "targets": [target],
        "source": {"id": source},
        "callbackUri": callback_uri,
        "operationContext": context,
    });
    e.calling(Method::POST, CALLS, Some(&body))
        .await
        .expect(201)
        .clone()
}

fn id_of(properties: &Value) -> String {
    properties["callConnectionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no callConnectionId: {properties}"))
        .to_string()
}

/// A new ACS user calls `target` with its events at `path` of the receiver; waits until connected.
/// Returns (call id, the source's raw id).
async fn connected_call(
    e: &TestEmulator,
    rx: &CallbackReceiver,
    target: Value,
    path: &str,
) -> (String, String) {
    let source = new_user(e).await;
    let call = id_of(&place(e, &source, target, &rx.url(path), "connect").await);
    rx.first(&call, "CallConnected").await;
    (call, source)
}

/// An ACS user calls another; waits until connected. Returns (call id, caller, callee).
async fn acs_call(e: &TestEmulator, rx: &CallbackReceiver, path: &str) -> (String, String, String) {
    let callee = new_user(e).await;
    let (call, source) = connected_call(e, rx, acs_user(&callee), path).await;
    (call, source, callee)
}

/// Asserts who is in the call, as GET participants lists them.
async fn assert_roster(e: &TestEmulator, call: &str, expected: &[&str]) {
    let listed = e
        .calling(Method::GET, &call_path(call, "/participants"), None)
        .await;
    assert_eq!(raw_ids(&listed.expect(200)["value"]), sorted(expected));
}

/// The Teams side and the tenant, through the admin API (HMAC-signed like identity).
async fn admin(
    e: &TestEmulator,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> support::Response {
    e.identity(method, path, body).await
}

async fn live_calls(e: &TestEmulator) -> Vec<Value> {
    admin(e, Method::GET, "/emulator/teams/calls", None)
        .await
        .expect(200)
        .as_array()
        .expect("the live calls are an array")
        .clone()
}

/// Checks one callback as an application's webhook would read it.
#[track_caller]
fn check_envelope(r: &Received) {
    let what = r.describe();
    let items = r
        .body
        .as_array()
        .unwrap_or_else(|| panic!("{what}: the body is not a JSON array: {}", r.body));
    assert_eq!(items.len(), 1, "{what}: one CloudEvent per POST");
    let content_type = r
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        content_type.starts_with("application/json"),
        "{what}: Content-Type {content_type:?}"
    );
    let event = r.event();
    for field in ["id", "source", "type", "time", "subject"] {
        assert!(
            event[field].as_str().is_some_and(|s| !s.is_empty()),
            "{what}: no {field} in {event}"
        );
    }
    assert_eq!(event["specversion"], "1.0", "{what}");
    assert_eq!(event["datacontenttype"], "application/json", "{what}");
    assert!(
        event["type"]
            .as_str()
            .is_some_and(|t| t.starts_with(EVENT_PREFIX)),
        "{what}"
    );
    let data = r.data();
    for field in ["callConnectionId", "serverCallId", "correlationId"] {
        assert!(
            data[field].as_str().is_some_and(|s| !s.is_empty()),
            "{what}: no data.{field} in {data}"
        );
    }
    let info = &data["resultInformation"];
    assert!(
        info["code"].is_i64() && info["subCode"].is_i64() && info["message"].is_string(),
        "{what}: resultInformation {info}"
    );
    assert_eq!(event["source"], event["subject"], "{what}");
    let expected = if r.event_type() == "RecordingStateChanged" {
        let source = format!(
            "calling/recordings/{}/{}/RecordingStateChanged",
            data["serverCallId"].as_str().unwrap_or_default(),
            data["recordingId"].as_str().unwrap_or_default()
        );
        assert_eq!(data["eventSource"], source.as_str(), "{what}");
        source
    } else {
        format!("calling/callConnections/{}", r.call_id())
    };
    assert_eq!(event["source"], expected.as_str(), "{what}");
}

/// Every callback received so far is a well-formed single CloudEvent with a distinct id, and carries a
/// token that verifies against `e`'s published keys: RS256, the resource as audience, five minutes of
/// life. Returns how many were checked.
async fn check_all_callbacks(e: &TestEmulator, rx: &CallbackReceiver) -> usize {
    let verifier = Verifier::fetch(e).await;
    let received = rx.received();
    let mut ids = HashSet::new();
    for r in &received {
        check_envelope(r);
        // A retried delivery repeats its event; an accepted one is never sent again.
        assert!(
            r.status != 200 || ids.insert(r.event()["id"].as_str().unwrap_or_default().to_string()),
            "an event delivered twice: {}",
            r.describe()
        );
        let token = r.bearer().expect("a bearer token");
        let header = token.split('.').next().unwrap_or_default();
        let header: Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(header)
                .expect("a base64url JWT header"),
        )
        .expect("a JSON JWT header");
        assert_eq!(header["alg"], "RS256", "{}", r.describe());
        assert!(
            verifier
                .keys
                .keys
                .iter()
                .any(|k| Some(&k.kid) == header["kid"].as_str().map(str::to_string).as_ref()),
            "the token's kid is published: {header}"
        );
        let claims = verifier.verify(r);
        assert_eq!(Some(claims.exp - 300), claims.iat, "{}", r.describe());
        assert_eq!(claims.nbf, claims.iat, "{}", r.describe());
        assert_eq!(claims.aud.to_string(), e.resource_id());
    }
    received.len()
}
