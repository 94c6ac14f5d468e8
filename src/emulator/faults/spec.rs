//! The fault specification: what `--faults SPEC`, `PUT /emulator/faults` and `acs-interop faults set`
//! take, parsed, checked and written back in a canonical form.
//!
//! ```text
//! SPEC  := ITEM (',' ITEM)*                      ('off' or nothing: no faults)
//! ITEM  := 'seed=' N
//!        | [CLASS '.'] FAULT '=' VALUE           (no class: every class)
//! CLASS := identity | chat-writes | chat-reads | realtime | calling | all
//! FAULT := 429 | 500 | 503 | reset  '=' P%       (a share of the class's requests, 0–100)
//!        | retry-after '=' Ns                    (the Retry-After of the 429s; 1 s by default)
//!        | latency '=' Dms[~Jms]                 (added to every request; ± J ms of jitter)
//!        | drop '=' Ns                           (realtime: every socket is cut every N s)
//! ```
//!
//! For example `503=10%,429=5%,latency=200ms~100ms,realtime.drop=10s,seed=7`.

use std::fmt;
use std::time::Duration;

/// The requests a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteClass {
    /// `/identities…` and `/teamsUser…`.
    Identity,
    /// Chat requests that change something (POST, PUT, PATCH, DELETE under `/chat`).
    ChatWrites,
    /// Chat requests that read (GET under `/chat`, and attachments).
    ChatReads,
    /// The realtime socket's upgrade and position, and the drops of open sockets.
    Realtime,
    /// Call Automation (`/calling…`).
    Calling,
}

impl RouteClass {
    pub const ALL: [RouteClass; 5] = [
        RouteClass::Identity,
        RouteClass::ChatWrites,
        RouteClass::ChatReads,
        RouteClass::Realtime,
        RouteClass::Calling,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RouteClass::Identity => "identity",
            RouteClass::ChatWrites => "chat-writes",
            RouteClass::ChatReads => "chat-reads",
            RouteClass::Realtime => "realtime",
            RouteClass::Calling => "calling",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The class of a request; `None` for the emulator's own routes (health, admin, faults), which
    /// are never faulted.
    pub fn of(method: &axum::http::Method, path: &str) -> Option<RouteClass> {
        let under = |prefix: &str| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        if under("/identities") || under("/teamsUser") {
            Some(RouteClass::Identity)
        } else if under("/chat") {
            if method == axum::http::Method::GET || method == axum::http::Method::HEAD {
                Some(RouteClass::ChatReads)
            } else {
                Some(RouteClass::ChatWrites)
            }
        } else if under("/emulator/attachments") {
            Some(RouteClass::ChatReads)
        } else if under("/emulator/realtime") {
            Some(RouteClass::Realtime)
        } else if under("/calling") {
            Some(RouteClass::Calling)
        } else {
            None
        }
    }
}

/// The faults of one class.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ClassFaults {
    /// Percentages of requests, each 0–100 as given, together at most 100.
    pub throttled: f64,
    pub internal_error: f64,
    pub unavailable: f64,
    pub reset: f64,
    /// The `Retry-After` of injected 429s and 503s.
    pub retry_after: Option<Duration>,
    pub latency: Duration,
    pub jitter: Duration,
    /// Realtime only: how often every open socket is cut.
    pub drop_every: Option<Duration>,
}

impl ClassFaults {
    /// Whether nothing is injected (a `retry-after` alone changes nothing).
    pub fn is_quiet(&self) -> bool {
        self.failure_share() == 0.0
            && self.latency.is_zero()
            && self.jitter.is_zero()
            && self.drop_every.is_none()
    }

    /// The percentage of requests that fail, of every kind.
    pub fn failure_share(&self) -> f64 {
        self.throttled + self.internal_error + self.unavailable + self.reset
    }

    /// The Retry-After of injected 429s (1 s unless set).
    pub fn retry_after_s(&self) -> u64 {
        self.retry_after.map_or(1, |d| d.as_secs().max(1))
    }
}

/// Every class's faults, and the seed of the choices.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FaultSpec {
    classes: [ClassFaults; 5],
    /// `None`: chosen when the faults are switched on, and reported so that a run can be repeated.
    pub seed: Option<u64>,
}

impl FaultSpec {
    pub fn off() -> FaultSpec {
        FaultSpec::default()
    }

    pub fn class(&self, class: RouteClass) -> &ClassFaults {
        &self.classes[class.index()]
    }

    pub fn is_off(&self) -> bool {
        self.classes.iter().all(ClassFaults::is_quiet)
    }

    /// The same faults, their choices fixed by `seed`.
    pub fn with_seed(&self, seed: u64) -> FaultSpec {
        FaultSpec {
            seed: Some(seed),
            ..self.clone()
        }
    }

    pub fn drop_every(&self) -> Option<Duration> {
        self.class(RouteClass::Realtime).drop_every
    }

    /// Parses a spec; the error says which item is wrong and what was expected.
    pub fn parse(text: &str) -> Result<FaultSpec, String> {
        let mut spec = FaultSpec::default();
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed.eq_ignore_ascii_case("off") {
            return Ok(spec);
        }
        for item in trimmed.split([',', ';']).map(str::trim) {
            // `off` with a seed is how a spec without faults is written back.
            if item.is_empty() || item.eq_ignore_ascii_case("off") {
                continue;
            }
            spec.apply(item)
                .map_err(|why| format!("in the fault `{item}`: {why}"))?;
        }
        for class in RouteClass::ALL {
            let share = spec.class(class).failure_share();
            if share > 100.0 + 1e-9 {
                return Err(format!(
                    "the failures of {} add up to {}%, more than 100%",
                    class.name(),
                    percent(share)
                ));
            }
        }
        Ok(spec)
    }

    fn apply(&mut self, item: &str) -> Result<(), String> {
        let (key, value) = item
            .split_once('=')
            .ok_or("expected NAME=VALUE, such as 503=10% or latency=200ms~50ms")?;
        let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
        if key == "seed" {
            self.seed = Some(
                value
                    .parse()
                    .map_err(|_| "the seed is a whole number, 0 or more")?,
            );
            return Ok(());
        }
        let (classes, fault) = match key.split_once('.') {
            Some((class, fault)) => (class_names(class)?, fault.to_string()),
            None => (RouteClass::ALL.to_vec(), key),
        };
        let set: Box<dyn Fn(&mut ClassFaults)> = match fault.as_str() {
            "429" => {
                let p = parse_percent(value)?;
                Box::new(move |c| c.throttled = p)
            }
            "500" => {
                let p = parse_percent(value)?;
                Box::new(move |c| c.internal_error = p)
            }
            "503" => {
                let p = parse_percent(value)?;
                Box::new(move |c| c.unavailable = p)
            }
            "reset" => {
                let p = parse_percent(value)?;
                Box::new(move |c| c.reset = p)
            }
            "retry-after" => {
                let d = parse_duration(value, "s")?;
                if d < Duration::from_secs(1) || d > Duration::from_secs(3600) {
                    return Err("retry-after is between 1s and 3600s".into());
                }
                Box::new(move |c| c.retry_after = Some(d))
            }
            "latency" => {
                let (base, jitter) = match value.split_once(['~', '±']) {
                    Some((base, jitter)) => {
                        (parse_duration(base, "ms")?, parse_duration(jitter, "ms")?)
                    }
                    None => (parse_duration(value, "ms")?, Duration::ZERO),
                };
                if base + jitter > Duration::from_secs(60) {
                    return Err("latency and jitter together are at most 60s".into());
                }
                Box::new(move |c| {
                    c.latency = base;
                    c.jitter = jitter;
                })
            }
            "drop" => {
                if !classes.contains(&RouteClass::Realtime) {
                    return Err("drop applies to realtime sockets only (realtime.drop=10s)".into());
                }
                let d = parse_duration(value, "s")?;
                if d < Duration::from_millis(100) {
                    return Err("drop is every 100ms or more".into());
                }
                let realtime = &mut self.classes[RouteClass::Realtime.index()];
                realtime.drop_every = Some(d);
                return Ok(());
            }
            other => {
                return Err(format!(
                    "unknown fault `{other}`: use 429, 500, 503, reset, retry-after, latency or drop"
                ));
            }
        };
        for class in classes {
            set(&mut self.classes[class.index()]);
        }
        Ok(())
    }
}

fn class_names(name: &str) -> Result<Vec<RouteClass>, String> {
    if name == "all" {
        return Ok(RouteClass::ALL.to_vec());
    }
    RouteClass::ALL
        .into_iter()
        .find(|c| c.name() == name)
        .map(|c| vec![c])
        .ok_or_else(|| {
            format!(
                "unknown class `{name}`: use identity, chat-writes, chat-reads, realtime, calling or all"
            )
        })
}

fn parse_percent(value: &str) -> Result<f64, String> {
    let number = value
        .strip_suffix('%')
        .ok_or("a share is a percentage, such as 10% or 0.5%")?;
    let p: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{value}` is not a percentage"))?;
    if !(0.0..=100.0).contains(&p) {
        return Err("a share is between 0% and 100%".into());
    }
    Ok(p)
}

/// `250ms`, `2s`, `0.5s`; a bare number is in `bare_unit`.
fn parse_duration(value: &str, bare_unit: &str) -> Result<Duration, String> {
    let value = value.trim();
    let (number, unit) = if let Some(n) = value.strip_suffix("ms") {
        (n, "ms")
    } else if let Some(n) = value.strip_suffix('s') {
        (n, "s")
    } else {
        (value, bare_unit)
    };
    let n: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{value}` is not a duration such as 200ms or 2s"))?;
    if !n.is_finite() || !(0.0..=86_400_000.0).contains(&n) {
        return Err(format!("`{value}` is not a duration such as 200ms or 2s"));
    }
    // Whole milliseconds, so that the spec reads back as given.
    let ms = match unit {
        "ms" => n,
        _ => n * 1000.0,
    };
    Ok(Duration::from_millis(ms.round() as u64))
}

fn percent(share: f64) -> String {
    format!("{share}")
}

fn millis(d: Duration) -> String {
    format!("{}ms", d.as_millis())
}

fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        millis(d)
    }
}

/// The items of one class, without its prefix.
fn items(c: &ClassFaults) -> Vec<String> {
    let mut out = Vec::new();
    for (name, share) in [
        ("429", c.throttled),
        ("500", c.internal_error),
        ("503", c.unavailable),
        ("reset", c.reset),
    ] {
        if share > 0.0 {
            out.push(format!("{name}={}%", percent(share)));
        }
    }
    if let Some(d) = c.retry_after {
        out.push(format!("retry-after={}", seconds(d)));
    }
    if !c.latency.is_zero() || !c.jitter.is_zero() {
        if c.jitter.is_zero() {
            out.push(format!("latency={}", millis(c.latency)));
        } else {
            out.push(format!(
                "latency={}~{}",
                millis(c.latency),
                millis(c.jitter)
            ));
        }
    }
    if let Some(d) = c.drop_every {
        out.push(format!("drop={}", seconds(d)));
    }
    out
}

/// The canonical form, which parses back to the same spec: items every class shares come first
/// without a prefix, then each class's own.
impl fmt::Display for FaultSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_off() {
            return match self.seed {
                Some(seed) => write!(f, "off,seed={seed}"),
                None => f.write_str("off"),
            };
        }
        let per_class: Vec<Vec<String>> = self.classes.iter().map(items).collect();
        let shared: Vec<String> = per_class[0]
            .iter()
            .filter(|item| per_class.iter().all(|c| c.contains(item)))
            .cloned()
            .collect();
        let mut out = shared.clone();
        for (class, own) in RouteClass::ALL.iter().zip(&per_class) {
            out.extend(
                own.iter()
                    .filter(|item| !shared.contains(item))
                    .map(|item| format!("{}.{item}", class.name())),
            );
        }
        if let Some(seed) = self.seed {
            out.push(format!("seed={seed}"));
        }
        f.write_str(&out.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_soak_spec_parses_and_reads_back_the_same() {
        let spec =
            FaultSpec::parse("503=10%, 429=5%, latency=200ms~100ms, realtime.drop=10s, seed=7")
                .expect("valid");
        let writes = spec.class(RouteClass::ChatWrites);
        assert_eq!(writes.unavailable, 10.0);
        assert_eq!(writes.throttled, 5.0);
        assert_eq!(writes.latency, Duration::from_millis(200));
        assert_eq!(writes.jitter, Duration::from_millis(100));
        assert_eq!(writes.drop_every, None);
        assert_eq!(spec.drop_every(), Some(Duration::from_secs(10)));
        assert_eq!(spec.seed, Some(7));
        let written = spec.to_string();
        assert_eq!(
            written,
            "429=5%,503=10%,latency=200ms~100ms,realtime.drop=10s,seed=7"
        );
        assert_eq!(FaultSpec::parse(&written), Ok(spec));
    }

    #[test]
    fn a_class_prefix_limits_a_fault_to_its_requests() {
        let spec = FaultSpec::parse("chat-writes.reset=2.5%,identity.500=1%").expect("valid");
        assert_eq!(spec.class(RouteClass::ChatWrites).reset, 2.5);
        assert!(spec.class(RouteClass::ChatReads).is_quiet());
        assert_eq!(spec.to_string(), "identity.500=1%,chat-writes.reset=2.5%");
        assert!(FaultSpec::parse("off").expect("valid").is_off());
        assert!(FaultSpec::parse("retry-after=5s").expect("valid").is_off());
        let seeded = FaultSpec::parse("off,seed=9").expect("what is written back parses");
        assert!(seeded.is_off());
        assert_eq!(seeded.to_string(), "off,seed=9");
        for exact in [
            "503=0.0001%",
            "latency=1ms~0ms",
            "realtime.drop=1500ms",
            "429=33.3%",
        ] {
            let spec = FaultSpec::parse(exact).expect("valid");
            assert_eq!(FaultSpec::parse(&spec.to_string()), Ok(spec), "{exact}");
        }
        assert!(FaultSpec::parse("").expect("valid").is_off());
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        for (spec, says) in [
            ("503=10", "percentage"),
            ("503=120%", "between 0% and 100%"),
            ("chat.503=1%", "unknown class `chat`"),
            ("404=1%", "unknown fault `404`"),
            ("chat-reads.drop=5s", "realtime sockets only"),
            ("503=60%,500=50%", "more than 100%"),
            ("latency=fast", "not a duration"),
            ("seed=-1", "whole number"),
            ("503", "NAME=VALUE"),
            ("retry-after=0s", "between 1s"),
        ] {
            let error = FaultSpec::parse(spec).expect_err(spec);
            assert!(error.contains(says), "{spec}: {error}");
        }
    }

    #[test]
    fn requests_fall_in_the_classes_their_routes_belong_to() {
        use axum::http::Method;
        let of = RouteClass::of;
        assert_eq!(of(&Method::POST, "/identities"), Some(RouteClass::Identity));
        assert_eq!(
            of(&Method::POST, "/teamsUser/:exchangeAccessToken"),
            Some(RouteClass::Identity)
        );
        assert_eq!(
            of(&Method::POST, "/chat/threads/x/messages"),
            Some(RouteClass::ChatWrites)
        );
        assert_eq!(
            of(&Method::GET, "/chat/threads/x/messages"),
            Some(RouteClass::ChatReads)
        );
        assert_eq!(
            of(&Method::GET, "/emulator/realtime"),
            Some(RouteClass::Realtime)
        );
        assert_eq!(
            of(&Method::POST, "/calling/callConnections"),
            Some(RouteClass::Calling)
        );
        assert_eq!(of(&Method::GET, "/emulator/health"), None);
        assert_eq!(of(&Method::PUT, "/emulator/faults"), None);
        assert_eq!(of(&Method::GET, "/chatty"), None);
    }
}
