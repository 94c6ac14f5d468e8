//! Identifiers as requests and events carry them: any raw id parses and formats back to itself,
//! well-formed ids of every kind parse as that kind, identifier models from any JSON resolve or
//! are refused, and thread ids are checked without panicking or echoing controls.

use acs_interop::acs::identifier::CommunicationIdentifierModel;
use acs_interop::acs::thread_id::ThreadId;
use acs_interop::acs::{CloudEnvironment, CommunicationIdentifier, IdentifierKind, RawId};
use proptest::prelude::*;

use super::{any_text, cases};

/// A segment of an id: usually plain, sometimes with the separators the parser splits on.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z0-9-]{1,16}",
        1 => "[a-z0-9_:+ ]{0,8}",
        1 => any_text(6),
    ]
}

/// The prefix of every kind and cloud, as `(prefix, kind, cloud)` for a suffix without `:`.
fn prefix() -> impl Strategy<Value = (&'static str, IdentifierKind, CloudEnvironment)> {
    use CloudEnvironment::{Dod, Gcch, Public};
    use IdentifierKind::{CommunicationUser, MicrosoftTeamsApp, MicrosoftTeamsUser, Unknown};
    prop::sample::select(vec![
        ("8:acs:", CommunicationUser, Public),
        ("8:dod-acs:", CommunicationUser, Dod),
        ("8:gcch-acs:", CommunicationUser, Gcch),
        ("8:spool:", CommunicationUser, Public),
        ("8:orgid:", MicrosoftTeamsUser, Public),
        ("8:dod:", MicrosoftTeamsUser, Dod),
        ("8:gcch:", MicrosoftTeamsUser, Gcch),
        ("8:teamsvisitor:", MicrosoftTeamsUser, Public),
        ("28:orgid:", MicrosoftTeamsApp, Public),
        ("28:dod:", MicrosoftTeamsApp, Dod),
        ("28:gcch:", MicrosoftTeamsApp, Gcch),
        ("48:other:", Unknown, Public),
    ])
}

/// Raw ids of every kind, well-formed or close to it.
pub(crate) fn raw_id() -> impl Strategy<Value = String> {
    prop_oneof![
        (prefix(), segment()).prop_map(|((p, _, _), s)| format!("{p}{s}")),
        (prefix(), segment(), segment(), segment())
            .prop_map(|((p, _, _), r, t, u)| format!("{p}{r}_{t}_{u}")),
        "4:\\+[0-9]{0,15}",
        Just("4:anonymous".to_owned()),
        any_text(24),
    ]
}

/// `prefix` + `suffix` where the suffix has no `:`, and what it must parse as.
fn well_formed() -> impl Strategy<Value = (String, IdentifierKind, CloudEnvironment, usize)> {
    (
        prefix(),
        proptest::collection::vec("[a-zA-Z0-9-]{0,12}", 1..4),
    )
        .prop_map(|((p, kind, cloud), parts)| {
            (format!("{p}{}", parts.join("_")), kind, cloud, parts.len())
        })
}

/// JSON objects with the model's field names and values of any shape.
fn model_json() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("7".to_owned()),
        any_text(8).prop_map(|s| serde_json::Value::from(s).to_string()),
        raw_id().prop_map(|s| serde_json::Value::from(s).to_string()),
        prop::sample::select(vec![
            "\"public\"",
            "\"DOD\"",
            "\"gcch\"",
            "\"mars\"",
            "\"communicationUser\"",
            "\"microsoftTeamsUser\"",
            "\"phoneNumber\"",
            "\"unknown\"",
            "\"somethingNew\"",
        ])
        .prop_map(str::to_owned),
    ];
    let key = prop::sample::select(vec![
        "kind",
        "rawId",
        "id",
        "value",
        "userId",
        "appId",
        "tenantId",
        "resourceId",
        "cloud",
        "isAnonymous",
        "assertedId",
    ]);
    let inner = proptest::collection::vec((key.clone(), value.clone()), 0..4).prop_map(|fields| {
        let fields: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        format!("{{{}}}", fields.join(","))
    });
    let outer_key = prop::sample::select(vec![
        "kind",
        "rawId",
        "communicationUser",
        "phoneNumber",
        "microsoftTeamsUser",
        "microsoftTeamsApp",
        "teamsExtensionUser",
        "extra",
    ]);
    proptest::collection::vec((outer_key, prop_oneof![value, inner]), 0..5).prop_map(|fields| {
        let fields: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        format!("{{{}}}", fields.join(","))
    })
}

proptest! {
    #![proptest_config(cases(2_000))]

    #[test]
    fn any_raw_id_parses_and_formats_back_to_itself(raw in prop_oneof![raw_id(), any_text(64)]) {
        let identifier = CommunicationIdentifier::from_raw_id(&raw);
        prop_assert_eq!(identifier.raw_id(), RawId::new(raw.as_str()));
        prop_assert_eq!(RawId::new(raw.as_str()).identifier(), identifier.clone());
        prop_assert_eq!(identifier.to_string(), raw.clone());
        // What the emulator writes for it resolves back to it.
        if !raw.is_empty() {
            let json = serde_json::to_string(&identifier.to_model())
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let model: CommunicationIdentifierModel = serde_json::from_str(&json)
                .map_err(|e| TestCaseError::fail(format!("{json}: {e}")))?;
            prop_assert_eq!(model.resolved_raw_id(), Some(raw.clone()));
            prop_assert_eq!(model.resolve(), Ok(identifier));
        }
    }

    #[test]
    fn well_formed_ids_parse_as_their_kind((raw, kind, cloud, parts) in well_formed()) {
        let identifier = CommunicationIdentifier::from_raw_id(&raw);
        // Three `_`-separated parts after an ACS prefix name a Teams extension user.
        let kind = if kind == IdentifierKind::CommunicationUser && parts == 3 && !raw.starts_with("8:spool:") {
            IdentifierKind::TeamsExtensionUser
        } else {
            kind
        };
        prop_assert_eq!(identifier.kind(), kind, "{}", raw);
        let parsed_cloud = match &identifier {
            CommunicationIdentifier::MicrosoftTeamsUser { cloud, .. }
            | CommunicationIdentifier::MicrosoftTeamsApp { cloud, .. }
            | CommunicationIdentifier::TeamsExtensionUser { cloud, .. } => Some(*cloud),
            _ => None,
        };
        if let Some(parsed) = parsed_cloud {
            prop_assert_eq!(parsed, cloud, "{}", raw);
        }
        prop_assert_eq!(identifier.raw_id(), RawId::new(raw.as_str()));
    }

    #[test]
    fn any_identifier_model_resolves_stably_or_is_refused(json in model_json()) {
        let Ok(model) = serde_json::from_str::<CommunicationIdentifierModel>(&json) else {
            return Ok(());
        };
        // The shortcut for ACS users gives what resolving gives.
        let resolved = model.resolve().ok().map(|i| i.raw_id().to_string());
        prop_assert_eq!(model.resolved_raw_id(), resolved, "{}", json);
        if let Ok(identifier) = model.resolve() {
            // Written out and read again, it names the same raw id.
            let again = identifier.to_model().resolve().map(|i| i.raw_id());
            prop_assert_eq!(again, Ok(identifier.raw_id()), "{}", json);
        }
    }

    #[test]
    fn thread_id_check_never_panics_nor_echoes_controls(text in prop_oneof![
        any_text(40),
        "(19|19%3A|%)[:%a-zA-Z0-9@._ -]{0,30}",
    ]) {
        match ThreadId::parse(&text) {
            Ok(id) => {
                prop_assert!(id.as_str().starts_with("19:"));
                prop_assert_eq!(ThreadId::parse(id.as_str()), Ok(id.clone()));
            }
            Err(error) => {
                let message = error.to_string();
                prop_assert!(!message.chars().any(char::is_control), "{:?}", message);
            }
        }
    }

    #[test]
    fn well_formed_thread_ids_parse_as_written_and_percent_encoded(
        id in "[a-zA-Z0-9_-]{1,40}",
        domain in prop::sample::select(vec!["thread.v2", "thread.skype", "unq.gbl.spaces"]),
    ) {
        let raw = format!("19:{id}@{domain}");
        let parsed = ThreadId::parse(&raw).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(parsed.as_str(), raw.as_str());
        let encoded = raw.replace(':', "%3A").replace('@', "%40");
        prop_assert_eq!(ThreadId::parse(&encoded), Ok(parsed));
    }
}
