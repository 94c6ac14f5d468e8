//! Consoles under live load, each run as `launch` runs it: the backend task (HTTP, the realtime
//! socket, JSON decoding, conversion, read receipts, the inspector's recording of every exchange and
//! frame) and the event loop (`update`, coalesced frames)
//! drawing into a 120×40 test terminal, on an OS thread of its own so that its CPU time is its own.
//! The emulator is in-process and file-backed with the default (synced) durability; senders are 16
//! HTTP clients on loopback. Left out: a real terminal's escape-code output and TLS.
//!
//! - `ingest_100k_live_from_others`: one console with its thread open while another user sends
//!   100,000 messages into it. The measured time is the console's CPU time from the thread being
//!   open to the last message drawn (the target is under 3 s). Once, its resident memory growth is
//!   printed; that figure is the whole process, emulator and senders included, so it is an upper
//!   bound for the console (the target is under 100 MB).
//! - `ingest_100k_live_own`: the same with the 100,000 messages sent as the console's own user from
//!   elsewhere (another device of the same person).
//! - `send_16_clients_no_console` and `send_16_clients_4_consoles`: acknowledged sends per second
//!   into a thread of five (the sender and four others), first with none of the four connected,
//!   then with the four watching it live in four consoles; their ratio is printed (the target is at
//!   least 0.8). Both threads have the same members, so the emulator logs the same events for each
//!   message: the ratio is the cost of the consumers being attached (their sockets, their reads and
//!   receipts, and their own CPU, which here comes out of the same two cores).

mod support;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use acs_interop::emulator::{Durability, Emulator, Storage};
use support::console::{Console, END};
use support::*;

/// Messages sent live in `ingest_*`.
const LIVE: usize = 100_000;
const SENDERS: usize = 16;

fn content(sender: usize, i: usize) -> String {
    format!("live message {sender}-{i}: the build is green again")
}

/// A thread between a sender and the consoles' users; the sender's token.
async fn thread_for(emulator: &Emulator, consoles: &[&str]) -> (String, String) {
    let http = reqwest::Client::new();
    let (_, token) = identity(emulator, &http).await;
    let thread = create_thread(emulator, &http, &token, "Live", consoles).await;
    (thread, token)
}

async fn send_end(emulator: &Emulator, thread: &str, token: &str) {
    let http = reqwest::Client::new();
    let body = serde_json::json!({ "content": END });
    post(&http, &messages_url(emulator, thread), token, body).await;
}

/// One run of `ingest_100k_live_*`: returns the console's CPU time.
fn ingest(rt: &tokio::runtime::Runtime, own: bool, report: bool) -> Duration {
    let data = tempfile::tempdir().expect("a temp folder");
    let emulator = rt.block_on(start_emulator(
        Storage::Directory(data.path().join("emulator")),
        Durability::Full,
    ));
    let console_dir = data.path().join("console");
    std::fs::create_dir_all(&console_dir).expect("the console folder");
    let mut console = Console::start(emulator.connection_string().clone(), console_dir);
    let (thread, others_token) = rt.block_on(thread_for(&emulator, &[&console.me]));
    let token = if own {
        rt.block_on(token_for(&emulator, &reqwest::Client::new(), &console.me))
    } else {
        others_token
    };
    console.wait_until_open(rt);
    let rss_before = memory("VmRSS:");
    let url = messages_url(&emulator, &thread);
    let sent = rt.block_on(async {
        let took = send_concurrently(&clients(SENDERS), &url, &token, LIVE, content).await;
        send_end(&emulator, &thread, &token).await;
        took
    });
    let outcome = console.finish();
    let rss_after = memory("VmRSS:");
    assert!(outcome.end_shown, "the last message is drawn");
    if report {
        eprintln!(
            "live/ingest_100k_live_{}: console CPU {:.2} s while {LIVE} messages arrived in {:.1} s; \
             process VmRSS {rss_before:.0} → {rss_after:.0} MiB (+{:.0} MiB, emulator and senders \
             included), VmHWM {:.0} MiB; {} messages held at the end",
            if own { "own" } else { "from_others" },
            outcome.cpu.as_secs_f64(),
            sent.as_secs_f64(),
            rss_after - rss_before,
            memory("VmHWM:"),
            outcome.held,
        );
    }
    rt.block_on(emulator.shutdown());
    outcome.cpu
}

fn ingest_100k_live(c: &mut Criterion) {
    acs_interop::install_crypto_provider();
    let rt = runtime();
    let mut group = c.benchmark_group("live");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(LIVE as u64));
    for (name, own) in [
        ("ingest_100k_live_from_others", false),
        ("ingest_100k_live_own", true),
    ] {
        ingest(&rt, own, true);
        group.bench_function(name, |b| {
            b.iter_custom(|iters| (0..iters).map(|_| ingest(&rt, own, false)).sum())
        });
    }
    group.finish();
}

/// Acknowledged sends per second with and without four consoles watching the thread.
fn send_with_4_consoles(c: &mut Criterion) {
    const BATCH: usize = 2_000;
    acs_interop::install_crypto_provider();
    let rt = runtime();
    let data = tempfile::tempdir().expect("a temp folder");
    let emulator = rt.block_on(start_emulator(
        Storage::Directory(data.path().join("emulator")),
        Durability::Full,
    ));
    let senders = clients(SENDERS);
    let mut group = c.benchmark_group("live");
    group.sample_size(10);
    group.throughput(Throughput::Elements(BATCH as u64));
    group.measurement_time(Duration::from_secs(10));
    let mut rates = Vec::new();
    for watching in [0, 4] {
        let consoles: Vec<Console> = (0..watching)
            .map(|i| {
                let dir = data.path().join(format!("console-{i}"));
                std::fs::create_dir_all(&dir).expect("a console folder");
                Console::start(emulator.connection_string().clone(), dir)
            })
            .collect();
        let absent: Vec<String> = (0..4 - watching)
            .map(|_| rt.block_on(identity(&emulator, &reqwest::Client::new())).0)
            .collect();
        let members: Vec<&str> = consoles
            .iter()
            .map(|c| c.me.as_str())
            .chain(absent.iter().map(String::as_str))
            .collect();
        let (thread, token) = rt.block_on(thread_for(&emulator, &members));
        let url = messages_url(&emulator, &thread);
        let mut consoles = consoles;
        for console in &mut consoles {
            console.wait_until_open(&rt);
        }
        let measured = Arc::new(Mutex::new((0usize, Duration::ZERO)));
        let name = match watching {
            0 => "send_16_clients_no_console",
            _ => "send_16_clients_4_consoles",
        };
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += rt.block_on(send_concurrently(&senders, &url, &token, BATCH, content));
                }
                if let Ok(mut m) = measured.lock() {
                    m.0 += iters as usize * BATCH;
                    m.1 += total;
                }
                total
            })
        });
        rt.block_on(send_end(&emulator, &thread, &token));
        for console in consoles {
            assert!(
                console.finish().end_shown,
                "every console kept up to the end"
            );
        }
        let (sent, took) = measured.lock().map(|m| *m).unwrap_or_default();
        rates.push(sent as f64 / took.as_secs_f64());
    }
    group.finish();
    // Nothing to say when the filter left both out.
    if rates.iter().all(|r| r.is_finite()) {
        eprintln!(
            "live/send_with_4_consoles: {:.0} sends/s with none, {:.0} with four consoles \
             watching: ratio {:.2}",
            rates[0],
            rates[1],
            rates[1] / rates[0]
        );
    }
    rt.block_on(emulator.shutdown());
}

criterion_group!(benches, send_with_4_consoles, ingest_100k_live);
criterion_main!(benches);
