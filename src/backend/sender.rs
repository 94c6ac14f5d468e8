//! One ordered sender per thread, fed from the outbox.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

use super::Ctx;
use super::convert::{CLIENT_ID_KEY, failure};
use super::outbox::Outgoing;
use super::outcome::Write;
use crate::acs::chat::{ChatMessageType, SendChatMessageRequest};
use crate::backend::BackendEvent;
use crate::client::{ClientError, MessagesQuery, RetryPolicy};
use crate::model::{SafeText, SendState};

/// Retries for failures that may pass (the network, 5xx the service did not act on).
const MAX_ROUNDS: u32 = 4;
/// Retries after a 429: the service did not act on the message and said how long to wait.
const MAX_THROTTLED: u32 = 10;

/// The per-thread queues.
#[derive(Clone, Default)]
pub struct Senders {
    queues: Arc<Mutex<HashMap<String, mpsc::UnboundedSender<String>>>>,
}

impl Senders {
    /// Queues `client_id` (already in the outbox) behind the thread's earlier messages.
    pub fn enqueue(&self, ctx: &Arc<Ctx>, thread_id: &str, client_id: String) {
        let Ok(mut queues) = self.queues.lock() else {
            return;
        };
        let sender = queues.entry(thread_id.to_string()).or_insert_with(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(run_queue(ctx.clone(), rx));
            tx
        });
        let _ = sender.send(client_id);
    }
}

async fn run_queue(ctx: Arc<Ctx>, mut rx: mpsc::UnboundedReceiver<String>) {
    while let Some(client_id) = rx.recv().await {
        deliver(&ctx, &client_id).await;
    }
}

async fn report(ctx: &Ctx, m: &Outgoing, state: SendState) {
    ctx.emit(BackendEvent::Send {
        thread_id: m.thread_id.clone(),
        client_id: m.client_id.clone(),
        content: m.content.clone(),
        state,
    })
    .await;
}

/// How much earlier than this machine's clock says the service may have stamped a message.
const CLOCK_SKEW_S: i64 = 300;

/// Finds the message in its thread by client id: it may have arrived before a timeout or a crash.
/// Every page since the message was written is looked at, however busy the thread has been since;
/// an error means the answer is unknown, so the caller must not send blind.
async fn already_held(ctx: &Ctx, m: &Outgoing) -> Result<Option<String>, ClientError> {
    let since = time::OffsetDateTime::from_unix_timestamp(m.created_ms / 1000 - CLOCK_SKEW_S).ok();
    let mut query = MessagesQuery {
        max_page_size: Some(200),
        start_time: since,
        next_link: None,
    };
    loop {
        let page = ctx.chat.list_messages(&m.thread_id, query.clone()).await?;
        // A client id is only this sender's: another console may use the same one.
        if let Some(found) = page.value.iter().find(|msg| {
            msg.metadata
                .as_ref()
                .and_then(|md| md.get(CLIENT_ID_KEY))
                .map(String::as_str)
                == Some(m.client_id.as_str())
                && msg
                    .sender_communication_identifier
                    .as_ref()
                    .and_then(|who| who.resolved_raw_id())
                    .as_deref()
                    == Some(ctx.me.as_str())
        }) {
            return Ok(Some(found.id.clone()));
        }
        match page.next_link {
            Some(next) => query.next_link = Some(next),
            None => return Ok(None),
        }
    }
}

/// Sends one outbox message, checking the thread first whenever an earlier attempt may have landed.
///
/// The sender is the retry loop for sends (its client does not retry), so that each wait is shown:
/// a throttled message says how long until it is tried again.
pub async fn deliver(ctx: &Ctx, client_id: &str) {
    let m = match ctx.outbox.get(client_id) {
        Ok(Some(m)) => m,
        Ok(None) => return,
        Err(e) => {
            tracing::error!(error = %e, "outbox read failed");
            return;
        }
    };
    let write = Write {
        action: "send",
        thread_id: &m.thread_id,
        client_id: Some(&m.client_id),
        message_id: None,
    };
    let chat = ctx.chat.clone().with_retry(RetryPolicy::none());
    report(ctx, &m, SendState::Sending).await;
    // A message from an earlier run, or a retry, may already be in the thread.
    let mut uncertain = m.failed.is_some() || m.created_ms < ctx.started_ms;
    let mut round = 0;
    let mut throttled = 0;
    loop {
        if uncertain {
            match already_held(ctx, &m).await {
                Ok(Some(id)) => {
                    let _ = ctx.outbox.remove(&m.client_id);
                    write.already_held(&id);
                    report(ctx, &m, SendState::Sent { message_id: id }).await;
                    return;
                }
                Ok(None) => {}
                // Whether it landed is unknown: look again later rather than risk a duplicate.
                Err(e) if e.is_retryable() && round < MAX_ROUNDS => {
                    round += 1;
                    let wait = e
                        .retry_after()
                        .unwrap_or(Duration::from_secs(1 << round.min(4)));
                    write.retrying(&e, wait, round);
                    wait_to_retry(ctx, &m, &e, wait).await;
                    continue;
                }
                Err(e) => return give_up(ctx, &m, &write, &e).await,
            }
        }
        let request = SendChatMessageRequest {
            content: m.content.clone(),
            sender_display_name: Some(ctx.my_name_in(Some(&m.thread_id)).await),
            message_type: Some(ChatMessageType::Text),
            metadata: Some([(CLIENT_ID_KEY.to_string(), m.client_id.clone())].into()),
        };
        match chat.send_message_accepted(&m.thread_id, request).await {
            Ok(accepted) => {
                let _ = ctx.outbox.remove(&m.client_id);
                write.accepted(
                    accepted.status,
                    accepted.request_id.as_deref(),
                    Some(&accepted.value),
                );
                report(
                    ctx,
                    &m,
                    SendState::Sent {
                        message_id: accepted.value,
                    },
                )
                .await;
                return;
            }
            // The service did not act on it: wait as long as it asks, saying so, and try again.
            Err(e) if e.status() == Some(429) && throttled < MAX_THROTTLED => {
                throttled += 1;
                let wait = e
                    .retry_after()
                    .unwrap_or(Duration::from_secs(1 << throttled.min(4)));
                write.throttled(&e, wait);
                let retry_in_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
                report(ctx, &m, SendState::Throttled { retry_in_ms }).await;
                tokio::time::sleep(wait).await;
                report(ctx, &m, SendState::Sending).await;
            }
            Err(e) if e.is_retryable() && round < MAX_ROUNDS => {
                round += 1;
                uncertain = matches!(e, ClientError::Network(_));
                let wait = e
                    .retry_after()
                    .unwrap_or(Duration::from_secs(1 << round.min(4)));
                write.retrying(&e, wait, round);
                wait_to_retry(ctx, &m, &e, wait).await;
            }
            Err(e) => return give_up(ctx, &m, &write, &e).await,
        }
    }
}

/// Says why and for how long the message waits, waits, and says it is being sent again.
async fn wait_to_retry(ctx: &Ctx, m: &Outgoing, e: &ClientError, wait: Duration) {
    let reason = match e.status() {
        Some(status) => format!("{status} {}", crate::client::reason_phrase(status)),
        None => "no answer".to_string(),
    };
    let retry_in_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
    report(
        ctx,
        m,
        SendState::Retrying {
            retry_in_ms,
            reason: SafeText::new(&reason),
        },
    )
    .await;
    tokio::time::sleep(wait).await;
    report(ctx, m, SendState::Sending).await;
}

/// The message stays in the outbox marked failed, for the user to retry, and the failure is shown.
async fn give_up(ctx: &Ctx, m: &Outgoing, write: &Write<'_>, e: &ClientError) {
    write.failed(e);
    let reason = short_reason(e);
    let _ = ctx.outbox.mark_failed(&m.client_id, Some(&reason));
    report(
        ctx,
        m,
        SendState::Failed {
            reason: SafeText::new(&reason),
        },
    )
    .await;
    let (what, fix) = failure("send the message", e);
    ctx.emit(BackendEvent::Failure { what, fix }).await;
}

fn short_reason(e: &ClientError) -> String {
    match e {
        ClientError::Service { status, error, .. } => format!("{status} {}", error.code),
        ClientError::Network(_) => "no connection".into(),
        other => other.to_string(),
    }
}
