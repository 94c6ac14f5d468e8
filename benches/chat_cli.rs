//! `acs-interop chat messages <thread> --all --json` on a 100,000-message thread, as a script runs it.
//!
//! `chat_messages_all_json_100k` times the real binary (release build) from spawn to exit, while this
//! process reads and counts its output lines: process start, the token request, every page (200
//! messages each, newest first) over loopback HTTP from an in-process emulator, and the JSON Lines
//! written to the pipe. Left out: seeding the thread (done once, before the clock), a terminal or a
//! program doing anything with the lines. Once, outside the timing, the child's peak resident memory
//! is printed (from `/usr/bin/time -v`, or by polling `/proc/<pid>/status` VmHWM without it), with the
//! line count, which must be every message: the target is under 5 s and under 50 MB.

mod support;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use serde_json::json;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

use acs_interop::emulator::{Emulator, EmulatorConfig, Storage};
use support::{identity, post};

const MESSAGES: usize = 100_000;
const SENDERS: usize = 16;
const BIN: &str = env!("CARGO_BIN_EXE_acs-interop");

/// A thread of `MESSAGES` messages by one sender; returns the sender's raw id and the thread id.
async fn big_thread(emulator: &Emulator) -> (String, String) {
    let http = reqwest::Client::new();
    let (sender, token) = identity(emulator, &http).await;
    let endpoint = emulator.connection_string().endpoint.clone();
    let created = post(
        &http,
        &format!("{endpoint}chat/threads?api-version=2024-03-07"),
        &token,
        json!({"topic": "A long thread"}),
    )
    .await;
    let thread = created["chatThread"]["id"]
        .as_str()
        .expect("a thread id")
        .to_string();
    let url = format!(
        "{endpoint}chat/threads/{}/messages?api-version=2024-03-07",
        percent_encoding::utf8_percent_encode(&thread, percent_encoding::NON_ALPHANUMERIC)
    );
    let per_sender = MESSAGES.div_ceil(SENDERS);
    let mut tasks = Vec::new();
    for s in 0..SENDERS {
        let (http, url, token) = (http.clone(), url.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..per_sender.min(MESSAGES - s * per_sender) {
                post(
                    &http,
                    &url,
                    &token,
                    json!({"content": format!("message {s}-{i}: <b>some</b> text to list")}),
                )
                .await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("a sender");
    }
    (sender, thread)
}

/// The command under test, its output piped.
fn command(program: &str, cs: &str, data_dir: &str, user: &str, thread: &str) -> Command {
    let mut command = Command::new(program);
    if program != BIN {
        command.args(["-v", BIN]);
    }
    command
        .args([
            "chat",
            "messages",
            thread,
            "--all",
            "--json",
            "--user-id",
            user,
            "--data-dir",
            data_dir,
        ])
        .env("ACS_CONNECTION_STRING", cs)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Reads the child's output to the end; returns the number of lines.
fn count_lines(stdout: &mut impl Read) -> usize {
    let mut buffer = vec![0u8; 64 * 1024];
    let mut lines = 0;
    loop {
        match stdout.read(&mut buffer) {
            Ok(0) | Err(_) => return lines,
            Ok(n) => lines += buffer[..n].iter().filter(|b| **b == b'\n').count(),
        }
    }
}

/// One run outside the timing: the line count and the child's peak resident memory in kB.
fn measure_once(cs: &str, data_dir: &str, user: &str, thread: &str) -> (usize, Option<u64>) {
    let with_time = std::path::Path::new("/usr/bin/time").exists();
    let program = if with_time { "/usr/bin/time" } else { BIN };
    let mut child = command(program, cs, data_dir, user, thread)
        .spawn()
        .expect("the binary runs");
    let pid = child.id();
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || count_lines(&mut stdout));
    let mut peak_polled = None;
    // Without `time`, VmHWM is read until the process is gone; the last reading is its peak.
    if !with_time {
        while let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            if let Some(kb) = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            {
                peak_polled = Some(kb);
            }
            if child.try_wait().ok().flatten().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    let output = child.wait_with_output().expect("the binary ends");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = reader.join().expect("the reader");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let peak = if with_time {
        stderr
            .lines()
            .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
            .and_then(|v| v.trim().parse().ok())
    } else {
        peak_polled
    };
    (lines, peak)
}

fn chat_cli(c: &mut Criterion) {
    acs_interop::install_crypto_provider();
    let rt = Runtime::new().expect("a tokio runtime");
    let emulator = rt
        .block_on(Emulator::start(EmulatorConfig {
            listen: ([127, 0, 0, 1], 0).into(),
            storage: Storage::InMemory,
            ..EmulatorConfig::default()
        }))
        .expect("the emulator starts");
    let seeding = Instant::now();
    let (user, thread) = rt.block_on(big_thread(&emulator));
    eprintln!(
        "seeded {MESSAGES} messages in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    let cs = emulator.connection_string().expose();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let data_dir = dir.path().display().to_string();

    let (lines, peak_kb) = measure_once(&cs, &data_dir, &user, &thread);
    assert!(lines >= MESSAGES, "every message is printed: {lines}");
    match peak_kb {
        Some(kb) => eprintln!(
            "chat messages --all --json: {lines} lines; child peak RSS {:.1} MB",
            kb as f64 / 1024.0
        ),
        None => eprintln!("chat messages --all --json: {lines} lines; peak RSS unknown"),
    }

    let mut group = c.benchmark_group("chat_cli");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(40));
    group.bench_function("chat_messages_all_json_100k", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let started = Instant::now();
                let mut child = command(BIN, &cs, &data_dir, &user, &thread)
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("the binary runs");
                let mut stdout = child.stdout.take().expect("stdout");
                let lines = count_lines(&mut stdout);
                let status = child.wait().expect("the binary ends");
                total += started.elapsed();
                assert!(status.success() && lines >= MESSAGES, "{lines} lines");
            }
            total
        })
    });
    group.finish();
    rt.block_on(emulator.shutdown());
}

criterion_group!(benches, chat_cli);
criterion_main!(benches);
