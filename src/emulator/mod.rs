//! The embedded ACS emulator.
