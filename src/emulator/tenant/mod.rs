//! The simulated Teams tenant: its federation configuration, External Access Policies, users, apps and
//! personas. Loaded from a seed (or the built-in demo), changed through the admin API, kept in the
//! emulator's database so changes survive restarts.

pub(crate) mod admin;
pub use admin::MAX_POLICY_NAME_CHARS;
pub(crate) mod personas;
pub mod seed;

use std::sync::{Arc, RwLock};

use crate::interop::{
    CoexistenceMode, ExternalAccessPolicy, FederationConfiguration, TeamsUser, Verdict, evaluate,
};
use seed::{DEMO_SEED, Seed, User};

use super::error::ApiError;
use super::store::Store;

const META_KEY: &str = "teams_tenant";

/// Shared handle to the tenant.
#[derive(Clone)]
pub struct Tenant {
    seed: Arc<RwLock<Seed>>,
    store: Store,
    resource_id: Arc<str>,
}

/// Where the tenant comes from at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantSource {
    /// The stored tenant, or the built-in demo on the first start.
    StoredOrDemo,
    /// This seed file's text (replaces what was stored).
    Seed { name: String, text: String },
}

impl Tenant {
    pub async fn load(
        store: Store,
        resource_id: &str,
        source: TenantSource,
    ) -> Result<Tenant, ApiError> {
        let stored = store.run(|db| Ok(db.meta_value(META_KEY)?)).await?;
        let seed = match (&source, stored) {
            (TenantSource::Seed { name, text }, _) => Seed::parse(text, name, resource_id)
                .map_err(|e| ApiError::bad_request(e.to_string()))?,
            (TenantSource::StoredOrDemo, Some(json)) => match serde_json::from_str(&json) {
                Ok(seed) => seed,
                Err(e) => {
                    tracing::warn!(error = %e, "the stored tenant cannot be read; using the demo tenant");
                    Seed::parse(DEMO_SEED, "demo tenant", resource_id)
                        .map_err(|e| ApiError::internal(e.to_string()))?
                }
            },
            (TenantSource::StoredOrDemo, None) => {
                Seed::parse(DEMO_SEED, "demo tenant", resource_id)
                    .map_err(|e| ApiError::internal(e.to_string()))?
            }
        };
        let tenant = Tenant {
            seed: Arc::new(RwLock::new(seed)),
            store,
            resource_id: Arc::from(resource_id),
        };
        tenant.persist().await?;
        Ok(tenant)
    }

    /// A copy of the tenant as it is now.
    pub fn snapshot(&self) -> Seed {
        match self.seed.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Changes the tenant and keeps the change.
    pub async fn change<T>(
        &self,
        f: impl FnOnce(&mut Seed) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let out = {
            let mut guard = match self.seed.write() {
                Ok(g) => g,
                Err(poisoned) => poisoned.into_inner(),
            };
            f(&mut guard)?
        };
        self.persist().await?;
        Ok(out)
    }

    async fn persist(&self) -> Result<(), ApiError> {
        let json = serde_json::to_string(&self.snapshot())
            .map_err(|e| ApiError::internal(e.to_string()))?;
        self.store
            .run(move |db| Ok(db.set_meta_value(META_KEY, &json)?))
            .await
    }

    pub fn resource_id(&self) -> &str {
        &self.resource_id
    }
}

/// The tenant's facts in the shapes the interop rules (and PowerShell) use.
pub fn federation_of(seed: &Seed) -> FederationConfiguration {
    FederationConfiguration {
        enable_acs_users: seed.federation.enable_acs_users,
        allowed_acs_resources: seed.federation.allowed_acs_resources.clone(),
    }
}

pub fn policies_of(seed: &Seed) -> Vec<ExternalAccessPolicy> {
    seed.policies
        .iter()
        .map(|p| ExternalAccessPolicy {
            identity: p.identity.clone(),
            enable_acs_federation_access: p.enable_acs_federation_access,
        })
        .collect()
}

pub fn teams_user_of(user: &User) -> TeamsUser {
    TeamsUser {
        object_id: user.object_id.clone(),
        user_principal_name: user.upn.clone(),
        display_name: user.display_name.clone(),
        external_access_policy: user.policy.clone().filter(|p| !p.is_empty()),
        teams_upgrade_effective_mode: CoexistenceMode::parse(&user.mode),
    }
}

/// What the rules say about ACS users of `resource_id` and this Teams user.
pub fn verdict_for(seed: &Seed, user: &User, resource_id: &str) -> Verdict {
    evaluate(
        &federation_of(seed),
        &policies_of(seed),
        &teams_user_of(user),
        resource_id,
    )
}
