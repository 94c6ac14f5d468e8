//! End-to-end, the console as a daily driver: the real binary on its embedded emulator in a private
//! tmux server at 80×24, with the key sequences users reported.
//!
//! Needs `tmux` on the PATH; each test fails with a clear message when it is missing.

// Shared with the other end-to-end tests, which use more of it.
#[path = "support/tmux.rs"]
#[allow(dead_code)]
mod tmux;

use tmux::{Tmux, sh_quote};

/// The console on a fresh data folder, its welcome thread open and live.
async fn console(test: &str, width: u16, height: u16) -> (Tmux, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let command = format!(
        "XDG_CONFIG_HOME={config} {bin} --data-dir {data} --name Me; echo EXIT=$?; sleep 30",
        config = sh_quote(&dir.path().join("config").display().to_string()),
        bin = sh_quote(env!("CARGO_BIN_EXE_acs-interop")),
        data = sh_quote(&dir.path().join("data").display().to_string()),
    );
    let tmux = Tmux::start(test, &command, width, height);
    tmux.wait_for_text("● live").await;
    tmux.wait_for_text("Megan Bowen").await;
    (tmux, dir)
}

/// The rows of the messages pane that hold text (between its borders).
fn text_rows(screen: &str) -> usize {
    screen
        .lines()
        .skip(1)
        .take(16)
        .filter(|row| {
            let inside: String = row.chars().skip(27).take(50).collect();
            inside
                .trim_matches(|c: char| c == '│' || c.is_whitespace())
                .len()
                > 3
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_after_sending_shows_the_start_and_j_stays_there() {
    let (tmux, _dir) = console("home", 80, 24).await;
    tmux.type_text("hi");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("✓").await;
    tmux.keys(&["Escape"]);
    tmux.keys(&["Home"]);
    let screen = tmux
        .wait_for("the start of the thread", |s| s.contains("Me joined"))
        .await;
    assert!(
        text_rows(&screen) > 10,
        "the pane is full, not blank:\n{screen}"
    );
    tmux.keys(&["j"]);
    let screen = tmux
        .wait_for("the welcome message selected", |s| s.contains("Welcome!"))
        .await;
    assert!(
        !screen.contains("Megan Bowen (Teams)"),
        "j did not jump back to the newest messages:\n{screen}"
    );
    tmux.keys(&["End"]);
    tmux.wait_for("the newest messages again", |s| {
        s.contains("hi") && s.contains("✓")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escape_and_colon_together_open_the_command_line() {
    let (tmux, _dir) = console("esc-colon", 80, 24).await;
    // One write, as a fast typist's terminal sends it: ESC and ':' arrive together.
    tmux.type_text("\x1b:attach agenda.pdf");
    tmux.keys(&["Enter"]);
    let screen = tmux
        .wait_for("the attach explanation", |s| {
            s.contains("Share a link") || s.contains("no file upload")
        })
        .await;
    assert!(
        !screen.contains("ttach agenda"),
        "nothing went into the composer:\n{screen}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_40_by_12_tab_reaches_the_thread_list() {
    let (tmux, _dir) = console("small", 80, 24).await;
    tmux.keys(&["Escape"]);
    tmux.type_text(":new Second");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("┌ Second").await;
    tmux.run(&["resize-window", "-x", "40", "-y", "12"]);
    tmux.keys(&["Escape", "Tab", "Tab"]);
    tmux.wait_for_text("┌ Threads").await;
    tmux.keys(&["Down", "Enter"]);
    tmux.wait_for_text("┌ Welcome").await;
    tmux.run(&["resize-window", "-x", "20", "-y", "6"]);
    tmux.wait_for_text("window too").await;
    tmux.run(&["resize-window", "-x", "80", "-y", "24"]);
    tmux.wait_for_text("┌ Welcome").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_scrolls_to_the_last_command_at_80_by_24() {
    let (tmux, _dir) = console("help", 80, 24).await;
    tmux.keys(&["Escape", "?"]);
    let screen = tmux.wait_for_text("Help").await;
    assert!(!screen.contains(":quit"), "cut at first:\n{screen}");
    tmux.keys(&["Down", "End"]);
    tmux.wait_for_text(":quit").await;
    tmux.keys(&["q"]);
    tmux.wait_for("help closed", |s| !s.contains(":quit")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_and_ctrl_c_quits_at_once() {
    let (tmux, _dir) = console("search", 80, 24).await;
    tmux.keys(&["Escape", "/"]);
    tmux.type_text("whiteboard");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("Match 1 of").await;
    tmux.keys(&["C-c"]);
    tmux.wait_for_text("EXIT=0").await;
}

/// The console again on the same data folder, after Ctrl-C.
async fn restart(tmux: &Tmux, dir: &tempfile::TempDir) {
    tmux.keys(&["C-c"]);
    tmux.wait_for_text("EXIT=0").await;
    let command = format!(
        "XDG_CONFIG_HOME={config} {bin} --data-dir {data} --name Me; echo EXIT=$?; sleep 30",
        config = sh_quote(&dir.path().join("config").display().to_string()),
        bin = sh_quote(env!("CARGO_BIN_EXE_acs-interop")),
        data = sh_quote(&dir.path().join("data").display().to_string()),
    );
    tmux.respawn(&command);
    tmux.wait_for_text("● live").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unread_counts_and_deleted_threads_are_right_after_a_restart() {
    let (tmux, dir) = console("restart", 120, 40).await;
    // A thread to delete, then one where Megan answers while another thread is open.
    tmux.keys(&["Escape"]);
    tmux.type_text(":new Doomed");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("┌ Doomed").await;
    tmux.keys(&["Escape"]);
    tmux.type_text(":delete-thread");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("y: yes").await;
    tmux.keys(&["y"]);
    tmux.wait_for_text("deleted").await;
    tmux.keys(&["Escape"]);
    tmux.type_text(":new Lunch megan@contoso.example");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("┌ Lunch").await;
    tmux.wait_for_text("Megan Bowen joined").await;
    tmux.type_text("hi");
    tmux.keys(&["Enter", "C-k"]);
    tmux.type_text("Welcome");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("┌ Welcome").await;
    let badge = |s: &str| s.lines().any(|l| l.contains("Lunch") && l.contains(" 1 "));
    tmux.wait_for("Lunch's unread badge", badge).await;
    // Welcome becomes the newest thread, the one that opens at start.
    tmux.type_text("note to self");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("note to self").await;

    restart(&tmux, &dir).await;
    tmux.wait_for_text("┌ Welcome").await;
    tmux.wait_for("Lunch's badge after the restart", badge)
        .await;
    // The deleted thread is listed, marked, and opening it asks the service nothing.
    tmux.keys(&["C-k"]);
    tmux.type_text("Doomed");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for_text("This thread was deleted").await;
    assert!(!screen.contains("404"), "{screen}");
    tmux.keys(&["Escape"]);
    tmux.type_text(":forget");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the deleted thread gone from the list", |s| {
        !s.contains("Doomed")
    })
    .await;
}
