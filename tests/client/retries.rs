//! Retries against a stand-in service that answers from a script.

use super::*;

/// The headers of each request a stand-in server received.
type Seen = Arc<std::sync::Mutex<Vec<axum::http::HeaderMap>>>;

fn hits(seen: &Seen) -> usize {
    seen.lock().expect("the list").len()
}

/// A stand-in chat service: the messages route answers with `script` in turn (then 201), keeping
/// each request's headers.
async fn scripted_server(script: Vec<(u16, Option<&'static str>)>) -> (SocketAddr, Seen) {
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;
    let seen = Seen::default();
    let record = seen.clone();
    let handler = move |request: HeaderMap| {
        let n = {
            let mut list = record.lock().expect("the list");
            list.push(request);
            list.len() - 1
        };
        let (status, retry_after) = script.get(n).copied().unwrap_or((201, None));
        async move {
            let mut headers = HeaderMap::new();
            if let Some(value) = retry_after {
                headers.insert("retry-after", value.parse().expect("a header value"));
            }
            let status = StatusCode::from_u16(status).expect("a status");
            let body = if status.is_success() {
                r#"{"id":"1795842000123"}"#.to_string()
            } else {
                format!(
                    r#"{{"error":{{"code":"Scripted","message":"status {}"}}}}"#,
                    status.as_u16()
                )
            };
            (status, headers, body)
        }
    };
    let app = axum::Router::new().route(
        "/chat/threads/{id}/messages",
        post(handler.clone()).get(handler),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, seen)
}

fn stand_in_client(addr: SocketAddr, retry: RetryPolicy) -> ChatClient {
    let expires = OffsetDateTime::now_utc() + Duration::from_secs(3600);
    let tokens = TokenSource::fixed("8:acs:r_u", AccessToken::new("header.payload.sig", expires));
    let http = build_http_client(None).expect("an HTTP client");
    ChatClient::new(http, &format!("http://{addr}/"), tokens)
        .expect("a chat client")
        .with_retry(retry)
}

const QUICK: RetryPolicy = RetryPolicy {
    max_attempts: 4,
    base_delay: Duration::from_millis(1),
    max_delay: Duration::from_millis(5),
};

#[tokio::test]
async fn a_send_is_retried_after_503s_and_succeeds() {
    let (addr, seen) = scripted_server(vec![(503, Some("0")), (503, None)]).await;
    let id = stand_in_client(addr, QUICK)
        .send_message("19:t@thread.v2", text("hi"))
        .await
        .expect("the third try succeeds");
    assert_eq!(id, "1795842000123");
    assert_eq!(hits(&seen), 3);
    for headers in seen.lock().expect("the list").iter() {
        assert_eq!(headers["authorization"], "Bearer header.payload.sig");
        let agent = headers["user-agent"].to_str().expect("ascii");
        assert!(agent.starts_with("acs-interop/"), "{agent}");
    }
}

#[tokio::test]
async fn retry_after_is_waited_out_over_the_computed_delay() {
    let (addr, seen) = scripted_server(vec![(429, Some("1"))]).await;
    let started = Instant::now();
    stand_in_client(addr, QUICK)
        .send_message("19:t@thread.v2", text("hi"))
        .await
        .expect("the second try succeeds");
    assert_eq!(hits(&seen), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_send_is_not_repeated_after_a_500_but_a_read_is() {
    let (addr, seen) = scripted_server(vec![(500, None)]).await;
    let e = stand_in_client(addr, QUICK)
        .send_message("19:t@thread.v2", text("hi"))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(500));
    assert_eq!(hits(&seen), 1, "the service may have acted");

    let (addr, seen) = scripted_server(vec![(500, None), (502, None), (504, None)]).await;
    let e = stand_in_client(addr, QUICK)
        .list_messages("19:t@thread.v2", MessagesQuery::default())
        .await
        .unwrap_err();
    // The fourth answer is the scripted 201 with a body that is not a page.
    assert!(matches!(e, ClientError::Decode(_)), "{e:?}");
    assert_eq!(hits(&seen), 4);
}

#[tokio::test]
async fn a_connection_refused_is_a_network_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = listener.local_addr().expect("an address");
    drop(listener);
    let e = stand_in_client(addr, RetryPolicy::none())
        .get_thread("19:t@thread.v2")
        .await
        .unwrap_err();
    assert!(
        matches!(e, ClientError::Network(_)) && e.is_retryable(),
        "{e:?}"
    );
    assert!(e.to_string().contains(&addr.to_string()), "{e}");
}
