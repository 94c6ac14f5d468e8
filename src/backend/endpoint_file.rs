//! The running console's published endpoint: `<data-dir>/console/endpoint.json`.
//!
//! A console on its embedded emulator holds that emulator's data folder locked, so a headless command
//! (`acs-interop chat ...`, `acs-interop teams ...`) cannot open the same data itself. The console
//! writes where its emulator listens, with the access key, to a file only its user can read, and
//! removes it when it exits; the commands read it and talk to the console's emulator over loopback.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

use crate::acs::connection_string::ConnectionString;

/// The file's name in the console's state folder (`<data-dir>/console`).
pub const ENDPOINT_FILE: &str = "endpoint.json";

/// What the file holds. The access key is in it, so it is written with mode 0600.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Published {
    /// The console's process id: the file is stale once that process is gone.
    pid: u32,
    endpoint: String,
    /// Base64, as in a connection string.
    access_key: String,
}

/// Why the file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum EndpointFileError {
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read {path}: {reason}")]
    Unreadable { path: PathBuf, reason: String },
}

/// What a command found in the console's state folder.
#[derive(Debug)]
pub enum Lookup {
    /// A console is running; its emulator is here.
    Running {
        connection: ConnectionString,
        pid: u32,
    },
    /// No file, or one left by a console that is gone.
    NoConsole { stale_pid: Option<u32> },
    /// A file that cannot be read or understood.
    Unreadable(EndpointFileError),
}

/// The published endpoint, removed again when dropped (the console's every exit path drops it).
#[derive(Debug)]
pub struct PublishedEndpoint {
    path: PathBuf,
}

impl PublishedEndpoint {
    /// Writes the file in `console_dir` atomically (a private temporary file, then a rename), readable
    /// only by this user.
    pub fn publish(
        console_dir: &Path,
        connection: &ConnectionString,
    ) -> Result<PublishedEndpoint, EndpointFileError> {
        let path = console_dir.join(ENDPOINT_FILE);
        let failed = |source| EndpointFileError::Write {
            path: path.clone(),
            source,
        };
        let published = Published {
            pid: std::process::id(),
            endpoint: connection.endpoint.clone(),
            access_key: B64.encode(connection.access_key()),
        };
        let text = serde_json::to_vec_pretty(&published)
            .map_err(|e| failed(std::io::Error::other(e.to_string())))?;
        let tmp = console_dir.join(format!("{ENDPOINT_FILE}.{}.tmp", std::process::id()));
        write_private(&tmp, &text).map_err(failed)?;
        if let Err(e) = std::fs::rename(&tmp, &path) {
            let _ = std::fs::remove_file(&tmp);
            return Err(failed(e));
        }
        Ok(PublishedEndpoint { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PublishedEndpoint {
    fn drop(&mut self) {
        // Only our own: never a file another console wrote since.
        let ours = std::fs::read(&self.path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Published>(&bytes).ok())
            .is_some_and(|p| p.pid == std::process::id());
        if ours {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Creates `path` with mode 0600 from the start (no window in which others could open it).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    #[cfg(unix)]
    {
        // A file left from before keeps its old mode through `open`; make it private.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)?;
    file.sync_all()
}

/// Reads `console_dir`'s endpoint file and says whether its console is still running.
pub fn lookup(console_dir: &Path) -> Lookup {
    let path = console_dir.join(ENDPOINT_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Lookup::NoConsole { stale_pid: None };
        }
        Err(e) => {
            return Lookup::Unreadable(EndpointFileError::Unreadable {
                path,
                reason: e.to_string(),
            });
        }
    };
    let unreadable = |reason: String| {
        Lookup::Unreadable(EndpointFileError::Unreadable {
            path: path.clone(),
            reason,
        })
    };
    let published: Published = match serde_json::from_slice(&bytes) {
        Ok(p) => p,
        Err(e) => return unreadable(e.to_string()),
    };
    if !process_alive(published.pid) {
        return Lookup::NoConsole {
            stale_pid: Some(published.pid),
        };
    }
    let text = format!(
        "endpoint={};accesskey={}",
        published.endpoint, published.access_key
    );
    match ConnectionString::parse(&text) {
        Ok(connection) => Lookup::Running {
            connection,
            pid: published.pid,
        },
        Err(e) => unreadable(e.to_string()),
    }
}

/// Whether a process with this id exists.
pub fn process_alive(pid: u32) -> bool {
    if pid == 0 {
        return false;
    }
    #[cfg(target_os = "linux")]
    {
        Path::new("/proc").join(pid.to_string()).exists()
    }
    #[cfg(not(target_os = "linux"))]
    {
        // Without /proc: `kill -0` asks the system without sending anything.
        std::process::Command::new("kill")
            .args(["-0", &pid.to_string()])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection() -> ConnectionString {
        ConnectionString::new("http://127.0.0.1:4567/", b"secret key".to_vec())
    }

    #[test]
    fn a_published_endpoint_is_found_while_its_process_lives_and_removed_on_drop() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let published = PublishedEndpoint::publish(dir.path(), &connection()).expect("published");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(published.path())
                .expect("the file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "only the user reads the key");
        }
        match lookup(dir.path()) {
            Lookup::Running { connection: c, pid } => {
                assert_eq!(c, connection());
                assert_eq!(pid, std::process::id());
            }
            other => panic!("expected the running console, got {other:?}"),
        }
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        assert_eq!(
            leftovers.len(),
            1,
            "no temporary file is left: {leftovers:?}"
        );
        drop(published);
        assert!(matches!(
            lookup(dir.path()),
            Lookup::NoConsole { stale_pid: None }
        ));
    }

    #[test]
    fn a_file_from_a_process_that_is_gone_is_stale() {
        let dir = tempfile::tempdir().expect("a temp dir");
        // Far above any pid_max: no such process.
        let text = r#"{"pid": 4294967295, "endpoint": "http://127.0.0.1:1/", "accessKey": "a2V5"}"#;
        std::fs::write(dir.path().join(ENDPOINT_FILE), text).expect("written");
        assert!(matches!(
            lookup(dir.path()),
            Lookup::NoConsole {
                stale_pid: Some(4294967295)
            }
        ));
        std::fs::write(dir.path().join(ENDPOINT_FILE), "{not json").expect("written");
        assert!(matches!(lookup(dir.path()), Lookup::Unreadable(_)));
    }
}
