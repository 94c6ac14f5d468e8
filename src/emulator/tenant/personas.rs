//! Personas: seeded Teams users who answer ACS users' messages, so the demo tenant feels alive. They type
//! for a while (with a blank display name, as Teams' typing events often have), then reply, sometimes with
//! an image or a file.

use std::time::Duration;
use tokio::sync::mpsc;

use super::admin::{post_as, raw_id};
use super::seed::{PersonaRule, User};
use super::verdict_for;
use crate::acs::chat::ChatAttachmentType;
use crate::acs::identifier::{CommunicationIdentifier, IdentifierKind};
use crate::acs::time::now_ms;
use crate::emulator::EmulatorState;

/// A message from an ACS user that personas in its thread may answer.
#[derive(Debug, Clone)]
pub struct Trigger {
    pub thread_id: String,
    pub text: String,
}

/// Hands triggers to the persona task; never blocks a request.
#[derive(Clone)]
pub struct Personas {
    tx: mpsc::UnboundedSender<Trigger>,
}

/// How often a persona repeats its typing notification while it types.
const TYPING_REPEAT: Duration = Duration::from_secs(3);

impl Personas {
    pub fn channel() -> (Personas, mpsc::UnboundedReceiver<Trigger>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Personas { tx }, rx)
    }

    pub fn trigger(&self, trigger: Trigger) {
        let _ = self.tx.send(trigger);
    }
}

/// Runs until the emulator stops: finds the personas in each trigger's thread and lets them answer.
pub async fn run(state: EmulatorState, mut triggers: mpsc::UnboundedReceiver<Trigger>) {
    while let Some(trigger) = triggers.recv().await {
        let thread = trigger.thread_id.clone();
        let participants = match state
            .store
            .run(move |db| db.participants_page(&thread, 0, 250))
            .await
        {
            Ok(p) => p,
            Err(e) => {
                tracing::debug!(error = %e, "personas cannot list participants");
                continue;
            }
        };
        let seed = state.tenant.snapshot();
        for p in participants {
            let Ok(identifier) = p.communication_identifier.resolve() else {
                continue;
            };
            if identifier.kind() != IdentifierKind::MicrosoftTeamsUser {
                continue;
            }
            let CommunicationIdentifier::MicrosoftTeamsUser { user_id, .. } = identifier else {
                continue;
            };
            let (Some(user), Some(persona)) = (seed.user(&user_id), seed.persona_of(&user_id))
            else {
                continue;
            };
            if !verdict_for(&seed, user, &state.resource_id).chat_enabled {
                continue;
            }
            if let Some(rule) = persona.rules.iter().find(|r| r.matches(&trigger.text)) {
                tokio::spawn(answer(
                    state.clone(),
                    user.clone(),
                    rule.clone(),
                    trigger.clone(),
                ));
            }
        }
    }
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn answer(state: EmulatorState, user: User, rule: PersonaRule, trigger: Trigger) {
    let raw = raw_id(&user);
    let typing_for = Duration::from_millis(rule.typing_ms);
    let started = tokio::time::Instant::now();
    loop {
        let (thread, who) = (trigger.thread_id.clone(), raw.clone());
        // Teams typing events may carry a blank display name (seed: known issue).
        let typed = state
            .store
            .run(move |db| db.send_typing(&thread, &who, Some(String::new()), now_ms()))
            .await;
        if typed.is_err() {
            return;
        }
        let left = typing_for.saturating_sub(started.elapsed());
        if left.is_zero() {
            break;
        }
        tokio::time::sleep(left.min(TYPING_REPEAT)).await;
        if started.elapsed() >= typing_for {
            break;
        }
    }
    let attachments = rule
        .attachment
        .iter()
        .map(|a| {
            let kind = if a.kind == "image" {
                ChatAttachmentType::Image
            } else {
                ChatAttachmentType::File
            };
            (kind, a.name.clone())
        })
        .collect();
    let reply = rule.reply.replace("{message}", &escape_html(&trigger.text));
    let base = state.base_url.to_string();
    if let Err(e) = post_as(
        &state,
        &user,
        &trigger.thread_id,
        &reply,
        true,
        attachments,
        &base,
    )
    .await
    {
        tracing::debug!(error = %e, persona = %user.upn, "a persona could not answer");
    }
}
