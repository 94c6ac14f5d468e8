//! `:save`: which message the console asks for, and the backend saving attachments from the emulator
//! into a folder: the bytes served, numbered names instead of overwriting, hostile names kept inside.

#[path = "console/fixture.rs"]
mod fixture;
mod support;

use std::path::{Path, PathBuf};

use acs_interop::app::state::Overlay;
use acs_interop::app::{AppState, Effect, update};
use acs_interop::backend::{BackendEvent, Command};
use acs_interop::model::{Message, SafeText};
use acs_interop::text::{AttachmentKind, AttachmentRef};
use crossterm::event::KeyCode;
use fixture::*;
use reqwest::Method;
use serde_json::{Value, json};
use support::backend::{Running, my_id, start, target};
use support::{TestEmulator, thread_path};

const MEGAN: &str = "5c1c3a3e-8a9b-4f4e-9d1e-1a2b3c4d5e01";

fn with_file(id: i64, name: &str) -> Message {
    Message {
        attachments: vec![AttachmentRef {
            id: format!("a{id}"),
            kind: AttachmentKind::File,
            name: name.into(),
            url: Some(format!("https://e/emulator/attachments/a{id}")),
        }],
        ..message(id, TEAMS_BOB, "Bob", "a file")
    }
}

/// Connected with Plans open, plus `messages`.
fn with_messages(messages: Vec<Message>) -> AppState {
    let mut state = connected(120, 40);
    backend(
        &mut state,
        BackendEvent::Messages {
            thread_id: PLANS.into(),
            messages,
            older_available: None,
        },
    );
    state
}

fn run_command(state: &mut AppState, line: &str) -> Vec<Effect> {
    update(state, key(KeyCode::Esc));
    update(state, key(KeyCode::Char(':')));
    assert!(matches!(state.overlay, Overlay::CommandLine(_)));
    type_text(state, line);
    update(state, key(KeyCode::Enter))
}

fn save_command(message_id: i64, dir: Option<&str>) -> Command {
    Command::SaveAttachments {
        thread_id: PLANS.into(),
        message_id: message_id.to_string(),
        dir: dir.map(PathBuf::from),
    }
}

#[test]
fn save_without_a_selection_takes_the_newest_message_with_attachments() {
    let mut state = with_messages(vec![
        with_file(NOW + 1, "old.pdf"),
        with_file(NOW + 2, "agenda.pdf"),
        message(NOW + 3, ALICE, "Alice", "got it"),
    ]);
    let effects = run_command(&mut state, "save /tmp/files");
    assert_eq!(
        commands(&effects),
        vec![save_command(NOW + 2, Some("/tmp/files"))]
    );
    assert_eq!(
        state.notice.as_ref().map(SafeText::as_str),
        Some("Saving 1 attachment(s) from Bob…")
    );
}

#[test]
fn save_takes_the_selected_message_and_says_when_it_has_none() {
    let mut state = with_messages(vec![
        with_file(NOW + 1, "old.pdf"),
        with_file(NOW + 2, "agenda.pdf"),
        message(NOW + 3, ALICE, "Alice", "got it"),
    ]);
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, key(KeyCode::Up));
    update(&mut state, key(KeyCode::Up));
    update(&mut state, key(KeyCode::Up));
    let effects = run_command(&mut state, "save");
    assert_eq!(commands(&effects), vec![save_command(NOW + 1, None)]);

    update(&mut state, key(KeyCode::Down));
    update(&mut state, key(KeyCode::Down));
    let effects = run_command(&mut state, "save");
    assert_eq!(commands(&effects), Vec::new(), "Alice's message has none");
    let error = state.error.as_ref().map(|e| e.what.as_str());
    assert_eq!(error, Some("The selected message has no attachments."));
}

#[test]
fn save_keeps_a_folder_with_spaces_whole() {
    for line in ["save ~/My Files", r#"save "~/My Files""#] {
        let mut state = with_messages(vec![with_file(NOW + 1, "agenda.pdf")]);
        let effects = run_command(&mut state, line);
        assert_eq!(
            commands(&effects),
            vec![save_command(NOW + 1, Some("~/My Files"))],
            "{line}"
        );
    }
}

#[test]
fn save_in_a_thread_without_attachments_explains() {
    let mut state = connected(120, 40);
    let effects = run_command(&mut state, "save");
    assert_eq!(commands(&effects), Vec::new());
    let error = state.error.as_ref().map(|e| e.what.as_str());
    assert_eq!(error, Some("No message in this thread has attachments."));
}

/// Saves the message's attachments into `dir`; returns the notices and failures the backend sent.
async fn save(running: &mut Running, thread: &str, message: &str, dir: &Path) -> Vec<BackendEvent> {
    running
        .commands
        .send(Command::SaveAttachments {
            thread_id: thread.into(),
            message_id: message.into(),
            dir: Some(dir.to_path_buf()),
        })
        .await
        .expect("the backend runs");
    let mut said = Vec::new();
    running
        .wait_for("the summary of the save", |e| {
            if matches!(e, BackendEvent::Notice(_) | BackendEvent::Failure { .. }) {
                said.push(e.clone());
            }
            match e {
                BackendEvent::Notice(n) if n.as_str().starts_with("Saved 4 of 4") => Some(()),
                BackendEvent::Failure { .. } => Some(()),
                _ => None,
            }
        })
        .await;
    said
}

/// The names in `dir`, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the folder lists")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_twice_keeps_both_copies_and_hostile_names_stay_inside_the_folder() {
    let e = TestEmulator::start().await;
    let state_dir = tempfile::tempdir().expect("a temporary folder");
    let downloads = tempfile::tempdir().expect("a temporary folder");
    let mut running = start(target(&e, state_dir.path(), false), None);
    let me = my_id(&mut running).await;
    let alice = e.create_user().await;
    let megan = format!("8:orgid:{MEGAN}");
    let thread = e
        .create_thread(&alice.1, "Files", &[me.as_str(), megan.as_str()])
        .await;
    let sent = e
        .identity(
            Method::POST,
            &format!("/emulator/teams/users/{MEGAN}/messages"),
            Some(&json!({
                "threadId": thread,
                "content": "<p>the agenda</p>",
                "attachments": [
                    {"kind": "file", "name": "agenda.pdf"},
                    {"kind": "file", "name": "../../etc/passwd"},
                    {"kind": "file", "name": "a\u{202E}b.txt"},
                    {"kind": "image", "name": "board.png"},
                ],
            })),
        )
        .await;
    let message_id = sent.expect(201)["id"]
        .as_str()
        .expect("a message id")
        .to_string();

    let first = save(&mut running, &thread, &message_id, downloads.path()).await;
    let second = save(&mut running, &thread, &message_id, downloads.path()).await;

    for said in [&first, &second] {
        assert!(
            !said
                .iter()
                .any(|e| matches!(e, BackendEvent::Failure { .. })),
            "{said:#?}"
        );
    }
    let saved_agenda = first.iter().any(|e| {
        matches!(e, BackendEvent::Notice(n)
            if n.as_str().starts_with("Saved agenda.pdf to ") && n.as_str().ends_with(" bytes)."))
    });
    assert!(saved_agenda, "{first:#?}");
    assert_eq!(
        names_in(downloads.path()),
        [
            "ab (1).txt",
            "ab.txt",
            "agenda (1).pdf",
            "agenda.pdf",
            "board (1).png",
            "board.png",
            "etc_passwd",
            "etc_passwd (1)",
        ],
        "numbered copies, no temporary files left"
    );
    assert!(
        !state_dir.path().join("etc").exists() && !downloads.path().join("etc").exists(),
        "nothing outside the folder"
    );

    // The bytes are what the emulator serves to a participant.
    let message = e
        .get(
            &alice.1,
            &thread_path(&thread, &format!("/messages/{message_id}")),
        )
        .await;
    let attachments = message.expect(200)["content"]["attachments"]
        .as_array()
        .expect("attachments")
        .clone();
    let http = reqwest::Client::new();
    for (attachment, file) in attachments
        .iter()
        .zip(["agenda", "etc_passwd", "ab", "board"])
    {
        let url = attachment["url"].as_str().expect("a url");
        assert!(url.starts_with(&e.base()), "{url}");
        let served = http
            .get(url)
            .bearer_auth(&alice.1)
            .send()
            .await
            .expect("the emulator answers")
            .bytes()
            .await
            .expect("the body arrives");
        assert!(!served.is_empty());
        let copies: Vec<String> = names_in(downloads.path())
            .into_iter()
            .filter(|n| n.starts_with(file))
            .collect();
        assert_eq!(copies.len(), 2, "{copies:?}");
        for copy in copies {
            let bytes = std::fs::read(downloads.path().join(&copy)).expect("the file reads");
            assert_eq!(bytes, served.as_ref(), "{copy}");
        }
    }
    assert_eq!(attachments[3]["attachmentType"], Value::from("image"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_into_a_missing_folder_is_refused_with_a_fix() {
    let e = TestEmulator::start().await;
    let state_dir = tempfile::tempdir().expect("a temporary folder");
    let mut running = start(target(&e, state_dir.path(), false), None);
    my_id(&mut running).await;
    let missing = state_dir.path().join("no such folder");
    running
        .commands
        .send(Command::SaveAttachments {
            thread_id: "19:00000000000000000000000000000000@thread.v2".into(),
            message_id: "1".into(),
            dir: Some(missing.clone()),
        })
        .await
        .expect("the backend runs");
    let (what, fix) = running
        .wait_for("the refusal", |e| match e {
            BackendEvent::Failure { what, fix } => {
                Some((what.as_str().to_string(), fix.as_str().to_string()))
            }
            _ => None,
        })
        .await;
    assert_eq!(what, format!("There is no folder {}.", missing.display()));
    assert!(fix.contains(":save <folder>"), "{fix}");
}
