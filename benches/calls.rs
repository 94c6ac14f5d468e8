//! Call benchmarks, over loopback HTTP against an in-process emulator; each prints p50/p95/p99 as well
//! as criterion's mean:
//! - `teams_recording_to_banner_frame`: the Teams side starts (or stops) recording a live call → the
//!   console draws the notice. It covers the admin request, the emulator's commit, the signed callback
//!   POST, the console's listener verifying the JWT, the JSON, the backend's news, `update` and a
//!   120×40 frame on a test terminal. It leaves out only the terminal's own output (a real terminal
//!   writes the changed cells); the console-side part (listener → frame) is a subset of this.
//! - `hold_event_with_200_live_calls`: with 200 calls live (each with its callback receiver), one call's
//!   `:hold` → its ParticipantsUpdated arriving at the application's callback server. It covers the
//!   signed REST request, the commit on disk, the event's JWT signing and the POST; it leaves out the
//!   receiver verifying the JWT (that is the application's cost).

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::runtime::Runtime;
use tokio::sync::{Notify, mpsc};

use acs_interop::acs::connection_string::ConnectionString;
use acs_interop::acs::hmac::sign_request;
use acs_interop::app::{AppState, Msg, update};
use acs_interop::backend::calls::CallbackSetup;
use acs_interop::backend::session::Target;
use acs_interop::backend::{BackendConfig, BackendEvent, ChangeFeed, Command};
use acs_interop::config::{Keymap, Theme};
use acs_interop::emulator::{Emulator, EmulatorConfig, Storage};

const LIVE_CALLS: usize = 200;
const MEGAN: &str = "megan@contoso.example";

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Prints the percentiles of `samples` under `name`.
fn report(name: &str, samples: &mut [Duration]) {
    if samples.is_empty() {
        return;
    }
    samples.sort();
    let at =
        |p: f64| samples[((samples.len() as f64 * p).ceil() as usize).clamp(1, samples.len()) - 1];
    eprintln!(
        "{name}: n={} p50={:.2?} p95={:.2?} p99={:.2?} max={:.2?}",
        samples.len(),
        at(0.50),
        at(0.95),
        at(0.99),
        samples[samples.len() - 1]
    );
}

/// The times taken, for the percentiles.
#[derive(Default)]
struct Samples(Mutex<Vec<Duration>>);

impl Samples {
    /// Records the time since `start` and returns it.
    fn add(&self, start: Instant) -> Duration {
        let took = start.elapsed();
        if let Ok(mut s) = self.0.lock() {
            s.push(took);
        }
        took
    }

    fn report(&self, name: &str) {
        if let Ok(mut s) = self.0.lock() {
            report(name, &mut s);
        }
    }
}

/// A request signed with the access key, as the SDKs send it.
async fn signed(
    http: &reqwest::Client,
    cs: &ConnectionString,
    method: &str,
    path_and_query: &str,
    body: &Value,
) -> Value {
    let bytes = serde_json::to_vec(body).expect("json");
    let date = httpdate::fmt_http_date(SystemTime::now());
    let s = sign_request(
        cs.access_key(),
        method,
        path_and_query,
        cs.host(),
        &bytes,
        &date,
    );
    let response = http
        .request(
            method.parse().expect("a method"),
            format!("{}{}", cs.endpoint.trim_end_matches('/'), path_and_query),
        )
        .header("x-ms-date", s.date)
        .header("x-ms-content-sha256", s.content_sha256)
        .header("authorization", s.authorization)
        .header("content-type", "application/json")
        .body(bytes)
        .send()
        .await
        .expect("the emulator answers");
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    assert!(
        status.is_success(),
        "{method} {path_and_query}: {status} {text}"
    );
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

// ------------------------------------------------------------------------------------------------
// Teams recording → the notice on screen.

struct Console {
    state: AppState,
    terminal: Terminal<TestBackend>,
    events: mpsc::Receiver<BackendEvent>,
    commands: mpsc::Sender<Command>,
    theme: Theme,
}

impl Console {
    /// Applies backend events and draws, until the screen shows `text`.
    async fn until_screen_shows(&mut self, text: &str) {
        loop {
            let event = self.events.recv().await.expect("the backend runs");
            update(&mut self.state, Msg::Backend(event));
            while let Ok(more) = self.events.try_recv() {
                update(&mut self.state, Msg::Backend(more));
            }
            let (state, theme) = (&self.state, &self.theme);
            self.terminal
                .draw(|frame| acs_interop::ui::view(state, theme, frame))
                .expect("a frame");
            let buffer = self.terminal.backend().buffer();
            let first_rows: String = (0..3u16)
                .flat_map(|y| (0..buffer.area.width).map(move |x| (x, y)))
                .map(|(x, y)| buffer[(x, y)].symbol().to_string())
                .collect();
            if first_rows.contains(text) {
                return;
            }
        }
    }
}

fn bench_recording_to_banner(c: &mut Criterion) {
    let rt = runtime();
    let (emulator, mut console, http, _dir) = rt.block_on(async {
        let emulator = Emulator::start(EmulatorConfig {
            listen: "127.0.0.1:0".parse().expect("an address"),
            storage: Storage::InMemory,
            ..EmulatorConfig::default()
        })
        .await
        .expect("the emulator starts");
        let dir = tempfile::tempdir().expect("a temp folder");
        let (commands, command_rx) = mpsc::channel(64);
        let (event_tx, events) = mpsc::channel(4096);
        acs_interop::backend::spawn(
            BackendConfig {
                target: Target {
                    connection: emulator.connection_string().clone(),
                    ca_cert: None,
                    user_id: None,
                    embedded: false,
                    state_dir: Some(dir.path().to_path_buf()),
                    display_name: "Bench".into(),
                    tap: Default::default(),
                },
                feed: ChangeFeed::Socket,
                outbox_path: None,
                callbacks: CallbackSetup::Local {
                    listen: ([127, 0, 0, 1], 0).into(),
                },
                mode: Default::default(),
            },
            command_rx,
            event_tx,
        );
        let mut state = AppState::new(Keymap::default());
        update(&mut state, Msg::Resize(120, 40));
        let mut console = Console {
            state,
            terminal: Terminal::new(TestBackend::new(120, 40)).expect("a test terminal"),
            events,
            commands,
            theme: Theme::default_dark(),
        };
        console
            .commands
            .send(Command::PlaceCall {
                thread_id: None,
                target: MEGAN.into(),
            })
            .await
            .expect("the backend takes commands");
        console.until_screen_shows("connected").await;
        (emulator, console, reqwest::Client::new(), dir)
    });
    let cs = emulator.connection_string().clone();
    let samples = Samples::default();
    let mut on = false;
    let mut group = c.benchmark_group("calls");
    group.sample_size(20);
    group.bench_function("teams_recording_to_banner_frame", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    on = !on;
                    let expected = if on {
                        "Recording has started."
                    } else {
                        "Recording is being saved."
                    };
                    let start = Instant::now();
                    signed(
                        &http,
                        &cs,
                        "POST",
                        &format!("/emulator/teams/users/{MEGAN}/call/recording"),
                        &json!({"active": on}),
                    )
                    .await;
                    console.until_screen_shows(expected).await;
                    total += samples.add(start);
                }
                total
            })
        })
    });
    group.finish();
    samples.report("calls/teams_recording_to_banner_frame");
    rt.block_on(emulator.shutdown());
}

// ------------------------------------------------------------------------------------------------
// 200 live calls: one call's action → its event at the application.

/// What the application's callback server saw: the newest ParticipantsUpdated sequence per call.
#[derive(Default)]
struct Seen {
    rosters: Mutex<HashMap<String, i64>>,
    connected: Mutex<usize>,
    changed: Notify,
}

async fn receive(State(seen): State<Arc<Seen>>, body: Bytes) -> &'static str {
    let Ok(events) = serde_json::from_slice::<Value>(&body) else {
        return "bad";
    };
    for event in events.as_array().into_iter().flatten() {
        let call = event["data"]["callConnectionId"]
            .as_str()
            .unwrap_or_default();
        match event["type"].as_str() {
            Some("Microsoft.Communication.CallConnected") => {
                if let Ok(mut n) = seen.connected.lock() {
                    *n += 1;
                }
            }
            Some("Microsoft.Communication.ParticipantsUpdated") => {
                let seq = event["data"]["sequenceNumber"].as_i64().unwrap_or(0);
                if let Ok(mut r) = seen.rosters.lock() {
                    let entry = r.entry(call.to_string()).or_insert(0);
                    *entry = (*entry).max(seq);
                }
            }
            _ => {}
        }
    }
    seen.changed.notify_waiters();
    "ok"
}

impl Seen {
    async fn until(&self, done: impl Fn(&Seen) -> bool) {
        loop {
            let notified = self.changed.notified();
            if done(self) {
                return;
            }
            notified.await;
        }
    }

    fn sequence(&self, call: &str) -> i64 {
        self.rosters
            .lock()
            .map(|r| r.get(call).copied().unwrap_or(0))
            .unwrap_or(0)
    }
}

fn bench_200_live_calls(c: &mut Criterion) {
    let rt = runtime();
    let data = tempfile::tempdir().expect("a temp folder");
    let seen = Arc::new(Seen::default());
    let (emulator, calls, source, http) = rt.block_on(async {
        let emulator = Emulator::start(EmulatorConfig {
            listen: "127.0.0.1:0".parse().expect("an address"),
            storage: Storage::Directory(data.path().to_path_buf()),
            ..EmulatorConfig::default()
        })
        .await
        .expect("the emulator starts");
        let receiver = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let url = format!("http://{}/callbacks", receiver.local_addr().expect("an address"));
        let app = Router::new()
            .route("/callbacks", post(receive))
            .with_state(seen.clone());
        tokio::spawn(async move { axum::serve(receiver, app).await });
        let http = reqwest::Client::new();
        let cs = emulator.connection_string().clone();
        let created = signed(&http, &cs, "POST", "/identities?api-version=2023-10-01", &json!({})).await;
        let source = created["identity"]["id"].as_str().expect("an id").to_string();
        let megan = "8:orgid:5c1c3a3e-8a9b-4f4e-9d1e-1a2b3c4d5e01";
        let mut calls = Vec::with_capacity(LIVE_CALLS);
        for _ in 0..LIVE_CALLS {
            let call = signed(
                &http,
                &cs,
                "POST",
                "/calling/callConnections?api-version=2026-03-12",
                &json!({"targets": [{"rawId": megan}], "source": {"id": source}, "callbackUri": url}),
            )
            .await;
            calls.push(call["callConnectionId"].as_str().expect("a call id").to_string());
        }
        seen.until(|s| s.connected.lock().map(|n| *n >= LIVE_CALLS).unwrap_or(false))
            .await;
        (emulator, calls, source, http)
    });
    let cs = emulator.connection_string().clone();
    let samples = Samples::default();
    let mut next = 0usize;
    let mut held: HashMap<String, bool> = HashMap::new();
    let mut group = c.benchmark_group("calls");
    group.sample_size(20);
    group.bench_function("hold_event_with_200_live_calls", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let call = calls[next % calls.len()].clone();
                    next += 1;
                    let hold = !held.get(&call).copied().unwrap_or(false);
                    held.insert(call.clone(), hold);
                    let before = seen.sequence(&call);
                    let action = if hold { "hold" } else { "unhold" };
                    let start = Instant::now();
                    signed(
                        &http,
                        &cs,
                        "POST",
                        &format!("/calling/callConnections/{call}:{action}?api-version=2026-03-12"),
                        &json!({"targetParticipant": {"rawId": source}}),
                    )
                    .await;
                    seen.until(|s| s.sequence(&call) > before).await;
                    total += samples.add(start);
                }
                total
            })
        })
    });
    group.finish();
    samples.report("calls/hold_event_with_200_live_calls");
    rt.block_on(emulator.shutdown());
}

criterion_group!(benches, bench_recording_to_banner, bench_200_live_calls);
criterion_main!(benches);
