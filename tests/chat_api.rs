//! The chat API of the emulator: threads, messages, participants, typing, read receipts and the bearer
//! checks in front of them.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use acs_interop::acs::time::{now_ms, parse_rfc3339_ms};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};
use support::{CHAT_API, TestEmulator, enc, participant, thread_path, user_model};

const UNKNOWN_THREAD: &str = "19:00000000000000000000000000000000@thread.v2";

/// An emulator with three users; alice created a thread with bob. Carol is in no thread.
struct Fixture {
    emulator: TestEmulator,
    alice: (String, String),
    bob: (String, String),
    carol: (String, String),
    thread: String,
}

impl Fixture {
    async fn new() -> Fixture {
        let emulator = TestEmulator::start().await;
        let alice = emulator.create_user().await;
        let bob = emulator.create_user().await;
        let carol = emulator.create_user().await;
        let thread = emulator
            .create_named_thread(&alice.1, "Fixture", &[(&bob.0, "Bob")])
            .await;
        Fixture {
            emulator,
            alice,
            bob,
            carol,
            thread,
        }
    }

    fn path(&self, rest: &str) -> String {
        thread_path(&self.thread, rest)
    }

    /// Every message of the thread as `token` sees it, newest first.
    async fn messages(&self, token: &str) -> Vec<Value> {
        let path = self.path("/messages?maxPageSize=200");
        self.emulator.list_all(token, &path).await.0
    }
}

fn str_of<'a>(value: &'a Value, what: &str) -> &'a str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {value}"))
}

fn raw_ids(participants: &[Value]) -> Vec<String> {
    participants
        .iter()
        .map(|p| str_of(&p["communicationIdentifier"]["rawId"], "rawId").to_string())
        .collect()
}

fn seq_of(message: &Value) -> i64 {
    str_of(&message["sequenceId"], "sequenceId")
        .parse()
        .expect("sequenceId is an integer string")
}

fn num(value: &Value, what: &str) -> i64 {
    str_of(value, what)
        .parse()
        .unwrap_or_else(|_| panic!("{what} is not an integer string: {value}"))
}

fn ms_of(value: &Value) -> i64 {
    parse_rfc3339_ms(str_of(value, "date-time")).expect("an RFC 3339 date-time")
}

/// Waits (at most a second) until the clock has moved past `ms`, so that what follows is later.
async fn wait_until_after(ms: i64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    while now_ms() <= ms {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the clock does not move"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn assert_unique(ids: &[String]) {
    let set: HashSet<&String> = ids.iter().collect();
    assert_eq!(set.len(), ids.len(), "duplicates in {ids:?}");
}

// ---------------------------------------------------------------- threads

#[tokio::test]
async fn create_thread_adds_the_creator_and_the_participants() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let response = e
        .post(
            &f.alice.1,
            "/chat/threads",
            &json!({"topic": "Plans", "participants": [participant(&f.bob.0, "Bob")]}),
        )
        .await;
    let body = response.expect(201);
    let thread = &body["chatThread"];
    let id = str_of(&thread["id"], "id");
    assert!(
        id.starts_with("19:") && id.ends_with("@thread.v2"),
        "thread id {id}"
    );
    assert_eq!(thread["topic"], "Plans");
    assert_eq!(
        thread["createdByCommunicationIdentifier"]["rawId"],
        f.alice.0
    );
    assert!(thread["createdOn"].is_string());
    assert!(body.get("invalidParticipants").is_none(), "{body}");

    let list = e.get(&f.alice.1, &thread_path(id, "/participants")).await;
    let ids = raw_ids(list.expect(200)["value"].as_array().unwrap());
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.contains(&f.alice.0), "the creator is a participant");
    assert!(ids.contains(&f.bob.0));
    e.get(&f.bob.1, &thread_path(id, "")).await.expect(200);
}

#[tokio::test]
async fn creator_named_among_the_participants_is_not_added_twice() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let response = e
        .post(
            &f.alice.1,
            "/chat/threads",
            &json!({"topic": "Self", "participants": [participant(&f.alice.0, "Alice")]}),
        )
        .await;
    let id = str_of(&response.expect(201)["chatThread"]["id"], "id").to_string();
    let list = e.get(&f.alice.1, &thread_path(&id, "/participants")).await;
    let value = list.expect(200)["value"].as_array().unwrap().clone();
    assert_eq!(raw_ids(&value), vec![f.alice.0.clone()]);
    assert_eq!(value[0]["displayName"], "Alice");
}

#[tokio::test]
async fn repeatability_request_id_returns_the_same_thread_and_a_new_id_a_new_thread() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let create = |request_id: &'static str| {
        let authorization = format!("Bearer {}", f.alice.1);
        let body = serde_json::to_vec(&json!({"topic": "Once"})).unwrap();
        async move {
            let headers = [
                ("authorization", authorization.as_str()),
                ("content-type", "application/json"),
                ("repeatability-request-id", request_id),
            ];
            let path = format!("/chat/threads?api-version={CHAT_API}");
            let response = e.send(Method::POST, &path, &headers, body).await;
            str_of(&response.expect(201)["chatThread"]["id"], "id").to_string()
        }
    };
    let first = create("5d6b1e0c-8c0a-4f4e-9d3e-000000000001").await;
    let again = create("5d6b1e0c-8c0a-4f4e-9d3e-000000000001").await;
    let other = create("5d6b1e0c-8c0a-4f4e-9d3e-000000000002").await;
    assert_eq!(
        first, again,
        "the same request id must return the same thread"
    );
    assert_ne!(first, other, "a new request id must create a new thread");

    let (threads, _) = e.list_all(&f.alice.1, "/chat/threads").await;
    let topics = threads.iter().filter(|t| t["topic"] == "Once").count();
    assert_eq!(topics, 2, "a repeated request must not create a thread");
}

#[tokio::test]
async fn invalid_participants_are_reported_404_for_unknown_users_and_403_for_other_resources() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let unknown = format!(
        "8:acs:{}_00000000-0000-4000-8000-00000000dead",
        e.resource_id()
    );
    let foreign = "8:acs:11111111-1111-4111-8111-111111111111_00000000-0000-4000-8000-000000000001";
    let response = e
        .post(
            &f.alice.1,
            "/chat/threads",
            &json!({"topic": "Mixed", "participants": [
                participant(&f.bob.0, "Bob"),
                participant(&unknown, "Nobody"),
                participant(foreign, "Stranger"),
            ]}),
        )
        .await;
    let body = response.expect(201);
    let invalid = body["invalidParticipants"]
        .as_array()
        .expect("invalidParticipants");
    assert_eq!(invalid.len(), 2, "{body}");
    let code_for = |raw: &str| {
        invalid
            .iter()
            .find(|i| i["target"] == raw)
            .unwrap_or_else(|| panic!("no invalidParticipants entry for {raw}: {body}"))["code"]
            .clone()
    };
    assert_eq!(code_for(&unknown), "404");
    assert_eq!(code_for(foreign), "403");
    for entry in invalid {
        assert!(entry["message"].is_string(), "{entry}");
    }

    let id = str_of(&body["chatThread"]["id"], "id");
    let list = e.get(&f.alice.1, &thread_path(id, "/participants")).await;
    let mut ids = raw_ids(list.expect(200)["value"].as_array().unwrap());
    ids.sort();
    let mut expected = vec![f.alice.0.clone(), f.bob.0.clone()];
    expected.sort();
    assert_eq!(ids, expected, "only the valid participants join");
}

#[tokio::test]
async fn more_than_200_participants_are_refused_naming_participants() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let many: Vec<Value> = (0..201)
        .map(|i| {
            participant(
                &format!("8:acs:{}_00000000-0000-4000-8000-{i:012}", e.resource_id()),
                "",
            )
        })
        .collect();
    e.post(
        &f.alice.1,
        "/chat/threads",
        &json!({"topic": "Crowd", "participants": many}),
    )
    .await
    .expect_error_target(400, "BadRequest", "participants");
    e.post(
        &f.alice.1,
        &f.path("/participants/:add"),
        &json!({"participants": many}),
    )
    .await
    .expect_error_target(400, "BadRequest", "participants");
}

#[tokio::test]
async fn missing_or_empty_topic_is_refused_naming_topic() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    e.post(&f.alice.1, "/chat/threads", &json!({"participants": []}))
        .await
        .expect_error_target(400, "BadRequest", "topic");
    e.post(&f.alice.1, "/chat/threads", &json!({"topic": "  "}))
        .await
        .expect_error_target(400, "BadRequest", "topic");
}

#[tokio::test]
async fn list_threads_follows_next_link_through_every_thread_once() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let (dave_id, dave) = e.create_user().await;
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(e.create_thread(&dave, &format!("Thread {i}"), &[]).await);
    }
    let (threads, sizes) = e.list_all(&dave, "/chat/threads?maxPageSize=2").await;
    assert_eq!(sizes, vec![2, 2, 1], "pages of at most 2");
    let ids: Vec<String> = threads
        .iter()
        .map(|t| str_of(&t["id"], "id").to_string())
        .collect();
    assert_unique(&ids);
    let listed: HashSet<&String> = ids.iter().collect();
    let expected: HashSet<&String> = created.iter().collect();
    assert_eq!(listed, expected, "{dave_id} sees exactly their threads");

    // Another user's threads are not listed.
    let (others, _) = e.list_all(&f.carol.1, "/chat/threads").await;
    assert!(others.is_empty(), "{others:?}");
}

#[tokio::test]
async fn list_threads_start_time_leaves_out_threads_inactive_since() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let (_, dave) = e.create_user().await;
    let older = e.create_thread(&dave, "Older", &[]).await;
    let older_created =
        ms_of(&e.get(&dave, &thread_path(&older, "")).await.expect(200)["createdOn"]);
    wait_until_after(older_created).await;
    let newer = e.create_thread(&dave, "Newer", &[]).await;
    let created_on = e.get(&dave, &thread_path(&newer, "")).await.expect(200)["createdOn"]
        .as_str()
        .unwrap()
        .to_string();

    let path = format!("/chat/threads?startTime={}", enc(&created_on));
    let (threads, _) = e.list_all(&dave, &path).await;
    let ids: Vec<&str> = threads.iter().map(|t| str_of(&t["id"], "id")).collect();
    assert_eq!(ids, vec![newer.as_str()]);

    let (all, _) = e
        .list_all(&dave, "/chat/threads?startTime=2000-01-01T00%3A00%3A00Z")
        .await;
    assert_eq!(all.len(), 2);

    e.get(&dave, "/chat/threads?startTime=yesterday")
        .await
        .expect_error_target(400, "BadRequest", "startTime");
}

#[tokio::test]
async fn get_thread_returns_its_properties() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let response = e
        .post(
            &f.alice.1,
            "/chat/threads",
            &json!({"topic": "Props", "metadata": {"project": "apollo"}}),
        )
        .await;
    let id = str_of(&response.expect(201)["chatThread"]["id"], "id").to_string();
    let thread = e.get(&f.alice.1, &thread_path(&id, "")).await;
    let body = thread.expect(200);
    assert_eq!(body["id"], id);
    assert_eq!(body["topic"], "Props");
    assert_eq!(body["metadata"]["project"], "apollo");
    assert_eq!(body["createdByCommunicationIdentifier"]["rawId"], f.alice.0);
    assert_eq!(
        body["createdByCommunicationIdentifier"]["kind"],
        "communicationUser"
    );
    assert!(body.get("deletedOn").is_none());
}

#[tokio::test]
async fn update_topic_adds_a_topic_updated_system_message() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    e.patch(&f.bob.1, &f.path(""), &json!({"topic": "Renamed"}))
        .await
        .expect(204);
    let thread = e.get(&f.alice.1, &f.path("")).await;
    assert_eq!(thread.expect(200)["topic"], "Renamed");

    let messages = f.messages(&f.alice.1).await;
    let updated = messages
        .iter()
        .find(|m| m["type"] == "topicUpdated")
        .expect("a topicUpdated message");
    assert_eq!(updated["content"]["topic"], "Renamed");
    assert_eq!(
        updated["content"]["initiatorCommunicationIdentifier"]["rawId"],
        f.bob.0
    );
    assert!(
        updated.get("senderCommunicationIdentifier").is_none(),
        "system messages have no sender: {updated}"
    );
    e.patch(&f.alice.1, &f.path(""), &json!({"topic": ""}))
        .await
        .expect_error_target(400, "BadRequest", "topic");
}

#[tokio::test]
async fn update_metadata_merges_into_the_thread_without_a_system_message() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let before = f.messages(&f.alice.1).await.len();
    e.patch(&f.alice.1, &f.path(""), &json!({"metadata": {"a": "1"}}))
        .await
        .expect(204);
    e.patch(&f.alice.1, &f.path(""), &json!({"metadata": {"b": "2"}}))
        .await
        .expect(204);
    let thread = e.get(&f.alice.1, &f.path("")).await;
    let body = thread.expect(200);
    assert_eq!(body["metadata"], json!({"a": "1", "b": "2"}));
    assert_eq!(body["topic"], "Fixture", "the topic stays");
    assert_eq!(f.messages(&f.alice.1).await.len(), before);
}

#[tokio::test]
async fn deleted_thread_is_not_found_but_listed_with_deleted_on() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    e.delete(&f.alice.1, &f.path("")).await.expect(204);
    e.get(&f.alice.1, &f.path(""))
        .await
        .expect_error(404, "NotFound");
    e.get(&f.bob.1, &f.path("/messages"))
        .await
        .expect_error(404, "NotFound");
    let (threads, _) = e.list_all(&f.bob.1, "/chat/threads").await;
    let listed = threads
        .iter()
        .find(|t| t["id"] == f.thread.as_str())
        .expect("the deleted thread is still listed");
    assert!(listed["deletedOn"].is_string(), "{listed}");
}

// ---------------------------------------------------------------- messages

#[tokio::test]
async fn sent_text_html_and_metadata_messages_are_stored_as_sent() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let text = e
        .post(
            &f.alice.1,
            &f.path("/messages"),
            &json!({"content": "hello", "type": "text", "senderDisplayName": "Alice",
                    "metadata": {"clientMessageId": "c-1"}}),
        )
        .await;
    let text_id = str_of(&text.expect(201)["id"], "id").to_string();
    let html = e
        .post(
            &f.alice.1,
            &f.path("/messages"),
            &json!({"content": "<p>hi</p>", "type": "html"}),
        )
        .await;
    let html_id = str_of(&html.expect(201)["id"], "id").to_string();
    assert_ne!(text_id, html_id);

    let got = e
        .get(&f.bob.1, &f.path(&format!("/messages/{text_id}")))
        .await;
    let m = got.expect(200);
    assert_eq!(m["id"], text_id);
    assert_eq!(m["type"], "text");
    assert_eq!(m["content"]["message"], "hello");
    assert_eq!(m["senderDisplayName"], "Alice");
    assert_eq!(m["metadata"]["clientMessageId"], "c-1");
    assert_eq!(m["senderCommunicationIdentifier"]["rawId"], f.alice.0);
    assert_eq!(m["version"], text_id, "a new message's version is its id");
    assert!(m["createdOn"].is_string() && m["sequenceId"].is_string());
    assert!(m.get("editedOn").is_none() && m.get("deletedOn").is_none());

    let got = e
        .get(&f.bob.1, &f.path(&format!("/messages/{html_id}")))
        .await;
    let m = got.expect(200);
    assert_eq!(m["type"], "html");
    assert_eq!(m["content"]["message"], "<p>hi</p>");

    e.post(
        &f.alice.1,
        &f.path("/messages"),
        &json!({"content": "x", "type": "topicUpdated"}),
    )
    .await
    .expect_error_target(400, "BadRequest", "type");
}

#[tokio::test]
async fn concurrent_sends_get_unique_ids_that_increase_with_the_sequence() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let path = f.path("/messages");
    let sends = (0..50).map(|i| {
        let (token, path) = if i % 2 == 0 {
            (&f.alice.1, &path)
        } else {
            (&f.bob.1, &path)
        };
        async move {
            let response = e
                .post(token, path, &json!({"content": format!("message {i}")}))
                .await;
            str_of(&response.expect(201)["id"], "id").to_string()
        }
    });
    let ids = join_all(sends).await;
    assert_unique(&ids);

    let mut texts: Vec<Value> = f
        .messages(&f.alice.1)
        .await
        .into_iter()
        .filter(|m| m["type"] == "text")
        .collect();
    assert_eq!(texts.len(), 50);
    texts.sort_by_key(seq_of);
    let listed: Vec<String> = texts
        .iter()
        .map(|m| str_of(&m["id"], "id").to_string())
        .collect();
    let numbers: Vec<i64> = texts.iter().map(|m| num(&m["id"], "id")).collect();
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]),
        "ids must increase with sequenceId: {numbers:?}"
    );
    let sent: HashSet<&String> = ids.iter().collect();
    assert_eq!(listed.iter().collect::<HashSet<_>>(), sent);
}

#[tokio::test]
async fn sequence_ids_increase_strictly_across_user_and_system_messages() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    e.send_message(&f.alice.1, &f.thread, "one").await;
    e.patch(&f.alice.1, &f.path(""), &json!({"topic": "Two"}))
        .await
        .expect(204);
    e.post(
        &f.alice.1,
        &f.path("/participants/:add"),
        &json!({"participants": [participant(&f.carol.0, "Carol")]}),
    )
    .await
    .expect(201);
    e.send_message(&f.bob.1, &f.thread, "three").await;
    e.post(
        &f.alice.1,
        &f.path("/participants/:remove"),
        &user_model(&f.carol.0),
    )
    .await
    .expect(204);
    e.send_message(&f.alice.1, &f.thread, "four").await;

    let messages = f.messages(&f.alice.1).await;
    let types: Vec<&str> = messages
        .iter()
        .map(|m| str_of(&m["type"], "type"))
        .collect();
    assert_eq!(
        types,
        vec![
            "text",
            "participantRemoved",
            "text",
            "participantAdded",
            "topicUpdated",
            "text",
            "participantAdded",
        ],
        "newest first"
    );
    let seqs: Vec<i64> = messages.iter().map(seq_of).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] > w[1]),
        "sequenceIds must decrease newest first: {seqs:?}"
    );
}

#[tokio::test]
async fn list_messages_accepts_page_sizes_1_to_200_and_refuses_others_naming_max_page_size() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    e.send_message(&f.alice.1, &f.thread, "a").await;
    e.send_message(&f.alice.1, &f.thread, "b").await;
    let one = e.get(&f.alice.1, &f.path("/messages?maxPageSize=1")).await;
    let body = one.expect(200);
    assert_eq!(body["value"].as_array().unwrap().len(), 1);
    assert!(body["nextLink"].is_string(), "more messages follow: {body}");
    let all = e
        .get(&f.alice.1, &f.path("/messages?maxPageSize=200"))
        .await;
    let body = all.expect(200);
    assert_eq!(body["value"].as_array().unwrap().len(), 3);
    assert!(
        body.get("nextLink").is_none(),
        "the last page has no nextLink"
    );
    for bad in [0, 201] {
        e.get(&f.alice.1, &f.path(&format!("/messages?maxPageSize={bad}")))
            .await
            .expect_error_target(400, "BadRequest", "maxPageSize");
    }
}

#[tokio::test]
async fn list_messages_next_link_pages_through_every_message_once_newest_first() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    for i in 0..7 {
        e.send_message(&f.alice.1, &f.thread, &format!("m{i}"))
            .await;
    }
    let (paged, sizes) = e
        .list_all(&f.bob.1, &f.path("/messages?maxPageSize=3"))
        .await;
    assert_eq!(
        sizes,
        vec![3, 3, 2],
        "7 messages and the participantAdded one"
    );
    let ids: Vec<String> = paged
        .iter()
        .map(|m| str_of(&m["id"], "id").to_string())
        .collect();
    assert_unique(&ids);
    let seqs: Vec<i64> = paged.iter().map(seq_of).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] > w[1]),
        "newest first: {seqs:?}"
    );
    let whole = f.messages(&f.bob.1).await;
    assert_eq!(paged, whole, "pages hold the same messages as one page");
    let texts: Vec<&str> = paged
        .iter()
        .filter(|m| m["type"] == "text")
        .map(|m| str_of(&m["content"]["message"], "message"))
        .collect();
    assert_eq!(texts, vec!["m6", "m5", "m4", "m3", "m2", "m1", "m0"]);
}

#[tokio::test]
async fn list_messages_start_time_returns_only_later_messages() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let first = e.send_message(&f.alice.1, &f.thread, "earlier").await;
    let first_on = ms_of(
        &e.get(&f.alice.1, &f.path(&format!("/messages/{first}")))
            .await
            .expect(200)["createdOn"],
    );
    wait_until_after(first_on).await;
    let second = e.send_message(&f.alice.1, &f.thread, "later").await;
    let second_on = e
        .get(&f.alice.1, &f.path(&format!("/messages/{second}")))
        .await
        .expect(200)["createdOn"]
        .as_str()
        .unwrap()
        .to_string();
    let path = f.path(&format!("/messages?startTime={}", enc(&second_on)));
    let (messages, _) = e.list_all(&f.bob.1, &path).await;
    let ids: Vec<&str> = messages.iter().map(|m| str_of(&m["id"], "id")).collect();
    assert_eq!(ids, vec![second.as_str()]);
}

#[tokio::test]
async fn update_message_sets_edited_on_and_a_new_version() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let id = e.send_message(&f.alice.1, &f.thread, "draft").await;
    let path = f.path(&format!("/messages/{id}"));
    let before = e.get(&f.alice.1, &path).await.expect(200).clone();
    e.patch(
        &f.alice.1,
        &path,
        &json!({"content": "final", "metadata": {"k": "v"}}),
    )
    .await
    .expect(204);
    let after = e.get(&f.bob.1, &path).await;
    let after = after.expect(200);
    assert_eq!(after["id"], id);
    assert_eq!(after["content"]["message"], "final");
    assert_eq!(after["metadata"]["k"], "v");
    assert!(after["editedOn"].is_string(), "{after}");
    assert!(
        num(&after["version"], "version") > num(&before["version"], "version"),
        "the version must move on: {before} -> {after}"
    );
    assert_eq!(after["sequenceId"], before["sequenceId"]);
}

#[tokio::test]
async fn only_the_sender_may_edit_or_delete_a_message() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let id = e.send_message(&f.alice.1, &f.thread, "mine").await;
    let path = f.path(&format!("/messages/{id}"));
    e.patch(&f.bob.1, &path, &json!({"content": "yours"}))
        .await
        .expect_error(403, "Forbidden");
    e.delete(&f.bob.1, &path)
        .await
        .expect_error(403, "Forbidden");
    let m = e.get(&f.alice.1, &path).await;
    let m = m.expect(200);
    assert_eq!(m["content"]["message"], "mine");
    assert!(m.get("editedOn").is_none() && m.get("deletedOn").is_none());

    // System messages have no sender, so nobody may edit them.
    let messages = f.messages(&f.alice.1).await;
    let system = messages
        .iter()
        .find(|m| m["type"] == "participantAdded")
        .unwrap();
    let system_path = f.path(&format!("/messages/{}", str_of(&system["id"], "id")));
    e.patch(&f.alice.1, &system_path, &json!({"content": "x"}))
        .await
        .expect_error(403, "Forbidden");
}

#[tokio::test]
async fn deleted_message_keeps_its_id_with_deleted_on() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let id = e.send_message(&f.alice.1, &f.thread, "oops").await;
    let path = f.path(&format!("/messages/{id}"));
    e.delete(&f.alice.1, &path).await.expect(204);
    let got = e.get(&f.bob.1, &path).await;
    let got = got.expect(200);
    assert_eq!(got["id"], id);
    assert!(got["deletedOn"].is_string(), "{got}");
    let listed = f.messages(&f.bob.1).await;
    let entry = listed
        .iter()
        .find(|m| m["id"] == id.as_str())
        .expect("a deleted message stays listed");
    assert!(entry["deletedOn"].is_string(), "{entry}");
}

#[tokio::test]
async fn message_over_28_kb_is_refused_naming_content() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let limit = 28 * 1024;
    e.post(
        &f.alice.1,
        &f.path("/messages"),
        &json!({"content": "a".repeat(limit + 1)}),
    )
    .await
    .expect_error_target(400, "BadRequest", "content");
    let id = e
        .send_message(&f.alice.1, &f.thread, &"a".repeat(limit))
        .await;
    e.patch(
        &f.alice.1,
        &f.path(&format!("/messages/{id}")),
        &json!({"content": "b".repeat(limit + 1)}),
    )
    .await
    .expect_error_target(400, "BadRequest", "content");
}

#[tokio::test]
async fn malformed_json_is_a_bad_request() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let authorization = format!("Bearer {}", f.alice.1);
    let headers = [
        ("authorization", authorization.as_str()),
        ("content-type", "application/json"),
    ];
    let path = format!("{}?api-version={CHAT_API}", f.path("/messages"));
    e.send(Method::POST, &path, &headers, br#"{"content": "#.to_vec())
        .await
        .expect_error(400, "BadRequest");
    e.send(
        Method::POST,
        "/chat/threads?api-version=2025-03-15",
        &headers,
        b"[".to_vec(),
    )
    .await
    .expect_error(400, "BadRequest");
}

#[tokio::test]
async fn content_of_the_wrong_type_is_refused_naming_content() {
    let f = Fixture::new().await;
    f.emulator
        .post(&f.alice.1, &f.path("/messages"), &json!({"content": 5}))
        .await
        .expect_error_target(400, "BadRequest", "content");
}

#[tokio::test]
async fn missing_content_is_refused_naming_content() {
    let f = Fixture::new().await;
    f.emulator
        .post(&f.alice.1, &f.path("/messages"), &json!({"type": "text"}))
        .await
        .expect_error_target(400, "BadRequest", "content");
}

// ---------------------------------------------------------------- participants

#[tokio::test]
async fn list_participants_pages_with_skip_max_page_size_and_next_link() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let mut members = vec![f.bob.0.clone(), f.carol.0.clone()];
    for _ in 0..2 {
        members.push(e.create_user().await.0);
    }
    let refs: Vec<&str> = members.iter().map(String::as_str).collect();
    let thread = e.create_thread(&f.alice.1, "Five", &refs).await;

    let (all, sizes) = e
        .list_all(
            &f.alice.1,
            &thread_path(&thread, "/participants?maxPageSize=2"),
        )
        .await;
    assert_eq!(sizes, vec![2, 2, 1]);
    let ids = raw_ids(&all);
    assert_unique(&ids);
    let mut expected = members.clone();
    expected.push(f.alice.0.clone());
    assert_eq!(
        ids.iter().collect::<HashSet<_>>(),
        expected.iter().collect::<HashSet<_>>()
    );

    let skipped = e
        .get(&f.alice.1, &thread_path(&thread, "/participants?skip=3"))
        .await;
    let body = skipped.expect(200);
    assert_eq!(
        raw_ids(body["value"].as_array().unwrap()),
        ids[3..].to_vec()
    );
    assert!(body.get("nextLink").is_none());

    let (rest, sizes) = e
        .list_all(
            &f.alice.1,
            &thread_path(&thread, "/participants?skip=2&maxPageSize=2"),
        )
        .await;
    assert_eq!(sizes, vec![2, 1]);
    assert_eq!(raw_ids(&rest), ids[2..].to_vec());

    e.get(&f.alice.1, &thread_path(&thread, "/participants?skip=-1"))
        .await
        .expect_error_target(400, "BadRequest", "skip");
}

#[tokio::test]
async fn adding_an_existing_participant_leaves_it_unchanged_and_adds_the_new_one() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let response = e
        .post(
            &f.alice.1,
            &f.path("/participants/:add"),
            &json!({"participants": [participant(&f.bob.0, "Robert"), participant(&f.carol.0, "Carol")]}),
        )
        .await;
    let body = response.expect(201);
    assert!(body.get("invalidParticipants").is_none(), "{body}");

    let list = e.get(&f.alice.1, &f.path("/participants")).await;
    let value = list.expect(200)["value"].as_array().unwrap().clone();
    assert_eq!(value.len(), 3);
    let name_of = |raw: &str| {
        value
            .iter()
            .find(|p| p["communicationIdentifier"]["rawId"] == raw)
            .unwrap_or_else(|| panic!("{raw} is not listed"))["displayName"]
            .clone()
    };
    assert_eq!(
        name_of(&f.bob.0),
        "Bob",
        "an existing participant stays as it was"
    );
    assert_eq!(name_of(&f.carol.0), "Carol");

    let messages = f.messages(&f.alice.1).await;
    let added = &messages[0];
    assert_eq!(added["type"], "participantAdded");
    assert_eq!(
        raw_ids(added["content"]["participants"].as_array().unwrap()),
        vec![f.carol.0.clone()],
        "the system message names only who was added"
    );
    assert_eq!(
        added["content"]["initiatorCommunicationIdentifier"]["rawId"],
        f.alice.0
    );
    // Carol can now read the thread.
    e.get(&f.carol.1, &f.path("")).await.expect(200);
}

#[tokio::test]
async fn removed_participant_is_forbidden_and_no_longer_lists_the_thread() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    // The SDKs may send only the rawId.
    e.post(
        &f.alice.1,
        &f.path("/participants/:remove"),
        &json!({"rawId": f.bob.0}),
    )
    .await
    .expect(204);

    e.get(&f.bob.1, &f.path(""))
        .await
        .expect_error(403, "Forbidden");
    e.post(&f.bob.1, &f.path("/messages"), &json!({"content": "hi"}))
        .await
        .expect_error(403, "Forbidden");
    let (threads, _) = e.list_all(&f.bob.1, "/chat/threads").await;
    assert!(
        threads.iter().all(|t| t["id"] != f.thread.as_str()),
        "{threads:?}"
    );

    let list = e.get(&f.alice.1, &f.path("/participants")).await;
    assert_eq!(
        raw_ids(list.expect(200)["value"].as_array().unwrap()),
        vec![f.alice.0.clone()]
    );
    let messages = f.messages(&f.alice.1).await;
    assert_eq!(messages[0]["type"], "participantRemoved");
    assert_eq!(
        raw_ids(messages[0]["content"]["participants"].as_array().unwrap()),
        vec![f.bob.0.clone()]
    );
}

#[tokio::test]
async fn remove_without_any_identifier_is_a_bad_request() {
    let f = Fixture::new().await;
    f.emulator
        .post(&f.alice.1, &f.path("/participants/:remove"), &json!({}))
        .await
        .expect_error(400, "BadRequest");
}

// ---------------------------------------------------------------- typing and read receipts

#[tokio::test]
async fn typing_notification_is_accepted_with_or_without_a_body() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    e.post(
        &f.alice.1,
        &f.path("/typing"),
        &json!({"senderDisplayName": "Alice"}),
    )
    .await
    .expect(200);
    e.chat(Method::POST, &f.alice.1, &f.path("/typing"), None)
        .await
        .expect(200);
    e.post(&f.carol.1, &f.path("/typing"), &json!({}))
        .await
        .expect_error(403, "Forbidden");
}

#[tokio::test]
async fn read_receipt_for_an_unknown_message_is_not_found() {
    let f = Fixture::new().await;
    f.emulator
        .post(
            &f.bob.1,
            &f.path("/readReceipts"),
            &json!({"chatMessageId": "1234567890123"}),
        )
        .await
        .expect_error(404, "NotFound");
    f.emulator
        .post(&f.bob.1, &f.path("/readReceipts"), &json!({}))
        .await
        .expect_error_target(400, "BadRequest", "chatMessageId");
}

#[tokio::test]
async fn sent_read_receipts_are_listed() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let id = e.send_message(&f.alice.1, &f.thread, "read me").await;
    e.post(
        &f.bob.1,
        &f.path("/readReceipts"),
        &json!({"chatMessageId": id}),
    )
    .await
    .expect(200);
    let list = e.get(&f.alice.1, &f.path("/readReceipts")).await;
    let value = list.expect(200)["value"].as_array().unwrap().clone();
    assert_eq!(value.len(), 1, "{value:?}");
    assert_eq!(value[0]["senderCommunicationIdentifier"]["rawId"], f.bob.0);
    assert_eq!(value[0]["chatMessageId"], id);
    assert!(value[0]["readOn"].is_string());
}

// ---------------------------------------------------------------- authentication and access

#[tokio::test]
async fn chat_call_without_a_token_is_unauthorized() {
    let f = Fixture::new().await;
    let path = format!("/chat/threads?api-version={CHAT_API}");
    f.emulator
        .send(Method::GET, &path, &[], Vec::new())
        .await
        .expect_error(401, "Unauthorized");
}

#[tokio::test]
async fn garbage_token_is_unauthorized() {
    let f = Fixture::new().await;
    for token in ["garbage", "a.b.c", ""] {
        f.emulator
            .get(token, "/chat/threads")
            .await
            .expect_error(401, "Unauthorized");
    }
}

#[tokio::test]
async fn token_with_a_bad_signature_is_unauthorized() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let (head, signature) = f.alice.1.rsplit_once('.').unwrap();
    let first = if signature.starts_with('A') { 'B' } else { 'A' };
    let forged = format!("{head}.{first}{}", &signature[1..]);
    e.get(&forged, "/chat/threads")
        .await
        .expect_error(401, "Unauthorized");

    // An unsigned token (`alg: none`) with the same claims.
    let payload = f.alice.1.split('.').nth(1).unwrap();
    let none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    e.get(&format!("{none}.{payload}."), "/chat/threads")
        .await
        .expect_error(401, "Unauthorized");

    // A token from another emulator is signed with another key.
    let other = TestEmulator::start().await;
    let (_, foreign) = other.create_user().await;
    e.get(&foreign, "/chat/threads")
        .await
        .expect_error(401, "Unauthorized");
}

#[tokio::test]
async fn token_without_chat_scope_is_unauthorized() {
    let f = Fixture::new().await;
    let (_, voip) = f.emulator.create_user_with_scopes(&["voip"]).await;
    f.emulator
        .get(&voip, "/chat/threads")
        .await
        .expect_error(401, "Unauthorized");
}

#[tokio::test]
async fn non_participant_is_forbidden() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let carol = &f.carol.1;
    e.get(carol, &f.path(""))
        .await
        .expect_error(403, "Forbidden");
    e.patch(carol, &f.path(""), &json!({"topic": "Mine"}))
        .await
        .expect_error(403, "Forbidden");
    e.delete(carol, &f.path(""))
        .await
        .expect_error(403, "Forbidden");
    e.get(carol, &f.path("/messages"))
        .await
        .expect_error(403, "Forbidden");
    e.post(carol, &f.path("/messages"), &json!({"content": "hi"}))
        .await
        .expect_error(403, "Forbidden");
    e.get(carol, &f.path("/participants"))
        .await
        .expect_error(403, "Forbidden");
    e.post(
        carol,
        &f.path("/participants/:add"),
        &json!({"participants": [participant(&f.carol.0, "Me")]}),
    )
    .await
    .expect_error(403, "Forbidden");
    e.get(carol, &f.path("/readReceipts"))
        .await
        .expect_error(403, "Forbidden");
}

#[tokio::test]
async fn unknown_thread_is_not_found() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let token = &f.alice.1;
    let path = |rest: &str| thread_path(UNKNOWN_THREAD, rest);
    e.get(token, &path("")).await.expect_error(404, "NotFound");
    e.delete(token, &path(""))
        .await
        .expect_error(404, "NotFound");
    e.get(token, &path("/messages"))
        .await
        .expect_error(404, "NotFound");
    e.post(token, &path("/messages"), &json!({"content": "hi"}))
        .await
        .expect_error(404, "NotFound");
    e.get(token, &path("/participants"))
        .await
        .expect_error(404, "NotFound");
}

#[tokio::test]
async fn unknown_message_is_not_found() {
    let f = Fixture::new().await;
    let e = &f.emulator;
    let token = &f.alice.1;
    for id in ["1234567890123", "not-a-number"] {
        let path = f.path(&format!("/messages/{id}"));
        e.get(token, &path).await.expect_error(404, "NotFound");
        e.patch(token, &path, &json!({"content": "x"}))
            .await
            .expect_error(404, "NotFound");
        e.delete(token, &path).await.expect_error(404, "NotFound");
    }
}

#[tokio::test]
async fn chat_call_without_api_version_is_a_bad_request() {
    let f = Fixture::new().await;
    let authorization = format!("Bearer {}", f.alice.1);
    f.emulator
        .send(
            Method::GET,
            "/chat/threads",
            &[("authorization", authorization.as_str())],
            Vec::new(),
        )
        .await
        .expect_error(400, "MissingApiVersionParameter");
}

// ---------------------------------------------------------------- throttling

#[tokio::test]
async fn throttled_emulator_answers_the_eleventh_send_in_ten_seconds_with_429_and_retry_after() {
    let mut config = support::test_config();
    config.throttle = true;
    let e = TestEmulator::start_with(config).await;
    let alice = e.create_user().await;
    let thread = e.create_thread(&alice.1, "Busy", &[]).await;
    for i in 0..10 {
        e.post(
            &alice.1,
            &thread_path(&thread, "/messages"),
            &json!({"content": format!("m{i}")}),
        )
        .await
        .expect(201);
    }
    let refused = e
        .post(
            &alice.1,
            &thread_path(&thread, "/messages"),
            &json!({"content": "one too many"}),
        )
        .await;
    refused.expect_error(429, "TooManyRequests");
    let retry_after: u64 = refused
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a 429 carries Retry-After in seconds");
    assert!((1..=10).contains(&retry_after), "Retry-After {retry_after}");
    // Another thread has its own allowance.
    let other = e.create_thread(&alice.1, "Quiet", &[]).await;
    e.post(
        &alice.1,
        &thread_path(&other, "/messages"),
        &json!({"content": "fine"}),
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn unthrottled_emulator_takes_many_sends_in_a_row() {
    let e = TestEmulator::start().await;
    let alice = e.create_user().await;
    let thread = e.create_thread(&alice.1, "Busy", &[]).await;
    for i in 0..15 {
        e.post(
            &alice.1,
            &thread_path(&thread, "/messages"),
            &json!({"content": format!("m{i}")}),
        )
        .await
        .expect(201);
    }
}
