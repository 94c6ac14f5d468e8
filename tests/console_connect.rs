//! The console's backend when it cannot connect: it says why, in words and with the fix, keeps trying
//! with backoff, and once the server is there it loads everything as at a normal start, no restart.

mod support;

use acs_interop::backend::outbox::{Outbox, Outgoing};
use acs_interop::backend::session::Target;
use acs_interop::backend::{BackendEvent, Command};
use acs_interop::emulator::{EmulatorConfig, Storage};
use acs_interop::model::{RealtimeState, SendState};
use base64::Engine;
use support::backend::{Running, start};
use support::{TestEmulator, test_config};

/// The next failure's words and fix.
async fn next_failure(running: &mut Running) -> (String, String) {
    running
        .wait_for("a failure", |e| match e {
            BackendEvent::Failure { what, fix } => Some((what.to_string(), fix.to_string())),
            _ => None,
        })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_started_before_its_emulator_says_why_and_connects_once_it_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("emulator");
    let stored = EmulatorConfig {
        storage: Storage::Directory(data.clone()),
        ..test_config()
    };
    // A first run leaves a user with a thread in the store, then frees the address: the emulator that
    // comes back there later has the same access key and the same thread.
    let first = TestEmulator::start_with(stored.clone()).await;
    let addr = first.emulator.local_addr();
    let connection = first.emulator.connection_string().clone();
    let (me, _) = first.create_user().await;
    let (_, alice_token) = first.create_user().await;
    let thread = first.create_thread(&alice_token, "Plans", &[&me]).await;
    first.shutdown().await;

    // Written while offline: sent once connected.
    let outbox_path = dir.path().join("outbox.sqlite3");
    Outbox::open(Some(&outbox_path))
        .unwrap()
        .put(&Outgoing {
            client_id: "c-offline".into(),
            thread_id: thread.clone(),
            content: "written while offline".into(),
            created_ms: acs_interop::acs::time::now_ms(),
            failed: None,
        })
        .unwrap();

    let key = base64::engine::general_purpose::STANDARD.encode(connection.access_key());
    let mut running = start(
        Target {
            connection,
            ca_cert: None,
            user_id: Some(me.clone()),
            embedded: false,
            state_dir: Some(dir.path().join("console")),
            display_name: "Me".into(),
            tap: Default::default(),
        },
        Some(outbox_path.clone()),
    );
    let (what, fix) = next_failure(&mut running).await;
    assert!(
        what.starts_with(&format!(
            "Could not connect to ACS. Nothing answers at http://{addr} (connection refused)."
        )),
        "{what}"
    );
    assert!(what.contains("Attempt 1; next try in 1 s."), "{what}");
    assert!(fix.starts_with("Start the emulator"), "{fix}");
    assert!(
        !what.contains(&key) && !fix.contains(&key),
        "no secret shown"
    );
    assert!(
        running
            .seen
            .contains(&BackendEvent::Realtime(RealtimeState::Reconnecting {
                attempt: 1
            })),
        "the status bar says it is reconnecting: {:?}",
        running.seen
    );

    let e = TestEmulator::start_with(EmulatorConfig {
        listen: addr,
        ..stored
    })
    .await;
    running
        .wait_for("the failure to be cleared", |e| {
            matches!(e, BackendEvent::Recovered).then_some(())
        })
        .await;
    let connected = running
        .wait_for("Connected", |e| match e {
            BackendEvent::Connected(c) => Some(c.me.clone()),
            _ => None,
        })
        .await;
    assert_eq!(connected, me);
    let threads = running
        .wait_for("the thread list", |e| match e {
            BackendEvent::Threads(t) => Some(t.clone()),
            _ => None,
        })
        .await;
    assert!(
        threads.iter().any(|t| t.id == thread),
        "the thread loads: {threads:?}"
    );
    running
        .wait_for("the offline message to be sent", |e| match e {
            BackendEvent::Send {
                client_id,
                state: SendState::Sent { .. },
                ..
            } if client_id == "c-offline" => Some(()),
            _ => None,
        })
        .await;
    let live = BackendEvent::Realtime(RealtimeState::Live);
    if !running.seen.contains(&live) {
        running
            .wait_for("the live socket", |e| (*e == live).then_some(()))
            .await;
    }
    running.commands.send(Command::Shutdown).await.unwrap();
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_emulator_certificate_is_named_with_the_flag_that_fixes_it() {
    let e = TestEmulator::start_with(EmulatorConfig {
        tls: true,
        ..test_config()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut running = start(
        Target {
            connection: e.emulator.connection_string().clone(),
            ca_cert: None,
            user_id: None,
            embedded: false,
            state_dir: Some(dir.path().to_path_buf()),
            display_name: "Me".into(),
            tap: Default::default(),
        },
        None,
    );
    let (what, fix) = next_failure(&mut running).await;
    assert!(
        what.starts_with(
            "Could not connect to ACS. The server's certificate is not trusted (unknown issuer)."
        ),
        "{what}"
    );
    assert!(
        fix.starts_with("Start with --ca-cert <path to the emulator's emulator-ca.pem>"),
        "{fix}"
    );
    running.commands.send(Command::Shutdown).await.unwrap();
    e.shutdown().await;
}
