//! Getting and staying connected. At start the session is opened again and again, with backoff, until
//! it opens; the realtime task is started again whenever it gives up. Each failure is said in the
//! error bar with its cause, the attempt and when the next try comes, logged with the same words, and
//! cleared once connected.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::convert::{failure, unreachable};
use super::session::{self, Session, SessionError, Target};
use super::{BackendEvent, Command};
use crate::client::retry::random_jitter;
use crate::client::{ClientError, NetworkCause, RealtimeUpdate, RetryPolicy, TokenSource};
use crate::model::{RealtimeState, SafeText};

/// Waits between tries: 1 s doubling up to 30 s.
pub const BACKOFF: RetryPolicy = RetryPolicy {
    max_attempts: u32::MAX,
    base_delay: Duration::from_secs(1),
    max_delay: Duration::from_secs(30),
};

/// The wait after failed attempt `attempt` (from 1): between half and all of the backoff step, so
/// consoles that lost the same server do not all come back at once, and "next try in" is never 0.
pub fn delay(attempt: u32) -> Duration {
    BACKOFF.delay_for(attempt.saturating_sub(1), None, 0.5 + random_jitter() / 2.0)
}

/// Whole seconds, rounded up: what "next try in" says.
fn seconds(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil() as u64
}

/// Opens the session, trying again after each failure until it opens. Commands that arrive meanwhile
/// are returned with it, to be run once connected; `None` when the console quits first.
pub async fn open_session(
    target: &Target,
    commands: &mut mpsc::Receiver<Command>,
    events: &mpsc::Sender<BackendEvent>,
) -> Option<(Session, Vec<Command>)> {
    let mut early = Vec::new();
    let mut attempt = 0u32;
    loop {
        attempt = attempt.saturating_add(1);
        let opened = {
            let open = session::open(target);
            tokio::pin!(open);
            loop {
                tokio::select! {
                    opened = &mut open => break opened,
                    command = commands.recv() => match command {
                        None | Some(Command::Shutdown) => return None,
                        Some(command) => early.push(command),
                    },
                }
            }
        };
        let e = match opened {
            Ok(session) => {
                if attempt > 1 {
                    tracing::info!(
                        attempt,
                        endpoint = %target.connection.endpoint,
                        "connected to ACS"
                    );
                    events.send(BackendEvent::Recovered).await.ok()?;
                }
                return Some((session, early));
            }
            Err(e) => e,
        };
        let wait = delay(attempt);
        let (what, fix) = explain(target, &e);
        let client = match &e {
            SessionError::Client(client) => Some(client.as_ref()),
            SessionError::State { .. } => None,
        };
        tracing::warn!(
            attempt,
            next_try_s = seconds(wait),
            endpoint = %target.connection.endpoint,
            status = %client.and_then(ClientError::status).map_or("-".to_string(), |s| s.to_string()),
            request_id = %client.and_then(ClientError::request_id).unwrap_or("-"),
            reason = %what,
            error = %e,
            "cannot connect to ACS; trying again"
        );
        events
            .send(BackendEvent::Realtime(RealtimeState::Reconnecting {
                attempt,
            }))
            .await
            .ok()?;
        events
            .send(BackendEvent::Failure {
                what: SafeText::new(&format!(
                    "{what} Attempt {attempt}; next try in {} s.",
                    seconds(wait)
                )),
                fix: SafeText::new(&fix),
            })
            .await
            .ok()?;
        let sleep = tokio::time::sleep(wait);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                _ = &mut sleep => break,
                command = commands.recv() => match command {
                    None | Some(Command::Shutdown) => return None,
                    Some(command) => early.push(command),
                },
            }
        }
    }
}

/// Why the session did not open, as one or two sentences, and what fixes it.
pub fn explain(target: &Target, error: &SessionError) -> (String, String) {
    let endpoint = target.connection.endpoint.trim_end_matches('/');
    let client = match error {
        SessionError::Client(client) => client.as_ref(),
        SessionError::State { .. } => {
            return (
                format!("{error}."),
                "Check that the data folder can be written.".to_string(),
            );
        }
    };
    if let ClientError::Network(network) = client
        && let Some((said, fix)) = unreachable(network)
    {
        let fix = match (&target.ca_cert, network.cause) {
            (Some(ca), NetworkCause::UnknownIssuer) => format!(
                "The --ca-cert file {} is not the CA that signed the server's certificate; pass the \
                 emulator's emulator-ca.pem (the standalone emulator prints it as 'certificate').",
                ca.display()
            ),
            _ => fix.to_string(),
        };
        return (format!("Could not connect to ACS. {said}"), fix);
    }
    match client {
        // Identity calls are signed with the access key: 401 means the key is not this resource's.
        ClientError::Service { status: 401, .. } => (
            format!("{endpoint} refused the access key (401)."),
            "Check the accesskey in the connection string; a standalone emulator prints its own when it starts."
                .to_string(),
        ),
        ClientError::Config(reason) => (
            format!("Could not connect to {endpoint}: {reason}."),
            "Check the connection string and --ca-cert.".to_string(),
        ),
        _ => {
            let (what, fix) = failure(&format!("connect to {endpoint}"), client);
            let mut what = what.to_string();
            if !what.ends_with(['.', '!', '?']) {
                what.push('.');
            }
            (what, fix.to_string())
        }
    }
}

/// What the realtime watcher needs.
pub struct RealtimeFeed {
    pub endpoint: String,
    pub tokens: TokenSource,
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// The newest event already accounted for.
    pub since: u64,
    /// Where frames are recorded.
    pub tap: crate::inspect::Tap,
}

/// Runs the realtime task and keeps it running: it reconnects by itself after a drop, and when it
/// gives up it is started again after a backoff, asking for what was missed. Updates go to `updates`;
/// a drop that outlasts the first reconnection is reported on `events`, and cleared when live again.
pub fn watch_realtime(
    feed: RealtimeFeed,
    updates: mpsc::Sender<RealtimeUpdate>,
    events: mpsc::Sender<BackendEvent>,
    cancel: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let RealtimeFeed {
            endpoint,
            tokens,
            tls,
            mut since,
            tap,
        } = feed;
        let place = endpoint.trim_end_matches('/').to_string();
        let mut reason = String::new();
        let mut reported = false;
        let mut restarts = 0u32;
        loop {
            let (tx, mut rx) = mpsc::channel(1024);
            let task = crate::client::spawn_realtime_with(
                &endpoint,
                tokens.clone(),
                tls.clone(),
                since,
                tx,
                cancel.clone(),
                crate::client::RealtimeOptions {
                    tap: tap.clone(),
                    ..Default::default()
                },
            );
            while let Some(update) = rx.recv().await {
                match &update {
                    RealtimeUpdate::Connected { .. } => {
                        restarts = 0;
                        if reported {
                            reported = false;
                            tracing::info!(endpoint = %place, "realtime connection restored");
                            let _ = events.send(BackendEvent::Recovered).await;
                        }
                    }
                    RealtimeUpdate::Event { seq, .. } => since = *seq,
                    RealtimeUpdate::Disconnected { reason: why } => reason.clone_from(why),
                    RealtimeUpdate::Reconnecting { attempt, delay } => {
                        tracing::warn!(
                            attempt,
                            next_try_s = seconds(*delay),
                            %reason,
                            "realtime reconnecting"
                        );
                        // The first try comes at once and usually works: only a second is news.
                        if *attempt >= 2 {
                            reported = true;
                            let _ = events.send(lost(&place, &reason, *attempt, *delay)).await;
                        }
                    }
                    RealtimeUpdate::ResyncRequired => {}
                }
                if updates.send(update).await.is_err() {
                    return;
                }
            }
            let _ = task.await;
            if *cancel.borrow() || updates.is_closed() {
                return;
            }
            restarts = restarts.saturating_add(1);
            let wait = delay(restarts);
            tracing::warn!(
                attempt = restarts,
                next_try_s = seconds(wait),
                %reason,
                "the realtime connection gave up; starting it again"
            );
            reported = true;
            let _ = events.send(lost(&place, &reason, restarts, wait)).await;
            let reconnecting = RealtimeUpdate::Reconnecting {
                attempt: restarts,
                delay: wait,
            };
            if updates.send(reconnecting).await.is_err() {
                return;
            }
            let mut stop = cancel.clone();
            tokio::select! {
                _ = stop.wait_for(|stop| *stop) => return,
                _ = tokio::time::sleep(wait) => {}
            }
        }
    })
}

fn lost(place: &str, reason: &str, attempt: u32, wait: Duration) -> BackendEvent {
    let why = if reason.is_empty() {
        String::new()
    } else {
        format!(": {reason}")
    };
    BackendEvent::Failure {
        what: SafeText::new(&format!(
            "The live connection to {place} is lost{why}. Attempt {attempt}; next try in {} s.",
            seconds(wait)
        )),
        fix: SafeText::new(
            "acs-interop keeps trying; news that arrives meanwhile is delivered once it reconnects.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_from_one_second_to_half_a_minute_and_are_never_zero() {
        for _ in 0..50 {
            let first = delay(1);
            assert!(
                first >= Duration::from_millis(500) && first <= Duration::from_secs(1),
                "{first:?}"
            );
            let fourth = delay(4);
            assert!(
                fourth >= Duration::from_secs(4) && fourth <= Duration::from_secs(8),
                "{fourth:?}"
            );
            let late = delay(40);
            assert!(
                late >= Duration::from_secs(15) && late <= Duration::from_secs(30),
                "{late:?}"
            );
        }
        assert_eq!(seconds(Duration::from_millis(600)), 1);
    }

    fn target(endpoint: &str) -> Target {
        Target {
            connection: crate::acs::connection_string::ConnectionString::new(
                endpoint,
                b"secret-key".to_vec(),
            ),
            ca_cert: None,
            user_id: None,
            embedded: false,
            state_dir: None,
            display_name: "me".into(),
            tap: Default::default(),
        }
    }

    #[test]
    fn a_refused_connection_names_the_endpoint_and_the_fix() {
        let refused = ClientError::Network(crate::client::NetworkError::new(
            crate::client::NetworkCause::Refused,
            Some("http://127.0.0.1:7880".into()),
            "cannot connect to http://127.0.0.1:7880: Connection refused (os error 111)",
        ));
        let (what, fix) = explain(&target("http://127.0.0.1:7880/"), &refused.into());
        assert_eq!(
            what,
            "Could not connect to ACS. Nothing answers at http://127.0.0.1:7880 (connection refused)."
        );
        assert!(fix.starts_with("Start the emulator"), "{fix}");
    }

    #[test]
    fn a_refused_access_key_is_not_mistaken_for_a_token() {
        let refused = ClientError::Service {
            status: 401,
            error: Box::new(crate::acs::CommunicationError::new(
                "Unauthorized",
                "bad signature",
            )),
            retry_after: None,
            request_id: None,
        };
        let (what, fix) = explain(&target("http://127.0.0.1:7880/"), &refused.into());
        assert_eq!(what, "http://127.0.0.1:7880 refused the access key (401).");
        assert!(fix.contains("accesskey"), "{fix}");
        assert!(!what.contains("secret") && !fix.contains("secret"));
    }
}
