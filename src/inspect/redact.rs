//! Redaction: what the inspector shows and HAR files hold must never carry a credential. Applied when
//! an exchange is recorded, so no unredacted copy is kept.

use serde_json::Value;

/// What stands in for a secret.
pub const REDACTED: &str = "REDACTED";

/// Header names whose whole value is a credential (compared case-insensitively).
const SECRET_HEADERS: &[&str] = &[
    "cookie",
    "set-cookie",
    "proxy-authorization",
    "x-api-key",
    "api-key",
    "ocp-apim-subscription-key",
];

/// Query parameters and JSON keys that hold credentials (compared case-insensitively, ignoring `_`
/// and `-`): tokens, keys, signatures, passwords, connection strings.
const SECRET_NAMES: &[&str] = &[
    "token",
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "key",
    "accesskey",
    "primarykey",
    "secondarykey",
    "sig",
    "signature",
    "password",
    "secret",
    "clientsecret",
    "authorization",
    "connectionstring",
    "primaryconnectionstring",
    "secondaryconnectionstring",
];

fn squashed(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a query parameter or JSON key names a credential.
pub fn is_secret_name(name: &str) -> bool {
    let name = squashed(name);
    SECRET_NAMES.contains(&name.as_str())
}

/// A header's value as it may be shown: credentials replaced, keeping an `Authorization` scheme and
/// an HMAC signature's signed-header list, which say what kind of credential was sent.
pub fn header_value(name: &str, value: &str) -> String {
    let lower = name.to_ascii_lowercase();
    if lower == "authorization" {
        let mut parts = value.splitn(2, ' ');
        let scheme = parts.next().unwrap_or_default();
        let rest = parts.next().unwrap_or_default();
        if scheme.eq_ignore_ascii_case("HMAC-SHA256") {
            let signed = rest
                .split('&')
                .find(|p| p.starts_with("SignedHeaders="))
                .unwrap_or("SignedHeaders=?");
            return format!("{scheme} {signed}&Signature={REDACTED}");
        }
        return format!("{scheme} {REDACTED}");
    }
    if SECRET_HEADERS.contains(&lower.as_str()) {
        return REDACTED.to_string();
    }
    text(value)
}

/// A URL with credential-bearing query parameters and any user info replaced.
pub fn url(raw: &str) -> String {
    let Ok(mut parsed) = reqwest::Url::parse(raw) else {
        return text(raw);
    };
    if !parsed.username().is_empty() || parsed.password().is_some() {
        let _ = parsed.set_username(REDACTED);
        let _ = parsed.set_password(None);
    }
    if parsed.query().is_some() {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(k, v)| {
                let value = if is_secret_name(&k) {
                    REDACTED.to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), value)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

/// A body as it may be shown: JSON with credential fields replaced (and pretty-printed when
/// `pretty`), or text with tokens and connection-string keys replaced.
pub fn body(raw: &str, pretty: bool) -> String {
    match serde_json::from_str::<Value>(raw) {
        Ok(mut value) => {
            json(&mut value);
            let printed = if pretty {
                serde_json::to_string_pretty(&value)
            } else {
                serde_json::to_string(&value)
            };
            printed.unwrap_or_else(|_| text(raw))
        }
        Err(_) => text(raw),
    }
}

/// Replaces credentials inside a JSON value, in place.
pub fn json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if is_secret_name(key) && !matches!(item, Value::Null | Value::Object(_)) {
                    *item = Value::String(REDACTED.to_string());
                } else {
                    json(item);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(json),
        Value::String(s) => {
            let cleaned = if s.starts_with("http://") || s.starts_with("https://") {
                url(s)
            } else if may_hold_secret(s) {
                text(s)
            } else {
                return;
            };
            if cleaned != *s {
                *s = cleaned;
            }
        }
        _ => {}
    }
}

/// Free text with JSON Web Tokens, `accesskey=` values and `Bearer` credentials replaced.
pub fn text(raw: &str) -> String {
    if !may_hold_secret(raw) {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while !rest.is_empty() {
        if let Some(len) = jwt_len(rest) {
            out.push_str(REDACTED);
            rest = &rest[len..];
            continue;
        }
        if let Some(prefix) = key_value_prefix(rest) {
            out.push_str(&rest[..prefix]);
            rest = &rest[prefix..];
            let end = rest
                .find(|c: char| c == ';' || c == '&' || c == '"' || c.is_whitespace())
                .unwrap_or(rest.len());
            if end > 0 {
                out.push_str(REDACTED);
            }
            rest = &rest[end..];
            continue;
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

/// The length of a JWT (`eyJ…` `.` `…` `.` `…`, base64url) starting at `s`.
/// What comes before a secret in free text, in lower case (matched in any case).
const SECRET_PREFIXES: &[&str] = &["accesskey=", "bearer ", "signature=", "sig="];

/// Whether `s` could hold anything [`text`] replaces: most text (a chat message, a frame's fields)
/// cannot, and is then not walked character by character.
fn may_hold_secret(s: &str) -> bool {
    if s.contains("eyJ") {
        return true;
    }
    if !s.contains('=') && !s.contains(' ') {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    SECRET_PREFIXES.iter().any(|p| lower.contains(p))
}

fn jwt_len(s: &str) -> Option<usize> {
    if !s.starts_with("eyJ") {
        return None;
    }
    let b64 = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'=';
    let bytes = s.as_bytes();
    let mut dots = 0;
    let mut len = 0;
    while len < bytes.len() && (b64(bytes[len]) || bytes[len] == b'.') {
        if bytes[len] == b'.' {
            dots += 1;
        }
        len += 1;
    }
    (dots >= 2 && len > 20).then_some(len)
}

/// At `accesskey=`, `Bearer ` or `Signature=` (any case): the length of that prefix.
fn key_value_prefix(s: &str) -> Option<usize> {
    SECRET_PREFIXES.iter().find_map(|p| {
        s.get(..p.len())
            .filter(|head| head.eq_ignore_ascii_case(p))
            .map(|_| p.len())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJza3lwZWlkIjoiYWNzOjEifQ.c2lnbmF0dXJlLWJ5dGVz";

    #[test]
    fn headers_keep_the_scheme_and_lose_the_credential() {
        assert_eq!(
            header_value("Authorization", &format!("Bearer {JWT}")),
            "Bearer REDACTED"
        );
        assert_eq!(
            header_value(
                "authorization",
                "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=abc+/="
            ),
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=REDACTED"
        );
        assert_eq!(header_value("Cookie", "a=b"), "REDACTED");
        assert_eq!(header_value("x-ms-request-id", "abc"), "abc");
    }

    #[test]
    fn urls_lose_tokens_in_queries_and_user_info() {
        let shown = url(&format!(
            "https://u:p@h.example/x?api-version=2024-03-07&token={JWT}&sig=zz"
        ));
        assert!(!shown.contains(JWT) && !shown.contains("zz") && !shown.contains(":p@"));
        assert!(shown.contains("api-version=2024-03-07"), "{shown}");
    }

    #[test]
    fn json_bodies_lose_tokens_keys_and_connection_strings() {
        let raw = format!(
            r#"{{"identity":{{"id":"8:acs:1"}},"accessToken":{{"token":"{JWT}","expiresOn":"2026"}},
               "cs":"endpoint=https://h/;accesskey=c2VjcmV0","note":"see {JWT} here","primaryKey":"k1"}}"#
        );
        let shown = body(&raw, true);
        for secret in [JWT, "c2VjcmV0", "k1\""] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(
            shown.contains("8:acs:1") && shown.contains("expiresOn"),
            "{shown}"
        );
    }

    #[test]
    fn text_loses_tokens_wherever_they_are() {
        assert_eq!(text(&format!("a {JWT} b")), "a REDACTED b");
        assert_eq!(
            text("endpoint=https://h/;AccessKey=abc==;x"),
            "endpoint=https://h/;AccessKey=REDACTED;x"
        );
        assert_eq!(
            text("sent with BEARER abc.def"),
            "sent with BEARER REDACTED"
        );
        assert_eq!(text("sig=abc&x=1"), "sig=REDACTED&x=1");
        assert_eq!(text("just words"), "just words");
        assert_eq!(text("ünïcödé"), "ünïcödé");
    }
}
