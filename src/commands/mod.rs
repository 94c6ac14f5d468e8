//! Headless commands for scripts: `acs-interop chat ...`, `teams ...`, `doctor ...` and `call ...`.

pub mod call;
pub mod chat;
pub mod doctor;
pub mod endpoint;
pub mod teams;
