//! The read commands: `threads`, `show`, `messages`, `participants`, `receipts`.

use std::collections::{HashMap, HashSet};

use time::OffsetDateTime;

use super::ChatError;
use super::json;
use super::out::Out;
use super::table::{Table, listed_message};
use crate::acs::chat::{ChatMessage, ChatParticipant, limits::MAX_MESSAGE_PAGE};
use crate::acs::thread_id::ThreadId;
use crate::backend::session::Session;
use crate::client::{ClientError, MessagesQuery};
use crate::model::PersonKind;

/// The largest page the service serves.
const PAGE: u32 = MAX_MESSAGE_PAGE as u32;

pub async fn threads(session: &Session, out: &mut Out) -> Result<(), ChatError> {
    let threads = session.chat.list_threads(Some(PAGE), None).await?;
    if out.json() {
        out.document(&json::Threads {
            threads: threads.iter().map(json::Thread::from).collect(),
        })?;
        return Ok(());
    }
    if threads.is_empty() {
        out.line("You are in no threads.")?;
        return Ok(());
    }
    let mut table = Table::new(&["ID", "TOPIC", "LAST MESSAGE"]);
    for t in &threads {
        let mut last = out.time(t.last_message_received_on.as_deref());
        if t.deleted_on.is_some() {
            last.push_str("  (deleted)");
        }
        table.row(vec![t.id.clone(), t.topic.clone(), last]);
    }
    for line in table.lines() {
        out.line(&line)?;
    }
    Ok(())
}

/// Up to `limit` of the newest messages, newest first, following `nextLink` as needed.
async fn newest(
    session: &Session,
    thread: &ThreadId,
    limit: u32,
    since: Option<OffsetDateTime>,
) -> Result<Vec<ChatMessage>, ClientError> {
    let mut messages = Vec::new();
    let mut next_link = None;
    let mut seen = HashSet::new();
    while messages.len() < limit as usize {
        let page = session
            .chat
            .list_messages(
                thread.as_str(),
                MessagesQuery {
                    max_page_size: Some((limit - messages.len() as u32).min(PAGE)),
                    start_time: since,
                    next_link: next_link.take(),
                },
            )
            .await?;
        messages.extend(page.value);
        match page.next_link {
            // A link handed out twice would page forever.
            Some(link) if seen.insert(link.clone()) => next_link = Some(link),
            _ => break,
        }
    }
    messages.truncate(limit as usize);
    Ok(messages)
}

/// Messages as rows, oldest first, as a chat reads.
fn print_rows(out: &mut Out, newest_first: &[ChatMessage]) -> Result<(), ChatError> {
    for m in newest_first.iter().rev() {
        let time = out.time(Some(&m.created_on));
        for line in listed_message(m, &time) {
            out.line(&line)?;
        }
    }
    Ok(())
}

pub async fn messages(
    session: &Session,
    out: &mut Out,
    thread: &ThreadId,
    limit: u32,
    since: Option<OffsetDateTime>,
) -> Result<(), ChatError> {
    let messages = newest(session, thread, limit, since).await?;
    if out.json() {
        out.document(&json::Messages {
            messages: messages.iter().map(json::Message::from).collect(),
        })?;
    } else if messages.is_empty() {
        out.line("No messages.")?;
    } else {
        print_rows(out, &messages)?;
    }
    Ok(())
}

/// Every message, newest first, each page printed (and flushed) before the next is fetched: the
/// thread is never held whole.
pub async fn all_messages(
    session: &Session,
    out: &mut Out,
    thread: &ThreadId,
    since: Option<OffsetDateTime>,
) -> Result<(), ChatError> {
    let mut next_link = None;
    let mut seen = HashSet::new();
    loop {
        let page = session
            .chat
            .list_messages(
                thread.as_str(),
                MessagesQuery {
                    max_page_size: Some(PAGE),
                    start_time: since,
                    next_link: next_link.take(),
                },
            )
            .await?;
        for m in &page.value {
            if out.json() {
                out.record(&json::Message::from(m))?;
            } else {
                let time = out.time(Some(&m.created_on));
                for line in listed_message(m, &time) {
                    out.line(&line)?;
                }
            }
        }
        out.flush()?;
        match page.next_link {
            Some(link) if seen.insert(link.clone()) => next_link = Some(link),
            Some(link) => {
                return Err(ClientError::Decode(format!(
                    "the service repeated the nextLink '{link}'"
                ))
                .into());
            }
            None => return Ok(()),
        }
    }
}

/// Names by raw id, for receipts.
fn names(participants: &[ChatParticipant]) -> HashMap<String, String> {
    participants
        .iter()
        .filter_map(|p| {
            let id = json::raw_id(&p.communication_identifier)?;
            let name = p.display_name.clone().filter(|n| !n.is_empty())?;
            Some((id, name))
        })
        .collect()
}

fn participant_table(participants: &[ChatParticipant]) -> Table {
    let mut table = Table::new(&["NAME", "KIND", "ID"]);
    for p in participants {
        let id = json::raw_id(&p.communication_identifier).unwrap_or_else(|| "?".into());
        table.row(vec![
            p.display_name.clone().unwrap_or_default(),
            PersonKind::of(&id).label().to_string(),
            id,
        ]);
    }
    table
}

fn receipt_table(
    out: &Out,
    receipts: &[crate::acs::chat::ChatMessageReadReceipt],
    names: &HashMap<String, String>,
) -> Table {
    let mut table = Table::new(&["READER", "MESSAGE", "READ AT", "ID"]);
    for r in receipts {
        let id = json::raw_id(&r.sender_communication_identifier).unwrap_or_else(|| "?".into());
        table.row(vec![
            names.get(&id).cloned().unwrap_or_else(|| "-".into()),
            r.chat_message_id.clone(),
            out.time(Some(&r.read_on)),
            id,
        ]);
    }
    table
}

fn print_table(out: &mut Out, table: &Table, empty: &str) -> Result<(), ChatError> {
    if table.is_empty() {
        out.line(empty)?;
    } else {
        for line in table.lines() {
            out.line(&line)?;
        }
    }
    Ok(())
}

pub async fn participants(
    session: &Session,
    out: &mut Out,
    thread: &ThreadId,
) -> Result<(), ChatError> {
    let participants = session.chat.list_participants(thread.as_str()).await?;
    if out.json() {
        out.document(&json::Participants {
            participants: participants.iter().map(json::Participant::from).collect(),
        })?;
        return Ok(());
    }
    print_table(out, &participant_table(&participants), "No participants.")
}

pub async fn receipts(
    session: &Session,
    out: &mut Out,
    thread: &ThreadId,
) -> Result<(), ChatError> {
    let (receipts, participants) = tokio::join!(
        session.chat.list_read_receipts(thread.as_str()),
        session.chat.list_participants(thread.as_str())
    );
    let receipts = receipts?;
    if out.json() {
        out.document(&json::Receipts {
            read_receipts: receipts.iter().map(json::Receipt::from).collect(),
        })?;
        return Ok(());
    }
    let names = names(&participants.unwrap_or_default());
    let table = receipt_table(out, &receipts, &names);
    print_table(out, &table, "No read receipts.")
}

pub async fn show(
    session: &Session,
    out: &mut Out,
    thread: &ThreadId,
    newest_n: u32,
) -> Result<(), ChatError> {
    let chat = &session.chat;
    let (properties, participants, receipts, messages) = tokio::join!(
        chat.get_thread(thread.as_str()),
        chat.list_participants(thread.as_str()),
        chat.list_read_receipts(thread.as_str()),
        async {
            if newest_n == 0 {
                Ok(Vec::new())
            } else {
                newest(session, thread, newest_n, None).await
            }
        }
    );
    let (properties, participants, receipts, messages) =
        (properties?, participants?, receipts?, messages?);
    if out.json() {
        out.document(&json::Show {
            thread: (&properties).into(),
            participants: participants.iter().map(json::Participant::from).collect(),
            read_receipts: receipts.iter().map(json::Receipt::from).collect(),
            messages: messages.iter().map(json::Message::from).collect(),
        })?;
        return Ok(());
    }
    let mut about = Table::new(&["Thread", &properties.id]);
    about.row(vec!["Topic".into(), properties.topic.clone()]);
    let creator =
        json::raw_id(&properties.created_by_communication_identifier).unwrap_or_else(|| "?".into());
    about.row(vec![
        "Created".into(),
        format!("{} by {creator}", out.time(Some(&properties.created_on))),
    ]);
    if let Some(deleted) = &properties.deleted_on {
        about.row(vec!["Deleted".into(), out.time(Some(deleted))]);
    }
    if let Some(metadata) = properties.metadata.as_ref().filter(|m| !m.is_empty()) {
        let pairs: Vec<String> = metadata.iter().map(|(k, v)| format!("{k}={v}")).collect();
        about.row(vec!["Metadata".into(), pairs.join(", ")]);
    }
    for line in about.lines() {
        out.line(&crate::text::sanitize_line(&line))?;
    }
    out.line("")?;
    out.line(&format!("Participants ({})", participants.len()))?;
    print_table(out, &participant_table(&participants), "No participants.")?;
    out.line("")?;
    out.line("Read receipts")?;
    let names = names(&participants);
    print_table(
        out,
        &receipt_table(out, &receipts, &names),
        "No read receipts.",
    )?;
    out.line("")?;
    out.line("Newest messages")?;
    if messages.is_empty() {
        out.line("No messages.")?;
    }
    print_rows(out, &messages)
}
