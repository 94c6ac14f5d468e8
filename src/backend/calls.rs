//! The console's call: placed through Call Automation from the console's ACS identity, its events
//! received on a callback listener that verifies each one, and read into [`CallNews`] for the console.
//! One call at a time.

use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc};

use super::Ctx;
use super::call_news::{CallContext, member, news_of};
use super::convert::failure;
use crate::acs::call_events::CallEventType;
use crate::acs::identifier::CommunicationIdentifier;
use crate::backend::BackendEvent;
use crate::client::callbacks::{self, CallbackListener, CallbackVerifier, VerifiedEvent};
use crate::client::{CallAutomationClient, ClientError};
use crate::model::SafeText;
use crate::model::call::{CallConnectionId, CallEnd, CallNews};

/// The operation context on this console's own requests, so that its own actions are told apart.
pub const OWN_CONTEXT: &str = "acs-interop-console";

/// Where the service sends the call's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackSetup {
    /// Listen on `listen` (loopback) and give that URL: an emulator on this machine.
    Local { listen: SocketAddr },
    /// A public URL (a tunnel) that forwards to `listen`: the real service.
    Public { url: String, listen: SocketAddr },
    /// The real service and no public URL: calls cannot receive their events.
    Missing,
}

/// The authority whose published keys sign the callbacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackAuthority(pub String);

/// The call in progress, if any, and how to receive its events.
pub struct Calls {
    client: CallAutomationClient,
    setup: CallbackSetup,
    authority: CallbackAuthority,
    events: mpsc::Sender<VerifiedEvent>,
    listener: Mutex<Option<CallbackListener>>,
    current: Mutex<Current>,
}

#[derive(Default)]
struct Current {
    id: Option<CallConnectionId>,
    /// The raw id called.
    target: String,
    live: bool,
    context: CallContext,
    recording_id: Option<String>,
    /// Events that came before the service's answer told this call's id (a fast refusal can).
    early: Vec<VerifiedEvent>,
    /// `:hangup` came while the call was being placed: hang up once its id is known.
    hang_up_pending: bool,
}

fn say(what: String, fix: &str) -> BackendEvent {
    BackendEvent::Failure {
        what: SafeText::new(&what),
        fix: SafeText::new(fix),
    }
}

impl Calls {
    pub fn new(
        client: CallAutomationClient,
        setup: CallbackSetup,
        authority: CallbackAuthority,
        events: mpsc::Sender<VerifiedEvent>,
    ) -> Calls {
        Calls {
            client,
            setup,
            authority,
            events,
            listener: Mutex::new(None),
            current: Mutex::new(Current::default()),
        }
    }

    /// The callback URL, starting the listener the first time.
    async fn callback_url(&self, ctx: &Ctx) -> Result<String, BackendEvent> {
        let mut listener = self.listener.lock().await;
        if let Some(l) = listener.as_ref() {
            return Ok(l.url.clone());
        }
        let (listen, public) = match &self.setup {
            CallbackSetup::Local { listen } => (*listen, None),
            CallbackSetup::Public { url, listen } => (*listen, Some(url.as_str())),
            CallbackSetup::Missing => {
                return Err(say(
                    "Calls need a callback URL: the service posts every call event to a public HTTPS URL, and none was given.".into(),
                    "Start a tunnel (e.g. `devtunnel host -p 8790`) and restart with --callback-url https://<tunnel>/ --callback-listen 127.0.0.1:8790.",
                ));
            }
        };
        let audience = ctx.chat.tokens().resource_id().await.map_err(|e| {
            say(
                format!("Cannot verify call events: {e}"),
                "Restart acs-interop for a fresh token.",
            )
        })?;
        let verifier = CallbackVerifier::new(ctx.http.clone(), &self.authority.0, &audience)
            .with_tap(ctx.chat.tap().clone());
        let started = callbacks::listen(listen, public, verifier, self.events.clone())
            .await
            .map_err(|e| {
                say(
                    format!("Cannot receive call events: {e}"),
                    "Pick another address with --callback-listen ADDR.",
                )
            })?;
        tracing::info!(listen = %started.local_addr, "listening for call events");
        let url = started.url.clone();
        *listener = Some(started);
        Ok(url)
    }

    /// `:call`: places a call from the console's identity to `target` (a raw id or, on the emulator, a
    /// UPN), from `thread_id`.
    pub async fn place(&self, ctx: &Arc<Ctx>, thread_id: Option<String>, target: &str) {
        // The one call slot is taken before anything is awaited, so a second :call cannot slip in.
        {
            let mut current = self.current.lock().await;
            if current.live {
                drop(current);
                ctx.emit(say(
                    "A call is already in progress.".into(),
                    "End it with :hangup first.",
                ))
                .await;
                return;
            }
            *current = Current {
                live: true,
                ..Current::default()
            };
        }
        let (raw, name) = match super::teams::resolve(ctx, target).await {
            Ok(found) => found,
            Err((what, fix)) => {
                return self.give_up(ctx, BackendEvent::Failure { what, fix }).await;
            }
        };
        let callee = CommunicationIdentifier::from_raw_id(&raw);
        if callee.raw_id().as_str() == ctx.me {
            let refusal = say("You cannot call yourself.".into(), "Call someone else.");
            return self.give_up(ctx, refusal).await;
        }
        let url = match self.callback_url(ctx).await {
            Ok(url) => url,
            Err(e) => return self.give_up(ctx, e).await,
        };
        let mut context = CallContext {
            own_context: OWN_CONTEXT.to_string(),
            ..CallContext::default()
        };
        context.names.insert(ctx.me.clone(), ctx.my_name.clone());
        if let Some(n) = &name {
            context.names.insert(raw.clone(), n.clone());
        }
        ctx.emit(BackendEvent::Call(CallNews::Placing {
            target: member(&raw, &context.names),
            thread_id,
        }))
        .await;
        {
            let mut current = self.current.lock().await;
            current.target = raw.clone();
            // A hang-up asked for meanwhile is kept.
            context.hang_up_requested = current.hang_up_pending;
            current.context = context;
        }
        let created = self
            .client
            .create_call(
                &ctx.me,
                Some(&ctx.my_name),
                &callee,
                &url,
                Some(OWN_CONTEXT),
            )
            .await;
        match created {
            Ok(properties) => {
                let Some(id) = properties.call_connection_id.map(CallConnectionId::new) else {
                    self.end_locally(ctx, "the service answered without a call connection id")
                        .await;
                    return;
                };
                tracing::info!(call = %id, target = %raw, "call placed");
                let (early, hang_up) = {
                    let mut current = self.current.lock().await;
                    current.id = Some(id.clone());
                    (std::mem::take(&mut current.early), current.hang_up_pending)
                };
                ctx.emit(BackendEvent::Call(CallNews::Ringing {
                    call_id: id.clone(),
                }))
                .await;
                for event in early {
                    self.on_event(ctx, event).await;
                }
                if hang_up {
                    self.hang_up_now(ctx, &id).await;
                }
            }
            Err(e) => {
                let (what, fix) = failure("place the call", &e);
                self.current.lock().await.live = false;
                ctx.emit(BackendEvent::Call(CallNews::Ended {
                    end: CallEnd::Failed {
                        reason: SafeText::new(&e.to_string()),
                    },
                    at_ms: crate::acs::time::now_ms(),
                }))
                .await;
                ctx.emit(BackendEvent::Failure { what, fix }).await;
            }
        }
    }

    /// Placing failed before the service was asked: the slot is free again.
    async fn give_up(&self, ctx: &Ctx, why: BackendEvent) {
        self.current.lock().await.live = false;
        ctx.emit(why).await;
    }

    async fn end_locally(&self, ctx: &Ctx, why: &str) {
        self.current.lock().await.live = false;
        ctx.emit(BackendEvent::Call(CallNews::Ended {
            end: CallEnd::Failed {
                reason: SafeText::new(why),
            },
            at_ms: crate::acs::time::now_ms(),
        }))
        .await;
    }

    /// The call in progress, or a failure saying there is none.
    async fn live_call(&self, ctx: &Ctx, action: &str) -> Option<CallConnectionId> {
        let current = self.current.lock().await;
        match (&current.id, current.live) {
            (Some(id), true) => Some(id.clone()),
            _ => {
                drop(current);
                ctx.emit(say(
                    format!("There is no call to {action}."),
                    "Start one with :call <participant>.",
                ))
                .await;
                None
            }
        }
    }

    /// `:hangup`; while the call is being placed, as soon as the service has answered.
    pub async fn hang_up(&self, ctx: &Ctx) {
        {
            let mut current = self.current.lock().await;
            if current.live && current.id.is_none() {
                current.hang_up_pending = true;
                current.context.hang_up_requested = true;
                drop(current);
                ctx.emit(BackendEvent::Call(CallNews::Note(SafeText::new(
                    "hanging up as soon as the service answers",
                ))))
                .await;
                return;
            }
        }
        let Some(id) = self.live_call(ctx, "hang up").await else {
            return;
        };
        self.hang_up_now(ctx, &id).await;
    }

    async fn hang_up_now(&self, ctx: &Ctx, id: &CallConnectionId) {
        self.current.lock().await.context.hang_up_requested = true;
        if let Err(e) = self.client.hang_up(id).await {
            // A call that ended meanwhile is gone: say it ended rather than fail.
            if e.status() == Some(404) {
                self.end_locally(ctx, "the call had already ended").await;
                return;
            }
            let (what, fix) = failure("hang up", &e);
            ctx.emit(BackendEvent::Failure { what, fix }).await;
        }
    }

    /// `:mute <participant>`.
    pub async fn mute(&self, ctx: &Ctx, who: &str) {
        let Some(id) = self.live_call(ctx, "mute anyone in").await else {
            return;
        };
        let (raw, _) = match super::teams::resolve(ctx, who).await {
            Ok(found) => found,
            Err((what, fix)) => return ctx.emit(BackendEvent::Failure { what, fix }).await,
        };
        let target = CommunicationIdentifier::from_raw_id(&raw);
        if let Err(e) = self.client.mute(&id, &target).await {
            ctx.emit(refusal("mute", &e, MUTE_FIX)).await;
        }
    }

    /// `:add-to-call <participant>`; the outcome arrives as an event.
    pub async fn add(&self, ctx: &Ctx, who: &str) {
        let Some(id) = self.live_call(ctx, "add anyone to").await else {
            return;
        };
        let (raw, name) = match super::teams::resolve(ctx, who).await {
            Ok(found) => found,
            Err((what, fix)) => return ctx.emit(BackendEvent::Failure { what, fix }).await,
        };
        if let Some(n) = name {
            self.current
                .lock()
                .await
                .context
                .names
                .insert(raw.clone(), n);
        }
        let target = CommunicationIdentifier::from_raw_id(&raw);
        if let Err(e) = self
            .client
            .add_participant(&id, &target, Some(OWN_CONTEXT))
            .await
        {
            ctx.emit(refusal("add the participant", &e, ADD_FIX)).await;
        }
    }

    /// `:record`: starts the application's recording, or stops it when it runs.
    pub async fn record(&self, ctx: &Ctx) {
        let Some(id) = self.live_call(ctx, "record").await else {
            return;
        };
        let running = self.current.lock().await.recording_id.clone();
        match running {
            Some(recording) => match self.client.stop_recording(&recording).await {
                Ok(()) => self.current.lock().await.recording_id = None,
                Err(e) => {
                    ctx.emit(refusal("stop the recording", &e, RECORD_FIX))
                        .await
                }
            },
            None => match self.client.start_recording(&id).await {
                Ok(state) => self.current.lock().await.recording_id = Some(state.recording_id),
                Err(e) => ctx.emit(refusal("record the call", &e, RECORD_FIX)).await,
            },
        }
    }

    /// A verified callback event: news for the console when it is about this console's call.
    pub async fn on_event(&self, ctx: &Arc<Ctx>, verified: VerifiedEvent) {
        let (news, kind, event) = {
            let mut current = self.current.lock().await;
            if current.live && current.id.is_none() {
                current.early.push(verified);
                return;
            }
            let event = verified.event;
            let ours = current
                .id
                .as_ref()
                .is_some_and(|id| id.as_str() == event.data.call_connection_id);
            if !ours {
                tracing::info!(call = %event.data.call_connection_id, event = %event.event_type, "an event for another call was ignored");
                return;
            }
            let news = news_of(&event, &mut current.context, verified.received_ms);
            if matches!(news, Some(CallNews::Ended { .. })) {
                current.live = false;
                current.recording_id = None;
            }
            (news, event.kind(), event)
        };
        let refused_add = kind == Some(CallEventType::AddParticipantFailed);
        let refused_call = matches!(
            &news,
            Some(CallNews::Ended {
                end: CallEnd::NotAllowed { .. },
                ..
            })
        );
        if let Some(news) = news {
            ctx.emit(BackendEvent::Call(news)).await;
        }
        let text = event.data.result_information.text().to_string();
        if refused_add {
            ctx.emit(say(format!("Not added to the call: {text}"), ADD_FIX))
                .await;
        }
        // Lookups through the admin API run aside, so the next events are not held up.
        if kind == Some(CallEventType::CallConnected) {
            let ctx = ctx.clone();
            tokio::spawn(async move { ctx.calls.learn_names(&ctx).await });
        }
        if refused_call {
            let target = self.current.lock().await.target.clone();
            let ctx = ctx.clone();
            tokio::spawn(async move {
                let (what, fix) = super::teams::explain_call_refusal(&ctx, &target, &text).await;
                ctx.emit(BackendEvent::Failure { what, fix }).await;
            });
        }
    }

    /// On the emulator: the names of the call's parties, and what the far end plays.
    async fn learn_names(&self, ctx: &Ctx) {
        let Some(admin) = &ctx.teams_admin else {
            return;
        };
        let Some(id) = self.current.lock().await.id.clone() else {
            return;
        };
        let Ok(calls) = admin.calls().await else {
            return;
        };
        let Some(call) = calls
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["callConnectionId"] == id.as_str())
        else {
            return;
        };
        {
            let mut current = self.current.lock().await;
            for p in call["participants"].as_array().into_iter().flatten() {
                if let (Some(raw), Some(name)) = (p["rawId"].as_str(), p["displayName"].as_str()) {
                    current
                        .context
                        .names
                        .entry(raw.to_string())
                        .or_insert_with(|| name.to_string());
                }
            }
        }
        if let Some(media) = call["farEndMedia"].as_str() {
            ctx.emit(BackendEvent::Call(CallNews::Note(SafeText::new(&format!(
                "🔊 {media}"
            )))))
            .await;
        }
    }

    /// Ends the call if it is live (the console is quitting).
    pub async fn shutdown(&self) {
        let current = self.current.lock().await;
        if let (Some(id), true) = (&current.id, current.live) {
            let id = id.clone();
            drop(current);
            if let Err(e) = self.client.hang_up(&id).await {
                tracing::warn!(error = %e, "could not hang up on the way out");
            }
        }
    }
}

const MUTE_FIX: &str =
    "Call Automation mutes ACS users only; Teams users mute themselves in Teams.";
const ADD_FIX: &str =
    "Calls with Teams users stay 1:1 (no escalation to a group call); start a separate call.";
const RECORD_FIX: &str = "ACS recording isn't available for 1:1 calls with Teams users; a Teams user can record from Teams, and the console then shows the notice.";

/// A refused call action: the service's words (which name the rule) and the fix.
fn refusal(action: &str, error: &ClientError, fix: &str) -> BackendEvent {
    match error {
        ClientError::Service {
            status: 400 | 403, ..
        } => say(format!("Could not {action}: {error}"), fix),
        _ => {
            let (what, fix) = failure(action, error);
            BackendEvent::Failure { what, fix }
        }
    }
}
