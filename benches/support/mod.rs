//! What the benches share: a runtime, identities and threads made through the API as an application
//! makes them, concurrent senders, and reading the process's memory and a thread's CPU time.

// Each bench uses part of this module.
#![allow(dead_code)]

pub mod console;

use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::runtime::Runtime;

use acs_interop::acs::connection_string::ConnectionString;
use acs_interop::acs::hmac::sign_request;
use acs_interop::emulator::{Durability, Emulator, EmulatorConfig, Storage};

pub const API: &str = "api-version=2024-03-07";

/// A two-worker runtime: the machine the figures are reported for has two cores.
pub fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

pub async fn start_emulator(storage: Storage, durability: Durability) -> Emulator {
    start_emulator_with(EmulatorConfig {
        storage,
        durability,
        ..EmulatorConfig::default()
    })
    .await
}

/// An emulator on a free loopback port, otherwise as `config` says.
pub async fn start_emulator_with(config: EmulatorConfig) -> Emulator {
    Emulator::start(EmulatorConfig {
        listen: "127.0.0.1:0".parse().expect("an address"),
        ..config
    })
    .await
    .expect("the emulator starts")
}

/// Where the helpers send their requests: an emulator in this process, or one reached by its
/// connection string (a standalone emulator in a process of its own).
pub trait Service {
    fn connection_string(&self) -> &ConnectionString;
}

impl Service for Emulator {
    fn connection_string(&self) -> &ConnectionString {
        Emulator::connection_string(self)
    }
}

impl Service for ConnectionString {
    fn connection_string(&self) -> &ConnectionString {
        self
    }
}

/// A request to the identity API signed with the access key, as a server application sends it.
async fn identity_request(
    emulator: &impl Service,
    http: &reqwest::Client,
    path: &str,
    body: Value,
) -> Value {
    let cs = emulator.connection_string();
    let body = serde_json::to_vec(&body).expect("json");
    let date = httpdate::fmt_http_date(SystemTime::now());
    let signed = sign_request(cs.access_key(), "POST", path, cs.host(), &body, &date);
    let response = http
        .post(format!("{}{}", cs.endpoint.trim_end_matches('/'), path))
        .header("x-ms-date", signed.date)
        .header("x-ms-content-sha256", signed.content_sha256)
        .header("authorization", signed.authorization)
        .body(body)
        .send()
        .await
        .expect("the identity API answers");
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.expect("identity json")
}

/// A new identity with a chat token: `(raw id, token)`.
pub async fn identity(emulator: &impl Service, http: &reqwest::Client) -> (String, String) {
    let body = json!({"createTokenWithScopes": ["chat"]});
    let created =
        identity_request(emulator, http, "/identities?api-version=2023-10-01", body).await;
    let id = created["identity"]["id"].as_str().expect("an id");
    let token = created["accessToken"]["token"].as_str().expect("a token");
    (id.to_string(), token.to_string())
}

/// Another chat token for an existing identity.
pub async fn token_for(emulator: &impl Service, http: &reqwest::Client, raw_id: &str) -> String {
    let path = format!(
        "/identities/{}/:issueAccessToken?api-version=2023-10-01",
        encode(raw_id)
    );
    let issued = identity_request(emulator, http, &path, json!({"scopes": ["chat"]})).await;
    issued["token"].as_str().expect("a token").to_string()
}

pub fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A POST with a bearer token that must succeed; its JSON answer.
pub async fn post(http: &reqwest::Client, url: &str, token: &str, body: Value) -> Value {
    let response = http
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("the emulator answers");
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.expect("json")
}

/// A thread made by the holder of `token`, with `members` (raw ids) added; its id.
pub async fn create_thread(
    emulator: &impl Service,
    http: &reqwest::Client,
    token: &str,
    topic: &str,
    members: &[&str],
) -> String {
    use acs_interop::acs::identifier::CommunicationIdentifier;
    let participants: Vec<Value> = members
        .iter()
        .map(|m| json!({"communicationIdentifier": CommunicationIdentifier::from_raw_id(m).to_model()}))
        .collect();
    let endpoint = &emulator.connection_string().endpoint;
    let created = post(
        http,
        &format!("{endpoint}chat/threads?{API}"),
        token,
        json!({"topic": topic, "participants": participants}),
    )
    .await;
    let id = created["chatThread"]["id"].as_str().expect("a thread id");
    id.to_string()
}

pub fn messages_url(emulator: &impl Service, thread_id: &str) -> String {
    let endpoint = &emulator.connection_string().endpoint;
    format!(
        "{endpoint}chat/threads/{}/messages?{API}",
        encode(thread_id)
    )
}

/// One HTTP client per sender, each keeping one connection.
pub fn clients(count: usize) -> Vec<reqwest::Client> {
    (0..count)
        .map(|_| {
            reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .expect("a client")
        })
        .collect()
}

/// Sends `total` messages to `url` from the clients at once, each waiting for its acknowledgement
/// before its next send; `content(sender, i)` writes each. Returns the time it took.
pub async fn send_concurrently(
    clients: &[reqwest::Client],
    url: &str,
    token: &str,
    total: usize,
    content: fn(usize, usize) -> String,
) -> Duration {
    let started = Instant::now();
    let per_client = total.div_ceil(clients.len());
    let url: Arc<str> = Arc::from(url);
    let mut tasks = Vec::new();
    for (sender, client) in clients.iter().enumerate() {
        let count = per_client.min(total.saturating_sub(sender * per_client));
        let (client, url, token) = (client.clone(), url.clone(), token.to_string());
        tasks.push(tokio::spawn(async move {
            for i in 0..count {
                let response = client
                    .post(&*url)
                    .bearer_auth(&token)
                    .json(&json!({"content": content(sender, i)}))
                    .send()
                    .await
                    .expect("send");
                assert_eq!(response.status(), 201, "a send was not acknowledged");
                let _ = response.bytes().await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("a sender");
    }
    started.elapsed()
}

/// A field of /proc/self/status (VmRSS, VmHWM), in MiB.
pub fn memory(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_suffix(" kB"));
    kib.and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or(f64::NAN)
        / 1024.0
}

/// The CPU time (user and system) the calling OS thread has used, from /proc (10 ms ticks).
pub fn thread_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i)?.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}
