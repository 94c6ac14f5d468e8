//! `acs-interop doctor`: reads what a Teams admin exports with PowerShell, applies the seed's rules and says
//! whether chat and calls with a Teams user are enabled, why, and the exact PowerShell that fixes it.
//!
//! Inputs are `... | ConvertTo-Json` output of `Get-CsTeamsAcsFederationConfiguration`,
//! `Get-CsExternalAccessPolicy` (one object or an array; it must hold the Global policy) and
//! `Get-CsOnlineUser -Identity <upn>`. Files may be UTF-8 (with or without a BOM) or UTF-16 with a BOM, as
//! Windows PowerShell's `>` writes them. Exit codes: 0 chat enabled, 1 disabled, 2 bad input
//! ([`EXIT_BAD_INPUT`], for the caller to use with a [`DoctorError`]).

mod report;
pub use report::{error_report, report};

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::model::{
    CoexistenceMode, ExternalAccessPolicy, FederationConfiguration, ModelError, TeamsUser,
};
use super::rules::{Verdict, evaluate};

/// The exit code for bad input.
pub const EXIT_BAD_INPUT: i32 = 2;

/// What the doctor reads, as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoctorInput {
    /// `Get-CsTeamsAcsFederationConfiguration | ConvertTo-Json` output.
    pub federation_config: PathBuf,
    /// `Get-CsExternalAccessPolicy | ConvertTo-Json` output.
    pub policies: PathBuf,
    /// `Get-CsOnlineUser -Identity <upn> | ConvertTo-Json` output.
    pub user: PathBuf,
    /// The ACS resource's immutable id.
    pub resource_id: String,
    /// Print the JSON report instead of text.
    pub json: bool,
}

/// The tenant facts the rules need, as read from the three exports.
pub type TenantFacts = (
    FederationConfiguration,
    Vec<ExternalAccessPolicy>,
    TeamsUser,
);

/// Bad input: which file, which property, what is wrong. Displays as "policies.json: Identity is missing
/// in the 2nd policy".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DoctorError {
    /// The path as given, or for [`parse_texts`] a label ("federation configuration", "policies", "user").
    pub file: String,
    /// The PowerShell property at fault, if one is.
    pub field: Option<String>,
    /// What is wrong, worded to follow the field name.
    pub message: String,
}

impl DoctorError {
    fn new(file: &str, message: impl Into<String>) -> DoctorError {
        DoctorError {
            file: file.to_string(),
            field: None,
            message: message.into(),
        }
    }

    fn from_model(file: &str, e: ModelError, position: Option<&str>) -> DoctorError {
        let message = match (position, &e.field) {
            (None, _) => e.message,
            (Some(pos), Some(_)) => format!("{} in the {pos}", e.message),
            (Some(pos), None) => format!("{} (the {pos})", e.message),
        };
        DoctorError {
            file: file.to_string(),
            field: e.field,
            message,
        }
    }
}

impl fmt::Display for DoctorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}: {field} {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Reads and parses the three exports.
pub fn read_files(
    federation_config: &Path,
    policies: &Path,
    user: &Path,
) -> Result<TenantFacts, DoctorError> {
    let read = |path: &Path| -> Result<(String, String), DoctorError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path)
            .map_err(|e| DoctorError::new(&name, format!("cannot be read: {e}")))?;
        let text = decode_text(&bytes).map_err(|m| DoctorError::new(&name, m))?;
        Ok((name, text))
    };
    let (fed_name, fed) = read(federation_config)?;
    let (pol_name, pol) = read(policies)?;
    let (user_name, usr) = read(user)?;
    parse_named((&fed_name, &fed), (&pol_name, &pol), (&user_name, &usr))
}

/// Parses the three exports from text (e.g. the emulator's admin API responses). Errors name the inputs
/// "federation configuration", "policies" and "user".
pub fn parse_texts(fed: &str, policies: &str, user: &str) -> Result<TenantFacts, DoctorError> {
    parse_named(
        ("federation configuration", fed),
        ("policies", policies),
        ("user", user),
    )
}

fn parse_named(
    fed: (&str, &str),
    policies: (&str, &str),
    user: (&str, &str),
) -> Result<TenantFacts, DoctorError> {
    Ok((
        parse_federation(fed.0, fed.1)?,
        parse_policies(policies.0, policies.1)?,
        parse_user(user.0, user.1)?,
    ))
}

/// Reads the files, evaluates and renders: `(output, exit code)`. On `Err`, print the error and exit with
/// [`EXIT_BAD_INPUT`].
pub fn run(input: &DoctorInput) -> Result<(String, i32), DoctorError> {
    let (config, policies, user) =
        read_files(&input.federation_config, &input.policies, &input.user)?;
    let verdict = evaluate(&config, &policies, &user, &input.resource_id);
    Ok((
        report(&verdict, &user, &input.resource_id, input.json),
        exit_code(&verdict),
    ))
}

/// 0 when ACS users can chat with the Teams user, 1 when they cannot.
pub fn exit_code(verdict: &Verdict) -> i32 {
    if verdict.chat_enabled { 0 } else { 1 }
}

/// Decodes an export: UTF-8 with or without a BOM, or UTF-16 (LE or BE) with a BOM, or UTF-16 LE without
/// one when the bytes plainly are (ASCII with every other byte zero).
pub fn decode_text(bytes: &[u8]) -> Result<String, String> {
    let utf16 = |rest: &[u8], little: bool| -> Result<String, String> {
        if !rest.len().is_multiple_of(2) {
            return Err("is UTF-16 with an odd number of bytes (truncated?)".to_string());
        }
        let units = rest.chunks_exact(2).map(|c| {
            if little {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|_| "is not valid UTF-16 text".to_string())
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => utf8(rest),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, true),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, false),
        [a, 0, ..] if *a != 0 => utf16(bytes, true),
        [0, b, ..] if *b != 0 => utf16(bytes, false),
        _ => utf8(bytes),
    }
}

fn utf8(bytes: &[u8]) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        format!(
            "is not UTF-8 or UTF-16 text (bad byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

fn parse_json(file: &str, text: &str) -> Result<Value, DoctorError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(DoctorError::new(
            file,
            "is empty: the cmdlet returned nothing (check its -Identity)",
        ));
    }
    serde_json::from_str(text).map_err(|e| {
        let full = e.to_string();
        let what = full.split(" at line ").next().unwrap_or(&full);
        DoctorError::new(
            file,
            format!(
                "is not valid JSON: {what} (line {}, column {})",
                e.line(),
                e.column()
            ),
        )
    })
}

/// One object, or an array holding exactly one (`what` names it in errors).
fn single<'a>(file: &str, value: &'a Value, what: &str) -> Result<&'a Value, DoctorError> {
    match value {
        Value::Array(items) if items.len() == 1 => Ok(&items[0]),
        Value::Array(items) if items.is_empty() => Err(DoctorError::new(
            file,
            format!("holds no {what} (an empty array)"),
        )),
        Value::Array(items) => Err(DoctorError::new(
            file,
            format!("holds {} {what}s; expected one", items.len()),
        )),
        other => Ok(other),
    }
}

fn parse_federation(file: &str, text: &str) -> Result<FederationConfiguration, DoctorError> {
    let value = parse_json(file, text)?;
    let one = single(file, &value, "configuration")?;
    FederationConfiguration::from_value(one).map_err(|e| DoctorError::from_model(file, e, None))
}

fn parse_user(file: &str, text: &str) -> Result<TeamsUser, DoctorError> {
    let value = parse_json(file, text)?;
    let one = single(file, &value, "user")?;
    let user = TeamsUser::from_value(one).map_err(|e| DoctorError::from_model(file, e, None))?;
    // A verdict on a mode the rules do not cover would be a guess: say so instead.
    if let CoexistenceMode::Other(mode) = &user.teams_upgrade_effective_mode {
        return Err(DoctorError {
            file: file.to_string(),
            field: Some("TeamsUpgradeEffectiveMode".into()),
            message: format!(
                "is {}, which is not a mode the doctor knows (TeamsOnly, Islands, SfBOnly, \
                 SfBWithTeamsCollab, SfBWithTeamsCollabAndMeetings); a number means Windows \
                 PowerShell 5.1 wrote the mode as a number: export with PowerShell 7 instead",
                crate::text::sanitize_line(&format!("{mode:?}"))
            ),
        });
    }
    Ok(user)
}

fn parse_policies(file: &str, text: &str) -> Result<Vec<ExternalAccessPolicy>, DoctorError> {
    let value = parse_json(file, text)?;
    let items: Vec<&Value> = match &value {
        Value::Array(items) => items.iter().collect(),
        // ConvertTo-Json sometimes wraps a collection as `{"value": [...], "Count": n}`.
        Value::Object(obj) if !obj.keys().any(|k| k.eq_ignore_ascii_case("Identity")) => {
            match obj.iter().find(|(k, _)| k.eq_ignore_ascii_case("value")) {
                Some((_, Value::Array(items))) => items.iter().collect(),
                _ => vec![&value],
            }
        }
        other => vec![other],
    };
    if items.is_empty() {
        return Err(DoctorError::new(file, "holds no policies (an empty array)"));
    }
    let several = items.len() > 1 || value.is_array();
    let mut policies: Vec<ExternalAccessPolicy> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let position = format!("{} policy", ordinal(i + 1));
        let policy = ExternalAccessPolicy::from_value(item)
            .map_err(|e| DoctorError::from_model(file, e, several.then_some(position.as_str())))?;
        if let Some(j) = policies.iter().position(|p| p.is_named(&policy.identity)) {
            return Err(DoctorError {
                file: file.to_string(),
                field: Some("Identity".to_string()),
                message: format!(
                    "{} appears twice, in the {} and the {position}",
                    policies[j].identity,
                    ordinal(j + 1)
                ),
            });
        }
        policies.push(policy);
    }
    if !policies.iter().any(ExternalAccessPolicy::is_global) {
        return Err(DoctorError::new(
            file,
            "has no Global policy; export every policy with Get-CsExternalAccessPolicy | ConvertTo-Json",
        ));
    }
    Ok(policies)
}

/// 1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, 21st.
pub fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests;
