//! `:save [DIR]`: which message's attachments to download. The backend downloads them.

use std::path::PathBuf;

use super::{fail, notify};
use crate::app::msg::Effect;
use crate::app::state::{AppState, ThreadView};
use crate::backend::Command;
use crate::model::{Message, SafeText};

enum Pick {
    Found {
        message_id: String,
        count: usize,
        sender: SafeText,
    },
    SelectedHasNone,
    NoneInThread,
}

fn has_attachments(message: &Message) -> bool {
    !message.attachments.is_empty() && message.deleted_ms.is_none()
}

/// The selected message is the one meant: if it has no attachments, another's are not saved instead.
/// With none selected (or the selected one gone), the newest message with attachments.
fn pick(view: &ThreadView) -> Pick {
    let found = |m: &Message| Pick::Found {
        message_id: m.id.clone(),
        count: m.attachments.len(),
        sender: m.sender_name.clone(),
    };
    match view.selected.and_then(|order| view.messages.get(&order)) {
        Some(selected) if has_attachments(selected) => found(selected),
        Some(_) => Pick::SelectedHasNone,
        None => view
            .messages
            .values()
            .rev()
            .find(|m| has_attachments(m))
            .map_or(Pick::NoneInThread, found),
    }
}

/// Asks the backend to save the attachments of the selected message or, with none selected, of the
/// newest message that has any.
pub fn save(state: &mut AppState, dir: Option<PathBuf>) -> Vec<Effect> {
    let Some(thread_id) = state.open_thread.clone() else {
        fail(
            state,
            "No thread is open.",
            "Open the thread with the attachments, then :save.",
        );
        return Vec::new();
    };
    let picked = state.open_view().map_or(Pick::NoneInThread, pick);
    match picked {
        Pick::Found {
            message_id,
            count,
            sender,
        } => {
            let from = if sender.as_str().is_empty() {
                String::new()
            } else {
                format!(" from {sender}")
            };
            notify(state, &format!("Saving {count} attachment(s){from}…"));
            vec![Effect::Command(Command::SaveAttachments {
                thread_id,
                message_id,
                dir,
            })]
        }
        Pick::SelectedHasNone => {
            fail(
                state,
                "The selected message has no attachments.",
                "Select one that shows [file: …] or [image: …] with Up/Down, or move below the newest message to select none.",
            );
            Vec::new()
        }
        Pick::NoneInThread => {
            fail(
                state,
                "No message in this thread has attachments.",
                "Attachments come from Teams users; on the emulator, ask Megan Bowen for the agenda.",
            );
            Vec::new()
        }
    }
}
