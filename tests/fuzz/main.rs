//! Property-based fuzzing of the parsers that read other people's input: message HTML to the
//! lines the terminal shows, realtime frames, and identifiers.
//!
//! `cargo test` runs a few thousand cases per property. For a long run set `ACS_FUZZ_CASES`,
//! the number of cases for every property: `ACS_FUZZ_CASES=1000000 cargo test --release --test fuzz`.

mod frames;
mod html;
mod identifiers;

use proptest::prelude::*;
use proptest::test_runner::Config;

/// `default` cases per property, or `ACS_FUZZ_CASES` when it is set.
fn cases(default: u32) -> Config {
    let cases = std::env::var("ACS_FUZZ_CASES")
        .ok()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(default);
    Config {
        cases,
        // A long run reports its failure and the shrunk case; it does not write regression files.
        failure_persistence: None,
        ..Config::default()
    }
}

/// Short strings of any chars, controls and astral planes included.
fn any_text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..max).prop_map(String::from_iter)
}
