//! The identity API over HMAC-SHA256: create and delete users, issue and revoke their tokens.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderValue};
use reqwest::{Method, Url};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::http::{
    decode_json, encode_segment, endpoint_url, host_header, json_body, parse_endpoint,
};
use super::retry::{Idempotency, RetryPolicy, send_with_retry};
use super::{ClientError, Result};
use crate::acs::connection_string::ConnectionString;
use crate::acs::hmac::sign_request;
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
#[derive(Clone)]
pub struct IdentityClient {
    http: reqwest::Client,
    base: Url,
    access_key: Arc<[u8]>,
    retry: RetryPolicy,
}

impl fmt::Debug for IdentityClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityClient")
            .field("endpoint", &self.base.as_str())
            .field("access_key", &"<redacted>")
            .field("retry", &self.retry)
            .finish()
    }
}

impl IdentityClient {
    /// A client for the resource of `connection`, with the default retry policy.
    pub fn new(http: reqwest::Client, connection: &ConnectionString) -> Result<Self> {
        Ok(IdentityClient {
            http,
            base: parse_endpoint(&connection.endpoint)?,
            access_key: Arc::from(connection.access_key()),
            retry: RetryPolicy::default(),
        })
    }

    /// Replaces the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The endpoint, with a trailing `/`.
    pub fn endpoint(&self) -> &str {
        self.base.as_str()
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

    /// Sends a signed request; each try is signed afresh, since `x-ms-date` must be current.
    pub(crate) async fn call<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        idempotency: Idempotency,
    ) -> Result<reqwest::Response> {
        let url = endpoint_url(
            &self.base,
            path,
            &[("api-version", IDENTITY_API_VERSION.to_string())],
        )?;
        // The service signs the Host header it receives; send exactly the value signed.
        let host = host_header(&url);
        let path_and_query = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        };
        let body = match body {
            Some(body) => Some(json_body(body)?),
            None => None,
        };
        send_with_retry(&self.retry, idempotency, || {
            let date = httpdate::fmt_http_date(SystemTime::now());
            let payload = body.as_deref().unwrap_or_default();
            let signed = sign_request(
                &self.access_key,
                method.as_str(),
                &path_and_query,
                &host,
                payload,
                &date,
            );
            let request = HeaderValue::from_str(&signed.authorization)
                .map_err(|_| ClientError::Config("the request signature is not a header".into()))
                .map(|mut authorization| {
                    authorization.set_sensitive(true);
                    let mut request = self
                        .http
                        .request(method.clone(), url.clone())
                        .header(HOST, host.as_str())
                        .header("x-ms-date", signed.date)
                        .header("x-ms-content-sha256", signed.content_sha256)
                        .header(AUTHORIZATION, authorization);
                    if let Some(body) = &body {
                        request = request
                            .header(CONTENT_TYPE, "application/json")
                            .body(body.clone());
                    }
                    request
                });
            std::future::ready(request)
        })
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
