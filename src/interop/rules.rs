//! The seed's interop rule for one Teams user and one ACS resource, with the reasons and the fixes.
//!
//! Chat is enabled iff the tenant configuration is on (`EnableAcsUsers` and the resource's immutable id in
//! `AllowedAcsResources`) and the External Access Policy assigned to the user (the custom one granted, else
//! Global) has `EnableAcsFederationAccess` true. The seed's 16-row table is exactly this rule; [`table`]
//! reproduces it and the tests pin [`evaluate`] to every row. Calls additionally need `TeamsOnly` mode.
//!
//! Decisions where the seed is silent:
//! - A granted custom policy that does not exist grants nothing: chat is disabled with
//!   [`Reason::PolicyMissing`] (the service does not fall back to Global), and the row uses custom = False.
//! - The table needs a custom-policy value even when the user has Global: that is the first custom policy
//!   in the list, or False when there is none. It never changes the outcome of a Global row.
//! - A missing Global policy counts as False.

use std::fmt;

use serde::Serialize;

use super::fixes::{self, Fix};
use super::model::{ExternalAccessPolicy, FederationConfiguration, TeamsUser, canonical_identity};

/// Which policy the seed table's "Assigned policy" column names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Assigned {
    Global,
    Custom,
}

impl fmt::Display for Assigned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Assigned::Global => "Global",
            Assigned::Custom => "Custom",
        })
    }
}

/// One row of the seed table: tenant configuration, global policy, custom policy, assigned policy,
/// interoperability.
pub type TableRow = (bool, bool, bool, Assigned, bool);

/// The seed's table, row 1 first, in its order: tenant configuration (True first), then global policy,
/// then custom policy (True first), then assigned policy (Global first).
pub fn table() -> [TableRow; 16] {
    use Assigned::{Custom as C, Global as G};
    #[rustfmt::skip]
    let rows = [
        (true, true, true, G, true),
        (true, true, true, C, true),
        (true, true, false, G, true),
        (true, true, false, C, false),
        (true, false, true, G, false),
        (true, false, true, C, true),
        (true, false, false, G, false),
        (true, false, false, C, false),
        (false, true, true, G, false),
        (false, true, true, C, false),
        (false, true, false, G, false),
        (false, true, false, C, false),
        (false, false, true, G, false),
        (false, false, true, C, false),
        (false, false, false, G, false),
        (false, false, false, C, false),
    ];
    rows
}

/// The row (1..=16) of the seed table for these column values.
pub fn row_of(tenant: bool, global: bool, custom: bool, assigned: Assigned) -> u8 {
    1 + 8 * u8::from(!tenant)
        + 4 * u8::from(!global)
        + 2 * u8::from(!custom)
        + u8::from(assigned == Assigned::Custom)
}

/// The facts [`evaluate`] read, kept so a report can show them without the inputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Facts {
    /// `EnableAcsUsers`.
    pub enable_acs_users: bool,
    /// The resource id is in `AllowedAcsResources`.
    pub resource_allowed: bool,
    /// The table's "Tenant configuration" column: both of the above.
    pub tenant_configuration: bool,
    /// The table's "Global policy" column.
    pub global_policy: bool,
    /// The table's "Custom policy" column (see the module docs for users with Global).
    pub custom_policy: bool,
    pub assigned: Assigned,
    /// The assigned policy exists in the policy list.
    pub assigned_policy_exists: bool,
}

/// Why chat or calls with a Teams user are off. Displays as a plain sentence naming the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// `EnableAcsUsers` is false.
    FederationOff,
    /// The resource id is not in `AllowedAcsResources`.
    ResourceNotAllowed { resource_id: String },
    /// The policy assigned to the user has `EnableAcsFederationAccess` false.
    PolicyDenies { policy: String, upn: String },
    /// The user is granted a policy that is not in the list (or Global is missing from it).
    PolicyMissing { policy: String, upn: String },
    /// Calls only: the user is not in TeamsOnly mode.
    NotTeamsOnly { upn: String, mode: String },
}

impl Reason {
    /// A stable camelCase code for JSON output.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::FederationOff => "federationOff",
            Reason::ResourceNotAllowed { .. } => "resourceNotAllowed",
            Reason::PolicyDenies { .. } => "policyDenies",
            Reason::PolicyMissing { .. } => "policyMissing",
            Reason::NotTeamsOnly { .. } => "notTeamsOnly",
        }
    }

    /// Whether this reason blocks chat (and so calls); otherwise it blocks calls only.
    pub fn blocks_chat(&self) -> bool {
        !matches!(self, Reason::NotTeamsOnly { .. })
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::FederationOff => {
                f.write_str("the tenant's ACS federation is off (EnableAcsUsers is False)")
            }
            Reason::ResourceNotAllowed { resource_id } => {
                write!(f, "resource {resource_id} is not in AllowedAcsResources")
            }
            Reason::PolicyDenies { policy, upn } if policy == "Global" => write!(
                f,
                "the Global policy, which applies to {upn} (no custom policy granted), has EnableAcsFederationAccess False"
            ),
            Reason::PolicyDenies { policy, upn } => {
                write!(
                    f,
                    "the policy {policy} granted to {upn} has EnableAcsFederationAccess False"
                )
            }
            Reason::PolicyMissing { policy, upn } if policy == "Global" => {
                write!(
                    f,
                    "the Global policy, which applies to {upn}, is not in the policy list"
                )
            }
            Reason::PolicyMissing { policy, upn } => {
                write!(
                    f,
                    "the user {upn} is granted policy {policy} which does not exist"
                )
            }
            Reason::NotTeamsOnly { upn, mode } => {
                write!(f, "{upn} is in {mode} mode; calls need TeamsOnly")
            }
        }
    }
}

/// What the rules say about ACS users of one resource and one Teams user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// ACS users can chat with the Teams user.
    pub chat_enabled: bool,
    /// ACS users can also call the Teams user (chat enabled and TeamsOnly mode).
    pub calls_enabled: bool,
    /// The seed table's row (1..=16) that decided chat.
    pub table_row: u8,
    /// The policy that applies to the user: `Global` or `Tag:<name>`.
    pub assigned_policy: String,
    /// Everything that blocks chat or calls, tenant first, then policy, then mode. Empty when both are on.
    pub reasons: Vec<Reason>,
    /// The PowerShell that removes the reasons, in the same order.
    pub fixes: Vec<Fix>,
    pub facts: Facts,
}

impl Verdict {
    /// The seed table's row as column values.
    pub fn row(&self) -> TableRow {
        table()[usize::from(self.table_row.clamp(1, 16) - 1)]
    }
}

/// Applies the seed's rule. Pure: `policies` is the whole `Get-CsExternalAccessPolicy` list.
pub fn evaluate(
    config: &FederationConfiguration,
    policies: &[ExternalAccessPolicy],
    user: &TeamsUser,
    resource_id: &str,
) -> Verdict {
    let upn = user.user_principal_name.clone();
    let resource_allowed = config.allows(resource_id);
    let tenant_configuration = config.enable_acs_users && resource_allowed;

    let global = policies.iter().find(|p| p.is_global());
    let global_policy = global.is_some_and(|p| p.enable_acs_federation_access);
    let first_custom = policies.iter().find(|p| !p.is_global());

    let (assigned, assigned_policy, assigned_policy_exists, assigned_access) =
        match user.granted_policy() {
            None => (
                Assigned::Global,
                "Global".to_string(),
                global.is_some(),
                global_policy,
            ),
            Some(name) => match policies.iter().find(|p| !p.is_global() && p.is_named(name)) {
                Some(p) => (
                    Assigned::Custom,
                    p.canonical_identity(),
                    true,
                    p.enable_acs_federation_access,
                ),
                None => (Assigned::Custom, canonical_identity(name), false, false),
            },
        };
    let custom_policy = match assigned {
        Assigned::Custom => assigned_access,
        Assigned::Global => first_custom.is_some_and(|p| p.enable_acs_federation_access),
    };

    let mut reasons = Vec::new();
    if !config.enable_acs_users {
        reasons.push(Reason::FederationOff);
    }
    if !resource_allowed {
        reasons.push(Reason::ResourceNotAllowed {
            resource_id: resource_id.trim().to_string(),
        });
    }
    if !assigned_policy_exists {
        reasons.push(Reason::PolicyMissing {
            policy: assigned_policy.clone(),
            upn: upn.clone(),
        });
    } else if !assigned_access {
        reasons.push(Reason::PolicyDenies {
            policy: assigned_policy.clone(),
            upn: upn.clone(),
        });
    }
    let teams_only = user.teams_upgrade_effective_mode.is_teams_only();
    if !teams_only {
        reasons.push(Reason::NotTeamsOnly {
            upn: upn.clone(),
            mode: user.teams_upgrade_effective_mode.to_string(),
        });
    }

    let facts = Facts {
        enable_acs_users: config.enable_acs_users,
        resource_allowed,
        tenant_configuration,
        global_policy,
        custom_policy,
        assigned,
        assigned_policy_exists,
    };
    let chat_enabled = tenant_configuration && assigned_access;
    Verdict {
        chat_enabled,
        calls_enabled: chat_enabled && teams_only,
        table_row: row_of(tenant_configuration, global_policy, custom_policy, assigned),
        fixes: fixes::fixes_for(&reasons, policies, user, resource_id),
        assigned_policy,
        reasons,
        facts,
    }
}

#[cfg(test)]
mod tests;
