//! `acs-interop faults ...`: shows and changes the emulator's fault injection while it runs.

use anyhow::Context;
use serde_json::Value;
use std::path::PathBuf;

use crate::acs::connection_string::ConnectionString;
use crate::client::{IdentityClient, TeamsAdminClient, build_http_client};

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultsAction {
    Show,
    Set { spec: String },
    Clear,
}

/// Runs `action` against the emulator of `connection`, then prints the faults in force.
pub async fn run(
    connection: &ConnectionString,
    ca_cert: Option<PathBuf>,
    json: bool,
    action: FaultsAction,
) -> anyhow::Result<()> {
    crate::install_crypto_provider();
    let http = build_http_client(ca_cert.as_deref())?;
    let admin = TeamsAdminClient::new(IdentityClient::new(http, connection)?);
    let shown = match action {
        FaultsAction::Show => admin.faults().await?,
        FaultsAction::Set { spec } => admin.set_faults(&spec).await?,
        FaultsAction::Clear => admin.clear_faults().await?,
    };
    if json {
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(&shown).context("printing the answer")?
        );
    } else {
        for line in readable(&shown) {
            crate::outln!("{line}");
        }
    }
    Ok(())
}

/// The faults in force and the counts of what was injected, a class to a line.
pub fn readable(faults: &Value) -> Vec<String> {
    let text = |v: &Value| crate::text::sanitize_line(v.as_str().unwrap_or("?")).into_owned();
    if faults["active"] != true {
        return vec!["faults: off".into()];
    }
    let mut lines = vec![
        format!("faults: {}", text(&faults["spec"])),
        format!(
            "seed:   {} (the same spec and seed repeat the same choices)",
            faults["seed"]
        ),
    ];
    let mut counted = Vec::new();
    if let Some(classes) = faults["injected"].as_object() {
        for (class, counts) in classes {
            let Some(counts) = counts.as_object().filter(|c| !c.is_empty()) else {
                continue;
            };
            let items: Vec<String> = counts
                .iter()
                .map(|(kind, n)| format!("{} ×{n}", crate::text::sanitize_line(kind)))
                .collect();
            counted.push(format!(
                "  {:<12} {}",
                crate::text::sanitize_line(class),
                items.join(", ")
            ));
        }
    }
    if counted.is_empty() {
        lines.push("injected: nothing yet".into());
    } else {
        lines.push("injected since set:".into());
        lines.extend(counted);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_counts_read_a_class_to_a_line() {
        let shown = readable(&json!({
            "active": true,
            "spec": "503=10%,seed=7",
            "seed": 7,
            "injected": {"identity": {}, "chat-writes": {"503": 3, "latency": 20}},
        }));
        assert_eq!(
            shown,
            [
                "faults: 503=10%,seed=7",
                "seed:   7 (the same spec and seed repeat the same choices)",
                "injected since set:",
                "  chat-writes  503 ×3, latency ×20",
            ]
        );
        assert_eq!(readable(&json!({"active": false})), ["faults: off"]);
    }
}
