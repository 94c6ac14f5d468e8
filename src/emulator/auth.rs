//! Authentication as ACS does it: HMAC-SHA256 for the identity API, bearer user tokens for chat, and
//! what each chat scope allows (`chat` everything; `chat.join` not creating, updating or deleting
//! threads; `chat.join.limited` not that, nor adding or removing participants).

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::{Duration, SystemTime};

use super::EmulatorState;
use super::error::ApiError;
use super::store::IdentityState;
use crate::acs::hmac;
use crate::acs::token::{TokenClaims, TokenError};

/// How far a request's `x-ms-date` may be from the emulator's clock.
const MAX_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Middleware: the request must carry a valid HMAC signature made with the emulator's access key.
pub async fn require_hmac(
    State(state): State<EmulatorState>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    // The body limit has read the body already; this only takes it.
    let bytes = match to_bytes(body, super::request_limits::MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => return super::request_limits::too_large().into_response(),
    };
    if let Err(e) = verify_hmac(&state, &parts, &bytes) {
        return e.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn verify_hmac(state: &EmulatorState, parts: &Parts, body: &[u8]) -> Result<(), ApiError> {
    let headers = &parts.headers;
    let authorization = header(headers, "authorization")
        .ok_or_else(|| ApiError::unauthorized("The request has no Authorization header."))?;
    let given = hmac::parse_authorization(authorization).ok_or_else(|| {
        ApiError::unauthorized(
            "The Authorization header must be 'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=...'.",
        )
    })?;
    let date = header(headers, "x-ms-date")
        .or_else(|| header(headers, "date"))
        .ok_or_else(|| ApiError::unauthorized("The request has no x-ms-date header."))?;
    let sent = httpdate::parse_http_date(date).map_err(|_| {
        ApiError::unauthorized(format!(
            "The x-ms-date header '{date}' is not an RFC 1123 date."
        ))
    })?;
    let now = SystemTime::now();
    let skew = now
        .duration_since(sent)
        .or_else(|_| sent.duration_since(now))
        .unwrap_or_default();
    if skew > MAX_CLOCK_SKEW {
        return Err(ApiError::unauthorized(format!(
            "The x-ms-date '{date}' is more than 15 minutes from the emulator's clock."
        )));
    }
    let content_hash = header(headers, "x-ms-content-sha256")
        .ok_or_else(|| ApiError::unauthorized("The request has no x-ms-content-sha256 header."))?;
    if !hmac::signatures_match(content_hash, &hmac::content_hash(body)) {
        return Err(ApiError::unauthorized(
            "The x-ms-content-sha256 header does not match the request body.",
        ));
    }
    let host = header(headers, "host")
        .map(str::to_string)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .ok_or_else(|| ApiError::unauthorized("The request has no Host header."))?;
    let candidates = hmac::path_and_query_candidates(parts.uri.path(), parts.uri.query());
    let mut expected_first = None;
    for path_and_query in &candidates {
        let text = hmac::string_to_sign(
            parts.method.as_str(),
            path_and_query,
            date,
            &host,
            content_hash,
        );
        if hmac::signatures_match(given, &hmac::signature(&state.keys.access_key, &text)) {
            return Ok(());
        }
        expected_first.get_or_insert(text);
    }
    // Like Azurite: the string the emulator signed helps a client author find the difference.
    tracing::debug!(string_to_sign = ?expected_first, "HMAC signature mismatch");
    Err(ApiError::unauthorized(
        "The HMAC signature does not match; check the access key and the string to sign (the emulator logs it at debug level).",
    ))
}

/// What a chat token may do, from the least to the most (ordered, so the widest scope a token holds wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChatAccess {
    /// `chat.join.limited`: read and write messages, but not change threads or who is in them.
    JoinLimited,
    /// `chat.join`: that, and add or remove participants.
    Join,
    /// `chat`: everything, including creating, updating and deleting threads.
    Full,
}

impl ChatAccess {
    /// The widest chat scope among a token's scopes; `None` when it has none.
    fn of<'a>(scopes: impl Iterator<Item = &'a str>) -> Option<ChatAccess> {
        scopes
            .filter_map(|scope| match scope {
                "chat" => Some(ChatAccess::Full),
                "chat.join" => Some(ChatAccess::Join),
                "chat.join.limited" => Some(ChatAccess::JoinLimited),
                _ => None,
            })
            .max()
    }

    /// The scope's name as tokens carry it.
    pub fn scope(self) -> &'static str {
        match self {
            ChatAccess::JoinLimited => "chat.join.limited",
            ChatAccess::Join => "chat.join",
            ChatAccess::Full => "chat",
        }
    }
}

/// A chat operation that not every chat scope allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatOperation {
    CreateThread,
    UpdateThread,
    DeleteThread,
    AddParticipants,
    RemoveParticipant,
}

impl ChatOperation {
    /// The narrowest access that allows it (the identity spec's scope descriptions).
    fn needs(self) -> ChatAccess {
        match self {
            ChatOperation::CreateThread
            | ChatOperation::UpdateThread
            | ChatOperation::DeleteThread => ChatAccess::Full,
            ChatOperation::AddParticipants | ChatOperation::RemoveParticipant => ChatAccess::Join,
        }
    }

    fn doing(self) -> &'static str {
        match self {
            ChatOperation::CreateThread => "creating chat threads",
            ChatOperation::UpdateThread => "updating chat threads",
            ChatOperation::DeleteThread => "deleting chat threads",
            ChatOperation::AddParticipants => "adding participants",
            ChatOperation::RemoveParticipant => "removing participants",
        }
    }
}

/// The caller of a chat route: who, and what their token's scope allows.
#[derive(Debug, Clone)]
pub struct ChatCaller {
    pub user: String,
    pub access: ChatAccess,
}

impl ChatCaller {
    /// 403 unless the token's scope allows `operation`; the message names the scope it needs.
    pub fn require(&self, operation: ChatOperation) -> Result<(), ApiError> {
        let needs = operation.needs();
        if self.access >= needs {
            return Ok(());
        }
        Err(ApiError::forbidden(format!(
            "The access token's scope '{}' does not allow {}; that needs the '{}' scope.",
            self.access.scope(),
            operation.doing(),
            needs.scope()
        )))
    }
}

/// The user a bearer token speaks for, after every check the service makes.
pub async fn bearer_user(
    state: &EmulatorState,
    headers: &HeaderMap,
    query_token: Option<&str>,
) -> Result<String, ApiError> {
    bearer_caller(state, headers, query_token)
        .await
        .map(|caller| caller.user)
}

/// The caller a bearer token speaks for, with its chat access, after every check the service makes.
pub async fn bearer_caller(
    state: &EmulatorState,
    headers: &HeaderMap,
    query_token: Option<&str>,
) -> Result<ChatCaller, ApiError> {
    let token = match header(headers, "authorization") {
        // The scheme name is case-insensitive (RFC 9110 §11.1).
        Some(value) => value
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token)
            .ok_or_else(|| {
                ApiError::unauthorized("The Authorization header must be 'Bearer <token>'.")
            })?
            .trim()
            .to_string(),
        None => query_token
            .map(str::to_string)
            .ok_or_else(|| ApiError::unauthorized("The request has no Authorization header."))?,
    };
    let now_s = crate::acs::time::now_ms() / 1000;
    let claims =
        TokenClaims::decode(&token, &state.keys.signing_key, now_s).map_err(|e| match e {
            TokenError::Expired => ApiError::unauthorized("The access token has expired."),
            TokenError::BadSignature => {
                ApiError::unauthorized("The access token was not issued by this emulator.")
            }
            _ => ApiError::unauthorized("The access token is not well formed."),
        })?;
    if *claims.resource_id != *state.resource_id {
        return Err(ApiError::unauthorized(
            "The access token was issued for another resource.",
        ));
    }
    let Some(access) = ChatAccess::of(claims.scopes()) else {
        return Err(ApiError::unauthorized(
            "The access token has no chat scope; issue one with the 'chat' scope.",
        ));
    };
    let user = claims.user_raw_id();
    let lookup = user.clone();
    let state_of = state
        .store
        .run(move |db| db.identity_state(&lookup))
        .await?;
    match state_of {
        IdentityState::Active { generation } if generation == claims.generation => {
            Ok(ChatCaller { user, access })
        }
        IdentityState::Active { .. } => {
            Err(ApiError::unauthorized("The access token was revoked."))
        }
        IdentityState::Deleted => Err(ApiError::unauthorized("The identity was deleted.")),
        IdentityState::Unknown => Err(ApiError::unauthorized("The identity does not exist.")),
    }
}

/// Extractor for chat routes: the authenticated user's raw id.
pub struct ChatUser(pub String);

impl FromRequestParts<EmulatorState> for ChatUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &EmulatorState,
    ) -> Result<Self, Self::Rejection> {
        bearer_user(state, &parts.headers, None).await.map(ChatUser)
    }
}

impl FromRequestParts<EmulatorState> for ChatCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &EmulatorState,
    ) -> Result<Self, Self::Rejection> {
        bearer_caller(state, &parts.headers, None).await
    }
}

/// Extractor for creating, updating and deleting threads, which only the `chat` scope allows. An
/// extractor rather than a check in the handler, so that the scope is refused before the body is read.
pub struct ThreadManager(pub String);

impl FromRequestParts<EmulatorState> for ThreadManager {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &EmulatorState,
    ) -> Result<Self, Self::Rejection> {
        let caller = bearer_caller(state, &parts.headers, None).await?;
        let operation = match parts.method {
            axum::http::Method::POST => ChatOperation::CreateThread,
            axum::http::Method::DELETE => ChatOperation::DeleteThread,
            _ => ChatOperation::UpdateThread,
        };
        caller.require(operation)?;
        Ok(ThreadManager(caller.user))
    }
}
