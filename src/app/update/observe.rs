//! Observing someone else's identity (`--user-id`): nothing goes out as them until the user says so.
//! A write waits behind a question that names the identity; yes acts as them from then on.

use super::notify;
use crate::app::msg::Effect;
use crate::app::state::{AppState, Confirmation, HeldWrite, Overlay};
use crate::backend::Command;
use crate::model::{IdentityMode, SafeText, short_id, tagged_short_id};

/// Observing: holds `write` and asks whether to do it as the identity. `true` when it asked (then
/// nothing is done now).
pub fn ask(state: &mut AppState, what: &str, write: HeldWrite) -> bool {
    if !state.identity_mode.is_observing() {
        return false;
    }
    let who = match state.me() {
        Some(me) => tagged_short_id(me),
        None => SafeText::new("the observed identity"),
    };
    let name = state
        .open_thread
        .as_deref()
        .map(|t| state.my_name_in(t))
        .unwrap_or_default();
    state.overlay = Overlay::Confirm(Confirmation::ActAs {
        what: what.to_string(),
        who,
        name,
        write,
    });
    true
}

/// Observing: the writes among `effects` wait for a yes, and read receipts and typing notifications
/// never go out. Whatever asked for them changed nothing here that waiting would leave wrong.
pub fn hold_writes(state: &mut AppState, effects: Vec<Effect>) -> Vec<Effect> {
    if !state.identity_mode.is_observing() {
        return effects;
    }
    let mut held = Vec::new();
    let mut rest = Vec::new();
    for effect in effects {
        match effect {
            Effect::Command(c) if c.writes() => held.push(c),
            Effect::Command(c) if c.announces() => {}
            other => rest.push(other),
        }
    }
    if let Some(first) = held.first() {
        let what = describe(first);
        ask(state, what, HeldWrite::Commands(held));
    }
    rest
}

/// The answer yes: act as the identity for the rest of the run.
pub fn act(state: &mut AppState) -> Effect {
    state.identity_mode = IdentityMode::Acting;
    let me = state.me().map(short_id).unwrap_or_default();
    notify(
        state,
        &format!("Acting as {me} from now on: read receipts and typing go out as them too."),
    );
    Effect::Command(Command::Act)
}

/// What a held command would do, as the question puts it.
fn describe(command: &Command) -> &'static str {
    match command {
        Command::SendMessage { .. } | Command::RetrySend { .. } => "Send",
        Command::EditMessage { .. } => "Save the edit",
        Command::DeleteMessage { .. } => "Delete the message",
        Command::CreateThread { .. } => "Create the thread",
        Command::AddParticipant { .. } => "Add the participant",
        Command::RemoveParticipant { .. } => "Remove the participant",
        Command::UpdateTopic { .. } => "Change the topic",
        Command::DeleteThread { .. } => "Delete the thread",
        Command::PlaceCall { .. } => "Call",
        Command::HangUp => "Hang up",
        Command::MuteInCall { .. } => "Mute",
        Command::AddToCall { .. } => "Invite",
        Command::RecordCall => "Start or stop the recording",
        _ => "Write",
    }
}
