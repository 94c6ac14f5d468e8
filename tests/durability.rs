//! Acknowledged writes survive `kill -9`: concurrent senders, a hard kill of the emulator process,
//! a restart on the same data folder, and every message that got a 201 is there.

mod support;

use std::collections::HashSet;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use acs_interop::acs::connection_string::ConnectionString;
use acs_interop::acs::hmac::sign_request;
use serde_json::{Value, json};
use support::process::EmulatorProcess;

const SENDERS: usize = 8;

/// Starts `acs-interop emulator` on a free port on `data_dir`.
fn start_binary(data_dir: &std::path::Path) -> EmulatorProcess {
    let mut args: Vec<std::ffi::OsString> = vec!["--listen".into(), "127.0.0.1:0".into()];
    args.extend(["--data-dir".into(), data_dir.into()]);
    EmulatorProcess::start(args, Stdio::null())
}

async fn create_user(http: &reqwest::Client, cs: &ConnectionString) -> (String, String) {
    let path = "/identities?api-version=2023-10-01";
    let body = serde_json::to_vec(&json!({"createTokenWithScopes": ["chat"]})).unwrap();
    let date = httpdate::fmt_http_date(SystemTime::now());
    let signed = sign_request(cs.access_key(), "POST", path, cs.host(), &body, &date);
    let response = http
        .post(format!("{}{}", cs.endpoint.trim_end_matches('/'), path))
        .header("x-ms-date", signed.date)
        .header("x-ms-content-sha256", signed.content_sha256)
        .header("authorization", signed.authorization)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("create identity request");
    assert_eq!(response.status(), 201);
    let v: Value = response.json().await.unwrap();
    (
        v["identity"]["id"].as_str().unwrap().to_string(),
        v["accessToken"]["token"].as_str().unwrap().to_string(),
    )
}

fn chat_url(cs: &ConnectionString, path: &str) -> String {
    format!("{}{}", cs.endpoint.trim_end_matches('/'), path)
}

/// Lists every message id in the thread by following nextLink.
async fn all_message_ids(
    http: &reqwest::Client,
    cs: &ConnectionString,
    token: &str,
    thread: &str,
) -> HashSet<String> {
    let mut ids = HashSet::new();
    let mut url = chat_url(
        cs,
        &format!(
            "/chat/threads/{}/messages?api-version=2024-03-07&maxPageSize=200",
            encode(thread)
        ),
    );
    loop {
        let page: Value = http
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .expect("list messages")
            .json()
            .await
            .expect("a page of messages");
        for m in page["value"].as_array().expect("value is an array") {
            if m["type"] == "text" {
                ids.insert(m["id"].as_str().unwrap().to_string());
            }
        }
        match page["nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => return ids,
        }
    }
}

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_message_survives_kill_dash_nine() {
    acs_interop::install_crypto_provider();
    let data = tempfile::tempdir().unwrap();
    let mut first = start_binary(data.path());
    let cs = first.connection_string();
    let http = reqwest::Client::new();
    let (_, token) = create_user(&http, &cs).await;
    let created: Value = http
        .post(chat_url(&cs, "/chat/threads?api-version=2024-03-07"))
        .bearer_auth(&token)
        .json(&json!({"topic": "durability"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let thread = created["chatThread"]["id"].as_str().unwrap().to_string();

    let stop = Arc::new(AtomicBool::new(false));
    let mut senders = Vec::new();
    for sender in 0..SENDERS {
        let (http, token, stop) = (reqwest::Client::new(), token.clone(), stop.clone());
        let url = chat_url(
            &cs,
            &format!(
                "/chat/threads/{}/messages?api-version=2024-03-07",
                encode(&thread)
            ),
        );
        senders.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            let mut n = 0;
            // Bounded: the kill ends it long before this many sends.
            while !stop.load(Ordering::Relaxed) && n < 100_000 {
                n += 1;
                let response = http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"content": format!("sender {sender} message {n}")}))
                    .timeout(Duration::from_secs(5))
                    .send()
                    .await;
                let Ok(response) = response else { break };
                if response.status() != 201 {
                    break;
                }
                let Ok(body) = response.json::<Value>().await else {
                    break;
                };
                acknowledged.push(body["id"].as_str().unwrap().to_string());
            }
            acknowledged
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // SIGKILL: no chance to flush anything that was not already committed.
    first.child.kill().expect("kill -9 the emulator");
    first.child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    let mut acknowledged = HashSet::new();
    for s in senders {
        acknowledged.extend(s.await.unwrap());
    }
    assert!(
        acknowledged.len() > 100,
        "the senders got only {} acknowledgements before the kill",
        acknowledged.len()
    );

    let mut second = start_binary(data.path());
    let stored = all_message_ids(&http, &second.connection_string(), &token, &thread).await;
    second.child.kill().unwrap();
    second.child.wait().unwrap();
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged messages were lost after kill -9, e.g. {:?}",
        lost.len(),
        lost.iter().take(5).collect::<Vec<_>>()
    );
}
