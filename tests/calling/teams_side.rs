//! The Teams side through the admin API, and personas.

use super::*;

// ---------------------------------------------------------------- the Teams side

#[tokio::test]
async fn the_teams_side_holds_then_hangs_up_and_the_app_hears_both() {
    let e = TestEmulator::start().await;
    let rx = CallbackReceiver::start().await;
    let (call, source) = connected_call(&e, &rx, teams_user(MEGAN), "/teams-side").await;
    let first = rx.first(&call, "ParticipantsUpdated").await;
    let megan = teams_raw(MEGAN);
    let action = |what: &str| format!("/emulator/teams/users/{MEGAN_UPN}/call/{what}");

    let held = admin(
        &e,
        Method::POST,
        &action("hold"),
        Some(&json!({"onHold": true})),
    )
    .await;
    assert_eq!(held.expect(200)["onHold"], true);
    let on_hold = rx
        .first_where(&call, "ParticipantsUpdated", |u| {
            entry(u, &megan).is_some_and(|p| p["isOnHold"] == true)
        })
        .await;
    assert!(sequence(&on_hold) > sequence(&first));
    assert_eq!(entry(&on_hold, &source).unwrap()["isOnHold"], false);
    admin(
        &e,
        Method::POST,
        &action("hold"),
        Some(&json!({"onHold": false})),
    )
    .await
    .expect(200);
    let resumed = rx
        .first_where(&call, "ParticipantsUpdated", |u| {
            sequence(u) > sequence(&on_hold)
        })
        .await;
    assert_eq!(entry(&resumed, &megan).unwrap()["isOnHold"], false);

    admin(&e, Method::POST, &action("hangup"), None)
        .await
        .expect(204);
    let without = rx
        .first_where(&call, "ParticipantsUpdated", |u| entry(u, &megan).is_none())
        .await;
    assert_eq!(
        raw_ids(&without.data()["participants"]),
        vec![source.clone()]
    );
    let ended = rx.first(&call, "CallDisconnected").await;
    assert!(ended.seq > without.seq, "the roster change comes first");
    assert_eq!(ended.result(), (200, 99003), "{}", ended.describe());
    assert!(
        ended.result_message().contains("Megan Bowen"),
        "{}",
        ended.describe()
    );
    e.calling(Method::GET, &call_path(&call, ""), None)
        .await
        .expect_error(404, "NotFound");
    check_all_callbacks(&e, &rx).await;
}

#[tokio::test]
async fn teams_users_cannot_transfer_or_forward_to_acs_users_nor_call_them() {
    let e = TestEmulator::start().await;
    let rx = CallbackReceiver::start().await;
    let action = |what: &str| format!("/emulator/teams/users/{MEGAN_UPN}/call/{what}");
    let idle = admin(
        &e,
        Method::POST,
        &action("recording"),
        Some(&json!({"active": true})),
    )
    .await;
    idle.expect_error(404, "NotFound");

    let (call, source) = connected_call(&e, &rx, teams_user(MEGAN), "/refusals").await;
    let to_acs = json!({"target": source});
    let transfer = admin(&e, Method::POST, &action("transfer"), Some(&to_acs)).await;
    let error = transfer.expect_error(403, "TransferToAcsNotSupported");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("can't make ACS users forwarding or transfer targets"),
        "the refusal names the rule: {error}"
    );
    let forward = admin(
        &e,
        Method::POST,
        &action("forward"),
        Some(&json!({"target": teams_raw(NESTOR)})),
    )
    .await;
    let error = forward.expect_error(403, "ForwardingNotSupported");
    assert!(
        error["message"].as_str().unwrap().contains("forwarding"),
        "{error}"
    );
    let dial = admin(
        &e,
        Method::POST,
        &format!("/emulator/teams/users/{MEGAN_UPN}/calls"),
        Some(&to_acs),
    )
    .await;
    let error = dial.expect_error(403, "AcsUsersStartCalls");
    assert!(
        error["message"].as_str().unwrap().contains(source.as_str()),
        "{error}"
    );

    // None of that touched the call.
    assert_roster(&e, &call, &[&source, &teams_raw(MEGAN)]).await;
    // A transfer to another Teams user works: the app sees Nestor instead of Megan.
    let to_nestor = admin(
        &e,
        Method::POST,
        &action("transfer"),
        Some(&json!({"target": teams_raw(NESTOR)})),
    )
    .await;
    to_nestor.expect(204);
    let handed = rx
        .first_where(&call, "ParticipantsUpdated", |u| {
            entry(u, &teams_raw(NESTOR)).is_some()
        })
        .await;
    assert_eq!(
        raw_ids(&handed.data()["participants"]),
        sorted(&[&source, &teams_raw(NESTOR)])
    );
    check_all_callbacks(&e, &rx).await;
}

#[tokio::test]
async fn a_teams_side_transfer_to_a_user_the_interop_rules_block_is_refused() {
    let e = TestEmulator::start().await;
    let rx = CallbackReceiver::start().await;
    let (call, source) = connected_call(&e, &rx, teams_user(MEGAN), "/blocked-transfer").await;
    let transfer = format!("/emulator/teams/users/{MEGAN_UPN}/call/transfer");
    // Adele's External Access Policy turns ACS federation off; Lee is not in TeamsOnly mode. Neither
    // can be in a call with an ACS user, so neither can be handed one.
    for (who, object_id, rule) in [
        (
            "Adele",
            ADELE,
            ["EnableAcsFederationAccess", "NoAcsFederation"],
        ),
        ("Lee", LEE, ["TeamsOnly", "Islands"]),
    ] {
        let response = admin(
            &e,
            Method::POST,
            &transfer,
            Some(&json!({"target": teams_raw(object_id)})),
        )
        .await;
        assert_eq!(
            response.status, 403,
            "Megan handed the ACS user's call to {who}: {}",
            response.body
        );
        let message = response.body["error"]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(
            rule.iter().any(|r| message.contains(r)),
            "the refusal names the rule that blocks {who}: {message}"
        );
    }
    assert_roster(&e, &call, &[&source, &teams_raw(MEGAN)]).await;
    check_all_callbacks(&e, &rx).await;
}

#[tokio::test]
async fn nestor_starts_a_teams_recording_and_then_transcription_that_the_app_hears_about() {
    let e = TestEmulator::start().await;
    let rx = CallbackReceiver::start().await;
    let source = new_user(&e).await;
    let placed = Instant::now();
    let call = id_of(
        &place(
            &e,
            &source,
            teams_user(NESTOR),
            &rx.url("/nestor"),
            "nestor",
        )
        .await,
    );
    rx.first(&call, "CallConnected").await;
    let recording = rx
        .first_where(&call, "RecordingStateChanged", |r| {
            r.data()["recordingKind"] == "teams"
        })
        .await;
    assert_eq!(recording.data()["state"], "active");
    assert_eq!(
        recording.path, "/nestor",
        "Teams recording goes to the call's callback"
    );
    // He answers after 1.5 s and records 5 s later.
    let after = recording.at.duration_since(placed);
    assert!(
        after >= Duration::from_secs(6),
        "Nestor records about 6.5 s after the call is placed, not after {after:?}"
    );
    let transcription = rx.first(&call, "TranscriptionStarted").await;
    assert!(transcription.seq > recording.seq);
    assert_eq!(
        transcription.data()["transcriptionUpdate"]["transcriptionStatus"],
        "transcriptionStarted"
    );
    let calls = live_calls(&e).await;
    let live = calls
        .iter()
        .find(|c| c["callConnectionId"] == call.as_str())
        .unwrap();
    assert_eq!(live["recording"]["kind"], "teams", "{live}");
    assert_eq!(live["transcription"], true);
    check_all_callbacks(&e, &rx).await;
}

#[tokio::test]
async fn the_app_cannot_stop_pause_or_resume_a_teams_users_recording() {
    let e = TestEmulator::start().await;
    let rx = CallbackReceiver::start().await;
    let (call, _) = connected_call(&e, &rx, teams_user(MEGAN), "/teams-recording").await;
    let started = admin(
        &e,
        Method::POST,
        &format!("/emulator/teams/users/{MEGAN_UPN}/call/recording"),
        Some(&json!({"active": true})),
    )
    .await;
    let id = started.expect(200)["recordingId"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/calling/recordings/{}", enc(&id));
    e.calling(Method::DELETE, &path, None)
        .await
        .expect_error(403, "Forbidden");
    e.calling(Method::POST, &format!("{path}:pause"), None)
        .await
        .expect_error(403, "Forbidden");
    assert_eq!(
        rx.count(&call, "RecordingStateChanged"),
        1,
        "the Teams recording still runs"
    );
    check_all_callbacks(&e, &rx).await;
}
