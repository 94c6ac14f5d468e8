//! The emulator's HTTP server: the accept loop and each connection's HTTP/1.1, with two defences so
//! that clients that trickle bytes or sit idle cannot take the emulator off the air:
//! - a cap on open connections below the process's file limit (past it, a new connection is closed
//!   at once, with a warning in the log at most every ten seconds);
//! - a time limit on reading a request's headers, which also runs while a kept-alive connection waits
//!   for its next request.
//!
//! WebSocket upgrades are served on the same connections; an upgraded socket no longer counts against
//! the header limit but still holds its place under the cap.
//!
//! Also here: the plain TCP listener, and catching SIGXFSZ, so that a file-size limit fails a write
//! instead of killing the process.

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

/// How the server guards its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections open at once, at most (lowered to fit the process's file limit).
    pub max_connections: usize,
    /// How long a client has to send a request's headers, and to start its next request.
    pub header_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 4_096,
            header_timeout: Duration::from_secs(10),
        }
    }
}

/// File descriptors kept back from connections: the database, its journal, logs and certificates.
const RESERVED_FILES: usize = 128;
/// The fewest connections served whatever the file limit says.
const MIN_CONNECTIONS: usize = 16;
/// How often a refused connection is logged, at most.
const REFUSAL_LOG_EVERY: Duration = Duration::from_secs(10);
/// How long shutting down waits for requests in progress.
const DRAIN: Duration = Duration::from_secs(5);

impl ConnectionLimits {
    /// The cap that fits under the process's open-file limit.
    fn effective_max(&self) -> usize {
        match open_file_limit() {
            Some(limit) => self
                .max_connections
                .min(limit.saturating_sub(RESERVED_FILES))
                .max(MIN_CONNECTIONS),
            None => self.max_connections,
        }
    }
}

/// The soft limit on open files, from `/proc/self/limits` (Linux); `None` when unknown or unlimited.
fn open_file_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Serves `app` on connections from `listener` until `shutdown` turns true, then lets the requests in
/// progress finish (for a few seconds at most).
pub async fn serve<L>(
    mut listener: L,
    app: Router,
    limits: ConnectionLimits,
    mut shutdown: watch::Receiver<bool>,
) where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    let max = limits.effective_max();
    if max < limits.max_connections {
        tracing::info!(
            connections = max,
            "the open-file limit caps the emulator's connections"
        );
    }
    let open = Arc::new(Semaphore::new(max));
    let (closing_tx, closing) = watch::channel(false);
    let mut last_refusal_logged: Option<Instant> = None;
    loop {
        let (io, peer) = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped(&mut shutdown) => break,
        };
        let Ok(place) = open.clone().try_acquire_owned() else {
            drop(io);
            if last_refusal_logged.is_none_or(|at| at.elapsed() >= REFUSAL_LOG_EVERY) {
                last_refusal_logged = Some(Instant::now());
                tracing::warn!(
                    limit = max,
                    %peer,
                    "too many open connections: new ones are closed until some end"
                );
            }
            continue;
        };
        let service = cut_when_asked(TowerToHyperService::new(app.clone()));
        let mut closing = closing.clone();
        tokio::spawn(async move {
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .max_headers(super::request_limits::HTTP_HEADER_FIELDS);
            let connection = http
                .serve_connection(TokioIo::new(io), service)
                .with_upgrades();
            tokio::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(%peer, error = %e, "connection ended");
                    }
                }
                _ = stopped(&mut closing) => {
                    connection.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(DRAIN, connection).await;
                }
            }
            drop(place);
        });
    }
    let _ = closing_tx.send(true);
    // Every connection gives its place back once its requests are done.
    let _ = tokio::time::timeout(DRAIN, open.acquire_many(max as u32)).await;
}

/// The connection is cut without an answer where fault injection asked for it (an error from the
/// service makes hyper close the connection at once).
fn cut_when_asked<S>(
    app: S,
) -> impl hyper::service::Service<
    axum::http::Request<hyper::body::Incoming>,
    Response = axum::response::Response,
    Error = super::faults::CutConnection,
    Future = impl Future<Output = Result<axum::response::Response, super::faults::CutConnection>> + Send,
> + Clone
where
    S: hyper::service::Service<
            axum::http::Request<hyper::body::Incoming>,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
            Future: Send + 'static,
        > + Clone,
{
    hyper::service::service_fn(move |request| {
        let answered = app.call(request);
        async move {
            let response = match answered.await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            if response
                .extensions()
                .get::<super::faults::CutConnection>()
                .is_some()
            {
                return Err(super::faults::CutConnection);
            }
            Ok(response)
        }
    })
}

/// A write past the file-size limit (`ulimit -f`, RLIMIT_FSIZE) raises SIGXFSZ, which kills the
/// process by default. Caught, the write fails instead (EFBIG) and is answered 503 like a full disk;
/// the log says why.
pub fn catch_file_size_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        const SIGXFSZ: i32 = 25;
        static CAUGHT: std::sync::Once = std::sync::Once::new();
        CAUGHT.call_once(|| match signal(SignalKind::from_raw(SIGXFSZ)) {
            Ok(mut signals) => {
                tokio::spawn(async move {
                    while signals.recv().await.is_some() {
                        tracing::error!(
                            "a file of the emulator reached the file-size limit (ulimit -f): \
                             writes are refused until it is raised"
                        );
                    }
                });
            }
            Err(e) => tracing::warn!(error = %e, "cannot catch SIGXFSZ"),
        });
    }
}

/// A plain TCP listener that turns off Nagle's algorithm for each connection.
pub struct TcpNoDelay(pub TcpListener);

impl axum::serve::Listener for TcpNoDelay {
    type Io = tokio::net::TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = axum::serve::Listener::accept(&mut self.0).await;
        let _ = stream.set_nodelay(true);
        (stream, addr)
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// Resolves once `flag` turns true (or its sender is gone).
async fn stopped(flag: &mut watch::Receiver<bool>) {
    let _ = flag.wait_for(|stop| *stop).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_fits_under_the_open_file_limit() {
        let limits = ConnectionLimits {
            max_connections: usize::MAX / 2,
            ..ConnectionLimits::default()
        };
        match open_file_limit() {
            Some(files) => assert_eq!(
                limits.effective_max(),
                files.saturating_sub(RESERVED_FILES).max(MIN_CONNECTIONS)
            ),
            None => assert_eq!(limits.effective_max(), usize::MAX / 2),
        }
    }
}
