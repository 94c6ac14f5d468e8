//! The console: state, messages, the pure `update`, and the event loop that runs them.

pub mod call;
pub mod compliance;
pub mod inspector;
pub mod launch;
pub mod msg;
pub mod run;
pub mod seek;
pub mod state;
pub mod thread_state;
pub mod update;

pub use msg::{Effect, Msg};
pub use state::AppState;
pub use update::update;
