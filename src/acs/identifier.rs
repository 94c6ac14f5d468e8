//! Communication identifiers: the `rawId` strings and the `CommunicationIdentifierModel` JSON shape.
//!
//! Parsing follows the JS SDK's `createIdentifierFromRawId`, the most complete of the official ones.

use serde::{Deserialize, Serialize};
use std::fmt;

pub use super::identifier_model::{
    CommunicationIdentifierModel, CommunicationUserModel, IdentifierError, MicrosoftTeamsAppModel,
    MicrosoftTeamsUserModel, PhoneNumberModel, TeamsExtensionUserModel,
};

/// The national clouds an identifier can live in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum CloudEnvironment {
    #[default]
    Public,
    Dod,
    Gcch,
}

/// Any case: the spec says `public`, the Python SDK sends `PUBLIC`.
impl<'de> Deserialize<'de> for CloudEnvironment {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        match text.to_ascii_lowercase().as_str() {
            "public" => Ok(CloudEnvironment::Public),
            "dod" => Ok(CloudEnvironment::Dod),
            "gcch" => Ok(CloudEnvironment::Gcch),
            _ => Err(serde::de::Error::unknown_variant(
                &text,
                &["public", "dod", "gcch"],
            )),
        }
    }
}

/// A parsed communication identifier: one variant per kind of ACS-NOTES.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CommunicationIdentifier {
    CommunicationUser {
        id: String,
    },
    PhoneNumber {
        /// E.164 number without the `4:` prefix, or empty for an anonymous caller.
        value: String,
        is_anonymous: bool,
        /// Raw id as given, which for phone numbers may carry more than the number.
        raw_id: String,
    },
    MicrosoftTeamsUser {
        user_id: String,
        is_anonymous: bool,
        cloud: CloudEnvironment,
    },
    MicrosoftTeamsApp {
        app_id: String,
        cloud: CloudEnvironment,
    },
    TeamsExtensionUser {
        user_id: String,
        tenant_id: String,
        resource_id: String,
        cloud: CloudEnvironment,
    },
    Unknown {
        id: String,
    },
}

/// The `kind` discriminator of `CommunicationIdentifierModel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IdentifierKind {
    CommunicationUser,
    PhoneNumber,
    MicrosoftTeamsUser,
    MicrosoftTeamsApp,
    TeamsExtensionUser,
    /// `unknown`, or a kind this build does not know (the nested object or rawId then decides).
    #[serde(other)]
    Unknown,
}

/// A `rawId` string: the canonical, comparable form of any identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RawId(String);

impl RawId {
    pub fn new(raw: impl Into<String>) -> Self {
        RawId(raw.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Parses the raw id into its identifier; never fails (unrecognised ids are `Unknown`).
    pub fn identifier(&self) -> CommunicationIdentifier {
        CommunicationIdentifier::from_raw_id(&self.0)
    }
}

impl fmt::Display for RawId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub(super) const PHONE_PREFIX: &str = "4:";
pub(super) const ANONYMOUS_PHONE: &str = "anonymous";

fn teams_user_cloud(prefix: &str) -> Option<(CloudEnvironment, bool)> {
    match prefix {
        "8:orgid:" => Some((CloudEnvironment::Public, false)),
        "8:dod:" => Some((CloudEnvironment::Dod, false)),
        "8:gcch:" => Some((CloudEnvironment::Gcch, false)),
        "8:teamsvisitor:" => Some((CloudEnvironment::Public, true)),
        _ => None,
    }
}

fn acs_cloud(prefix: &str) -> Option<CloudEnvironment> {
    match prefix {
        "8:acs:" => Some(CloudEnvironment::Public),
        "8:dod-acs:" => Some(CloudEnvironment::Dod),
        "8:gcch-acs:" => Some(CloudEnvironment::Gcch),
        _ => None,
    }
}

fn app_cloud(prefix: &str) -> Option<CloudEnvironment> {
    match prefix {
        "28:orgid:" => Some(CloudEnvironment::Public),
        "28:dod:" => Some(CloudEnvironment::Dod),
        "28:gcch:" => Some(CloudEnvironment::Gcch),
        _ => None,
    }
}

impl CommunicationIdentifier {
    /// Parses a raw id exactly as the JS SDK does.
    pub fn from_raw_id(raw: &str) -> Self {
        if let Some(rest) = raw.strip_prefix(PHONE_PREFIX) {
            let is_anonymous = rest == ANONYMOUS_PHONE;
            return CommunicationIdentifier::PhoneNumber {
                value: if is_anonymous {
                    String::new()
                } else {
                    rest.to_string()
                },
                is_anonymous,
                raw_id: raw.to_string(),
            };
        }
        // Exactly three `:`-separated segments; the prefix is the first two with their colons.
        let mut segments = raw.split(':');
        let (Some(first), Some(second), Some(suffix), None) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            return CommunicationIdentifier::Unknown {
                id: raw.to_string(),
            };
        };
        let prefix = &raw[..first.len() + second.len() + 2];
        if let Some((cloud, is_anonymous)) = teams_user_cloud(prefix) {
            return CommunicationIdentifier::MicrosoftTeamsUser {
                user_id: suffix.to_string(),
                is_anonymous,
                cloud,
            };
        }
        if let Some(cloud) = acs_cloud(prefix) {
            let mut parts = suffix.split('_');
            if let (Some(resource_id), Some(tenant_id), Some(user_id), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            {
                return CommunicationIdentifier::TeamsExtensionUser {
                    resource_id: resource_id.to_string(),
                    tenant_id: tenant_id.to_string(),
                    user_id: user_id.to_string(),
                    cloud,
                };
            }
            return CommunicationIdentifier::CommunicationUser {
                id: raw.to_string(),
            };
        }
        if prefix == "8:spool:" {
            return CommunicationIdentifier::CommunicationUser {
                id: raw.to_string(),
            };
        }
        if let Some(cloud) = app_cloud(prefix) {
            return CommunicationIdentifier::MicrosoftTeamsApp {
                app_id: suffix.to_string(),
                cloud,
            };
        }
        CommunicationIdentifier::Unknown {
            id: raw.to_string(),
        }
    }

    /// The canonical raw id of this identifier.
    pub fn raw_id(&self) -> RawId {
        RawId(match self {
            CommunicationIdentifier::CommunicationUser { id } => id.clone(),
            CommunicationIdentifier::PhoneNumber { raw_id, .. } => raw_id.clone(),
            CommunicationIdentifier::MicrosoftTeamsUser {
                user_id,
                is_anonymous,
                cloud,
            } => {
                if *is_anonymous {
                    format!("8:teamsvisitor:{user_id}")
                } else {
                    let prefix = match cloud {
                        CloudEnvironment::Public => "8:orgid:",
                        CloudEnvironment::Dod => "8:dod:",
                        CloudEnvironment::Gcch => "8:gcch:",
                    };
                    format!("{prefix}{user_id}")
                }
            }
            CommunicationIdentifier::MicrosoftTeamsApp { app_id, cloud } => {
                let prefix = match cloud {
                    CloudEnvironment::Public => "28:orgid:",
                    CloudEnvironment::Dod => "28:dod:",
                    CloudEnvironment::Gcch => "28:gcch:",
                };
                format!("{prefix}{app_id}")
            }
            CommunicationIdentifier::TeamsExtensionUser {
                user_id,
                tenant_id,
                resource_id,
                cloud,
            } => {
                let prefix = match cloud {
                    CloudEnvironment::Public => "8:acs:",
                    CloudEnvironment::Dod => "8:dod-acs:",
                    CloudEnvironment::Gcch => "8:gcch-acs:",
                };
                format!("{prefix}{resource_id}_{tenant_id}_{user_id}")
            }
            CommunicationIdentifier::Unknown { id } => id.clone(),
        })
    }

    pub fn kind(&self) -> IdentifierKind {
        match self {
            CommunicationIdentifier::CommunicationUser { .. } => IdentifierKind::CommunicationUser,
            CommunicationIdentifier::PhoneNumber { .. } => IdentifierKind::PhoneNumber,
            CommunicationIdentifier::MicrosoftTeamsUser { .. } => {
                IdentifierKind::MicrosoftTeamsUser
            }
            CommunicationIdentifier::MicrosoftTeamsApp { .. } => IdentifierKind::MicrosoftTeamsApp,
            CommunicationIdentifier::TeamsExtensionUser { .. } => {
                IdentifierKind::TeamsExtensionUser
            }
            CommunicationIdentifier::Unknown { .. } => IdentifierKind::Unknown,
        }
    }

    /// The full wire model, as responses must carry it (`rawId`, `kind` and the nested object).
    pub fn to_model(&self) -> CommunicationIdentifierModel {
        let mut model = CommunicationIdentifierModel {
            kind: Some(self.kind()),
            raw_id: Some(self.raw_id().0),
            ..Default::default()
        };
        match self {
            CommunicationIdentifier::CommunicationUser { id } => {
                model.communication_user = Some(CommunicationUserModel { id: id.clone() })
            }
            CommunicationIdentifier::PhoneNumber {
                value,
                is_anonymous,
                ..
            } => {
                model.phone_number = Some(PhoneNumberModel {
                    value: value.clone(),
                    is_anonymous: Some(*is_anonymous),
                    asserted_id: None,
                })
            }
            CommunicationIdentifier::MicrosoftTeamsUser {
                user_id,
                is_anonymous,
                cloud,
            } => {
                model.microsoft_teams_user = Some(MicrosoftTeamsUserModel {
                    user_id: user_id.clone(),
                    is_anonymous: Some(*is_anonymous),
                    cloud: Some(*cloud),
                })
            }
            CommunicationIdentifier::MicrosoftTeamsApp { app_id, cloud } => {
                model.microsoft_teams_app = Some(MicrosoftTeamsAppModel {
                    app_id: app_id.clone(),
                    cloud: Some(*cloud),
                })
            }
            CommunicationIdentifier::TeamsExtensionUser {
                user_id,
                tenant_id,
                resource_id,
                cloud,
            } => {
                model.teams_extension_user = Some(TeamsExtensionUserModel {
                    user_id: user_id.clone(),
                    tenant_id: tenant_id.clone(),
                    resource_id: resource_id.clone(),
                    cloud: Some(*cloud),
                })
            }
            CommunicationIdentifier::Unknown { .. } => {}
        }
        model
    }
}

impl fmt::Display for CommunicationIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.raw_id().as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(raw: &str) -> CommunicationIdentifier {
        CommunicationIdentifier::from_raw_id(raw)
    }

    #[test]
    fn parses_every_kind_like_the_js_sdk() {
        assert_eq!(parse("4:+16041234567").kind(), IdentifierKind::PhoneNumber);
        assert!(matches!(
            parse("4:anonymous"),
            CommunicationIdentifier::PhoneNumber {
                is_anonymous: true,
                ..
            }
        ));
        assert_eq!(
            parse("8:orgid:45ab2481-1c1c-4005-be24-0ffb879b1130"),
            CommunicationIdentifier::MicrosoftTeamsUser {
                user_id: "45ab2481-1c1c-4005-be24-0ffb879b1130".into(),
                is_anonymous: false,
                cloud: CloudEnvironment::Public
            }
        );
        assert!(matches!(
            parse("8:dod:x"),
            CommunicationIdentifier::MicrosoftTeamsUser {
                cloud: CloudEnvironment::Dod,
                ..
            }
        ));
        assert!(matches!(
            parse("8:gcch:x"),
            CommunicationIdentifier::MicrosoftTeamsUser {
                cloud: CloudEnvironment::Gcch,
                ..
            }
        ));
        assert!(matches!(
            parse("8:teamsvisitor:x"),
            CommunicationIdentifier::MicrosoftTeamsUser {
                is_anonymous: true,
                ..
            }
        ));
        assert_eq!(
            parse("8:acs:res_user").kind(),
            IdentifierKind::CommunicationUser
        );
        assert_eq!(
            parse("8:gcch-acs:res_user").kind(),
            IdentifierKind::CommunicationUser
        );
        assert_eq!(
            parse("8:spool:res_user").kind(),
            IdentifierKind::CommunicationUser
        );
        assert_eq!(
            parse("8:acs:res_tenant_user"),
            CommunicationIdentifier::TeamsExtensionUser {
                resource_id: "res".into(),
                tenant_id: "tenant".into(),
                user_id: "user".into(),
                cloud: CloudEnvironment::Public
            }
        );
        assert!(matches!(
            parse("28:gcch:app"),
            CommunicationIdentifier::MicrosoftTeamsApp {
                cloud: CloudEnvironment::Gcch,
                ..
            }
        ));
        assert_eq!(parse("8:orgid:a:b").kind(), IdentifierKind::Unknown);
        assert_eq!(parse("48:other:x").kind(), IdentifierKind::Unknown);
        assert_eq!(parse("").kind(), IdentifierKind::Unknown);
    }

    #[test]
    fn responses_carry_kind_raw_id_and_every_teams_user_field() {
        let json = serde_json::to_value(parse("8:orgid:abc").to_model()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "kind": "microsoftTeamsUser",
                "rawId": "8:orgid:abc",
                "microsoftTeamsUser": {"userId": "abc", "isAnonymous": false, "cloud": "public"}
            })
        );
    }

    #[test]
    fn request_models_resolve_from_nested_object_or_raw_id() {
        let sdk_style: CommunicationIdentifierModel = serde_json::from_value(serde_json::json!({
            "rawId": "8:acs:r_u", "communicationUser": {"id": "8:acs:r_u"}, "unknownField": 1
        }))
        .unwrap();
        assert_eq!(sdk_style.resolve().unwrap().raw_id().as_str(), "8:acs:r_u");
        let raw_only = CommunicationIdentifierModel {
            raw_id: Some("8:orgid:x".into()),
            ..Default::default()
        };
        assert_eq!(
            raw_only.resolve().unwrap().kind(),
            IdentifierKind::MicrosoftTeamsUser
        );
        let mismatch: CommunicationIdentifierModel = serde_json::from_value(serde_json::json!({
            "rawId": "8:acs:r_other", "communicationUser": {"id": "8:acs:r_u"}
        }))
        .unwrap();
        assert!(matches!(
            mismatch.resolve(),
            Err(IdentifierError::Mismatch { .. })
        ));
        assert_eq!(
            CommunicationIdentifierModel::default().resolve(),
            Err(IdentifierError::Empty)
        );
    }

    fn segment() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9-]{1,12}"
    }

    fn cloud() -> impl Strategy<Value = CloudEnvironment> {
        prop_oneof![
            Just(CloudEnvironment::Public),
            Just(CloudEnvironment::Dod),
            Just(CloudEnvironment::Gcch)
        ]
    }

    fn identifier() -> impl Strategy<Value = CommunicationIdentifier> {
        prop_oneof![
            (segment(), segment()).prop_map(|(r, u)| CommunicationIdentifier::CommunicationUser {
                id: format!("8:acs:{r}_{u}")
            }),
            "\\+[1-9][0-9]{6,14}".prop_map(|n| CommunicationIdentifier::PhoneNumber {
                raw_id: format!("4:{n}"),
                value: n,
                is_anonymous: false
            }),
            (segment(), any::<bool>(), cloud()).prop_map(|(u, anon, c)| {
                CommunicationIdentifier::MicrosoftTeamsUser {
                    user_id: u,
                    is_anonymous: anon,
                    cloud: if anon { CloudEnvironment::Public } else { c },
                }
            }),
            (segment(), cloud()).prop_map(|(a, c)| CommunicationIdentifier::MicrosoftTeamsApp {
                app_id: a,
                cloud: c
            }),
            (segment(), segment(), segment(), cloud()).prop_map(|(u, t, r, c)| {
                CommunicationIdentifier::TeamsExtensionUser {
                    user_id: u,
                    tenant_id: t,
                    resource_id: r,
                    cloud: c,
                }
            }),
        ]
    }

    proptest! {
        #[test]
        fn raw_id_round_trips(identifier in identifier()) {
            let raw = identifier.raw_id();
            prop_assert_eq!(CommunicationIdentifier::from_raw_id(raw.as_str()), identifier);
        }

        #[test]
        fn wire_model_round_trips(identifier in identifier()) {
            let json = serde_json::to_string(&identifier.to_model()).unwrap();
            let model: CommunicationIdentifierModel = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(model.resolve().unwrap(), identifier);
        }

        #[test]
        fn any_string_parses_and_formats_back(raw in "\\PC{0,40}") {
            let parsed = CommunicationIdentifier::from_raw_id(&raw);
            let formatted = parsed.raw_id();
            prop_assert_eq!(CommunicationIdentifier::from_raw_id(formatted.as_str()), parsed);
        }
    }
}
