//! `acs-interop teams ...`: drives the emulator's simulated Teams tenant from the shell, through its admin
//! API: look at users and policies, change them, and act as a Teams user.

use anyhow::Context;
use serde_json::Value;
use std::path::PathBuf;

use crate::acs::connection_string::ConnectionString;
use crate::client::{IdentityClient, TeamsAdminClient, build_http_client};

/// What to do.
#[derive(Debug, Clone)]
pub enum TeamsAction {
    Users,
    User {
        who: String,
    },
    Federation {
        enable: Option<bool>,
        allow: Vec<String>,
        disallow: Vec<String>,
    },
    Policies,
    NewPolicy {
        identity: String,
        acs_access: bool,
    },
    SetPolicy {
        identity: String,
        acs_access: bool,
    },
    Grant {
        who: String,
        policy: Option<String>,
    },
    Say {
        who: String,
        thread_id: String,
        text: String,
        html: bool,
        images: Vec<String>,
        files: Vec<String>,
    },
    Type {
        who: String,
        thread_id: String,
    },
    Edit {
        who: String,
        thread_id: String,
        message_id: String,
        text: String,
    },
    Leave {
        who: String,
        thread_id: String,
    },
    Calls,
    /// Act as a Teams user in their live call (see [`TeamsAdminClient::call_action`]).
    CallAction {
        who: String,
        action: &'static str,
        body: Value,
    },
    StartCall {
        who: String,
        target: String,
    },
}

/// Runs `action` against the emulator of `connection`; prints JSON when asked, else short lines.
pub async fn run(
    connection: &ConnectionString,
    ca_cert: Option<PathBuf>,
    json: bool,
    action: TeamsAction,
) -> anyhow::Result<()> {
    crate::install_crypto_provider();
    let http = build_http_client(ca_cert.as_deref())?;
    let admin = TeamsAdminClient::new(IdentityClient::new(http, connection)?);
    let calls = matches!(action, TeamsAction::Calls);
    let shown: Value = match action {
        TeamsAction::Users => admin.users().await?,
        TeamsAction::User { who } => admin.user(&who).await?,
        TeamsAction::Federation {
            enable,
            allow,
            disallow,
        } => {
            if enable.is_none() && allow.is_empty() && disallow.is_empty() {
                admin.federation().await?
            } else {
                admin.set_federation(enable, &allow, &disallow).await?
            }
        }
        TeamsAction::Policies => admin.policies().await?,
        TeamsAction::NewPolicy {
            identity,
            acs_access,
        } => admin.new_policy(&identity, acs_access).await?,
        TeamsAction::SetPolicy {
            identity,
            acs_access,
        } => admin.set_policy(&identity, acs_access).await?,
        TeamsAction::Grant { who, policy } => admin.grant(&who, policy.as_deref()).await?,
        TeamsAction::Say {
            who,
            thread_id,
            text,
            html,
            images,
            files,
        } => {
            let attachments: Vec<(String, String)> = images
                .into_iter()
                .map(|n| ("image".to_string(), n))
                .chain(files.into_iter().map(|n| ("file".to_string(), n)))
                .collect();
            let id = admin
                .say(&who, &thread_id, &text, html, &attachments)
                .await?;
            serde_json::json!({"id": id})
        }
        TeamsAction::Type { who, thread_id } => {
            admin.typing(&who, &thread_id).await?;
            serde_json::json!({"typing": true})
        }
        TeamsAction::Edit {
            who,
            thread_id,
            message_id,
            text,
        } => {
            admin.edit(&who, &thread_id, &message_id, &text).await?;
            serde_json::json!({"edited": true})
        }
        TeamsAction::Leave { who, thread_id } => {
            admin.leave(&who, &thread_id).await?;
            serde_json::json!({"left": true})
        }
        TeamsAction::Calls => admin.calls().await?,
        TeamsAction::CallAction { who, action, body } => {
            let answer = admin.call_action(&who, action, &body).await?;
            if answer.is_null() {
                serde_json::json!({"done": action})
            } else {
                answer
            }
        }
        TeamsAction::StartCall { who, target } => admin.start_call(&who, &target).await?,
    };
    if json {
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(&shown).context("printing the answer")?
        );
    } else if calls {
        print_calls(&shown);
    } else {
        print_readable(&shown);
    }
    Ok(())
}

/// One line per live call: id, state, who is in it, recording and transcription.
fn print_calls(calls: &Value) {
    let list = calls.as_array().cloned().unwrap_or_default();
    if list.is_empty() {
        crate::outln!("no live calls");
    }
    for call in list {
        let people: Vec<String> = call["participants"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                let name = p["displayName"]
                    .as_str()
                    .or(p["rawId"].as_str())
                    .unwrap_or("?");
                let mut flags = Vec::new();
                if p["isMuted"] == true {
                    flags.push("muted");
                }
                if p["isOnHold"] == true {
                    flags.push("on hold");
                }
                if flags.is_empty() {
                    name.to_string()
                } else {
                    format!("{name} ({})", flags.join(", "))
                }
            })
            .collect();
        let recording = call["recording"]["kind"].as_str().unwrap_or("off");
        let transcription = if call["transcription"] == true {
            "on"
        } else {
            "off"
        };
        let line = format!(
            "{}  {}  {}  recording: {recording}  transcription: {transcription}",
            call["callConnectionId"].as_str().unwrap_or("?"),
            call["state"].as_str().unwrap_or("?"),
            people.join(", ")
        );
        crate::outln!("{}", crate::text::sanitize_line(&line));
    }
}

/// One line per object; nested values as compact JSON.
fn print_readable(value: &Value) {
    match value {
        Value::Array(items) => items.iter().for_each(print_readable),
        Value::Object(map) => {
            let line: Vec<String> = map
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => format!("{k}={}", crate::text::sanitize_line(s)),
                    other => format!("{k}={}", crate::text::sanitize_line(&other.to_string())),
                })
                .collect();
            crate::outln!("{}", line.join("  "));
        }
        Value::Null => {}
        other => crate::outln!("{}", crate::text::sanitize_line(&other.to_string())),
    }
}
