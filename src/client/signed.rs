//! Requests signed with a connection string's access key (HMAC-SHA256), as the identity and Call
//! Automation APIs (and the emulator's admin API) take them.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderName, HeaderValue};
use reqwest::{Method, Url};
use serde::Serialize;

use super::http::{endpoint_url, host_header, json_body, parse_endpoint};
use super::retry::{Idempotency, RetryPolicy, send_with_retry};
use super::{ClientError, Result};
use crate::acs::connection_string::ConnectionString;
use crate::acs::hmac::sign_request;
use crate::inspect::Tap;

/// Signs and sends requests to one resource. Cheap to clone; `Debug` never shows the key.
#[derive(Clone)]
pub struct SignedClient {
    http: reqwest::Client,
    base: Url,
    access_key: Arc<[u8]>,
    retry: RetryPolicy,
    tap: Tap,
}

impl fmt::Debug for SignedClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedClient")
            .field("endpoint", &self.base.as_str())
            .field("access_key", &"<redacted>")
            .field("retry", &self.retry)
            .finish()
    }
}

impl SignedClient {
    pub fn new(http: reqwest::Client, connection: &ConnectionString) -> Result<Self> {
        Ok(SignedClient {
            http,
            base: parse_endpoint(&connection.endpoint)?,
            access_key: Arc::from(connection.access_key()),
            retry: RetryPolicy::default(),
            tap: Tap::off(),
        })
    }

    /// Records every exchange on `tap`.
    pub fn with_tap(mut self, tap: Tap) -> Self {
        self.tap = tap;
        self
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The endpoint, with a trailing `/`.
    pub fn endpoint(&self) -> &str {
        self.base.as_str()
    }

    /// The HTTP client underneath (for unsigned requests to the same resource, such as its keys).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Sends a signed request; each try is signed afresh, since `x-ms-date` must be current.
    /// `headers` are sent as given on every try (a repeatability id stays the same across retries).
    pub async fn call<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        api_version: &str,
        body: Option<&B>,
        idempotency: Idempotency,
        headers: &[(&'static str, String)],
    ) -> Result<reqwest::Response> {
        let url = endpoint_url(
            &self.base,
            path,
            &[("api-version", api_version.to_string())],
        )?;
        // The service signs the Host header it receives; send exactly the value signed.
        let host = host_header(&url);
        let path_and_query = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        };
        let body = match body {
            Some(body) => Some(json_body(body)?),
            None => None,
        };
        let mut extra = Vec::with_capacity(headers.len());
        for (name, value) in headers {
            let value = HeaderValue::from_str(value)
                .map_err(|_| ClientError::Config(format!("the {name} header is not valid")))?;
            extra.push((HeaderName::from_static(name), value));
        }
        send_with_retry(&self.retry, idempotency, &self.tap, || {
            let date = httpdate::fmt_http_date(SystemTime::now());
            let payload = body.as_deref().unwrap_or_default();
            let signed = sign_request(
                &self.access_key,
                method.as_str(),
                &path_and_query,
                &host,
                payload,
                &date,
            );
            let request = HeaderValue::from_str(&signed.authorization)
                .map_err(|_| ClientError::Config("the request signature is not a header".into()))
                .map(|mut authorization| {
                    authorization.set_sensitive(true);
                    let mut request = self
                        .http
                        .request(method.clone(), url.clone())
                        .header(HOST, host.as_str())
                        .header("x-ms-date", signed.date)
                        .header("x-ms-content-sha256", signed.content_sha256)
                        .header(AUTHORIZATION, authorization);
                    for (name, value) in &extra {
                        request = request.header(name.clone(), value.clone());
                    }
                    if let Some(body) = &body {
                        request = request
                            .header(CONTENT_TYPE, "application/json")
                            .body(body.clone());
                    }
                    request
                });
            std::future::ready(request)
        })
        .await
    }
}
