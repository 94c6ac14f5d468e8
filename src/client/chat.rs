//! The chat API as one user: threads, messages, participants, typing and read receipts.

use std::collections::HashSet;
use std::fmt;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::http::{
    decode_json, encode_segment, endpoint_url, json_body, parse_endpoint, request_id_of,
    same_origin,
};
use super::retry::{Idempotency, RetryPolicy, send_with_retry};
use super::token::TokenSource;
use super::{ClientError, Result};
use crate::acs::CommunicationIdentifier;
use crate::acs::chat::{
    AddChatParticipantsRequest, AddChatParticipantsResult, ChatMessage, ChatMessageReadReceipt,
    ChatParticipant, ChatThreadItem, ChatThreadProperties, CreateChatThreadRequest,
    CreateChatThreadResult, Page, SendChatMessageRequest, SendChatMessageResult,
    SendReadReceiptRequest, SendTypingNotificationRequest, UpdateChatMessageRequest,
    UpdateChatThreadRequest,
};
use crate::inspect::Tap;

/// The chat `api-version` this client speaks.
pub const CHAT_API_VERSION: &str = "2024-03-07";

/// How long an attachment download may take, body included; the shared client's timeout is for
/// small JSON answers.
pub const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(600);

const JSON: &str = "application/json";
/// Updates are JSON merge patches: absent fields are left alone.
const MERGE_PATCH: &str = "application/merge-patch+json";

/// Which page of messages to fetch: the newest first, or the one a previous page's `nextLink` names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessagesQuery {
    /// At most this many messages (the service allows up to 200; its default is 100).
    pub max_page_size: Option<u32>,
    /// Only messages created at or after this time.
    pub start_time: Option<OffsetDateTime>,
    /// A previous page's `nextLink`; when set, `start_time` is already in it and `max_page_size`,
    /// when given, replaces the link's page size.
    pub next_link: Option<String>,
}

/// A write the service accepted, with what names it in the service's own logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted<T> {
    pub value: T,
    pub status: u16,
    /// The service's `x-ms-request-id` (or the `x-ms-client-request-id` it echoed).
    pub request_id: Option<String>,
}

impl Accepted<()> {
    fn of(response: &reqwest::Response) -> Accepted<()> {
        Accepted {
            value: (),
            status: response.status().as_u16(),
            request_id: request_id_of(response.headers()),
        }
    }

    fn with<T>(self, value: T) -> Accepted<T> {
        Accepted {
            value,
            status: self.status,
            request_id: self.request_id,
        }
    }
}

/// Calls the chat API with a user's bearer token. Cheap to clone.
#[derive(Clone)]
pub struct ChatClient {
    http: reqwest::Client,
    endpoint: Url,
    tokens: TokenSource,
    retry: RetryPolicy,
    tap: Tap,
}

impl fmt::Debug for ChatClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChatClient")
            .field("endpoint", &self.endpoint.as_str())
            .field("user", &self.tokens.user_id())
            .field("retry", &self.retry)
            .finish()
    }
}

/// A request body and its content type.
struct Body {
    bytes: Vec<u8>,
    content_type: &'static str,
}

impl Body {
    fn json<T: Serialize>(value: &T) -> Result<Self> {
        Ok(Body {
            bytes: json_body(value)?,
            content_type: JSON,
        })
    }

    fn merge_patch<T: Serialize>(value: &T) -> Result<Self> {
        Ok(Body {
            bytes: json_body(value)?,
            content_type: MERGE_PATCH,
        })
    }
}

impl ChatClient {
    /// A client for `endpoint` (`https://<resource>.communication.azure.com/`) acting as the user of
    /// `tokens`, with the default retry policy.
    pub fn new(http: reqwest::Client, endpoint: &str, tokens: TokenSource) -> Result<Self> {
        Ok(ChatClient {
            http,
            endpoint: parse_endpoint(endpoint)?,
            tokens,
            retry: RetryPolicy::default(),
            tap: Tap::off(),
        })
    }

    /// Records every exchange on `tap`.
    pub fn with_tap(mut self, tap: Tap) -> Self {
        self.tap = tap;
        self
    }

    /// Replaces the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The endpoint, with a trailing `/`.
    pub fn endpoint(&self) -> &str {
        self.endpoint.as_str()
    }

    /// Where this client's exchanges are recorded.
    pub fn tap(&self) -> &Tap {
        &self.tap
    }

    /// The source of this client's tokens, and so its user.
    pub fn tokens(&self) -> &TokenSource {
        &self.tokens
    }

    /// Creates a thread with the caller and `participants` in it. With a `repeatability_request_id`,
    /// repeating the call returns the same thread, so it is also retried after network errors.
    pub async fn create_thread(
        &self,
        topic: &str,
        participants: Vec<ChatParticipant>,
        repeatability_request_id: Option<String>,
    ) -> Result<CreateChatThreadResult> {
        let body = Body::json(&CreateChatThreadRequest {
            topic: topic.to_string(),
            participants: Some(participants),
            metadata: None,
            retention_policy: None,
        })?;
        let idempotency = match repeatability_request_id {
            Some(_) => Idempotency::Idempotent,
            None => Idempotency::NotIdempotent,
        };
        let headers: Vec<(&str, String)> = repeatability_request_id
            .map(|id| ("repeatability-request-id", id))
            .into_iter()
            .collect();
        let url = self.url("chat/threads", &[])?;
        let response = self
            .send(Method::POST, url, Some(body), &headers, idempotency)
            .await?;
        decode_json(response, "the created thread").await
    }

    /// Every thread the user is in, newest activity first, following each `nextLink`.
    pub async fn list_threads(
        &self,
        max_page_size: Option<u32>,
        start_time: Option<OffsetDateTime>,
    ) -> Result<Vec<ChatThreadItem>> {
        let mut query = Vec::new();
        if let Some(n) = max_page_size {
            query.push(("maxPageSize", n.to_string()));
        }
        if let Some(t) = start_time {
            query.push(("startTime", format_time(t)?));
        }
        self.get_all(self.url("chat/threads", &query)?, "the list of threads")
            .await
    }

    /// A thread's properties.
    pub async fn get_thread(&self, thread_id: &str) -> Result<ChatThreadProperties> {
        self.get(self.thread_url(thread_id, "")?, "the thread")
            .await
    }

    /// Sets a thread's topic.
    pub async fn update_topic(&self, thread_id: &str, topic: &str) -> Result<()> {
        let body = Body::merge_patch(&UpdateChatThreadRequest {
            topic: Some(topic.to_string()),
            ..Default::default()
        })?;
        let url = self.thread_url(thread_id, "")?;
        self.send(Method::PATCH, url, Some(body), &[], Idempotency::Idempotent)
            .await?;
        Ok(())
    }

    /// Deletes a thread for everyone.
    pub async fn delete_thread(&self, thread_id: &str) -> Result<()> {
        let url = self.thread_url(thread_id, "")?;
        self.send(Method::DELETE, url, None, &[], Idempotency::Idempotent)
            .await?;
        Ok(())
    }

    /// Sends a message and returns its id. Never repeated after a network error, which could send it
    /// twice; a caller that must not lose it puts its own id in `metadata` and looks before resending.
    pub async fn send_message(
        &self,
        thread_id: &str,
        message: SendChatMessageRequest,
    ) -> Result<String> {
        Ok(self.send_message_accepted(thread_id, message).await?.value)
    }

    /// Like [`ChatClient::send_message`], with the status and the request id of the answer.
    pub async fn send_message_accepted(
        &self,
        thread_id: &str,
        message: SendChatMessageRequest,
    ) -> Result<Accepted<String>> {
        let body = Body::json(&message)?;
        let url = self.thread_url(thread_id, "/messages")?;
        let response = self
            .send(
                Method::POST,
                url,
                Some(body),
                &[],
                Idempotency::NotIdempotent,
            )
            .await?;
        let accepted = Accepted::of(&response);
        let result: SendChatMessageResult = decode_json(response, "the sent message").await?;
        Ok(accepted.with(result.id))
    }

    /// One page of messages, newest first. Pass the page's `next_link` back for older ones.
    pub async fn list_messages(
        &self,
        thread_id: &str,
        query: MessagesQuery,
    ) -> Result<Page<ChatMessage>> {
        let url = match &query.next_link {
            Some(link) => {
                let mut url = self.next_link_url(link)?;
                if let Some(n) = query.max_page_size {
                    with_param(&mut url, "maxPageSize", &n.to_string());
                }
                url
            }
            None => {
                let mut params = Vec::new();
                if let Some(n) = query.max_page_size {
                    params.push(("maxPageSize", n.to_string()));
                }
                if let Some(t) = query.start_time {
                    params.push(("startTime", format_time(t)?));
                }
                self.thread_url_with(thread_id, "/messages", &params)?
            }
        };
        self.get(url, "the page of messages").await
    }

    /// One message.
    pub async fn get_message(&self, thread_id: &str, message_id: &str) -> Result<ChatMessage> {
        let url = self.message_url(thread_id, message_id)?;
        self.get(url, "the message").await
    }

    /// Edits a message's content or metadata; fields left `None` are unchanged.
    pub async fn update_message(
        &self,
        thread_id: &str,
        message_id: &str,
        update: UpdateChatMessageRequest,
    ) -> Result<Accepted<()>> {
        let body = Body::merge_patch(&update)?;
        let url = self.message_url(thread_id, message_id)?;
        let response = self
            .send(Method::PATCH, url, Some(body), &[], Idempotency::Idempotent)
            .await?;
        Ok(Accepted::of(&response))
    }

    /// Deletes a message; it stays in the list with `deletedOn` set.
    pub async fn delete_message(&self, thread_id: &str, message_id: &str) -> Result<Accepted<()>> {
        let url = self.message_url(thread_id, message_id)?;
        let response = self
            .send(Method::DELETE, url, None, &[], Idempotency::Idempotent)
            .await?;
        Ok(Accepted::of(&response))
    }

    /// Every participant of a thread, following each `nextLink`.
    pub async fn list_participants(&self, thread_id: &str) -> Result<Vec<ChatParticipant>> {
        let url = self.thread_url(thread_id, "/participants")?;
        self.get_all(url, "the list of participants").await
    }

    /// Adds participants; those the service refused are in `invalid_participants`.
    pub async fn add_participants(
        &self,
        thread_id: &str,
        participants: Vec<ChatParticipant>,
    ) -> Result<AddChatParticipantsResult> {
        let body = Body::json(&AddChatParticipantsRequest { participants })?;
        let url = self.thread_url(thread_id, "/participants/:add")?;
        let response = self
            .send(
                Method::POST,
                url,
                Some(body),
                &[],
                Idempotency::NotIdempotent,
            )
            .await?;
        decode_json(response, "the result of adding participants").await
    }

    /// Removes a participant (the caller, to leave the thread).
    pub async fn remove_participant(
        &self,
        thread_id: &str,
        participant: &CommunicationIdentifier,
    ) -> Result<()> {
        // As the SDKs send it: rawId and the nested object, without `kind`.
        let mut model = participant.to_model();
        model.kind = None;
        let body = Body::json(&model)?;
        let url = self.thread_url(thread_id, "/participants/:remove")?;
        self.send(
            Method::POST,
            url,
            Some(body),
            &[],
            Idempotency::NotIdempotent,
        )
        .await?;
        Ok(())
    }

    /// Tells the thread the user is typing.
    pub async fn send_typing(
        &self,
        thread_id: &str,
        sender_display_name: Option<String>,
    ) -> Result<()> {
        let body = Body::json(&SendTypingNotificationRequest {
            sender_display_name,
        })?;
        let url = self.thread_url(thread_id, "/typing")?;
        // A repeated typing notification changes nothing.
        self.send(Method::POST, url, Some(body), &[], Idempotency::Idempotent)
            .await?;
        Ok(())
    }

    /// Marks the thread read up to `message_id`.
    pub async fn send_read_receipt(&self, thread_id: &str, message_id: &str) -> Result<()> {
        let body = Body::json(&SendReadReceiptRequest {
            chat_message_id: message_id.to_string(),
        })?;
        let url = self.thread_url(thread_id, "/readReceipts")?;
        // Reading the same message twice is still one read position.
        self.send(Method::POST, url, Some(body), &[], Idempotency::Idempotent)
            .await?;
        Ok(())
    }

    /// Every read receipt of a thread, following each `nextLink`.
    pub async fn list_read_receipts(&self, thread_id: &str) -> Result<Vec<ChatMessageReadReceipt>> {
        let url = self.thread_url(thread_id, "/readReceipts")?;
        self.get_all(url, "the list of read receipts").await
    }

    fn url(&self, path: &str, query: &[(&str, String)]) -> Result<Url> {
        let mut params = vec![("api-version", CHAT_API_VERSION.to_string())];
        params.extend(query.iter().cloned());
        endpoint_url(&self.endpoint, path, &params)
    }

    fn thread_url(&self, thread_id: &str, rest: &str) -> Result<Url> {
        self.thread_url_with(thread_id, rest, &[])
    }

    fn thread_url_with(
        &self,
        thread_id: &str,
        rest: &str,
        query: &[(&str, String)],
    ) -> Result<Url> {
        self.url(
            &format!("chat/threads/{}{rest}", encode_segment(thread_id)),
            query,
        )
    }

    fn message_url(&self, thread_id: &str, message_id: &str) -> Result<Url> {
        self.thread_url(
            thread_id,
            &format!("/messages/{}", encode_segment(message_id)),
        )
    }

    /// Whether `link` points at this client's endpoint (same scheme, host and port): the only place
    /// its token is sent.
    pub fn is_own_link(&self, link: &str) -> bool {
        Url::parse(link).is_ok_and(|url| same_origin(&self.endpoint, &url))
    }

    /// Starts fetching an attachment from `link`, as a message carried it, with the user's token; the
    /// caller streams the body. A link away from the endpoint is refused, not followed: the token is
    /// for the endpoint only (reqwest also drops it on a redirect to another host).
    pub async fn get_attachment(&self, link: &str) -> Result<reqwest::Response> {
        let url = Url::parse(link).map_err(|e| {
            ClientError::Decode(format!("the attachment link '{link}' is not a URL: {e}"))
        })?;
        if !same_origin(&self.endpoint, &url) {
            return Err(ClientError::Config(format!(
                "the attachment link '{link}' points away from {}; the access token is sent only there",
                self.endpoint
            )));
        }
        send_with_retry(&self.retry, Idempotency::Idempotent, &self.tap, || {
            let (http, tokens, url) = (self.http.clone(), self.tokens.clone(), url.clone());
            async move {
                Ok(authorized(&http, &tokens, Method::GET, url)
                    .await?
                    .timeout(DOWNLOAD_TIMEOUT))
            }
        })
        .await
    }

    /// A `nextLink` as given; it must point at our endpoint, since our token goes with it.
    fn next_link_url(&self, link: &str) -> Result<Url> {
        let url = Url::parse(link)
            .map_err(|e| ClientError::Decode(format!("the nextLink '{link}' is not a URL: {e}")))?;
        if !same_origin(&self.endpoint, &url) {
            return Err(ClientError::Decode(format!(
                "the nextLink '{link}' points away from {}; it was not followed",
                self.endpoint
            )));
        }
        Ok(url)
    }

    async fn get<T: DeserializeOwned>(&self, url: Url, what: &str) -> Result<T> {
        let response = self
            .send(Method::GET, url, None, &[], Idempotency::Idempotent)
            .await?;
        decode_json(response, what).await
    }

    /// Every item of a paged list, following each `nextLink` until there is none.
    async fn get_all<T: DeserializeOwned>(&self, first: Url, what: &str) -> Result<Vec<T>> {
        let mut items = Vec::new();
        let mut seen = HashSet::new();
        let mut url = first;
        loop {
            let page: Page<T> = self.get(url, what).await?;
            items.extend(page.value);
            let Some(link) = page.next_link else {
                return Ok(items);
            };
            // A service that hands back a link it already gave would page forever.
            if !seen.insert(link.clone()) {
                return Err(ClientError::Decode(format!(
                    "{what}: the service repeated the nextLink '{link}'"
                )));
            }
            url = self.next_link_url(&link)?;
        }
    }

    /// Sends a request with a current bearer token, retrying as `idempotency` allows.
    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<Body>,
        headers: &[(&str, String)],
        idempotency: Idempotency,
    ) -> Result<reqwest::Response> {
        send_with_retry(&self.retry, idempotency, &self.tap, || {
            let (http, tokens, method, url) = (
                self.http.clone(),
                self.tokens.clone(),
                method.clone(),
                url.clone(),
            );
            let body = body.as_ref().map(|b| (b.bytes.clone(), b.content_type));
            let headers: Vec<(String, String)> = headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect();
            async move {
                let mut request = authorized(&http, &tokens, method, url).await?;
                for (name, value) in headers {
                    request = request.header(name, value);
                }
                if let Some((bytes, content_type)) = body {
                    request = request.header(CONTENT_TYPE, content_type).body(bytes);
                }
                Ok(request)
            }
        })
        .await
    }
}

/// A request with a current bearer token, marked sensitive so it never shows in logs.
async fn authorized(
    http: &reqwest::Client,
    tokens: &TokenSource,
    method: Method,
    url: Url,
) -> Result<reqwest::RequestBuilder> {
    let mut authorization = HeaderValue::from_str(&format!("Bearer {}", tokens.token().await?))
        .map_err(|_| ClientError::Config("the access token is not a valid header".into()))?;
    authorization.set_sensitive(true);
    Ok(http
        .request(method, url)
        .header(AUTHORIZATION, authorization))
}

fn format_time(t: OffsetDateTime) -> Result<String> {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .map_err(|e| ClientError::Config(format!("cannot format the time {t}: {e}")))
}

/// `url` with `name` set to `value`, replacing what it had.
fn with_param(url: &mut Url, name: &str, value: &str) {
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != name)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut pairs = url.query_pairs_mut();
    pairs.clear();
    for (k, v) in &kept {
        pairs.append_pair(k, v);
    }
    pairs.append_pair(name, value);
}
