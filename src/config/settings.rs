//! `config.toml`: theme, polling, key bindings and connection profiles.
//!
//! ```toml
//! theme = "dark"              # or light, high-contrast, or a file in <config>/themes/
//! poll_interval_secs = 5      # against the real service, which has no push channel here
//! default_profile = "prod"
//! bell_on_recording = true    # ring the bell once when a call starts being recorded or transcribed
//! bell_on_message = true      # ring it for a message in another thread, or one mentioning you
//!
//! [keys]                      # action = key or [keys]; replaces that action's defaults
//! quit = ["ctrl-q"]
//!
//! [profiles.prod]
//! connection_string = "endpoint=https://<resource>.communication.azure.com/;accesskey=..."
//! user_id = "8:acs:..."       # optional: observe threads as this existing identity (--act to act)
//! ca_cert = "/path/to/ca.pem" # optional
//! ```

use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::keymap::Action;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default = "default_theme")]
    pub theme: String,
    #[serde(default = "default_poll")]
    pub poll_interval_secs: u64,
    #[serde(default)]
    pub default_profile: Option<String>,
    #[serde(default)]
    pub keys: HashMap<Action, KeyList>,
    #[serde(default)]
    pub profiles: HashMap<String, Profile>,
    /// Ring the terminal bell once when recording or transcription starts in a call.
    #[serde(default = "ring_the_bell")]
    pub bell_on_recording: bool,
    /// Ring the terminal bell for a message in another thread, or one that mentions the user.
    #[serde(default = "ring_the_bell")]
    pub bell_on_message: bool,
}

fn ring_the_bell() -> bool {
    true
}

/// One key or a list of keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum KeyList {
    One(String),
    Many(Vec<String>),
}

impl KeyList {
    pub fn keys(&self) -> Vec<String> {
        match self {
            KeyList::One(k) => vec![k.clone()],
            KeyList::Many(ks) => ks.clone(),
        }
    }
}

/// A named connection to a real ACS resource or a standalone emulator.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub connection_string: String,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub ca_cert: Option<PathBuf>,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("connection_string", &"<redacted>")
            .field("user_id", &self.user_id)
            .field("ca_cert", &self.ca_cert)
            .finish()
    }
}

fn default_theme() -> String {
    "dark".to_string()
}

fn default_poll() -> u64 {
    5
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            theme: default_theme(),
            poll_interval_secs: default_poll(),
            default_profile: None,
            keys: HashMap::new(),
            profiles: HashMap::new(),
            bell_on_recording: true,
            bell_on_message: true,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct SettingsError {
    pub path: String,
    pub reason: String,
}

impl Settings {
    /// Reads `path`; a missing file means the defaults.
    pub fn load(path: &Path) -> Result<Settings, SettingsError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Settings::default()),
            Err(e) => {
                return Err(SettingsError {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                });
            }
        };
        Settings::parse(&text).map_err(|reason| SettingsError {
            path: path.display().to_string(),
            reason,
        })
    }

    pub fn parse(text: &str) -> Result<Settings, String> {
        let settings: Settings = toml::from_str(text).map_err(|e| e.to_string())?;
        if settings.poll_interval_secs == 0 {
            return Err("poll_interval_secs must be at least 1".into());
        }
        Ok(settings)
    }

    /// The `[keys]` table as the keymap takes it.
    pub fn key_overrides(&self) -> HashMap<Action, Vec<String>> {
        self.keys.iter().map(|(a, k)| (*a, k.keys())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_profiles_keys_and_defaults() {
        let s = Settings::parse(
            "theme = \"light\"\n[keys]\nquit = \"ctrl-q\"\nhelp = [\"?\", \"f1\"]\n[profiles.prod]\nconnection_string = \"endpoint=https://x/;accesskey=a2V5\"\n",
        )
        .unwrap();
        assert_eq!(s.theme, "light");
        assert_eq!(s.poll_interval_secs, 5);
        assert_eq!(s.key_overrides()[&Action::Help], vec!["?", "f1"]);
        assert!(s.profiles.contains_key("prod"));
        assert!(
            !format!("{:?}", s.profiles["prod"]).contains("a2V5"),
            "no secrets in Debug"
        );
    }

    #[test]
    fn a_typo_is_named() {
        let e = Settings::parse("theem = \"dark\"").unwrap_err();
        assert!(e.contains("theem"), "{e}");
        let e = Settings::parse("[keys]\nquitt = \"q\"").unwrap_err();
        assert!(e.contains("quitt"), "{e}");
    }

    #[test]
    fn missing_file_means_defaults() {
        let s = Settings::load(Path::new("/nonexistent/acs-interop/config.toml")).unwrap();
        assert_eq!(s.theme, "dark");
    }
}
