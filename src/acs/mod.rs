//! The ACS wire model shared by the emulator and the client: serde types and pure helpers only.

pub mod api_version;
pub mod call_events;
pub mod callback_token;
pub mod calling;
pub mod chat;
pub mod connection_string;
pub mod error;
pub mod events;
pub mod hmac;
pub mod identifier;
pub mod identifier_model;
pub mod identity;
pub mod thread_id;
pub mod time;
pub mod token;

pub use error::{CommunicationError, CommunicationErrorResponse};
pub use identifier::{CloudEnvironment, CommunicationIdentifier, IdentifierKind, RawId};
