//! Connection strings: `endpoint=https://host/;accesskey=<base64>` (keys are case-insensitive).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use std::fmt;

/// A parsed connection string. The key is kept out of `Debug` so it never reaches a log.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectionString {
    /// The endpoint with a trailing `/`.
    pub endpoint: String,
    access_key: Vec<u8>,
}

impl fmt::Debug for ConnectionString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionString")
            .field("endpoint", &self.endpoint)
            .field("access_key", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectionStringError {
    #[error("the connection string has no 'endpoint=' part")]
    MissingEndpoint,
    #[error("the connection string has no 'accesskey=' part")]
    MissingAccessKey,
    #[error("the endpoint '{0}' is not an http:// or https:// URL")]
    BadEndpoint(String),
    #[error("the access key is not valid base64")]
    BadAccessKey,
}

impl ConnectionString {
    pub fn new(endpoint: &str, access_key: Vec<u8>) -> Self {
        let mut endpoint = endpoint.to_string();
        if !endpoint.ends_with('/') {
            endpoint.push('/');
        }
        ConnectionString {
            endpoint,
            access_key,
        }
    }

    pub fn parse(text: &str) -> Result<Self, ConnectionStringError> {
        let mut endpoint = None;
        let mut key = None;
        for part in text.split(';') {
            let Some((name, value)) = part.split_once('=') else {
                continue;
            };
            match name.trim().to_ascii_lowercase().as_str() {
                "endpoint" => endpoint = Some(value.trim().to_string()),
                // base64 values may end in '=', which split_once leaves in `value`.
                "accesskey" => key = Some(value.trim().to_string()),
                _ => {}
            }
        }
        let endpoint = endpoint.ok_or(ConnectionStringError::MissingEndpoint)?;
        if !(endpoint.starts_with("https://") || endpoint.starts_with("http://")) {
            return Err(ConnectionStringError::BadEndpoint(endpoint));
        }
        let key = key.ok_or(ConnectionStringError::MissingAccessKey)?;
        let access_key = B64
            .decode(key.as_bytes())
            .map_err(|_| ConnectionStringError::BadAccessKey)?;
        Ok(ConnectionString::new(&endpoint, access_key))
    }

    pub fn access_key(&self) -> &[u8] {
        &self.access_key
    }

    /// The `host[:port]` part of the endpoint, as signed in the HMAC string.
    pub fn host(&self) -> &str {
        let rest = self
            .endpoint
            .split_once("://")
            .map(|(_, r)| r)
            .unwrap_or(&self.endpoint);
        rest.split('/').next().unwrap_or(rest)
    }

    /// The text form, which contains the secret: show it only where the user asked for it.
    pub fn expose(&self) -> String {
        format!(
            "endpoint={};accesskey={}",
            self.endpoint,
            B64.encode(&self.access_key)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_case_insensitively_and_round_trips() {
        let cs =
            ConnectionString::parse("Endpoint=https://x.communication.azure.com;AccessKey=a2V5")
                .unwrap();
        assert_eq!(cs.endpoint, "https://x.communication.azure.com/");
        assert_eq!(cs.access_key(), b"key");
        assert_eq!(cs.host(), "x.communication.azure.com");
        assert_eq!(ConnectionString::parse(&cs.expose()).unwrap(), cs);
        assert!(!format!("{cs:?}").contains("a2V5"));
    }

    #[test]
    fn names_what_is_wrong() {
        assert_eq!(
            ConnectionString::parse("accesskey=a2V5"),
            Err(ConnectionStringError::MissingEndpoint)
        );
        assert_eq!(
            ConnectionString::parse("endpoint=https://h/"),
            Err(ConnectionStringError::MissingAccessKey)
        );
        assert_eq!(
            ConnectionString::parse("endpoint=https://h/;accesskey=!!"),
            Err(ConnectionStringError::BadAccessKey)
        );
        assert!(matches!(
            ConnectionString::parse("endpoint=h;accesskey=a2V5"),
            Err(ConnectionStringError::BadEndpoint(_))
        ));
        assert_eq!(
            ConnectionString::parse("endpoint=http://127.0.0.1:7880;accesskey=a2V5")
                .unwrap()
                .host(),
            "127.0.0.1:7880"
        );
    }
}
