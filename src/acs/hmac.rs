//! HMAC-SHA256 request signing as ACS does it for identity and call automation.
//!
//! ```text
//! string_to_sign = METHOD \n path_and_query \n x-ms-date;host;x-ms-content-sha256
//! Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<b64>
//! ```

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// The headers a signed request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    pub date: String,
    pub content_sha256: String,
    pub authorization: String,
}

/// base64(SHA-256(body)), the value of `x-ms-content-sha256`.
pub fn content_hash(body: &[u8]) -> String {
    B64.encode(Sha256::digest(body))
}

/// The exact string that is signed.
pub fn string_to_sign(
    method: &str,
    path_and_query: &str,
    date: &str,
    host: &str,
    content_sha256: &str,
) -> String {
    format!(
        "{}\n{}\n{};{};{}",
        method.to_ascii_uppercase(),
        path_and_query,
        date,
        host,
        content_sha256
    )
}

/// base64(HMAC-SHA256(key, text)).
pub fn signature(key: &[u8], text: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable_hmac(),
    };
    mac.update(text.as_bytes());
    B64.encode(mac.finalize().into_bytes())
}

#[cold]
fn unreachable_hmac() -> ! {
    panic!("HMAC-SHA256 rejected a key; HMAC takes keys of every length")
}

/// Signs a request the way the SDKs do, for clients and tests.
pub fn sign_request(
    key: &[u8],
    method: &str,
    path_and_query: &str,
    host: &str,
    body: &[u8],
    date: &str,
) -> SignedHeaders {
    let content_sha256 = content_hash(body);
    let text = string_to_sign(method, path_and_query, date, host, &content_sha256);
    let sig = signature(key, &text);
    SignedHeaders {
        date: date.to_string(),
        content_sha256,
        authorization: format!(
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={sig}"
        ),
    }
}

/// Extracts the signature from an `Authorization: HMAC-SHA256 ...` header, checking the signed headers.
pub fn parse_authorization(header: &str) -> Option<&str> {
    let rest = header.strip_prefix("HMAC-SHA256 ")?.trim();
    let mut signed = None;
    let mut sig = None;
    for part in rest.split('&') {
        if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed = Some(v);
        } else if let Some(v) = part.strip_prefix("Signature=") {
            sig = Some(v);
        }
    }
    let signed = signed?;
    if !signed.eq_ignore_ascii_case("x-ms-date;host;x-ms-content-sha256") {
        return None;
    }
    sig
}

/// Compares two signatures without leaking where they differ.
pub fn signatures_match(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// The forms of a request's path and query that a client may have signed: as sent (Python), and
/// with the query re-serialised like the JS SDK's `URLSearchParams` (`:` becomes `%3A`).
pub fn path_and_query_candidates(path: &str, query: Option<&str>) -> Vec<String> {
    let mut out = Vec::with_capacity(3);
    match query {
        None | Some("") => out.push(path.to_string()),
        Some(q) => {
            out.push(format!("{path}?{q}"));
            let reserialised = reserialise_query(q);
            if reserialised != q {
                out.push(format!("{path}?{reserialised}"));
            }
        }
    }
    out
}

/// Decodes a query and encodes it again as `application/x-www-form-urlencoded`, like `URLSearchParams`.
fn reserialise_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let has_eq = pair.contains('=');
            let k = form_encode(&form_decode(k));
            if has_eq {
                format!("{k}={}", form_encode(&form_decode(v)))
            } else {
                format!("{k}=")
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn form_decode(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_body_hash_is_the_documented_constant() {
        assert_eq!(
            content_hash(b""),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }

    /// The vector was computed by hand from the algorithm with Python's hmac and hashlib:
    /// key = b"emulator-key", string = "POST\n/identities?api-version=2023-10-01\n
    /// Sat, 28 Nov 2026 05:00:00 GMT;127.0.0.1:7880;47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".
    #[test]
    fn signature_matches_a_vector_computed_independently() {
        let text = string_to_sign(
            "post",
            "/identities?api-version=2023-10-01",
            "Sat, 28 Nov 2026 05:00:00 GMT",
            "127.0.0.1:7880",
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
        );
        assert_eq!(
            text,
            "POST\n/identities?api-version=2023-10-01\nSat, 28 Nov 2026 05:00:00 GMT;127.0.0.1:7880;47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        assert_eq!(signature(b"emulator-key", &text), HAND_VECTOR);
    }

    const HAND_VECTOR: &str = "NRDnlI+IXdDnxjZlC1Ss4D9/AfEQReNB+IzpHjsZtTU=";

    #[test]
    fn authorization_header_round_trips() {
        let headers = sign_request(b"k", "GET", "/x?a=b", "h:1", b"", "d");
        let sig = parse_authorization(&headers.authorization).unwrap();
        let expected = signature(
            b"k",
            &string_to_sign("GET", "/x?a=b", "d", "h:1", &headers.content_sha256),
        );
        assert!(signatures_match(sig, &expected));
        assert!(!signatures_match(sig, "other"));
        assert_eq!(parse_authorization("Bearer abc"), None);
        assert_eq!(
            parse_authorization("HMAC-SHA256 SignedHeaders=host&Signature=x"),
            None
        );
    }

    #[test]
    fn js_style_query_encoding_is_a_candidate() {
        let c = path_and_query_candidates(
            "/identities/8:acs:x/:issueAccessToken",
            Some("api-version=2023-10-01&id=8:acs:x"),
        );
        assert_eq!(c.len(), 2);
        assert_eq!(
            c[1],
            "/identities/8:acs:x/:issueAccessToken?api-version=2023-10-01&id=8%3Aacs%3Ax"
        );
        assert_eq!(
            path_and_query_candidates("/p", None),
            vec!["/p".to_string()]
        );
    }
}
