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
