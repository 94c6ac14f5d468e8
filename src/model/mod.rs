//! The vocabulary the backend and the console exchange: owned data, made safe at the edge.
//!
//! - [`chat`]: threads, messages, participants, receipts, delivery states.
//! - [`call`]: calls as the console shows them.

pub mod call;
pub mod chat;
pub mod thread_state;

pub use chat::*;
