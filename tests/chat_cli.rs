//! `acs-interop chat ...` as a script runs it: the real binary against an in-process emulator, its
//! JSON pinned key by key, its exit codes, observing without acting, flags on either side of the
//! subcommand, and how it finds the console's emulator (the published endpoint, or the data itself).

mod support;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use acs_interop::backend::endpoint_file::{ENDPOINT_FILE, PublishedEndpoint};
use acs_interop::emulator::{EmulatorConfig, Storage};
use serde_json::{Value, json};
use support::{TestEmulator, thread_path};
use tokio::io::{AsyncBufReadExt, BufReader};

const BIN: &str = env!("CARGO_BIN_EXE_acs-interop");

/// What a run printed, and how it ended.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    #[track_caller]
    fn json(&self) -> Value {
        assert_eq!(self.code, 0, "stderr: {}", self.stderr);
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }
}

/// Runs the binary with `connection` as ACS_CONNECTION_STRING (none: the variable is removed).
async fn run(connection: Option<&str>, args: &[&str]) -> Run {
    let mut command = tokio::process::Command::new(BIN);
    command.args(args).env_remove("ACS_CONNECTION_STRING");
    if let Some(cs) = connection {
        command.env("ACS_CONNECTION_STRING", cs);
    }
    let output = command.output().await.expect("the binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The sorted keys of an object.
fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

const MESSAGE_KEYS: [&str; 11] = [
    "content",
    "createdOn",
    "deletedOn",
    "editedOn",
    "id",
    "metadata",
    "senderDisplayName",
    "senderId",
    "sequenceId",
    "type",
    "version",
];
const CONTENT_KEYS: [&str; 5] = [
    "attachments",
    "initiatorId",
    "message",
    "participants",
    "topic",
];
const PARTICIPANT_KEYS: [&str; 5] = ["displayName", "id", "kind", "metadata", "shareHistoryTime"];

/// An emulator where Alice made "Interop test" with Bob; Alice wrote twice (text, then HTML), Bob once,
/// and Bob read up to Alice's first message.
struct Scene {
    e: TestEmulator,
    cs: String,
    alice: String,
    alice_token: String,
    bob: String,
    bob_token: String,
    thread: String,
    first: String,
    dir: tempfile::TempDir,
}

impl Scene {
    async fn new() -> Scene {
        let e = TestEmulator::start().await;
        let (alice, alice_token) = e.create_user().await;
        let (bob, bob_token) = e.create_user().await;
        let thread = e
            .create_named_thread(&alice_token, "Interop test", &[(&bob, "Bob")])
            .await;
        let first = e.send_message(&alice_token, &thread, "hello bob").await;
        e.post(
            &alice_token,
            &thread_path(&thread, "/messages"),
            &json!({"content": "<p>see <b>this</b></p>", "type": "html", "senderDisplayName": "Alice",
                    "metadata": {"k": "v"}}),
        )
        .await
        .expect(201);
        e.send_message(&bob_token, &thread, "hi alice").await;
        e.post(
            &bob_token,
            &thread_path(&thread, "/readReceipts"),
            &json!({"chatMessageId": first}),
        )
        .await
        .expect(200);
        let cs = e.emulator.connection_string().expose();
        Scene {
            e,
            cs,
            alice,
            alice_token,
            bob,
            bob_token,
            thread,
            first,
            dir: tempfile::tempdir().expect("a temporary folder"),
        }
    }

    fn data_dir(&self) -> String {
        self.dir.path().display().to_string()
    }

    /// `chat <args> --user-id alice --data-dir <tmp>` against the emulator.
    async fn as_alice(&self, args: &[&str]) -> Run {
        let mut all = vec!["chat"];
        all.extend_from_slice(args);
        let data_dir = self.data_dir();
        all.extend_from_slice(&["--user-id", &self.alice, "--data-dir", &data_dir]);
        run(Some(&self.cs), &all).await
    }
}

#[tokio::test]
async fn threads_participants_and_receipts_print_the_documented_json() {
    let s = Scene::new().await;
    let threads = s.as_alice(&["threads", "--json"]).await.json();
    assert_eq!(keys(&threads), ["threads"]);
    let list = threads["threads"].as_array().expect("an array");
    assert_eq!(list.len(), 1, "{threads}");
    assert_eq!(
        keys(&list[0]),
        ["deletedOn", "id", "lastMessageReceivedOn", "topic"]
    );
    assert_eq!(list[0]["id"], s.thread.as_str());
    assert_eq!(list[0]["topic"], "Interop test");
    assert_eq!(list[0]["deletedOn"], Value::Null);
    assert!(list[0]["lastMessageReceivedOn"].is_string());

    let people = s
        .as_alice(&["participants", &s.thread, "--json"])
        .await
        .json();
    assert_eq!(keys(&people), ["participants"]);
    let people = people["participants"].as_array().expect("an array");
    for p in people {
        assert_eq!(keys(p), PARTICIPANT_KEYS);
        assert_eq!(p["kind"], "communicationUser");
        assert_eq!(p["metadata"], json!({}));
    }
    let bob = people
        .iter()
        .find(|p| p["id"] == s.bob.as_str())
        .expect("Bob is listed by his raw id");
    assert_eq!(bob["displayName"], "Bob");
    assert!(people.iter().any(|p| p["id"] == s.alice.as_str()));

    let receipts = s.as_alice(&["receipts", &s.thread, "--json"]).await.json();
    assert_eq!(
        receipts,
        json!({"readReceipts": [{
            "senderId": s.bob,
            "chatMessageId": s.first,
            "readOn": receipts["readReceipts"][0]["readOn"],
        }]})
    );
    assert!(receipts["readReceipts"][0]["readOn"].is_string());
}

#[tokio::test]
async fn messages_and_show_print_the_documented_json_newest_first() {
    let s = Scene::new().await;
    let page = s
        .as_alice(&["messages", &s.thread, "--limit", "3", "--json"])
        .await
        .json();
    assert_eq!(keys(&page), ["messages"]);
    let messages = page["messages"].as_array().expect("an array");
    assert_eq!(messages.len(), 3);
    for m in messages {
        assert_eq!(keys(m), MESSAGE_KEYS, "{m}");
        assert_eq!(keys(&m["content"]), CONTENT_KEYS, "{m}");
    }
    let (newest, html, first) = (&messages[0], &messages[1], &messages[2]);
    assert_eq!(newest["content"]["message"], "hi alice");
    assert_eq!(newest["senderId"], s.bob.as_str());
    assert_eq!(html["type"], "html");
    assert_eq!(html["content"]["message"], "<p>see <b>this</b></p>");
    assert_eq!(html["senderDisplayName"], "Alice");
    assert_eq!(html["metadata"], json!({"k": "v"}));
    assert_eq!(first["id"], s.first.as_str());
    assert_eq!(first["type"], "text");
    assert_eq!(first["editedOn"], Value::Null);
    assert_eq!(first["deletedOn"], Value::Null);
    assert_eq!(first["content"]["attachments"], json!([]));
    assert!(first["sequenceId"].is_string() && first["version"].is_string());

    let show = s
        .as_alice(&["show", &s.thread, "--messages", "2", "--json"])
        .await
        .json();
    assert_eq!(
        keys(&show),
        ["messages", "participants", "readReceipts", "thread"]
    );
    assert_eq!(
        keys(&show["thread"]),
        [
            "createdBy",
            "createdOn",
            "deletedOn",
            "id",
            "metadata",
            "retentionPolicy",
            "topic"
        ]
    );
    assert_eq!(show["thread"]["createdBy"], s.alice.as_str());
    assert_eq!(show["thread"]["topic"], "Interop test");
    assert_eq!(show["messages"].as_array().map(Vec::len), Some(2));
    assert_eq!(show["messages"][0]["content"]["message"], "hi alice");
    assert_eq!(show["readReceipts"][0]["senderId"], s.bob.as_str());
    assert_eq!(show["participants"].as_array().map(Vec::len), Some(2));

    // The plain text goes through the HTML path, oldest first.
    let text = s.as_alice(&["messages", &s.thread]).await;
    assert_eq!(text.code, 0, "{}", text.stderr);
    let hello = text.stdout.find("hello bob").expect("the first message");
    let html = text.stdout.find("see this").expect("the HTML as text");
    let hi = text.stdout.find("hi alice").expect("the newest");
    assert!(hello < html && html < hi, "{}", text.stdout);
    assert!(!text.stdout.contains("<b>"), "{}", text.stdout);
}

#[tokio::test]
async fn messages_all_prints_one_object_per_line_for_every_message() {
    let s = Scene::new().await;
    for i in 0..250 {
        s.e.send_message(&s.bob_token, &s.thread, &format!("bulk {i}"))
            .await;
    }
    let (all, _) =
        s.e.list_all(
            &s.alice_token,
            &thread_path(&s.thread, "/messages?maxPageSize=200"),
        )
        .await;
    let run = s
        .as_alice(&["messages", &s.thread, "--all", "--json"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect();
    assert_eq!(lines.len(), all.len(), "every message, across pages");
    assert!(lines.len() > 253);
    assert_eq!(lines[0]["content"]["message"], "bulk 249", "newest first");
    let ids: Vec<&Value> = lines.iter().map(|l| &l["id"]).collect();
    let wire: Vec<&Value> = all.iter().map(|m| &m["id"]).collect();
    assert_eq!(ids, wire);
    assert_eq!(keys(&lines[0]), MESSAGE_KEYS);

    let since = s
        .as_alice(&[
            "messages",
            &s.thread,
            "--all",
            "--json",
            "--since",
            "2999-01-01",
        ])
        .await;
    assert_eq!(
        (since.code, since.stdout.as_str()),
        (0, ""),
        "--since filters"
    );
}

#[tokio::test]
async fn send_writes_as_the_console_identity_and_observing_needs_act() {
    let s = Scene::new().await;
    let data_dir = s.data_dir();
    // The console's own identity for this endpoint is made on first use and remembered.
    let first = run(Some(&s.cs), &["chat", "threads", "--data-dir", &data_dir]).await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    let me = remembered(s.dir.path(), &format!("{}:me", s.e.emulator.endpoint()));
    let thread =
        s.e.create_named_thread(&s.alice_token, "With the console", &[(&me, "Me")])
            .await;
    let sent = run(
        Some(&s.cs),
        &[
            "chat",
            "send",
            &thread,
            "from the shell",
            "--name",
            "Shell",
            "--json",
            "--data-dir",
            &data_dir,
        ],
    )
    .await
    .json();
    assert_eq!(keys(&sent), ["id"]);
    let listed =
        s.e.get(&s.alice_token, &thread_path(&thread, "/messages"))
            .await;
    let listed = listed.expect(200)["value"]
        .as_array()
        .expect("a page")
        .clone();
    let mine = listed
        .iter()
        .find(|m| m["id"] == sent["id"])
        .expect("the message is there");
    assert_eq!(mine["content"]["message"], "from the shell");
    assert_eq!(mine["senderCommunicationIdentifier"]["rawId"], me.as_str());
    assert_eq!(mine["senderDisplayName"], "Shell");

    // Observing as Alice: reading works, writing is refused until --act.
    let refused = s.as_alice(&["send", &s.thread, "as alice"]).await;
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains(&s.alice) && refused.stderr.contains("--act"),
        "{}",
        refused.stderr
    );
    let acted = s.as_alice(&["send", &s.thread, "as alice", "--act"]).await;
    assert_eq!(acted.code, 0, "{}", acted.stderr);
    let newest = s
        .as_alice(&["messages", &s.thread, "--limit", "1", "--json"])
        .await
        .json();
    assert_eq!(newest["messages"][0]["content"]["message"], "as alice");
    assert_eq!(newest["messages"][0]["senderId"], s.alice.as_str());
}

/// The raw id remembered under `key` in `<data-dir>/console/identities.json`.
fn remembered(data_dir: &Path, key: &str) -> String {
    let text = std::fs::read_to_string(data_dir.join("console").join("identities.json"))
        .expect("identities.json");
    let value: Value = serde_json::from_str(&text).expect("json");
    value["identities"][key]
        .as_str()
        .unwrap_or_else(|| panic!("no {key} in {text}"))
        .to_string()
}

#[tokio::test]
async fn refusals_exit_1_with_the_acs_code_and_bad_input_exits_2_naming_it() {
    let s = Scene::new().await;
    let unknown = "19:00000000000000000000000000000000@thread.v2";
    let missing = s.as_alice(&["show", unknown]).await;
    assert_eq!(missing.code, 1, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("404") && missing.stderr.contains("code: "),
        "{}",
        missing.stderr
    );
    let as_json = s.as_alice(&["messages", unknown, "--json"]).await;
    assert_eq!(as_json.code, 1);
    let error: Value = serde_json::from_str(as_json.stderr.trim()).expect("a JSON error");
    assert_eq!(
        keys(&error["error"]),
        ["code", "message", "requestId", "status"]
    );
    assert_eq!(error["error"]["status"], 404);
    assert!(error["error"]["code"].is_string());

    let bad_thread = s.as_alice(&["messages", "general"]).await;
    assert_eq!(bad_thread.code, 2);
    assert!(
        bad_thread.stderr.contains("'general'") && bad_thread.stderr.contains("@thread.v2"),
        "{}",
        bad_thread.stderr
    );
    let bad_user = run(
        Some(&s.cs),
        &[
            "chat",
            "threads",
            "--user-id",
            "bob",
            "--data-dir",
            &s.data_dir(),
        ],
    )
    .await;
    assert_eq!(bad_user.code, 2);
    assert!(bad_user.stderr.contains("'bob'"), "{}", bad_user.stderr);
    let bad_since = s
        .as_alice(&["messages", &s.thread, "--since", "yesterday"])
        .await;
    assert_eq!(bad_since.code, 2, "{}", bad_since.stderr);
    // Not a participant: the service's 403, with its code.
    let (outsider, _) = s.e.create_user().await;
    let forbidden = run(
        Some(&s.cs),
        &[
            "chat",
            "participants",
            &s.thread,
            "--user-id",
            &outsider,
            "--data-dir",
            &s.data_dir(),
        ],
    )
    .await;
    assert_eq!(forbidden.code, 1, "{}", forbidden.stderr);
    assert!(forbidden.stderr.contains("code: "), "{}", forbidden.stderr);
}

#[tokio::test]
async fn connection_flags_work_before_or_after_the_subcommand() {
    let s = Scene::new().await;
    let d = s.data_dir();
    let after = run(
        None,
        &[
            "chat",
            "threads",
            "--connection-string",
            &s.cs,
            "--json",
            "--data-dir",
            &d,
            "--user-id",
            &s.alice,
        ],
    )
    .await;
    let before = run(
        None,
        &[
            "--connection-string",
            &s.cs,
            "--json",
            "--data-dir",
            &d,
            "chat",
            "--user-id",
            &s.alice,
            "threads",
        ],
    )
    .await;
    assert_eq!(after.json(), before.json());
    assert!(
        after.stderr.contains("ACS_CONNECTION_STRING"),
        "a key typed on the command line is warned about: {}",
        after.stderr
    );
    for args in [
        vec!["teams", "users", "--json"],
        vec!["--json", "teams", "users"],
    ] {
        let users = run(Some(&s.cs), &args).await.json();
        assert!(users.as_array().is_some_and(|u| !u.is_empty()), "{users}");
    }
    for args in [
        vec!["teams", "users", "--ca-cert", "/nonexistent/ca.pem"],
        vec!["--ca-cert", "/nonexistent/ca.pem", "teams", "users"],
    ] {
        let refused = run(Some(&s.cs), &args).await;
        assert_eq!(refused.code, 1, "{args:?}: {}", refused.stderr);
        assert!(
            refused.stderr.contains("/nonexistent/ca.pem"),
            "{}",
            refused.stderr
        );
    }
}

#[tokio::test]
async fn without_a_console_the_command_opens_the_console_data_itself() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let d = dir.path().display().to_string();
    let empty = run(None, &["chat", "threads", "--json", "--data-dir", &d])
        .await
        .json();
    assert_eq!(empty, json!({"threads": []}));
    let store = dir.path().join("console").join("emulator");
    assert!(
        store.join("emulator.sqlite3").exists(),
        "the console's emulator data"
    );
    let me = remembered(dir.path(), "embedded:me");

    // The console's data, as the console would open it: a thread with the console's identity in it.
    let e = TestEmulator::start_with(EmulatorConfig {
        storage: Storage::Directory(store.clone()),
        ..support::test_config()
    })
    .await;
    let (_, alice) = e.create_user().await;
    let thread = e
        .create_named_thread(&alice, "Kept on disk", &[(&me, "Me")])
        .await;

    // Held by another process that published nothing: said plainly.
    let locked = run(None, &["chat", "threads", "--data-dir", &d]).await;
    assert_eq!(locked.code, 1);
    assert!(
        locked.stderr.contains("in use") && locked.stderr.contains(ENDPOINT_FILE),
        "{}",
        locked.stderr
    );
    let locked = run(None, &["chat", "threads", "--json", "--data-dir", &d]).await;
    let error: Value = serde_json::from_str(locked.stderr.trim()).expect("a JSON error");
    assert_eq!(
        keys(&error["error"]),
        ["code", "message", "requestId", "status"]
    );
    e.shutdown().await;

    let threads = run(None, &["chat", "threads", "--json", "--data-dir", &d])
        .await
        .json();
    assert_eq!(threads["threads"][0]["id"], thread.as_str());
    assert_eq!(threads["threads"][0]["topic"], "Kept on disk");
    let teams = run(None, &["teams", "users", "--json", "--data-dir", &d]).await;
    assert_eq!(
        teams.code, 0,
        "teams finds the data the same way: {}",
        teams.stderr
    );
}

#[tokio::test]
async fn a_published_endpoint_whose_process_lives_is_used() {
    let e = TestEmulator::start().await;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let d = dir.path().display().to_string();
    let console_dir = dir.path().join("console");
    std::fs::create_dir_all(&console_dir).expect("the console folder");
    let published = PublishedEndpoint::publish(&console_dir, e.emulator.connection_string())
        .expect("published");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(console_dir.join(ENDPOINT_FILE))
            .expect("the file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let first = run(None, &["chat", "threads", "--json", "--data-dir", &d])
        .await
        .json();
    assert_eq!(first, json!({"threads": []}));
    assert!(
        !console_dir.join("emulator").exists(),
        "it did not open the data itself"
    );
    let me = remembered(dir.path(), "embedded:me");
    let (_, alice) = e.create_user().await;
    let thread = e
        .create_named_thread(&alice, "Via the console", &[(&me, "Me")])
        .await;
    let threads = run(None, &["chat", "threads", "--json", "--data-dir", &d])
        .await
        .json();
    assert_eq!(threads["threads"][0]["id"], thread.as_str());
    drop(published);
    assert!(
        !console_dir.join(ENDPOINT_FILE).exists(),
        "removed with its guard"
    );

    // A file left by a process that is gone is not trusted.
    std::fs::write(
        console_dir.join(ENDPOINT_FILE),
        json!({"pid": u32::MAX, "endpoint": e.emulator.endpoint(), "accessKey": "a2V5"})
            .to_string(),
    )
    .expect("written");
    let stale = run(None, &["chat", "threads", "--json", "--data-dir", &d])
        .await
        .json();
    assert_eq!(stale, json!({"threads": []}), "a fresh store of its own");
    assert!(console_dir.join("emulator").exists());
}

#[tokio::test]
async fn watch_prints_each_new_message_as_a_json_line() {
    let s = Scene::new().await;
    for poll in [None, Some("1")] {
        let data_dir = s.data_dir();
        let mut args = vec![
            "chat",
            "watch",
            &s.thread,
            "--json",
            "--user-id",
            &s.alice,
            "--data-dir",
            &data_dir,
        ];
        if let Some(secs) = poll {
            args.extend_from_slice(&["--poll", secs]);
        }
        let mut child = tokio::process::Command::new(BIN)
            .args(&args)
            .env("ACS_CONNECTION_STRING", &s.cs)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("watch starts");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let ready = tokio::time::timeout(Duration::from_secs(20), stderr.next_line())
            .await
            .expect("watch says it is watching")
            .expect("stderr reads");
        assert!(ready.is_some_and(|l| l.contains("watching")), "{poll:?}");
        let text = format!("news {poll:?}");
        s.e.send_message(&s.bob_token, &s.thread, &text).await;
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let line = tokio::time::timeout(Duration::from_secs(20), stdout.next_line())
            .await
            .expect("the event arrives")
            .expect("stdout reads")
            .expect("a line");
        let event: Value = serde_json::from_str(&line).expect("one JSON object");
        assert_eq!(event["type"], "chatMessageReceived", "{line}");
        assert_eq!(event["threadId"], s.thread.as_str());
        assert_eq!(event["message"]["content"]["message"], text.as_str());
        assert_eq!(event["message"]["senderId"], s.bob.as_str());
        assert_eq!(keys(&event["message"]), MESSAGE_KEYS);
        child.start_kill().expect("stopped");
        let _ = child.wait().await;
    }
}

#[tokio::test]
async fn completions_and_the_man_page_are_printed() {
    let bash = run(None, &["completions", "bash"]).await;
    assert_eq!(bash.code, 0, "{}", bash.stderr);
    for word in [
        "complete -F _acs__interop",
        "receipts",
        "watch",
        "--connection-string",
    ] {
        assert!(bash.stdout.contains(word), "{word} in the bash completion");
    }
    let man = run(None, &["man"]).await;
    assert_eq!(man.code, 0, "{}", man.stderr);
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH"),
        "{}",
        &man.stdout[..200.min(man.stdout.len())]
    );
}

#[tokio::test]
async fn a_running_console_publishes_its_endpoint_privately_and_removes_it_when_it_quits() {
    use support::tmux::{Tmux, sh_quote};
    let dir = tempfile::tempdir().expect("a temporary folder");
    let data_dir = dir.path().join("data");
    let d = data_dir.display().to_string();
    let command = format!(
        "env -u ACS_CONNECTION_STRING XDG_CONFIG_HOME={config} {bin} --data-dir {data} --name Me; \
         echo EXIT=$?; sleep 30",
        config = sh_quote(&dir.path().join("config").display().to_string()),
        bin = sh_quote(BIN),
        data = sh_quote(&d),
    );
    let tmux = Tmux::start("chat-console", &command, 100, 30);
    tmux.wait_for_text("● live").await;
    let file = data_dir.join("console").join(ENDPOINT_FILE);
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .expect("the console published its endpoint")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "only the user reads the access key");
    }
    // The console holds its emulator's data: only through the published endpoint can this work.
    let threads = run(None, &["chat", "threads", "--json", "--data-dir", &d])
        .await
        .json();
    assert!(
        threads["threads"].as_array().is_some_and(|t| !t.is_empty()),
        "the console's threads (its welcome thread at least): {threads}"
    );
    tmux.keys(&["C-c"]);
    tmux.wait_for_text("EXIT=0").await;
    assert!(!file.exists(), "the console removed its endpoint file");
}

#[tokio::test]
async fn har_records_the_commands_exchanges_without_secrets_even_when_refused() {
    let s = Scene::new().await;
    let dir = tempfile::tempdir().unwrap();
    let har = dir.path().join("show.har");
    let har_arg = har.display().to_string();
    let unknown = "19:00000000000000000000000000000000@thread.v2";
    let refused = s.as_alice(&["show", unknown, "--har", &har_arg]).await;
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    let text = std::fs::read_to_string(&har).expect("the HAR file is written");
    let key = s.cs.rsplit("accesskey=").next().unwrap();
    assert!(!text.contains(key), "the access key reached the HAR file");
    assert!(!text.contains("eyJ"), "a token reached the HAR file");
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["log"]["version"], "1.2");
    let entries = doc["log"]["entries"].as_array().unwrap();
    let not_found = entries
        .iter()
        .find(|e| e["response"]["status"] == 404)
        .expect("the refusal is in the file");
    assert!(
        not_found["request"]["url"]
            .as_str()
            .unwrap()
            .contains("/chat/threads/")
    );
    assert!(
        not_found["response"]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["name"] == "x-ms-request-id"),
        "{not_found}"
    );

    let nowhere = s
        .as_alice(&["threads", "--har", "/nonexistent-folder/x.har"])
        .await;
    assert_eq!(nowhere.code, 2, "{}", nowhere.stderr);
    assert!(
        nowhere.stderr.contains("cannot write the HAR file"),
        "{}",
        nowhere.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_stdout_stops_no_command_with_a_panic() {
    let s = Scene::new().await;
    let data_dir = s.data_dir();
    for args in [
        vec!["teams", "users"],
        vec!["chat", "threads", "--data-dir", data_dir.as_str()],
    ] {
        let mut child = std::process::Command::new(BIN)
            .args(&args)
            .env("ACS_CONNECTION_STRING", &s.cs)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the binary runs");
        // Nobody reads: the first line written meets a closed pipe.
        drop(child.stdout.take());
        let output = tokio::task::spawn_blocking(move || child.wait_with_output())
            .await
            .expect("the wait ends")
            .expect("it ends");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
    }
}
