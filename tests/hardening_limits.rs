//! Hardening of the emulator's limits: what each token scope may do, how far back a member sees, how
//! large a field or a request may be, and the shape of the answers that refuse them.

mod support;

use reqwest::Method;
use serde_json::json;
use support::{TestEmulator, participant, thread_path, user_model};

/// A member of a thread with a token of the given scope.
struct Member {
    id: String,
    token: String,
}

async fn member(e: &TestEmulator, scopes: &[&str]) -> Member {
    let (id, token) = e.create_user_with_scopes(scopes).await;
    Member { id, token }
}

/// Asserts a 403 in the ACS shape whose message names the scope that would have been needed.
#[track_caller]
fn assert_needs_scope(response: &support::Response, scope: &str) {
    let error = response.expect_error(403, "Forbidden");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("'{scope}'")),
        "the message names the '{scope}' scope: {message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_join_tokens_cannot_manage_threads_and_limited_ones_cannot_change_participants() {
    let e = TestEmulator::start().await;
    let owner = member(&e, &["chat"]).await;
    let joiner = member(&e, &["chat.join"]).await;
    let guest = member(&e, &["chat.join.limited"]).await;
    let spare = member(&e, &["chat"]).await;
    let thread = e
        .create_named_thread(
            &owner.token,
            "scopes",
            &[(&joiner.id, "Joiner"), (&guest.id, "Guest")],
        )
        .await;
    let add_spare = json!({"participants": [participant(&spare.id, "Spare")]});
    let remove_spare = user_model(&spare.id);

    for who in [&joiner, &guest] {
        let create = e
            .post(&who.token, "/chat/threads", &json!({"topic": "mine"}))
            .await;
        assert_needs_scope(&create, "chat");
        let topic = e
            .patch(
                &who.token,
                &thread_path(&thread, ""),
                &json!({"topic": "renamed"}),
            )
            .await;
        assert_needs_scope(&topic, "chat");
        let metadata = e
            .patch(
                &who.token,
                &thread_path(&thread, ""),
                &json!({"metadata": {"k": "v"}}),
            )
            .await;
        assert_needs_scope(&metadata, "chat");
        let delete = e.delete(&who.token, &thread_path(&thread, "")).await;
        assert_needs_scope(&delete, "chat");
        // What every chat scope can do.
        e.send_message(&who.token, &thread, "hello").await;
        e.get(&who.token, &thread_path(&thread, "/participants"))
            .await
            .expect(200);
        e.post(&who.token, &thread_path(&thread, "/typing"), &json!({}))
            .await
            .expect(200);
    }

    // chat.join may change who is in the thread; chat.join.limited may not.
    e.post(
        &joiner.token,
        &thread_path(&thread, "/participants/:add"),
        &add_spare,
    )
    .await
    .expect(201);
    let add = e
        .post(
            &guest.token,
            &thread_path(&thread, "/participants/:add"),
            &add_spare,
        )
        .await;
    assert_needs_scope(&add, "chat.join");
    let remove = e
        .post(
            &guest.token,
            &thread_path(&thread, "/participants/:remove"),
            &remove_spare,
        )
        .await;
    assert_needs_scope(&remove, "chat.join");
    e.post(
        &joiner.token,
        &thread_path(&thread, "/participants/:remove"),
        &remove_spare,
    )
    .await
    .expect(204);

    // The scope is checked before the body: a refused caller learns nothing from its mistakes.
    let garbled = e
        .chat(
            Method::POST,
            &joiner.token,
            "/chat/threads",
            Some(&json!({"topic": 5})),
        )
        .await;
    assert_needs_scope(&garbled, "chat");

    // The plain chat scope does everything, and so does a token that holds it among others.
    let both = member(&e, &["chat.join.limited", "chat"]).await;
    let theirs = e.create_thread(&both.token, "full", &[]).await;
    e.patch(
        &both.token,
        &thread_path(&theirs, ""),
        &json!({"topic": "renamed"}),
    )
    .await
    .expect(204);
    e.delete(&both.token, &thread_path(&theirs, ""))
        .await
        .expect(204);
    e.patch(
        &owner.token,
        &thread_path(&thread, ""),
        &json!({"topic": "renamed", "metadata": {"k": "v"}}),
    )
    .await
    .expect(204);
    e.post(
        &owner.token,
        &thread_path(&thread, "/participants/:add"),
        &add_spare,
    )
    .await
    .expect(201);
    e.post(
        &owner.token,
        &thread_path(&thread, "/participants/:remove"),
        &remove_spare,
    )
    .await
    .expect(204);
    e.delete(&owner.token, &thread_path(&thread, ""))
        .await
        .expect(204);
}

/// A Teams user of the built-in demo tenant whose interop is on.
const MEGAN: &str = "8:orgid:5c1c3a3e-8a9b-4f4e-9d1e-1a2b3c4d5e01";
const MEGAN_UPN: &str = "megan@contoso.example";

/// Megan sends a message with a file; returns the message's id and its attachment's URL.
async fn teams_file(e: &TestEmulator, token: &str, thread: &str, name: &str) -> (String, String) {
    let sent = e
        .identity(
            Method::POST,
            &format!("/emulator/teams/users/{MEGAN_UPN}/messages"),
            Some(&json!({"threadId": thread, "content": name, "attachments": [{"kind": "file", "name": name}]})),
        )
        .await;
    let id = sent.expect(201)["id"].as_str().expect("an id").to_string();
    let message = e
        .get(token, &thread_path(thread, &format!("/messages/{id}")))
        .await;
    let url = message.expect(200)["content"]["attachments"][0]["url"]
        .as_str()
        .expect("an attachment url")
        .to_string();
    (id, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_older_than_a_members_shared_history_are_hidden_like_their_messages() {
    let e = TestEmulator::start().await;
    let owner = member(&e, &["chat"]).await;
    let late = member(&e, &["chat"]).await;
    let thread = e
        .create_named_thread(&owner.token, "history", &[(MEGAN, "Megan")])
        .await;
    let (old_id, old_url) = teams_file(&e, &owner.token, &thread, "old.pdf").await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let since = acs_interop::acs::time::format_ms(acs_interop::acs::time::now_ms());
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let mut joining = participant(&late.id, "Late");
    joining["shareHistoryTime"] = json!(since);
    e.post(
        &owner.token,
        &thread_path(&thread, "/participants/:add"),
        &json!({"participants": [joining]}),
    )
    .await
    .expect(201);
    let (new_id, new_url) = teams_file(&e, &owner.token, &thread, "new.pdf").await;

    let fetch = |url: String, token: String| {
        let e = &e;
        async move {
            e.send(
                Method::GET,
                &url,
                &[("authorization", format!("Bearer {token}").as_str())],
                Vec::new(),
            )
            .await
        }
    };
    // The owner sees both; the late member only what came after the history it was given.
    fetch(old_url.clone(), owner.token.clone())
        .await
        .expect(200);
    fetch(new_url.clone(), owner.token.clone())
        .await
        .expect(200);
    e.get(
        &late.token,
        &thread_path(&thread, &format!("/messages/{old_id}")),
    )
    .await
    .expect_error(404, "NotFound");
    fetch(old_url, late.token.clone())
        .await
        .expect_error(404, "NotFound");
    e.get(
        &late.token,
        &thread_path(&thread, &format!("/messages/{new_id}")),
    )
    .await
    .expect(200);
    fetch(new_url, late.token.clone()).await.expect(200);
}

/// Metadata whose names and values hold `bytes` bytes in all.
fn metadata_of(bytes: usize, key: &str) -> serde_json::Value {
    json!({ key: "m".repeat(bytes - key.len()) })
}

/// Asserts an error in the ACS shape whose message says the limit; returns the error.
#[track_caller]
fn assert_says_limit<'a>(
    response: &'a support::Response,
    status: u16,
    code: &str,
    limit: usize,
) -> &'a serde_json::Value {
    let error = response.expect_error(status, code);
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&limit.to_string()),
        "the message says the limit {limit}: {message}"
    );
    error
}

/// Asserts a 400 in the ACS shape that names `target` and says the limit.
#[track_caller]
fn assert_too_large(response: &support::Response, target: &str, limit: usize) {
    let error = assert_says_limit(response, 400, "BadRequest", limit);
    assert_eq!(error["target"], target, "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn display_names_and_metadata_have_bounds_that_the_refusal_names() {
    use acs_interop::acs::chat::limits::{
        MAX_DISPLAY_NAME_CHARS as NAME, MAX_MESSAGE_METADATA_BYTES as MESSAGE_META,
        MAX_PARTICIPANT_METADATA_BYTES as PARTICIPANT_META,
        MAX_THREAD_METADATA_BYTES as THREAD_META,
    };
    let e = TestEmulator::start().await;
    let owner = member(&e, &["chat"]).await;
    let other = member(&e, &["chat"]).await;
    // Characters, not bytes: a name of NAME two-byte characters is fine.
    let longest = "é".repeat(NAME);
    let too_long = "n".repeat(NAME + 1);

    let with_name =
        |name: &str| json!({"topic": "t", "participants": [participant(&other.id, name)]});
    let named = e
        .post(&owner.token, "/chat/threads", &with_name(&too_long))
        .await;
    assert_too_large(&named, "participants[0].displayName", NAME);
    let mut heavy = participant(&other.id, "Other");
    heavy["metadata"] = metadata_of(PARTICIPANT_META + 1, "k");
    let heavy_member = e
        .post(
            &owner.token,
            "/chat/threads",
            &json!({"topic": "t", "participants": [heavy]}),
        )
        .await;
    assert_too_large(&heavy_member, "participants[0].metadata", PARTICIPANT_META);
    let heavy_thread = e
        .post(
            &owner.token,
            "/chat/threads",
            &json!({"topic": "t", "metadata": metadata_of(THREAD_META + 1, "k")}),
        )
        .await;
    assert_too_large(&heavy_thread, "metadata", THREAD_META);

    // At the limits, all is well.
    let mut full = participant(&other.id, &longest);
    full["metadata"] = metadata_of(PARTICIPANT_META, "k");
    let created = e
        .post(
            &owner.token,
            "/chat/threads",
            &json!({"topic": "t", "participants": [full], "metadata": metadata_of(THREAD_META, "k")}),
        )
        .await;
    let thread = created.expect(201)["chatThread"]["id"]
        .as_str()
        .expect("a thread id")
        .to_string();

    let add = e
        .post(
            &owner.token,
            &thread_path(&thread, "/participants/:add"),
            &json!({"participants": [participant(&other.id, &too_long)]}),
        )
        .await;
    assert_too_large(&add, "participants[0].displayName", NAME);
    // Metadata merges on update: the whole after the merge is what counts.
    let more = e
        .patch(
            &owner.token,
            &thread_path(&thread, ""),
            &json!({"metadata": metadata_of(2, "j")}),
        )
        .await;
    assert_too_large(&more, "metadata", THREAD_META);

    let messages = thread_path(&thread, "/messages");
    let sender_name = e
        .post(
            &owner.token,
            &messages,
            &json!({"content": "hi", "senderDisplayName": too_long}),
        )
        .await;
    assert_too_large(&sender_name, "senderDisplayName", NAME);
    let heavy_message = e
        .post(
            &owner.token,
            &messages,
            &json!({"content": "hi", "metadata": metadata_of(MESSAGE_META + 1, "k")}),
        )
        .await;
    assert_too_large(&heavy_message, "metadata", MESSAGE_META);
    let sent = e
        .post(
            &owner.token,
            &messages,
            &json!({"content": "hi", "senderDisplayName": longest, "metadata": metadata_of(MESSAGE_META - 10, "k")}),
        )
        .await;
    let id = sent.expect(201)["id"].as_str().expect("an id").to_string();
    let edit = e
        .patch(
            &owner.token,
            &thread_path(&thread, &format!("/messages/{id}")),
            &json!({"metadata": metadata_of(20, "j")}),
        )
        .await;
    assert_too_large(&edit, "metadata", MESSAGE_META);

    let typing = thread_path(&thread, "/typing");
    let typed = e
        .post(
            &owner.token,
            &typing,
            &json!({"senderDisplayName": too_long}),
        )
        .await;
    assert_too_large(&typed, "senderDisplayName", NAME);
    e.post(
        &owner.token,
        &typing,
        &json!({"senderDisplayName": longest}),
    )
    .await
    .expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_adds_at_most_200_participants() {
    use acs_interop::acs::chat::limits::MAX_PARTICIPANTS_PER_BATCH as BATCH;
    let e = TestEmulator::start().await;
    let owner = member(&e, &["chat"]).await;
    let other = member(&e, &["chat"]).await;
    let many: Vec<_> = (0..=BATCH).map(|_| participant(&other.id, "x")).collect();
    let created = e
        .post(
            &owner.token,
            "/chat/threads",
            &json!({"topic": "t", "participants": many}),
        )
        .await;
    assert_too_large(&created, "participants", BATCH);
    let thread = e.create_thread(&owner.token, "t", &[]).await;
    let added = e
        .post(
            &owner.token,
            &thread_path(&thread, "/participants/:add"),
            &json!({"participants": many}),
        )
        .await;
    assert_too_large(&added, "participants", BATCH);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teams_users_typing_name_is_bounded_too() {
    use acs_interop::acs::chat::limits::MAX_DISPLAY_NAME_CHARS as NAME;
    let e = TestEmulator::start().await;
    let owner = member(&e, &["chat"]).await;
    let thread = e
        .create_named_thread(&owner.token, "t", &[(MEGAN, "Megan")])
        .await;
    let typing = format!("/emulator/teams/users/{MEGAN_UPN}/typing");
    let refused = e
        .identity(
            Method::POST,
            &typing,
            Some(&json!({"threadId": thread, "displayName": "n".repeat(NAME + 1)})),
        )
        .await;
    assert_too_large(&refused, "displayName", NAME);
    e.identity(
        Method::POST,
        &typing,
        Some(&json!({"threadId": thread, "displayName": "Megan"})),
    )
    .await
    .expect(200);
}

/// `value` as JSON, padded with spaces to exactly `size` bytes.
fn padded(value: &serde_json::Value, size: usize) -> Vec<u8> {
    let mut body = serde_json::to_vec(value).expect("json");
    assert!(body.len() <= size);
    body.resize(size, b' ');
    body
}

/// Asserts a 413 in the ACS shape whose message says the limit in bytes.
#[track_caller]
fn assert_body_too_large(response: &support::Response) {
    let limit = acs_interop::emulator::MAX_BODY_BYTES;
    assert_says_limit(response, 413, "RequestEntityTooLarge", limit);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_body_limit_for_chat_identity_and_admin_and_past_it_413_in_the_acs_shape() {
    let limit = acs_interop::emulator::MAX_BODY_BYTES;
    let e = TestEmulator::start().await;
    let owner = member(&e, &["chat"]).await;
    let thread = e.create_thread(&owner.token, "bodies", &[]).await;
    let messages = format!(
        "{}?api-version={}",
        thread_path(&thread, "/messages"),
        support::CHAT_API
    );
    let chat = |size: usize| {
        let body = padded(&json!({"content": "hi"}), size);
        let authorization = format!("Bearer {}", owner.token);
        let e = &e;
        let messages = &messages;
        async move {
            e.send(
                Method::POST,
                messages,
                &[
                    ("authorization", authorization.as_str()),
                    ("content-type", "application/json"),
                ],
                body,
            )
            .await
        }
    };
    let signed = |path: &'static str, value: serde_json::Value, size: usize| {
        let e = &e;
        async move {
            let path = format!("{path}?api-version={}", support::IDENTITY_API);
            let body = padded(&value, size);
            let headers = e.sign("POST", &path, &body);
            e.send_signed(Method::POST, &path, &body, &headers).await
        }
    };
    let policy = |name: &str| json!({"Identity": name, "EnableAcsFederationAccess": true});

    chat(limit).await.expect(201);
    assert_body_too_large(&chat(limit + 1).await);
    // Far past the limit, the answer still arrives.
    assert_body_too_large(&chat(4 * limit).await);

    signed("/identities", json!({}), limit).await.expect(201);
    assert_body_too_large(&signed("/identities", json!({}), limit + 1).await);

    signed("/emulator/teams/policies", policy("at-limit"), limit)
        .await
        .expect(201);
    assert_body_too_large(&signed("/emulator/teams/policies", policy("over"), limit + 1).await);
}

/// Sends `head` and then all of `body` before reading anything, as the Python SDK does, and returns
/// the raw answer.
async fn send_all_then_read(e: &TestEmulator, head: &str, body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(e.host())
        .await
        .expect("connects");
    stream
        .write_all(head.as_bytes())
        .await
        .expect("the head is sent");
    stream
        .write_all(body)
        .await
        .expect("the whole body is sent: the emulator reads it");
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let read =
            tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut chunk))
                .await
                .expect("the answer arrives in time")
                .expect("the answer is read, not reset");
        if read == 0 {
            break;
        }
        answer.extend_from_slice(&chunk[..read]);
        let text = String::from_utf8_lossy(&answer);
        if let Some((_, json)) = text.split_once("\r\n\r\n")
            && json.ends_with('}')
        {
            break;
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_sends_its_whole_oversized_body_before_reading_gets_the_413() {
    let limit = acs_interop::emulator::MAX_BODY_BYTES;
    let e = TestEmulator::start().await;
    let owner = member(&e, &["chat"]).await;
    let thread = e.create_thread(&owner.token, "bodies", &[]).await;
    let path = format!(
        "{}?api-version={}",
        thread_path(&thread, "/messages"),
        support::CHAT_API
    );
    let body = padded(&json!({"content": "hi"}), 3 * limit);
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: {}\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        e.host(),
        owner.token,
        body.len()
    );
    let answer = send_all_then_read(&e, &head, &body).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("RequestEntityTooLarge"), "{answer}");

    // The same without a declared length: the limit is found while reading.
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: {}\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
        e.host(),
        owner.token,
    );
    let mut chunked = Vec::new();
    for piece in body.chunks(64 * 1024) {
        chunked.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        chunked.extend_from_slice(piece);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let answer = send_all_then_read(&e, &head, &chunked).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_urls_and_large_headers_are_refused_in_the_acs_shape() {
    use acs_interop::emulator::{MAX_HEADER_BYTES, MAX_HEADER_FIELDS, MAX_URI_BYTES};
    let e = TestEmulator::start().await;
    let owner = member(&e, &["chat"]).await;
    let authorization = format!("Bearer {}", owner.token);
    let threads = format!("/chat/threads?api-version={}", support::CHAT_API);
    let pad_to = |size: usize| format!("{threads}&pad={}", "p".repeat(size - threads.len() - 5));

    e.send(
        Method::GET,
        &pad_to(MAX_URI_BYTES),
        &[("authorization", &authorization)],
        Vec::new(),
    )
    .await
    .expect(200);
    let long = e
        .send(
            Method::GET,
            &pad_to(MAX_URI_BYTES + 1),
            &[("authorization", &authorization)],
            Vec::new(),
        )
        .await;
    assert_says_limit(&long, 414, "UriTooLong", MAX_URI_BYTES);

    let padding = "h".repeat(MAX_HEADER_BYTES);
    let large = e
        .send(
            Method::GET,
            &threads,
            &[("authorization", &authorization), ("x-padding", &padding)],
            Vec::new(),
        )
        .await;
    assert_says_limit(&large, 431, "RequestHeaderFieldsTooLarge", MAX_HEADER_BYTES);

    // The authorization header and the client's own come on top of these.
    let names: Vec<String> = (0..MAX_HEADER_FIELDS).map(|i| format!("x-h{i}")).collect();
    let mut headers: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "v")).collect();
    headers.push(("authorization", &authorization));
    let many = e.send(Method::GET, &threads, &headers, Vec::new()).await;
    assert_says_limit(&many, 431, "RequestHeaderFieldsTooLarge", MAX_HEADER_FIELDS);
    headers.truncate(MAX_HEADER_FIELDS - 10);
    headers.push(("authorization", &authorization));
    e.send(Method::GET, &threads, &headers, Vec::new())
        .await
        .expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_http_layers_own_limits_the_status_is_still_right() {
    // hyper answers these itself, before any route, with no body (see the README's limits).
    let e = TestEmulator::start().await;
    let host = e.host();
    let long = format!(
        "GET /chat/threads?pad={} HTTP/1.1\r\nhost: {host}\r\n\r\n",
        "p".repeat(70 * 1024)
    );
    let answer = send_all_then_read(&e, &long, &[]).await;
    assert!(answer.starts_with("HTTP/1.1 414"), "{answer}");
    let many: String = (0..501).map(|i| format!("x-h{i}: v\r\n")).collect();
    let many = format!("GET /emulator/health HTTP/1.1\r\nhost: {host}\r\n{many}\r\n");
    let answer = send_all_then_read(&e, &many, &[]).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
}
