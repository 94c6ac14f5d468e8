//! The emulator's Teams admin API (`/emulator/teams/...`), signed with the connection string's key like
//! the identity API. Answers are kept as JSON: they use the Teams PowerShell property names.

use reqwest::Method;
use serde_json::{Value, json};

use super::identity::IdentityClient;
use super::retry::Idempotency;
use super::{ClientError, Result};

/// Talks to the simulated Teams tenant of an acs-interop emulator.
#[derive(Clone, Debug)]
pub struct TeamsAdminClient {
    identity: IdentityClient,
}

fn segment(text: &str) -> String {
    super::http::encode_segment(text)
}

impl TeamsAdminClient {
    pub fn new(identity: IdentityClient) -> TeamsAdminClient {
        TeamsAdminClient { identity }
    }

    async fn json(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value> {
        let idempotency = if method == Method::GET {
            Idempotency::Idempotent
        } else {
            Idempotency::NotIdempotent
        };
        let response = self.identity.call(method, path, body, idempotency).await?;
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ClientError::Network(format!("reading the answer: {e}").into()))?;
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| ClientError::Decode(format!("the admin API's answer: {e}")))
    }

    /// The emulator's fault injection: the faults in force, their seed and what was injected.
    pub async fn faults(&self) -> Result<Value> {
        self.json(Method::GET, "emulator/faults", None).await
    }

    /// Puts the faults of `spec` in force (see `acs-interop faults --help`).
    pub async fn set_faults(&self, spec: &str) -> Result<Value> {
        self.json(
            Method::PUT,
            "emulator/faults",
            Some(&json!({ "spec": spec })),
        )
        .await
    }

    /// No more faults.
    pub async fn clear_faults(&self) -> Result<Value> {
        self.json(Method::DELETE, "emulator/faults", None).await
    }

    /// The emulator's immutable resource id (the one a tenant must allow).
    pub async fn resource_id(&self) -> Result<String> {
        let health = self.json(Method::GET, "emulator/health", None).await?;
        health["resourceId"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| {
                ClientError::Decode("the emulator's health answer has no resourceId".into())
            })
    }

    /// `Get-CsTeamsAcsFederationConfiguration`.
    pub async fn federation(&self) -> Result<Value> {
        self.json(Method::GET, "emulator/teams/federationConfiguration", None)
            .await
    }

    /// `Set-CsTeamsAcsFederationConfiguration`: `enable` and/or an allowlist change.
    pub async fn set_federation(
        &self,
        enable: Option<bool>,
        add: &[String],
        remove: &[String],
    ) -> Result<Value> {
        let mut body = json!({});
        if let Some(on) = enable {
            body["EnableAcsUsers"] = json!(on);
        }
        if !add.is_empty() || !remove.is_empty() {
            body["AllowedAcsResources"] = json!({"Add": add, "Remove": remove});
        }
        self.json(
            Method::PATCH,
            "emulator/teams/federationConfiguration",
            Some(&body),
        )
        .await
    }

    /// `Get-CsExternalAccessPolicy`.
    pub async fn policies(&self) -> Result<Value> {
        self.json(Method::GET, "emulator/teams/policies", None)
            .await
    }

    /// `New-CsExternalAccessPolicy`.
    pub async fn new_policy(&self, identity: &str, acs_access: bool) -> Result<Value> {
        let body = json!({"Identity": identity, "EnableAcsFederationAccess": acs_access});
        self.json(Method::POST, "emulator/teams/policies", Some(&body))
            .await
    }

    /// `Set-CsExternalAccessPolicy`.
    pub async fn set_policy(&self, identity: &str, acs_access: bool) -> Result<Value> {
        let body = json!({"EnableAcsFederationAccess": acs_access});
        self.json(
            Method::PATCH,
            &format!("emulator/teams/policies/{}", segment(identity)),
            Some(&body),
        )
        .await
    }

    /// `Get-CsOnlineUser` for everyone.
    pub async fn users(&self) -> Result<Value> {
        self.json(Method::GET, "emulator/teams/users", None).await
    }

    /// `Get-CsOnlineUser -Identity <object id or UPN>`.
    pub async fn user(&self, who: &str) -> Result<Value> {
        self.json(
            Method::GET,
            &format!("emulator/teams/users/{}", segment(who)),
            None,
        )
        .await
    }

    /// `Grant-CsExternalAccessPolicy`; `None` grants Global.
    pub async fn grant(&self, who: &str, policy: Option<&str>) -> Result<Value> {
        let body = json!({"PolicyName": policy});
        self.json(
            Method::POST,
            &format!("emulator/teams/users/{}/policy", segment(who)),
            Some(&body),
        )
        .await
    }

    /// What the interop rules say about this user and the emulator's resource.
    pub async fn interop(&self, who: &str) -> Result<Value> {
        self.json(
            Method::GET,
            &format!("emulator/teams/users/{}/interop", segment(who)),
            None,
        )
        .await
    }

    /// Sends as a Teams user; `attachments` are `(kind, name)` with kind `image` or `file`.
    pub async fn say(
        &self,
        who: &str,
        thread_id: &str,
        content: &str,
        html: bool,
        attachments: &[(String, String)],
    ) -> Result<String> {
        let attachments: Vec<Value> = attachments
            .iter()
            .map(|(k, n)| json!({"kind": k, "name": n}))
            .collect();
        let body = json!({
            "threadId": thread_id,
            "content": content,
            "type": if html { "html" } else { "text" },
            "attachments": attachments,
        });
        let answer = self
            .json(
                Method::POST,
                &format!("emulator/teams/users/{}/messages", segment(who)),
                Some(&body),
            )
            .await?;
        Ok(answer["id"].as_str().unwrap_or_default().to_string())
    }

    /// Typing as a Teams user (blank display name, as Teams often sends).
    pub async fn typing(&self, who: &str, thread_id: &str) -> Result<()> {
        let body = json!({"threadId": thread_id});
        self.json(
            Method::POST,
            &format!("emulator/teams/users/{}/typing", segment(who)),
            Some(&body),
        )
        .await
        .map(|_| ())
    }

    /// Tries to edit as a Teams user (the emulator refuses, as the service does).
    pub async fn edit(
        &self,
        who: &str,
        thread_id: &str,
        message_id: &str,
        content: &str,
    ) -> Result<()> {
        let body = json!({"threadId": thread_id, "content": content});
        let path = format!(
            "emulator/teams/users/{}/messages/{}",
            segment(who),
            segment(message_id)
        );
        self.json(Method::PATCH, &path, Some(&body))
            .await
            .map(|_| ())
    }

    pub async fn leave(&self, who: &str, thread_id: &str) -> Result<()> {
        let body = json!({"threadId": thread_id});
        self.json(
            Method::POST,
            &format!("emulator/teams/users/{}/leave", segment(who)),
            Some(&body),
        )
        .await
        .map(|_| ())
    }

    /// The live calls, with their parties, recording and transcription.
    pub async fn calls(&self) -> Result<Value> {
        self.json(Method::GET, "emulator/teams/calls", None).await
    }

    /// Acts as the Teams user in their live call: `recording` / `transcription` (`{"active": bool}`),
    /// `hold` (`{"onHold": bool}`), `hangup`, `transfer` / `forward` (`{"target": rawId}`).
    pub async fn call_action(&self, who: &str, action: &str, body: &Value) -> Result<Value> {
        self.json(
            Method::POST,
            &format!(
                "emulator/teams/users/{}/call/{}",
                segment(who),
                segment(action)
            ),
            Some(body),
        )
        .await
    }

    /// The Teams user tries to call `target` (refused for ACS users, with the rule).
    pub async fn start_call(&self, who: &str, target: &str) -> Result<Value> {
        let body = json!({"target": target});
        self.json(
            Method::POST,
            &format!("emulator/teams/users/{}/calls", segment(who)),
            Some(&body),
        )
        .await
    }
}
