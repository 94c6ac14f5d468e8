//! Fault injection: the emulator misbehaving on purpose, as the service sometimes does, so that a
//! developer can watch their app through throttling, server errors, slow answers, cut connections
//! and dropped realtime sockets, and repeat a run with the same seed.
//!
//! Every injected error, cut and drop is logged at warn (latency alone at info, beside the request's
//! own line) and every shaped answer is marked with `x-ms-emulator-fault`, so the console's inspector
//! (and any HTTP log) shows it as injected; an injected error's message says so too. The emulator's own routes (health, admin, this one) are never faulted.

pub(crate) mod admin;
pub mod spec;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::watch;

use super::EmulatorState;
use super::error::ApiError;
pub use spec::{FaultSpec, RouteClass};

/// The header that marks an answer the fault injection shaped.
pub const FAULT_HEADER: HeaderName = HeaderName::from_static("x-ms-emulator-fault");

/// What befalls one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Status(u16),
    /// The connection is cut without an answer; `after` when the request was carried out first.
    Reset {
        after: bool,
    },
}

/// The kinds of fault counted for `GET /emulator/faults`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Throttled,
    InternalError,
    Unavailable,
    Reset,
    Latency,
    Drop,
}

impl Kind {
    const ALL: [Kind; 6] = [
        Kind::Throttled,
        Kind::InternalError,
        Kind::Unavailable,
        Kind::Reset,
        Kind::Latency,
        Kind::Drop,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Throttled => "429",
            Kind::InternalError => "500",
            Kind::Unavailable => "503",
            Kind::Reset => "reset",
            Kind::Latency => "latency",
            Kind::Drop => "drop",
        }
    }
}

/// A small, fast generator whose sequence is fixed by its seed (SplitMix64).
#[derive(Debug)]
struct Choices(u64);

impl Choices {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

struct Active {
    spec: FaultSpec,
    seed: u64,
    choices: Choices,
}

/// The faults in force, changed live through `/emulator/faults`.
pub struct Faults {
    /// Whether any fault is in force: read on every request, so that without faults no lock is taken.
    on: AtomicBool,
    active: Mutex<Active>,
    /// Counts of injected faults, by class and kind.
    counts: [[AtomicU64; 6]; 5],
    /// The spec in force, watched by the drop timer.
    changed: watch::Sender<FaultSpec>,
    /// Bumped at each realtime drop; every open socket watches it.
    drops: watch::Sender<u64>,
}

fn fresh_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    nanos ^ u64::from(std::process::id()).rotate_left(32)
}

impl Faults {
    pub fn new(spec: FaultSpec) -> Faults {
        let seed = spec.seed.unwrap_or_else(fresh_seed);
        let (changed, _) = watch::channel(spec.clone());
        let (drops, _) = watch::channel(0);
        Faults {
            on: AtomicBool::new(!spec.is_off()),
            active: Mutex::new(Active {
                spec,
                seed,
                choices: Choices(seed),
            }),
            counts: Default::default(),
            changed,
            drops,
        }
    }

    /// Puts `spec` in force; its choices start again from its seed (a fresh one if it has none).
    /// Returns the seed in use.
    pub fn set(&self, spec: FaultSpec) -> u64 {
        let seed = spec.seed.unwrap_or_else(fresh_seed);
        if let Ok(mut active) = self.active.lock() {
            *active = Active {
                spec: spec.clone(),
                seed,
                choices: Choices(seed),
            };
        }
        for class in &self.counts {
            for count in class {
                count.store(0, Ordering::Relaxed);
            }
        }
        self.on.store(!spec.is_off(), Ordering::Relaxed);
        self.changed.send_replace(spec);
        seed
    }

    /// The spec in force and its seed.
    pub fn current(&self) -> (FaultSpec, u64) {
        match self.active.lock() {
            Ok(active) => (active.spec.clone(), active.seed),
            Err(_) => (FaultSpec::off(), 0),
        }
    }

    pub fn count(&self, class: RouteClass, kind: Kind) -> u64 {
        self.counts[class as usize][kind as usize].load(Ordering::Relaxed)
    }

    fn counted(&self, class: RouteClass, kind: Kind) {
        self.counts[class as usize][kind as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Chooses the latency and outcome of one request of `class`.
    pub fn decide(&self, class: RouteClass) -> (Duration, Outcome, u64) {
        if !self.on.load(Ordering::Relaxed) {
            return (Duration::ZERO, Outcome::Pass, 1);
        }
        let Ok(mut active) = self.active.lock() else {
            return (Duration::ZERO, Outcome::Pass, 1);
        };
        let c = *active.spec.class(class);
        if c.is_quiet() {
            return (Duration::ZERO, Outcome::Pass, 1);
        }
        // One draw against the running total of the percentages, in a fixed order.
        let r = active.choices.unit() * 100.0;
        let ladder = [
            (c.reset, None),
            (c.internal_error, Some(500)),
            (c.unavailable, Some(503)),
            (c.throttled, Some(429)),
        ];
        let mut bound = 0.0;
        let mut outcome = Outcome::Pass;
        for (share, status) in ladder {
            bound += share;
            if r < bound {
                outcome = match status {
                    Some(status) => Outcome::Status(status),
                    None => Outcome::Reset {
                        after: active.choices.next() & 1 == 1,
                    },
                };
                break;
            }
        }
        let latency = if c.jitter.is_zero() {
            c.latency
        } else {
            let spread = active.choices.unit() * 2.0 - 1.0;
            let ms = c.latency.as_secs_f64() * 1000.0 + spread * c.jitter.as_secs_f64() * 1000.0;
            Duration::from_secs_f64(ms.max(0.0) / 1000.0)
        };
        (latency, outcome, c.retry_after_s())
    }

    /// A receiver that changes at each realtime drop.
    pub fn drops(&self) -> watch::Receiver<u64> {
        self.drops.subscribe()
    }

    /// Cuts every realtime socket every `drop` interval of the spec in force, until `shutdown`.
    pub async fn run_drops(self: std::sync::Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let mut changed = self.changed.subscribe();
        loop {
            let every = changed.borrow_and_update().drop_every();
            let tick = async {
                match every {
                    Some(every) => tokio::time::sleep(every).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = tick => {
                    self.counted(RouteClass::Realtime, Kind::Drop);
                    tracing::warn!(class = "realtime", fault = "drop", "injected fault: every realtime socket is cut");
                    self.drops.send_modify(|n| *n += 1);
                }
                changed = changed.changed() => if changed.is_err() { return },
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// Marks a response whose connection is to be cut; the server's connection loop does the cutting.
#[derive(Debug, Clone, Copy)]
pub struct CutConnection;

impl std::fmt::Display for CutConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection cut by an injected fault")
    }
}

impl std::error::Error for CutConnection {}

fn mark(response: &mut Response, text: &str) {
    if let Ok(value) = HeaderValue::from_str(text) {
        response.headers_mut().insert(FAULT_HEADER, value);
    }
}

/// Middleware: applies the faults in force to the request's class.
pub(crate) async fn inject(
    State(state): State<EmulatorState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(class) = RouteClass::of(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    let faults = &state.faults;
    let (latency, outcome, retry_after_s) = faults.decide(class);
    if latency.is_zero() && outcome == Outcome::Pass {
        return next.run(request).await;
    }
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let latency_ms = latency.as_millis() as u64;
    if !latency.is_zero() {
        faults.counted(class, Kind::Latency);
        tokio::time::sleep(latency).await;
    }
    let (mut response, what) = match outcome {
        Outcome::Pass => (next.run(request).await, format!("latency {latency_ms} ms")),
        Outcome::Status(status) => {
            let error = injected_error(status, retry_after_s);
            let kind = match status {
                429 => Kind::Throttled,
                500 => Kind::InternalError,
                _ => Kind::Unavailable,
            };
            faults.counted(class, kind);
            (error.into_response(), status.to_string())
        }
        Outcome::Reset { after } => {
            faults.counted(class, Kind::Reset);
            let mut response = if after {
                next.run(request).await
            } else {
                StatusCode::NO_CONTENT.into_response()
            };
            response.extensions_mut().insert(CutConnection);
            let what = if after {
                "reset after the request was carried out"
            } else {
                "reset before the request was carried out"
            };
            (response, what.to_string())
        }
    };
    let shown = match outcome {
        Outcome::Pass => what.clone(),
        _ if latency.is_zero() => what.clone(),
        _ => format!("{what} (latency {latency_ms} ms)"),
    };
    mark(&mut response, &shown);
    if outcome != Outcome::Pass {
        tracing::warn!(class = class.name(), fault = %shown, %method, %path, "injected fault");
    } else {
        tracing::info!(class = class.name(), fault = %shown, %method, %path, "injected fault");
    }
    response
}

fn injected_error(status: u16, retry_after_s: u64) -> ApiError {
    let why = "injected by the emulator's fault injection (--faults, /emulator/faults)";
    match status {
        429 => {
            let mut e = ApiError::too_many_requests(retry_after_s);
            e.error.message = format!("Rate limit exceeded: {why}.");
            e
        }
        500 => ApiError::internal(format!("An internal error, {why}.")),
        _ => {
            let mut e = ApiError::unavailable(format!("The service is unavailable, {why}."));
            e.retry_after = Some(retry_after_s);
            e
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_makes_the_same_choices() {
        let spec =
            FaultSpec::parse("503=10%,429=5%,reset=5%,latency=200ms~100ms,seed=42").expect("valid");
        let run = || {
            let faults = Faults::new(spec.clone());
            (0..500)
                .map(|_| faults.decide(RouteClass::ChatWrites))
                .collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first, run());
        let share = |wanted: Outcome| {
            first.iter().filter(|(_, o, _)| *o == wanted).count() as f64 / first.len() as f64
        };
        assert!((0.06..0.15).contains(&share(Outcome::Status(503))));
        assert!((0.02..0.09).contains(&share(Outcome::Status(429))));
        assert!(
            first
                .iter()
                .all(|(l, _, _)| (100..=300).contains(&l.as_millis()))
        );
        let other = Faults::new(spec.with_seed(43));
        let differs = (0..500)
            .map(|_| other.decide(RouteClass::ChatWrites))
            .collect::<Vec<_>>();
        assert_ne!(first, differs);
    }

    #[test]
    fn a_quiet_class_is_left_alone() {
        let faults = Faults::new(FaultSpec::parse("chat-writes.503=100%").expect("valid"));
        assert_eq!(
            faults.decide(RouteClass::ChatReads),
            (Duration::ZERO, Outcome::Pass, 1)
        );
        assert_eq!(
            faults.decide(RouteClass::ChatWrites).1,
            Outcome::Status(503)
        );
    }
}
