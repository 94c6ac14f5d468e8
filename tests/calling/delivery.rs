//! Callback delivery (dead and refusing receivers) and restarts.

use super::*;

// ---------------------------------------------------------------- delivery and restarts

#[tokio::test]
async fn a_dead_callback_receiver_for_one_call_does_not_delay_another_calls_events() {
    let e = TestEmulator::start().await;
    let rx = CallbackReceiver::start().await;
    // Bound but not listening: connections are refused, and no other test's receiver can take the
    // port while this test's emulator still retries its deliveries.
    let closed = tokio::net::TcpSocket::new_v4().expect("a socket");
    closed
        .bind(([127, 0, 0, 1], 0).into())
        .expect("a free port");
    let dead_port = closed.local_addr().expect("its address").port();
    let dead_url = format!("http://127.0.0.1:{dead_port}/gone");
    let source = new_user(&e).await;
    let (b, c) = (new_user(&e).await, new_user(&e).await);

    let stuck = id_of(&place(&e, &source, acs_user(&b), &dead_url, "stuck").await);
    let deadline = Instant::now() + support::callbacks::WAIT;
    loop {
        let got = e.calling(Method::GET, &call_path(&stuck, ""), None).await;
        if got.expect(200)["callConnectionState"] == "connected" {
            break;
        }
        assert!(Instant::now() < deadline, "the first call never connected");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Pile up undeliverable events: each is retried for seconds before it is dropped.
    let loop_play = json!({
        "playSources": [{"kind": "file", "file": {"uri": "https://media.example/a.wav"}}],
        "playOptions": {"loop": true},
    });
    for _ in 0..3 {
        e.calling(Method::POST, &call_path(&stuck, ":play"), Some(&loop_play))
            .await
            .expect(202);
        e.calling(
            Method::POST,
            &call_path(&stuck, ":cancelAllMediaOperations"),
            None,
        )
        .await
        .expect(202);
    }

    let placed = Instant::now();
    let fine = id_of(&place(&e, &source, acs_user(&c), &rx.url("/alive"), "fine").await);
    let connected = rx.first(&fine, "CallConnected").await;
    let took = connected.at.duration_since(placed);
    // The callee answers after about a second; the stuck call's backlog is over 20 s of retries.
    assert!(
        took < Duration::from_secs(8),
        "the second call's CallConnected took {took:?}: it waited behind the dead receiver"
    );
    assert!(rx.events_of(&stuck).is_empty());
    check_all_callbacks(&e, &rx).await;
    drop(closed);
}

#[tokio::test]
async fn a_callback_answered_503_is_retried_and_the_calls_events_keep_their_order() {
    let e = TestEmulator::start().await;
    let rx = CallbackReceiver::start().await;
    rx.refuse_next(2);
    let callee = new_user(&e).await;
    let (call, _) = connected_call(&e, &rx, acs_user(&callee), "/flaky").await;
    let updated = rx.first(&call, "ParticipantsUpdated").await;
    let tries: Vec<Received> = rx
        .received()
        .into_iter()
        .filter(|r| r.call_id() == call)
        .collect();
    let connected: Vec<&Received> = tries
        .iter()
        .filter(|r| r.event_type() == "CallConnected")
        .collect();
    let statuses: Vec<u16> = connected.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [503, 503, 200], "refused twice, then accepted");
    assert!(
        connected
            .iter()
            .all(|r| r.event()["id"] == connected[0].event()["id"]),
        "every try carries the same event"
    );
    let gap = connected[1].at.duration_since(connected[0].at);
    assert!(
        gap >= Duration::from_millis(300),
        "retries back off: {gap:?}"
    );
    let accepted = connected[2];
    assert!(
        tries
            .iter()
            .filter(|r| r.event_type() == "ParticipantsUpdated")
            .all(|r| r.seq > accepted.seq),
        "ParticipantsUpdated waits until CallConnected is delivered"
    );
    assert_eq!(updated.status, 200);
    check_all_callbacks(&e, &rx).await;
}

#[tokio::test]
async fn a_restart_ends_live_calls_with_99009_and_forgets_them() {
    let data = tempfile::tempdir().expect("a temporary folder");
    let mut config = support::test_config();
    config.storage = Storage::Directory(data.path().to_path_buf());
    let rx = CallbackReceiver::start().await;

    let before = TestEmulator::start_with(config.clone()).await;
    let resource = before.resource_id().to_string();
    let (call, _, _) = acs_call(&before, &rx, "/restart").await;
    rx.first(&call, "ParticipantsUpdated").await;
    before.shutdown().await;

    let after = TestEmulator::start_with(config).await;
    assert_eq!(
        after.resource_id(),
        resource,
        "the same resource after the restart"
    );
    let ended = rx.first(&call, "CallDisconnected").await;
    assert_eq!(ended.result(), (500, 99009), "{}", ended.describe());
    assert_eq!(ended.path, "/restart");
    after
        .calling(Method::GET, &call_path(&call, ""), None)
        .await
        .expect_error(404, "NotFound");
    assert!(live_calls(&after).await.is_empty());
    // The tokens signed before the restart verify with the keys published after it.
    assert!(check_all_callbacks(&after, &rx).await >= 3);
}

#[tokio::test]
async fn a_dead_operation_callback_does_not_hold_up_the_calls_own_callback() {
    let e = TestEmulator::start().await;
    let rx = CallbackReceiver::start().await;
    let (call, _, _) = acs_call(&e, &rx, "/main").await;
    // Nothing listens on port 1 of loopback: every delivery there is refused and retried.
    let play = json!({"playSources": [{"kind": "text", "text": {"text": "one two"}}],
                      "operationCallbackUri": "http://127.0.0.1:1/dead"});
    e.calling(Method::POST, &call_path(&call, ":play"), Some(&play))
        .await
        .expect(202);
    let started = Instant::now();
    e.calling(Method::DELETE, &call_path(&call, ""), None)
        .await
        .expect(204);
    rx.first(&call, "CallDisconnected").await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "CallDisconnected waited {:?} behind the dead operation callback",
        started.elapsed()
    );
    check_all_callbacks(&e, &rx).await;
}
