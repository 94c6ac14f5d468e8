//! The doctor's output: text for people, or a stable JSON object for scripts.
//!
//! JSON (version 1), keys in camelCase:
//! ```text
//! { "version": 1,
//!   "user": { "userPrincipalName", "objectId", "displayName", "externalAccessPolicy" (null = Global),
//!             "teamsUpgradeEffectiveMode" },
//!   "resourceId": string, "chatEnabled": bool, "callsEnabled": bool,
//!   "tableRow": 1..=16,
//!   "row": { "tenantConfiguration", "globalPolicy", "customPolicy": bool, "assignedPolicy": "Global"|"Custom",
//!            "interoperability": bool },
//!   "tenant": { "enableAcsUsers": bool, "resourceAllowed": bool },
//!   "assignedPolicy": "Global" | "Tag:<name>", "assignedPolicyExists": bool,
//!   "reasons": [ { "code", "message": string, "blocks": "chat"|"calls" } ],
//!   "fixes": [ { "explanation", "powershell": string, "alternative": bool } ] }
//! ```
//! Reason codes: `federationOff`, `resourceNotAllowed`, `policyDenies`, `policyMissing`, `notTeamsOnly`.

use std::fmt::Write as _;

use serde_json::json;

use super::DoctorError;
use crate::interop::model::TeamsUser;
use crate::interop::rules::{Assigned, Verdict};

/// Renders the verdict about `user` and ACS users of `resource_id`, as text or as JSON (documented above).
pub fn report(verdict: &Verdict, user: &TeamsUser, resource_id: &str, json: bool) -> String {
    if json {
        json_report(verdict, user, resource_id)
    } else {
        text_report(verdict, user, resource_id)
    }
}

/// Renders bad input the same way: `"error: <file>: <field> <message>"` or a JSON
/// `{"version": 1, "error": {"file", "field", "message", "text"}}`.
pub fn error_report(error: &DoctorError, json: bool) -> String {
    if json {
        let value = json!({
            "version": 1,
            "error": {"file": error.file, "field": error.field, "message": error.message, "text": error.to_string()},
        });
        crate::text::safe_json::to_string(&value, true)
    } else {
        format!("error: {error}")
    }
}

fn json_report(verdict: &Verdict, user: &TeamsUser, resource_id: &str) -> String {
    let (tenant, global, custom, assigned, interop) = verdict.row();
    let reasons: Vec<_> = verdict
        .reasons
        .iter()
        .map(|r| {
            json!({"code": r.code(), "message": r.to_string(), "blocks": if r.blocks_chat() { "chat" } else { "calls" }})
        })
        .collect();
    let value = json!({
        "version": 1,
        "user": {
            "userPrincipalName": user.user_principal_name,
            "objectId": user.object_id,
            "displayName": user.display_name,
            "externalAccessPolicy": user.granted_policy(),
            "teamsUpgradeEffectiveMode": user.teams_upgrade_effective_mode.as_str(),
        },
        "resourceId": resource_id.trim(),
        "chatEnabled": verdict.chat_enabled,
        "callsEnabled": verdict.calls_enabled,
        "tableRow": verdict.table_row,
        "row": {
            "tenantConfiguration": tenant,
            "globalPolicy": global,
            "customPolicy": custom,
            "assignedPolicy": assigned.to_string(),
            "interoperability": interop,
        },
        "tenant": {
            "enableAcsUsers": verdict.facts.enable_acs_users,
            "resourceAllowed": verdict.facts.resource_allowed,
        },
        "assignedPolicy": verdict.assigned_policy,
        "assignedPolicyExists": verdict.facts.assigned_policy_exists,
        "reasons": reasons,
        "fixes": verdict.fixes,
    });
    crate::text::safe_json::to_string(&value, true)
}

fn text_report(verdict: &Verdict, user: &TeamsUser, resource_id: &str) -> String {
    let upn = plain(&user.user_principal_name);
    let resource = plain(resource_id.trim());
    let facts = &verdict.facts;
    let (tenant, global, custom, assigned, interop) = verdict.row();
    let mut out = String::new();

    let who = match plain(&user.display_name) {
        name if name.is_empty() => upn.clone(),
        name => format!("{name} <{upn}>"),
    };
    let _ = writeln!(
        out,
        "Teams user:   {who} (object id {})",
        plain(&user.object_id)
    );
    let _ = writeln!(out, "ACS resource: {resource}");
    let _ = writeln!(out, "Chat:  {}", on_off(verdict.chat_enabled));
    let _ = writeln!(out, "Calls: {}", on_off(verdict.calls_enabled));
    let _ = writeln!(out);

    let _ = writeln!(
        out,
        "Decided by row {} of the seed table: tenant configuration {}, global policy {}, custom policy {}, \
         assigned policy {assigned} -> interoperability {}.",
        verdict.table_row,
        ps_bool(tenant),
        ps_bool(global),
        ps_bool(custom),
        if interop { "Enabled" } else { "Disabled" },
    );
    let allowlist = if facts.resource_allowed {
        "is in"
    } else {
        "is not in"
    };
    let _ = writeln!(
        out,
        "  Tenant configuration: EnableAcsUsers {}; resource {resource} {allowlist} AllowedAcsResources",
        ps_bool(facts.enable_acs_users),
    );
    let access = match assigned {
        Assigned::Global => global,
        Assigned::Custom => custom,
    };
    let policy_state = if facts.assigned_policy_exists {
        format!("EnableAcsFederationAccess {}", ps_bool(access))
    } else {
        "does not exist".to_string()
    };
    let _ = writeln!(
        out,
        "  Assigned policy:      {} ({policy_state})",
        plain(&verdict.assigned_policy)
    );
    let mode = &user.teams_upgrade_effective_mode;
    let mode_note = if mode.is_teams_only() {
        "calls possible"
    } else {
        "calls need TeamsOnly"
    };
    let _ = writeln!(
        out,
        "  Coexistence mode:     {} ({mode_note})",
        plain(mode.as_str())
    );

    if verdict.reasons.is_empty() {
        let _ = writeln!(
            out,
            "\nNothing to fix: ACS users of this resource can chat with and call {upn}."
        );
        return out;
    }
    let _ = writeln!(out, "\nWhy:");
    for reason in &verdict.reasons {
        let _ = writeln!(out, "  - {}", plain(&reason.to_string()));
    }
    let _ = writeln!(out, "\nTo fix, run:");
    for fix in &verdict.fixes {
        let lead = if fix.alternative { "or instead: " } else { "" };
        let _ = writeln!(out, "  # {lead}{}", plain(&fix.explanation));
        let _ = writeln!(out, "  {}", plain(&fix.powershell));
    }
    out
}

fn on_off(on: bool) -> &'static str {
    if on { "enabled" } else { "disabled" }
}

/// PowerShell's spelling of a boolean, as the seed table writes it.
fn ps_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// Text from an export through the sanitiser, so it cannot drive the terminal: control characters,
/// escape sequences, bidi overrides and line separators become visible placeholders.
fn plain(s: &str) -> String {
    crate::text::sanitize_line(s).into_owned()
}
