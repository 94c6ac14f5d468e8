//! User access tokens: JWTs with the real service's claims, signed here with HS256.
//!
//! The Python SDK decodes the payload with *standard* base64, so an encoded payload must contain
//! neither `-` nor `_`. For ASCII JSON only the bytes `>`, `?`, `~` and DEL can produce those, and only
//! in every third position; [`TokenClaims::encode`] refuses claims containing them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde::{Deserialize, Serialize};

use super::hmac::signatures_match;

/// Token scopes as the identity API names them.
pub const SCOPES: [&str; 5] = [
    "chat",
    "voip",
    "chat.join",
    "chat.join.limited",
    "voip.join",
];

/// The claims of a user access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenClaims {
    /// `acs:<resource>_<user>`: the user's raw id without the `8:` prefix.
    pub skypeid: String,
    pub scp: u32,
    pub csi: String,
    pub exp: i64,
    pub rgn: String,
    /// Comma-separated scopes (`chat,voip`).
    pub acs_scope: String,
    pub resource_id: String,
    pub resource_location: String,
    pub iat: i64,
    /// The identity's token generation when issued; revocation moves it on, voiding older tokens.
    pub generation: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not a well-formed JWT")]
    Malformed,
    #[error("the token's signature is not valid")]
    BadSignature,
    #[error("the token expired")]
    Expired,
    #[error("the token claims contain characters the Python SDK cannot decode")]
    UnsafeClaims,
}

impl TokenClaims {
    /// The raw id of the user the token was issued for.
    pub fn user_raw_id(&self) -> String {
        format!("8:{}", self.skypeid)
    }

    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.acs_scope
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().any(|s| s == scope)
    }

    /// Encodes and signs the token.
    pub fn encode(&self, key: &[u8]) -> Result<String, TokenError> {
        let header = B64URL.encode(br#"{"alg":"HS256","kid":"acs-interop-emulator","typ":"JWT"}"#);
        let payload = serde_json::to_vec(self).map_err(|_| TokenError::Malformed)?;
        if payload
            .iter()
            .any(|b| matches!(b, b'>' | b'?' | b'~' | 0x7f) || !b.is_ascii())
        {
            return Err(TokenError::UnsafeClaims);
        }
        let payload = B64URL.encode(payload);
        let signing_input = format!("{header}.{payload}");
        let sig = super::hmac::signature(key, &signing_input);
        Ok(format!("{signing_input}.{}", to_url_safe(&sig)))
    }

    /// Verifies the signature and the expiry, then returns the claims.
    pub fn decode(token: &str, key: &[u8], now_s: i64) -> Result<TokenClaims, TokenError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(sig), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let expected = to_url_safe(&super::hmac::signature(key, &format!("{header}.{payload}")));
        if !signatures_match(sig, &expected) {
            return Err(TokenError::BadSignature);
        }
        let bytes = B64URL.decode(payload).map_err(|_| TokenError::Malformed)?;
        let claims: TokenClaims =
            serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)?;
        if claims.exp <= now_s {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

fn to_url_safe(standard_b64: &str) -> String {
    standard_b64
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use proptest::prelude::*;

    fn claims(user: &str, resource: &str, iat: i64) -> TokenClaims {
        TokenClaims {
            skypeid: format!("acs:{resource}_{user}"),
            scp: 1792,
            csi: iat.to_string(),
            exp: iat + 86_400,
            rgn: "amer".into(),
            acs_scope: "chat,voip".into(),
            resource_id: resource.into(),
            resource_location: "unitedstates".into(),
            iat,
            generation: 0,
        }
    }

    #[test]
    fn verifies_signature_and_expiry() {
        let c = claims("u", "r", 1_000);
        let token = c.encode(b"key").unwrap();
        assert_eq!(TokenClaims::decode(&token, b"key", 1_001).unwrap(), c);
        assert_eq!(
            TokenClaims::decode(&token, b"other", 1_001),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            TokenClaims::decode(&token, b"key", 1_000 + 86_400),
            Err(TokenError::Expired)
        );
        assert_eq!(
            TokenClaims::decode("a.b", b"key", 0),
            Err(TokenError::Malformed)
        );
        assert!(c.has_scope("voip") && !c.has_scope("chat.join"));
        assert_eq!(c.user_raw_id(), "8:acs:r_u");
    }

    #[test]
    fn refuses_claims_the_python_sdk_could_not_read() {
        let c = claims("u?", "r", 1);
        assert_eq!(c.encode(b"k"), Err(TokenError::UnsafeClaims));
    }

    proptest! {
        /// The Python SDK's `base64.b64decode(payload + "==")` must read every token we mint.
        #[test]
        fn payload_decodes_with_standard_base64(
            user in "[0-9a-f-]{8,40}", resource in "[0-9a-f-]{36}", iat in 0i64..4_000_000_000
        ) {
            let token = claims(&user, &resource, iat).encode(b"k").unwrap();
            let payload = token.split('.').nth(1).unwrap();
            prop_assert!(!payload.contains('-') && !payload.contains('_'));
            let mut padded = payload.to_string();
            while !padded.len().is_multiple_of(4) { padded.push('='); }
            let json = STANDARD.decode(padded).unwrap();
            let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
            prop_assert_eq!(value["exp"].as_i64(), Some(iat + 86_400));
        }
    }
}
