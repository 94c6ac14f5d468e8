//! The chat API: threads, messages, participants, typing and read receipts.

mod messages;
mod participants;
mod threads;

use axum::Router;
use axum::routing::{get, post};

use super::EmulatorState;

pub fn routes() -> Router<EmulatorState> {
    Router::new()
        .route("/chat/threads", post(threads::create).get(threads::list))
        .route(
            "/chat/threads/{thread_id}",
            get(threads::get)
                .patch(threads::update)
                .delete(threads::delete),
        )
        .route(
            "/chat/threads/{thread_id}/messages",
            post(messages::send).get(messages::list),
        )
        .route(
            "/chat/threads/{thread_id}/messages/{message_id}",
            get(messages::get)
                .patch(messages::update)
                .delete(messages::delete),
        )
        .route(
            "/chat/threads/{thread_id}/participants",
            get(participants::list),
        )
        .route(
            "/chat/threads/{thread_id}/participants/{action}",
            post(participants::action),
        )
        .route(
            "/chat/threads/{thread_id}/typing",
            post(participants::typing),
        )
        .route(
            "/chat/threads/{thread_id}/readReceipts",
            post(participants::send_read_receipt).get(participants::list_read_receipts),
        )
}
