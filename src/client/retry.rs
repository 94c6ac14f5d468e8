//! Retries: exponential backoff with full jitter, `Retry-After` honoured over the computed delay.
//!
//! What is retried depends on whether repeating the request is safe:
//! - every request: 429 and 503, which say the service did not act on it;
//! - [`Idempotency::Idempotent`] requests (GET, PUT, PATCH, DELETE, and the few POSTs that are safe to
//!   repeat) also on 500, 502, 504 and network errors, after which the service may or may not have acted.
//!
//! A POST that creates something (a message, a user, a thread without a repeatability id) is therefore
//! never repeated after a network error, so it cannot be duplicated behind the caller's back.

use std::future::Future;
use std::time::{Duration, Instant, SystemTime};

use reqwest::Method;
use reqwest::header::HeaderMap;

use super::{ClientError, Result, http};
use crate::inspect::Tap;

/// The longest `Retry-After` slept through inside one call; a longer wait is handed back to the caller
/// as the error, whose [`ClientError::retry_after`] says when to try again.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// How many times to try, and how long to wait between tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included; 0 counts as 1.
    pub max_attempts: u32,
    /// The delay cap before the first retry; it doubles for each further retry.
    pub base_delay: Duration,
    /// The largest computed delay (a `Retry-After` may ask for more).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
        }
    }
}

/// Whether a request may be repeated after an answer that leaves its effect unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Repeating it has the same effect as doing it once.
    Idempotent,
    /// Repeating it may do it twice (send a message, create a user).
    NotIdempotent,
}

impl Idempotency {
    /// POST is not idempotent; GET, PUT, PATCH and DELETE are.
    pub fn of(method: &Method) -> Self {
        if *method == Method::POST {
            Idempotency::NotIdempotent
        } else {
            Idempotency::Idempotent
        }
    }

    /// Whether a request of this kind that failed with `error` may be sent again.
    pub fn allows_retry(self, error: &ClientError) -> bool {
        let idempotent = self == Idempotency::Idempotent;
        match error {
            ClientError::Service { status, .. } => match status {
                429 | 503 => true,
                500 | 502 | 504 => idempotent,
                _ => false,
            },
            ClientError::Network(_) => idempotent,
            ClientError::Decode(_) | ClientError::Config(_) => false,
        }
    }
}

impl RetryPolicy {
    /// One try, no retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait before retry number `retry` (0 for the first retry).
    ///
    /// A `retry_after` from the service wins. Otherwise the delay is `jitter` (a fraction in `0..=1`)
    /// of `min(max_delay, base_delay * 2^retry)`: "full jitter", which spreads clients that failed
    /// together so they do not come back together.
    pub fn delay_for(&self, retry: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
        if let Some(wait) = retry_after {
            return wait;
        }
        let factor = 1u32.checked_shl(retry).unwrap_or(u32::MAX);
        let ceiling = self.base_delay.saturating_mul(factor).min(self.max_delay);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            1.0
        };
        ceiling.mul_f64(jitter)
    }
}

/// A uniformly random fraction in `0..1` for [`RetryPolicy::delay_for`].
pub fn random_jitter() -> f64 {
    match getrandom::u64() {
        // 53 random bits make every f64 in 0..1 with this spacing equally likely.
        Ok(bits) => (bits >> 11) as f64 / (1u64 << 53) as f64,
        Err(_) => 0.5,
    }
}

/// Parses a `Retry-After` value: whole or fractional seconds, or an HTTP date (a date in the past
/// means now). `None` when it is neither.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The wait a response asks for: `retry-after-ms` and `x-ms-retry-after-ms` (as the Azure SDKs read
/// them) before `Retry-After`.
pub fn retry_after_from_headers(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(ms) = headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            return Some(Duration::from_millis(ms));
        }
    }
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, now))
}

/// Sends the request that `build` makes until it succeeds (2xx) or `policy` gives up, recording
/// each try on `tap`.
///
/// `build` runs before every try, so each one carries a fresh token or signature. Every try of one
/// call carries the same `x-ms-client-request-id`, which the service's logs can be searched by.
pub(crate) async fn send_with_retry<F, Fut>(
    policy: &RetryPolicy,
    idempotency: Idempotency,
    tap: &Tap,
    mut build: F,
) -> Result<reqwest::Response>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<reqwest::RequestBuilder>>,
{
    let attempts = policy.max_attempts.max(1);
    let client_request_id = crate::ids::uuid_v4();
    let mut retry = 0u32;
    loop {
        let (client, request) = build()
            .await?
            .header(CLIENT_REQUEST_ID, client_request_id.as_str())
            .build_split();
        let request = request.map_err(http::network_error)?;
        // The path only: a query can carry a token.
        let path = request.url().path().to_string();
        let record = tap
            .is_on()
            .then(|| super::tap::request_entry(&request, retry + 1));
        let started = Instant::now();
        let outcome = client.execute(request).await;
        let outcome = match record {
            Some(entry) => super::tap::finish(tap, entry, started, outcome).await,
            None => outcome.map_err(http::network_error),
        };
        let error = match outcome {
            Ok(response) if response.status().is_success() => return Ok(response),
            Ok(response) => http::error_from_response(response).await,
            Err(e) => e,
        };
        if retry + 1 >= attempts || !idempotency.allows_retry(&error) {
            return Err(error);
        }
        if error
            .retry_after()
            .is_some_and(|wait| wait > MAX_RETRY_AFTER)
        {
            return Err(error);
        }
        let delay = policy.delay_for(retry, error.retry_after(), random_jitter());
        if error.status() == Some(429) {
            tracing::info!(
                path = %path,
                request_id = %error.request_id().unwrap_or("-"),
                retry,
                retry_in_ms = delay.as_millis() as u64,
                "throttled by the service; retrying after the wait"
            );
        } else {
            tracing::debug!(%error, retry, ?delay, "retrying a request");
        }
        tokio::time::sleep(delay).await;
        retry += 1;
    }
}

/// The header that names a request from this side.
const CLIENT_REQUEST_ID: &str = "x-ms-client-request-id";

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
        }
    }

    #[test]
    fn delays_double_up_to_the_cap_scaled_by_jitter() {
        let p = policy();
        let ms = |retry, jitter| p.delay_for(retry, None, jitter).as_millis();
        assert_eq!(ms(0, 1.0), 100);
        assert_eq!(ms(1, 1.0), 200);
        assert_eq!(ms(2, 1.0), 400);
        assert_eq!(ms(3, 1.0), 800);
        assert_eq!(ms(4, 1.0), 1000);
        assert_eq!(ms(40, 1.0), 1000, "no overflow on a large retry count");
        assert_eq!(ms(2, 0.5), 200);
        assert_eq!(ms(2, 0.0), 0);
        assert_eq!(ms(2, 7.0), 400, "jitter is clamped to 0..=1");
        assert_eq!(ms(2, f64::NAN), 400);
    }

    #[test]
    fn retry_after_wins_over_the_computed_delay() {
        let p = policy();
        assert_eq!(
            p.delay_for(0, Some(Duration::from_secs(8)), 0.1),
            Duration::from_secs(8),
            "longer than max_delay and not jittered"
        );
        assert_eq!(p.delay_for(3, Some(Duration::ZERO), 1.0), Duration::ZERO);
    }

    #[test]
    fn random_jitter_is_a_fraction() {
        for _ in 0..100 {
            let j = random_jitter();
            assert!((0.0..1.0).contains(&j), "{j}");
        }
    }

    #[test]
    fn parses_retry_after_seconds_and_dates() {
        let now = httpdate::parse_http_date("Sat, 28 Nov 2026 05:00:00 GMT").unwrap();
        assert_eq!(parse_retry_after("8", now), Some(Duration::from_secs(8)));
        assert_eq!(
            parse_retry_after(" 1.5 ", now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after("Sat, 28 Nov 2026 05:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Sat, 28 Nov 2026 04:59:00 GMT", now),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn millisecond_headers_come_before_retry_after() {
        let now = SystemTime::now();
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(
            retry_after_from_headers(&headers, now),
            Some(Duration::from_secs(3))
        );
        headers.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(
            retry_after_from_headers(&headers, now),
            Some(Duration::from_millis(250))
        );
        assert_eq!(retry_after_from_headers(&HeaderMap::new(), now), None);
    }

    #[test]
    fn posts_are_repeated_only_when_the_service_did_not_act() {
        let post = Idempotency::of(&Method::POST);
        let get = Idempotency::of(&Method::GET);
        assert_eq!(Idempotency::of(&Method::PATCH), Idempotency::Idempotent);
        assert_eq!(Idempotency::of(&Method::DELETE), Idempotency::Idempotent);
        let status = |s| ClientError::service(s, "X", "");
        for s in [429, 503] {
            assert!(post.allows_retry(&status(s)) && get.allows_retry(&status(s)));
        }
        for s in [500, 502, 504] {
            assert!(!post.allows_retry(&status(s)) && get.allows_retry(&status(s)));
        }
        let network = ClientError::Network("connection reset".into());
        assert!(!post.allows_retry(&network) && get.allows_retry(&network));
        for s in [400, 401, 403, 404, 409] {
            assert!(!get.allows_retry(&status(s)));
        }
        assert!(!get.allows_retry(&ClientError::Decode("x".into())));
    }
}
