//! `chat watch` by polling: the real service, whose push channel is not public, or `--poll`. It sees
//! new, edited and deleted messages and, in one thread, read receipts; typing needs the socket.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use super::ChatError;
use super::json;
use super::out::Out;
use super::table::listed_message;
use super::watch::{Topics, note};
use crate::acs::chat::ChatMessage;
use crate::acs::thread_id::ThreadId;
use crate::backend::session::Session;
use crate::client::MessagesQuery;
use crate::text::sanitize_line;

/// Polls look this far back, against clock skew; what was already printed is not printed again.
const MARGIN: time::Duration = time::Duration::seconds(30);

/// What polling has printed: message versions and receipts, forgotten once out of the window.
#[derive(Default)]
struct Seen {
    versions: HashMap<(String, String), (String, Instant)>,
    receipts: HashSet<(String, String)>,
}

pub(super) async fn poll(
    session: &Session,
    out: &mut Out,
    thread: Option<&ThreadId>,
    topics: &mut Topics,
    every: Duration,
    mut stop: std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
) -> Result<(), ChatError> {
    let mut seen = Seen::default();
    let mut since = time::OffsetDateTime::now_utc();
    // The first round only learns what is already there.
    poll_round(session, out, thread, topics, &mut seen, since, false).await?;
    note(&format!(
        "watching (polling every {} s); Ctrl-C stops",
        every.as_secs()
    ));
    let mut ticker = tokio::time::interval(every);
    ticker.tick().await;
    loop {
        tokio::select! {
            _ = &mut stop => return Ok(()),
            _ = ticker.tick() => {}
        }
        let started = time::OffsetDateTime::now_utc();
        poll_round(session, out, thread, topics, &mut seen, since, true).await?;
        since = started;
        let forget = Instant::now().checked_sub(Duration::from_secs(120) + every);
        if let Some(forget) = forget {
            seen.versions.retain(|_, (_, at)| *at >= forget);
        }
    }
}

async fn poll_round(
    session: &Session,
    out: &mut Out,
    thread: Option<&ThreadId>,
    topics: &mut Topics,
    seen: &mut Seen,
    since: time::OffsetDateTime,
    print: bool,
) -> Result<(), ChatError> {
    let start = since - MARGIN;
    let threads: Vec<String> = match thread {
        Some(t) => vec![t.as_str().to_string()],
        None => {
            let changed = session.chat.list_threads(Some(200), Some(start)).await?;
            for t in &changed {
                topics.set_topic(t.id.clone(), t.topic.clone());
            }
            changed.into_iter().map(|t| t.id).collect()
        }
    };
    for thread_id in &threads {
        let page = session
            .chat
            .list_messages(
                thread_id,
                MessagesQuery {
                    max_page_size: Some(200),
                    start_time: Some(start),
                    next_link: None,
                },
            )
            .await?;
        // Oldest first, as they happened.
        for m in page.value.iter().rev() {
            let key = (thread_id.clone(), m.id.clone());
            let new = seen.versions.get(&key).is_none_or(|(v, _)| *v != m.version);
            seen.versions
                .insert(key, (m.version.clone(), Instant::now()));
            if new && print {
                print_polled(out, topics, thread_id, m)?;
            }
        }
    }
    if let Some(t) = thread {
        for r in session.chat.list_read_receipts(t.as_str()).await? {
            let reader = json::raw_id(&r.sender_communication_identifier).unwrap_or_default();
            let fresh = seen.receipts.insert((reader, r.chat_message_id.clone()));
            if fresh && print {
                let event = json::Event::ReadReceiptReceived {
                    thread_id: t.as_str(),
                    sender_id: json::raw_id(&r.sender_communication_identifier),
                    chat_message_id: &r.chat_message_id,
                    read_on: &r.read_on,
                };
                if out.json() {
                    out.record(&event)?;
                } else {
                    let who = topics
                        .person(session, t.as_str(), &r.sender_communication_identifier)
                        .await;
                    let line = format!(
                        "{} {}  {who} read up to {}",
                        topics.label(t.as_str()),
                        out.time(Some(&r.read_on)),
                        r.chat_message_id
                    );
                    out.line(&sanitize_line(&line))?;
                }
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// A polled message as the event it stands for: deleted, edited, or received.
fn print_polled(
    out: &mut Out,
    topics: &Topics,
    thread_id: &str,
    m: &ChatMessage,
) -> Result<(), ChatError> {
    if out.json() {
        let message = json::Message::from(m);
        let event = if m.deleted_on.is_some() {
            json::Event::ChatMessageDeleted { thread_id, message }
        } else if m.edited_on.is_some() {
            json::Event::ChatMessageEdited { thread_id, message }
        } else {
            json::Event::ChatMessageReceived { thread_id, message }
        };
        out.record(&event)?;
        return Ok(());
    }
    let label = topics.label(thread_id);
    let time = out.time(Some(m.edited_on.as_ref().unwrap_or(&m.created_on)));
    for line in listed_message(m, &time) {
        out.line(&sanitize_line(&format!("{label} {line}")))?;
    }
    Ok(())
}
