//! Key bindings as data: each [`Action`] has keys, and `config.toml`'s `[keys]` table can rebind them.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use std::collections::HashMap;

/// What a key can do outside the composer's own editing keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Quit,
    Help,
    CommandLine,
    FocusNext,
    FocusPrevious,
    FocusComposer,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Copy,
    Retry,
    /// In the composer: send.
    Send,
    /// In the composer: a new line.
    Newline,
    /// In the composer, when empty: edit the last message you sent.
    EditLast,
    HistoryPrevious,
    HistoryNext,
    /// Close the recording notice once what it reports has stopped.
    DismissBanner,
    /// Search the open thread (in the thread list: filter it).
    Search,
    /// The next (older) search hit.
    NextHit,
    /// The previous (newer) search hit.
    PreviousHit,
    /// Open a thread by typing part of its topic, a participant or its id.
    QuickSwitch,
    /// Draw the whole screen again.
    Redraw,
    /// The inspector: the session's exchanges on the wire.
    Inspect,
    /// The open thread's state as the service holds it.
    ThreadState,
}

/// A key with its modifiers, as written in config (`ctrl-c`, `alt-enter`, `pageup`, `?`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl KeyChord {
    pub fn from_event(event: &KeyEvent) -> KeyChord {
        // Shift is part of the character for printable keys ('?' arrives as shift+'?').
        let mut modifiers =
            event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        // Shift is also implied by BackTab, which terminals send as Shift+Tab.
        if matches!(event.code, KeyCode::Char(_) | KeyCode::BackTab) {
            modifiers.remove(KeyModifiers::SHIFT);
        }
        KeyChord {
            code: event.code,
            modifiers,
        }
    }

    pub fn parse(text: &str) -> Result<KeyChord, String> {
        let mut modifiers = KeyModifiers::NONE;
        let lower = text.trim().to_ascii_lowercase();
        let mut rest = lower.as_str();
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                modifiers |= KeyModifiers::CONTROL;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                modifiers |= KeyModifiers::ALT;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("shift-") {
                modifiers |= KeyModifiers::SHIFT;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "space" => KeyCode::Char(' '),
            f if f.starts_with('f') && f.len() > 1 => KeyCode::F(
                f[1..]
                    .parse()
                    .map_err(|_| format!("'{text}' is not a key"))?,
            ),
            _ => {
                // Keep the case the user wrote for single characters (e.g. 'G').
                let original = text.trim();
                let ch = original
                    .chars()
                    .last()
                    .filter(|_| rest.chars().count() == 1);
                KeyCode::Char(ch.ok_or_else(|| format!("'{text}' is not a key"))?)
            }
        };
        Ok(KeyChord { code, modifiers })
    }
}

/// Actions by key, for the main screen and for the composer.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: HashMap<KeyChord, Action>,
    /// Each action's keys in the order they were given, for help and hints.
    listed: Vec<(Action, Vec<KeyChord>)>,
}

const DEFAULTS: &[(Action, &[&str])] = &[
    (Action::Quit, &["ctrl-c", "q"]),
    (Action::Help, &["?", "f1"]),
    (Action::CommandLine, &[":"]),
    (Action::FocusNext, &["tab"]),
    (Action::FocusPrevious, &["backtab"]),
    (Action::FocusComposer, &["i", "a"]),
    (Action::Up, &["up", "k"]),
    (Action::Down, &["down", "j"]),
    (Action::PageUp, &["pageup", "ctrl-b"]),
    (Action::PageDown, &["pagedown", "ctrl-f"]),
    (Action::Top, &["home", "g"]),
    (Action::Bottom, &["end", "G"]),
    (Action::Open, &["enter"]),
    (Action::Copy, &["y"]),
    (Action::Retry, &["r"]),
    (Action::Send, &["enter"]),
    (Action::Newline, &["alt-enter", "shift-enter", "ctrl-j"]),
    (Action::EditLast, &["up"]),
    (Action::HistoryPrevious, &["ctrl-p"]),
    (Action::HistoryNext, &["ctrl-n"]),
    (Action::DismissBanner, &["x"]),
    (Action::Search, &["/"]),
    (Action::NextHit, &["n"]),
    (Action::PreviousHit, &["N"]),
    (Action::QuickSwitch, &["ctrl-k"]),
    (Action::Redraw, &["ctrl-l"]),
    (Action::Inspect, &["ctrl-o", "f3"]),
    (Action::ThreadState, &["ctrl-t", "f2"]),
];

/// Actions that belong to the composer; the others belong to the panes.
pub const COMPOSER_ACTIONS: [Action; 5] = [
    Action::Send,
    Action::Newline,
    Action::EditLast,
    Action::HistoryPrevious,
    Action::HistoryNext,
];

impl Default for Keymap {
    fn default() -> Self {
        let mut keymap = Keymap {
            bindings: HashMap::new(),
            listed: Vec::new(),
        };
        for (action, keys) in DEFAULTS {
            let chords = keys
                .iter()
                .filter_map(|k| KeyChord::parse(k).ok())
                .collect();
            keymap.bind(*action, chords);
        }
        keymap
    }
}

fn is_composer(action: Action) -> bool {
    COMPOSER_ACTIONS.contains(&action)
}

impl Keymap {
    /// Gives `action` exactly these keys.
    fn bind(&mut self, action: Action, chords: Vec<KeyChord>) {
        self.bindings.retain(|_, a| *a != action);
        for chord in &chords {
            self.bindings
                .insert(tag(*chord, is_composer(action)), action);
        }
        self.listed.retain(|(a, _)| *a != action);
        self.listed.push((action, chords));
    }

    /// The defaults with the user's `[keys]` table applied: `action = "key"` or `["key", ...]`, which
    /// replaces that action's default keys.
    pub fn with_overrides(overrides: &HashMap<Action, Vec<String>>) -> Result<Keymap, String> {
        let mut keymap = Keymap::default();
        for (action, keys) in overrides {
            keymap.bindings.retain(|_, a| a != action);
            for key in keys {
                let chord = KeyChord::parse(key).map_err(|e| format!("[keys] {action:?}: {e}"))?;
                keymap
                    .bindings
                    .insert(tag(chord, is_composer(*action)), *action);
            }
        }
        Ok(keymap)
    }

    /// The pane action for a key, if any.
    pub fn pane_action(&self, event: &KeyEvent) -> Option<Action> {
        self.bindings
            .get(&tag(KeyChord::from_event(event), false))
            .copied()
    }

    /// The composer action for a key, if any.
    pub fn composer_action(&self, event: &KeyEvent) -> Option<Action> {
        self.bindings
            .get(&tag(KeyChord::from_event(event), true))
            .copied()
    }

    /// The first key bound to `action`, for hints ("? help").
    pub fn key_for(&self, action: Action) -> Option<String> {
        self.keys_for(action).into_iter().next()
    }

    /// The keys bound to `action`, in the order they were given.
    pub fn keys_for(&self, action: Action) -> Vec<String> {
        self.listed
            .iter()
            .find(|(a, _)| *a == action)
            .map(|(_, chords)| chords.iter().map(|c| describe(*c)).collect())
            .unwrap_or_default()
    }
}

/// Composer bindings are kept with a marker modifier no terminal sends (META), so one map holds both.
fn tag(chord: KeyChord, composer: bool) -> KeyChord {
    if composer {
        KeyChord {
            modifiers: chord.modifiers | KeyModifiers::META,
            ..chord
        }
    } else {
        chord
    }
}

fn describe(chord: KeyChord) -> String {
    let mut out = String::new();
    if chord.modifiers.contains(KeyModifiers::CONTROL) {
        out.push_str("Ctrl+");
    }
    if chord.modifiers.contains(KeyModifiers::ALT) {
        out.push_str("Alt+");
    }
    if chord.modifiers.contains(KeyModifiers::SHIFT) {
        out.push_str("Shift+");
    }
    match chord.code {
        KeyCode::Char(c) => out.push(c),
        KeyCode::F(n) => out.push_str(&format!("F{n}")),
        KeyCode::BackTab => out.push_str("Shift+Tab"),
        other => out.push_str(&format!("{other:?}")),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn defaults_bind_the_documented_keys() {
        let k = Keymap::default();
        assert_eq!(
            k.pane_action(&key(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            k.pane_action(&key(KeyCode::Char('?'), KeyModifiers::SHIFT)),
            Some(Action::Help)
        );
        assert_eq!(
            k.composer_action(&key(KeyCode::Enter, KeyModifiers::NONE)),
            Some(Action::Send)
        );
        assert_eq!(
            k.composer_action(&key(KeyCode::Enter, KeyModifiers::ALT)),
            Some(Action::Newline)
        );
        assert_eq!(
            k.pane_action(&key(KeyCode::Enter, KeyModifiers::NONE)),
            Some(Action::Open)
        );
        assert_eq!(
            k.pane_action(&key(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(k.key_for(Action::Help).as_deref(), Some("?"));
        // Terminals send Shift+Tab as BackTab with Shift set.
        assert_eq!(
            k.pane_action(&key(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::FocusPrevious)
        );
    }

    #[test]
    fn overrides_replace_an_actions_keys() {
        let overrides = HashMap::from([(Action::Quit, vec!["ctrl-q".to_string()])]);
        let k = Keymap::with_overrides(&overrides).unwrap();
        assert_eq!(
            k.pane_action(&key(KeyCode::Char('q'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            k.pane_action(&key(KeyCode::Char('q'), KeyModifiers::NONE)),
            None
        );
        let bad = HashMap::from([(Action::Quit, vec!["ctrl-nonsense".to_string()])]);
        assert!(
            Keymap::with_overrides(&bad)
                .unwrap_err()
                .contains("nonsense")
        );
    }
}
