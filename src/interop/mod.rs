//! Teams interop: the seed document's rules for chat and calls between ACS users and Teams users.
//!
//! - [`model`]: the tenant facts in the Teams PowerShell module's JSON shapes (admin exports and the
//!   emulator's admin API alike).
//! - [`rules`]: the pure rule ([`evaluate`]) and the seed's 16-row table, with reasons and [`fixes`].
//! - [`limits`]: the seed's limits and known issues as data, and one-line explanations for the console.
//! - [`doctor`]: reads the exports and reports the verdict with the PowerShell that fixes it.

pub mod doctor;
pub mod fixes;
pub mod limits;
pub mod model;
pub mod rules;

pub use fixes::Fix;
pub use limits::{
    ACS_TO_TEAMS_LIMITS, Limit, explain_refusal_code, explain_refused_call,
    explain_refused_participant,
};
pub use model::{
    CoexistenceMode, ExternalAccessPolicy, FederationConfiguration, ModelError, TeamsUser,
};
pub use rules::{Assigned, Facts, Reason, Verdict, evaluate, table};
