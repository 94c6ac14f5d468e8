//! `acs-interop call <participant>`: places a call from an ACS identity through Call Automation, prints
//! each verified callback event as it arrives (one JSON object per line with `--json`), and exits when the
//! call ends: 0 when it connected and ended normally, 1 when it failed or was refused (the rule printed),
//! 2 on bad input.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;
use tokio::sync::mpsc;

use crate::acs::call_events::{CallEventType, CloudEvent};
use crate::acs::connection_string::ConnectionString;
use crate::acs::identifier::CommunicationIdentifier;
use crate::client::callbacks::{CallbackVerifier, SERVICE_CALLBACK_AUTHORITY, listen};
use crate::client::{
    CallAutomationClient, IdentityClient, TeamsAdminClient, TokenSource, build_http_client,
};
use crate::model::call::CallConnectionId;
use crate::text::sanitize_line;

/// What `acs-interop call` was asked to do.
#[derive(Debug, Clone)]
pub struct CallOptions {
    pub connection: ConnectionString,
    pub ca_cert: Option<PathBuf>,
    /// A raw id, an Entra object id, or (on the emulator) a UPN.
    pub participant: String,
    /// Call from this existing identity instead of a new one.
    pub source: Option<String>,
    pub display_name: String,
    pub json: bool,
    pub hang_up_after: Option<Duration>,
    pub callback_url: Option<String>,
    pub callback_listen: Option<SocketAddr>,
}

/// Why the command stopped early, with its exit code.
/// The texts may hold what the service said: they are sanitised when shown.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("{}", sanitize_line(.0))]
    BadInput(String),
    #[error("{}", sanitize_line(.0))]
    Failed(String),
}

impl CallError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CallError::BadInput(_) => 2,
            CallError::Failed(_) => 1,
        }
    }
}

fn is_emulator(connection: &ConnectionString) -> bool {
    !connection.host().ends_with(".communication.azure.com")
}

/// A participant as a raw id: raw ids and object ids as they are, UPNs looked up in the emulator.
async fn resolve(admin: Option<&TeamsAdminClient>, participant: &str) -> Result<String, CallError> {
    let word = participant.trim();
    if word.is_empty() {
        return Err(CallError::BadInput(
            "the participant to call is empty".into(),
        ));
    }
    if word.contains(':') {
        return Ok(CommunicationIdentifier::from_raw_id(word)
            .raw_id()
            .to_string());
    }
    if word.contains('@') {
        let Some(admin) = admin else {
            return Err(CallError::BadInput(format!(
                "'{word}' is a UPN: only the acs-interop emulator looks users up by UPN; give 8:orgid:<object id>"
            )));
        };
        let user = admin
            .user(word)
            .await
            .map_err(|e| CallError::BadInput(format!("cannot look up {word}: {e}")))?;
        return user["rawId"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| CallError::BadInput(format!("the emulator has no raw id for {word}")));
    }
    let parts: Vec<&str> = word.split('-').collect();
    if parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12]) {
        return Ok(format!("8:orgid:{word}"));
    }
    Err(CallError::BadInput(format!(
        "'{word}' is not a participant: give a raw id (8:orgid:…, 28:orgid:…, 8:acs:…), an Entra object id, or a UPN on the emulator"
    )))
}

/// One event as printed: a line for people, or a JSON object.
fn render(event: &CloudEvent, as_json: bool) -> String {
    let name = event
        .event_type
        .strip_prefix("Microsoft.Communication.")
        .unwrap_or(&event.event_type);
    let r = &event.data.result_information;
    if as_json {
        let value = json!({
            "time": event.time,
            "type": name,
            "callConnectionId": event.data.call_connection_id,
            "resultInformation": {"code": r.code, "subCode": r.sub_code, "message": r.message},
            "data": event.data,
        });
        return value.to_string();
    }
    let mut line = format!("{}  {name}", event.time);
    if r.code != 0 {
        line.push_str(&format!("  {}/{}", r.code, r.sub_code));
    }
    if let Some(seq) = event.data.sequence_number {
        line.push_str(&format!("  #{seq}"));
    }
    if let Some(participants) = &event.data.participants {
        let ids: Vec<String> = participants
            .iter()
            .filter_map(|p| {
                let raw = p.identifier.resolve().ok()?.raw_id().to_string();
                let flags: Vec<&str> = [(p.is_muted, "muted"), (p.is_on_hold, "on hold")]
                    .into_iter()
                    .filter_map(|(on, flag)| on.then_some(flag))
                    .collect();
                Some(if flags.is_empty() {
                    raw
                } else {
                    format!("{raw} ({})", flags.join(", "))
                })
            })
            .collect();
        line.push_str(&format!("  [{}]", ids.join(", ")));
    }
    if let (Some(kind), Some(state)) = (&event.data.recording_kind, &event.data.state) {
        line.push_str(&format!("  {kind:?} recording {state:?}").to_lowercase());
    }
    if !r.text().is_empty() {
        line.push_str(&format!("  {}", r.text()));
    }
    sanitize_line(&line).into_owned()
}

/// On the emulator: the doctor's fixes for a refused Teams user.
async fn fixes_for(admin: Option<&TeamsAdminClient>, target: &str) -> Vec<String> {
    let (Some(admin), CommunicationIdentifier::MicrosoftTeamsUser { user_id, .. }) =
        (admin, CommunicationIdentifier::from_raw_id(target))
    else {
        return Vec::new();
    };
    let Ok(report) = admin.interop(&user_id).await else {
        return Vec::new();
    };
    report["fixes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| {
            f["powershell"]
                .as_str()
                .map(|p| sanitize_line(p).into_owned())
        })
        .collect()
}

/// Runs the call; returns the exit code (0 connected and ended normally, 1 failed or refused).
pub async fn run(options: CallOptions) -> Result<u8, CallError> {
    crate::install_crypto_provider();
    let bad = |e: crate::client::ClientError| CallError::BadInput(e.to_string());
    let failed = |e: crate::client::ClientError| CallError::Failed(e.to_string());
    let http = build_http_client(options.ca_cert.as_deref()).map_err(bad)?;
    let identity = IdentityClient::new(http.clone(), &options.connection).map_err(bad)?;
    let emulator = is_emulator(&options.connection);
    let admin = emulator.then(|| TeamsAdminClient::new(identity.clone()));
    let target = resolve(admin.as_ref(), &options.participant).await?;
    let source = match &options.source {
        Some(id) => id.clone(),
        None => identity.create_user().await.map_err(failed)?,
    };
    let tokens = TokenSource::issue(identity.clone(), source.clone(), &["voip"])
        .await
        .map_err(failed)?;
    let audience = tokens.resource_id().await.map_err(failed)?;
    let authority = if emulator {
        options.connection.endpoint.clone()
    } else {
        SERVICE_CALLBACK_AUTHORITY.to_string()
    };
    let (listen_on, public) = match (&options.callback_url, options.callback_listen) {
        (Some(url), Some(addr)) => (addr, Some(url.as_str())),
        (Some(_), None) => {
            return Err(CallError::BadInput(
                "--callback-url needs --callback-listen ADDR (the address the tunnel forwards to)"
                    .into(),
            ));
        }
        (None, addr) if emulator => (addr.unwrap_or(([127, 0, 0, 1], 0).into()), None),
        (None, _) => {
            return Err(CallError::BadInput(
                "the real service posts call events to a public HTTPS URL: give --callback-url https://<tunnel>/ and --callback-listen ADDR".into(),
            ));
        }
    };
    let verifier = CallbackVerifier::new(http.clone(), &authority, &audience);
    let (tx, mut events) = mpsc::channel(64);
    let listener = listen(listen_on, public, verifier, tx).await.map_err(bad)?;
    let client = CallAutomationClient::new(identity.signed().clone());
    let callee = CommunicationIdentifier::from_raw_id(&target);
    let created = client
        .create_call(
            &source,
            Some(&options.display_name),
            &callee,
            &listener.url,
            Some("acs-interop-call"),
        )
        .await
        .map_err(failed)?;
    let Some(call_id) = created.call_connection_id.map(CallConnectionId::new) else {
        return Err(CallError::Failed(
            "the service answered without a call connection id".into(),
        ));
    };
    if !options.json {
        crate::outln!("calling {target} from {source} (call {call_id}); Ctrl-C hangs up",);
    }
    follow(
        &client,
        &call_id,
        &mut events,
        &options,
        admin.as_ref(),
        &target,
    )
    .await
}

/// How long a call that has not connected may stay without any event before the command gives up
/// (the service rings for about two minutes at most).
const SILENCE_BEFORE_CONNECTED: Duration = Duration::from_secs(180);
/// How long to wait for CallDisconnected after hanging up.
const AFTER_HANG_UP: Duration = Duration::from_secs(15);

/// Prints the call's events until it ends; hangs up when asked (timer or Ctrl-C); a second Ctrl-C
/// gives up at once.
async fn follow(
    client: &CallAutomationClient,
    call_id: &CallConnectionId,
    events: &mut mpsc::Receiver<crate::client::callbacks::VerifiedEvent>,
    options: &CallOptions,
    admin: Option<&TeamsAdminClient>,
    target: &str,
) -> Result<u8, CallError> {
    let now = tokio::time::Instant::now;
    let mut connected = false;
    let mut hang_up_at: Option<tokio::time::Instant> = None;
    let mut hung_up_at: Option<tokio::time::Instant> = None;
    let mut last_event = now();
    let hang_up = |why: &str| {
        if !options.json {
            crate::outln!("{why}: hanging up");
        }
        client.hang_up(call_id)
    };
    loop {
        let give_up_at = match (hung_up_at, connected) {
            (Some(at), _) => Some(at + AFTER_HANG_UP),
            (None, false) => Some(last_event + SILENCE_BEFORE_CONNECTED),
            (None, true) => None,
        };
        let wake = [hang_up_at, give_up_at].into_iter().flatten().min();
        let event = tokio::select! {
            event = events.recv() => event,
            _ = async {
                match wake {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending::<()>().await,
                }
            } => {
                if hang_up_at.is_some_and(|at| at <= now()) {
                    hang_up_at = None;
                    hung_up_at = Some(now());
                    hang_up("--hangup-after elapsed").await.map_err(|e| CallError::Failed(e.to_string()))?;
                    continue;
                }
                return Err(CallError::Failed(if hung_up_at.is_some() {
                    "hung up, but CallDisconnected did not arrive".into()
                } else {
                    "no call event arrived for 3 minutes: the service cannot reach the callback URL, or its events fail verification (see the warnings above)".into()
                }));
            }
            _ = tokio::signal::ctrl_c() => {
                if hung_up_at.is_some() {
                    return Err(CallError::Failed("interrupted".into()));
                }
                hung_up_at = Some(now());
                hang_up("Ctrl-C").await.map_err(|e| CallError::Failed(e.to_string()))?;
                continue;
            }
        };
        let Some(verified) = event else {
            return Err(CallError::Failed("the callback listener stopped".into()));
        };
        let event = verified.event;
        if event.data.call_connection_id != call_id.as_str() {
            continue;
        }
        last_event = now();
        crate::outln!("{}", render(&event, options.json));
        match event.kind() {
            Some(CallEventType::CallConnected) => {
                connected = true;
                if let Some(after) = options.hang_up_after {
                    hang_up_at = Some(now() + after);
                }
            }
            Some(CallEventType::CreateCallFailed) => {
                if !options.json {
                    for fix in fixes_for(admin, target).await {
                        crate::outln!("fix: {fix}");
                    }
                }
                return Ok(1);
            }
            Some(CallEventType::CallDisconnected) => {
                let normal = connected && event.data.result_information.code < 400;
                return Ok(if normal { 0 } else { 1 });
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn participants_are_raw_ids_object_ids_or_upns() {
        assert_eq!(resolve(None, "8:orgid:abc").await.unwrap(), "8:orgid:abc");
        assert_eq!(
            resolve(None, "5c1c3a3e-8a9b-4f4e-9d1e-1a2b3c4d5e01")
                .await
                .unwrap(),
            "8:orgid:5c1c3a3e-8a9b-4f4e-9d1e-1a2b3c4d5e01"
        );
        assert!(matches!(
            resolve(None, "megan@contoso.example").await,
            Err(CallError::BadInput(_))
        ));
        let e = resolve(None, "megan").await.unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("not a participant"));
    }
}
