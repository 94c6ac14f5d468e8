use std::path::PathBuf;

use serde_json::json;

use super::*;
use crate::interop::model::CoexistenceMode;

const RES: &str = "1e0f6a2c-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
const FED: &str = r#"{"Identity":"Global","EnableAcsUsers":true,"AllowedAcsResources":["1e0f6a2c-3b4d-4e5f-8a9b-0c1d2e3f4a5b"]}"#;
const POLICIES: &str = r#"[{"Identity":"Global","EnableAcsFederationAccess":true},{"Identity":"Tag:NoAcs","EnableAcsFederationAccess":false}]"#;
const USER: &str = r#"{"ExternalDirectoryObjectId":"5f1c8a9e-2b3d-4c5e-9f60-7a8b9c0d1e2f","UserPrincipalName":"megan@contoso.com","DisplayName":"Megan Bowen","ExternalAccessPolicy":"NoAcs","TeamsUpgradeEffectiveMode":"TeamsOnly"}"#;

fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/doctor")
        .join(name)
}

fn input(fed: &str, user: &str, json: bool) -> DoctorInput {
    DoctorInput {
        federation_config: sample(fed),
        policies: sample("policies.json"),
        user: sample(user),
        resource_id: RES.to_string(),
        json,
    }
}

fn policies_error(text: &str) -> String {
    parse_texts(FED, text, USER).unwrap_err().to_string()
}

#[test]
fn sample_exports_read_through_read_files() {
    let i = input("federation-on.json", "user-blocked.json", false);
    let (config, policies, user) = read_files(&i.federation_config, &i.policies, &i.user).unwrap();
    assert!(config.enable_acs_users);
    assert_eq!(config.allowed_acs_resources, vec![RES]);
    let ids: Vec<_> = policies
        .iter()
        .map(|p| (p.identity.as_str(), p.enable_acs_federation_access))
        .collect();
    assert_eq!(ids, vec![("Global", true), ("Tag:NoAcs", false)]);
    assert_eq!(user.user_principal_name, "megan@contoso.com");
    assert_eq!(user.external_access_policy.as_deref(), Some("NoAcs"));
}

#[test]
fn a_utf16_export_with_a_dn_identity_and_empty_policy_reads() {
    let i = input("federation-off.json", "user-islands-utf16.json", false);
    let (config, _, user) = read_files(&i.federation_config, &i.policies, &i.user).unwrap();
    assert!(!config.enable_acs_users && config.allowed_acs_resources.is_empty());
    assert_eq!(user.object_id, "0c7d8e9f-1a2b-4c3d-8e4f-5a6b7c8d9e0f");
    assert_eq!(user.external_access_policy, None);
    assert_eq!(user.teams_upgrade_effective_mode, CoexistenceMode::Islands);
}

#[test]
fn run_gives_exit_codes_from_the_verdict() {
    let (out, code) = run(&input("federation-on.json", "user-allowed.json", false)).unwrap();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Nothing to fix"), "{out}");
    let (out, code) = run(&input("federation-on.json", "user-blocked.json", false)).unwrap();
    assert_eq!(code, 1, "{out}");
    let (_, code) = run(&input("federation-off.json", "user-allowed.json", false)).unwrap();
    assert_eq!(code, 1);
}

#[test]
fn a_missing_file_is_named() {
    let mut i = input("federation-on.json", "user-allowed.json", false);
    i.user = sample("nobody.json");
    let e = run(&i).unwrap_err();
    assert!(e.file.ends_with("nobody.json"), "{e}");
    assert!(e.message.starts_with("cannot be read"), "{e}");
}

#[test]
fn boms_and_utf16_decode() {
    let text = r#"{"a":1}"#;
    assert_eq!(decode_text(text.as_bytes()).unwrap(), text);
    assert_eq!(
        decode_text(&[b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat()).unwrap(),
        text
    );
    let le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    assert_eq!(decode_text(&le).unwrap(), text);
    let be: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    assert_eq!(decode_text(&be).unwrap(), text);
    let no_bom: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert_eq!(decode_text(&no_bom).unwrap(), text);
    assert!(
        decode_text(&[0xFF, 0xFE, 0x7B])
            .unwrap_err()
            .contains("odd number")
    );
    assert!(
        decode_text(&[b'{', 0xC3, b'}'])
            .unwrap_err()
            .contains("not UTF-8")
    );
}

#[test]
fn parse_texts_accepts_a_leading_bom_character() {
    let fed = format!("\u{feff}{FED}");
    assert!(parse_texts(&fed, POLICIES, USER).is_ok());
}

#[test]
fn policies_may_be_one_object_an_array_or_a_value_wrapper() {
    let (_, one, _) = parse_texts(
        FED,
        r#"{"Identity":"Global","EnableAcsFederationAccess":true}"#,
        USER,
    )
    .unwrap();
    assert_eq!(one.len(), 1);
    let (_, many, _) = parse_texts(FED, POLICIES, USER).unwrap();
    assert_eq!(many.len(), 2);
    let wrapped = format!(r#"{{"value":{POLICIES},"Count":2}}"#);
    let (_, wrapped, _) = parse_texts(FED, &wrapped, USER).unwrap();
    assert_eq!(wrapped, many);
}

#[test]
fn policy_errors_name_the_field_and_which_policy() {
    assert_eq!(
        policies_error(r#"[{"Identity":"Global"},{"EnableAcsFederationAccess":true}]"#),
        "policies: Identity is missing in the 2nd policy"
    );
    assert_eq!(
        policies_error(
            r#"[{"Identity":"Global"},{"Identity":"Tag:A"},{"Identity":"B","EnableAcsFederationAccess":"maybe"}]"#
        ),
        "policies: EnableAcsFederationAccess must be true or false, found \"maybe\" in the 3rd policy"
    );
    assert_eq!(
        policies_error(r#"{"EnableAcsFederationAccess":true}"#),
        "policies: Identity is missing"
    );
    assert_eq!(
        policies_error(r#"[{"Identity":"Global"}, 7]"#),
        "policies: a policy must be a JSON object, found 7 (the 2nd policy)"
    );
    assert_eq!(
        policies_error(r#"[{"Identity":"Global"},{"Identity":"Tag:NoAcs"},{"Identity":"noacs"}]"#),
        "policies: Identity Tag:NoAcs appears twice, in the 2nd and the 3rd policy"
    );
    assert_eq!(
        policies_error("[]"),
        "policies: holds no policies (an empty array)"
    );
    assert!(
        policies_error(r#"[{"Identity":"Tag:NoAcs"}]"#)
            .starts_with("policies: has no Global policy")
    );
}

#[test]
fn invalid_json_says_so_with_the_line() {
    let e = parse_texts(FED, "[\n  {\"Identity\": \"Global\",}\n]", USER).unwrap_err();
    assert_eq!(e.file, "policies");
    assert_eq!(e.field, None);
    assert!(e.message.starts_with("is not valid JSON: "), "{e}");
    assert!(e.message.contains("line 2"), "{e}");
    let e = parse_texts("  \r\n", POLICIES, USER).unwrap_err();
    assert_eq!(
        e.to_string(),
        "federation configuration: is empty: the cmdlet returned nothing (check its -Identity)"
    );
}

#[test]
fn user_and_configuration_files_take_one_object_or_an_array_of_one() {
    let (config, _, user) =
        parse_texts(&format!("[{FED}]"), POLICIES, &format!("[{USER}]")).unwrap();
    assert!(config.enable_acs_users);
    assert_eq!(user.display_name, "Megan Bowen");
    let e = parse_texts(FED, POLICIES, &format!("[{USER},{USER}]")).unwrap_err();
    assert_eq!(e.to_string(), "user: holds 2 users; expected one");
    let e = parse_texts(
        FED,
        POLICIES,
        r#"{"UserPrincipalName":"a@b.c","ExternalDirectoryObjectId":"x"}"#,
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "user: TeamsUpgradeEffectiveMode is missing");
    assert_eq!(e.field.as_deref(), Some("TeamsUpgradeEffectiveMode"));
    let e = parse_texts(r#"{"Identity":"Global"}"#, POLICIES, USER).unwrap_err();
    assert_eq!(
        e.to_string(),
        "federation configuration: EnableAcsUsers is missing"
    );
}

#[test]
fn ordinals_read_naturally() {
    let got: Vec<_> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111]
        .into_iter()
        .map(ordinal)
        .collect();
    assert_eq!(
        got,
        [
            "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"
        ]
    );
}

#[test]
fn text_report_says_what_decided_and_what_to_run() {
    let (config, policies, user) = parse_texts(FED, POLICIES, USER).unwrap();
    let mut user = user;
    user.teams_upgrade_effective_mode = CoexistenceMode::Islands;
    let verdict = crate::interop::evaluate(&config, &policies, &user, RES);
    let out = report(&verdict, &user, RES, false);
    let expected = format!(
        "Teams user:   Megan Bowen <megan@contoso.com> (object id 5f1c8a9e-2b3d-4c5e-9f60-7a8b9c0d1e2f)
ACS resource: {RES}
Chat:  disabled
Calls: disabled

Decided by row 4 of the seed table: tenant configuration True, global policy True, custom policy False, assigned policy Custom -> interoperability Disabled.
  Tenant configuration: EnableAcsUsers True; resource {RES} is in AllowedAcsResources
  Assigned policy:      Tag:NoAcs (EnableAcsFederationAccess False)
  Coexistence mode:     Islands (calls need TeamsOnly)

Why:
  - the policy Tag:NoAcs granted to megan@contoso.com has EnableAcsFederationAccess False
  - megan@contoso.com is in Islands mode; calls need TeamsOnly

To fix, run:
  # give megan@contoso.com alone the Global policy, which allows ACS federation
  Grant-CsExternalAccessPolicy -Identity megan@contoso.com -PolicyName $null
  # or instead: allow ACS federation in the policy Tag:NoAcs (every user granted it)
  Set-CsExternalAccessPolicy -Identity Tag:NoAcs -EnableAcsFederationAccess $true
  # for calls, move megan@contoso.com to TeamsOnly mode
  Grant-CsTeamsUpgradePolicy -Identity megan@contoso.com -PolicyName UpgradeToTeams
"
    );
    assert_eq!(out, expected);
}

#[test]
fn text_report_neutralises_control_characters_from_exports() {
    let (config, policies, mut user) = parse_texts(FED, POLICIES, USER).unwrap();
    user.display_name = "Evil\u{1b}[2J \u{202e}txt.exe\u{2028}next".into();
    user.user_principal_name = "meg\u{202e}an@contoso.com\u{2029}".into();
    user.external_access_policy = Some("Tag:No\u{202e}Acs\u{2066}".into());
    let out = report(
        &crate::interop::evaluate(&config, &policies, &user, RES),
        &user,
        RES,
        false,
    );
    for c in ['\u{1b}', '\u{202e}', '\u{2028}', '\u{2029}', '\u{2066}'] {
        assert!(!out.contains(c), "{:?} reached the report:\n{out}", c);
    }
    assert!(out.contains("Evil"), "the rest of the name stays:\n{out}");
}

#[test]
fn json_report_has_the_documented_shape() {
    let (config, policies, user) = parse_texts(FED, POLICIES, USER).unwrap();
    let verdict = crate::interop::evaluate(&config, &policies, &user, RES);
    let value: serde_json::Value =
        serde_json::from_str(&report(&verdict, &user, RES, true)).unwrap();
    assert_eq!(
        value,
        json!({
            "version": 1,
            "user": {
                "userPrincipalName": "megan@contoso.com",
                "objectId": "5f1c8a9e-2b3d-4c5e-9f60-7a8b9c0d1e2f",
                "displayName": "Megan Bowen",
                "externalAccessPolicy": "NoAcs",
                "teamsUpgradeEffectiveMode": "TeamsOnly",
            },
            "resourceId": RES,
            "chatEnabled": false,
            "callsEnabled": false,
            "tableRow": 4,
            "row": {
                "tenantConfiguration": true,
                "globalPolicy": true,
                "customPolicy": false,
                "assignedPolicy": "Custom",
                "interoperability": false,
            },
            "tenant": {"enableAcsUsers": true, "resourceAllowed": true},
            "assignedPolicy": "Tag:NoAcs",
            "assignedPolicyExists": true,
            "reasons": [{
                "code": "policyDenies",
                "message": "the policy Tag:NoAcs granted to megan@contoso.com has EnableAcsFederationAccess False",
                "blocks": "chat",
            }],
            "fixes": [
                {
                    "explanation": "give megan@contoso.com alone the Global policy, which allows ACS federation",
                    "powershell": "Grant-CsExternalAccessPolicy -Identity megan@contoso.com -PolicyName $null",
                    "alternative": false,
                },
                {
                    "explanation": "allow ACS federation in the policy Tag:NoAcs (every user granted it)",
                    "powershell": "Set-CsExternalAccessPolicy -Identity Tag:NoAcs -EnableAcsFederationAccess $true",
                    "alternative": true,
                },
            ],
        })
    );
    assert_eq!(exit_code(&verdict), 1);
}

#[test]
fn errors_render_as_text_or_json() {
    let e = parse_texts(FED, r#"[{"Identity":"Global"},{}]"#, USER).unwrap_err();
    assert_eq!(
        error_report(&e, false),
        "error: policies: Identity is missing in the 2nd policy"
    );
    let value: serde_json::Value = serde_json::from_str(&error_report(&e, true)).unwrap();
    assert_eq!(value["error"]["field"], "Identity");
    assert_eq!(value["error"]["file"], "policies");
    assert_eq!(
        value["error"]["text"],
        "policies: Identity is missing in the 2nd policy"
    );
}

#[test]
fn json_report_escapes_what_could_drive_the_terminal_and_keeps_it_exact() {
    let (config, policies, mut user) = parse_texts(FED, POLICIES, USER).unwrap();
    user.display_name = "Megan \u{202e}nagem\u{2028}".into();
    let out = report(
        &crate::interop::evaluate(&config, &policies, &user, RES),
        &user,
        RES,
        true,
    );
    assert!(
        !out.contains('\u{202e}') && !out.contains('\u{2028}'),
        "{out}"
    );
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value["user"]["displayName"], "Megan \u{202e}nagem\u{2028}");
}
