//! Placing calls: the answers, the events, repeatability; refusals of bad requests; ringing out.

use super::*;

// ---------------------------------------------------------------- creating calls

#[tokio::test]
async fn a_created_call_answers_201_then_connects_and_reports_the_full_roster() {
    let e = TestEmulator::start().await;
    let rx = CallbackReceiver::start().await;
    let source = new_user(&e).await;
    let callback = rx.url("/calls/megan?key=secret");
    let body = json!({
        "targets": [teams_user(MEGAN)],
        "source": {"id": source},
        "sourceDisplayName": "Contoso app",
        "callbackUri": callback,
        "operationContext": "ctx-create",
    });
    let created = e.calling(Method::POST, CALLS, Some(&body)).await;
    let props = created.expect(201).clone();
    let call = id_of(&props);
    assert!(is_guid(&call), "callConnectionId is a GUID: {call}");
    let server_call_id = props["serverCallId"].as_str().expect("a serverCallId");
    let url = base64::engine::general_purpose::STANDARD
        .decode(server_call_id)
        .expect("serverCallId is standard base64");
    assert!(
        String::from_utf8(url).unwrap().starts_with("https://"),
        "serverCallId encodes a conversation URL"
    );
    assert!(is_guid(props["correlationId"].as_str().unwrap_or_default()));
    assert_eq!(props["callConnectionState"], "connecting");
    assert_eq!(props["callbackUri"], callback.as_str());
    assert_eq!(props["sourceDisplayName"], "Contoso app");
    let target = &props["targets"][0];
    assert_eq!(target["kind"], "microsoftTeamsUser", "{target}");
    assert_eq!(target["rawId"], teams_raw(MEGAN));
    assert_eq!(target["microsoftTeamsUser"]["userId"], MEGAN);
    assert_eq!(target["microsoftTeamsUser"]["isAnonymous"], false);
    assert_eq!(target["microsoftTeamsUser"]["cloud"], "public");
    assert_eq!(props["source"]["kind"], "communicationUser");
    assert_eq!(props["source"]["rawId"], source.as_str());
    assert_eq!(props["source"]["communicationUser"]["id"], source.as_str());

    let connected = rx.first(&call, "CallConnected").await;
    assert_eq!(
        connected.path, "/calls/megan?key=secret",
        "the query is kept"
    );
    assert_eq!(connected.data()["operationContext"], "ctx-create");
    assert_eq!(connected.data()["serverCallId"], server_call_id);
    assert_eq!(connected.data()["correlationId"], props["correlationId"]);
    assert_eq!(connected.result(), (200, 0));

    let updated = rx.first(&call, "ParticipantsUpdated").await;
    assert!(updated.seq > connected.seq, "CallConnected comes first");
    assert_eq!(updated.path, connected.path);
    assert!(sequence(&updated) >= 1);
    assert!(
        updated.data().get("operationContext").is_none(),
        "ParticipantsUpdated has no operation context: {}",
        updated.data()
    );
    let roster = &updated.data()["participants"];
    assert_eq!(raw_ids(roster), sorted(&[&source, &teams_raw(MEGAN)]));
    for p in roster.as_array().unwrap() {
        assert_eq!(p["isMuted"], false, "{p}");
        assert_eq!(p["isOnHold"], false, "{p}");
    }
    let megan = entry(&updated, &teams_raw(MEGAN)).unwrap();
    assert_eq!(megan["identifier"]["kind"], "microsoftTeamsUser");
    assert_eq!(megan["identifier"]["microsoftTeamsUser"]["userId"], MEGAN);
    let me = entry(&updated, &source).unwrap();
    assert_eq!(me["identifier"]["communicationUser"]["id"], source.as_str());

    let got = e.calling(Method::GET, &call_path(&call, ""), None).await;
    let got = got.expect(200);
    assert_eq!(got["callConnectionState"], "connected");
    assert_eq!(got["callConnectionId"], call.as_str());
    let listed = e
        .calling(Method::GET, &call_path(&call, "/participants"), None)
        .await;
    assert_eq!(raw_ids(&listed.expect(200)["value"]), raw_ids(roster));
    let one = e
        .calling(
            Method::GET,
            &call_path(&call, &format!("/participants/{}", enc(&teams_raw(MEGAN)))),
            None,
        )
        .await;
    assert_eq!(one.expect(200)["identifier"]["rawId"], teams_raw(MEGAN));

    assert!(check_all_callbacks(&e, &rx).await >= 2);
}

#[tokio::test]
async fn a_python_style_body_and_a_raw_id_only_target_both_place_calls() {
    let e = TestEmulator::start().await;
    let rx = CallbackReceiver::start().await;
    let source = new_user(&e).await;
    // What the Python SDK sends: no `kind`, the cloud in upper case.
    let python = json!({
        "targets": [{"rawId": teams_raw(MEGAN),
                     "microsoftTeamsUser": {"userId": MEGAN, "isAnonymous": false, "cloud": "PUBLIC"}}],
        "source": {"id": source},
        "callbackUri": rx.url("/py"),
        "operationContext": "py",
    });
    let by_python = e.calling(Method::POST, CALLS, Some(&python)).await;
    let by_python = by_python.expect(201).clone();
    assert_eq!(by_python["targets"][0]["kind"], "microsoftTeamsUser");
    assert_eq!(
        by_python["targets"][0]["microsoftTeamsUser"]["cloud"],
        "public"
    );

    // Only a raw id, here of the voice app.
    let raw_only = json!({
        "targets": [{"rawId": format!("28:orgid:{HELPDESK}")}],
        "source": {"id": source},
        "callbackUri": rx.url("/raw"),
    });
    let by_raw = e.calling(Method::POST, CALLS, Some(&raw_only)).await;
    let by_raw = by_raw.expect(201).clone();
    let app = &by_raw["targets"][0];
    assert_eq!(app["kind"], "microsoftTeamsApp", "{app}");
    assert_eq!(app["rawId"], format!("28:orgid:{HELPDESK}"));
    assert_eq!(app["microsoftTeamsApp"]["appId"], HELPDESK);

    let megan_call = id_of(&by_python);
    let app_call = id_of(&by_raw);
    let connected = rx.first(&megan_call, "CallConnected").await;
    assert_eq!(connected.data()["operationContext"], "py");
    assert_eq!(connected.path, "/py");
    let connected = rx.first(&app_call, "CallConnected").await;
    assert!(
        connected.data().get("operationContext").is_none(),
        "no context was given: {}",
        connected.data()
    );
    assert_eq!(connected.path, "/raw");
    // The voice app plays its greeting to the caller.
    let calls = live_calls(&e).await;
    let helpdesk = calls
        .iter()
        .find(|c| c["callConnectionId"] == app_call.as_str())
        .expect("the voice app call is live");
    assert!(
        helpdesk["farEndMedia"]
            .as_str()
            .is_some_and(|g| g.contains("Contoso Helpdesk")),
        "{helpdesk}"
    );
    check_all_callbacks(&e, &rx).await;
}

#[tokio::test]
async fn the_same_repeatability_request_id_on_create_places_one_call() {
    let e = TestEmulator::start().await;
    let rx = CallbackReceiver::start().await;
    let source = new_user(&e).await;
    let callee = new_user(&e).await;
    let body = json!({
        "targets": [acs_user(&callee)],
        "source": {"id": source},
        "callbackUri": rx.url("/repeat"),
    });
    let first_sent = http_date_now();
    let create = |request_id: &'static str| {
        let (e, body, first_sent) = (&e, &body, first_sent.clone());
        async move {
            e.calling_with(
                Method::POST,
                CALLS,
                Some(body),
                &[
                    ("Repeatability-Request-ID", request_id),
                    ("Repeatability-First-Sent", &first_sent),
                ],
            )
            .await
        }
    };
    let first = create("8c0b4c4e-1f0a-4c8e-9d49-3d7f7c3a1e01").await;
    let again = create("8c0b4c4e-1f0a-4c8e-9d49-3d7f7c3a1e01").await;
    let first = first.expect(201).clone();
    assert_eq!(
        again.expect(201),
        &first,
        "a repeated request gets the first answer"
    );
    let calls = live_calls(&e).await;
    assert_eq!(calls.len(), 1, "one call for one request id: {calls:#?}");
    assert_eq!(calls[0]["callConnectionId"], first["callConnectionId"]);

    let other = create("8c0b4c4e-1f0a-4c8e-9d49-3d7f7c3a1e02").await;
    assert_ne!(
        other.expect(201)["callConnectionId"],
        first["callConnectionId"]
    );
    assert_eq!(live_calls(&e).await.len(), 2);
}

#[tokio::test]
async fn the_same_repeatability_request_id_on_add_sends_one_invitation() {
    let e = TestEmulator::start().await;
    let rx = CallbackReceiver::start().await;
    let (call, _, _) = acs_call(&e, &rx, "/add-repeat").await;
    let third = new_user(&e).await;
    let body = json!({"participantToAdd": acs_user(&third), "operationContext": "add-once"});
    let headers = [
        (
            "Repeatability-Request-ID",
            "f3a1c0de-5b6a-4c2d-8e9f-0a1b2c3d4e5f",
        ),
        ("Repeatability-First-Sent", "Mon, 30 Nov 2026 01:54:25 GMT"),
    ];
    let path = call_path(&call, "/participants:add");
    let first = e
        .calling_with(Method::POST, &path, Some(&body), &headers)
        .await;
    let again = e
        .calling_with(Method::POST, &path, Some(&body), &headers)
        .await;
    let first = first.expect(202).clone();
    assert!(is_guid(first["invitationId"].as_str().unwrap_or_default()));
    assert_eq!(again.expect(202), &first, "the first answer, replayed");
    // The invitee is being rung or has joined, exactly once either way.
    let calls = live_calls(&e).await;
    let live = calls
        .iter()
        .find(|c| c["callConnectionId"] == call.as_str())
        .unwrap();
    let rung = live["ringing"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| *r == third.as_str())
        .count();
    let joined = live["participants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["rawId"] == third.as_str())
        .count();
    assert_eq!(rung + joined, 1, "{live:#}");

    let added = rx.first(&call, "AddParticipantSucceeded").await;
    assert_eq!(added.data()["participant"]["rawId"], third.as_str());
    rx.first_where(&call, "ParticipantsUpdated", |u| entry(u, &third).is_some())
        .await;
    assert_eq!(rx.count(&call, "AddParticipantSucceeded"), 1);
    assert_eq!(rx.count(&call, "AddParticipantFailed"), 0);
    check_all_callbacks(&e, &rx).await;
}

// ---------------------------------------------------------------- refusals

#[tokio::test]
async fn malformed_create_requests_get_400_naming_the_field() {
    let e = TestEmulator::start().await;
    let source = new_user(&e).await;
    let callee = new_user(&e).await;
    let create = |body: Value| {
        let e = &e;
        async move { e.calling(Method::POST, CALLS, Some(&body)).await }
    };
    let base = |targets: Value| json!({"targets": targets, "source": {"id": source}, "callbackUri": "http://127.0.0.1:9/cb"});

    let mut ftp = base(json!([acs_user(&callee)]));
    ftp["callbackUri"] = json!("ftp://x");
    create(ftp)
        .await
        .expect_error_target(400, "BadRequest", "callbackUri");

    let mut no_targets = base(json!([]));
    no_targets.as_object_mut().unwrap().remove("targets");
    create(no_targets)
        .await
        .expect_error_target(400, "BadRequest", "targets");
    create(base(json!([])))
        .await
        .expect_error_target(400, "BadRequest", "targets");

    let group = create(base(json!([teams_user(MEGAN), acs_user(&callee)]))).await;
    let error = group.expect_error_target(400, "BadRequest", "targets");
    assert!(
        error["message"].as_str().unwrap().contains("1:1"),
        "the refusal names the 1:1 rule: {error}"
    );

    let mut stranger = base(json!([acs_user(&callee)]));
    stranger["source"] = json!({"id": "8:acs:00000000-0000-0000-0000-000000000000_0000-not-here"});
    create(stranger)
        .await
        .expect_error_target(400, "BadRequest", "source.id");
    let mut teams_source = base(json!([acs_user(&callee)]));
    teams_source["source"] = json!({"id": teams_raw(MEGAN)});
    create(teams_source)
        .await
        .expect_error_target(400, "BadRequest", "source.id");

    let gone = new_user(&e).await;
    e.identity(Method::DELETE, &format!("/identities/{}", enc(&gone)), None)
        .await
        .expect(204);
    let mut deleted = base(json!([acs_user(&callee)]));
    deleted["source"] = json!({ "id": gone });
    let error = create(deleted).await;
    let error = error.expect_error_target(400, "BadRequest", "source.id");
    assert!(
        error["message"].as_str().unwrap().contains("deleted"),
        "{error}"
    );

    let not_a_uuid = e
        .calling_with(
            Method::POST,
            CALLS,
            Some(&base(json!([acs_user(&callee)]))),
            &[("Repeatability-Request-ID", "not a uuid!")],
        )
        .await;
    not_a_uuid.expect_error_target(400, "BadRequest", "Repeatability-Request-ID");

    let empty = e.calling(Method::POST, CALLS, None).await;
    empty.expect_error(400, "BadRequest");
    assert!(live_calls(&e).await.is_empty(), "nothing was placed");
}

#[tokio::test]
async fn a_call_to_its_own_source_never_lists_the_source_twice() {
    let e = TestEmulator::start().await;
    let rx = CallbackReceiver::start().await;
    let source = new_user(&e).await;
    let body = json!({
        "targets": [acs_user(&source)],
        "source": {"id": source},
        "callbackUri": rx.url("/self"),
    });
    let response = e.calling(Method::POST, CALLS, Some(&body)).await;
    if response.status == 400 {
        response.expect_error_target(400, "BadRequest", "targets");
        return;
    }
    let call = id_of(response.expect(201));
    let outcome = rx
        .wait_until(support::callbacks::WAIT, "the call's outcome", |all| {
            all.iter()
                .find(|r| {
                    r.call_id() == call
                        && ["CallConnected", "CreateCallFailed"].contains(&r.event_type())
                })
                .cloned()
        })
        .await;
    if outcome.event_type() == "CallConnected" {
        let roster = rx.first(&call, "ParticipantsUpdated").await;
        panic!(
            "the application's identity answered its own call; the roster is {:?}",
            raw_ids(&roster.data()["participants"])
        );
    }
}

#[tokio::test]
async fn requests_need_hmac_and_a_well_formed_api_version() {
    let e = TestEmulator::start().await;
    let path =
        "/calling/callConnections/0b7f2c1e-3d4a-4b5c-8d9e-0f1a2b3c4d5e?api-version=2026-03-12";
    let unsigned = e.send(Method::GET, path, &[], Vec::new()).await;
    unsigned.expect_error(401, "Unauthorized");
    // Signed for another path: the signature does not match.
    let elsewhere = e.sign(
        "GET",
        "/calling/callConnections?api-version=2026-03-12",
        b"",
    );
    e.send_signed(Method::GET, path, b"", &elsewhere)
        .await
        .expect_error(401, "Unauthorized");

    let bad_version = e
        .calling(
            Method::GET,
            "/calling/callConnections/0b7f2c1e-3d4a-4b5c-8d9e-0f1a2b3c4d5e?api-version=banana",
            None,
        )
        .await;
    bad_version.expect_error_target(400, "UnsupportedApiVersion", "api-version");
    let bare = "/calling/callConnections/0b7f2c1e-3d4a-4b5c-8d9e-0f1a2b3c4d5e";
    let signed = e.sign("GET", bare, b"");
    e.send_signed(Method::GET, bare, b"", &signed)
        .await
        .expect_error(400, "MissingApiVersionParameter");

    // The key documents are public: an application's webhook fetches them without credentials.
    let keys = e.send(Method::GET, "/calling/keys", &[], Vec::new()).await;
    assert!(!keys.expect(200)["keys"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn unknown_calls_answer_404_in_the_acs_error_shape() {
    let e = TestEmulator::start().await;
    let unknown = "0b7f2c1e-3d4a-4b5c-8d9e-0f1a2b3c4d5e";
    let play = json!({"playSources": [{"kind": "text", "text": {"text": "hello"}}]});
    let add = json!({"participantToAdd": teams_user(MEGAN)});
    let requests: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, call_path(unknown, ""), None),
        (Method::DELETE, call_path(unknown, ""), None),
        (Method::POST, call_path(unknown, ":terminate"), None),
        (Method::GET, call_path(unknown, "/participants"), None),
        (
            Method::POST,
            call_path(unknown, "/participants:add"),
            Some(add),
        ),
        (Method::POST, call_path(unknown, ":play"), Some(play)),
        (
            Method::POST,
            call_path(unknown, ":cancelAllMediaOperations"),
            None,
        ),
    ];
    for (method, path, body) in requests {
        let response = e.calling(method.clone(), &path, body.as_ref()).await;
        let error = response.expect_error(404, "NotFound");
        assert!(
            error["message"].as_str().unwrap().contains(unknown),
            "{method} {path}: the error names the call: {error}"
        );
    }
}

#[tokio::test]
async fn an_ended_call_answers_404_and_its_app_heard_call_disconnected() {
    let e = TestEmulator::start().await;
    let rx = CallbackReceiver::start().await;
    let (call, _, _) = acs_call(&e, &rx, "/ended").await;
    e.calling(Method::DELETE, &call_path(&call, ""), None)
        .await
        .expect(204);
    let disconnected = rx.first(&call, "CallDisconnected").await;
    assert_eq!(disconnected.result(), (200, 7000));
    let play = json!({"playSources": [{"kind": "text", "text": {"text": "anyone there"}}]});
    for (method, path, body) in [
        (Method::GET, call_path(&call, ""), None),
        (Method::GET, call_path(&call, "/participants"), None),
        (Method::POST, call_path(&call, ":play"), Some(&play)),
        (Method::DELETE, call_path(&call, ""), None),
    ] {
        let response = e.calling(method.clone(), &path, body).await;
        response.expect_error(404, "NotFound");
    }
    assert!(live_calls(&e).await.is_empty());
    check_all_callbacks(&e, &rx).await;
}

// ---------------------------------------------------------------- ringing

/// A tenant whose users let calls ring: Pat has no call behaviour, Ivy's persona ignores calls.
const RINGING_TENANT: &str = r#"
[tenant]
id = "0f0f0f0f-0000-4000-8000-000000000001"
name = "Fabrikam (ringing)"
[federation]
enable_acs_users = true
allowed_acs_resources = ["emulator"]
[[policies]]
identity = "Global"
enable_acs_federation_access = true
[[users]]
object_id = "11111111-1111-4111-8111-111111111111"
upn = "pat@fabrikam.example"
display_name = "Pat Silent"
[[users]]
object_id = "22222222-2222-4222-8222-222222222222"
upn = "ivy@fabrikam.example"
display_name = "Ivy Busy"
[[personas]]
user = "ivy@fabrikam.example"
[personas.call]
answer = "ignore"
"#;

#[tokio::test]
async fn a_teams_user_who_lets_it_ring_fails_the_call_with_487_after_the_ring_timeout() {
    let ring_timeout = Duration::from_secs(2);
    let mut config = support::test_config();
    config.tenant = TenantSource::Seed {
        name: "ringing.toml".into(),
        text: RINGING_TENANT.into(),
    };
    config.calling = CallingSettings {
        ring_timeout,
        ..Default::default()
    };
    let e = TestEmulator::start_with(config).await;
    let rx = CallbackReceiver::start().await;
    let source = new_user(&e).await;
    let placed = Instant::now();
    let mut calls = Vec::new();
    for (who, object_id) in [
        ("pat", "11111111-1111-4111-8111-111111111111"),
        ("ivy", "22222222-2222-4222-8222-222222222222"),
    ] {
        let props = place(
            &e,
            &source,
            teams_user(object_id),
            &rx.url(&format!("/{who}")),
            who,
        )
        .await;
        calls.push((who, id_of(&props)));
    }
    for (who, call) in &calls {
        let failed = rx.first(call, "CreateCallFailed").await;
        assert_eq!(
            failed.result(),
            (487, 10004),
            "{who}: {}",
            failed.describe()
        );
        assert_eq!(failed.data()["operationContext"], *who);
        let waited = failed.at.duration_since(placed);
        assert!(
            waited >= ring_timeout - Duration::from_millis(100),
            "{who}: the call failed after {waited:?}, before the ring timeout"
        );
        assert_eq!(rx.count(call, "CallConnected"), 0, "{who}");
        e.calling(Method::GET, &call_path(call, ""), None)
            .await
            .expect_error(404, "NotFound");
    }
    check_all_callbacks(&e, &rx).await;
}
