//! The `:` command line: editing, completion and the commands themselves.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keys::retry_failed;
use super::{fail, notify};
use crate::app::msg::Effect;
use crate::app::state::{AppState, CommandLine, Confirmation, Focus, Overlay};
use crate::backend::Command;

/// The commands, with their arguments, for completion and help.
pub const COMMANDS: [(&str, &str); 26] = [
    ("new", "<topic> [participant ...]  start a thread"),
    ("add", "<participant>  add someone to this thread"),
    ("remove", "<participant>  remove someone from this thread"),
    ("topic", "<text>  change this thread's topic"),
    ("edit", "edit the selected (or your last) message"),
    ("delete", "delete the selected (or your last) message"),
    ("delete-thread", "delete this thread"),
    (
        "goto",
        "<message id | YYYY-MM-DD [HH:MM] | HH:MM>  go there, loading older pages",
    ),
    ("open", "<thread id>  open a thread by id"),
    ("forget", "remove a deleted thread from the list"),
    ("retry", "resend failed messages"),
    (
        "attach",
        "<path>  why files cannot be sent here, and what to do",
    ),
    (
        "save",
        "[folder]  download the selected (or newest) message's attachments",
    ),
    (
        "as",
        "<teams user> | me  emulator: write as a Teams user, or as yourself",
    ),
    (
        "call",
        "[participant]  call (default: the thread's Teams user)",
    ),
    ("hangup", "end the call"),
    ("mute", "<participant>  mute an ACS user in the call"),
    ("add-to-call", "<participant>  invite someone into the call"),
    ("record", "start or stop this app's recording of the call"),
    ("dismiss", "close the recording notice once it has stopped"),
    (
        "state",
        "this thread as the service holds it: participants, receipts, outbox, the message",
    ),
    (
        "inspect",
        "every request, answer, realtime frame and call event of the session",
    ),
    (
        "har",
        "<file>  save the session's exchanges as HAR (secrets redacted)",
    ),
    (
        "whoami",
        "your raw id, the endpoint, and whether you observe or act as someone",
    ),
    ("help", "show the keys and commands"),
    ("quit", "leave"),
];

pub fn on_key(state: &mut AppState, mut line: CommandLine, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => {
            state.overlay = Overlay::None;
            return Vec::new();
        }
        KeyCode::Enter => {
            state.overlay = Overlay::None;
            return execute(state, &line.input);
        }
        KeyCode::Tab => {
            complete(state, &mut line);
            state.overlay = Overlay::CommandLine(line);
            return Vec::new();
        }
        KeyCode::Backspace => {
            if line.input.is_empty() {
                state.overlay = Overlay::None;
                return Vec::new();
            }
            line.input.pop();
        }
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => line.input.clear(),
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => line.input.push(c),
        _ => {}
    }
    line.completions.clear();
    line.completion_index = 0;
    state.overlay = Overlay::CommandLine(line);
    Vec::new()
}

/// Splits on spaces, keeping "quoted phrases" together.
pub fn split_words(input: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in input.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    words.push(std::mem::take(&mut current));
                    any = false;
                }
            }
            c => {
                current.push(c);
                any = true;
            }
        }
    }
    if any {
        words.push(current);
    }
    words
}

fn is_guid(word: &str) -> bool {
    let parts: Vec<&str> = word.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

const PERSON_FIX: &str = "Use their raw id (8:acs:…, or 8:orgid:<object id> for Teams); names work for people already in one of your threads.";

/// People the console knows, as (display name, raw id).
fn known_people(state: &AppState) -> Vec<(String, String)> {
    let mut people: Vec<(String, String)> = state
        .views
        .values()
        .flat_map(|v| v.participants.iter())
        .map(|p| (p.name.as_str().to_string(), p.raw_id.clone()))
        .chain(super::calls::members(state))
        .collect();
    people.sort();
    people.dedup();
    people
}

/// A participant by raw id (anything with a `:`) or by the display name of someone known.
fn resolve_person(state: &AppState, word: &str) -> Result<String, String> {
    if word.contains(':') {
        return Ok(word.to_string());
    }
    // A UPN is looked up in the emulator's directory by the backend; a bare GUID is an Entra object id.
    if word.contains('@') {
        return Ok(word.to_string());
    }
    if is_guid(word) {
        return Ok(format!("8:orgid:{word}"));
    }
    let people = known_people(state);
    let matches: Vec<&(String, String)> = people
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case(word))
        .collect();
    match matches.as_slice() {
        [(_, raw)] => Ok(raw.clone()),
        [] => Err(format!("No one called '{word}' is known here.")),
        _ => Err(format!("More than one person is called '{word}'.")),
    }
}

fn execute(state: &mut AppState, input: &str) -> Vec<Effect> {
    // A new command makes the last one's error old news.
    state.error = None;
    let words = split_words(input.trim().trim_start_matches(':'));
    let Some((name, args)) = words.split_first() else {
        return Vec::new();
    };
    let rest_of_line = || {
        let trimmed = input.trim().trim_start_matches(':').trim_start();
        trimmed.get(name.len()..).unwrap_or("").trim().to_string()
    };
    let thread = state.open_thread.clone();
    let need_thread = |state: &mut AppState| -> Option<String> {
        if thread.is_none() {
            fail(
                state,
                "No thread is open.",
                "Open one in the thread list, or start one with :new <topic>.",
            );
        }
        thread.clone()
    };
    match name.as_str() {
        "q" | "quit" => vec![Effect::Quit],
        "help" | "h" => {
            state.overlay = Overlay::Help(0);
            Vec::new()
        }
        "whoami" => {
            state.overlay = Overlay::WhoAmI;
            Vec::new()
        }
        "new" => {
            let Some((topic, people)) = args.split_first() else {
                fail(
                    state,
                    ":new needs a topic.",
                    "Write :new \"Team sync\" alice 8:orgid:<object id>",
                );
                return Vec::new();
            };
            let mut participants = Vec::new();
            for p in people {
                match resolve_person(state, p) {
                    Ok(raw) => participants.push(raw),
                    Err(e) => {
                        fail(state, &e, PERSON_FIX);
                        return Vec::new();
                    }
                }
            }
            vec![Effect::Command(Command::CreateThread {
                topic: topic.clone(),
                participants,
            })]
        }
        "add" | "remove" => {
            let Some(thread_id) = need_thread(state) else {
                return Vec::new();
            };
            let Some(who) = args.first() else {
                fail(
                    state,
                    &format!(":{name} needs a participant."),
                    "Give a raw id or the name of someone known.",
                );
                return Vec::new();
            };
            match resolve_person(state, who) {
                Ok(raw) if name == "add" => vec![Effect::Command(Command::AddParticipant {
                    thread_id,
                    participant: raw,
                })],
                Ok(raw_id) => vec![Effect::Command(Command::RemoveParticipant {
                    thread_id,
                    raw_id,
                })],
                Err(e) => {
                    fail(state, &e, PERSON_FIX);
                    Vec::new()
                }
            }
        }
        "topic" => {
            let Some(thread_id) = need_thread(state) else {
                return Vec::new();
            };
            let topic = rest_of_line();
            if topic.is_empty() {
                fail(state, ":topic needs the new topic.", "Write :topic <text>.");
                return Vec::new();
            }
            vec![Effect::Command(Command::UpdateTopic { thread_id, topic })]
        }
        "edit" => {
            edit_last(state);
            Vec::new()
        }
        "delete" => {
            let Some(thread_id) = need_thread(state) else {
                return Vec::new();
            };
            match own_target(state) {
                Ok((message_id, _)) => vec![Effect::Command(Command::DeleteMessage {
                    thread_id,
                    message_id,
                })],
                Err(why) => {
                    fail(state, &why, "Only your own messages can be deleted.");
                    Vec::new()
                }
            }
        }
        "delete-thread" => {
            let Some(thread_id) = need_thread(state) else {
                return Vec::new();
            };
            let topic = state
                .open_summary()
                .map(|t| t.topic.clone())
                .unwrap_or_default();
            let teams_users = state
                .open_view()
                .map(|v| {
                    v.participants
                        .iter()
                        .filter(|p| p.kind == crate::model::PersonKind::Teams)
                        .count()
                })
                .unwrap_or(0);
            state.overlay = Overlay::Confirm(Confirmation::DeleteThread {
                thread_id,
                topic,
                teams_users,
            });
            Vec::new()
        }
        "retry" => retry_failed(state),
        "state" => super::thread_state::open(state),
        "inspect" | "inspector" => {
            super::inspector::open(state);
            Vec::new()
        }
        "har" => match args.first() {
            Some(_) => vec![Effect::Command(Command::ExportHar {
                path: std::path::PathBuf::from(rest_of_line()),
            })],
            None => {
                fail(
                    state,
                    ":har needs a file name.",
                    "Write :har session.har (relative to the folder acs-interop started in).",
                );
                Vec::new()
            }
        },
        "open" => super::navigate::open_by_id(state, args.first()),
        "goto" | "go" => super::navigate::goto(state, &rest_of_line()),
        "forget" => super::navigate::forget(state),
        "call" => {
            let target = match args.first() {
                Some(who) => match resolve_person(state, who) {
                    Ok(raw) => Some(raw),
                    Err(e) => {
                        fail(state, &e, PERSON_FIX);
                        return Vec::new();
                    }
                },
                None => None,
            };
            super::calls::call(state, target)
        }
        "hangup" | "hang-up" => super::calls::in_call(state, Command::HangUp),
        "record" => super::calls::in_call(state, Command::RecordCall),
        "mute" | "add-to-call" => {
            let Some(who) = args.first() else {
                fail(
                    state,
                    &format!(":{name} needs a participant."),
                    "Give a raw id, a UPN on the emulator, or the name of someone in the call.",
                );
                return Vec::new();
            };
            let participant = match resolve_person(state, who) {
                Ok(raw) => raw,
                Err(e) => {
                    fail(state, &e, PERSON_FIX);
                    return Vec::new();
                }
            };
            let command = if name == "mute" {
                Command::MuteInCall { participant }
            } else {
                Command::AddToCall { participant }
            };
            super::calls::in_call(state, command)
        }
        "dismiss" => {
            super::calls::dismiss_banner(state);
            Vec::new()
        }
        "as" => match args.first().map(String::as_str) {
            None => {
                fail(
                    state,
                    ":as needs a Teams user (UPN or object id), or me.",
                    "Write :as megan@contoso.example, then :as me.",
                );
                Vec::new()
            }
            Some("me") => {
                state.speaking_as = None;
                notify(state, "Speaking as yourself again.");
                Vec::new()
            }
            Some(who) => {
                let who = resolve_person(state, who).unwrap_or_else(|_| who.to_string());
                let who = who.rsplit(':').next().unwrap_or(&who).to_string();
                vec![Effect::Command(Command::SpeakAs { who })]
            }
        },
        "save" => {
            // Quotes keep a folder with spaces together; unquoted, the rest of the line is the folder.
            let dir = match args {
                [] => None,
                [one] => Some(one.clone()),
                _ => Some(rest_of_line()),
            };
            super::attachments::save(state, dir.map(std::path::PathBuf::from))
        }
        "attach" => {
            let teams = state.open_view().is_some_and(|v| {
                v.participants
                    .iter()
                    .any(|p| p.kind == crate::model::PersonKind::Teams)
            });
            if teams {
                fail(
                    state,
                    "Files and images cannot be sent into a thread with Teams users: ACS users can't send images or files to Teams users (they can receive them).",
                    "Share a link instead: paste the file's URL as text.",
                );
            } else {
                fail(
                    state,
                    "ACS chat has no file upload for ACS users.",
                    "Upload the file somewhere both sides can reach (for example Azure Blob Storage) and send the link.",
                );
            }
            Vec::new()
        }
        other => {
            let names: Vec<&str> = COMMANDS.iter().map(|(n, _)| *n).collect();
            fail(
                state,
                &format!("There is no command ':{other}'."),
                &format!("Commands: {} (Tab completes).", names.join(", ")),
            );
            Vec::new()
        }
    }
}

/// The selected message when it is one's own, or the newest own one when none is selected:
/// (id, body); otherwise why not.
fn own_target(state: &AppState) -> Result<(String, String), String> {
    let none = || "You have no message in this thread.".to_string();
    let me = state.me().ok_or_else(none)?;
    let view = state.open_view().ok_or_else(none)?;
    let mine = |m: &&crate::model::Message| {
        m.sender.as_deref() == Some(me) && m.deleted_ms.is_none() && !m.kind.is_system()
    };
    let message = match view.selected.and_then(|o| view.messages.get(&o)) {
        Some(selected) if mine(&selected) => selected,
        Some(selected) if selected.deleted_ms.is_some() => {
            return Err("The selected message was deleted.".to_string());
        }
        Some(selected) if selected.kind.is_system() => {
            return Err("The selected line is a system message.".to_string());
        }
        Some(selected) => {
            return Err(format!(
                "The selected message is {}'s, not yours.",
                selected.sender_name
            ));
        }
        None => view.messages.values().rev().find(mine).ok_or_else(none)?,
    };
    Ok((message.id.clone(), message.body.clone()))
}

/// Puts the selected (or newest) own message in the composer for editing.
pub fn edit_last(state: &mut AppState) {
    let Some(thread_id) = state.open_thread.clone() else {
        return;
    };
    match own_target(state) {
        Ok((message_id, body)) => {
            state.composer.set_text(&body);
            state.composer.editing = Some((thread_id, message_id));
            state.focus = Focus::Composer;
            notify(state, "Editing your message: Enter saves, Esc cancels.");
        }
        Err(why) => fail(
            state,
            &why,
            "Only your own messages can be edited: select one of yours with k/j, or press End and :edit for your last.",
        ),
    }
}

fn complete(state: &AppState, line: &mut CommandLine) {
    if line.completions.is_empty() {
        let words = split_words(&line.input);
        let ends_with_space = line.input.ends_with(' ');
        line.completions = if words.len() <= 1 && !ends_with_space {
            let prefix = words.first().map(String::as_str).unwrap_or("");
            COMMANDS
                .iter()
                .filter(|(n, _)| n.starts_with(prefix))
                .map(|(n, _)| format!("{n} "))
                .collect()
        } else {
            let prefix = if ends_with_space {
                ""
            } else {
                words.last().map(String::as_str).unwrap_or("")
            };
            let head = &line.input[..line.input.len() - prefix.len()];
            known_people(state)
                .into_iter()
                .flat_map(|(name, raw)| [name, raw])
                .filter(|c| !c.is_empty() && c.to_lowercase().starts_with(&prefix.to_lowercase()))
                .map(|c| {
                    let quoted = if c.contains(' ') {
                        format!("\"{c}\"")
                    } else {
                        c
                    };
                    format!("{head}{quoted} ")
                })
                .collect()
        };
        line.completion_index = 0;
        if let Some(first) = line.completions.first() {
            line.input = first.clone();
        }
        return;
    }
    line.completion_index = (line.completion_index + 1) % line.completions.len();
    line.input = line.completions[line.completion_index].clone();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_words_stay_together() {
        assert_eq!(
            split_words(r#"new "Team sync" alice  8:acs:x"#),
            vec!["new", "Team sync", "alice", "8:acs:x"]
        );
        assert_eq!(split_words("  "), Vec::<String>::new());
        assert_eq!(split_words(r#"new """#), vec!["new", ""]);
    }
}
