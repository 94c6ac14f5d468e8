//! Connecting: which endpoint, as which identity (created once and remembered per endpoint), with a
//! token that refreshes itself.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::acs::connection_string::ConnectionString;
use crate::client::{ChatClient, ClientError, IdentityClient, TokenSource};

/// Scopes the console's tokens carry.
pub const SCOPES: [&str; 2] = ["chat", "voip"];

/// Where and as whom to connect.
#[derive(Debug, Clone)]
pub struct Target {
    pub connection: ConnectionString,
    pub ca_cert: Option<PathBuf>,
    /// Look at threads as this existing identity instead of the remembered one.
    pub user_id: Option<String>,
    /// The console's own embedded emulator.
    pub embedded: bool,
    /// Where remembered identities are kept; `None` keeps nothing.
    pub state_dir: Option<PathBuf>,
    pub display_name: String,
    /// Where the session's exchanges are recorded (the inspector, HAR).
    pub tap: crate::inspect::Tap,
}

/// A connected session.
#[derive(Clone)]
pub struct Session {
    /// The HTTP client every other client here shares (it trusts `--ca-cert`).
    pub http: reqwest::Client,
    pub chat: ChatClient,
    pub identity: IdentityClient,
    pub me: String,
    pub my_name: String,
    pub endpoint_label: String,
    pub embedded: bool,
    /// The emulator's Teams admin API, when the endpoint is an acs-interop emulator.
    pub teams_admin: Option<crate::client::TeamsAdminClient>,
    /// TLS settings for the realtime socket.
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// Where exchanges are recorded.
    pub tap: crate::inspect::Tap,
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("{0}")]
    Client(Box<ClientError>),
    #[error("cannot keep the identity in {path}: {reason}")]
    State { path: String, reason: String },
}

impl From<ClientError> for SessionError {
    fn from(e: ClientError) -> Self {
        SessionError::Client(Box::new(e))
    }
}

/// Identities remembered per endpoint (`identities.json` in the state folder).
#[derive(Debug, Default, Serialize, Deserialize)]
struct Remembered {
    #[serde(default)]
    identities: BTreeMap<String, String>,
}

const IDENTITIES_FILE: &str = "identities.json";

fn load_remembered(dir: &Path) -> Remembered {
    std::fs::read_to_string(dir.join(IDENTITIES_FILE))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

fn save_remembered(dir: &Path, remembered: &Remembered) -> Result<(), SessionError> {
    let err = |reason: String| SessionError::State {
        path: dir.join(IDENTITIES_FILE).display().to_string(),
        reason,
    };
    std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
    let text = serde_json::to_string_pretty(remembered).map_err(|e| err(e.to_string()))?;
    // Written aside and renamed, so a crash never leaves half a file.
    let tmp = dir.join(format!("{IDENTITIES_FILE}.tmp"));
    std::fs::write(&tmp, text).map_err(|e| err(e.to_string()))?;
    std::fs::rename(&tmp, dir.join(IDENTITIES_FILE)).map_err(|e| err(e.to_string()))
}

/// The key an identity is remembered under.
pub fn endpoint_key(target: &Target, role: &str) -> String {
    if target.embedded {
        format!("embedded:{role}")
    } else {
        format!("{}:{role}", target.connection.endpoint)
    }
}

/// An identity remembered under `role`, or a new one (remembered for next time).
pub async fn remembered_user(
    identity: &IdentityClient,
    target: &Target,
    role: &str,
) -> Result<String, SessionError> {
    let key = endpoint_key(target, role);
    if let Some(dir) = &target.state_dir
        && let Some(id) = load_remembered(dir).identities.get(&key)
    {
        return Ok(id.clone());
    }
    let id = identity.create_user().await?;
    if let Some(dir) = &target.state_dir {
        let mut remembered = load_remembered(dir);
        remembered.identities.insert(key, id.clone());
        save_remembered(dir, &remembered)?;
    }
    Ok(id)
}

/// Whether the endpoint is an acs-interop emulator rather than the real service.
pub fn is_emulator(target: &Target) -> bool {
    target.embedded
        || !target
            .connection
            .host()
            .ends_with(".communication.azure.com")
}

/// Connects as the target's user, creating and remembering an identity the first time.
pub async fn open(target: &Target) -> Result<Session, SessionError> {
    crate::install_crypto_provider();
    let http = crate::client::build_http_client(target.ca_cert.as_deref())?;
    let identity =
        IdentityClient::new(http.clone(), &target.connection)?.with_tap(target.tap.clone());
    let me = match &target.user_id {
        Some(id) => id.clone(),
        None => remembered_user(&identity, target, "me").await?,
    };
    let tokens = match TokenSource::issue(identity.clone(), me.clone(), &SCOPES).await {
        Ok(t) => t,
        // A remembered identity that the service no longer knows (a reset emulator): make a new one.
        Err(ClientError::Service { status: 404, .. }) if target.user_id.is_none() => {
            if let Some(dir) = &target.state_dir {
                let mut remembered = load_remembered(dir);
                remembered.identities.remove(&endpoint_key(target, "me"));
                save_remembered(dir, &remembered)?;
            }
            let fresh = remembered_user(&identity, target, "me").await?;
            TokenSource::issue(identity.clone(), fresh, &SCOPES).await?
        }
        Err(e) => return Err(e.into()),
    };
    let me = tokens.user_id().to_string();
    let chat = ChatClient::new(http.clone(), &target.connection.endpoint, tokens)?
        .with_tap(target.tap.clone());
    let endpoint_label = if target.embedded {
        "emulator".to_string()
    } else {
        target.connection.host().to_string()
    };
    let tls = if target.connection.endpoint.starts_with("https") {
        Some(crate::client::tls_client_config(target.ca_cert.as_deref())?)
    } else {
        None
    };
    let teams_admin =
        is_emulator(target).then(|| crate::client::TeamsAdminClient::new(identity.clone()));
    Ok(Session {
        http,
        chat,
        teams_admin,
        identity,
        me,
        my_name: target.display_name.clone(),
        endpoint_label,
        embedded: target.embedded,
        tls,
        tap: target.tap.clone(),
    })
}
