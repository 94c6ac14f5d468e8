//! The embedded ACS emulator: identity and chat over HTTP(S), as the official SDKs expect them.

mod attachments;
mod auth;
mod calling;
mod chat;
mod error;
mod error_shape;
mod extract;
pub mod faults;
mod fields;
mod identity;
mod paging;
mod realtime;
mod request_limits;
mod request_log;
pub mod server;
mod store;
pub mod tenant;
mod throttle;
pub mod tls;

pub use calling::CallingSettings;
pub use error::ApiError;
pub use request_limits::{MAX_BODY_BYTES, MAX_HEADER_BYTES, MAX_HEADER_FIELDS, MAX_URI_BYTES};

use axum::Router;
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::from_fn_with_state;
use axum::routing::{delete, get, patch, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::acs::connection_string::ConnectionString;
use crate::ids;
use calling::delivery::{self, Deliveries};
use calling::signing::CallbackKeys;
use realtime::Hub;
pub use store::Durability;
use store::{PendingCallback, Publisher, Store};
use throttle::Throttle;

/// Where the emulator keeps its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Storage {
    /// Nothing survives the process.
    InMemory,
    /// A SQLite database (and the TLS certificates) in this folder.
    Directory(PathBuf),
}

/// How to run the emulator.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    pub listen: SocketAddr,
    pub tls: bool,
    pub storage: Storage,
    /// Apply the service's documented per-thread rate limits (429 with `Retry-After`).
    pub throttle: bool,
    /// Refuse `api-version` dates this build does not know, instead of serving them.
    pub strict_api_version: bool,
    /// The simulated Teams tenant: the stored one (the demo at first), or a seed file's.
    pub tenant: tenant::TenantSource,
    /// How long calls ring, and who signs their callbacks.
    pub calling: calling::CallingSettings,
    /// When an acknowledged write is on the disk (for `Storage::Directory`).
    pub durability: Durability,
    /// How many connections are served at once and how long a request's headers may take.
    pub connections: server::ConnectionLimits,
    /// Faults injected on purpose (`--faults`); changed live through `/emulator/faults`.
    pub faults: faults::FaultSpec,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 7880)),
            tls: false,
            storage: Storage::InMemory,
            throttle: false,
            strict_api_version: false,
            tenant: tenant::TenantSource::StoredOrDemo,
            calling: calling::CallingSettings::default(),
            durability: Durability::Full,
            connections: server::ConnectionLimits::default(),
            faults: faults::FaultSpec::off(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("cannot prepare the emulator's state: {}", .0.message())]
    State(ApiError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot create the data folder {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "another emulator{pid} uses the data folder {path}; stop it, or give this one another --data-dir"
    )]
    DataDirInUse { path: PathBuf, pid: String },
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
}

/// Holds the data folder for this emulator alone: two on one database would fight over it (and a
/// write through one would never reach the other's sockets). The OS frees the lock when the
/// process ends, however it ends.
fn lock_data_dir(dir: &std::path::Path) -> Result<std::fs::File, EmulatorError> {
    use std::io::{Read, Seek, Write};
    let path = dir.join("emulator.lock");
    let failed = |source| EmulatorError::DataDir {
        path: path.clone(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(failed)?;
    match file.try_lock() {
        Ok(()) => {
            // Who holds it, for the message the next one gets.
            file.set_len(0).map_err(failed)?;
            file.rewind().map_err(failed)?;
            write!(file, "{}", std::process::id()).map_err(failed)?;
            Ok(file)
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            Err(EmulatorError::DataDirInUse {
                path: dir.to_path_buf(),
                pid: if holder.chars().all(|c| c.is_ascii_digit()) && !holder.is_empty() {
                    format!(" (process {holder})")
                } else {
                    String::new()
                },
            })
        }
        Err(std::fs::TryLockError::Error(e)) => Err(failed(e)),
    }
}

/// The emulator's secrets; never printed by `Debug`.
pub(crate) struct Keys {
    pub access_key: Vec<u8>,
    pub signing_key: Vec<u8>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(<redacted>)")
    }
}

/// Shared by every request handler.
#[derive(Clone)]
pub(crate) struct EmulatorState {
    pub store: Store,
    pub keys: Arc<Keys>,
    pub resource_id: Arc<str>,
    pub hub: Arc<Hub>,
    pub throttle: Option<Arc<Throttle>>,
    pub strict_api_version: bool,
    pub scheme: &'static str,
    /// `scheme://host:port/`, for links the emulator makes outside a request (attachments of personas).
    pub base_url: Arc<str>,
    pub shutdown: watch::Receiver<bool>,
    pub tenant: tenant::Tenant,
    pub personas: tenant::personas::Personas,
    pub calling: calling::CallingSettings,
    pub callback_keys: CallbackKeys,
    pub faults: Arc<faults::Faults>,
}

/// Where committed news goes: realtime frames to the hub, callbacks to their delivery queues.
struct Publishers {
    hub: Arc<Hub>,
    deliveries: Deliveries,
}

impl Publisher for Publishers {
    fn publish_frames(&self, user: &str, frames: Vec<(u64, Arc<str>)>) {
        self.hub.publish(user, frames);
    }

    fn publish_callback(&self, callback: PendingCallback) {
        self.deliveries.send(callback);
    }
}

/// A running emulator. Dropping it without [`Emulator::shutdown`] leaves the server running until the
/// runtime stops.
pub struct Emulator {
    addr: SocketAddr,
    scheme: &'static str,
    connection_string: ConnectionString,
    resource_id: String,
    ca_certificate: Option<PathBuf>,
    temp_dir: Option<PathBuf>,
    stop: watch::Sender<bool>,
    server: JoinHandle<()>,
    pruner: JoinHandle<()>,
    persona_task: JoinHandle<()>,
    delivery_task: JoinHandle<()>,
    store: Store,
    faults: Arc<faults::Faults>,
    /// The data folder's lock, held while the emulator lives.
    _data_lock: Option<std::fs::File>,
}

const DATABASE_FILE: &str = "emulator.sqlite3";
/// Realtime events are kept this long for reconnecting clients.
const EVENT_RETENTION_MS: i64 = 24 * 60 * 60 * 1000;

impl Emulator {
    /// Opens the state, binds the address and starts serving.
    pub async fn start(config: EmulatorConfig) -> Result<Emulator, EmulatorError> {
        crate::install_crypto_provider();
        server::catch_file_size_signal();
        let hub = Arc::new(Hub::default());
        let mut data_lock = None;
        let (db_path, cert_dir, temp_dir) = match &config.storage {
            Storage::Directory(dir) => {
                std::fs::create_dir_all(dir).map_err(|source| EmulatorError::DataDir {
                    path: dir.clone(),
                    source,
                })?;
                data_lock = Some(lock_data_dir(dir)?);
                (Some(dir.join(DATABASE_FILE)), Some(dir.clone()), None)
            }
            Storage::InMemory if config.tls => {
                let dir = std::env::temp_dir().join(format!(
                    "acs-interop-emulator-{}-{}",
                    std::process::id(),
                    ids::uuid_v4()
                ));
                (None, Some(dir.clone()), Some(dir))
            }
            Storage::InMemory => (None, None, None),
        };
        let (deliveries, delivery_queue) = Deliveries::channel();
        let publishers = Arc::new(Publishers {
            hub: hub.clone(),
            deliveries,
        });
        let store = Store::open(db_path.as_deref(), publishers, config.durability)?;
        let (resource_id, keys) = store
            .run(|db| {
                let resource_id = db.meta_or_insert("resource_id", ids::uuid_v4)?;
                let access =
                    db.meta_or_insert("access_key", || B64.encode(ids::random_bytes::<64>()))?;
                let signing =
                    db.meta_or_insert("signing_key", || B64.encode(ids::random_bytes::<32>()))?;
                let decode = |v: &str| {
                    B64.decode(v)
                        .map_err(|_| ApiError::internal("a stored key is not valid base64"))
                };
                Ok((
                    resource_id,
                    Keys {
                        access_key: decode(&access)?,
                        signing_key: decode(&signing)?,
                    },
                ))
            })
            .await
            .map_err(EmulatorError::State)?;

        let tcp = TcpListener::bind(config.listen)
            .await
            .map_err(|source| EmulatorError::Bind {
                addr: config.listen,
                source,
            })?;
        let addr = tcp.local_addr().map_err(|source| EmulatorError::Bind {
            addr: config.listen,
            source,
        })?;
        let scheme = if config.tls { "https" } else { "http" };
        let (stop, shutdown) = watch::channel(false);
        let access_key = keys.access_key.clone();
        let tenant = tenant::Tenant::load(store.clone(), &resource_id, config.tenant.clone())
            .await
            .map_err(EmulatorError::State)?;
        let (personas, triggers) = tenant::personas::Personas::channel();
        let host = if addr.ip().is_unspecified() {
            format!("localhost:{}", addr.port())
        } else {
            addr.to_string()
        };
        let state = EmulatorState {
            store: store.clone(),
            keys: Arc::new(keys),
            resource_id: Arc::from(resource_id.as_str()),
            hub,
            throttle: config.throttle.then(|| Arc::new(Throttle::default())),
            strict_api_version: config.strict_api_version,
            scheme,
            base_url: Arc::from(format!("{scheme}://{host}/").as_str()),
            shutdown: shutdown.clone(),
            tenant,
            personas,
            calling: config.calling.clone(),
            callback_keys: CallbackKeys::default(),
            faults: Arc::new(faults::Faults::new(config.faults.clone())),
        };
        if !config.faults.is_off() {
            let (spec, seed) = state.faults.current();
            faults::admin::announce(&spec, seed);
        }
        tokio::spawn(state.faults.clone().run_drops(shutdown.clone()));
        let persona_task = tokio::spawn(tenant::personas::run(state.clone(), triggers));
        let callback_http = crate::client::build_http_client(None).map_err(|e| {
            EmulatorError::State(ApiError::internal(format!(
                "cannot make the callback client: {e}"
            )))
        })?;
        let delivery_task = tokio::spawn(delivery::run(
            delivery_queue,
            delivery::Sender {
                http: callback_http,
                keys: state.callback_keys.clone(),
                store: store.clone(),
                issuer: state.calling.issuer.clone(),
                audience: state.resource_id.clone(),
            },
        ));
        match calling::end_interrupted_calls(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                calls = n,
                "ended the calls that were live before the restart"
            ),
            Err(e) => tracing::warn!(error = %e, "cannot end the calls interrupted by the restart"),
        }
        let fault_state = state.faults.clone();
        let app = router(state);
        let mut ca_certificate = None;
        let server = if config.tls {
            let dir = cert_dir.unwrap_or_else(std::env::temp_dir);
            let files = tls::ensure_certificates(&dir)?;
            let acceptor = tls::acceptor(&files)?;
            ca_certificate = Some(files.ca.clone());
            let listener = tls::TlsListener::new(tcp, acceptor)
                .map_err(|source| EmulatorError::Bind { addr, source })?;
            tokio::spawn(server::serve(listener, app, config.connections, shutdown))
        } else {
            tokio::spawn(server::serve(
                server::TcpNoDelay(tcp),
                app,
                config.connections,
                shutdown,
            ))
        };
        let pruner = {
            let store = store.clone();
            tokio::spawn(async move {
                let mut every = tokio::time::interval(Duration::from_secs(600));
                loop {
                    every.tick().await;
                    let before = crate::acs::time::now_ms() - EVENT_RETENTION_MS;
                    if let Err(e) = store.run(move |db| db.prune_events(before)).await {
                        tracing::warn!(error = %e, "pruning realtime events failed");
                    }
                }
            })
        };
        let connection_string = ConnectionString::new(&format!("{scheme}://{host}/"), access_key);
        tracing::info!(endpoint = %connection_string.endpoint, %resource_id, "emulator listening");
        Ok(Emulator {
            addr,
            scheme,
            connection_string,
            resource_id,
            ca_certificate,
            temp_dir,
            stop,
            server,
            pruner,
            persona_task,
            delivery_task,
            store,
            faults: fault_state,
            _data_lock: data_lock,
        })
    }

    /// The faults in force and the seed of their choices.
    pub fn faults(&self) -> (faults::FaultSpec, u64) {
        self.faults.current()
    }

    /// The endpoint, such as `https://127.0.0.1:7880/`.
    pub fn endpoint(&self) -> &str {
        &self.connection_string.endpoint
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn scheme(&self) -> &'static str {
        self.scheme
    }

    /// A connection string for this emulator (it holds the access key).
    pub fn connection_string(&self) -> &ConnectionString {
        &self.connection_string
    }

    /// The immutable resource id: the one a Teams tenant must allow.
    pub fn resource_id(&self) -> &str {
        &self.resource_id
    }

    /// The CA certificate that clients must trust, with TLS.
    pub fn ca_certificate(&self) -> Option<&Path> {
        self.ca_certificate.as_deref()
    }

    /// Stops accepting, closes connections and the store.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let mut server = self.server;
        if tokio::time::timeout(Duration::from_secs(5), &mut server)
            .await
            .is_err()
        {
            server.abort();
        }
        self.pruner.abort();
        self.persona_task.abort();
        self.delivery_task.abort();
        self.store.close();
        if let Some(dir) = self.temp_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn router(state: EmulatorState) -> Router {
    let identity = Router::new()
        .route("/identities", post(identity::create))
        .route("/identities/{id}", delete(identity::delete))
        .route("/identities/{id}/{action}", post(identity::action))
        .route("/teamsUser/{action}", post(identity::teams_exchange))
        .route_layer(from_fn_with_state(state.clone(), auth::require_hmac))
        .route_layer(from_fn_with_state(
            state.clone(),
            extract::identity_api_version,
        ));
    let chat =
        chat::routes().route_layer(from_fn_with_state(state.clone(), extract::chat_api_version));
    let calls = calling::routes(&state);
    let teams = Router::new()
        .route(
            "/emulator/teams/federationConfiguration",
            get(tenant::admin::get_federation).patch(tenant::admin::set_federation),
        )
        .route(
            "/emulator/teams/policies",
            get(tenant::admin::list_policies).post(tenant::admin::new_policy),
        )
        .route(
            "/emulator/teams/policies/{identity}",
            patch(tenant::admin::set_policy),
        )
        .route("/emulator/teams/users", get(tenant::admin::list_users))
        .route("/emulator/teams/users/{who}", get(tenant::admin::get_user))
        .route(
            "/emulator/teams/users/{who}/policy",
            post(tenant::admin::grant_policy),
        )
        .route(
            "/emulator/teams/users/{who}/interop",
            get(tenant::admin::user_interop),
        )
        .route(
            "/emulator/teams/users/{who}/messages",
            post(tenant::admin::send_as_teams_user),
        )
        .route(
            "/emulator/teams/users/{who}/messages/{message_id}",
            patch(tenant::admin::edit_as_teams_user).delete(tenant::admin::delete_as_teams_user),
        )
        .route(
            "/emulator/teams/users/{who}/typing",
            post(tenant::admin::type_as_teams_user),
        )
        .route(
            "/emulator/teams/users/{who}/leave",
            post(tenant::admin::leave_as_teams_user),
        )
        .route(
            "/emulator/teams/users/{who}/threads",
            post(tenant::admin::start_thread_as_teams_user),
        )
        .route(
            "/emulator/teams/users/{who}/readReceipts",
            post(tenant::admin::receipt_as_teams_user),
        )
        .route("/emulator/teams/calls", get(calling::admin::list_calls))
        .route(
            "/emulator/teams/users/{who}/call/{action}",
            post(calling::admin::call_action),
        )
        .route(
            "/emulator/teams/users/{who}/calls",
            post(calling::admin::start_call),
        )
        .route_layer(from_fn_with_state(state.clone(), auth::require_hmac));
    let fault_admin = Router::new()
        .route(
            "/emulator/faults",
            get(faults::admin::get)
                .put(faults::admin::put)
                .delete(faults::admin::delete),
        )
        .route_layer(from_fn_with_state(state.clone(), auth::require_hmac));
    let emulator = Router::new()
        .route("/emulator/attachments/{id}", get(attachments::get))
        .route("/emulator/realtime", get(realtime::connect))
        .route("/emulator/realtime/position", get(realtime::position))
        .route("/emulator/health", get(health));
    Router::new()
        .merge(identity)
        .merge(chat)
        .merge(calls)
        .merge(teams)
        .merge(fault_admin)
        .merge(emulator)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(state.clone(), faults::inject))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(request_limits::limit_request))
        .layer(axum::middleware::from_fn(error_shape::acs_errors))
        .layer(from_fn_with_state(state.clone(), request_log::log_and_tag))
        .with_state(state)
}

/// `GET /emulator/health`: 200 while writes are kept; 503 with the reason once they cannot be.
async fn health(
    axum::extract::State(state): axum::extract::State<EmulatorState>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let problem = state.store.problem();
    let status = match problem {
        None => axum::http::StatusCode::OK,
        Some(_) => axum::http::StatusCode::SERVICE_UNAVAILABLE,
    };
    let mut body = serde_json::json!({
        "status": if problem.is_some() { "failing" } else { "ok" },
        "resourceId": &*state.resource_id,
        "durability": state.store.durability.name(),
        "commits": state.store.commits(),
    });
    if let Some(problem) = problem {
        body["problem"] = problem.into();
    }
    (status, axum::Json(body)).into_response()
}

async fn not_found(request: Request) -> ApiError {
    ApiError::not_found(format!(
        "There is no operation at {} {}.",
        request.method(),
        request.uri().path()
    ))
}

async fn method_not_allowed(method: Method, request: Request) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        format!("{method} is not allowed on {}.", request.uri().path()),
    )
}
