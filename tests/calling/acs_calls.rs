//! ACS-to-ACS calls: recording, adding, removing and canceling participants, operation callbacks.

use super::*;

// ---------------------------------------------------------------- ACS-to-ACS calls

#[tokio::test]
async fn an_acs_call_can_be_recorded_paused_resumed_and_stopped_with_events_at_the_recording_callback()
 {
    let e = TestEmulator::start().await;
    let rx = CallbackReceiver::start().await;
    let (call, source, callee) = acs_call(&e, &rx, "/acs").await;
    let updated = rx.first(&call, "ParticipantsUpdated").await;
    assert_eq!(
        raw_ids(&updated.data()["participants"]),
        sorted(&[&source, &callee])
    );

    let start = json!({
        "callConnectionId": call,
        "recordingStateCallbackUri": rx.url("/recording"),
        "channelAffinity": [],
    });
    let start_once = || {
        e.calling_with(
            Method::POST,
            "/calling/recordings",
            Some(&start),
            &[(
                "Repeatability-Request-ID",
                "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6",
            )],
        )
    };
    let started = start_once().await.expect(200).clone();
    assert_eq!(
        start_once().await.expect(200),
        &started,
        "a repeated start is the same recording, not a second one"
    );
    assert_eq!(started["recordingState"], "active");
    assert_eq!(started["recordingKind"], "azureCommunicationServices");
    let recording = started["recordingId"]
        .as_str()
        .expect("a recordingId")
        .to_string();
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&recording)
        .expect("recordingId is unpadded base64url");
    let decoded: Value = serde_json::from_slice(&decoded).expect("of JSON");
    assert_eq!(decoded["PlatformEndpointId"], call.as_str());

    let state = |n: usize| {
        let (rx, call) = (&rx, &call);
        async move { rx.nth(call, "RecordingStateChanged", n).await }
    };
    let active = state(1).await;
    assert_eq!(active.path, "/recording", "to recordingStateCallbackUri");
    assert_eq!(active.data()["recordingId"], recording.as_str());
    assert_eq!(active.data()["state"], "active");
    assert_eq!(active.data()["recordingKind"], "azureCommunicationServices");
    assert!(active.data()["startDateTime"].is_string());

    let path = format!("/calling/recordings/{recording}");
    let got = e.calling(Method::GET, &path, None).await;
    assert_eq!(got.expect(200), &started);

    e.calling(Method::POST, &format!("{path}:pause"), None)
        .await
        .expect(202);
    let paused = state(2).await;
    assert_eq!(paused.data()["state"], "inactive");
    assert_eq!(
        e.calling(Method::GET, &path, None).await.expect(200)["recordingState"],
        "inactive"
    );
    e.calling(Method::POST, &format!("{path}:resume"), None)
        .await
        .expect(202);
    assert_eq!(state(3).await.data()["state"], "active");
    e.calling(Method::DELETE, &path, None).await.expect(204);
    let stopped = state(4).await;
    assert_eq!(stopped.data()["state"], "inactive");
    assert_eq!(stopped.path, "/recording");
    e.calling(Method::GET, &path, None)
        .await
        .expect_error(404, "NotFound");
    assert!(
        rx.events_of(&call)
            .iter()
            .filter(|r| r.event_type() == "RecordingStateChanged")
            .all(|r| r.path == "/recording"),
        "recording events never go to the call's callback"
    );
    assert_eq!(rx.count(&call, "RecordingStateChanged"), 4);

    // A new recording, of the call found by its serverCallId; without a recording callback its events
    // go to the call's.
    let server_call_id = active.data()["serverCallId"].clone();
    let by_locator = json!({
        "callLocator": {"kind": "serverCallLocator", "serverCallId": server_call_id},
        "channelAffinity": [],
    });
    let again = e
        .calling(Method::POST, "/calling/recordings", Some(&by_locator))
        .await;
    let again = again.expect(200).clone();
    assert_eq!(again["recordingState"], "active");
    assert_ne!(again["recordingId"], started["recordingId"]);
    let active = state(5).await;
    assert_eq!(active.data()["recordingId"], again["recordingId"]);
    assert_eq!(active.path, "/acs");
    let live = e.calling(Method::GET, &call_path(&call, ""), None).await;
    assert_eq!(live.expect(200)["callConnectionState"], "connected");
    check_all_callbacks(&e, &rx).await;
}

#[tokio::test]
async fn adding_then_removing_an_acs_user_reports_each_result_and_a_roster_with_a_higher_sequence_number()
 {
    let e = TestEmulator::start().await;
    let rx = CallbackReceiver::start().await;
    let (call, source, callee) = acs_call(&e, &rx, "/roster").await;
    let before = rx.first(&call, "ParticipantsUpdated").await;
    let third = new_user(&e).await;

    let add = json!({
        "participantToAdd": acs_user(&third),
        "invitationTimeoutInSeconds": 30,
        "operationContext": "add-third",
    });
    let accepted = e
        .calling(
            Method::POST,
            &call_path(&call, "/participants:add"),
            Some(&add),
        )
        .await;
    let accepted = accepted.expect(202);
    assert_eq!(accepted["operationContext"], "add-third");
    assert_eq!(
        accepted["participant"]["identifier"]["rawId"],
        third.as_str()
    );
    assert!(is_guid(
        accepted["invitationId"].as_str().unwrap_or_default()
    ));

    let added = rx.first(&call, "AddParticipantSucceeded").await;
    assert_eq!(added.data()["participant"]["rawId"], third.as_str());
    assert_eq!(added.data()["participant"]["kind"], "communicationUser");
    assert_eq!(added.data()["operationContext"], "add-third");
    assert_eq!(added.result().0, 200);
    let grown = rx
        .first_where(&call, "ParticipantsUpdated", |u| {
            u.data()["participants"].as_array().map(Vec::len) == Some(3)
        })
        .await;
    assert_eq!(
        raw_ids(&grown.data()["participants"]),
        sorted(&[&source, &callee, &third])
    );
    assert!(sequence(&grown) > sequence(&before));

    let remove =
        json!({"participantToRemove": acs_user(&third), "operationContext": "remove-third"});
    let removed = e
        .calling(
            Method::POST,
            &call_path(&call, "/participants:remove"),
            Some(&remove),
        )
        .await;
    assert_eq!(removed.expect(202)["operationContext"], "remove-third");
    let removed = rx.first(&call, "RemoveParticipantSucceeded").await;
    assert_eq!(removed.data()["participant"]["rawId"], third.as_str());
    assert_eq!(removed.data()["operationContext"], "remove-third");
    let grown_seq = sequence(&grown);
    let shrunk = rx
        .first_where(&call, "ParticipantsUpdated", |u| {
            u.data()["sequenceNumber"].as_i64() > Some(grown_seq)
        })
        .await;
    assert_eq!(
        raw_ids(&shrunk.data()["participants"]),
        sorted(&[&source, &callee])
    );
    assert_roster(&e, &call, &[&source, &callee]).await;
    assert_eq!(rx.count(&call, "CallDisconnected"), 0, "two parties remain");
    check_all_callbacks(&e, &rx).await;
}

#[tokio::test]
async fn canceling_a_ringing_invitation_succeeds_and_canceling_an_unknown_one_fails() {
    let e = TestEmulator::start().await;
    let rx = CallbackReceiver::start().await;
    let (call, _, _) = acs_call(&e, &rx, "/cancel").await;
    let cancel_path = call_path(&call, "/participants:cancelAddParticipant");

    let unknown = "5d0f1e2a-3b4c-4d5e-8f60-718293a4b5c6";
    let answer = e
        .calling(
            Method::POST,
            &cancel_path,
            Some(&json!({"invitationId": unknown, "operationContext": "cancel-unknown"})),
        )
        .await;
    assert_eq!(answer.expect(202)["invitationId"], unknown);
    let failed = rx.first(&call, "CancelAddParticipantFailed").await;
    assert_eq!(failed.data()["invitationId"], unknown);
    assert_eq!(failed.data()["operationContext"], "cancel-unknown");
    assert!(failed.result().0 >= 400, "{}", failed.describe());

    // An ACS user answers after about a second: the cancel must land before that. On a very loaded
    // machine it may not; then the invitee has joined, and the test tries again with another user.
    for attempt in 1..=3 {
        let invitee = new_user(&e).await;
        let add = json!({"participantToAdd": acs_user(&invitee), "operationContext": "add"});
        let added = e
            .calling(
                Method::POST,
                &call_path(&call, "/participants:add"),
                Some(&add),
            )
            .await;
        let invitation = added.expect(202)["invitationId"]
            .as_str()
            .expect("an invitationId")
            .to_string();
        let cancel = json!({"invitationId": invitation, "operationContext": "cancel-ringing"});
        let answer = e.calling(Method::POST, &cancel_path, Some(&cancel)).await;
        let answer = answer.expect(202);
        assert_eq!(answer["invitationId"], invitation.as_str());
        assert_eq!(answer["operationContext"], "cancel-ringing");
        let outcome = rx
            .wait_until(support::callbacks::WAIT, "the cancel's outcome", |all| {
                all.iter()
                    .find(|r| {
                        r.call_id() == call
                            && r.data()["invitationId"] == invitation.as_str()
                            && r.event_type().starts_with("CancelAddParticipant")
                    })
                    .cloned()
            })
            .await;
        if outcome.event_type() == "CancelAddParticipantFailed" {
            let joined = rx.events_of(&call).iter().any(|r| {
                r.event_type() == "AddParticipantSucceeded"
                    && r.data()["participant"]["rawId"] == invitee.as_str()
            });
            assert!(
                joined,
                "the cancel of a ringing invitation failed: {}",
                outcome.describe()
            );
            eprintln!("attempt {attempt}: the invitee answered before the cancel; trying again");
            continue;
        }
        assert_eq!(outcome.data()["operationContext"], "cancel-ringing");
        assert_eq!(outcome.result(), (200, 5300));
        // The invitee would have answered after a second; give it twice that.
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(
            !rx.events_of(&call).iter().any(|r| {
                r.event_type() == "AddParticipantSucceeded"
                    && r.data()["participant"]["rawId"] == invitee.as_str()
            }),
            "a canceled invitee joined"
        );
        let listed = e
            .calling(Method::GET, &call_path(&call, "/participants"), None)
            .await;
        assert!(!raw_ids(&listed.expect(200)["value"]).contains(&invitee));
        check_all_callbacks(&e, &rx).await;
        return;
    }
    panic!("every cancel came after the invitee answered");
}

#[tokio::test]
async fn an_operation_callback_uri_sends_that_operations_events_there() {
    let e = TestEmulator::start().await;
    let rx = CallbackReceiver::start().await;
    let (call, _, _) = acs_call(&e, &rx, "/call").await;
    let third = new_user(&e).await;
    let add = json!({
        "participantToAdd": acs_user(&third),
        "operationContext": "add-elsewhere",
        "operationCallbackUri": rx.url("/ops/add"),
    });
    e.calling(
        Method::POST,
        &call_path(&call, "/participants:add"),
        Some(&add),
    )
    .await
    .expect(202);
    let added = rx.first(&call, "AddParticipantSucceeded").await;
    assert_eq!(added.path, "/ops/add");
    assert_eq!(added.data()["operationContext"], "add-elsewhere");
    let roster = rx
        .first_where(&call, "ParticipantsUpdated", |u| entry(u, &third).is_some())
        .await;
    assert_eq!(
        roster.path, "/call",
        "the roster goes to the call's callback"
    );

    let play = json!({
        "playSources": [{"kind": "text", "text": {"text": "Welcome", "voiceName": "en-US-NancyNeural"}}],
        "operationContext": "play-elsewhere",
        "operationCallbackUri": rx.url("/ops/play"),
    });
    e.calling(Method::POST, &call_path(&call, ":play"), Some(&play))
        .await
        .expect(202);
    let started = rx.first(&call, "PlayStarted").await;
    let completed = rx.first(&call, "PlayCompleted").await;
    for r in [&started, &completed] {
        assert_eq!(r.path, "/ops/play", "{}", r.describe());
        assert_eq!(r.data()["operationContext"], "play-elsewhere");
    }

    let remove = json!({
        "participantToRemove": acs_user(&third),
        "operationCallbackUri": rx.url("/ops/remove"),
    });
    e.calling(
        Method::POST,
        &call_path(&call, "/participants:remove"),
        Some(&remove),
    )
    .await
    .expect(202);
    assert_eq!(
        rx.first(&call, "RemoveParticipantSucceeded").await.path,
        "/ops/remove"
    );
    // A later operation without its own callback goes back to the call's.
    let again = json!({"playSources": [{"kind": "text", "text": {"text": "Bye"}}], "operationContext": "bye"});
    e.calling(Method::POST, &call_path(&call, ":play"), Some(&again))
        .await
        .expect(202);
    let bye = rx
        .first_where(&call, "PlayStarted", |r| {
            r.data()["operationContext"] == "bye"
        })
        .await;
    assert_eq!(bye.path, "/call");
    check_all_callbacks(&e, &rx).await;
}
