//! Identity request and response bodies (identity 2023-10-01 to 2026-09-23).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommunicationIdentityCreateRequest {
    #[serde(default)]
    pub create_token_with_scopes: Option<Vec<String>>,
    #[serde(default)]
    pub expires_in_minutes: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunicationIdentity {
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommunicationIdentityAccessToken {
    pub token: String,
    pub expires_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommunicationIdentityAccessTokenResult {
    pub identity: CommunicationIdentity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<CommunicationIdentityAccessToken>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommunicationIdentityAccessTokenRequest {
    pub scopes: Vec<String>,
    #[serde(default)]
    pub expires_in_minutes: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamsUserExchangeTokenRequest {
    pub token: String,
    pub app_id: String,
    pub user_id: String,
}

/// Token lifetime bounds in minutes.
pub const MIN_TOKEN_MINUTES: i64 = 60;
pub const MAX_TOKEN_MINUTES: i64 = 1440;
