//! `acs-interop faults` and the fault spec's help, shared by `--faults`.

use clap::{Args, Subcommand};

/// The fault spec's grammar, for `--faults` and `acs-interop faults set`.
pub const FAULT_SPEC_HELP: &str = "\
SPEC is a comma-separated list of [CLASS.]FAULT=VALUE items, and seed=N:
  429=P%  500=P%  503=P%   answer that share of requests with that status (ACS error shape)
  reset=P%                 cut the connection without an answer (half of them after the
                           request was carried out, as a real network may)
  retry-after=Ns           the Retry-After of the injected 429s and 503s (1s by default)
  latency=Dms[~Jms]        add D ms to every request, give or take up to J ms
  realtime.drop=Ns         cut every realtime socket every N s
  seed=N                   the same spec and seed make the same choices (else a fresh seed,
                           reported by `acs-interop faults`)
CLASS is identity, chat-writes, chat-reads, realtime, calling or all (the default).
'off' turns every fault off. Injected answers carry the header x-ms-emulator-fault, and the
emulator logs each one.

Example: 503=10%,429=5%,latency=200ms~100ms,realtime.drop=10s,seed=7";

#[derive(Debug, Clone, Args)]
#[command(after_help = FAULT_SPEC_HELP)]
pub struct FaultsArgs {
    #[command(subcommand)]
    pub action: Option<FaultsCommand>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum FaultsCommand {
    /// The faults in force, their seed, and how many of each were injected (the default).
    Show,
    /// Put the faults of SPEC in force, in place of the current ones (the counts start again).
    #[command(after_help = FAULT_SPEC_HELP)]
    Set {
        /// Such as 503=10%,429=5%,latency=200ms~100ms,realtime.drop=10s,seed=7.
        #[arg(value_parser = parse_fault_spec)]
        spec: String,
    },
    /// No more faults.
    Clear,
}

/// Checks a spec on this side, so that a mistake is shown before anything is sent.
pub fn parse_fault_spec(text: &str) -> Result<String, String> {
    acs_interop::emulator::faults::FaultSpec::parse(text).map(|_| text.to_string())
}
