//! The standalone emulator's memory through a long run with four consoles attached: the real
//! `acs-interop emulator` in a process of its own (file-backed, synced durability), 16 HTTP clients
//! sending into a thread of five, and four consoles (as `launch` runs them, drawing into test
//! terminals) watching it live. The emulator's resident memory is read from /proc after every
//! 10,000 messages; the bound is 64 MiB. Left out: TLS, and a real terminal's output.
//!
//! 200,000 messages by default (a few minutes); `ACS_BENCH_MESSAGES=1000000` for the full run.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use acs_interop::acs::connection_string::ConnectionString;
use support::console::{Console, END};
use support::*;

const SENDERS: usize = 16;
const CHUNK: usize = 10_000;
const BOUND_MIB: f64 = 64.0;

fn content(sender: usize, i: usize) -> String {
    format!("long run {sender}-{i}: the build is green again")
}

/// A field of /proc/<pid>/status (VmRSS, VmHWM), in MiB.
fn memory_of(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_suffix(" kB"))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or(f64::NAN)
        / 1024.0
}

/// The emulator binary on a free port; its connection string, read from its banner.
fn start_emulator_process(data_dir: &std::path::Path) -> (Child, ConnectionString) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_acs-interop"))
        .args(["emulator", "--listen", "127.0.0.1:0", "--log-level", "warn"])
        .arg("--data-dir")
        .arg(data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the emulator starts");
    let stdout = child.stdout.take().expect("its output");
    let mut lines = BufReader::new(stdout).lines();
    let connection = loop {
        let line = lines
            .next()
            .expect("the emulator prints its banner")
            .expect("a banner line");
        if let Some(cs) = line.trim().strip_prefix("connection string") {
            break ConnectionString::parse(cs.trim()).expect("a connection string");
        }
    };
    // The rest of the banner is not needed; the pipe is drained so the emulator never blocks.
    std::thread::spawn(move || for _ in lines {});
    (child, connection)
}

fn main() {
    acs_interop::install_crypto_provider();
    let total: usize = std::env::var("ACS_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let rt = runtime();
    let data = tempfile::tempdir().expect("a temp folder");
    let (mut emulator, connection) = start_emulator_process(&data.path().join("emulator"));
    let pid = emulator.id();
    let mut consoles: Vec<Console> = (0..4)
        .map(|i| {
            let dir = data.path().join(format!("console-{i}"));
            std::fs::create_dir_all(&dir).expect("a console folder");
            Console::start(connection.clone(), dir)
        })
        .collect();
    let http = reqwest::Client::new();
    let (thread, token) = rt.block_on(async {
        let (_, token) = identity(&connection, &http).await;
        let members: Vec<&str> = consoles.iter().map(|c| c.me.as_str()).collect();
        let thread = create_thread(&connection, &http, &token, "Long run", &members).await;
        (thread, token)
    });
    for console in &mut consoles {
        console.wait_until_open(&rt);
    }
    let url = messages_url(&connection, &thread);
    let senders = clients(SENDERS);
    let started = Instant::now();
    let at_start = memory_of(pid, "VmRSS:");
    let mut highest = at_start;
    let mut sent = 0;
    eprintln!("emulator_memory: {total} messages, emulator VmRSS {at_start:.1} MiB at the start");
    while sent < total {
        let chunk = CHUNK.min(total - sent);
        rt.block_on(send_concurrently(&senders, &url, &token, chunk, content));
        sent += chunk;
        let rss = memory_of(pid, "VmRSS:");
        highest = highest.max(rss);
        eprintln!(
            "  {sent:>9} sent in {:>6.1} s ({:>5.0}/s): emulator VmRSS {rss:.1} MiB",
            started.elapsed().as_secs_f64(),
            sent as f64 / started.elapsed().as_secs_f64(),
        );
    }
    rt.block_on(async {
        let body = serde_json::json!({ "content": END });
        post(&http, &url, &token, body).await;
    });
    // Every console is waited for, then asked whether it drew the last message.
    let shown: Vec<bool> = consoles.into_iter().map(|c| c.finish().end_shown).collect();
    let kept_up = shown.iter().all(|s| *s);
    let peak = memory_of(pid, "VmHWM:");
    eprintln!(
        "emulator_memory: {total} messages in {:.0} s with four consoles watching; emulator VmRSS \
         {at_start:.1} → highest {highest:.1} MiB, VmHWM {peak:.1} MiB (bound {BOUND_MIB} MiB); \
         every console drew the last message: {kept_up}",
        started.elapsed().as_secs_f64()
    );
    // SIGTERM, as a user stops it: the emulator closes its database and exits.
    let _ = Command::new("kill").arg(pid.to_string()).status();
    let _ = emulator.wait();
    assert!(kept_up, "a console fell behind");
    assert!(
        peak < BOUND_MIB,
        "the emulator's memory went past {BOUND_MIB} MiB"
    );
}
