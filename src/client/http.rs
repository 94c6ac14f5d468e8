//! The HTTP plumbing: the shared reqwest client and TLS configuration, URLs, and turning responses
//! into values or [`ClientError`]s.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Url;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::network::{NetworkCause, NetworkError, classify};
use super::retry::retry_after_from_headers;
use super::{ClientError, Result};
use crate::acs::{CommunicationError, CommunicationErrorResponse};

/// Sent as `User-Agent` on every request.
pub const USER_AGENT: &str = concat!("acs-interop/", env!("CARGO_PKG_VERSION"));
/// How long establishing a connection (TCP and TLS) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a whole request, body included, may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The reqwest client for the identity and chat clients: rustls with ring, the system's CAs plus
/// `ca_cert` (a PEM file, such as the emulator's `emulator-ca.pem`), the timeouts above and our
/// user agent. Build one and share it; it pools connections.
pub fn build_http_client(ca_cert: Option<&Path>) -> Result<reqwest::Client> {
    let tls = tls_client_config(ca_cert)?;
    reqwest::Client::builder()
        .tls_backend_preconfigured(rustls::ClientConfig::clone(&tls))
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .user_agent(USER_AGENT)
        .build()
        .map_err(|e| {
            ClientError::Config(format!("cannot set up the HTTP client: {}", innermost(&e)))
        })
}

/// Reads every certificate of a PEM file, with errors that name the file.
pub fn load_ca_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let pem = std::fs::read(path).map_err(|e| {
        ClientError::Config(format!(
            "cannot read the CA certificate {}: {e}",
            path.display()
        ))
    })?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| {
            ClientError::Config(format!(
                "the CA certificate {} is not valid PEM: {e}",
                path.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(ClientError::Config(format!(
            "the file {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            path.display()
        )));
    }
    Ok(certs)
}

/// The rustls configuration shared by HTTPS and the realtime socket: ring as the crypto provider,
/// and the system's CAs plus those in `ca_cert`.
pub fn tls_client_config(ca_cert: Option<&Path>) -> Result<Arc<rustls::ClientConfig>> {
    crate::install_crypto_provider();
    let extra = match ca_cert {
        Some(path) => load_ca_certificates(path)?,
        None => Vec::new(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier: Arc<dyn ServerCertVerifier> =
        match rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone()) {
            Ok(v) => Arc::new(v),
            // A machine without system CAs can still talk plain HTTP to a local emulator.
            Err(rustls::Error::General(reason)) if ca_cert.is_none() => Arc::new(NoTrustedRoots {
                reason,
                provider: provider.clone(),
            }),
            Err(e) => {
                return Err(ClientError::Config(match ca_cert {
                    Some(path) => {
                        format!("cannot trust the CA certificate {}: {e}", path.display())
                    }
                    None => format!("cannot load the system's CA certificates: {e}"),
                }));
            }
        };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Config(format!("cannot set up TLS: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Refuses every certificate as from an unknown issuer: used when the system has no CA certificates
/// at all.
#[derive(Debug)]
struct NoTrustedRoots {
    reason: String,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for NoTrustedRoots {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        // Without roots every issuer is unknown; the log keeps why there are none.
        tracing::warn!(reason = %self.reason, "no system CA certificates; only --ca-cert is trusted");
        Err(rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer,
        ))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Characters left alone in a path segment: RFC 3986 unreserved.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment (`19:x@thread.v2` becomes `19%3Ax%40thread.v2`).
pub fn encode_segment(segment: &str) -> String {
    utf8_percent_encode(segment, SEGMENT).to_string()
}

/// Checks an endpoint (`https://<resource>.communication.azure.com/`) and makes it the base for paths.
pub(crate) fn parse_endpoint(endpoint: &str) -> Result<Url> {
    let mut url = Url::parse(endpoint.trim())
        .map_err(|e| ClientError::Config(format!("the endpoint '{endpoint}' is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ClientError::Config(format!(
            "the endpoint '{endpoint}' must be an http:// or https:// URL with a host"
        )));
    }
    url.set_query(None);
    url.set_fragment(None);
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// `base` + `path` (already encoded, without the leading `/`) + the query pairs.
pub(crate) fn endpoint_url(base: &Url, path: &str, query: &[(&str, String)]) -> Result<Url> {
    let mut url = base
        .join(path)
        .map_err(|e| ClientError::Config(format!("cannot build a URL for '{path}': {e}")))?;
    if !query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (name, value) in query {
            pairs.append_pair(name, value);
        }
    }
    Ok(url)
}

/// The `host[:port]` a request to `url` carries in its `Host` header.
pub(crate) fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// Whether `link` points at the same scheme, host and port as `base`, so a token may go there.
pub(crate) fn same_origin(base: &Url, link: &Url) -> bool {
    base.scheme() == link.scheme()
        && base.host_str() == link.host_str()
        && base.port_or_known_default() == link.port_or_known_default()
}

/// A transport failure in words, with the innermost cause (`Connection refused`, a TLS alert) and
/// its [`NetworkCause`].
pub(crate) fn network_error(e: reqwest::Error) -> ClientError {
    let origin = e.url().map(origin_of);
    let place = origin.as_deref().unwrap_or("the service");
    let cause = innermost(&e);
    if e.is_builder() {
        return ClientError::Config(format!("cannot build the request: {cause}"));
    }
    let kind = if e.is_timeout() {
        NetworkCause::TimedOut
    } else {
        classify(&e)
    };
    let text = if e.is_timeout() {
        format!("{place} did not answer in time ({cause})")
    } else if e.is_connect() {
        format!("cannot connect to {place}: {cause}")
    } else {
        format!("the exchange with {place} failed: {cause}")
    };
    ClientError::Network(NetworkError::new(kind, origin, text))
}

/// `scheme://host[:port]` of a URL: what may be shown of it (paths and queries can carry tokens).
pub(crate) fn origin_of(url: &Url) -> String {
    format!("{}://{}", url.scheme(), host_header(url))
}

/// The deepest cause of an error: reqwest's and hyper's outer layers only name the URL and the stage.
pub(crate) fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut deepest = e;
    while let Some(cause) = deepest.source() {
        deepest = cause;
    }
    deepest.to_string()
}

/// Turns an error response into [`ClientError::Service`]; a body that is not the ACS error shape
/// still gives the status's name and a short excerpt.
pub(crate) async fn error_from_response(response: reqwest::Response) -> ClientError {
    let status = response.status().as_u16();
    let retry_after = retry_after_from_headers(response.headers(), SystemTime::now());
    let request_id = request_id_of(response.headers());
    let body = response.bytes().await.unwrap_or_default();
    ClientError::Service {
        status,
        error: Box::new(error_from_body(status, &body)),
        retry_after,
        request_id,
    }
}

/// The id a response names its request by: the service's `x-ms-request-id`, else the
/// `x-ms-client-request-id` it echoed.
pub(crate) fn request_id_of(headers: &reqwest::header::HeaderMap) -> Option<String> {
    ["x-ms-request-id", "x-ms-client-request-id"]
        .iter()
        .find_map(|name| headers.get(*name)?.to_str().ok())
        .map(|id| crate::text::sanitize_line(id).into_owned())
}

/// The ACS error in `body`, or one made from the status and the text.
pub(crate) fn error_from_body(status: u16, body: &[u8]) -> CommunicationError {
    if let Ok(parsed) = serde_json::from_slice::<CommunicationErrorResponse>(body) {
        return parsed.error;
    }
    let reason = super::reason_phrase(status);
    let code: String = reason.chars().filter(|c| !c.is_whitespace()).collect();
    let text = String::from_utf8_lossy(body);
    let excerpt = excerpt(&text, 200);
    let message = if excerpt.is_empty() {
        "The service gave no details.".to_string()
    } else {
        excerpt
    };
    CommunicationError::new(code, message)
}

/// The first `max` characters of `text` on one line, without control characters.
fn excerpt(text: &str, max: usize) -> String {
    let flat: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    match flat.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

/// Serialises a request body, leaving out `null` fields: for a merge-patch (`PATCH`) a null would
/// delete the field, and the model's unset options mean "leave alone".
pub(crate) fn json_body<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    let mut json = serde_json::to_value(value)
        .map_err(|e| ClientError::Config(format!("cannot encode the request body: {e}")))?;
    drop_nulls(&mut json);
    serde_json::to_vec(&json)
        .map_err(|e| ClientError::Config(format!("cannot encode the request body: {e}")))
}

fn drop_nulls(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// Reads a successful response's JSON body; `what` names it in the error.
pub(crate) async fn decode_json<T: DeserializeOwned>(
    response: reqwest::Response,
    what: &str,
) -> Result<T> {
    let body = response.bytes().await.map_err(network_error)?;
    decode_slice(&body, what)
}

/// Parses JSON, naming the field that did not fit.
pub(crate) fn decode_slice<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let at = if path == "." {
            String::new()
        } else {
            format!(" at '{path}'")
        };
        ClientError::Decode(format!("{what}{at}: {}", e.into_inner()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_become_service_errors() {
        let body = br#"{"error":{"code":"Forbidden","message":"Not a participant."}}"#;
        let e = error_from_body(403, body);
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("Forbidden", "Not a participant.")
        );
        let e = error_from_body(502, b"<html>\n<body>Bad\x1b[31m gateway</body></html>");
        assert_eq!(e.code, "BadGateway");
        assert_eq!(e.message, "<html> <body>Bad[31m gateway</body></html>");
        assert_eq!(
            error_from_body(500, b"").message,
            "The service gave no details."
        );
        let long = "x".repeat(500);
        assert_eq!(
            error_from_body(500, long.as_bytes())
                .message
                .chars()
                .count(),
            201
        );
    }

    #[test]
    fn endpoints_and_paths() {
        let base = parse_endpoint("https://res.communication.azure.com").unwrap();
        assert_eq!(base.as_str(), "https://res.communication.azure.com/");
        let url = endpoint_url(
            &base,
            &format!(
                "chat/threads/{}/messages",
                encode_segment("19:ab@thread.v2")
            ),
            &[("api-version", "2024-03-07".into())],
        )
        .unwrap();
        assert_eq!(
            url.as_str(),
            "https://res.communication.azure.com/chat/threads/19%3Aab%40thread.v2/messages?api-version=2024-03-07"
        );
        assert_eq!(host_header(&url), "res.communication.azure.com");
        let local = parse_endpoint("http://127.0.0.1:7880/").unwrap();
        assert_eq!(host_header(&local), "127.0.0.1:7880");
        assert!(same_origin(
            &local,
            &Url::parse("http://127.0.0.1:7880/x?y").unwrap()
        ));
        assert!(!same_origin(
            &local,
            &Url::parse("http://evil.example:7880/x").unwrap()
        ));
        assert!(matches!(
            parse_endpoint("ftp://h/"),
            Err(ClientError::Config(_))
        ));
        assert!(matches!(
            parse_endpoint("not a url"),
            Err(ClientError::Config(_))
        ));
    }

    #[test]
    fn an_unreadable_ca_file_is_named() {
        let missing = Path::new("/nonexistent/emulator-ca.pem");
        let e = tls_client_config(Some(missing)).unwrap_err();
        assert!(
            e.to_string().contains("/nonexistent/emulator-ca.pem"),
            "{e}"
        );
        let dir = std::env::temp_dir().join(format!("acs-client-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate").unwrap();
        let e = build_http_client(Some(&empty)).unwrap_err();
        assert!(
            e.to_string().contains("empty.pem") && e.to_string().contains("no PEM"),
            "{e}"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn bodies_leave_out_unset_fields() {
        let body = crate::acs::chat::UpdateChatMessageRequest {
            content: Some("hi".into()),
            metadata: None,
        };
        assert_eq!(json_body(&body).unwrap(), br#"{"content":"hi"}"#);
    }

    #[test]
    fn decode_errors_name_the_field() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct T {
            id: String,
        }
        let e = decode_slice::<T>(br#"{"id": 5}"#, "the message").unwrap_err();
        assert!(e.to_string().contains("the message at 'id'"), "{e}");
    }
}
