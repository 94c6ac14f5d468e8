//! The tenant seed file (TOML): federation configuration, policies, users, apps and personas.
//! The same shape is kept (as JSON) in the emulator's database, so admin changes survive restarts.

use serde::{Deserialize, Serialize};

/// The built-in demo tenant.
pub const DEMO_SEED: &str = include_str!("../../../seeds/demo-tenant.toml");

/// Stands for this emulator's immutable resource id in `allowed_acs_resources`.
pub const THIS_RESOURCE: &str = "emulator";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    pub tenant: TenantInfo,
    pub federation: Federation,
    #[serde(default)]
    pub policies: Vec<Policy>,
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub apps: Vec<App>,
    #[serde(default)]
    pub personas: Vec<Persona>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantInfo {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Federation {
    pub enable_acs_users: bool,
    #[serde(default)]
    pub allowed_acs_resources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// `Global` or `Tag:<name>`.
    pub identity: String,
    pub enable_acs_federation_access: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub object_id: String,
    pub upn: String,
    pub display_name: String,
    /// The granted External Access Policy; none means Global.
    #[serde(default)]
    pub policy: Option<String>,
    /// TeamsUpgradeEffectiveMode: TeamsOnly, Islands, SfBOnly, ...
    #[serde(default = "teams_only")]
    pub mode: String,
    #[serde(default = "public_cloud")]
    pub cloud: String,
}

fn teams_only() -> String {
    "TeamsOnly".into()
}

fn public_cloud() -> String {
    "public".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct App {
    pub app_id: String,
    pub display_name: String,
    #[serde(default)]
    pub kind: String,
    /// How the app takes calls; without it, it answers after a second.
    #[serde(default)]
    pub call: Option<CallBehaviour>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Persona {
    /// The Teams user's UPN or object id.
    pub user: String,
    #[serde(default)]
    pub rules: Vec<PersonaRule>,
    /// How the user takes calls from ACS users; without it, calls ring until the ring timeout.
    #[serde(default)]
    pub call: Option<CallBehaviour>,
}

/// What a Teams user (or app) does when an ACS user calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallAnswer {
    Accept,
    Decline,
    /// Let it ring until the ring timeout.
    Ignore,
}

/// A persona's (or app's) call behaviour. The `*_after_ms` delays count from the moment it answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallBehaviour {
    #[serde(default = "accept")]
    pub answer: CallAnswer,
    /// How long it rings before the answer (or the decline).
    #[serde(default = "default_answer_ms")]
    pub answer_after_ms: u64,
    /// Start a Teams recording this long after answering.
    #[serde(default)]
    pub record_after_ms: Option<u64>,
    /// Stop that recording this long after answering.
    #[serde(default)]
    pub stop_recording_after_ms: Option<u64>,
    /// Start Teams transcription this long after answering.
    #[serde(default)]
    pub transcribe_after_ms: Option<u64>,
    /// Hang up this long after answering.
    #[serde(default)]
    pub hang_up_after_ms: Option<u64>,
    /// What it plays to the caller after answering (voice apps); shown by the admin API.
    #[serde(default)]
    pub greeting: Option<String>,
}

fn accept() -> CallAnswer {
    CallAnswer::Accept
}

fn default_answer_ms() -> u64 {
    1500
}

impl Default for CallBehaviour {
    fn default() -> Self {
        CallBehaviour {
            answer: CallAnswer::Accept,
            answer_after_ms: default_answer_ms(),
            record_after_ms: None,
            stop_recording_after_ms: None,
            transcribe_after_ms: None,
            hang_up_after_ms: None,
            greeting: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonaRule {
    /// Words separated by `|`; the rule fires when a message contains one (case-insensitive). Empty: any.
    #[serde(default)]
    pub when: String,
    #[serde(default = "default_typing")]
    pub typing_ms: u64,
    /// HTML; `{message}` is the message answered (escaped), `{attachment}` the attachment's id.
    pub reply: String,
    #[serde(default)]
    pub attachment: Option<AttachmentSeed>,
}

fn default_typing() -> u64 {
    1000
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentSeed {
    /// `image` or `file`.
    pub kind: String,
    pub name: String,
}

#[derive(Debug, thiserror::Error)]
#[error("the tenant seed {source_name}: {reason}")]
pub struct SeedError {
    pub source_name: String,
    pub reason: String,
}

impl PersonaRule {
    pub fn matches(&self, text: &str) -> bool {
        let lower = text.to_lowercase();
        let words: Vec<&str> = self
            .when
            .split('|')
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .collect();
        words.is_empty() || words.iter().any(|w| lower.contains(&w.to_lowercase()))
    }
}

impl Seed {
    /// Parses and checks a seed; `THIS_RESOURCE` in the allowlist becomes `resource_id`.
    pub fn parse(text: &str, source_name: &str, resource_id: &str) -> Result<Seed, SeedError> {
        let err = |reason: String| SeedError {
            source_name: source_name.to_string(),
            reason,
        };
        let mut seed: Seed = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        for r in &mut seed.federation.allowed_acs_resources {
            if r.eq_ignore_ascii_case(THIS_RESOURCE) {
                *r = resource_id.to_string();
            }
        }
        for user in &seed.users {
            if let Some(p) = &user.policy
                && !p.is_empty()
                && seed.policy(p).is_none()
            {
                return Err(err(format!(
                    "user {} is granted policy '{p}', which the seed does not define",
                    user.upn
                )));
            }
        }
        for persona in &seed.personas {
            if seed.user(&persona.user).is_none() {
                return Err(err(format!(
                    "persona '{}' is not one of the seed's users",
                    persona.user
                )));
            }
            for rule in &persona.rules {
                if let Some(a) = &rule.attachment
                    && a.kind != "image"
                    && a.kind != "file"
                {
                    return Err(err(format!(
                        "attachment kind '{}' must be image or file",
                        a.kind
                    )));
                }
            }
        }
        Ok(seed)
    }

    /// A policy by `Global`, `Tag:Name` or `Name`, case-insensitively.
    pub fn policy(&self, name: &str) -> Option<&Policy> {
        self.policies
            .iter()
            .find(|p| crate::interop::model::same_policy(&p.identity, name))
    }

    pub fn policy_mut(&mut self, name: &str) -> Option<&mut Policy> {
        self.policies
            .iter_mut()
            .find(|p| crate::interop::model::same_policy(&p.identity, name))
    }

    /// A user by object id or UPN, case-insensitively.
    pub fn user(&self, id_or_upn: &str) -> Option<&User> {
        self.users.iter().find(|u| {
            u.object_id.eq_ignore_ascii_case(id_or_upn) || u.upn.eq_ignore_ascii_case(id_or_upn)
        })
    }

    pub fn user_mut(&mut self, id_or_upn: &str) -> Option<&mut User> {
        self.users.iter_mut().find(|u| {
            u.object_id.eq_ignore_ascii_case(id_or_upn) || u.upn.eq_ignore_ascii_case(id_or_upn)
        })
    }

    /// An app by its id, case-insensitively.
    pub fn app(&self, app_id: &str) -> Option<&App> {
        self.apps
            .iter()
            .find(|a| a.app_id.eq_ignore_ascii_case(app_id))
    }

    pub fn persona_of(&self, object_id: &str) -> Option<&Persona> {
        let user = self.user(object_id)?;
        self.personas.iter().find(|p| {
            p.user.eq_ignore_ascii_case(&user.upn) || p.user.eq_ignore_ascii_case(&user.object_id)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_tenant_shows_every_interesting_case() {
        let seed = Seed::parse(DEMO_SEED, "demo", "res-1").unwrap();
        assert_eq!(seed.federation.allowed_acs_resources, vec!["res-1"]);
        assert!(
            seed.users
                .iter()
                .any(|u| u.policy.as_deref() == Some("Tag:NoAcsFederation"))
        );
        assert!(seed.users.iter().any(|u| u.mode != "TeamsOnly"));
        assert!(seed.apps.iter().any(|a| a.kind == "voice"));
        assert!(seed.persona_of(&seed.users[0].object_id).is_some());
        let answers: Vec<CallAnswer> = seed
            .personas
            .iter()
            .filter_map(|p| p.call.as_ref().map(|c| c.answer))
            .collect();
        assert!(answers.contains(&CallAnswer::Accept) && answers.contains(&CallAnswer::Decline));
        let app = seed.apps.iter().find(|a| a.kind == "voice").unwrap();
        assert!(
            app.call
                .as_ref()
                .and_then(|c| c.greeting.as_ref())
                .is_some()
        );
        assert!(
            seed.personas
                .iter()
                .any(|p| p.call.as_ref().is_some_and(|c| c.record_after_ms.is_some()))
        );
    }

    #[test]
    fn call_behaviour_reads_from_toml_with_defaults() {
        let text = DEMO_SEED.to_string()
            + "\n[[personas]]\nuser = \"lee@contoso.example\"\n[personas.call]\nanswer = \"ignore\"\n";
        let seed = Seed::parse(&text, "t", "r").unwrap();
        let call = seed.personas.last().unwrap().call.clone().unwrap();
        assert_eq!(call.answer, CallAnswer::Ignore);
        assert_eq!(call.answer_after_ms, 1500);
        let bad = DEMO_SEED.to_string()
            + "\n[[personas]]\nuser = \"lee@contoso.example\"\n[personas.call]\nanswer = \"maybe\"\n";
        let e = Seed::parse(&bad, "t.toml", "r").unwrap_err().to_string();
        assert!(e.contains("maybe"), "{e}");
    }

    #[test]
    fn mistakes_in_a_seed_are_named() {
        let bad = DEMO_SEED.replace("policy = \"Tag:NoAcsFederation\"", "policy = \"Tag:Nope\"");
        let e = Seed::parse(&bad, "mine.toml", "r").unwrap_err().to_string();
        assert!(e.contains("mine.toml") && e.contains("Tag:Nope"), "{e}");
        let e = Seed::parse("[tenant]\nid='x'\nname='y'\n", "t.toml", "r")
            .unwrap_err()
            .to_string();
        assert!(e.contains("federation"), "{e}");
    }

    #[test]
    fn rules_match_words_case_insensitively() {
        let rule = PersonaRule {
            when: "image|Photo".into(),
            typing_ms: 0,
            reply: String::new(),
            attachment: None,
        };
        assert!(rule.matches("send me a PHOTO please"));
        assert!(!rule.matches("hello"));
        let any = PersonaRule {
            when: String::new(),
            ..rule
        };
        assert!(any.matches("hello"));
    }
}
