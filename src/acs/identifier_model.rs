//! `CommunicationIdentifierModel`: the JSON shape of an identifier, and how a request's model resolves.

use serde::{Deserialize, Serialize};

use super::identifier::{
    ANONYMOUS_PHONE, CloudEnvironment, CommunicationIdentifier, IdentifierKind, PHONE_PREFIX,
};

/// `CommunicationIdentifierModel` as on the wire. Requests may omit `kind` (the SDKs do) or `rawId`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommunicationIdentifierModel {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<IdentifierKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub communication_user: Option<CommunicationUserModel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<PhoneNumberModel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub microsoft_teams_user: Option<MicrosoftTeamsUserModel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub microsoft_teams_app: Option<MicrosoftTeamsAppModel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub teams_extension_user: Option<TeamsExtensionUserModel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunicationUserModel {
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneNumberModel {
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_anonymous: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asserted_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MicrosoftTeamsUserModel {
    pub user_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_anonymous: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud: Option<CloudEnvironment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MicrosoftTeamsAppModel {
    pub app_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud: Option<CloudEnvironment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamsExtensionUserModel {
    pub user_id: String,
    pub tenant_id: String,
    pub resource_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud: Option<CloudEnvironment>,
}

/// Why an identifier model from a request cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    #[error("the identifier has neither a rawId nor a nested identifier object")]
    Empty,
    #[error("the identifier has more than one nested identifier object")]
    Ambiguous,
    #[error("the identifier's rawId '{raw_id}' does not match its nested object ('{expected}')")]
    Mismatch { raw_id: String, expected: String },
}

impl CommunicationIdentifierModel {
    /// Resolves a request's model into an identifier: the nested object wins, and a `rawId` given beside
    /// it must agree with it.
    pub fn resolve(&self) -> Result<CommunicationIdentifier, IdentifierError> {
        let nested = self.nested()?;
        match (nested, &self.raw_id) {
            (Some(identifier), Some(raw)) => {
                let expected = identifier.raw_id();
                // Phone numbers may carry extra raw-id detail; only their prefix must agree.
                let agrees = match &identifier {
                    CommunicationIdentifier::PhoneNumber { .. } => raw.starts_with(PHONE_PREFIX),
                    _ => expected.as_str() == raw,
                };
                if agrees {
                    match identifier {
                        CommunicationIdentifier::PhoneNumber { .. } => {
                            Ok(CommunicationIdentifier::from_raw_id(raw))
                        }
                        other => Ok(other),
                    }
                } else {
                    Err(IdentifierError::Mismatch {
                        raw_id: raw.clone(),
                        expected: expected.to_string(),
                    })
                }
            }
            (Some(identifier), None) => Ok(identifier),
            (None, Some(raw)) if !raw.is_empty() => Ok(CommunicationIdentifier::from_raw_id(raw)),
            _ => Err(IdentifierError::Empty),
        }
    }

    /// The raw id of [`resolve`](Self::resolve)'s identifier. An ACS user named by both its id and
    /// its raw id, as every message's sender is, takes no more than a copy of it.
    pub fn resolved_raw_id(&self) -> Option<String> {
        if let (Some(raw), Some(user), None, None, None, None) = (
            &self.raw_id,
            &self.communication_user,
            &self.phone_number,
            &self.microsoft_teams_user,
            &self.microsoft_teams_app,
            &self.teams_extension_user,
        ) && *raw == user.id
        {
            return Some(raw.clone());
        }
        self.resolve().ok().map(|i| i.raw_id().to_string())
    }

    fn nested(&self) -> Result<Option<CommunicationIdentifier>, IdentifierError> {
        let mut found = Vec::new();
        if let Some(user) = &self.communication_user {
            found.push(CommunicationIdentifier::CommunicationUser {
                id: user.id.clone(),
            });
        }
        if let Some(phone) = &self.phone_number {
            let is_anonymous = phone.is_anonymous.unwrap_or(false);
            let raw_id = if is_anonymous {
                format!("{PHONE_PREFIX}{ANONYMOUS_PHONE}")
            } else {
                format!("{PHONE_PREFIX}{}", phone.value)
            };
            found.push(CommunicationIdentifier::PhoneNumber {
                value: phone.value.clone(),
                is_anonymous,
                raw_id,
            });
        }
        if let Some(user) = &self.microsoft_teams_user {
            found.push(CommunicationIdentifier::MicrosoftTeamsUser {
                user_id: user.user_id.clone(),
                is_anonymous: user.is_anonymous.unwrap_or(false),
                cloud: user.cloud.unwrap_or_default(),
            });
        }
        if let Some(app) = &self.microsoft_teams_app {
            found.push(CommunicationIdentifier::MicrosoftTeamsApp {
                app_id: app.app_id.clone(),
                cloud: app.cloud.unwrap_or_default(),
            });
        }
        if let Some(user) = &self.teams_extension_user {
            found.push(CommunicationIdentifier::TeamsExtensionUser {
                user_id: user.user_id.clone(),
                tenant_id: user.tenant_id.clone(),
                resource_id: user.resource_id.clone(),
                cloud: user.cloud.unwrap_or_default(),
            });
        }
        match found.len() {
            0 => Ok(None),
            1 => Ok(found.pop()),
            _ => Err(IdentifierError::Ambiguous),
        }
    }
}

impl From<&CommunicationIdentifier> for CommunicationIdentifierModel {
    fn from(identifier: &CommunicationIdentifier) -> Self {
        identifier.to_model()
    }
}
