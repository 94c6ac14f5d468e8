//! `acs-interop doctor`: whether ACS users can chat with and call a Teams user, the rule that decided,
//! and the PowerShell that fixes it; from an admin's exports or from the emulator's tenant.

use std::path::PathBuf;

use crate::acs::connection_string::ConnectionString;
use crate::client::{IdentityClient, TeamsAdminClient, build_http_client};
use crate::interop::doctor::{
    DoctorError, EXIT_BAD_INPUT, error_report, exit_code, parse_texts, read_files, report,
};
use crate::interop::evaluate;

/// Where the facts come from.
#[derive(Debug, Clone)]
pub enum DoctorSource {
    Files {
        federation_config: PathBuf,
        policies: PathBuf,
        user: PathBuf,
        resource_id: String,
    },
    Emulator {
        connection: ConnectionString,
        ca_cert: Option<PathBuf>,
        user: String,
    },
}

/// `(exit code, output)`: 0 when chat is enabled, 1 when disabled, 2 on bad input (the output then names
/// the file and the field).
pub async fn doctor(source: DoctorSource, json: bool) -> (u8, String) {
    let bad = |e: DoctorError| (EXIT_BAD_INPUT as u8, error_report(&e, json));
    let (facts, resource_id) = match source {
        DoctorSource::Files {
            federation_config,
            policies,
            user,
            resource_id,
        } => match read_files(&federation_config, &policies, &user) {
            Ok(facts) => (facts, resource_id),
            Err(e) => return bad(e),
        },
        DoctorSource::Emulator {
            connection,
            ca_cert,
            user,
        } => match from_emulator(&connection, ca_cert, &user).await {
            Ok(found) => found,
            Err(e) => return bad(e),
        },
    };
    let (config, policies, user) = facts;
    let verdict = evaluate(&config, &policies, &user, &resource_id);
    (
        exit_code(&verdict) as u8,
        report(&verdict, &user, &resource_id, json),
    )
}

async fn from_emulator(
    connection: &ConnectionString,
    ca_cert: Option<PathBuf>,
    user: &str,
) -> Result<(crate::interop::doctor::TenantFacts, String), DoctorError> {
    let fail = |what: &str, e: &dyn std::fmt::Display| DoctorError {
        file: format!("the emulator at {}", connection.endpoint),
        field: None,
        message: format!("{what}: {e}"),
    };
    crate::install_crypto_provider();
    let http = build_http_client(ca_cert.as_deref()).map_err(|e| fail("cannot connect", &e))?;
    let identity = IdentityClient::new(http, connection).map_err(|e| fail("cannot connect", &e))?;
    let admin = TeamsAdminClient::new(identity);
    let federation = admin
        .federation()
        .await
        .map_err(|e| fail("the federation configuration", &e))?;
    let policies = admin
        .policies()
        .await
        .map_err(|e| fail("the policies", &e))?;
    let found = admin
        .user(user)
        .await
        .map_err(|e| fail(&format!("the user {user}"), &e))?;
    let resource_id = admin
        .resource_id()
        .await
        .map_err(|e| fail("the resource id", &e))?;
    let facts = parse_texts(
        &federation.to_string(),
        &policies.to_string(),
        &found.to_string(),
    )?;
    Ok((facts, resource_id))
}
