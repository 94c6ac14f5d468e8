//! Someone else's identity in the backend: observing sends nothing as them (receipts and typing are
//! dropped, writes refused with the reason) until `Command::Act`; acting sends under the name they have
//! in each thread.

use std::sync::Arc;

use super::{BackendEvent, Command, Ctx, convert};
use crate::acs::chat::ChatParticipant;
use crate::model::{IdentityMode, SafeText};

impl Ctx {
    /// Own identity, observing someone else's, or acting as it.
    pub fn mode(&self) -> IdentityMode {
        *self
            .mode
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(super) fn set_mode(&self, mode: IdentityMode) {
        *self
            .mode
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = mode;
    }

    /// Notes the identity's display name among a thread's participants.
    pub fn learn_my_name(&self, thread_id: &str, participants: &[ChatParticipant]) {
        let mine = participants
            .iter()
            .find(|p| convert::raw_id_of(&p.communication_identifier).as_deref() == Some(&self.me))
            .and_then(|p| p.display_name.clone())
            .filter(|n| !n.trim().is_empty());
        if let (Some(name), Ok(mut names)) = (mine, self.names.lock()) {
            names.insert(thread_id.to_string(), name);
        }
    }

    /// The display name to send with a message or a typing notification in `thread_id` (or in a new
    /// thread, for `None`): the console's name for its own identity; for someone else's, the name they
    /// have in the thread (asked for when not yet known), or any name they have elsewhere, or their
    /// short id.
    pub async fn my_name_in(&self, thread_id: Option<&str>) -> String {
        if !self.mode().is_other() {
            return self.my_name.clone();
        }
        let known = |thread_id: Option<&str>| {
            let names = self.names.lock().ok()?;
            match thread_id {
                Some(t) => names.get(t).cloned(),
                None => names.values().next().cloned(),
            }
        };
        if let Some(name) = known(thread_id) {
            return name;
        }
        if let Some(t) = thread_id
            && let Ok(participants) = self.chat.list_participants(t).await
        {
            self.learn_my_name(t, &participants);
            if let Some(name) = known(thread_id) {
                return name;
            }
        }
        known(None).unwrap_or_else(|| crate::model::short_id(&self.me).to_string())
    }
}

/// Observing leaves no trace: receipts and typing are dropped, and a write (which the console asks
/// about before sending) is refused with the reason.
pub(super) fn refuse(ctx: Arc<Ctx>, command: Command) {
    if command.announces() {
        tracing::debug!(?command, "not sent while observing");
        return;
    }
    tracing::warn!(?command, "a write refused while observing");
    tokio::spawn(async move {
        ctx.emit(BackendEvent::Failure {
            what: SafeText::new(&format!(
                "Nothing was sent: this console is observing {}.",
                crate::model::short_id(&ctx.me)
            )),
            fix: SafeText::new(
                "Confirm the write in the console to act as them, or start with --act.",
            ),
        })
        .await
    });
}
