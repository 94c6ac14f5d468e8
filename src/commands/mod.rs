//! Headless commands for scripts: `acs-interop teams ...` and `acs-interop doctor ...`.

pub mod call;
pub mod doctor;
pub mod teams;
