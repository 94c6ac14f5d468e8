//! Teams interop in the console: finding Teams users, explaining refusals with the doctor's rules, and
//! (emulator only) speaking as a Teams user.

use super::Ctx;
use crate::acs::CommunicationError;
use crate::acs::identifier::{CommunicationIdentifier, IdentifierKind};
use crate::backend::BackendEvent;
use crate::client::TeamsAdminClient;
use crate::interop::{
    Verdict, evaluate, explain_refusal_code, explain_refused_call, explain_refused_participant,
};
use crate::model::SafeText;

type Explanation = (SafeText, SafeText);

fn explained(what: impl AsRef<str>, fix: impl AsRef<str>) -> Explanation {
    (SafeText::new(what.as_ref()), SafeText::new(fix.as_ref()))
}

fn admin(ctx: &Ctx) -> Result<&TeamsAdminClient, Explanation> {
    ctx.teams_admin.as_ref().ok_or_else(|| {
        explained(
            "Teams users can be looked up by UPN, and spoken as, only in the acs-interop emulator's tenant.",
            "Against the real service give the Teams user's Entra object id (8:orgid:<object id>).",
        )
    })
}

/// A participant as the service takes it, with a display name when the emulator's directory knows one:
/// raw ids pass, a UPN is looked up.
pub async fn resolve(
    ctx: &Ctx,
    participant: &str,
) -> Result<(String, Option<String>), Explanation> {
    let is_upn = !participant.contains(':') && participant.contains('@');
    let teams_object_id = match CommunicationIdentifier::from_raw_id(participant) {
        CommunicationIdentifier::MicrosoftTeamsUser { user_id, .. } => Some(user_id),
        _ => None,
    };
    let lookup = match (is_upn, &teams_object_id) {
        (true, _) => participant.to_string(),
        (false, Some(object_id)) => object_id.clone(),
        (false, None) => return Ok((participant.to_string(), None)),
    };
    let admin = match admin(ctx) {
        Ok(admin) => admin,
        Err(e) if is_upn => return Err(e),
        // Against the real service a Teams raw id is passed as it is.
        Err(_) => return Ok((participant.to_string(), None)),
    };
    match admin.user(&lookup).await {
        Ok(user) => {
            let raw = user["rawId"].as_str().unwrap_or(participant).to_string();
            Ok((raw, user["DisplayName"].as_str().map(str::to_string)))
        }
        // An unknown object id is for the service to refuse (404), as the real one would.
        Err(_) if !is_upn => Ok((participant.to_string(), None)),
        Err(e) => Err(explained(
            format!("Cannot look up {participant}: {e}"),
            "Check the UPN (acs-interop teams users lists them).",
        )),
    }
}

/// Why the service refused a participant, and what fixes it: from the tenant's facts when this is the
/// emulator, from the refusal code otherwise.
pub async fn explain_refusal(ctx: &Ctx, refused: &CommunicationError) -> Explanation {
    let who = refused
        .target
        .clone()
        .unwrap_or_else(|| "someone".to_string());
    let teams_user = match CommunicationIdentifier::from_raw_id(&who) {
        CommunicationIdentifier::MicrosoftTeamsUser { user_id, .. } => Some(user_id),
        _ => None,
    };
    if refused.code == "403"
        && let (Some(object_id), Some(admin)) = (&teams_user, &ctx.teams_admin)
        && let Some(explanation) = explain_from_tenant(admin, object_id).await
    {
        return explanation;
    }
    if CommunicationIdentifier::from_raw_id(&who).kind() == IdentifierKind::CommunicationUser {
        return explained(
            format!(
                "{who} could not be added ({}): {}",
                refused.code, refused.message
            ),
            "Check the id: a 404 is an identity this resource does not have; a 403 is one of another resource.",
        );
    }
    let (what, fix) = explain_refusal_code(&refused.code, &who);
    explained(what, fix)
}

/// The interop rules' verdict on a Teams user of the emulator's tenant, with the user.
async fn tenant_verdict(
    admin: &TeamsAdminClient,
    object_id: &str,
) -> Option<(Verdict, crate::interop::TeamsUser)> {
    let federation = admin.federation().await.ok()?;
    let policies = admin.policies().await.ok()?;
    let user = admin.user(object_id).await.ok()?;
    let resource_id = admin.resource_id().await.ok()?;
    let (config, policies, teams_user) = crate::interop::doctor::parse_texts(
        &federation.to_string(),
        &policies.to_string(),
        &user.to_string(),
    )
    .ok()?;
    Some((
        evaluate(&config, &policies, &teams_user, &resource_id),
        teams_user,
    ))
}

async fn explain_from_tenant(admin: &TeamsAdminClient, object_id: &str) -> Option<Explanation> {
    let (verdict, teams_user) = tenant_verdict(admin, object_id).await?;
    let (what, fix) = explain_refused_participant(&verdict)?;
    Some(explained(
        format!(
            "{} ({}) {what}",
            teams_user.display_name, teams_user.user_principal_name
        ),
        fix,
    ))
}

/// Why a call to `target` was refused (the service's `reason`), and what fixes it: the doctor's rule and
/// PowerShell on the emulator, the service's words and the doctor's name elsewhere.
pub async fn explain_call_refusal(ctx: &Ctx, target: &str, reason: &str) -> Explanation {
    if let (CommunicationIdentifier::MicrosoftTeamsUser { user_id, .. }, Some(admin)) = (
        CommunicationIdentifier::from_raw_id(target),
        &ctx.teams_admin,
    ) && let Some((verdict, user)) = tenant_verdict(admin, &user_id).await
        && let Some((what, fix)) = explain_refused_call(&verdict)
    {
        return explained(
            format!(
                "The call to {} ({}) was {what}",
                user.display_name, user.user_principal_name
            ),
            fix,
        );
    }
    explained(
        format!("The call to {target} was refused: {reason}"),
        "A Teams admin must allow this ACS resource for the user (run `acs-interop doctor` on their exports for the exact PowerShell); calls also need the user in TeamsOnly mode.",
    )
}

/// Emulator only: checks the Teams user and tells the console to speak as them.
pub async fn speak_as(ctx: &Ctx, who: &str) {
    let result = match admin(ctx) {
        Ok(admin) => admin.user(who).await.map_err(|e| {
            explained(
                format!("Cannot speak as {who}: {e}"),
                "Give a UPN or object id from `acs-interop teams users`.",
            )
        }),
        Err(e) => Err(e),
    };
    match result {
        Ok(user) => {
            let id = user["ExternalDirectoryObjectId"]
                .as_str()
                .unwrap_or(who)
                .to_string();
            let name = SafeText::new(user["DisplayName"].as_str().unwrap_or(who));
            ctx.emit(BackendEvent::SpeakingAs(Some((id, name)))).await;
        }
        Err((what, fix)) => ctx.emit(BackendEvent::Failure { what, fix }).await,
    }
}

pub async fn send_as(ctx: &Ctx, thread_id: &str, who: &str, content: &str) {
    let Ok(admin) = admin(ctx) else { return };
    if let Err(e) = admin.say(who, thread_id, content, false, &[]).await {
        let (what, fix) = explained(
            format!("The Teams user could not send: {e}"),
            "The message says which rule refused it; :as me goes back.",
        );
        ctx.emit(BackendEvent::Failure { what, fix }).await;
    }
}

pub async fn type_as(ctx: &Ctx, thread_id: &str, who: &str) {
    if let Ok(admin) = admin(ctx)
        && let Err(e) = admin.typing(who, thread_id).await
    {
        tracing::debug!(error = %e, "typing as a Teams user failed");
    }
}
