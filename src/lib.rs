//! acs-interop: a terminal console and a local emulator for Azure Communication Services
//! chat and calling with Microsoft Teams users.

pub mod acs;
pub mod app;
pub mod backend;
pub mod client;
pub mod commands;
pub mod config;
pub mod emulator;
pub mod ids;
pub mod inspect;
pub mod interop;
pub mod model;
pub mod replay;
pub mod text;
pub mod ui;

/// Makes ring the process's rustls crypto provider, which reqwest and the TLS listener use.
/// Safe to call more than once.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
