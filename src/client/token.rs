//! A user's access token, kept fresh: refreshed through the identity API shortly before it expires
//! when the source was made with an [`IdentityClient`], or used as given until it expires.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use time::OffsetDateTime;
use tokio::sync::Mutex;

use super::identity::{AccessToken, IdentityClient};
use super::{ClientError, Result};

/// A token that expires within this margin is refreshed before use, so that a request made with it
/// does not expire in flight.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// Hands out a current token for one user. Clones share the token; concurrent callers wait for one
/// refresh rather than each making their own.
#[derive(Clone)]
pub struct TokenSource {
    inner: Arc<Inner>,
}

struct Inner {
    user_id: String,
    current: Mutex<AccessToken>,
    refresh: Option<Refresh>,
}

struct Refresh {
    identity: IdentityClient,
    scopes: Vec<String>,
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("user_id", &self.inner.user_id)
            .field("refreshes", &self.refreshes())
            .finish_non_exhaustive()
    }
}

impl TokenSource {
    /// A token used as given (such as one passed with `--token`); once expired, [`TokenSource::token`]
    /// fails with an error that says so.
    pub fn fixed(user_id: impl Into<String>, token: AccessToken) -> Self {
        TokenSource::build(user_id.into(), token, None)
    }

    /// A fixed source from a bare token, reading the user (`skypeid`) and expiry (`exp`) from its
    /// claims. The signature is not checked: the service does that.
    pub fn from_token(token: &str) -> Result<Self> {
        let claims = unverified_claims(token)?;
        let user = claims
            .get("skypeid")
            .and_then(|v| v.as_str())
            .ok_or_else(|| {
                ClientError::Config("the access token does not name its user (no 'skypeid')".into())
            })?;
        let exp = claims
            .get("exp")
            .and_then(|v| v.as_i64())
            .ok_or_else(|| ClientError::Config("the access token has no expiry ('exp')".into()))?;
        let expires_on = OffsetDateTime::from_unix_timestamp(exp).map_err(|_| {
            ClientError::Config(format!("the access token's expiry ({exp}) is not a time"))
        })?;
        Ok(TokenSource::fixed(
            format!("8:{user}"),
            AccessToken::new(token.trim(), expires_on),
        ))
    }

    /// A source that refreshes `current` through `identity` with the same `scopes`.
    pub fn refreshing(
        identity: IdentityClient,
        user_id: impl Into<String>,
        scopes: &[&str],
        current: AccessToken,
    ) -> Self {
        let refresh = Refresh {
            identity,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        };
        TokenSource::build(user_id.into(), current, Some(refresh))
    }

    /// Issues a first token for an existing user, then refreshes as needed.
    pub async fn issue(
        identity: IdentityClient,
        user_id: impl Into<String>,
        scopes: &[&str],
    ) -> Result<Self> {
        let user_id = user_id.into();
        let token = identity.issue_token(&user_id, scopes).await?;
        Ok(TokenSource::refreshing(identity, user_id, scopes, token))
    }

    /// Creates a new user with a token, then refreshes as needed.
    pub async fn create_user(identity: IdentityClient, scopes: &[&str]) -> Result<Self> {
        let (user_id, token) = identity.create_user_with_token(scopes).await?;
        Ok(TokenSource::refreshing(identity, user_id, scopes, token))
    }

    fn build(user_id: String, token: AccessToken, refresh: Option<Refresh>) -> Self {
        TokenSource {
            inner: Arc::new(Inner {
                user_id,
                current: Mutex::new(token),
                refresh,
            }),
        }
    }

    /// The raw id of the user the tokens are for.
    pub fn user_id(&self) -> &str {
        &self.inner.user_id
    }

    /// Whether this source can get new tokens.
    pub fn refreshes(&self) -> bool {
        self.inner.refresh.is_some()
    }

    /// When the current token expires.
    pub async fn expires_on(&self) -> OffsetDateTime {
        self.inner.current.lock().await.expires_on
    }

    /// The immutable id of the ACS resource the token was issued by (its `resourceId` claim): the
    /// audience of the resource's Call Automation callback tokens.
    pub async fn resource_id(&self) -> Result<String> {
        let token = self.inner.current.lock().await.token.clone();
        unverified_claims(&token)?
            .get("resourceId")
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .ok_or_else(|| ClientError::Config("the access token has no resourceId claim".into()))
    }

    /// A token that is good for at least [`REFRESH_MARGIN`] where this source can refresh, or at all
    /// where it cannot.
    pub async fn token(&self) -> Result<String> {
        // Held across the refresh: callers that arrive meanwhile get the refreshed token.
        let mut current = self.inner.current.lock().await;
        let now = OffsetDateTime::now_utc();
        if !current.expires_within(REFRESH_MARGIN, now) {
            return Ok(current.token.clone());
        }
        let expired = current.expires_on <= now;
        let Some(refresh) = &self.inner.refresh else {
            return if expired {
                Err(ClientError::Config(format!(
                    "the access token for {} expired at {}; issue a new one",
                    self.inner.user_id, current.expires_on
                )))
            } else {
                Ok(current.token.clone())
            };
        };
        let scopes: Vec<&str> = refresh.scopes.iter().map(String::as_str).collect();
        match refresh
            .identity
            .issue_token(&self.inner.user_id, &scopes)
            .await
        {
            Ok(fresh) => {
                *current = fresh;
                Ok(current.token.clone())
            }
            // The old token still works for a while; the next call tries again.
            Err(e) if !expired => {
                tracing::warn!(error = %e, "refreshing the access token failed; using the current one");
                Ok(current.token.clone())
            }
            Err(e) => Err(e),
        }
    }
}

/// The JSON claims of a JWT, not verified. Accepts base64url and standard base64 payloads.
fn unverified_claims(token: &str) -> Result<serde_json::Map<String, serde_json::Value>> {
    let malformed = || ClientError::Config("the access token is not a JWT".to_string());
    let payload = token.trim().split('.').nth(1).ok_or_else(malformed)?;
    let payload = payload.trim_end_matches('=');
    let bytes = URL_SAFE_NO_PAD
        .decode(payload)
        .or_else(|_| STANDARD_NO_PAD.decode(payload))
        .map_err(|_| malformed())?;
    serde_json::from_slice(&bytes).map_err(|_| malformed())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: serde_json::Value) -> String {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
        format!("eyJhbGciOiJIUzI1NiJ9.{payload}.c2ln")
    }

    #[tokio::test]
    async fn a_fixed_token_is_used_until_it_expires() {
        let soon = OffsetDateTime::now_utc() + Duration::from_secs(60);
        let source = TokenSource::fixed("8:acs:r_u", AccessToken::new("tok", soon));
        assert_eq!(source.token().await.unwrap(), "tok");
        let past = OffsetDateTime::now_utc() - Duration::from_secs(1);
        let source = TokenSource::fixed("8:acs:r_u", AccessToken::new("tok", past));
        let e = source.token().await.unwrap_err();
        assert!(matches!(e, ClientError::Config(_)));
        assert!(
            e.to_string().contains("expired") && !e.to_string().contains("tok "),
            "{e}"
        );
    }

    #[tokio::test]
    async fn reads_user_and_expiry_from_a_bare_token() {
        let exp = OffsetDateTime::now_utc().unix_timestamp() + 3600;
        let token = jwt(serde_json::json!({"skypeid": "acs:res_user", "exp": exp}));
        let source = TokenSource::from_token(&token).unwrap();
        assert_eq!(source.user_id(), "8:acs:res_user");
        assert_eq!(source.expires_on().await.unix_timestamp(), exp);
        assert!(!source.refreshes());
        assert_eq!(source.token().await.unwrap(), token);
        assert!(TokenSource::from_token("not-a-jwt").is_err());
        assert!(TokenSource::from_token(&jwt(serde_json::json!({"exp": exp}))).is_err());
        assert!(!format!("{source:?}").contains(&token));
    }
}
