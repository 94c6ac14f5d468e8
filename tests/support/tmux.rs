//! A private tmux server for end-to-end tests, killed on drop (also when the test panics): start a
//! command in it, type keys, read the screen.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub const POLL: Duration = Duration::from_millis(100);
/// How long a test waits for the screen to show something (generous: the machine may be loaded).
pub const TIMEOUT: Duration = Duration::from_secs(15);

pub struct Tmux {
    socket: String,
    /// The socket file, which `kill-server` leaves behind.
    socket_path: Option<PathBuf>,
}

impl Tmux {
    /// A new server on its own socket, with one detached `width`×`height` session running
    /// `shell_command`.
    pub fn start(test: &str, shell_command: &str, width: u16, height: u16) -> Tmux {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        match Command::new("tmux").arg("-V").output() {
            Ok(out) if out.status.success() => {}
            _ => panic!(
                "tmux is not installed or does not run: the end-to-end tests drive the console in tmux \
                 (install it, e.g. `apt-get install -y tmux`)"
            ),
        }
        let mut tmux = Tmux {
            socket_path: None,
            socket: format!(
                "acs-e2e-{}-{}-{test}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ),
        };
        let (w, h) = (width.to_string(), height.to_string());
        tmux.run(&["new-session", "-d", "-x", &w, "-y", &h, shell_command]);
        tmux.socket_path = Some(PathBuf::from(tmux.format("#{socket_path}")));
        tmux
    }

    /// Kills what runs in the pane and runs `shell_command` there instead.
    pub fn respawn(&self, shell_command: &str) {
        self.run(&["respawn-pane", "-k", shell_command]);
    }

    /// Runs a tmux command on this server (UTF-8 forced, no user config); panics if it fails.
    pub fn run(&self, args: &[&str]) -> String {
        let out: Output = Command::new("tmux")
            .args(["-u", "-f", "/dev/null", "-L", &self.socket])
            .args(args)
            .env_remove("TMUX")
            .env("LANG", "C.UTF-8")
            .output()
            .expect("tmux runs");
        assert!(
            out.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p"])
    }

    /// A tmux format about the pane, e.g. `#{pane_title}`.
    pub fn format(&self, format: &str) -> String {
        self.run(&["display-message", "-p", format])
            .trim_end()
            .to_string()
    }

    /// Key names as tmux knows them (`Enter`, `Escape`, `BTab`, `C-c`).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// Text typed literally.
    pub fn type_text(&self, text: &str) {
        self.run(&["send-keys", "-l", text]);
    }

    /// Polls the screen until `ok` holds; panics with the last screen after [`TIMEOUT`].
    pub async fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            if start.elapsed() > TIMEOUT {
                panic!("timed out after {TIMEOUT:?} waiting for {what}; the screen:\n{screen}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    pub async fn wait_for_text(&self, text: &str) -> String {
        self.wait_for(&format!("{text:?} on screen"), |s| s.contains(text))
            .await
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .env_remove("TMUX")
            .output();
        if let Some(path) = &self.socket_path {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Quotes a word for `sh`.
pub fn sh_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}
