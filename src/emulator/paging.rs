//! Page sizes and `nextLink`s: absolute URLs that repeat the request with a continuation.

use axum::http::{HeaderMap, Uri};

use super::error::ApiError;

/// Builds the `nextLink` for the request `uri`, replacing or adding `params`.
pub fn next_link(
    scheme: &str,
    headers: &HeaderMap,
    uri: &Uri,
    params: &[(&str, String)],
) -> String {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| uri.authority().map(|a| a.to_string()))
        .unwrap_or_else(|| "localhost".to_string());
    let mut pairs: Vec<(String, String)> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let k = decode(k);
            (!params.iter().any(|(name, _)| *name == k)).then(|| (k, decode(v)))
        })
        .collect();
    pairs.extend(params.iter().map(|(k, v)| (k.to_string(), v.clone())));
    let query = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    format!("{scheme}://{host}{}?{query}", uri.path())
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC)
        .to_string()
        .replace("%2D", "-")
        .replace("%2E", ".")
        .replace("%5F", "_")
}

/// Checks `maxPageSize` against 1..=`max`, defaulting to `default`.
pub fn page_size(requested: Option<i64>, default: usize, max: usize) -> Result<usize, ApiError> {
    match requested {
        None => Ok(default),
        Some(n) if n >= 1 && (n as u64) <= max as u64 => Ok(n as usize),
        Some(n) => Err(ApiError::invalid_field(
            "maxPageSize",
            format!("maxPageSize must be between 1 and {max}; it was {n}."),
        )),
    }
}

/// Parses the optional `startTime` query parameter.
pub fn start_time(text: Option<&str>) -> Result<Option<i64>, ApiError> {
    match text {
        None => Ok(None),
        Some(t) => crate::acs::time::parse_rfc3339_ms(t)
            .map(Some)
            .ok_or_else(|| {
                ApiError::invalid_field(
                    "startTime",
                    format!("startTime '{t}' is not an RFC 3339 date-time."),
                )
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_keeps_the_query_and_replaces_the_continuation() {
        let mut headers = HeaderMap::new();
        headers.insert("host", "127.0.0.1:7880".parse().unwrap());
        let uri: Uri = "/chat/threads/19%3Aab%40thread.v2/messages?api-version=2024-03-07&maxPageSize=2&continuationToken=9"
            .parse()
            .unwrap();
        let link = next_link(
            "https",
            &headers,
            &uri,
            &[("continuationToken", "7".into())],
        );
        assert_eq!(
            link,
            "https://127.0.0.1:7880/chat/threads/19%3Aab%40thread.v2/messages?api-version=2024-03-07&maxPageSize=2&continuationToken=7"
        );
    }

    #[test]
    fn page_sizes_are_bounded() {
        assert_eq!(page_size(None, 100, 200).unwrap(), 100);
        assert_eq!(page_size(Some(200), 100, 200).unwrap(), 200);
        assert!(page_size(Some(201), 100, 200).is_err());
        assert!(page_size(Some(0), 100, 200).is_err());
    }
}
