//! Emulator benchmarks, over loopback HTTP against a durable (file-backed) emulator:
//! - `send_16_clients`: acknowledged message sends per second with 16 concurrent clients, each batch
//!   synced to the disk first (the default); `send_16_clients_relaxed` with `--durability relaxed`;
//! - `page_of_200_from_100k`: one 200-message page from a 100,000-message thread;
//! - `start_to_first_request`: emulator start until its first request is served;
//! - `list_threads_50k`: a page of threads for a user in 50,000 threads, first and deep.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::runtime::Runtime;

use acs_interop::acs::hmac::sign_request;
use acs_interop::emulator::{Durability, Emulator, EmulatorConfig, Storage};

const CLIENTS: usize = 16;
const BIG_THREAD: usize = 100_000;

struct Fixture {
    emulator: Emulator,
    token: String,
    messages_url: String,
    _data: tempfile::TempDir,
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

async fn start(data: &std::path::Path, durability: Durability) -> Emulator {
    Emulator::start(EmulatorConfig {
        listen: "127.0.0.1:0".parse().expect("an address"),
        storage: Storage::Directory(data.to_path_buf()),
        durability,
        ..EmulatorConfig::default()
    })
    .await
    .expect("the emulator starts")
}

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

async fn fixture(durability: Durability) -> Fixture {
    let data = tempfile::tempdir().expect("a temp folder");
    let emulator = start(data.path(), durability).await;
    let cs = emulator.connection_string().clone();
    let http = reqwest::Client::new();
    let path = "/identities?api-version=2023-10-01";
    let body = serde_json::to_vec(&json!({"createTokenWithScopes": ["chat"]})).expect("json");
    let date = httpdate::fmt_http_date(SystemTime::now());
    let signed = sign_request(cs.access_key(), "POST", path, cs.host(), &body, &date);
    let created: Value = http
        .post(format!("{}{}", cs.endpoint.trim_end_matches('/'), path))
        .header("x-ms-date", signed.date)
        .header("x-ms-content-sha256", signed.content_sha256)
        .header("authorization", signed.authorization)
        .body(body)
        .send()
        .await
        .expect("create identity")
        .json()
        .await
        .expect("identity json");
    let token = created["accessToken"]["token"]
        .as_str()
        .expect("a token")
        .to_string();
    let thread: Value = http
        .post(format!(
            "{}chat/threads?api-version=2024-03-07",
            cs.endpoint
        ))
        .bearer_auth(&token)
        .json(&json!({"topic": "bench"}))
        .send()
        .await
        .expect("create thread")
        .json()
        .await
        .expect("thread json");
    let thread_id = thread["chatThread"]["id"].as_str().expect("a thread id");
    let messages_url = format!(
        "{}chat/threads/{}/messages?api-version=2024-03-07",
        cs.endpoint,
        encode(thread_id)
    );
    Fixture {
        emulator,
        token,
        messages_url,
        _data: data,
    }
}

/// Sends `total` messages from [`CLIENTS`] concurrent clients (one connection each); returns the time.
async fn send_concurrently(
    clients: &[reqwest::Client],
    fixture: &Fixture,
    total: usize,
) -> Duration {
    let started = Instant::now();
    let per_client = total.div_ceil(clients.len());
    let url = Arc::new(fixture.messages_url.clone());
    let mut tasks = Vec::new();
    for client in clients {
        let (client, url, token) = (client.clone(), url.clone(), fixture.token.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..per_client {
                let response = client
                    .post(url.as_str())
                    .bearer_auth(&token)
                    .json(&json!({"content": format!("message {i}")}))
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

/// One page of a paged list, as JSON.
async fn get_page(http: &reqwest::Client, url: &str, token: &str) -> Value {
    http.get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("the list answers")
        .json()
        .await
        .expect("the page is JSON")
}

fn clients() -> Vec<reqwest::Client> {
    (0..CLIENTS)
        .map(|_| {
            reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .expect("a client")
        })
        .collect()
}

/// Acknowledged sends per second from 16 clients over loopback HTTP into a file-backed emulator:
/// `send_16_clients` with the default durability (each batch synced to the disk before any send in it
/// is answered), `send_16_clients_relaxed` with `--durability relaxed` beside it. Leaves out TLS.
fn send_throughput(c: &mut Criterion) {
    acs_interop::install_crypto_provider();
    let rt = runtime();
    let clients = clients();
    let mut group = c.benchmark_group("emulator");
    let batch = 2_000;
    group.throughput(Throughput::Elements(batch as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for (name, durability) in [
        ("send_16_clients", Durability::Full),
        ("send_16_clients_relaxed", Durability::Relaxed),
    ] {
        let fixture = rt.block_on(fixture(durability));
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        total += send_concurrently(&clients, &fixture, batch).await;
                    }
                    total
                })
            })
        });
        rt.block_on(fixture.emulator.shutdown());
    }
    group.finish();
}

fn page_from_big_thread(c: &mut Criterion) {
    acs_interop::install_crypto_provider();
    let rt = runtime();
    let fixture = rt.block_on(fixture(Durability::Full));
    let clients = clients();
    rt.block_on(send_concurrently(&clients, &fixture, BIG_THREAD));
    let http = clients[0].clone();
    let newest = format!("{}&maxPageSize=200", fixture.messages_url);
    let middle = format!(
        "{}&maxPageSize=200&continuationToken={}",
        fixture.messages_url,
        BIG_THREAD / 2
    );
    let mut group = c.benchmark_group("emulator");
    for (name, url) in [
        ("page_of_200_from_100k_newest", &newest),
        ("page_of_200_from_100k_middle", &middle),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(async {
                    let page = get_page(&http, url, &fixture.token).await;
                    assert_eq!(page["value"].as_array().map(Vec::len), Some(200));
                })
            })
        });
    }
    group.finish();
    rt.block_on(fixture.emulator.shutdown());
}

fn start_to_first_request(c: &mut Criterion) {
    acs_interop::install_crypto_provider();
    let rt = runtime();
    let data = tempfile::tempdir().expect("a temp folder");
    // The first start makes the database; the measured ones open it, as a user's restart does.
    rt.block_on(async { start(data.path(), Durability::Full).await.shutdown().await });
    let http = reqwest::Client::new();
    let mut group = c.benchmark_group("emulator");
    group.sample_size(20);
    group.bench_function("start_to_first_request", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let started = Instant::now();
                    let emulator = start(data.path(), Durability::Full).await;
                    let status = http
                        .get(format!("{}emulator/health", emulator.endpoint()))
                        .send()
                        .await
                        .expect("health")
                        .status();
                    total += started.elapsed();
                    assert!(status.is_success());
                    emulator.shutdown().await;
                }
                total
            })
        })
    });
    group.finish();
}

/// The same, for the real binary: process start, banner, first request served.
fn binary_start_to_first_request(c: &mut Criterion) {
    use std::io::{BufRead, BufReader};
    acs_interop::install_crypto_provider();
    let rt = runtime();
    let data = tempfile::tempdir().expect("a temp folder");
    let http = reqwest::Client::new();
    let mut group = c.benchmark_group("emulator");
    group.sample_size(20);
    group.bench_function("binary_start_to_first_request", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let started = Instant::now();
                let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_acs-interop"))
                    .args(["emulator", "--listen", "127.0.0.1:0", "--data-dir"])
                    .arg(data.path())
                    .stdout(std::process::Stdio::piped())
                    .spawn()
                    .expect("the binary starts");
                let stdout = child.stdout.take().expect("piped stdout");
                let endpoint = BufReader::new(stdout)
                    .lines()
                    .map_while(Result::ok)
                    .find_map(|l| {
                        l.trim()
                            .strip_prefix("endpoint")
                            .map(|e| e.trim().to_string())
                    })
                    .expect("the banner names the endpoint");
                let status = rt.block_on(async {
                    http.get(format!("{endpoint}emulator/health"))
                        .send()
                        .await
                        .expect("health")
                        .status()
                });
                total += started.elapsed();
                assert!(status.is_success());
                let _ = child.kill();
                let _ = child.wait();
            }
            total
        })
    });
    group.finish();
}

/// One page of 100 threads, over loopback HTTP and JSON, for a user who takes part in 50,000 threads
/// (durable storage): the first page, and one from deep in the list through its continuation token.
/// Leaves out TLS. The threads are made through the API beforehand, 16 at a time.
fn list_threads_50k(c: &mut Criterion) {
    const THREADS: usize = 50_000;
    acs_interop::install_crypto_provider();
    let rt = runtime();
    let fixture = rt.block_on(fixture(Durability::Relaxed));
    let clients = clients();
    let endpoint = fixture.emulator.connection_string().endpoint.clone();
    rt.block_on(async {
        let per_client = THREADS.div_ceil(clients.len());
        let mut tasks = Vec::new();
        for (c, client) in clients.iter().enumerate() {
            let (client, token, endpoint) =
                (client.clone(), fixture.token.clone(), endpoint.clone());
            tasks.push(tokio::spawn(async move {
                for i in 0..per_client {
                    let response = client
                        .post(format!("{endpoint}chat/threads?api-version=2024-03-07"))
                        .bearer_auth(&token)
                        .json(&json!({"topic": format!("thread {c}-{i}")}))
                        .send()
                        .await
                        .expect("create");
                    assert_eq!(response.status(), 201);
                }
            }));
        }
        for t in tasks {
            t.await.expect("a creator");
        }
    });
    let http = clients[0].clone();
    let first = format!("{endpoint}chat/threads?api-version=2024-03-07&maxPageSize=100");
    let deep = rt.block_on(async {
        let mut url = first.clone();
        for _ in 0..250 {
            let page = get_page(&http, &url, &fixture.token).await;
            url = page["nextLink"].as_str().expect("more pages").to_string();
        }
        url
    });
    let mut group = c.benchmark_group("emulator");
    for (name, url) in [
        ("list_threads_50k_first_page", &first),
        ("list_threads_50k_deep_page", &deep),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(async {
                    let page = get_page(&http, url, &fixture.token).await;
                    assert_eq!(page["value"].as_array().map(Vec::len), Some(100));
                })
            })
        });
    }
    group.finish();
    rt.block_on(fixture.emulator.shutdown());
}

criterion_group!(
    benches,
    send_throughput,
    list_threads_50k,
    page_from_big_thread,
    start_to_first_request,
    binary_start_to_first_request
);
criterion_main!(benches);
