//! Identity and chat calls against the emulator, tokens, paging and service errors.

use super::*;

#[tokio::test]
async fn identity_creates_users_and_issues_and_revokes_tokens() {
    let setup = Setup::start(config(false, Storage::InMemory)).await;
    let id = setup.identity.create_user().await.expect("create_user");
    assert!(id.starts_with("8:acs:"), "{id}");
    let token = setup
        .identity
        .issue_token(&id, &["chat", "voip"])
        .await
        .expect("issue_token");
    assert!(token.expires_on > OffsetDateTime::now_utc() + Duration::from_secs(23 * 3600));
    let (other, with_token) = setup
        .identity
        .create_user_with_token(&["chat"])
        .await
        .expect("create_user_with_token");
    assert_ne!(other, id);

    let tokens = TokenSource::fixed(&other, with_token);
    let chat = ChatClient::new(setup.http.clone(), setup.emulator.endpoint(), tokens)
        .expect("a chat client");
    chat.list_threads(None, None)
        .await
        .expect("the token works");
    setup.identity.revoke_tokens(&other).await.expect("revoke");
    let e = chat.list_threads(None, None).await.unwrap_err();
    assert_eq!(e.status(), Some(401), "{e}");
    setup.identity.delete_user(&id).await.expect("delete_user");
}

/// Every chat operation once, over HTTPS with the emulator's CA passed as the extra certificate.
#[tokio::test]
async fn every_chat_operation_works_over_tls() {
    let setup = Setup::start(config(true, Storage::InMemory)).await;
    assert!(setup.emulator.endpoint().starts_with("https://"));
    let (ada, bob, cy) = (setup.user().await, setup.user().await, setup.user().await);

    let request_id = Some("create-once-1".to_string());
    let created = ada
        .create_thread("Launch", vec![participant(&bob, "Bob")], request_id.clone())
        .await
        .expect("create_thread");
    let thread = created.chat_thread.expect("the thread").id;
    let again = ada
        .create_thread("Launch", vec![participant(&bob, "Bob")], request_id)
        .await
        .expect("create_thread again");
    assert_eq!(again.chat_thread.map(|t| t.id), Some(thread.clone()));

    let threads = bob
        .list_threads(Some(10), None)
        .await
        .expect("list_threads");
    assert!(threads.iter().any(|t| t.id == thread));
    ada.update_topic(&thread, "Launch v2")
        .await
        .expect("update_topic");
    assert_eq!(
        ada.get_thread(&thread).await.expect("get_thread").topic,
        "Launch v2"
    );

    let id = ada
        .send_message(&thread, text("hello"))
        .await
        .expect("send_message");
    let message = bob.get_message(&thread, &id).await.expect("get_message");
    assert_eq!(
        message.content.and_then(|c| c.message).as_deref(),
        Some("hello")
    );
    let edit = UpdateChatMessageRequest {
        content: Some("hello, world".into()),
        metadata: None,
    };
    ada.update_message(&thread, &id, edit)
        .await
        .expect("update_message");
    let page = bob
        .list_messages(&thread, MessagesQuery::default())
        .await
        .expect("list_messages");
    let listed = page
        .value
        .iter()
        .find(|m| m.id == id)
        .expect("the message is listed");
    assert!(listed.edited_on.is_some());

    bob.send_typing(&thread, Some("Bob".into()))
        .await
        .expect("send_typing");
    bob.send_read_receipt(&thread, &id)
        .await
        .expect("send_read_receipt");
    let receipts = ada
        .list_read_receipts(&thread)
        .await
        .expect("list_read_receipts");
    assert!(receipts.iter().any(|r| r.chat_message_id == id));

    let added = ada
        .add_participants(&thread, vec![participant(&cy, "Cy")])
        .await
        .expect("add_participants");
    assert!(added.invalid_participants.is_none());
    let raw_ids = |list: Vec<ChatParticipant>| -> Vec<String> {
        list.into_iter()
            .filter_map(|p| p.communication_identifier.raw_id)
            .collect()
    };
    let members = raw_ids(
        ada.list_participants(&thread)
            .await
            .expect("list_participants"),
    );
    assert_eq!(members.len(), 3);
    assert!(members.iter().any(|m| m == cy.tokens().user_id()));
    let cy_id = CommunicationIdentifier::from_raw_id(cy.tokens().user_id());
    ada.remove_participant(&thread, &cy_id)
        .await
        .expect("remove_participant");
    let members = raw_ids(
        ada.list_participants(&thread)
            .await
            .expect("list_participants"),
    );
    assert!(!members.iter().any(|m| m == cy.tokens().user_id()));

    ada.delete_message(&thread, &id)
        .await
        .expect("delete_message");
    let deleted = ada
        .get_message(&thread, &id)
        .await
        .expect("a deleted message is still there");
    assert!(deleted.deleted_on.is_some());
    ada.delete_thread(&thread).await.expect("delete_thread");
    setup.emulator.shutdown().await;
}

#[tokio::test]
async fn list_messages_pages_through_250_messages_by_next_link() {
    let setup = Setup::start(config(false, Storage::InMemory)).await;
    let ada = setup.user().await;
    let thread = ada
        .create_thread("Paging", vec![], None)
        .await
        .expect("create_thread")
        .chat_thread
        .expect("the thread")
        .id;
    for i in 0..250 {
        ada.send_message(&thread, text(&format!("m{i}")))
            .await
            .expect("send");
    }
    let mut query = MessagesQuery {
        max_page_size: Some(100),
        ..MessagesQuery::default()
    };
    let mut contents = Vec::new();
    let mut pages = 0;
    loop {
        let page = ada
            .list_messages(&thread, query.clone())
            .await
            .expect("a page");
        pages += 1;
        assert!(page.value.len() <= 100);
        contents.extend(
            page.value
                .into_iter()
                .filter(|m| m.message_type == ChatMessageType::Text)
                .filter_map(|m| m.content.and_then(|c| c.message)),
        );
        match page.next_link {
            Some(link) => query.next_link = Some(link),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..250).rev().map(|i| format!("m{i}")).collect();
    assert_eq!(contents, expected, "every message once, newest first");
}

#[tokio::test]
async fn service_errors_surface_with_status_and_code() {
    let setup = Setup::start(config(false, Storage::InMemory)).await;
    let (ada, eve) = (setup.user().await, setup.user().await);
    let thread = ada
        .create_thread("Private", vec![], None)
        .await
        .expect("create_thread")
        .chat_thread
        .expect("the thread")
        .id;
    let e = eve.get_thread(&thread).await.unwrap_err();
    assert!(
        matches!(&e, ClientError::Service { status: 403, error, .. } if error.code == "Forbidden"),
        "{e:?}"
    );
    assert!(e.to_string().starts_with("403 Forbidden: "), "{e}");
    assert!(!e.is_retryable());
    let e = ada
        .get_thread("19:00000000000000000000000000000000@thread.v2")
        .await
        .unwrap_err();
    assert_eq!((e.status(), e.code()), (Some(404), Some("NotFound")), "{e}");
}

#[tokio::test]
async fn throttled_sends_get_429_with_retry_after() {
    let mut throttled = config(false, Storage::InMemory);
    throttled.throttle = true;
    let setup = Setup::start(throttled).await;
    let ada = setup.user().await.with_retry(RetryPolicy::none());
    let thread = ada
        .create_thread("Busy", vec![], None)
        .await
        .expect("create_thread")
        .chat_thread
        .expect("the thread")
        .id;
    for i in 0..10 {
        ada.send_message(&thread, text(&format!("m{i}")))
            .await
            .expect("within the limit");
    }
    let e = ada
        .send_message(&thread, text("one too many"))
        .await
        .unwrap_err();
    assert_eq!(
        (e.status(), e.code()),
        (Some(429), Some("TooManyRequests")),
        "{e}"
    );
    let wait = e.retry_after().expect("a Retry-After");
    assert!(
        wait > Duration::ZERO && wait <= Duration::from_secs(10),
        "{wait:?}"
    );
    assert!(e.is_retryable());
}

#[tokio::test]
async fn a_token_about_to_expire_is_refreshed_once_for_all_callers() {
    let setup = Setup::start(config(false, Storage::InMemory)).await;
    let (user, token) = setup
        .identity
        .create_user_with_token(&["chat"])
        .await
        .expect("a user");
    let soon = OffsetDateTime::now_utc() + Duration::from_secs(60);
    let tokens = TokenSource::refreshing(
        setup.identity.clone(),
        &user,
        &["chat"],
        AccessToken::new(token.token, soon),
    );
    let clone = tokens.clone();
    let (a, b) = tokio::join!(tokens.token(), clone.token());
    assert_eq!(a.expect("a token"), b.expect("a token"));
    let expires = tokens.expires_on().await;
    assert!(
        expires > OffsetDateTime::now_utc() + Duration::from_secs(3600),
        "{expires}"
    );
    let chat = ChatClient::new(setup.http.clone(), setup.emulator.endpoint(), tokens)
        .expect("a chat client");
    chat.list_threads(None, None)
        .await
        .expect("the refreshed token works");
}
