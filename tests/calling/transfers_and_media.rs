//! Transfers, play and the application's transcription.

use super::*;

// ---------------------------------------------------------------- transfers

#[tokio::test]
async fn transferring_a_teams_call_to_another_teams_user_is_accepted_and_the_app_leaves() {
    let e = TestEmulator::start().await;
    let rx = CallbackReceiver::start().await;
    let (call, _) = connected_call(&e, &rx, teams_user(MEGAN), "/transfer").await;
    let transfer =
        json!({"targetParticipant": teams_user(NESTOR), "operationContext": "to-nestor"});
    let answer = e
        .calling(
            Method::POST,
            &call_path(&call, ":transferToParticipant"),
            Some(&transfer),
        )
        .await;
    assert_eq!(answer.expect(202)["operationContext"], "to-nestor");
    let accepted = rx.first(&call, "CallTransferAccepted").await;
    assert_eq!(accepted.data()["operationContext"], "to-nestor");
    assert_eq!(accepted.result().0, 200);
    let target = &accepted.data()["transferTarget"];
    assert_eq!(target["rawId"], teams_raw(NESTOR));
    assert_eq!(target["kind"], "microsoftTeamsUser");
    assert_eq!(target["microsoftTeamsUser"]["userId"], NESTOR);
    assert_eq!(accepted.data()["transferee"]["rawId"], teams_raw(MEGAN));
    let left = rx.first(&call, "CallDisconnected").await;
    assert!(
        left.seq > accepted.seq,
        "the app leaves after the transfer is accepted"
    );
    assert_eq!(rx.count(&call, "CallTransferFailed"), 0);
    e.calling(Method::GET, &call_path(&call, ""), None)
        .await
        .expect_error(404, "NotFound");
    check_all_callbacks(&e, &rx).await;
}

#[tokio::test]
async fn a_transfer_to_a_policy_blocked_teams_user_fails_with_403_and_the_call_stays_up() {
    let e = TestEmulator::start().await;
    let rx = CallbackReceiver::start().await;
    let (call, source) = connected_call(&e, &rx, teams_user(MEGAN), "/transfer-adele").await;
    let transfer = json!({"targetParticipant": teams_user(ADELE), "operationContext": "to-adele"});
    e.calling(
        Method::POST,
        &call_path(&call, ":transferToParticipant"),
        Some(&transfer),
    )
    .await
    .expect(202);
    let failed = rx.first(&call, "CallTransferFailed").await;
    assert_eq!(failed.result(), (403, 10124), "{}", failed.describe());
    assert_eq!(failed.data()["operationContext"], "to-adele");
    assert_eq!(rx.count(&call, "CallTransferAccepted"), 0);
    assert_eq!(rx.count(&call, "CallDisconnected"), 0);
    let got = e.calling(Method::GET, &call_path(&call, ""), None).await;
    assert_eq!(got.expect(200)["callConnectionState"], "connected");
    assert_roster(&e, &call, &[&source, &teams_raw(MEGAN)]).await;
    check_all_callbacks(&e, &rx).await;
}

// ---------------------------------------------------------------- media

#[tokio::test]
async fn a_looping_play_runs_until_canceled_and_a_second_play_must_interrupt_it() {
    let e = TestEmulator::start().await;
    let rx = CallbackReceiver::start().await;
    let (call, _, _) = acs_call(&e, &rx, "/media").await;
    let play_path = call_path(&call, ":play");
    let music = json!({
        "playSources": [{"kind": "file", "file": {"uri": "https://media.example/hold.wav"}}],
        "playTo": [],
        "interruptCallMediaOperation": false,
        "playOptions": {"loop": true},
        "operationContext": "music",
    });
    e.calling(Method::POST, &play_path, Some(&music))
        .await
        .expect(202);
    let started = rx.first(&call, "PlayStarted").await;
    assert_eq!(started.data()["operationContext"], "music");

    let queued = json!({
        "playSources": [{"kind": "text", "text": {"text": "Your call is important to us"}}],
        "operationContext": "announce",
    });
    e.calling(Method::POST, &play_path, Some(&queued))
        .await
        .expect_error(400, "BadRequest");

    let mut interrupting = queued.clone();
    interrupting["interruptCallMediaOperation"] = json!(true);
    interrupting["playOptions"] = json!({"loop": true});
    e.calling(Method::POST, &play_path, Some(&interrupting))
        .await
        .expect(202);
    let canceled = rx.first(&call, "PlayCanceled").await;
    assert_eq!(canceled.data()["operationContext"], "music");
    let announced = rx.nth(&call, "PlayStarted", 2).await;
    assert_eq!(announced.data()["operationContext"], "announce");
    assert!(announced.seq > canceled.seq);

    e.calling(
        Method::POST,
        &call_path(&call, ":cancelAllMediaOperations"),
        None,
    )
    .await
    .expect(202);
    let canceled = rx.nth(&call, "PlayCanceled", 2).await;
    assert_eq!(canceled.data()["operationContext"], "announce");
    assert!(canceled.result().0 >= 400, "{}", canceled.describe());
    assert_eq!(
        rx.count(&call, "PlayCompleted"),
        0,
        "a loop never completes"
    );
    // Nothing plays any more: a new play needs no interrupt.
    e.calling(Method::POST, &play_path, Some(&queued))
        .await
        .expect(202);
    check_all_callbacks(&e, &rx).await;
}

#[tokio::test]
async fn the_apps_transcription_starts_updates_and_stops_with_an_event_each() {
    let e = TestEmulator::start().await;
    let rx = CallbackReceiver::start().await;
    let (call, _, _) = acs_call(&e, &rx, "/transcription").await;
    let act = |action: &str, body: Value| {
        let (e, path) = (&e, call_path(&call, &format!(":{action}")));
        async move { e.calling(Method::POST, &path, Some(&body)).await }
    };
    act("updateTranscription", json!({"locale": "fr-FR"}))
        .await
        .expect_error(400, "BadRequest");
    act(
        "startTranscription",
        json!({"locale": "en-US", "operationContext": "tr-start"}),
    )
    .await
    .expect(202);
    let started = rx.first(&call, "TranscriptionStarted").await;
    assert_eq!(started.data()["operationContext"], "tr-start");
    assert_eq!(
        started.data()["transcriptionUpdate"]["transcriptionStatus"],
        "transcriptionStarted"
    );
    act("startTranscription", json!({"locale": "en-US"}))
        .await
        .expect_error(400, "BadRequest");
    act(
        "updateTranscription",
        json!({"locale": "fr-FR", "operationContext": "tr-update"}),
    )
    .await
    .expect(202);
    let updated = rx.first(&call, "TranscriptionUpdated").await;
    assert_eq!(updated.data()["operationContext"], "tr-update");
    assert_eq!(
        updated.data()["transcriptionUpdate"]["transcriptionStatusDetails"],
        "transcriptionLocaleUpdated"
    );
    act("stopTranscription", json!({"operationContext": "tr-stop"}))
        .await
        .expect(202);
    let stopped = rx.first(&call, "TranscriptionStopped").await;
    assert_eq!(stopped.data()["operationContext"], "tr-stop");
    assert!(started.seq < updated.seq && updated.seq < stopped.seq);
    check_all_callbacks(&e, &rx).await;
}

#[tokio::test]
async fn recognize_is_refused_with_a_teams_user_and_not_simulated_otherwise() {
    let e = TestEmulator::start().await;
    let rx = CallbackReceiver::start().await;
    let (teams_call, _) = connected_call(&e, &rx, teams_user(MEGAN), "/recognize-teams").await;
    let (acs_only, _, callee) = acs_call(&e, &rx, "/recognize-acs").await;
    let recognize = |target: Value| {
        json!({
            "recognizeInputType": "dtmf",
            "playPrompt": {"kind": "text", "text": {"text": "Press one"}},
            "recognizeOptions": {"targetParticipant": target, "dtmfOptions": {"maxTonesToCollect": 1}},
        })
    };
    let refused = e
        .calling(
            Method::POST,
            &call_path(&teams_call, ":recognize"),
            Some(&recognize(teams_user(MEGAN))),
        )
        .await;
    let error = refused.expect_error(400, "BadRequest");
    assert!(
        error["message"].as_str().unwrap().contains("Teams"),
        "{error}"
    );
    let unsimulated = e
        .calling(
            Method::POST,
            &call_path(&acs_only, ":recognize"),
            Some(&recognize(acs_user(&callee))),
        )
        .await;
    unsimulated.expect_error(501, "NotImplemented");
    check_all_callbacks(&e, &rx).await;
}

#[tokio::test]
async fn transcription_by_the_app_and_by_teams_together_starts_once_and_stops_once() {
    let e = TestEmulator::start().await;
    let rx = CallbackReceiver::start().await;
    let (call, _) = connected_call(&e, &rx, teams_user(MEGAN), "/both-transcribe").await;
    let path = format!("/emulator/teams/users/{MEGAN_UPN}/call/transcription");
    admin(&e, Method::POST, &path, Some(&json!({"active": true})))
        .await
        .expect(200);
    rx.first(&call, "TranscriptionStarted").await;
    e.calling(
        Method::POST,
        &call_path(&call, ":startTranscription"),
        Some(&json!({"operationContext": "app-on"})),
    )
    .await
    .expect(202);
    let ack = rx.first(&call, "TranscriptionUpdated").await;
    assert_eq!(ack.data()["operationContext"], "app-on");
    admin(&e, Method::POST, &path, Some(&json!({"active": false})))
        .await
        .expect(200);
    e.calling(
        Method::POST,
        &call_path(&call, ":stopTranscription"),
        Some(&json!({"operationContext": "app-off"})),
    )
    .await
    .expect(202);
    let stopped = rx.first(&call, "TranscriptionStopped").await;
    assert_eq!(
        stopped.data()["operationContext"],
        "app-off",
        "the call stops being transcribed only when the app stops too"
    );
    assert_eq!(rx.count(&call, "TranscriptionStarted"), 1);
    assert_eq!(rx.count(&call, "TranscriptionStopped"), 1);
    check_all_callbacks(&e, &rx).await;
}
