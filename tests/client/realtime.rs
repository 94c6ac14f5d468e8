//! The realtime socket: delivery, resuming after a restart, silence and duplicates.

use super::*;

async fn next_update(rx: &mut mpsc::Receiver<RealtimeUpdate>) -> RealtimeUpdate {
    timeout(WAIT, rx.recv())
        .await
        .expect("an update in time")
        .expect("the task is running")
}

/// Collects message texts from events until `wanted` have arrived, checking `seq` always grows.
async fn messages_until(
    rx: &mut mpsc::Receiver<RealtimeUpdate>,
    last_seq: &mut u64,
    wanted: usize,
) -> Vec<String> {
    let mut texts = Vec::new();
    while texts.len() < wanted {
        if let RealtimeUpdate::Event { seq, event } = next_update(rx).await {
            assert!(
                seq > *last_seq,
                "seq {seq} after {last_seq}: a duplicate or out of order"
            );
            *last_seq = seq;
            if let ChatEvent::ChatMessageReceived(m) = event {
                texts.push(m.message);
            }
        }
    }
    texts
}

fn quick_realtime() -> RealtimeOptions {
    RealtimeOptions {
        backoff: RetryPolicy {
            max_attempts: u32::MAX,
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_millis(200),
        },
        ..RealtimeOptions::default()
    }
}

/// Over wss: events arrive; after the emulator restarts on the same port and data folder, the socket
/// comes back asking `since` the last event and gets what was sent meanwhile, each once.
#[tokio::test]
async fn realtime_resumes_after_a_restart_without_losing_or_repeating_events() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let setup = Setup::start(config(true, Storage::Directory(dir.path().to_path_buf()))).await;
    let addr = setup.emulator.local_addr();
    let (ada, bob) = (setup.user().await, setup.user().await);
    let thread = ada
        .create_thread("Live", vec![participant(&bob, "Bob")], None)
        .await
        .expect("create_thread")
        .chat_thread
        .expect("the thread")
        .id;
    let tls = tls_client_config(setup.emulator.ca_certificate()).expect("a TLS config");
    let (tx, mut rx) = mpsc::channel(64);
    let (cancel, cancelled) = watch::channel(false);
    let task = spawn_realtime_with(
        setup.emulator.endpoint(),
        ada.tokens().clone(),
        Some(tls),
        0,
        tx,
        cancelled,
        quick_realtime(),
    );
    assert!(matches!(
        next_update(&mut rx).await,
        RealtimeUpdate::Connected { .. }
    ));
    let mut last_seq = 0;
    bob.send_message(&thread, text("one")).await.expect("send");
    assert_eq!(messages_until(&mut rx, &mut last_seq, 1).await, ["one"]);

    let endpoint = setup.emulator.endpoint().to_string();
    setup.emulator.shutdown().await;
    loop {
        if let RealtimeUpdate::Disconnected { .. } = next_update(&mut rx).await {
            break;
        }
    }
    let mut again = config(true, Storage::Directory(dir.path().to_path_buf()));
    again.listen = addr;
    let restarted = Emulator::start(again).await.expect("the emulator restarts");
    assert_eq!(restarted.endpoint(), endpoint);
    for content in ["two", "three"] {
        bob.send_message(&thread, text(content))
            .await
            .expect("send after the restart");
    }
    assert_eq!(
        messages_until(&mut rx, &mut last_seq, 2).await,
        ["two", "three"]
    );
    bob.send_message(&thread, text("four")).await.expect("send");
    assert_eq!(messages_until(&mut rx, &mut last_seq, 1).await, ["four"]);

    cancel.send(true).expect("the task listens");
    timeout(WAIT, task)
        .await
        .expect("the task ends")
        .expect("no panic");
    restarted.shutdown().await;
}

/// A stand-in socket that says it is connected, sends the events listed for that connection, then
/// stays silent. Each connection's `since` is recorded.
async fn silent_socket_server(
    per_connection: Vec<Vec<u64>>,
) -> (SocketAddr, Arc<std::sync::Mutex<Vec<String>>>) {
    use axum::extract::RawQuery;
    use axum::extract::ws::{Message, WebSocketUpgrade};
    use axum::routing::get;
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    let connections = Arc::new(AtomicUsize::new(0));
    let handler = move |RawQuery(query): RawQuery, upgrade: WebSocketUpgrade| {
        record
            .lock()
            .expect("the list")
            .push(query.unwrap_or_default());
        let n = connections.fetch_add(1, Ordering::SeqCst);
        let seqs = per_connection.get(n).cloned().unwrap_or_default();
        async move {
            upgrade.on_upgrade(move |mut socket| async move {
                let hello = r#"{"type":"realTimeNotificationConnected","data":{"lastSeq":2}}"#;
                let _ = socket.send(Message::Text(hello.into())).await;
                for seq in seqs {
                    let frame = serde_json::json!({"seq": seq, "type": "readReceiptReceived", "data": {
                        "threadId": "19:t@thread.v2", "sender": {"rawId": "8:acs:r_b"},
                        "recipient": {"rawId": "8:acs:r_a"}, "chatMessageId": seq.to_string(),
                        "readOn": "2026-11-28T05:00:00.000Z"}});
                    let _ = socket.send(Message::Text(frame.to_string().into())).await;
                }
                // Silent, but open, until the client gives up on it.
                while let Some(Ok(_)) = socket.recv().await {}
            })
        }
    };
    let app = axum::Router::new().route("/emulator/realtime", get(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, seen)
}

#[tokio::test]
async fn a_silent_socket_is_dropped_and_resumed_without_duplicates() {
    let (addr, seen) = silent_socket_server(vec![vec![1], vec![1, 2]]).await;
    let expires = OffsetDateTime::now_utc() + Duration::from_secs(3600);
    let tokens = TokenSource::fixed("8:acs:r_a", AccessToken::new("h.p.s", expires));
    let (tx, mut rx) = mpsc::channel(16);
    let (cancel, cancelled) = watch::channel(false);
    let options = RealtimeOptions {
        silence_limit: Duration::from_millis(300),
        ..quick_realtime()
    };
    let task = spawn_realtime_with(
        &format!("http://{addr}/"),
        tokens,
        None,
        0,
        tx,
        cancelled,
        options,
    );
    let mut updates = Vec::new();
    while updates
        .iter()
        .filter(|u| matches!(u, RealtimeUpdate::Event { .. }))
        .count()
        < 2
    {
        updates.push(next_update(&mut rx).await);
    }
    let seqs: Vec<u64> = updates
        .iter()
        .filter_map(|u| match u {
            RealtimeUpdate::Event { seq, .. } => Some(*seq),
            _ => None,
        })
        .collect();
    assert_eq!(
        seqs,
        [1, 2],
        "seq 1, sent again on the second connection, is delivered once"
    );
    assert!(
        updates.iter().any(|u| matches!(u,
        RealtimeUpdate::Disconnected { reason } if reason.contains("nothing heard"))),
        "{updates:?}"
    );
    assert!(
        updates
            .iter()
            .any(|u| matches!(u, RealtimeUpdate::Reconnecting { attempt: 1, .. }))
    );
    assert_eq!(*seen.lock().expect("the list"), ["since=0", "since=1"]);
    cancel.send(true).expect("the task listens");
    timeout(WAIT, task)
        .await
        .expect("the task ends")
        .expect("no panic");
}
