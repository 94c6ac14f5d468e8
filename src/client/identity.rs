//! The identity API over HMAC-SHA256: create and delete users, issue and revoke their tokens.

use std::fmt;
use std::time::Duration;

use reqwest::Method;
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::http::{decode_json, encode_segment};
use super::retry::{Idempotency, RetryPolicy};
use super::signed::SignedClient;
use super::{ClientError, Result};
use crate::acs::connection_string::ConnectionString;
use crate::acs::identity::{
    CommunicationIdentityAccessToken, CommunicationIdentityAccessTokenRequest,
    CommunicationIdentityAccessTokenResult, CommunicationIdentityCreateRequest,
};

/// The identity `api-version` this client speaks.
pub const IDENTITY_API_VERSION: &str = "2023-10-01";

/// A user access token and when it stops working. `Debug` never shows the token.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    /// The JWT to send as `Authorization: Bearer <token>`.
    pub token: String,
    /// When the service stops accepting it.
    pub expires_on: OffsetDateTime,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"<redacted>")
            .field("expires_on", &self.expires_on)
            .finish()
    }
}

impl AccessToken {
    /// A token and its expiry.
    pub fn new(token: impl Into<String>, expires_on: OffsetDateTime) -> Self {
        AccessToken {
            token: token.into(),
            expires_on,
        }
    }

    /// Whether the token stops working before `now + margin`.
    pub fn expires_within(&self, margin: Duration, now: OffsetDateTime) -> bool {
        self.expires_on <= now + margin
    }

    fn from_wire(wire: CommunicationIdentityAccessToken) -> Result<Self> {
        let expires_on = OffsetDateTime::parse(&wire.expires_on, &Rfc3339).map_err(|e| {
            ClientError::Decode(format!(
                "the token's expiresOn '{}' is not a date-time: {e}",
                wire.expires_on
            ))
        })?;
        Ok(AccessToken::new(wire.token, expires_on))
    }
}

/// Calls the identity API with a connection string's access key. Cheap to clone.
#[derive(Clone, Debug)]
pub struct IdentityClient {
    signed: SignedClient,
}

impl IdentityClient {
    /// A client for the resource of `connection`, with the default retry policy.
    pub fn new(http: reqwest::Client, connection: &ConnectionString) -> Result<Self> {
        Ok(IdentityClient {
            signed: SignedClient::new(http, connection)?,
        })
    }

    /// Replaces the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.signed = self.signed.with_retry(retry);
        self
    }

    /// Records every exchange on `tap`.
    pub fn with_tap(mut self, tap: crate::inspect::Tap) -> Self {
        self.signed = self.signed.with_tap(tap);
        self
    }

    /// The endpoint, with a trailing `/`.
    pub fn endpoint(&self) -> &str {
        self.signed.endpoint()
    }

    /// The HMAC-signing client underneath, for other APIs of the same resource.
    pub fn signed(&self) -> &SignedClient {
        &self.signed
    }

    /// Creates a user and returns its id (`8:acs:...`).
    pub async fn create_user(&self) -> Result<String> {
        let body = CommunicationIdentityCreateRequest::default();
        let response = self
            .call(
                Method::POST,
                "identities",
                Some(&body),
                Idempotency::NotIdempotent,
            )
            .await?;
        let result: CommunicationIdentityAccessTokenResult =
            decode_json(response, "the created identity").await?;
        Ok(result.identity.id)
    }

    /// Creates a user with a token for `scopes` (such as `["chat"]`) in one call.
    pub async fn create_user_with_token(&self, scopes: &[&str]) -> Result<(String, AccessToken)> {
        let body = CommunicationIdentityCreateRequest {
            create_token_with_scopes: Some(scopes.iter().map(|s| s.to_string()).collect()),
            expires_in_minutes: None,
        };
        let response = self
            .call(
                Method::POST,
                "identities",
                Some(&body),
                Idempotency::NotIdempotent,
            )
            .await?;
        let result: CommunicationIdentityAccessTokenResult =
            decode_json(response, "the created identity").await?;
        let token = result.access_token.ok_or_else(|| {
            ClientError::Decode("the service created the user but returned no token".into())
        })?;
        Ok((result.identity.id, AccessToken::from_wire(token)?))
    }

    /// Issues a token for an existing user, valid for the service's default lifetime (24 hours).
    pub async fn issue_token(&self, user_id: &str, scopes: &[&str]) -> Result<AccessToken> {
        let body = CommunicationIdentityAccessTokenRequest {
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            expires_in_minutes: None,
        };
        let path = format!("identities/{}/:issueAccessToken", encode_segment(user_id));
        // Another token for the same user harms nothing, so this POST may be repeated.
        let response = self
            .call(Method::POST, &path, Some(&body), Idempotency::Idempotent)
            .await?;
        AccessToken::from_wire(decode_json(response, "the issued token").await?)
    }

    /// Voids every token issued to the user so far.
    pub async fn revoke_tokens(&self, user_id: &str) -> Result<()> {
        let path = format!("identities/{}/:revokeAccessTokens", encode_segment(user_id));
        self.call::<()>(Method::POST, &path, None, Idempotency::Idempotent)
            .await?;
        Ok(())
    }

    /// Deletes the user, its tokens and its data.
    pub async fn delete_user(&self, user_id: &str) -> Result<()> {
        let path = format!("identities/{}", encode_segment(user_id));
        self.call::<()>(Method::DELETE, &path, None, Idempotency::Idempotent)
            .await?;
        Ok(())
    }

    /// Sends a signed identity request.
    pub(crate) async fn call<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        idempotency: Idempotency,
    ) -> Result<reqwest::Response> {
        self.signed
            .call(method, path, IDENTITY_API_VERSION, body, idempotency, &[])
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets() {
        let token = AccessToken::new("eyJ.secret.sig", OffsetDateTime::UNIX_EPOCH);
        assert!(!format!("{token:?}").contains("secret"));
        let cs = ConnectionString::new("http://127.0.0.1:1/", b"topsecretkey".to_vec());
        let http = crate::client::build_http_client(None).unwrap();
        let client = IdentityClient::new(http, &cs).unwrap();
        let debug = format!("{client:?}");
        assert!(
            debug.contains("127.0.0.1:1") && !debug.contains("topsecret"),
            "{debug}"
        );
    }

    #[test]
    fn expiry_margin() {
        let now = OffsetDateTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let token = AccessToken::new("t", now + Duration::from_secs(240));
        assert!(token.expires_within(Duration::from_secs(300), now));
        assert!(!token.expires_within(Duration::from_secs(60), now));
    }
}
