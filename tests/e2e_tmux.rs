//! End-to-end: the real binary in a private tmux server, typing keys and reading the screen, with an
//! in-process emulator behind it and a second user ("Alice") acting through the REST API.
//!
//! Needs `tmux` on the PATH; each test fails with a clear message when it is missing.

#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use std::time::Instant;

use support::tmux::{POLL, TIMEOUT, Tmux, sh_quote};
use support::{TestEmulator, participant, thread_path};

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;
const TOPIC: &str = "e2e with Alice";

// ---------------------------------------------------------------------------------------------
// The console on an in-process emulator, and Alice.

struct Console {
    // Dropped in this order: tmux (the console) first, then the emulator, then the folder.
    tmux: Tmux,
    emulator: TestEmulator,
    /// The console's identity, as remembered in `<data-dir>/console/identities.json`.
    me: String,
    /// The shell command that runs the console, then prints its exit code and terminal mode.
    command: String,
    data_dir: PathBuf,
    _dir: tempfile::TempDir,
}

struct Alice {
    token: String,
    thread_id: String,
}

impl Console {
    /// Starts the console as "Me" and waits until its realtime socket is live.
    async fn start(test: &str) -> Console {
        let emulator = TestEmulator::start().await;
        let dir = tempfile::tempdir().expect("a temporary folder");
        let data_dir = dir.path().join("data");
        let command = format!(
            "XDG_CONFIG_HOME={config} {bin} --connection-string {cs} --data-dir {data} --name Me; \
             echo EXIT=$?; case \"$(stty -a)\" in *-icanon*) echo TTY=raw;; *) echo TTY=cooked;; esac; \
             sleep 30",
            config = sh_quote(&dir.path().join("config").display().to_string()),
            bin = sh_quote(env!("CARGO_BIN_EXE_acs-interop")),
            cs = sh_quote(&emulator.emulator.connection_string().expose()),
            data = sh_quote(&data_dir.display().to_string()),
        );
        let tmux = Tmux::start(test, &command, WIDTH, HEIGHT);
        assert_eq!(
            tmux.format("#{pane_width}x#{pane_height}"),
            format!("{WIDTH}x{HEIGHT}")
        );
        tmux.wait_for_text("● live").await;
        let me = read_identity(&data_dir);
        Console {
            tmux,
            emulator,
            me,
            command,
            data_dir,
            _dir: dir,
        }
    }

    /// The console, looking at a thread Alice made with it: the console runs once to make its
    /// identity, quits, Alice creates the thread, and the console starts again on the same data
    /// folder, where it opens the most recent thread by itself.
    async fn start_in_alices_thread(test: &str) -> (Console, Alice) {
        let console = Console::start(test).await;
        console.tmux.keys(&["C-c"]);
        console.tmux.wait_for_text("EXIT=0").await;
        let alice = console.alice_creates_thread().await;
        console.tmux.respawn(&console.command);
        console.tmux.wait_for_text(&format!("▶ {TOPIC}")).await;
        console.tmux.wait_for_text("● live").await;
        assert_eq!(
            read_identity(&console.data_dir),
            console.me,
            "the console did not keep its identity across a restart"
        );
        (console, alice)
    }

    /// Alice (a new identity) creates a thread with the console's user and Alice in it.
    async fn alice_creates_thread(&self) -> Alice {
        self.alice_creates_thread_named(TOPIC).await
    }

    async fn alice_creates_thread_named(&self, topic: &str) -> Alice {
        let (alice, token) = self.emulator.create_user().await;
        let body = json!({
            "topic": topic,
            "participants": [participant(&self.me, "Me"), participant(&alice, "Alice")],
        });
        let created = self.emulator.post(&token, "/chat/threads", &body).await;
        let thread_id = created.expect(201)["chatThread"]["id"]
            .as_str()
            .expect("a thread id")
            .to_string();
        Alice { token, thread_id }
    }

    async fn alice_sends(&self, alice: &Alice, content: &str) -> String {
        self.emulator
            .send_message(&alice.token, &alice.thread_id, content)
            .await
    }

    /// Alice's view of the thread: every message, newest first.
    async fn alice_lists_messages(&self, alice: &Alice) -> Vec<Value> {
        let first = thread_path(&alice.thread_id, "/messages?maxPageSize=200");
        self.emulator.list_all(&alice.token, &first).await.0
    }
}

/// The one identity the console remembers for this endpoint (`"<endpoint>:me"`).
fn read_identity(data_dir: &Path) -> String {
    let path = data_dir.join("console").join("identities.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let json: Value = serde_json::from_str(&text).expect("identities.json is JSON");
    let mine: Vec<&str> = json["identities"]
        .as_object()
        .expect("an identities object")
        .iter()
        .filter(|(key, _)| key.ends_with(":me"))
        .filter_map(|(_, id)| id.as_str())
        .collect();
    assert_eq!(mine.len(), 1, "one remembered identity: {text}");
    assert!(mine[0].starts_with("8:acs:"), "an ACS raw id: {text}");
    mine[0].to_string()
}

// ---------------------------------------------------------------------------------------------

/// Threads Alice creates while the console runs arrive over the realtime socket. The first thread of
/// someone who had none opens by itself; a second one shows in the thread list and opens from the
/// keyboard: Esc leaves the composer, Shift+Tab focuses the thread list, `g` goes to its top (the
/// newest) and Enter opens it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shift_tab_focuses_the_thread_list_and_enter_opens_a_thread_created_by_another_user() {
    const SECOND: &str = "second with Alice";
    let console = Console::start("shift-tab").await;
    console.alice_creates_thread().await;
    let tmux = &console.tmux;
    tmux.wait_for_text(&format!("▶ {TOPIC}")).await;
    console.alice_creates_thread_named(SECOND).await;
    tmux.wait_for_text(SECOND).await;
    assert!(
        !tmux.screen().contains(&format!("▶ {SECOND}")),
        "a second thread from someone else took the screen"
    );

    tmux.keys(&["Escape"]);
    // A lone Esc must reach the console before the next escape sequence, or both read as one key.
    tmux.wait_for_text("Message (i to write)").await;
    tmux.keys(&["BTab", "g", "Enter"]);
    tmux.wait_for_text(&format!("▶ {SECOND}")).await;
    tmux.wait_for_text("Enter sends").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_and_typing_from_another_user_show_up() {
    let (console, alice) = Console::start_in_alices_thread("typing").await;

    console.alice_sends(&alice, "hello from Alice").await;
    console.tmux.wait_for_text("hello from Alice").await;

    console
        .emulator
        .post(
            &alice.token,
            &thread_path(&alice.thread_id, "/typing"),
            &json!({"senderDisplayName": "Alice"}),
        )
        .await
        .expect(200);
    let screen = console.tmux.wait_for_text("Alice is typing…").await;
    assert!(screen.contains("hello from Alice"), "{screen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_typed_in_the_composer_reaches_the_other_user() {
    let (console, alice) = Console::start_in_alices_thread("compose").await;

    console.tmux.type_text("hi Alice");
    console.tmux.keys(&["Enter"]);

    // Alice sees it through the REST API, sent by the console's identity.
    let start = Instant::now();
    let message_id = loop {
        let messages = console.alice_lists_messages(&alice).await;
        let found = messages.iter().find(|m| {
            m["type"] == "text"
                && m["content"]["message"] == "hi Alice"
                && m["senderCommunicationIdentifier"]["rawId"] == console.me.as_str()
        });
        if let Some(m) = found {
            break m["id"].as_str().expect("a message id").to_string();
        }
        assert!(
            start.elapsed() < TIMEOUT,
            "Alice never received \"hi Alice\" from {}; she sees {messages:#?}\nthe screen:\n{}",
            console.me,
            console.tmux.screen()
        );
        tokio::time::sleep(POLL).await;
    };
    console.tmux.wait_for_text("✓ sent").await;

    console
        .emulator
        .post(
            &alice.token,
            &thread_path(&alice.thread_id, "/readReceipts"),
            &json!({"chatMessageId": message_id}),
        )
        .await
        .expect(200);
    console.tmux.wait_for_text("read by 1 of 1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escape_sequences_from_the_network_are_shown_not_obeyed() {
    let (console, alice) = Console::start_in_alices_thread("escapes").await;
    let title_before = console.tmux.format("#{pane_title}");

    console
        .alice_sends(&alice, "\u{1b}[2J\u{1b}]0;pwned\u{7}evil\u{1b}[31mred")
        .await;
    // Every control character is a visible placeholder, in place.
    let screen = console
        .tmux
        .wait_for_text("␛[2J␛]0;pwned␇evil␛[31mred")
        .await;
    // Nothing was cleared: the rest of the frame is still there.
    assert!(screen.contains("● live"), "{screen}");
    assert!(screen.contains(&format!("▶ {TOPIC}")), "{screen}");
    let title = console.tmux.format("#{pane_title}");
    assert_ne!(title, "pwned", "a message set the terminal's title");
    assert_eq!(title, title_before, "the pane title changed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quitting_restores_the_terminal_and_exits_zero() {
    let console = Console::start("quit").await;
    assert_eq!(
        console.tmux.format("#{alternate_on}"),
        "1",
        "the console draws on the alternate screen"
    );

    console.tmux.keys(&["C-c"]);
    let screen = console
        .tmux
        .wait_for("the shell's output after exit", |s| s.contains("TTY="))
        .await;
    assert!(screen.contains("EXIT=0"), "exit code 0: {screen}");
    assert!(
        !screen.contains("● live"),
        "the console's frame is still shown: {screen}"
    );
    assert!(
        screen.contains("TTY=cooked"),
        "raw mode was left on: {screen}"
    );
    assert_eq!(
        console.tmux.format("#{alternate_on}"),
        "0",
        "the alternate screen was not left"
    );
    assert_eq!(
        console
            .tmux
            .format("#{mouse_any_flag}#{mouse_button_flag}#{mouse_sgr_flag}"),
        "000",
        "mouse reporting was left on"
    );
    assert_eq!(
        console.tmux.format("#{cursor_flag}"),
        "1",
        "the cursor was left hidden"
    );
}

// ---------------------------------------------------------------------------------------------
// Teams interop in the console, on the emulator's demo tenant.

/// Runs a `:` command from the composer.
fn command_line(tmux: &Tmux, command: &str) {
    // Escape then ':' arrives as Alt+':' when sent together; the console takes either.
    tmux.keys(&["Escape"]);
    tmux.type_text(":");
    tmux.type_text(command);
    tmux.keys(&["Enter"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_a_policy_blocked_teams_user_shows_the_reason() {
    let (console, _alice) = Console::start_in_alices_thread("blocked").await;
    command_line(&console.tmux, "add adele@contoso.example");
    let screen = console.tmux.wait_for_text("NoAcsFederation").await;
    assert!(screen.contains("Adele Vance"), "{screen}");
    assert!(
        screen.contains("row 4"),
        "the doctor's rule is named: {screen}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teams_persona_types_answers_and_its_image_shows_as_a_link() {
    let (console, _alice) = Console::start_in_alices_thread("persona").await;
    command_line(&console.tmux, "add megan@contoso.example");
    console.tmux.wait_for_text("Megan Bowen").await;
    console.tmux.keys(&["i"]);
    console
        .tmux
        .type_text("could you send the whiteboard image?");
    console.tmux.keys(&["Enter"]);
    // Teams typing events carry a blank display name; the console names her from the participants.
    let typing = console.tmux.wait_for_text("Megan Bowen is typing…").await;
    assert!(!typing.contains(" is typing… is typing"), "{typing}");
    let screen = console.tmux.wait_for_text("[image: whiteboard.png]").await;
    assert!(
        screen.contains("Megan Bowen (Teams)"),
        "the sender is marked as a Teams user: {screen}"
    );
    assert!(screen.contains("no read receipts (Teams)"), "{screen}");
}
