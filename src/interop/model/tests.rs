use serde_json::json;

use super::*;

fn user(value: Value) -> Result<TeamsUser, ModelError> {
    TeamsUser::from_value(&value)
}

fn base_user() -> Value {
    json!({
        "ExternalDirectoryObjectId": "5f1c8a9e-2b3d-4c5e-9f60-7a8b9c0d1e2f",
        "UserPrincipalName": "megan@contoso.com",
        "DisplayName": "Megan Bowen",
        "ExternalAccessPolicy": null,
        "TeamsUpgradeEffectiveMode": "TeamsOnly",
    })
}

fn with(mut value: Value, key: &str, v: Value) -> Value {
    value[key] = v;
    value
}

fn without(mut value: Value, key: &str) -> Value {
    value.as_object_mut().map(|o| o.remove(key));
    value
}

#[test]
fn federation_reads_array_single_string_null_and_wrapper_allowlists() {
    let read = |v: Value| FederationConfiguration::from_value(&v).map(|c| c.allowed_acs_resources);
    let id = "1e0f6a2c-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
    assert_eq!(
        read(json!({"EnableAcsUsers": true, "AllowedAcsResources": [id]})).unwrap(),
        vec![id]
    );
    assert_eq!(
        read(json!({"EnableAcsUsers": true, "AllowedAcsResources": id})).unwrap(),
        vec![id]
    );
    assert_eq!(
        read(json!({"EnableAcsUsers": true, "AllowedAcsResources": null})).unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        read(json!({"EnableAcsUsers": true})).unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        read(json!({"EnableAcsUsers": true, "AllowedAcsResources": {"value": [id], "Count": 1}}))
            .unwrap(),
        vec![id]
    );
}

#[test]
fn federation_ignores_identity_and_property_case_and_takes_string_booleans() {
    let c = FederationConfiguration::from_value(
        &json!({"Identity": "Global", "enableacsusers": "True"}),
    )
    .unwrap();
    assert!(c.enable_acs_users);
    let c = FederationConfiguration::from_value(&json!({"EnableAcsUsers": "$false"})).unwrap();
    assert!(!c.enable_acs_users);
}

#[test]
fn federation_errors_name_the_property() {
    let e = FederationConfiguration::from_value(&json!({"Identity": "Global"})).unwrap_err();
    assert_eq!(e.to_string(), "EnableAcsUsers is missing");
    let e = FederationConfiguration::from_value(&json!({"EnableAcsUsers": "yes"})).unwrap_err();
    assert_eq!(
        e.to_string(),
        "EnableAcsUsers must be true or false, found \"yes\""
    );
    let e = FederationConfiguration::from_value(
        &json!({"EnableAcsUsers": true, "AllowedAcsResources": [1]}),
    )
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("AllowedAcsResources"));
}

#[test]
fn allowlist_compares_resource_ids_case_insensitively() {
    let c = FederationConfiguration {
        enable_acs_users: true,
        allowed_acs_resources: vec!["1E0F6A2C-3B4D-4E5F-8A9B-0C1D2E3F4A5B".into()],
    };
    assert!(c.allows(" 1e0f6a2c-3b4d-4e5f-8a9b-0c1d2e3f4a5b "));
    assert!(!c.allows("2e0f6a2c-3b4d-4e5f-8a9b-0c1d2e3f4a5b"));
}

#[test]
fn policy_identity_is_normalised_to_global_or_tag() {
    let read = |id: &str| {
        ExternalAccessPolicy::from_value(&json!({"Identity": id}))
            .unwrap()
            .identity
    };
    assert_eq!(read("Global"), "Global");
    assert_eq!(read("global"), "Global");
    assert_eq!(read("Tag:NoAcs"), "Tag:NoAcs");
    assert_eq!(read("tag:NoAcs"), "Tag:NoAcs");
    assert_eq!(read("NoAcs"), "Tag:NoAcs");
}

#[test]
fn policy_without_enable_acs_federation_access_denies() {
    let p = ExternalAccessPolicy::from_value(&json!({"Identity": "Tag:Old"})).unwrap();
    assert!(!p.enable_acs_federation_access);
}

#[test]
fn policy_names_match_with_or_without_tag_in_any_case() {
    let p = ExternalAccessPolicy {
        identity: "Tag:NoAcs".into(),
        enable_acs_federation_access: false,
    };
    assert!(p.is_named("NoAcs") && p.is_named("tag:noacs") && p.is_named("TAG:NOACS"));
    assert!(!p.is_named("NoAcs2"));
    assert_eq!(p.name(), "NoAcs");
    let bare = ExternalAccessPolicy {
        identity: "NoAcs".into(),
        enable_acs_federation_access: false,
    };
    assert_eq!(bare.canonical_identity(), "Tag:NoAcs");
    assert!(!bare.is_global());
}

#[test]
fn policy_errors_name_identity() {
    let e =
        ExternalAccessPolicy::from_value(&json!({"EnableAcsFederationAccess": true})).unwrap_err();
    assert_eq!(e.to_string(), "Identity is missing");
    let e = ExternalAccessPolicy::from_value(&json!({"Identity": "Tag:"})).unwrap_err();
    assert_eq!(e.to_string(), "Identity is empty");
}

#[test]
fn user_granted_policy_accepts_null_empty_names_and_objects() {
    let granted = |v: Value| {
        user(with(base_user(), "ExternalAccessPolicy", v))
            .unwrap()
            .external_access_policy
    };
    assert_eq!(granted(Value::Null), None);
    assert_eq!(granted(json!("")), None);
    assert_eq!(granted(json!("Global")), None);
    assert_eq!(granted(json!("NoAcs")).as_deref(), Some("NoAcs"));
    assert_eq!(granted(json!("Tag:NoAcs")).as_deref(), Some("Tag:NoAcs"));
    assert_eq!(
        granted(json!({"Identity": "Tag:NoAcs", "Name": "NoAcs"})).as_deref(),
        Some("Tag:NoAcs")
    );
    assert_eq!(granted(json!({"Name": "NoAcs"})).as_deref(), Some("NoAcs"));
    assert_eq!(granted(json!({"Name": null})), None);
    assert_eq!(
        user(without(base_user(), "ExternalAccessPolicy"))
            .unwrap()
            .external_access_policy,
        None
    );
}

#[test]
fn granted_policy_treats_empty_and_global_as_global_even_when_built_by_hand() {
    let mut u = user(base_user()).unwrap();
    for value in [None, Some(""), Some("  "), Some("Global")] {
        u.external_access_policy = value.map(String::from);
        assert_eq!(u.granted_policy(), None, "{value:?}");
    }
    u.external_access_policy = Some("NoAcs".into());
    assert_eq!(u.granted_policy(), Some("NoAcs"));
}

#[test]
fn user_object_id_prefers_external_directory_object_id() {
    let oid = "5f1c8a9e-2b3d-4c5e-9f60-7a8b9c0d1e2f";
    let u = user(with(base_user(), "Identity", json!("CN=something,OU=x"))).unwrap();
    assert_eq!(u.object_id, oid);
}

#[test]
fn user_object_id_falls_back_to_a_guid_or_dn_identity() {
    let guid = "0c7d8e9f-1a2b-4c3d-8e4f-5a6b7c8d9e0f";
    let no_oid = without(base_user(), "ExternalDirectoryObjectId");
    assert_eq!(
        user(with(no_oid.clone(), "Identity", json!(guid)))
            .unwrap()
            .object_id,
        guid
    );
    let dn = format!("CN={guid},OU=contoso.onmicrosoft.com,OU=OCS Tenants,DC=lync0e001,DC=local");
    assert_eq!(
        user(with(no_oid.clone(), "Identity", json!(dn)))
            .unwrap()
            .object_id,
        guid
    );
    let e = user(with(no_oid, "Identity", json!("megan@contoso.com"))).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("ExternalDirectoryObjectId"));
}

#[test]
fn user_missing_fields_are_named() {
    let e = user(without(base_user(), "UserPrincipalName")).unwrap_err();
    assert_eq!(e.to_string(), "UserPrincipalName is missing");
    let e = user(without(base_user(), "TeamsUpgradeEffectiveMode")).unwrap_err();
    assert_eq!(e.to_string(), "TeamsUpgradeEffectiveMode is missing");
    let e = user(with(base_user(), "ExternalAccessPolicy", json!(3))).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("ExternalAccessPolicy"));
    assert_eq!(
        user(without(base_user(), "DisplayName"))
            .unwrap()
            .display_name,
        ""
    );
    let e = TeamsUser::from_value(&json!([1])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "a user must be a JSON object, found an array"
    );
}

#[test]
fn coexistence_modes_parse_case_insensitively_and_keep_unknown_ones() {
    for mode in [
        "TeamsOnly",
        "Islands",
        "SfBOnly",
        "SfBWithTeamsCollab",
        "SfBWithTeamsCollabAndMeetings",
    ] {
        assert_eq!(CoexistenceMode::parse(mode).to_string(), mode);
        assert!(!matches!(
            CoexistenceMode::parse(&mode.to_lowercase()),
            CoexistenceMode::Other(_)
        ));
    }
    assert_eq!(
        CoexistenceMode::parse("Legacy"),
        CoexistenceMode::Other("Legacy".into())
    );
    assert!(CoexistenceMode::parse("teamsonly").is_teams_only());
    assert!(!CoexistenceMode::Islands.is_teams_only());
    let numeric = user(with(base_user(), "TeamsUpgradeEffectiveMode", json!(2))).unwrap();
    assert_eq!(
        numeric.teams_upgrade_effective_mode,
        CoexistenceMode::Other("2".into())
    );
}

#[test]
fn serde_uses_the_powershell_names_both_ways() {
    let u = user(with(base_user(), "ExternalAccessPolicy", json!("NoAcs"))).unwrap();
    let out = serde_json::to_value(&u).unwrap();
    assert_eq!(out["UserPrincipalName"], "megan@contoso.com");
    assert_eq!(out["ExternalAccessPolicy"], "NoAcs");
    assert_eq!(out["TeamsUpgradeEffectiveMode"], "TeamsOnly");
    let back: TeamsUser = serde_json::from_value(out).unwrap();
    assert_eq!(back, u);

    let p: Vec<ExternalAccessPolicy> = serde_json::from_str(
        r#"[{"Identity":"Global","EnableAcsFederationAccess":true},{"Identity":"NoAcs"}]"#,
    )
    .unwrap();
    assert_eq!(p[1].identity, "Tag:NoAcs");
    assert_eq!(
        serde_json::to_value(&p[0]).unwrap(),
        json!({"Identity": "Global", "EnableAcsFederationAccess": true})
    );

    let c: FederationConfiguration = serde_json::from_str(
        r#"{"Identity":"Global","EnableAcsUsers":true,"AllowedAcsResources":"abc"}"#,
    )
    .unwrap();
    assert_eq!(c.allowed_acs_resources, vec!["abc"]);
    let bad = serde_json::from_str::<FederationConfiguration>("{}").unwrap_err();
    assert!(
        bad.to_string().contains("EnableAcsUsers is missing"),
        "{bad}"
    );
}
