//! The identity API: create and delete identities, issue and revoke their tokens.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::EmulatorState;
use super::error::ApiError;
use super::extract::{AcsJson, OptionalAcsJson};
use crate::acs::identity::{
    CommunicationIdentity, CommunicationIdentityAccessToken,
    CommunicationIdentityAccessTokenRequest, CommunicationIdentityAccessTokenResult,
    CommunicationIdentityCreateRequest, MAX_TOKEN_MINUTES, MIN_TOKEN_MINUTES,
};
use crate::acs::time::{format_ms, now_ms};
use crate::acs::token::{SCOPES, TokenClaims};

/// Checks scopes and lifetime, naming the field at fault.
fn token_request(
    scopes: &[String],
    scopes_field: &str,
    minutes: Option<i64>,
) -> Result<(Vec<String>, i64), ApiError> {
    if scopes.is_empty() {
        return Err(ApiError::invalid_field(
            scopes_field,
            format!("The field '{scopes_field}' needs at least one scope."),
        ));
    }
    for scope in scopes {
        if !SCOPES.contains(&scope.as_str()) {
            return Err(ApiError::invalid_field(
                scopes_field,
                format!(
                    "'{scope}' is not a token scope; use one of {}.",
                    SCOPES.join(", ")
                ),
            ));
        }
    }
    let minutes = minutes.unwrap_or(MAX_TOKEN_MINUTES);
    if !(MIN_TOKEN_MINUTES..=MAX_TOKEN_MINUTES).contains(&minutes) {
        return Err(ApiError::invalid_field(
            "expiresInMinutes",
            format!(
                "expiresInMinutes must be between {MIN_TOKEN_MINUTES} and {MAX_TOKEN_MINUTES}; it was {minutes}."
            ),
        ));
    }
    let mut unique = scopes.to_vec();
    unique.dedup();
    Ok((unique, minutes))
}

/// Mints a token for `user` in the identity's current generation.
pub fn mint_token(
    state: &EmulatorState,
    user: &str,
    scopes: &[String],
    minutes: i64,
    generation: u64,
) -> Result<CommunicationIdentityAccessToken, ApiError> {
    let skypeid = user
        .strip_prefix("8:")
        .ok_or_else(|| ApiError::internal("identity ids start with 8:"))?;
    let now_s = now_ms() / 1000;
    let claims = TokenClaims {
        skypeid: skypeid.to_string(),
        scp: 1792,
        csi: now_s.to_string(),
        exp: now_s + minutes * 60,
        rgn: "amer".into(),
        acs_scope: scopes.join(","),
        resource_id: state.resource_id.to_string(),
        resource_location: "unitedstates".into(),
        iat: now_s,
        generation,
    };
    let token = claims
        .encode(&state.keys.signing_key)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(CommunicationIdentityAccessToken {
        token,
        expires_on: format_ms(claims.exp * 1000),
    })
}

/// A new ACS user id in this resource.
fn new_user_id(resource_id: &str) -> String {
    format!("8:acs:{resource_id}_{}", crate::ids::uuid_v4())
}

pub async fn create(
    State(state): State<EmulatorState>,
    OptionalAcsJson(request): OptionalAcsJson<CommunicationIdentityCreateRequest>,
) -> Result<Response, ApiError> {
    let token_request = match &request.create_token_with_scopes {
        Some(scopes) if !scopes.is_empty() => Some(token_request(
            scopes,
            "createTokenWithScopes",
            request.expires_in_minutes,
        )?),
        _ => None,
    };
    let id = new_user_id(&state.resource_id);
    let stored = id.clone();
    state
        .store
        .run(move |db| db.create_identity(&stored, now_ms()))
        .await?;
    let access_token = match token_request {
        Some((scopes, minutes)) => Some(mint_token(&state, &id, &scopes, minutes, 0)?),
        None => None,
    };
    let body = CommunicationIdentityAccessTokenResult {
        identity: CommunicationIdentity { id },
        access_token,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub async fn delete(
    State(state): State<EmulatorState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .run(move |db| db.delete_identity(&id, now_ms()))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /identities/{id}/:issueAccessToken` and `/:revokeAccessTokens`.
pub async fn action(
    State(state): State<EmulatorState>,
    Path((id, action)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    match action.as_str() {
        ":issueAccessToken" => {
            let AcsJson(request) =
                parse_required::<CommunicationIdentityAccessTokenRequest>(&body)?;
            let (scopes, minutes) =
                token_request(&request.scopes, "scopes", request.expires_in_minutes)?;
            let lookup = id.clone();
            let generation = state
                .store
                .run(move |db| db.active_identity(&lookup))
                .await?;
            let token = mint_token(&state, &id, &scopes, minutes, generation)?;
            Ok((StatusCode::OK, Json(token)).into_response())
        }
        ":revokeAccessTokens" => {
            state.store.run(move |db| db.revoke_tokens(&id)).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        other => Err(ApiError::not_found(format!(
            "There is no identity operation '{other}'."
        ))),
    }
}

fn parse_required<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<AcsJson<T>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("The request body is missing."));
    }
    super::extract::parse_json(body).map(AcsJson)
}

/// `POST /teamsUser/:exchangeAccessToken`: there is no Teams tenant to exchange against yet.
pub async fn teams_exchange(Path(action): Path<String>) -> ApiError {
    if action != ":exchangeAccessToken" {
        return ApiError::not_found(format!("There is no Teams user operation '{action}'."));
    }
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "EntraTokenUnavailable",
        "The emulator issues no Microsoft Entra tokens, so it cannot exchange one for a Teams user's ACS token; act as a Teams user through /emulator/teams/users/{user}/... instead.",
    )
}
