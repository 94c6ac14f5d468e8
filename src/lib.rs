//! acs-interop: a terminal console and a local emulator for Azure Communication Services
//! chat and calling with Microsoft Teams users.

pub mod acs;
pub mod emulator;
