//! The key that signs callback tokens: RSA 2048, made on first use (it takes a moment) and kept in the
//! database, so the published keys stay the same across restarts. Serves the OpenID configuration and
//! the JWKS at the paths the service uses.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rsa::traits::PublicKeyParts;
use std::sync::Arc;
use tokio::sync::OnceCell;

use crate::acs::callback_token::{
    CallbackClaims, CallbackSigner, JWKS_PATH, JwkSet, OpenIdConfiguration,
};
use crate::emulator::EmulatorState;
use crate::emulator::error::ApiError;
use crate::emulator::store::Store;

const META_KEY: &str = "callback_signing_key";
const KEY_BITS: usize = 2048;

/// The signing key, made or loaded once.
#[derive(Clone, Default)]
pub struct CallbackKeys {
    signer: Arc<OnceCell<Arc<CallbackSigner>>>,
}

impl CallbackKeys {
    /// The signer, loading or making the key the first time.
    pub async fn signer(&self, store: &Store) -> Result<Arc<CallbackSigner>, ApiError> {
        self.signer
            .get_or_try_init(|| async {
                let stored = store.run(|db| Ok(db.meta_value(META_KEY)?)).await?;
                let pkcs8 = match stored.and_then(|v| B64.decode(v).ok()) {
                    Some(der) => der,
                    None => {
                        let der = tokio::task::spawn_blocking(generate)
                            .await
                            .map_err(|e| ApiError::internal(e.to_string()))??;
                        let text = B64.encode(&der);
                        store
                            .run(move |db| Ok(db.set_meta_value(META_KEY, &text)?))
                            .await?;
                        der
                    }
                };
                signer_from(&pkcs8).map(Arc::new)
            })
            .await
            .cloned()
    }

    /// A fresh callback token for `audience` from `issuer`.
    pub async fn token(
        &self,
        store: &Store,
        issuer: &str,
        audience: &str,
    ) -> Result<String, ApiError> {
        let signer = self.signer(store).await?;
        let now_s = crate::acs::time::now_ms() / 1000;
        signer
            .sign(&CallbackClaims::issued_at(issuer, audience, now_s))
            .map_err(|e| ApiError::internal(e.to_string()))
    }
}

fn generate() -> Result<Vec<u8>, ApiError> {
    let mut rng = rsa::rand_core::OsRng;
    let key = rsa::RsaPrivateKey::new(&mut rng, KEY_BITS)
        .map_err(|e| ApiError::internal(format!("cannot make the callback signing key: {e}")))?;
    let der = key
        .to_pkcs8_der()
        .map_err(|e| ApiError::internal(format!("cannot encode the callback signing key: {e}")))?;
    Ok(der.as_bytes().to_vec())
}

fn signer_from(pkcs8: &[u8]) -> Result<CallbackSigner, ApiError> {
    let key = rsa::RsaPrivateKey::from_pkcs8_der(pkcs8).map_err(|e| {
        ApiError::internal(format!(
            "the stored callback signing key is unreadable: {e}"
        ))
    })?;
    CallbackSigner::new(pkcs8, &key.n().to_bytes_be(), &key.e().to_bytes_be())
        .map_err(|e| ApiError::internal(e.to_string()))
}

/// `scheme://host/` of a request.
fn base_of(state: &EmulatorState, headers: &HeaderMap) -> String {
    match headers.get("host").and_then(|h| h.to_str().ok()) {
        Some(host) => format!("{}://{host}/", state.scheme),
        None => state.base_url.to_string(),
    }
}

/// `GET /calling/.well-known/acsopenidconfiguration`.
pub async fn openid_configuration(
    State(state): State<EmulatorState>,
    headers: HeaderMap,
) -> Json<OpenIdConfiguration> {
    Json(OpenIdConfiguration {
        issuer: state.calling.issuer.to_string(),
        jwks_uri: format!("{}{JWKS_PATH}", base_of(&state, &headers)),
        id_token_signing_alg_values_supported: vec!["RS256".into()],
    })
}

/// `GET /calling/keys`.
pub async fn keys(State(state): State<EmulatorState>) -> Result<Json<JwkSet>, ApiError> {
    let signer = state.callback_keys.signer(&state.store).await?;
    Ok(Json(JwkSet {
        keys: vec![signer.jwk().clone()],
    }))
}
