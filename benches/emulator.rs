//! Emulator benchmarks, over loopback HTTP against a durable (file-backed) emulator:
//! - `send_16_clients`: acknowledged message sends per second with 16 concurrent clients, each batch
//!   synced to the disk first (the default); `send_16_clients_relaxed` with `--durability relaxed`;
//! - `page_of_200_from_100k`: one 200-message page from a 100,000-message thread;
//! - `start_to_first_request`: emulator start until its first request is served;
//! - `create_thread_16_clients`: threads made per second by 16 concurrent clients, durable and in
//!   memory;
//! - `list_threads_50k`: a page of threads for a user in 50,000 threads, first and deep;
//! - `health_with_2000_slow_connections`, `send_with_2000_slow_connections`: answers while 2,000
//!   connections trickle their headers.

mod support;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

use acs_interop::emulator::server::ConnectionLimits;
use acs_interop::emulator::{Durability, Emulator, EmulatorConfig, Storage};
use support::{clients, identity, messages_url, runtime};

const CLIENTS: usize = 16;
const BIG_THREAD: usize = 100_000;

struct Fixture {
    emulator: Emulator,
    token: String,
    messages_url: String,
    _data: tempfile::TempDir,
}

async fn start(data: &std::path::Path, durability: Durability) -> Emulator {
    support::start_emulator(Storage::Directory(data.to_path_buf()), durability).await
}

async fn fixture(durability: Durability) -> Fixture {
    let data = tempfile::tempdir().expect("a temp folder");
    let storage = Storage::Directory(data.path().to_path_buf());
    fixture_in(storage, durability, data).await
}

/// The same with the state in memory only (no `--data-dir`).
async fn in_memory_fixture() -> Fixture {
    let unused = tempfile::tempdir().expect("a temp folder");
    fixture_in(Storage::InMemory, Durability::Relaxed, unused).await
}

async fn fixture_in(storage: Storage, durability: Durability, data: tempfile::TempDir) -> Fixture {
    let config = EmulatorConfig {
        storage,
        durability,
        ..EmulatorConfig::default()
    };
    fixture_with(config, data).await
}

async fn fixture_with(config: EmulatorConfig, data: tempfile::TempDir) -> Fixture {
    let emulator = support::start_emulator_with(config).await;
    let http = reqwest::Client::new();
    let (_, token) = identity(&emulator, &http).await;
    let thread_id = support::create_thread(&emulator, &http, &token, "bench", &[]).await;
    Fixture {
        messages_url: messages_url(&emulator, &thread_id),
        emulator,
        token,
        _data: data,
    }
}

fn numbered(_: usize, i: usize) -> String {
    format!("message {i}")
}

/// Sends `total` messages from [`CLIENTS`] concurrent clients (one connection each); returns the time.
async fn send_concurrently(
    clients: &[reqwest::Client],
    fixture: &Fixture,
    total: usize,
) -> Duration {
    support::send_concurrently(
        clients,
        &fixture.messages_url,
        &fixture.token,
        total,
        numbered,
    )
    .await
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

/// Acknowledged sends per second from 16 clients over loopback HTTP into a file-backed emulator:
/// `send_16_clients` with the default durability (each batch synced to the disk before any send in it
/// is answered), `send_16_clients_relaxed` with `--durability relaxed` beside it. Leaves out TLS.
fn send_throughput(c: &mut Criterion) {
    acs_interop::install_crypto_provider();
    let rt = runtime();
    let clients = clients(CLIENTS);
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
    let clients = clients(CLIENTS);
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

/// Makes `total` threads from the clients at once; returns the time.
async fn create_threads(clients: &[reqwest::Client], fixture: &Fixture, total: usize) -> Duration {
    let started = Instant::now();
    let endpoint = fixture.emulator.connection_string().endpoint.clone();
    let per_client = total.div_ceil(clients.len());
    let mut tasks = Vec::new();
    for (c, client) in clients.iter().enumerate() {
        let count = per_client.min(total.saturating_sub(c * per_client));
        let (client, token, endpoint) = (client.clone(), fixture.token.clone(), endpoint.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..count {
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
    started.elapsed()
}

/// Threads made per second by 16 clients at once over loopback HTTP: into a file-backed emulator with
/// the default durability (batched and synced like sends), and into memory beside it. Leaves out TLS.
fn create_thread_throughput(c: &mut Criterion) {
    acs_interop::install_crypto_provider();
    let rt = runtime();
    let clients = clients(CLIENTS);
    let mut group = c.benchmark_group("emulator");
    let batch = 1_000;
    group.throughput(Throughput::Elements(batch as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for (name, durability) in [
        ("create_thread_16_clients", Durability::Full),
        ("create_thread_16_clients_in_memory", Durability::Relaxed),
    ] {
        let fixture = match durability {
            Durability::Full => rt.block_on(fixture(durability)),
            Durability::Relaxed => rt.block_on(in_memory_fixture()),
        };
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        total += create_threads(&clients, &fixture, batch).await;
                    }
                    total
                })
            })
        });
        rt.block_on(fixture.emulator.shutdown());
    }
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
    let clients = clients(CLIENTS);
    let endpoint = fixture.emulator.connection_string().endpoint.clone();
    let took = rt.block_on(create_threads(&clients, &fixture, THREADS));
    eprintln!(
        "emulator/list_threads_50k: {THREADS} threads made in {:.1} s ({:.0} a second, relaxed)",
        took.as_secs_f64(),
        THREADS as f64 / took.as_secs_f64()
    );
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

/// Under a slow-loris attack: 2,000 connections each holding half a request's headers, then `/emulator/health` and one acknowledged send, each on
/// a connection of its own, over loopback HTTP into a file-backed emulator. The emulator's connections
/// are new ones every time (no pool), so each measurement includes a TCP connect. Leaves out TLS.
/// Once, the whole process's resident memory with the 2,000 connections open is printed.
fn under_slow_loris(c: &mut Criterion) {
    use tokio::io::AsyncWriteExt;
    const SLOW: usize = 2_000;
    acs_interop::install_crypto_provider();
    let rt = runtime();
    // The slow connections stay for the whole measurement (an attacker reconnects as they are cut).
    let data = tempfile::tempdir().expect("a temp folder");
    let config = EmulatorConfig {
        storage: Storage::Directory(data.path().to_path_buf()),
        connections: ConnectionLimits {
            header_timeout: Duration::from_secs(600),
            ..ConnectionLimits::default()
        },
        ..EmulatorConfig::default()
    };
    let fixture = rt.block_on(fixture_with(config, data));
    let address = fixture
        .emulator
        .endpoint()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let before = support::memory("VmRSS:");
    let slow: Vec<tokio::net::TcpStream> = rt.block_on(async {
        let mut slow = Vec::with_capacity(SLOW);
        for _ in 0..SLOW {
            let mut stream = tokio::net::TcpStream::connect(&address)
                .await
                .expect("a slow connection");
            stream
                .write_all(b"POST /chat/threads HTTP/1.1\r\nHost: x\r\n")
                .await
                .expect("half a request");
            slow.push(stream);
        }
        slow
    });
    eprintln!(
        "emulator/under_slow_loris: {SLOW} slow connections open; process VmRSS {before:.0} → {:.0} MiB",
        support::memory("VmRSS:")
    );
    let fresh = || {
        reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .expect("a client")
    };
    let health_url = format!("{}emulator/health", fixture.emulator.endpoint());
    let mut group = c.benchmark_group("emulator");
    group.bench_function("health_with_2000_slow_connections", |b| {
        b.iter(|| {
            rt.block_on(async {
                let status = fresh()
                    .get(&health_url)
                    .send()
                    .await
                    .expect("health")
                    .status();
                assert_eq!(status, 200);
            })
        })
    });
    group.bench_function("send_with_2000_slow_connections", |b| {
        b.iter(|| {
            rt.block_on(async {
                let status = fresh()
                    .post(&fixture.messages_url)
                    .bearer_auth(&fixture.token)
                    .json(&json!({"content": "still answered"}))
                    .send()
                    .await
                    .expect("send")
                    .status();
                assert_eq!(status, 201);
            })
        })
    });
    group.finish();
    drop(slow);
    rt.block_on(fixture.emulator.shutdown());
}

criterion_group!(
    benches,
    under_slow_loris,
    send_throughput,
    create_thread_throughput,
    list_threads_50k,
    page_from_big_thread,
    start_to_first_request,
    binary_start_to_first_request
);
criterion_main!(benches);
