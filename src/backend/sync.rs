//! Loading threads and messages over REST: the first load, opening a thread, paging back, polling.

use std::sync::Arc;

use super::Ctx;
use super::convert::{self, failure};
use crate::backend::BackendEvent;
use crate::client::{ClientError, MessagesQuery};
use crate::model::{PersonKind, ThreadSummary};

/// Messages per page when opening or paging back.
pub const PAGE: u32 = 50;
/// Messages per page when reaching far back: the most the service returns in one page.
pub const SEEK_PAGE: u32 = 200;
/// Threads summarised at once in the background.
const SUMMARIES_AT_ONCE: usize = 4;

/// Unread messages and a Teams badge for one thread: messages from others after my receipt.
async fn summarise(ctx: &Ctx, summary: &mut ThreadSummary) -> Result<(), ClientError> {
    let participants = ctx.chat.list_participants(&summary.id).await?;
    ctx.learn_my_name(&summary.id, &participants);
    summary.has_teams_users = participants
        .iter()
        .filter_map(convert::participant)
        .any(|p| p.kind == PersonKind::Teams);
    let receipts = ctx.chat.list_read_receipts(&summary.id).await?;
    let my_read: i64 = receipts
        .iter()
        .filter_map(convert::receipt)
        .filter(|r| r.reader == ctx.me)
        .filter_map(|r| r.message_id.parse().ok())
        .max()
        .unwrap_or(i64::MIN);
    let page = ctx
        .chat
        .list_messages(
            &summary.id,
            MessagesQuery {
                max_page_size: Some(PAGE),
                ..Default::default()
            },
        )
        .await?;
    let messages: Vec<_> = page.value.iter().map(convert::message).collect();
    summary.unread = messages
        .iter()
        .filter(|m| {
            !m.kind.is_system() && m.sender.as_deref() != Some(ctx.me.as_str()) && m.order > my_read
        })
        .count();
    if let Some(newest) = messages.iter().map(|m| m.created_ms).max() {
        summary.last_activity_ms = Some(summary.last_activity_ms.unwrap_or(0).max(newest));
    }
    Ok(())
}

/// The thread list, without the forgotten ones; unread counts come after, from `summarise_all`.
pub async fn load_threads(ctx: &Arc<Ctx>) -> Result<Vec<ThreadSummary>, ClientError> {
    let items = ctx.chat.list_threads(Some(100), None).await?;
    let forgotten = ctx.forgotten.all();
    Ok(items
        .iter()
        .map(convert::thread)
        .filter(|t| !forgotten.contains(&t.id))
        .collect())
}

/// Reports the thread list, then works out its counts in the background.
pub async fn report_threads(ctx: &Arc<Ctx>, threads: Vec<ThreadSummary>) {
    ctx.emit(BackendEvent::Threads(threads.clone())).await;
    let ctx = ctx.clone();
    tokio::spawn(async move { summarise_all(&ctx, &threads).await });
}

/// Works out every listed thread's unread count and Teams badge from what the service keeps (the
/// messages after the user's own read receipt, and the participants), newest threads first, and
/// reports each as it is known.
pub async fn summarise_all(ctx: &Arc<Ctx>, threads: &[ThreadSummary]) {
    use futures_util::StreamExt;
    let wanted: Vec<ThreadSummary> = threads.iter().filter(|t| !t.deleted).cloned().collect();
    futures_util::stream::iter(wanted)
        .for_each_concurrent(SUMMARIES_AT_ONCE, |mut summary| async move {
            match summarise(ctx, &mut summary).await {
                Ok(()) => {
                    ctx.emit(BackendEvent::ThreadCounts {
                        thread_id: summary.id.clone(),
                        unread: summary.unread,
                        has_teams_users: summary.has_teams_users,
                        last_activity_ms: summary.last_activity_ms,
                    })
                    .await
                }
                Err(e) => {
                    tracing::warn!(thread = %summary.id, error = %e, "cannot summarise a thread")
                }
            }
        })
        .await;
}

/// Where a thread's next older page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    /// The service's link to the page after the last one fetched; `None` when that was the oldest.
    Next(Option<String>),
    /// The console let go of the messages before this order: the next older page is found again by
    /// paging from the newest.
    Before(i64),
}

/// Fetches a page of older history and reports it, remembering where the next older page starts.
/// Returns whether it worked.
async fn page_back(ctx: &Arc<Ctx>, thread_id: &str, query: MessagesQuery, action: &str) -> bool {
    match ctx.chat.list_messages(thread_id, query).await {
        Ok(page) => {
            report_page(ctx, thread_id, page, i64::MAX).await;
            true
        }
        Err(e) => {
            page_failed(ctx, thread_id, action, &e).await;
            false
        }
    }
}

/// Reports the messages of `page` older than `before`, and remembers where the next older page starts.
async fn report_page(
    ctx: &Arc<Ctx>,
    thread_id: &str,
    page: crate::acs::chat::Page<crate::acs::chat::ChatMessage>,
    before: i64,
) {
    ctx.set_cursor(thread_id, Cursor::Next(page.next_link.clone()));
    ctx.emit(BackendEvent::Messages {
        thread_id: thread_id.to_string(),
        messages: page
            .value
            .iter()
            .map(convert::message)
            .filter(|m| m.order < before)
            .collect(),
        older_available: Some(page.next_link.is_some()),
    })
    .await;
}

async fn page_failed(ctx: &Arc<Ctx>, thread_id: &str, action: &str, e: &ClientError) {
    let (what, fix) = failure(action, e);
    ctx.emit(BackendEvent::Failure { what, fix }).await;
    ctx.emit(BackendEvent::PageFailed {
        thread_id: thread_id.to_string(),
    })
    .await;
}

/// The first page holding messages older than `before`, reached by paging from the newest in the
/// largest pages: the console dropped what lies between, so no link points there any more.
async fn page_before(ctx: &Arc<Ctx>, thread_id: &str, before: i64) {
    let mut query = MessagesQuery {
        max_page_size: Some(SEEK_PAGE),
        ..Default::default()
    };
    loop {
        let page = match ctx.chat.list_messages(thread_id, query).await {
            Ok(page) => page,
            Err(e) => return page_failed(ctx, thread_id, "load older messages", &e).await,
        };
        let reached = page
            .value
            .iter()
            .any(|m| convert::message(m).order < before);
        match page.next_link.clone() {
            Some(next_link) if !reached => {
                query = MessagesQuery {
                    next_link: Some(next_link),
                    max_page_size: Some(SEEK_PAGE),
                    ..Default::default()
                };
            }
            _ => return report_page(ctx, thread_id, page, before).await,
        }
    }
}

/// Newest page, participants and receipts of a thread.
pub async fn open_thread(ctx: &Arc<Ctx>, thread_id: &str) {
    let newest = MessagesQuery {
        max_page_size: Some(PAGE),
        ..Default::default()
    };
    if page_back(ctx, thread_id, newest, "load the thread's messages").await {
        refresh_participants(ctx, thread_id).await;
        refresh_receipts(ctx, thread_id).await;
    }
}

/// The page before the oldest loaded one, of up to `page_size` messages.
pub async fn load_older(ctx: &Arc<Ctx>, thread_id: &str, page_size: u32) {
    let next_link = match ctx.cursor(thread_id) {
        Cursor::Next(Some(next_link)) => next_link,
        Cursor::Before(order) => return page_before(ctx, thread_id, order).await,
        Cursor::Next(None) => {
            ctx.emit(BackendEvent::Messages {
                thread_id: thread_id.to_string(),
                messages: Vec::new(),
                older_available: Some(false),
            })
            .await;
            return;
        }
    };
    let query = MessagesQuery {
        next_link: Some(next_link),
        max_page_size: Some(page_size),
        ..Default::default()
    };
    page_back(ctx, thread_id, query, "load older messages").await;
}

/// The newest page again: system messages (joins, leaves, topic changes) have no realtime event of
/// their own, so they are fetched when the thread's participants or properties change.
pub async fn refresh_newest(ctx: &Arc<Ctx>, thread_id: &str) {
    let query = MessagesQuery {
        max_page_size: Some(PAGE),
        ..Default::default()
    };
    match ctx.chat.list_messages(thread_id, query).await {
        Ok(page) => {
            // Only the system messages: the others came as events, and a thread not read in a
            // while must not count its whole newest page as news.
            let system: Vec<_> = page
                .value
                .iter()
                .map(convert::message)
                .filter(|m| m.kind.is_system())
                .collect();
            if !system.is_empty() {
                ctx.emit(BackendEvent::Messages {
                    thread_id: thread_id.to_string(),
                    messages: system,
                    older_available: None,
                })
                .await
            }
        }
        Err(e) => {
            tracing::debug!(thread = %thread_id, error = %e, "cannot refresh the newest messages")
        }
    }
}

pub async fn refresh_participants(ctx: &Arc<Ctx>, thread_id: &str) {
    match ctx.chat.list_participants(thread_id).await {
        Ok(list) => {
            ctx.learn_my_name(thread_id, &list);
            ctx.emit(BackendEvent::Participants {
                thread_id: thread_id.to_string(),
                participants: list.iter().filter_map(convert::participant).collect(),
            })
            .await
        }
        Err(e) => tracing::warn!(thread = %thread_id, error = %e, "cannot list participants"),
    }
}

pub async fn refresh_receipts(ctx: &Arc<Ctx>, thread_id: &str) {
    match ctx.chat.list_read_receipts(thread_id).await {
        Ok(list) => {
            ctx.emit(BackendEvent::ReadReceipts {
                thread_id: thread_id.to_string(),
                receipts: list.iter().filter_map(convert::receipt).collect(),
            })
            .await
        }
        Err(e) => tracing::warn!(thread = %thread_id, error = %e, "cannot list read receipts"),
    }
}

/// One polling round against a service without a push channel: changed threads, news in the open
/// thread, and its receipts.
pub async fn poll(ctx: &Arc<Ctx>, open: Option<&str>, since: time::OffsetDateTime) {
    // A margin against clock skew; merging is idempotent.
    let start = since - time::Duration::seconds(30);
    match ctx.chat.list_threads(Some(100), Some(start)).await {
        Ok(items) => {
            for item in &items {
                ctx.emit(BackendEvent::ThreadChanged(convert::thread(item)))
                    .await;
                if Some(item.id.as_str()) != open {
                    news(ctx, &item.id, start).await;
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "polling threads failed"),
    }
    if let Some(thread_id) = open {
        news(ctx, thread_id, start).await;
        refresh_receipts(ctx, thread_id).await;
    }
}

async fn news(ctx: &Arc<Ctx>, thread_id: &str, start: time::OffsetDateTime) {
    let query = MessagesQuery {
        max_page_size: Some(200),
        start_time: Some(start),
        next_link: None,
    };
    match ctx.chat.list_messages(thread_id, query).await {
        Ok(page) if !page.value.is_empty() => {
            ctx.emit(BackendEvent::Messages {
                thread_id: thread_id.to_string(),
                messages: page.value.iter().map(convert::message).collect(),
                older_available: None,
            })
            .await
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(thread = %thread_id, error = %e, "polling messages failed"),
    }
}
