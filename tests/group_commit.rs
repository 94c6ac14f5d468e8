//! Power-safe group commit: by default every acknowledged write has been synced to the disk, and the
//! writes that arrive together share one commit (one sync) instead of paying one each.

#[path = "support/mod.rs"]
mod support;

use std::sync::Arc;

use acs_interop::emulator::{Durability, EmulatorConfig, Storage};
use reqwest::Method;
use serde_json::{Value, json};
use support::{TestEmulator, thread_path};

async fn health(e: &TestEmulator) -> Value {
    e.send(Method::GET, "/emulator/health", &[], Vec::new())
        .await
        .expect(200)
        .clone()
}

async fn burst_of_sends(durability: Durability) -> (Value, u64, usize) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let e = TestEmulator::start_with(EmulatorConfig {
        storage: Storage::Directory(dir.path().to_path_buf()),
        durability,
        ..support::test_config()
    })
    .await;
    let e = Arc::new(e);
    let (_, token) = e.create_user().await;
    let thread = e.create_named_thread(&token, "burst", &[]).await;
    let before = health(&e).await["commits"].as_u64().expect("a count");
    let sends = 64;
    let mut tasks = Vec::new();
    for i in 0..sends {
        let (e, token, path) = (e.clone(), token.clone(), thread_path(&thread, "/messages"));
        tasks.push(tokio::spawn(async move {
            e.post(&token, &path, &json!({"content": format!("m{i}")}))
                .await
                .expect(201);
        }));
    }
    for t in tasks {
        t.await.expect("a send");
    }
    let after = health(&e).await;
    let commits = after["commits"].as_u64().expect("a count") - before;
    (after, commits, sends)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sends_share_synced_commits_by_default() {
    let (health, commits, sends) = burst_of_sends(Durability::default()).await;
    assert_eq!(health["durability"], "full", "{health}");
    assert!(commits >= 1, "every acknowledged send was committed");
    assert!(
        commits < sends as u64,
        "64 concurrent sends took {commits} commits: they were not grouped"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relaxed_durability_is_reported() {
    let (health, _, _) = burst_of_sends(Durability::Relaxed).await;
    assert_eq!(health["durability"], "relaxed", "{health}");
}
