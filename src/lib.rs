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

/// The allocator of every binary built on this crate (the console, the emulator, the tests and the
/// benches alike). A busy realtime feed allocates a few dozen small strings per frame and keeps
/// thousands of messages and recorded frames alive at once; past glibc's small per-thread cache its
/// malloc took the slow path for most of them, a quarter of the console's time. Built without
/// transparent huge pages (`no_thp`), which would make resident memory grow in 2 MiB steps.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Makes ring the process's rustls crypto provider, which reqwest and the TLS listener use.
/// Safe to call more than once.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
