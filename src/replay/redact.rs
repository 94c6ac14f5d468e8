//! What never goes into a record: the access key and connection string the console knows, bearer
//! tokens (JWTs) wherever they appear, `accesskey=` values, and the credentials a link can carry (a
//! user and password before the host, query and fragment values such as SAS signatures or
//! `access_token`). Each becomes `REDACTED`.
//!
//! Links keep their scheme, host, path and `api-version`, so a record still shows what pointed where.

use std::borrow::Cow;

use base64::Engine;

use crate::acs::connection_string::ConnectionString;

/// What a secret is replaced by.
pub const REDACTED: &str = "REDACTED";

/// Query and fragment parameters whose values are kept: they say which API, never who.
const KEPT_PARAMETERS: &[&str] = &["api-version"];

/// Known secrets shorter than this are not searched for: they would match ordinary text.
const MIN_SECRET_LEN: usize = 8;

/// Takes secrets out of text.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} known secrets)", self.secrets.len())
    }
}

impl Redactor {
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Also takes out `secret` wherever it appears.
    pub fn with_secret(mut self, secret: impl Into<String>) -> Redactor {
        let secret = secret.into();
        if secret.len() >= MIN_SECRET_LEN && !self.secrets.contains(&secret) {
            self.secrets.push(secret);
            // Longest first, so a secret that contains another goes whole.
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
        self
    }

    /// Also takes out the connection string and its access key (as written in it, and as text).
    pub fn with_connection(self, connection: &ConnectionString) -> Redactor {
        let key = connection.access_key();
        let mut redactor = self
            .with_secret(connection.expose())
            .with_secret(base64::engine::general_purpose::STANDARD.encode(key))
            .with_secret(base64::engine::general_purpose::URL_SAFE.encode(key));
        if let Ok(text) = std::str::from_utf8(key) {
            redactor = redactor.with_secret(text);
        }
        redactor
    }

    /// `text` without the secrets it held; borrowed when it held none.
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), REDACTED));
            }
        }
        for pass in [access_keys as fn(&str) -> Option<String>, links, jwts] {
            if let Some(changed) = pass(&out) {
                out = Cow::Owned(changed);
            }
        }
        out
    }

    /// Scrubs every string in `value`, keys of objects included.
    pub fn scrub_json(&self, value: &mut serde_json::Value) {
        use serde_json::Value;
        match value {
            Value::String(s) => {
                if let Cow::Owned(clean) = self.scrub(s) {
                    *s = clean;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_json(v)),
            Value::Object(map) => {
                let entries = std::mem::take(map);
                for (key, mut v) in entries {
                    self.scrub_json(&mut v);
                    map.insert(self.scrub(&key).into_owned(), v);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

fn is_token_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}

/// The end of the run of base64url characters starting at `from`.
fn token_run(bytes: &[u8], from: usize) -> usize {
    let mut end = from;
    while end < bytes.len() && is_token_char(bytes[end]) {
        end += 1;
    }
    end
}

/// JWTs: `eyJ…` header, payload and (possibly empty) signature, dot separated.
fn jwts(text: &str) -> Option<String> {
    if !text.contains("eyJ") {
        return None;
    }
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while let Some(found) = text[i..].find("eyJ") {
        let start = i + found;
        let at_boundary = start == 0 || !is_token_char(bytes[start - 1]);
        let header_end = token_run(bytes, start);
        let mut end = None;
        if at_boundary && header_end - start >= 10 && bytes.get(header_end) == Some(&b'.') {
            let payload_end = token_run(bytes, header_end + 1);
            if payload_end - header_end > 10 && bytes.get(payload_end) == Some(&b'.') {
                end = Some(token_run(bytes, payload_end + 1));
            }
        }
        match end {
            Some(end) => {
                out.push_str(&text[copied..start]);
                out.push_str(REDACTED);
                copied = end;
                i = end;
            }
            None => i = start + 3,
        }
    }
    (copied > 0).then(|| {
        out.push_str(&text[copied..]);
        out
    })
}

/// `accesskey=<value>` (any case) up to `;`, a quote or white space.
fn access_keys(text: &str) -> Option<String> {
    const NEEDLE: &str = "accesskey=";
    let lower = text.to_ascii_lowercase();
    if !lower.contains(NEEDLE) {
        return None;
    }
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while let Some(found) = lower[i..].find(NEEDLE) {
        let value_start = i + found + NEEDLE.len();
        let value_end = text[value_start..]
            .find(|c: char| c == ';' || c == '"' || c == '\'' || c.is_whitespace())
            .map_or(text.len(), |n| value_start + n);
        out.push_str(&text[copied..value_start]);
        if value_end > value_start {
            out.push_str(REDACTED);
        }
        copied = value_end;
        i = value_end.max(value_start);
    }
    out.push_str(&text[copied..]);
    (out != text).then_some(out)
}

/// Where a link that starts at `start` ends: white space, a quote or an angle bracket.
fn link_end(text: &str, start: usize) -> usize {
    text[start..]
        .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
        .map_or(text.len(), |n| start + n)
}

/// Links without their credentials.
fn links(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    if !lower.contains("://") {
        return None;
    }
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while let Some(found) = lower[i..].find("://") {
        let scheme_end = i + found;
        let scheme_start = lower[..scheme_end]
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
            .map_or(0, |(n, c)| n + c.len_utf8());
        let end = link_end(text, scheme_end);
        if scheme_start < scheme_end {
            let link = &text[scheme_start..end];
            let clean = clean_link(link);
            if clean != link {
                out.push_str(&text[copied..scheme_start]);
                out.push_str(&clean);
                copied = end;
            }
        }
        i = end.max(scheme_end + 3);
    }
    (copied > 0).then(|| {
        out.push_str(&text[copied..]);
        out
    })
}

/// One link: no user information, and only kept parameters keep their values.
fn clean_link(link: &str) -> String {
    let Some(authority_start) = link.find("://").map(|n| n + 3) else {
        return link.to_string();
    };
    let rest = &link[authority_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let host = match authority.rfind('@') {
        Some(at) => &authority[at + 1..],
        None => authority,
    };
    let after = &rest[authority_end..];
    let (before_fragment, fragment) = match after.find('#') {
        Some(n) => (&after[..n], Some(&after[n + 1..])),
        None => (after, None),
    };
    let (path, query) = match before_fragment.find('?') {
        Some(n) => (&before_fragment[..n], Some(&before_fragment[n + 1..])),
        None => (before_fragment, None),
    };
    let mut out = format!("{}{host}{path}", &link[..authority_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(&clean_parameters(query));
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(&clean_parameters(fragment));
    }
    out
}

/// `a=1&b=2` with every value but the kept ones redacted; a long bare word is taken for a token.
fn clean_parameters(parameters: &str) -> String {
    parameters
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, value))
                if !value.is_empty()
                    && !KEPT_PARAMETERS.iter().any(|k| k.eq_ignore_ascii_case(name)) =>
            {
                format!("{name}={REDACTED}")
            }
            Some(_) => pair.to_string(),
            None if pair.len() >= 16 => REDACTED.to_string(),
            None => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWT: &str =
        "eyJhbGciOiJIUzI1NiJ9.eyJza3lwZWlkIjoiYWNzOjEyMyJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ";

    #[test]
    fn tokens_go_wherever_they_are() {
        let r = Redactor::new();
        assert_eq!(
            r.scrub(&format!("Bearer {JWT}, and more")),
            "Bearer REDACTED, and more"
        );
        assert_eq!(r.scrub(&format!("({JWT})")), "(REDACTED)");
        assert_eq!(
            r.scrub("eyJ is how a JSON header starts"),
            "eyJ is how a JSON header starts"
        );
        assert!(matches!(r.scrub("nothing here"), Cow::Borrowed(_)));
    }

    #[test]
    fn links_keep_where_they_point_but_not_their_credentials() {
        let r = Redactor::new();
        assert_eq!(
            r.scrub("see https://user:pw@files.example.com/a/b.png?api-version=2024-03-07&sig=abc&token=xyz#access_token=q"),
            "see https://files.example.com/a/b.png?api-version=2024-03-07&sig=REDACTED&token=REDACTED#access_token=REDACTED"
        );
        assert_eq!(
            r.scrub("<a href=\"http://h/p?x=1\">x</a>"),
            "<a href=\"http://h/p?x=REDACTED\">x</a>"
        );
        assert!(matches!(
            r.scrub("http://127.0.0.1:7880/emulator/attachments/1?api-version=1"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn known_secrets_and_access_keys_go() {
        let connection =
            ConnectionString::new("http://127.0.0.1:7880/", b"0123456789abcdef-key".to_vec());
        let r = Redactor::new().with_connection(&connection);
        let text = format!("cs={} plain=0123456789abcdef-key", connection.expose());
        let clean = r.scrub(&text);
        assert!(!clean.contains("MDEyMzQ1Njc4OWFiY2RlZi1rZXk"), "{clean}");
        assert!(!clean.contains("0123456789abcdef-key"), "{clean}");
        assert_eq!(
            r.scrub("endpoint=https://x/;AccessKey=c2VjcmV0; more"),
            "endpoint=https://x/;AccessKey=REDACTED; more"
        );
    }

    #[test]
    fn json_strings_and_keys_are_scrubbed() {
        let r = Redactor::new().with_secret("very-secret-value");
        let mut value =
            serde_json::json!({"a": ["very-secret-value", 1], "very-secret-value": JWT});
        r.scrub_json(&mut value);
        assert_eq!(
            value,
            serde_json::json!({"a": ["REDACTED", 1], "REDACTED": "REDACTED"})
        );
    }
}
