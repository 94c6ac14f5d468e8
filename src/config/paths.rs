//! Where acs-interop keeps things, from the `directories` crate.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[error("no home folder to keep acs-interop's {what} in; pass --data-dir DIR (or --in-memory)")]
pub struct NoHome {
    what: &'static str,
}

fn project() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "acs-interop")
}

/// The data folder: the emulator's database, the console's state, logs.
pub fn data_dir() -> Result<PathBuf, NoHome> {
    project()
        .map(|p| p.data_dir().to_path_buf())
        .ok_or(NoHome { what: "data" })
}

/// The config folder: `config.toml` and user themes (`themes/*.toml`).
pub fn config_dir() -> Result<PathBuf, NoHome> {
    project()
        .map(|p| p.config_dir().to_path_buf())
        .ok_or(NoHome {
            what: "configuration",
        })
}

/// Where `:save` puts attachments by default: the user's download folder when there is one, else the
/// current folder.
pub fn download_dir() -> PathBuf {
    directories::UserDirs::new()
        .and_then(|u| u.download_dir().map(PathBuf::from))
        .filter(|d| d.is_dir())
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."))
}

/// `~` or `~/rest` with the home folder put in, as a shell would; other paths as given.
pub fn expand_home(path: &std::path::Path) -> PathBuf {
    let home = || directories::UserDirs::new().map(|u| u.home_dir().to_path_buf());
    match path.strip_prefix("~") {
        Ok(rest) => match home() {
            Some(home) => home.join(rest),
            None => path.to_path_buf(),
        },
        Err(_) => path.to_path_buf(),
    }
}
