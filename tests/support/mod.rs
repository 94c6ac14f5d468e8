//! A small client for the emulator's identity and chat APIs, shared by the integration tests.
//!
//! Paths given to the helpers get `api-version` appended unless they already carry one; an absolute
//! URL (a `nextLink`) is used exactly as given.

#![allow(dead_code)] // each test crate uses a different part of this module

pub mod backend;
pub mod callbacks;
pub mod process;
pub mod sdk;
pub mod tmux;

use std::time::SystemTime;

use acs_interop::acs::hmac::{SignedHeaders, sign_request};
use acs_interop::emulator::{Emulator, EmulatorConfig, Storage};
use reqwest::Method;
use serde_json::{Value, json};

pub const IDENTITY_API: &str = "2023-10-01";
pub const CHAT_API: &str = "2025-03-15";
pub const CALLING_API: &str = "2026-03-12";

/// A response: its status and its body as JSON (`Value::Null` when empty or not JSON).
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Response {
    /// Asserts the status, then returns the body.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        &self.body
    }

    /// Asserts an error response in the ACS shape `{"error": {"code", "message", ...}}` with this
    /// status and code; returns the `error` object.
    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) -> &Value {
        self.expect(status);
        let error = &self.body["error"];
        assert!(error.is_object(), "not an ACS error body: {}", self.body);
        assert_eq!(error["code"], code, "error code; body: {}", self.body);
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "the error has no message: {}",
            self.body
        );
        error
    }

    /// Like [`Response::expect_error`], and the error names `target`.
    #[track_caller]
    pub fn expect_error_target(&self, status: u16, code: &str, target: &str) -> &Value {
        let error = self.expect_error(status, code);
        assert_eq!(error["target"], target, "error target; body: {}", self.body);
        error
    }
}

/// An emulator on a free loopback port, with an HTTP client for it.
pub struct TestEmulator {
    pub emulator: Emulator,
    http: reqwest::Client,
}

/// The test defaults: plain HTTP on a free loopback port, in memory, no throttling.
pub fn test_config() -> EmulatorConfig {
    EmulatorConfig {
        listen: ([127, 0, 0, 1], 0).into(),
        tls: false,
        storage: Storage::InMemory,
        throttle: false,
        strict_api_version: false,
        tenant: acs_interop::emulator::tenant::TenantSource::StoredOrDemo,
        calling: Default::default(),
        durability: Default::default(),
        connections: Default::default(),
        faults: Default::default(),
    }
}

/// Percent-encodes a path segment or query value.
pub fn enc(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// `/chat/threads/<encoded thread id>` followed by `rest`.
pub fn thread_path(thread_id: &str, rest: &str) -> String {
    format!("/chat/threads/{}{rest}", enc(thread_id))
}

/// A communication user as the SDKs send it: `rawId` and the nested object.
pub fn user_model(raw_id: &str) -> Value {
    json!({"rawId": raw_id, "communicationUser": {"id": raw_id}})
}

/// A participant entry for create-thread and add-participants bodies.
pub fn participant(raw_id: &str, display_name: &str) -> Value {
    json!({"communicationIdentifier": user_model(raw_id), "displayName": display_name})
}

/// The current time as an `x-ms-date` value.
pub fn http_date_now() -> String {
    httpdate::fmt_http_date(SystemTime::now())
}

fn with_api_version(path: &str, version: &str) -> String {
    if path.contains("api-version=") {
        path.to_string()
    } else if path.contains('?') {
        format!("{path}&api-version={version}")
    } else {
        format!("{path}?api-version={version}")
    }
}

impl TestEmulator {
    pub async fn start() -> TestEmulator {
        TestEmulator::start_with(test_config()).await
    }

    pub async fn start_with(config: EmulatorConfig) -> TestEmulator {
        let emulator = Emulator::start(config).await.expect("the emulator starts");
        // reqwest is built with `rustls-no-provider`: building a client needs a process-wide crypto
        // provider even for plain http. Installing it again is harmless.
        acs_interop::install_crypto_provider();
        TestEmulator {
            emulator,
            http: reqwest::Client::new(),
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base(&self) -> String {
        self.emulator.endpoint().trim_end_matches('/').to_string()
    }

    /// `127.0.0.1:PORT`, as signed in the HMAC string.
    pub fn host(&self) -> String {
        self.emulator.connection_string().host().to_string()
    }

    pub fn access_key(&self) -> &[u8] {
        self.emulator.connection_string().access_key()
    }

    pub fn resource_id(&self) -> &str {
        self.emulator.resource_id()
    }

    /// Signs a request with the emulator's access key, dated now.
    pub fn sign(&self, method: &str, path_and_query: &str, body: &[u8]) -> SignedHeaders {
        sign_request(
            self.access_key(),
            method,
            path_and_query,
            &self.host(),
            body,
            &http_date_now(),
        )
    }

    /// Sends a request as given: no api-version added, no authentication but `headers`.
    pub async fn send(
        &self,
        method: Method,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Response {
        let url = if path_and_query.starts_with("http") {
            path_and_query.to_string()
        } else {
            format!("{}{path_and_query}", self.base())
        };
        let mut request = self.http.request(method, url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if !body.is_empty() {
            request = request.body(body);
        }
        let response = request.send().await.expect("the emulator answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("the body arrives");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Response {
            status,
            body,
            headers,
        }
    }

    /// Sends `body` with the given HMAC headers (which may have been made for another request).
    pub async fn send_signed(
        &self,
        method: Method,
        path_and_query: &str,
        body: &[u8],
        signed: &SignedHeaders,
    ) -> Response {
        let headers = [
            ("x-ms-date", signed.date.as_str()),
            ("x-ms-content-sha256", signed.content_sha256.as_str()),
            ("authorization", signed.authorization.as_str()),
            ("content-type", "application/json"),
        ];
        self.send(method, path_and_query, &headers, body.to_vec())
            .await
    }

    /// A correctly signed identity API call.
    pub async fn identity(&self, method: Method, path: &str, body: Option<&Value>) -> Response {
        let path = with_api_version(path, IDENTITY_API);
        let body = body
            .map(|b| serde_json::to_vec(b).expect("json"))
            .unwrap_or_default();
        let signed = self.sign(method.as_str(), &path, &body);
        self.send_signed(method, &path, &body, &signed).await
    }

    /// A correctly signed Call Automation call (`api-version` added unless the path has one).
    pub async fn calling(&self, method: Method, path: &str, body: Option<&Value>) -> Response {
        self.calling_with(method, path, body, &[]).await
    }

    /// A correctly signed Call Automation call with extra headers (`Repeatability-Request-ID`).
    pub async fn calling_with(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        extra_headers: &[(&str, &str)],
    ) -> Response {
        let path = with_api_version(path, CALLING_API);
        let body = body
            .map(|b| serde_json::to_vec(b).expect("json"))
            .unwrap_or_default();
        let signed = self.sign(method.as_str(), &path, &body);
        let mut headers = vec![
            ("x-ms-date", signed.date.as_str()),
            ("x-ms-content-sha256", signed.content_sha256.as_str()),
            ("authorization", signed.authorization.as_str()),
            ("content-type", "application/json"),
        ];
        headers.extend_from_slice(extra_headers);
        self.send(method, &path, &headers, body).await
    }

    /// Stops the emulator (its storage stays where the config put it).
    pub async fn shutdown(self) {
        self.emulator.shutdown().await;
    }

    /// A new identity with a `chat` token: `(raw id, token)`.
    pub async fn create_user(&self) -> (String, String) {
        self.create_user_with_scopes(&["chat"]).await
    }

    pub async fn create_user_with_scopes(&self, scopes: &[&str]) -> (String, String) {
        let response = self
            .identity(
                Method::POST,
                "/identities",
                Some(&json!({"createTokenWithScopes": scopes})),
            )
            .await;
        let body = response.expect(201);
        let id = body["identity"]["id"].as_str().expect("an identity id");
        let token = body["accessToken"]["token"].as_str().expect("a token");
        (id.to_string(), token.to_string())
    }

    /// A chat call with a bearer token and an optional JSON body.
    pub async fn chat(
        &self,
        method: Method,
        token: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Response {
        let path = if path.starts_with("http") {
            path.to_string()
        } else {
            with_api_version(path, CHAT_API)
        };
        let authorization = format!("Bearer {token}");
        let content_type = if method == Method::PATCH {
            "application/merge-patch+json"
        } else {
            "application/json"
        };
        let mut headers = vec![("authorization", authorization.as_str())];
        let bytes = match body {
            Some(b) => {
                headers.push(("content-type", content_type));
                serde_json::to_vec(b).expect("json")
            }
            None => Vec::new(),
        };
        self.send(method, &path, &headers, bytes).await
    }

    pub async fn get(&self, token: &str, path: &str) -> Response {
        self.chat(Method::GET, token, path, None).await
    }

    pub async fn post(&self, token: &str, path: &str, body: &Value) -> Response {
        self.chat(Method::POST, token, path, Some(body)).await
    }

    pub async fn patch(&self, token: &str, path: &str, body: &Value) -> Response {
        self.chat(Method::PATCH, token, path, Some(body)).await
    }

    pub async fn delete(&self, token: &str, path: &str) -> Response {
        self.chat(Method::DELETE, token, path, None).await
    }

    /// Creates a thread with these participants (besides the creator); returns its id.
    /// Creates a thread with named participants; returns its id.
    pub async fn create_named_thread(
        &self,
        token: &str,
        topic: &str,
        members: &[(&str, &str)],
    ) -> String {
        let participants: Vec<Value> = members
            .iter()
            .map(|(raw, name)| participant(raw, name))
            .collect();
        let response = self
            .post(
                token,
                "/chat/threads",
                &json!({"topic": topic, "participants": participants}),
            )
            .await;
        response.expect(201)["chatThread"]["id"]
            .as_str()
            .expect("a thread id")
            .to_string()
    }

    pub async fn create_thread(&self, token: &str, topic: &str, members: &[&str]) -> String {
        let participants: Vec<Value> = members.iter().map(|m| participant(m, "")).collect();
        let response = self
            .post(
                token,
                "/chat/threads",
                &json!({"topic": topic, "participants": participants}),
            )
            .await;
        let body = response.expect(201);
        body["chatThread"]["id"]
            .as_str()
            .expect("a thread id")
            .to_string()
    }

    /// Sends a text message; returns its id.
    pub async fn send_message(&self, token: &str, thread_id: &str, content: &str) -> String {
        let response = self
            .post(
                token,
                &thread_path(thread_id, "/messages"),
                &json!({"content": content, "type": "text"}),
            )
            .await;
        response.expect(201)["id"]
            .as_str()
            .expect("a message id")
            .to_string()
    }

    /// Every item of a paged list, following `nextLink` exactly as given; also returns the pages' sizes.
    pub async fn list_all(&self, token: &str, first: &str) -> (Vec<Value>, Vec<usize>) {
        let mut items = Vec::new();
        let mut sizes = Vec::new();
        let mut next = Some(first.to_string());
        while let Some(link) = next {
            assert!(sizes.len() < 1000, "paging does not end");
            let response = self.get(token, &link).await;
            let body = response.expect(200);
            let value = body["value"].as_array().expect("a page has a value array");
            sizes.push(value.len());
            items.extend(value.iter().cloned());
            next = match &body["nextLink"] {
                Value::Null => None,
                Value::String(s) => {
                    assert!(
                        s.starts_with(&self.base()),
                        "nextLink must be an absolute URL on the emulator: {s}"
                    );
                    Some(s.clone())
                }
                other => panic!("nextLink is not a string: {other}"),
            };
        }
        (items, sizes)
    }
}
