//! The JWT that authenticates each Call Automation callback: RS256, a new one per delivery, five minutes of
//! life, the ACS resource's immutable id as audience. The keys are published as a JWKS at
//! `calling/keys`, found through the OpenID configuration at `calling/.well-known/acsopenidconfiguration`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use ring::signature;
use serde::{Deserialize, Serialize};

/// The issuer of the real service's callback tokens.
pub const CALL_AUTOMATION_ISSUER: &str = "https://acscallautomation.communication.azure.com";
/// Path (under an endpoint) of the OpenID configuration.
pub const OPENID_CONFIGURATION_PATH: &str = "calling/.well-known/acsopenidconfiguration";
/// Path (under an endpoint) of the signing keys.
pub const JWKS_PATH: &str = "calling/keys";
/// How long a callback token is valid.
pub const TOKEN_LIFETIME_S: i64 = 300;
/// Clock difference tolerated when checking `exp` and `nbf`.
pub const CLOCK_LEEWAY_S: i64 = 60;

/// The claims of a callback token. The emulator sets them all; of the service's, only `iss`, `aud`
/// and `exp` are documented, so the others may be missing and `aud` may be a list (as RFC 7519 allows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackClaims {
    pub iss: String,
    pub aud: Audience,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    pub exp: i64,
}

/// `aud`: one audience or a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    pub fn contains(&self, audience: &str) -> bool {
        match self {
            Audience::One(a) => a == audience,
            Audience::Many(list) => list.iter().any(|a| a == audience),
        }
    }
}

impl std::fmt::Display for Audience {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Audience::One(a) => f.write_str(a),
            Audience::Many(list) => f.write_str(&list.join(", ")),
        }
    }
}

impl CallbackClaims {
    /// Claims for a token issued now, valid for [`TOKEN_LIFETIME_S`].
    pub fn issued_at(issuer: &str, audience: &str, now_s: i64) -> CallbackClaims {
        CallbackClaims {
            iss: issuer.to_string(),
            aud: Audience::One(audience.to_string()),
            iat: Some(now_s),
            nbf: Some(now_s),
            exp: now_s + TOKEN_LIFETIME_S,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    typ: Option<String>,
}

/// One RSA public key of a JWKS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    pub kid: String,
    #[serde(rename = "use", default)]
    pub key_use: Option<String>,
    #[serde(default)]
    pub alg: Option<String>,
    /// The modulus, base64url.
    pub n: String,
    /// The public exponent, base64url.
    pub e: String,
}

/// A JSON Web Key Set.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// The OpenID configuration document: who issues callback tokens and where the keys are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenIdConfiguration {
    pub issuer: String,
    pub jwks_uri: String,
    #[serde(default)]
    pub id_token_signing_alg_values_supported: Vec<String>,
}

/// Why a callback token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackTokenError {
    #[error("the callback has no 'Authorization: Bearer' token")]
    Missing,
    #[error("the callback token is not a well-formed JWT")]
    Malformed,
    #[error("the callback token uses {0}, not RS256")]
    Algorithm(String),
    #[error("the callback token was signed with an unknown key ({0})")]
    UnknownKey(String),
    #[error("the callback token's signature does not verify")]
    BadSignature,
    #[error("the callback token was issued by '{0}', not by the expected issuer")]
    Issuer(String),
    #[error("the callback token is for audience '{0}', not this resource")]
    Audience(String),
    #[error("the callback token has expired")]
    Expired,
    #[error("the callback token is not valid yet")]
    NotYetValid,
    #[error("cannot sign the callback token: {0}")]
    Signing(String),
}

/// Signs callback tokens with one RSA key.
pub struct CallbackSigner {
    key_pair: signature::RsaKeyPair,
    jwk: Jwk,
    rng: ring::rand::SystemRandom,
}

impl std::fmt::Debug for CallbackSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackSigner")
            .field("kid", &self.jwk.kid)
            .finish_non_exhaustive()
    }
}

impl CallbackSigner {
    /// A signer from a PKCS#8 (DER) RSA private key and its public modulus and exponent (big-endian).
    pub fn new(pkcs8: &[u8], modulus: &[u8], exponent: &[u8]) -> Result<Self, CallbackTokenError> {
        let key_pair = signature::RsaKeyPair::from_pkcs8(pkcs8)
            .map_err(|e| CallbackTokenError::Signing(e.to_string()))?;
        let n = B64URL.encode(modulus);
        let digest = ring::digest::digest(&ring::digest::SHA256, n.as_bytes());
        // The key id is derived from the key, so it stays the same across restarts.
        let kid = B64URL.encode(&digest.as_ref()[..12]);
        Ok(CallbackSigner {
            key_pair,
            jwk: Jwk {
                kty: "RSA".into(),
                kid,
                key_use: Some("sig".into()),
                alg: Some("RS256".into()),
                n,
                e: B64URL.encode(exponent),
            },
            rng: ring::rand::SystemRandom::new(),
        })
    }

    /// The public key, as published in the JWKS.
    pub fn jwk(&self) -> &Jwk {
        &self.jwk
    }

    /// A compact JWS (`header.payload.signature`) of `claims`.
    pub fn sign(&self, claims: &CallbackClaims) -> Result<String, CallbackTokenError> {
        let header = Header {
            alg: "RS256".into(),
            kid: Some(self.jwk.kid.clone()),
            typ: Some("JWT".into()),
        };
        let input = format!("{}.{}", encode_part(&header)?, encode_part(claims)?);
        let mut sig = vec![0u8; self.key_pair.public().modulus_len()];
        self.key_pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &self.rng,
                input.as_bytes(),
                &mut sig,
            )
            .map_err(|e| CallbackTokenError::Signing(e.to_string()))?;
        Ok(format!("{input}.{}", B64URL.encode(sig)))
    }
}

fn encode_part<T: Serialize>(part: &T) -> Result<String, CallbackTokenError> {
    let json = serde_json::to_vec(part).map_err(|e| CallbackTokenError::Signing(e.to_string()))?;
    Ok(B64URL.encode(json))
}

/// What a verified token must say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub audience: &'a str,
    pub now_s: i64,
}

/// Checks a callback token: RS256 signature by a key of `keys`, issuer, audience, and lifetime.
pub fn verify(
    token: &str,
    keys: &JwkSet,
    expected: &Expected<'_>,
) -> Result<CallbackClaims, CallbackTokenError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(CallbackTokenError::Malformed);
    };
    let decode = |part: &str| {
        B64URL
            .decode(part.trim_end_matches('='))
            .map_err(|_| CallbackTokenError::Malformed)
    };
    let header: Header =
        serde_json::from_slice(&decode(h)?).map_err(|_| CallbackTokenError::Malformed)?;
    if header.alg != "RS256" {
        return Err(CallbackTokenError::Algorithm(header.alg));
    }
    let kid = header.kid.unwrap_or_default();
    let candidates: Vec<&Jwk> = keys
        .keys
        .iter()
        .filter(|k| k.kty == "RSA" && (kid.is_empty() || k.kid == kid))
        .collect();
    if candidates.is_empty() {
        return Err(CallbackTokenError::UnknownKey(kid));
    }
    let signed = &token[..h.len() + 1 + p.len()];
    let sig = decode(s)?;
    let verified = candidates.iter().any(|k| {
        let (Ok(n), Ok(e)) = (decode(&k.n), decode(&k.e)) else {
            return false;
        };
        signature::RsaPublicKeyComponents { n, e }
            .verify(
                &signature::RSA_PKCS1_2048_8192_SHA256,
                signed.as_bytes(),
                &sig,
            )
            .is_ok()
    });
    if !verified {
        return Err(CallbackTokenError::BadSignature);
    }
    let claims: CallbackClaims =
        serde_json::from_slice(&decode(p)?).map_err(|_| CallbackTokenError::Malformed)?;
    if claims.iss != expected.issuer {
        return Err(CallbackTokenError::Issuer(claims.iss));
    }
    if !claims.aud.contains(expected.audience) {
        return Err(CallbackTokenError::Audience(claims.aud.to_string()));
    }
    if claims.exp + CLOCK_LEEWAY_S < expected.now_s {
        return Err(CallbackTokenError::Expired);
    }
    if claims
        .nbf
        .is_some_and(|nbf| nbf - CLOCK_LEEWAY_S > expected.now_s)
    {
        return Err(CallbackTokenError::NotYetValid);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2048-bit key made for these tests only (PKCS#8, and its DER `RSAPublicKey`).
    fn test_signer() -> CallbackSigner {
        let pkcs8 = include_bytes!("../../tests/keys/callback-test-key.pk8");
        let public = include_bytes!("../../tests/keys/callback-test-key.pub");
        let (n, e) = rsa_public_components(public).unwrap();
        CallbackSigner::new(pkcs8, &n, &e).unwrap()
    }

    /// (n, e) from a DER `RSAPublicKey` (SEQUENCE { INTEGER n, INTEGER e }).
    fn rsa_public_components(der: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
        fn read(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
            let (&t, rest) = input.split_first()?;
            if t != tag {
                return None;
            }
            let (&first, rest) = rest.split_first()?;
            let (len, rest) = if first < 0x80 {
                (usize::from(first), rest)
            } else {
                let count = usize::from(first & 0x7f);
                let (bytes, rest) = rest.split_at_checked(count)?;
                (
                    bytes.iter().fold(0usize, |a, b| a << 8 | usize::from(*b)),
                    rest,
                )
            };
            rest.split_at_checked(len)
        }
        let (seq, _) = read(der, 0x30)?;
        let (n, rest) = read(seq, 0x02)?;
        let (e, _) = read(rest, 0x02)?;
        let strip = |v: &[u8]| v.iter().skip_while(|b| **b == 0).copied().collect();
        Some((strip(n), strip(e)))
    }

    fn keys(signer: &CallbackSigner) -> JwkSet {
        JwkSet {
            keys: vec![signer.jwk().clone()],
        }
    }

    const NOW: i64 = 1_800_000_000;

    fn expected() -> Expected<'static> {
        Expected {
            issuer: CALL_AUTOMATION_ISSUER,
            audience: "res-1",
            now_s: NOW,
        }
    }

    #[test]
    fn a_signed_token_verifies_and_lives_five_minutes() {
        let signer = test_signer();
        let claims = CallbackClaims::issued_at(CALL_AUTOMATION_ISSUER, "res-1", NOW);
        let token = signer.sign(&claims).unwrap();
        let verified = verify(&token, &keys(&signer), &expected()).unwrap();
        assert_eq!(Some(verified.exp - TOKEN_LIFETIME_S), verified.iat);
        assert_eq!(verified.exp - NOW, 300);
        assert_eq!(verified, claims);
    }

    #[test]
    fn a_token_with_only_the_documented_claims_and_a_list_audience_verifies() {
        let signer = test_signer();
        let claims = CallbackClaims {
            iss: CALL_AUTOMATION_ISSUER.into(),
            aud: Audience::Many(vec!["other".into(), "res-1".into()]),
            iat: None,
            nbf: None,
            exp: NOW + 60,
        };
        let token = signer.sign(&claims).unwrap();
        assert_eq!(verify(&token, &keys(&signer), &expected()).unwrap(), claims);
        let raw =
            r#"{"iss":"https://acscallautomation.communication.azure.com","aud":"res-1","exp":1}"#;
        assert!(serde_json::from_str::<CallbackClaims>(raw).is_ok());
    }

    #[test]
    fn wrong_audience_issuer_expiry_or_signature_is_refused() {
        let signer = test_signer();
        let sign = |iss: &str, aud: &str, at: i64| {
            signer
                .sign(&CallbackClaims::issued_at(iss, aud, at))
                .unwrap()
        };
        let ks = keys(&signer);
        assert!(matches!(
            verify(
                &sign(CALL_AUTOMATION_ISSUER, "other", NOW),
                &ks,
                &expected()
            ),
            Err(CallbackTokenError::Audience(_))
        ));
        assert!(matches!(
            verify(&sign("https://evil", "res-1", NOW), &ks, &expected()),
            Err(CallbackTokenError::Issuer(_))
        ));
        assert_eq!(
            verify(
                &sign(CALL_AUTOMATION_ISSUER, "res-1", NOW - 1000),
                &ks,
                &expected()
            ),
            Err(CallbackTokenError::Expired)
        );
        let token = sign(CALL_AUTOMATION_ISSUER, "res-1", NOW);
        let mut tampered = token.clone();
        let payload = B64URL.encode(
            serde_json::to_vec(&CallbackClaims::issued_at(
                CALL_AUTOMATION_ISSUER,
                "res-2",
                NOW,
            ))
            .unwrap(),
        );
        let parts: Vec<&str> = token.split('.').collect();
        tampered = tampered.replace(parts[1], &payload);
        assert_eq!(
            verify(&tampered, &ks, &expected()),
            Err(CallbackTokenError::BadSignature)
        );
        assert_eq!(
            verify("not-a-jwt", &ks, &expected()),
            Err(CallbackTokenError::Malformed)
        );
        let none = format!("{}.{}.", B64URL.encode(r#"{"alg":"none"}"#), parts[1]);
        assert_eq!(
            verify(&none, &ks, &expected()),
            Err(CallbackTokenError::Algorithm("none".into()))
        );
        assert!(matches!(
            verify(&token, &JwkSet::default(), &expected()),
            Err(CallbackTokenError::UnknownKey(_))
        ));
    }
}
