//! The Teams tenant facts that decide interop, in the shapes the Teams PowerShell module exports them
//! (`... | ConvertTo-Json`). The emulator's admin API returns the same shapes, so one parser reads both.
//!
//! Parsing is lenient the way PowerShell is: property names match case-insensitively, `null` counts as
//! absent, booleans may also be the strings `"True"`/`"False"`, and list properties may be `null`, a single
//! string or an array. What cannot be read is a [`ModelError`] naming the property.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

mod ps_json;
pub(crate) use ps_json::describe;
use ps_json::{bool_prop, is_guid, object, prop, string_list, string_prop};

/// The name of the policy every user without a custom one gets.
pub const GLOBAL_POLICY: &str = "Global";

/// A property that cannot be read. Displays as "`field` `message`", e.g. "Identity is missing".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ModelError {
    /// The PowerShell property name, when one property is at fault.
    pub field: Option<String>,
    /// What is wrong, worded to follow the field name.
    pub message: String,
}

impl ModelError {
    pub(crate) fn field(field: &str, message: impl Into<String>) -> ModelError {
        ModelError {
            field: Some(field.to_string()),
            message: message.into(),
        }
    }

    pub(crate) fn whole(message: impl Into<String>) -> ModelError {
        ModelError {
            field: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field} {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// `Get-CsTeamsAcsFederationConfiguration`: the tenant's single ACS federation configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "Value")]
pub struct FederationConfiguration {
    #[serde(rename = "EnableAcsUsers")]
    pub enable_acs_users: bool,
    /// Immutable ids of the ACS resources whose users may reach this tenant.
    #[serde(rename = "AllowedAcsResources")]
    pub allowed_acs_resources: Vec<String>,
}

impl FederationConfiguration {
    /// Reads one exported configuration object. `EnableAcsUsers` is required; `AllowedAcsResources` may be
    /// absent, `null`, a string, an array or PowerShell's `{"value": [...]}` wrapper.
    pub fn from_value(value: &Value) -> Result<FederationConfiguration, ModelError> {
        let obj = object(value, "the federation configuration")?;
        let enable_acs_users = bool_prop(obj, "EnableAcsUsers")?
            .ok_or_else(|| ModelError::field("EnableAcsUsers", "is missing"))?;
        let allowed_acs_resources = string_list(obj, "AllowedAcsResources")?;
        Ok(FederationConfiguration {
            enable_acs_users,
            allowed_acs_resources,
        })
    }

    /// Whether `resource_id` is in `AllowedAcsResources` (immutable ids compare case-insensitively).
    pub fn allows(&self, resource_id: &str) -> bool {
        let wanted = resource_id.trim();
        self.allowed_acs_resources
            .iter()
            .any(|r| r.trim().eq_ignore_ascii_case(wanted))
    }
}

impl TryFrom<Value> for FederationConfiguration {
    type Error = ModelError;
    fn try_from(value: Value) -> Result<Self, ModelError> {
        FederationConfiguration::from_value(&value)
    }
}

/// `Get-CsExternalAccessPolicy`: one External Access Policy, `Global` or a custom `Tag:<name>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Value")]
pub struct ExternalAccessPolicy {
    /// `Global` or `Tag:<name>` (a bare `<name>` is accepted everywhere and means the same policy).
    #[serde(rename = "Identity")]
    pub identity: String,
    #[serde(rename = "EnableAcsFederationAccess")]
    pub enable_acs_federation_access: bool,
}

impl ExternalAccessPolicy {
    /// Reads one exported policy. `Identity` is required and normalised to `Global` or `Tag:<name>`;
    /// a missing `EnableAcsFederationAccess` is false, as for a policy created before the property existed
    /// (the seed has admins set it to `$true` explicitly).
    pub fn from_value(value: &Value) -> Result<ExternalAccessPolicy, ModelError> {
        let obj = object(value, "a policy")?;
        let identity = string_prop(obj, "Identity")?
            .ok_or_else(|| ModelError::field("Identity", "is missing"))?;
        if policy_name(&identity).is_empty() {
            return Err(ModelError::field("Identity", "is empty"));
        }
        let enable_acs_federation_access =
            bool_prop(obj, "EnableAcsFederationAccess")?.unwrap_or(false);
        Ok(ExternalAccessPolicy {
            identity: canonical_identity(&identity),
            enable_acs_federation_access,
        })
    }

    pub fn is_global(&self) -> bool {
        is_global_name(&self.identity)
    }

    /// The name without `Tag:`, as `Grant-CsExternalAccessPolicy -PolicyName` takes it.
    pub fn name(&self) -> &str {
        policy_name(&self.identity)
    }

    /// `Global` or `Tag:<name>`, however the identity was spelled.
    pub fn canonical_identity(&self) -> String {
        canonical_identity(&self.identity)
    }

    /// Whether `name` (`Tag:Name`, `Name`, any case) refers to this policy.
    pub fn is_named(&self, name: &str) -> bool {
        same_policy(&self.identity, name)
    }
}

impl TryFrom<Value> for ExternalAccessPolicy {
    type Error = ModelError;
    fn try_from(value: Value) -> Result<Self, ModelError> {
        ExternalAccessPolicy::from_value(&value)
    }
}

/// A policy identity without its `Tag:` prefix, trimmed.
pub fn policy_name(identity: &str) -> &str {
    let id = identity.trim();
    match id.get(..4) {
        Some(prefix) if prefix.eq_ignore_ascii_case("tag:") => id[4..].trim(),
        _ => id,
    }
}

/// `Global` or `Tag:<name>` for any spelling of a policy identity.
pub fn canonical_identity(identity: &str) -> String {
    if is_global_name(identity) {
        GLOBAL_POLICY.to_string()
    } else {
        format!("Tag:{}", policy_name(identity))
    }
}

/// Whether two policy identities name the same policy: `Tag:` is optional and case does not matter.
pub fn same_policy(a: &str, b: &str) -> bool {
    policy_name(a).eq_ignore_ascii_case(policy_name(b))
}

fn is_global_name(identity: &str) -> bool {
    identity.trim().eq_ignore_ascii_case(GLOBAL_POLICY)
}

/// `Get-CsOnlineUser -Identity <upn>`: the facts about one Teams user that interop depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Value")]
pub struct TeamsUser {
    /// Entra object id (`ExternalDirectoryObjectId`).
    #[serde(rename = "ExternalDirectoryObjectId")]
    pub object_id: String,
    #[serde(rename = "UserPrincipalName")]
    pub user_principal_name: String,
    #[serde(rename = "DisplayName")]
    pub display_name: String,
    /// The custom External Access Policy granted to the user; `None` (or `""`) means the Global one.
    #[serde(rename = "ExternalAccessPolicy")]
    pub external_access_policy: Option<String>,
    #[serde(rename = "TeamsUpgradeEffectiveMode")]
    pub teams_upgrade_effective_mode: CoexistenceMode,
}

impl TeamsUser {
    /// Reads one exported user. The object id comes from `ExternalDirectoryObjectId`, else `ObjectId`,
    /// else `Identity` when that is a GUID or a `CN=<guid>,...` name. `ExternalAccessPolicy` may be null,
    /// `""`, `"Name"`, `"Tag:Name"` or an object with `Identity`/`Name`. `UserPrincipalName` and
    /// `TeamsUpgradeEffectiveMode` are required; `DisplayName` defaults to empty.
    pub fn from_value(value: &Value) -> Result<TeamsUser, ModelError> {
        let obj = object(value, "a user")?;
        let user_principal_name = string_prop(obj, "UserPrincipalName")?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ModelError::field("UserPrincipalName", "is missing"))?;
        let object_id = object_id(obj)?;
        let display_name = string_prop(obj, "DisplayName")?.unwrap_or_default();
        let external_access_policy = granted_policy(obj)?;
        let teams_upgrade_effective_mode = match prop(obj, "TeamsUpgradeEffectiveMode") {
            None => return Err(ModelError::field("TeamsUpgradeEffectiveMode", "is missing")),
            Some(Value::String(s)) => CoexistenceMode::parse(s),
            // Windows PowerShell 5.1 writes some enums as numbers; keep the number so it is shown.
            Some(Value::Number(n)) => CoexistenceMode::Other(n.to_string()),
            Some(other) => {
                return Err(ModelError::field(
                    "TeamsUpgradeEffectiveMode",
                    format!(
                        "must be a mode such as \"TeamsOnly\", found {}",
                        describe(other)
                    ),
                ));
            }
        };
        Ok(TeamsUser {
            object_id,
            user_principal_name,
            display_name,
            external_access_policy,
            teams_upgrade_effective_mode,
        })
    }

    /// The custom policy granted to the user, or `None` when the Global policy applies.
    pub fn granted_policy(&self) -> Option<&str> {
        self.external_access_policy
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty() && !is_global_name(p))
    }
}

impl TryFrom<Value> for TeamsUser {
    type Error = ModelError;
    fn try_from(value: Value) -> Result<Self, ModelError> {
        TeamsUser::from_value(&value)
    }
}

fn object_id(obj: &Map<String, Value>) -> Result<String, ModelError> {
    for name in ["ExternalDirectoryObjectId", "ObjectId"] {
        if let Some(id) = string_prop(obj, name)?.filter(|s| !s.is_empty()) {
            return Ok(id);
        }
    }
    let identity = string_prop(obj, "Identity")?.unwrap_or_default();
    if is_guid(&identity) {
        return Ok(identity);
    }
    // Older modules give a directory name such as `CN=<guid>,OU=...`.
    let cn = identity
        .split(',')
        .next()
        .and_then(|rdn| rdn.trim().strip_prefix("CN="))
        .map(str::trim);
    match cn {
        Some(guid) if is_guid(guid) => Ok(guid.to_string()),
        _ => Err(ModelError::field(
            "ExternalDirectoryObjectId",
            "is missing, and Identity is not an object id (a GUID) either",
        )),
    }
}

fn granted_policy(obj: &Map<String, Value>) -> Result<Option<String>, ModelError> {
    let name = match prop(obj, "ExternalAccessPolicy") {
        None => None,
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(Value::Object(policy)) => match string_prop(policy, "Identity")? {
            Some(id) => Some(id),
            None => string_prop(policy, "Name")?,
        },
        Some(other) => {
            return Err(ModelError::field(
                "ExternalAccessPolicy",
                format!(
                    "must be null, a policy name or a policy object, found {}",
                    describe(other)
                ),
            ));
        }
    };
    Ok(name.filter(|n| !n.is_empty() && !is_global_name(n)))
}

/// `TeamsUpgradeEffectiveMode`: the user's Teams/Skype for Business coexistence mode.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CoexistenceMode {
    TeamsOnly,
    Islands,
    SfBOnly,
    SfBWithTeamsCollab,
    SfBWithTeamsCollabAndMeetings,
    /// A mode this crate does not know, kept as exported.
    Other(String),
}

impl CoexistenceMode {
    /// Reads a mode case-insensitively; anything unknown is kept as [`CoexistenceMode::Other`].
    pub fn parse(s: &str) -> CoexistenceMode {
        let s = s.trim();
        [
            CoexistenceMode::TeamsOnly,
            CoexistenceMode::Islands,
            CoexistenceMode::SfBOnly,
            CoexistenceMode::SfBWithTeamsCollab,
            CoexistenceMode::SfBWithTeamsCollabAndMeetings,
        ]
        .into_iter()
        .find(|m| m.as_str().eq_ignore_ascii_case(s))
        .unwrap_or_else(|| CoexistenceMode::Other(s.to_string()))
    }

    /// The PowerShell spelling.
    pub fn as_str(&self) -> &str {
        match self {
            CoexistenceMode::TeamsOnly => "TeamsOnly",
            CoexistenceMode::Islands => "Islands",
            CoexistenceMode::SfBOnly => "SfBOnly",
            CoexistenceMode::SfBWithTeamsCollab => "SfBWithTeamsCollab",
            CoexistenceMode::SfBWithTeamsCollabAndMeetings => "SfBWithTeamsCollabAndMeetings",
            CoexistenceMode::Other(s) => s,
        }
    }

    /// Only TeamsOnly users can receive calls from ACS users.
    pub fn is_teams_only(&self) -> bool {
        *self == CoexistenceMode::TeamsOnly
    }
}

impl fmt::Display for CoexistenceMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CoexistenceMode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CoexistenceMode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(CoexistenceMode::parse(&String::deserialize(deserializer)?))
    }
}

#[cfg(test)]
mod tests;
