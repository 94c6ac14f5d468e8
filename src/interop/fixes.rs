//! The exact PowerShell (MicrosoftTeams module) a Teams admin runs to remove each reason interop is off.

use serde::Serialize;

use super::model::{ExternalAccessPolicy, TeamsUser};
use super::rules::Reason;

/// One thing an admin can do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// What the command does and for whom, in plain words.
    pub explanation: String,
    /// One PowerShell command line, ready to paste.
    pub powershell: String,
    /// True when this fix is another way to do what the previous fix does, not a further step.
    pub alternative: bool,
}

impl Fix {
    fn step(explanation: String, powershell: String) -> Fix {
        Fix {
            explanation,
            powershell,
            alternative: false,
        }
    }
}

/// The fixes for `reasons`, in their order. A policy that blocks the user gets two fixes when another
/// policy already allows ACS federation: granting that policy to the user only (first), or changing the
/// blocking policy for everyone who has it (the alternative).
pub fn fixes_for(
    reasons: &[Reason],
    policies: &[ExternalAccessPolicy],
    user: &TeamsUser,
    resource_id: &str,
) -> Vec<Fix> {
    let upn = user.user_principal_name.as_str();
    let mut fixes = Vec::new();

    let off = reasons.contains(&Reason::FederationOff);
    let not_allowed = reasons
        .iter()
        .any(|r| matches!(r, Reason::ResourceNotAllowed { .. }));
    let add = format!("@{{Add={}}}", single_quoted(resource_id.trim()));
    match (off, not_allowed) {
        (true, true) => fixes.push(Fix::step(
            format!("turn on ACS federation for the tenant and allow the resource {}", resource_id.trim()),
            format!("Set-CsTeamsAcsFederationConfiguration -EnableAcsUsers $True -AllowedAcsResources {add}"),
        )),
        (true, false) => fixes.push(Fix::step(
            "turn on ACS federation for the tenant".to_string(),
            "Set-CsTeamsAcsFederationConfiguration -EnableAcsUsers $True".to_string(),
        )),
        (false, true) => fixes.push(Fix::step(
            format!("add the resource {} to the tenant's allowed ACS resources", resource_id.trim()),
            format!("Set-CsTeamsAcsFederationConfiguration -AllowedAcsResources {add}"),
        )),
        (false, false) => {}
    }

    for reason in reasons {
        match reason {
            Reason::PolicyDenies { policy, .. } | Reason::PolicyMissing { policy, .. } => {
                let missing = matches!(reason, Reason::PolicyMissing { .. });
                policy_fixes(&mut fixes, policy, missing, policies, upn);
            }
            Reason::NotTeamsOnly { .. } => fixes.push(Fix::step(
                format!("for calls, move {upn} to TeamsOnly mode"),
                format!(
                    "Grant-CsTeamsUpgradePolicy -Identity {} -PolicyName UpgradeToTeams",
                    ps_arg(upn)
                ),
            )),
            Reason::FederationOff | Reason::ResourceNotAllowed { .. } => {}
        }
    }
    fixes
}

fn policy_fixes(
    fixes: &mut Vec<Fix>,
    policy: &str,
    missing: bool,
    policies: &[ExternalAccessPolicy],
    upn: &str,
) {
    let assigned_is_global = policy == "Global";
    let global_allows = policies
        .iter()
        .any(|p| p.is_global() && p.enable_acs_federation_access);
    // A policy that already allows ACS federation, to grant to this user alone.
    let grant = if !assigned_is_global && global_allows {
        Some(("$null".to_string(), "the Global policy".to_string()))
    } else {
        policies
            .iter()
            .find(|p| !p.is_global() && p.enable_acs_federation_access && !p.is_named(policy))
            .map(|p| {
                (
                    ps_arg(p.name()),
                    format!("the policy {}", p.canonical_identity()),
                )
            })
    };
    let start = fixes.len();
    if let Some((name, label)) = grant {
        fixes.push(Fix::step(
            format!("give {upn} alone {label}, which allows ACS federation"),
            format!(
                "Grant-CsExternalAccessPolicy -Identity {} -PolicyName {name}",
                ps_arg(upn)
            ),
        ));
    }
    let change = if assigned_is_global {
        Fix::step(
            "allow ACS federation in the Global policy (every user without a custom policy)"
                .to_string(),
            "Set-CsExternalAccessPolicy -Identity Global -EnableAcsFederationAccess $true"
                .to_string(),
        )
    } else if missing {
        let name = super::model::policy_name(policy);
        Fix::step(
            format!("create the policy {policy} that {upn} is granted, allowing ACS federation"),
            format!(
                "New-CsExternalAccessPolicy -Identity {} -EnableAcsFederationAccess $true",
                ps_arg(name)
            ),
        )
    } else {
        Fix::step(
            format!("allow ACS federation in the policy {policy} (every user granted it)"),
            format!(
                "Set-CsExternalAccessPolicy -Identity {} -EnableAcsFederationAccess $true",
                ps_arg(policy)
            ),
        )
    };
    fixes.push(Fix {
        alternative: fixes.len() > start,
        ..change
    });
}

/// A PowerShell argument: bare when it is plainly safe (UPNs, policy names), single-quoted otherwise.
pub fn ps_arg(s: &str) -> String {
    let bare = !s.is_empty()
        && !s.starts_with(['-', '@', '$'])
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "@._-:".contains(c));
    if bare {
        s.to_string()
    } else {
        single_quoted(s)
    }
}

/// A PowerShell single-quoted string; PowerShell also ends such strings at typographic single quotes.
pub fn single_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interop::model::{CoexistenceMode, FederationConfiguration};
    use crate::interop::rules::evaluate;

    #[test]
    fn plain_names_stay_bare_and_anything_else_is_single_quoted() {
        assert_eq!(ps_arg("megan@contoso.com"), "megan@contoso.com");
        assert_eq!(ps_arg("Tag:NoAcs"), "Tag:NoAcs");
        assert_eq!(ps_arg("No Acs"), "'No Acs'");
        assert_eq!(ps_arg("o'brien@contoso.com"), "'o''brien@contoso.com'");
        assert_eq!(ps_arg("o\u{2019}brien"), "'o\u{2019}\u{2019}brien'");
        assert_eq!(ps_arg("$(Remove-Item x)"), "'$(Remove-Item x)'");
        assert_eq!(ps_arg("-Force"), "'-Force'");
        assert_eq!(ps_arg(""), "''");
    }

    #[test]
    fn odd_upns_and_resource_ids_are_quoted_in_the_fixes() {
        let config = FederationConfiguration {
            enable_acs_users: true,
            allowed_acs_resources: vec![],
        };
        let policies = [ExternalAccessPolicy {
            identity: "Global".into(),
            enable_acs_federation_access: true,
        }];
        let user = TeamsUser {
            object_id: "oid".into(),
            user_principal_name: "o'brien@contoso.com".into(),
            display_name: String::new(),
            external_access_policy: None,
            teams_upgrade_effective_mode: CoexistenceMode::Islands,
        };
        let lines: Vec<_> = evaluate(&config, &policies, &user, "it's")
            .fixes
            .into_iter()
            .map(|f| f.powershell)
            .collect();
        assert_eq!(
            lines,
            vec![
                "Set-CsTeamsAcsFederationConfiguration -AllowedAcsResources @{Add='it''s'}",
                "Grant-CsTeamsUpgradePolicy -Identity 'o''brien@contoso.com' -PolicyName UpgradeToTeams",
            ]
        );
    }
}
