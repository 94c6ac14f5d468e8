//! `/emulator/teams/...`: the admin API (HMAC, like the identity API). It mirrors the Teams PowerShell
//! cmdlets, in their property names, and lets a test or a demo act as a Teams user.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::seed::{Policy, Seed, User};
use super::{federation_of, verdict_for};
use crate::acs::chat::{ChatAttachment, ChatAttachmentType, ChatMessageContent, ChatMessageType};
use crate::acs::time::now_ms;
use crate::emulator::EmulatorState;
use crate::emulator::error::ApiError;
use crate::emulator::extract::AcsJson;
use crate::emulator::store::NewMessage;

/// The seed's rules, named in refusals.
pub const RULE_ACS_STARTS: &str = "Teams users cannot start a chat with ACS users: ACS users can only initiate chats (seed: chat limitations).";
pub const RULE_NO_EDIT: &str = "Teams users cannot edit messages in chats with ACS users (seed: known issue, editing of messages by the Teams user isn't supported).";
pub const RULE_NO_RECEIPTS: &str = "Teams users send no read receipts to ACS users (seed: known issue, read receipts aren't supported for Teams users).";

fn not_found(who: &str) -> ApiError {
    ApiError::not_found(format!(
        "The tenant has no user '{who}' (give an Entra object id or a UPN)."
    ))
}

/// `Get-CsOnlineUser | ConvertTo-Json`, plus the raw id ACS uses.
pub fn user_json(user: &User) -> Value {
    json!({
        "Identity": user.object_id,
        "ExternalDirectoryObjectId": user.object_id,
        "UserPrincipalName": user.upn,
        "DisplayName": user.display_name,
        "ExternalAccessPolicy": user.policy,
        "TeamsUpgradeEffectiveMode": user.mode,
        "rawId": raw_id(user),
    })
}

pub fn raw_id(user: &User) -> String {
    match user.cloud.as_str() {
        "dod" => format!("8:dod:{}", user.object_id),
        "gcch" => format!("8:gcch:{}", user.object_id),
        _ => format!("8:orgid:{}", user.object_id),
    }
}

fn federation_json(seed: &Seed) -> Value {
    let f = federation_of(seed);
    json!({"Identity": "Global", "EnableAcsUsers": f.enable_acs_users, "AllowedAcsResources": f.allowed_acs_resources})
}

fn policy_json(p: &Policy) -> Value {
    json!({"Identity": p.identity, "EnableAcsFederationAccess": p.enable_acs_federation_access})
}

pub async fn get_federation(State(state): State<EmulatorState>) -> Json<Value> {
    Json(federation_json(&state.tenant.snapshot()))
}

/// `AllowedAcsResources` replaced by a list, or changed with `{"Add": [...], "Remove": [...]}`.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum AllowList {
    Replace(Vec<String>),
    Change {
        #[serde(rename = "Add", default)]
        add: Vec<String>,
        #[serde(rename = "Remove", default)]
        remove: Vec<String>,
    },
}

#[derive(Deserialize)]
pub struct SetFederation {
    #[serde(rename = "EnableAcsUsers")]
    enable_acs_users: Option<bool>,
    #[serde(rename = "AllowedAcsResources")]
    allowed_acs_resources: Option<AllowList>,
}

/// `Set-CsTeamsAcsFederationConfiguration`.
pub async fn set_federation(
    State(state): State<EmulatorState>,
    AcsJson(body): AcsJson<SetFederation>,
) -> Result<Json<Value>, ApiError> {
    let seed = state
        .tenant
        .change(|seed| {
            if let Some(on) = body.enable_acs_users {
                seed.federation.enable_acs_users = on;
            }
            match body.allowed_acs_resources {
                Some(AllowList::Replace(list)) => seed.federation.allowed_acs_resources = list,
                Some(AllowList::Change { add, remove }) => {
                    let list = &mut seed.federation.allowed_acs_resources;
                    list.retain(|r| !remove.iter().any(|x| x.eq_ignore_ascii_case(r)));
                    for r in add {
                        if !list.iter().any(|x| x.eq_ignore_ascii_case(&r)) {
                            list.push(r);
                        }
                    }
                }
                None => {}
            }
            Ok(seed.clone())
        })
        .await?;
    Ok(Json(federation_json(&seed)))
}

pub async fn list_policies(State(state): State<EmulatorState>) -> Json<Value> {
    Json(Value::Array(
        state
            .tenant
            .snapshot()
            .policies
            .iter()
            .map(policy_json)
            .collect(),
    ))
}

#[derive(Deserialize)]
pub struct NewPolicy {
    #[serde(rename = "Identity")]
    identity: String,
    #[serde(rename = "EnableAcsFederationAccess", default)]
    enable_acs_federation_access: bool,
}

fn tagged(identity: &str) -> String {
    if identity.eq_ignore_ascii_case("Global") || identity.starts_with("Tag:") {
        identity.to_string()
    } else {
        format!("Tag:{identity}")
    }
}

/// The longest policy name accepted. Teams documents none; names are short words in practice, and
/// an unbounded one would be stored and printed by every command that lists policies.
pub const MAX_POLICY_NAME_CHARS: usize = 256;

/// A new policy's name: not empty, not longer than [`MAX_POLICY_NAME_CHARS`], no control characters.
fn check_policy_name(identity: &str) -> Result<(), ApiError> {
    let name = identity.strip_prefix("Tag:").unwrap_or(identity);
    let refuse = |why: String| {
        Err(ApiError::new(StatusCode::BAD_REQUEST, "InvalidParameter", why).with_target("Identity"))
    };
    if name.trim().is_empty() {
        return refuse("The policy needs a name: Identity is empty.".into());
    }
    if name.chars().count() > MAX_POLICY_NAME_CHARS {
        return refuse(format!(
            "The policy name is longer than {MAX_POLICY_NAME_CHARS} characters."
        ));
    }
    if name.chars().any(char::is_control) {
        return refuse("The policy name holds control characters.".into());
    }
    Ok(())
}

/// `New-CsExternalAccessPolicy`.
pub async fn new_policy(
    State(state): State<EmulatorState>,
    AcsJson(body): AcsJson<NewPolicy>,
) -> Result<Response, ApiError> {
    check_policy_name(&body.identity)?;
    let identity = tagged(&body.identity);
    let policy = state
        .tenant
        .change(|seed| {
            if seed.policy(&identity).is_some() {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "PolicyExists",
                    format!("The policy {identity} exists; change it with Set-CsExternalAccessPolicy (PATCH)."),
                ));
            }
            let policy = Policy { identity: identity.clone(), enable_acs_federation_access: body.enable_acs_federation_access };
            seed.policies.push(policy.clone());
            Ok(policy)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(policy_json(&policy))).into_response())
}

#[derive(Deserialize)]
pub struct SetPolicy {
    #[serde(rename = "EnableAcsFederationAccess")]
    enable_acs_federation_access: bool,
}

/// `Set-CsExternalAccessPolicy -Identity <policy>`.
pub async fn set_policy(
    State(state): State<EmulatorState>,
    Path(identity): Path<String>,
    AcsJson(body): AcsJson<SetPolicy>,
) -> Result<Json<Value>, ApiError> {
    let policy = state
        .tenant
        .change(|seed| {
            let policy = seed.policy_mut(&identity).ok_or_else(|| {
                ApiError::not_found(format!(
                    "There is no policy {identity}; create it with New-CsExternalAccessPolicy."
                ))
            })?;
            policy.enable_acs_federation_access = body.enable_acs_federation_access;
            Ok(policy.clone())
        })
        .await?;
    Ok(Json(policy_json(&policy)))
}

pub async fn list_users(State(state): State<EmulatorState>) -> Json<Value> {
    Json(Value::Array(
        state
            .tenant
            .snapshot()
            .users
            .iter()
            .map(user_json)
            .collect(),
    ))
}

pub async fn get_user(
    State(state): State<EmulatorState>,
    Path(who): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let seed = state.tenant.snapshot();
    let user = seed.user(&who).ok_or_else(|| not_found(&who))?;
    Ok(Json(user_json(user)))
}

#[derive(Deserialize)]
pub struct Grant {
    #[serde(rename = "PolicyName", default)]
    policy_name: Option<String>,
}

/// `Grant-CsExternalAccessPolicy -Identity <user> -PolicyName <policy>` (`null` for Global).
pub async fn grant_policy(
    State(state): State<EmulatorState>,
    Path(who): Path<String>,
    AcsJson(body): AcsJson<Grant>,
) -> Result<Json<Value>, ApiError> {
    let user = state
        .tenant
        .change(|seed| {
            let policy = body
                .policy_name
                .filter(|p| !p.is_empty() && !p.eq_ignore_ascii_case("Global"));
            if let Some(p) = &policy
                && seed.policy(p).is_none()
            {
                return Err(ApiError::not_found(format!(
                    "There is no policy {p}; create it with New-CsExternalAccessPolicy."
                )));
            }
            let user = seed.user_mut(&who).ok_or_else(|| not_found(&who))?;
            user.policy = policy.map(|p| tagged(&p));
            Ok(user.clone())
        })
        .await?;
    Ok(Json(user_json(&user)))
}

/// The interop verdict for a user: what the doctor would say about this emulator's resource.
pub async fn user_interop(
    State(state): State<EmulatorState>,
    Path(who): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let seed = state.tenant.snapshot();
    let user = seed.user(&who).ok_or_else(|| not_found(&who))?;
    let verdict = verdict_for(&seed, user, &state.resource_id);
    let report: Value = serde_json::from_str(&crate::interop::doctor::report(
        &verdict,
        &super::teams_user_of(user),
        &state.resource_id,
        true,
    ))
    .unwrap_or(Value::Null);
    Ok(Json(report))
}

/// The user, who must be allowed to talk to this resource's ACS users.
fn acting_user(state: &EmulatorState, who: &str) -> Result<User, ApiError> {
    let seed = state.tenant.snapshot();
    let user = seed.user(who).ok_or_else(|| not_found(who))?.clone();
    let verdict = verdict_for(&seed, &user, &state.resource_id);
    if !verdict.chat_enabled {
        let why: Vec<String> = verdict.reasons.iter().map(|r| r.to_string()).collect();
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "InteropDisabled",
            format!(
                "Interop with ACS users is off for {}: {}",
                user.upn,
                why.join("; ")
            ),
        ));
    }
    Ok(user)
}

#[derive(Deserialize)]
pub struct AttachmentRequest {
    kind: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamsMessage {
    thread_id: String,
    content: String,
    #[serde(default, rename = "type")]
    message_type: Option<String>,
    #[serde(default)]
    attachments: Vec<AttachmentRequest>,
}

/// Sends as a Teams user; `{attachment}` in the content stands for the first attachment's id.
pub async fn send_as_teams_user(
    State(state): State<EmulatorState>,
    Path(who): Path<String>,
    headers: HeaderMap,
    AcsJson(body): AcsJson<TeamsMessage>,
) -> Result<Response, ApiError> {
    let user = acting_user(&state, &who)?;
    let base = crate::emulator::attachments::request_base(&state, &headers);
    let html = match body.message_type.as_deref() {
        None | Some("html") | Some("Html") => true,
        Some("text") | Some("Text") => false,
        Some(other) => {
            return Err(ApiError::invalid_field(
                "type",
                format!("type must be text or html, not '{other}'."),
            ));
        }
    };
    let mut attachments = Vec::new();
    for a in &body.attachments {
        let kind = match a.kind.as_str() {
            "image" => ChatAttachmentType::Image,
            "file" => ChatAttachmentType::File,
            other => {
                return Err(ApiError::invalid_field(
                    "attachments",
                    format!("an attachment kind is image or file, not '{other}'."),
                ));
            }
        };
        attachments.push((kind, a.name.clone()));
    }
    let id = post_as(
        &state,
        &user,
        &body.thread_id,
        &body.content,
        html,
        attachments,
        &base,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))).into_response())
}

/// Appends a message from a Teams user, with attachments served by the emulator. Returns its id.
pub async fn post_as(
    state: &EmulatorState,
    user: &User,
    thread_id: &str,
    content: &str,
    html: bool,
    attachments: Vec<(ChatAttachmentType, String)>,
    base_url: &str,
) -> Result<String, ApiError> {
    let raw = raw_id(user);
    let name = user.display_name.clone();
    let (thread, content, base) = (
        thread_id.to_string(),
        content.to_string(),
        base_url.to_string(),
    );
    let id = state
        .store
        .run(move |db| {
            db.membership(&thread, &raw)?;
            // One time for the message and its attachments: members see both or neither.
            let now = now_ms();
            let mut wire = Vec::new();
            for (kind, file_name) in attachments {
                let id = crate::ids::uuid_v4();
                db.insert_attachment(&id, &thread, &file_name, kind, now)?;
                wire.push(ChatAttachment {
                    id: id.clone(),
                    attachment_type: kind,
                    name: Some(file_name),
                    url: Some(format!("{base}emulator/attachments/{id}")),
                    preview_url: Some(format!("{base}emulator/attachments/{id}?preview=true")),
                });
            }
            let body = match wire.first() {
                Some(a) => content.replace("{attachment}", &a.id),
                None => content,
            };
            let stored = db.append_message(
                &thread,
                NewMessage {
                    message_type: if html {
                        ChatMessageType::Html
                    } else {
                        ChatMessageType::Text
                    },
                    sender: Some(raw),
                    sender_name: Some(name),
                    content: ChatMessageContent {
                        message: Some(body),
                        attachments: (!wire.is_empty()).then_some(wire),
                        ..Default::default()
                    },
                    metadata: None,
                },
                now,
            )?;
            Ok(stored.id.to_string())
        })
        .await?;
    Ok(id)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadRef {
    thread_id: String,
    #[serde(default)]
    display_name: Option<String>,
}

/// Typing as a Teams user; the display name is blank unless given, as Teams' typing events often are.
pub async fn type_as_teams_user(
    State(state): State<EmulatorState>,
    Path(who): Path<String>,
    AcsJson(body): AcsJson<ThreadRef>,
) -> Result<StatusCode, ApiError> {
    crate::emulator::fields::check_display_name("displayName", body.display_name.as_deref())?;
    let user = acting_user(&state, &who)?;
    let raw = raw_id(&user);
    state
        .store
        .run(move |db| {
            db.membership(&body.thread_id, &raw)?;
            db.send_typing(
                &body.thread_id,
                &raw,
                Some(body.display_name.unwrap_or_default()),
                now_ms(),
            )
        })
        .await?;
    Ok(StatusCode::OK)
}

pub async fn edit_as_teams_user() -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "TeamsUsersCannotEdit", RULE_NO_EDIT)
}

pub async fn start_thread_as_teams_user() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "AcsUsersInitiateChats",
        RULE_ACS_STARTS,
    )
}

pub async fn receipt_as_teams_user() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "TeamsUsersSendNoReadReceipts",
        RULE_NO_RECEIPTS,
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadQuery {
    thread_id: String,
}

/// A Teams user deletes one of their own messages.
pub async fn delete_as_teams_user(
    State(state): State<EmulatorState>,
    Path((who, message_id)): Path<(String, String)>,
    Query(query): Query<ThreadQuery>,
) -> Result<StatusCode, ApiError> {
    let user = acting_user(&state, &who)?;
    let raw = raw_id(&user);
    state
        .store
        .run(move |db| {
            db.membership(&query.thread_id, &raw)?;
            let message = db.message(&query.thread_id, &message_id)?;
            if message.sender.as_deref() != Some(raw.as_str()) {
                return Err(ApiError::forbidden(
                    "A Teams user can delete only their own messages.",
                ));
            }
            if message.deleted_ms.is_none() {
                db.delete_message(&query.thread_id, message, now_ms())?;
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A Teams user leaves a thread.
pub async fn leave_as_teams_user(
    State(state): State<EmulatorState>,
    Path(who): Path<String>,
    AcsJson(body): AcsJson<ThreadRef>,
) -> Result<StatusCode, ApiError> {
    let seed = state.tenant.snapshot();
    let user = seed.user(&who).ok_or_else(|| not_found(&who))?;
    let raw = raw_id(user);
    state
        .store
        .run(move |db| {
            db.membership(&body.thread_id, &raw)?;
            db.remove_participant(&body.thread_id, &raw, &raw, now_ms())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
