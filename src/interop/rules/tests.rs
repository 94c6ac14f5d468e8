use proptest::prelude::*;

use super::*;
use crate::interop::model::CoexistenceMode;

const RES: &str = "1e0f6a2c-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
const UPN: &str = "megan@contoso.com";

fn config(enable: bool, allowed: bool) -> FederationConfiguration {
    FederationConfiguration {
        enable_acs_users: enable,
        allowed_acs_resources: if allowed {
            vec![RES.to_string()]
        } else {
            vec!["other-resource".to_string()]
        },
    }
}

fn policy(identity: &str, access: bool) -> ExternalAccessPolicy {
    ExternalAccessPolicy {
        identity: identity.to_string(),
        enable_acs_federation_access: access,
    }
}

fn user(granted: Option<&str>, mode: CoexistenceMode) -> TeamsUser {
    TeamsUser {
        object_id: "5f1c8a9e-2b3d-4c5e-9f60-7a8b9c0d1e2f".into(),
        user_principal_name: UPN.into(),
        display_name: "Megan Bowen".into(),
        external_access_policy: granted.map(String::from),
        teams_upgrade_effective_mode: mode,
    }
}

fn powershell(v: &Verdict) -> Vec<&str> {
    v.fixes.iter().map(|f| f.powershell.as_str()).collect()
}

#[test]
fn table_reproduces_the_seed_table_order_and_outcomes() {
    let rows = table();
    for (i, row) in rows.iter().enumerate() {
        let (tenant, global, custom, assigned, interop) = *row;
        assert_eq!(
            usize::from(row_of(tenant, global, custom, assigned)),
            i + 1,
            "row {}",
            i + 1
        );
        let expected = tenant
            && if assigned == Assigned::Global {
                global
            } else {
                custom
            };
        assert_eq!(interop, expected, "row {}", i + 1);
    }
    let enabled: Vec<usize> = (1..=16).filter(|r| rows[r - 1].4).collect();
    assert_eq!(
        enabled,
        vec![1, 2, 3, 6],
        "the seed enables exactly rows 1, 2, 3 and 6"
    );
}

/// Every row of the seed table, with the tenant configuration off both ways it can be off.
#[test]
fn evaluate_agrees_with_every_row_of_the_seed_table() {
    for (i, (tenant, global, custom, assigned, interop)) in table().into_iter().enumerate() {
        let row = i + 1;
        let tenant_variants: &[(bool, bool)] = if tenant {
            &[(true, true)]
        } else {
            &[(false, true), (true, false), (false, false)]
        };
        for &(enable, allowed) in tenant_variants {
            let policies = [policy("Global", global), policy("Tag:Custom", custom)];
            let granted = (assigned == Assigned::Custom).then_some("Custom");
            let v = evaluate(
                &config(enable, allowed),
                &policies,
                &user(granted, CoexistenceMode::TeamsOnly),
                RES,
            );
            let case = format!("row {row} (EnableAcsUsers {enable}, resource allowed {allowed})");
            assert_eq!(v.table_row as usize, row, "{case}");
            assert_eq!(v.chat_enabled, interop, "{case}");
            assert_eq!(
                v.calls_enabled, interop,
                "{case}: TeamsOnly, so calls follow chat"
            );
            assert_eq!(v.row(), table()[i], "{case}");
            assert_eq!(v.reasons.is_empty(), interop, "{case}: {:?}", v.reasons);
            assert_eq!(v.fixes.is_empty(), interop, "{case}");
        }
    }
}

#[test]
fn the_custom_column_for_a_global_user_is_the_first_custom_policy_or_false() {
    let u = user(None, CoexistenceMode::TeamsOnly);
    let on = config(true, true);
    let v = evaluate(
        &on,
        &[
            policy("Global", true),
            policy("Tag:A", false),
            policy("Tag:B", true),
        ],
        &u,
        RES,
    );
    assert_eq!(v.table_row, 3);
    let v = evaluate(
        &on,
        &[policy("Global", true), policy("Tag:B", true)],
        &u,
        RES,
    );
    assert_eq!(v.table_row, 1);
    let v = evaluate(&on, &[policy("Global", false)], &u, RES);
    assert_eq!(v.table_row, 7);
}

#[test]
fn granted_policy_names_match_with_or_without_tag_in_any_case() {
    let policies = [policy("Global", false), policy("Tag:AllowAcs", true)];
    for granted in ["AllowAcs", "Tag:AllowAcs", "tag:allowacs", "ALLOWACS"] {
        let v = evaluate(
            &config(true, true),
            &policies,
            &user(Some(granted), CoexistenceMode::TeamsOnly),
            RES,
        );
        assert!(v.chat_enabled, "{granted}");
        assert_eq!(v.assigned_policy, "Tag:AllowAcs");
        assert_eq!(v.table_row, 6);
    }
    // A policy exported (or built by the emulator) without its Tag: prefix is the same policy.
    let bare = [policy("Global", false), policy("AllowAcs", true)];
    let v = evaluate(
        &config(true, true),
        &bare,
        &user(Some("Tag:AllowAcs"), CoexistenceMode::TeamsOnly),
        RES,
    );
    assert!(v.chat_enabled);
    assert_eq!(v.assigned_policy, "Tag:AllowAcs");
}

#[test]
fn a_granted_policy_that_does_not_exist_disables_chat_and_says_so() {
    let policies = [policy("Global", true), policy("Tag:NoAcs", false)];
    let v = evaluate(
        &config(true, true),
        &policies,
        &user(Some("Gone"), CoexistenceMode::TeamsOnly),
        RES,
    );
    assert!(!v.chat_enabled && !v.calls_enabled);
    assert_eq!(v.table_row, 4, "custom counts as False");
    assert!(!v.facts.assigned_policy_exists);
    assert_eq!(
        v.reasons,
        vec![Reason::PolicyMissing {
            policy: "Tag:Gone".into(),
            upn: UPN.into()
        }]
    );
    assert_eq!(
        v.reasons[0].to_string(),
        "the user megan@contoso.com is granted policy Tag:Gone which does not exist"
    );
    assert_eq!(
        powershell(&v),
        vec![
            "Grant-CsExternalAccessPolicy -Identity megan@contoso.com -PolicyName $null",
            "New-CsExternalAccessPolicy -Identity Gone -EnableAcsFederationAccess $true",
        ]
    );
    assert!(v.fixes[1].alternative);
}

#[test]
fn calls_need_teams_only_but_chat_does_not() {
    let policies = [policy("Global", true)];
    for mode in [
        "Islands",
        "SfBOnly",
        "SfBWithTeamsCollab",
        "SfBWithTeamsCollabAndMeetings",
        "Legacy",
    ] {
        let v = evaluate(
            &config(true, true),
            &policies,
            &user(None, CoexistenceMode::parse(mode)),
            RES,
        );
        assert!(v.chat_enabled && !v.calls_enabled, "{mode}");
        assert_eq!(v.table_row, 3);
        assert_eq!(
            v.reasons,
            vec![Reason::NotTeamsOnly {
                upn: UPN.into(),
                mode: mode.into()
            }]
        );
        assert!(!v.reasons[0].blocks_chat());
        assert_eq!(
            powershell(&v),
            vec![
                "Grant-CsTeamsUpgradePolicy -Identity megan@contoso.com -PolicyName UpgradeToTeams"
            ]
        );
    }
    let v = evaluate(
        &config(true, true),
        &policies,
        &user(None, CoexistenceMode::Islands),
        RES,
    );
    assert_eq!(
        v.reasons[0].to_string(),
        "megan@contoso.com is in Islands mode; calls need TeamsOnly"
    );
}

#[test]
fn tenant_reasons_and_fixes_for_each_way_the_configuration_is_off() {
    let policies = [policy("Global", true)];
    let u = user(None, CoexistenceMode::TeamsOnly);

    let v = evaluate(&config(false, true), &policies, &u, RES);
    assert_eq!(v.reasons, vec![Reason::FederationOff]);
    assert_eq!(
        v.reasons[0].to_string(),
        "the tenant's ACS federation is off (EnableAcsUsers is False)"
    );
    assert_eq!(
        powershell(&v),
        vec!["Set-CsTeamsAcsFederationConfiguration -EnableAcsUsers $True"]
    );

    let v = evaluate(&config(true, false), &policies, &u, RES);
    assert_eq!(
        v.reasons[0].to_string(),
        format!("resource {RES} is not in AllowedAcsResources")
    );
    assert_eq!(
        powershell(&v),
        vec![format!(
            "Set-CsTeamsAcsFederationConfiguration -AllowedAcsResources @{{Add='{RES}'}}"
        )]
    );

    let v = evaluate(&config(false, false), &policies, &u, RES);
    assert_eq!(v.reasons.len(), 2);
    assert_eq!(
        powershell(&v),
        vec![format!(
            "Set-CsTeamsAcsFederationConfiguration -EnableAcsUsers $True -AllowedAcsResources @{{Add='{RES}'}}"
        )]
    );
}

#[test]
fn a_denying_global_policy_offers_granting_an_allowing_custom_one_first() {
    let u = user(None, CoexistenceMode::TeamsOnly);
    let v = evaluate(
        &config(true, true),
        &[policy("Global", false), policy("Tag:AllowAcs", true)],
        &u,
        RES,
    );
    assert_eq!(v.table_row, 5);
    assert_eq!(
        v.reasons[0].to_string(),
        "the Global policy, which applies to megan@contoso.com (no custom policy granted), has EnableAcsFederationAccess False"
    );
    assert_eq!(
        powershell(&v),
        vec![
            "Grant-CsExternalAccessPolicy -Identity megan@contoso.com -PolicyName AllowAcs",
            "Set-CsExternalAccessPolicy -Identity Global -EnableAcsFederationAccess $true",
        ]
    );
    assert_eq!(
        v.fixes.iter().map(|f| f.alternative).collect::<Vec<_>>(),
        vec![false, true]
    );

    let v = evaluate(
        &config(true, true),
        &[policy("Global", false), policy("Tag:NoAcs", false)],
        &u,
        RES,
    );
    assert_eq!(
        powershell(&v),
        vec!["Set-CsExternalAccessPolicy -Identity Global -EnableAcsFederationAccess $true"]
    );
    assert!(!v.fixes[0].alternative);
}

#[test]
fn a_denying_custom_policy_offers_going_back_to_global_or_changing_the_policy() {
    let u = user(Some("NoAcs"), CoexistenceMode::TeamsOnly);
    let v = evaluate(
        &config(true, true),
        &[policy("Global", true), policy("Tag:NoAcs", false)],
        &u,
        RES,
    );
    assert_eq!(v.table_row, 4);
    assert_eq!(
        v.reasons[0].to_string(),
        "the policy Tag:NoAcs granted to megan@contoso.com has EnableAcsFederationAccess False"
    );
    assert_eq!(
        powershell(&v),
        vec![
            "Grant-CsExternalAccessPolicy -Identity megan@contoso.com -PolicyName $null",
            "Set-CsExternalAccessPolicy -Identity Tag:NoAcs -EnableAcsFederationAccess $true",
        ]
    );

    let policies = [
        policy("Global", false),
        policy("Tag:NoAcs", false),
        policy("Tag:Partners", true),
    ];
    let v = evaluate(&config(true, true), &policies, &u, RES);
    assert_eq!(v.table_row, 8);
    assert_eq!(
        powershell(&v)[0],
        "Grant-CsExternalAccessPolicy -Identity megan@contoso.com -PolicyName Partners"
    );

    let v = evaluate(
        &config(true, true),
        &[policy("Global", false), policy("Tag:NoAcs", false)],
        &u,
        RES,
    );
    assert_eq!(
        powershell(&v),
        vec!["Set-CsExternalAccessPolicy -Identity Tag:NoAcs -EnableAcsFederationAccess $true"]
    );
}

#[test]
fn every_cause_at_once_lists_tenant_then_policy_then_mode() {
    let u = user(Some("NoAcs"), CoexistenceMode::SfBOnly);
    let v = evaluate(
        &config(false, false),
        &[policy("Global", false), policy("Tag:NoAcs", false)],
        &u,
        RES,
    );
    assert_eq!(v.table_row, 16);
    let codes: Vec<_> = v.reasons.iter().map(Reason::code).collect();
    assert_eq!(
        codes,
        vec![
            "federationOff",
            "resourceNotAllowed",
            "policyDenies",
            "notTeamsOnly"
        ]
    );
    assert_eq!(
        powershell(&v),
        vec![
            format!("Set-CsTeamsAcsFederationConfiguration -EnableAcsUsers $True -AllowedAcsResources @{{Add='{RES}'}}").as_str(),
            "Set-CsExternalAccessPolicy -Identity Tag:NoAcs -EnableAcsFederationAccess $true",
            "Grant-CsTeamsUpgradePolicy -Identity megan@contoso.com -PolicyName UpgradeToTeams",
        ]
    );
}

#[test]
fn a_missing_global_policy_counts_as_false() {
    let v = evaluate(
        &config(true, true),
        &[policy("Tag:X", true)],
        &user(None, CoexistenceMode::TeamsOnly),
        RES,
    );
    assert!(!v.chat_enabled);
    assert_eq!(v.table_row, 5);
    assert_eq!(v.reasons[0].code(), "policyMissing");
}

proptest! {
    /// Whatever the facts, the verdict is the outcome of the row it names.
    #[test]
    fn the_verdict_always_matches_the_row_it_names(
        enable in any::<bool>(), allowed in any::<bool>(),
        accesses in proptest::collection::vec(any::<bool>(), 0..4),
        has_global in any::<bool>(), global in any::<bool>(),
        granted in proptest::option::of(0usize..5), teams_only in any::<bool>(),
    ) {
        let mut policies: Vec<_> = accesses.iter().enumerate().map(|(i, a)| policy(&format!("Tag:P{i}"), *a)).collect();
        if has_global {
            policies.push(policy("Global", global));
        }
        let granted = granted.map(|i| format!("P{i}"));
        let mode = if teams_only { CoexistenceMode::TeamsOnly } else { CoexistenceMode::Islands };
        let v = evaluate(&config(enable, allowed), &policies, &user(granted.as_deref(), mode), RES);
        prop_assert!((1..=16).contains(&v.table_row));
        prop_assert_eq!(v.chat_enabled, v.row().4);
        prop_assert_eq!(v.calls_enabled, v.chat_enabled && teams_only);
        prop_assert_eq!(v.reasons.iter().any(Reason::blocks_chat), !v.chat_enabled);
    }
}
