//! The vocabulary the backend and the console exchange: owned data, made safe at the edge.
//!
//! - [`chat`]: threads, messages, participants, receipts, delivery states.
//! - [`call`]: calls as the console shows them.
//! - [`identity`]: whose identity the console uses, and raw ids shortened for display.

pub mod call;
pub mod chat;
pub mod identity;
pub mod thread_state;

pub use chat::*;
pub use identity::{IdentityMode, short_id, tagged_short_id};
