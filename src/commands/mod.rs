//! Headless commands for scripts: `acs-interop teams ...` and `acs-interop doctor ...`.

pub mod doctor;
pub mod teams;
