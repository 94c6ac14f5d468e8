//! The first screen on the embedded emulator is not empty: a guide opens a welcome thread.

use crate::acs::chat::{ChatMessageType, ChatParticipant, SendChatMessageRequest};
use crate::acs::identifier::CommunicationIdentifier;
use crate::client::{ChatClient, ClientError, TokenSource};

use super::session::{SCOPES, Session, Target, remembered_user};

pub const GUIDE_NAME: &str = "acs-interop guide";
pub const WELCOME_TOPIC: &str = "Welcome to acs-interop";

const WELCOME_HTML: &str = "<p>Welcome! This console runs on its own <b>ACS emulator</b>: \
identities, threads and messages live in your data folder and survive restarts.</p>\
<ul><li><b>Enter</b> sends, <b>Alt+Enter</b> adds a line, <b>Up</b> edits your last message.</li>\
<li><b>Esc</b> leaves the composer; then <code>:</code> opens the command line \
(<code>:new</code>, <code>:add</code>, <code>:topic</code>, <code>:help</code>) and <b>?</b> shows every key.</li>\
<li>Point the official ACS SDKs at <code>acs-interop emulator --tls</code> to test your own app against it.</li></ul>";

/// The demo tenant's user who records calls.
const RECORDING_PERSONA: &str = "nestor@contoso.example";

/// The welcome's line about the Teams user in the thread, if the tenant has one who can chat, and about
/// the user who records calls, if the tenant has them.
fn teams_line(name: &str, upn: &str, recorder: Option<&str>) -> String {
    format!(
        "<p><b>{name}</b> is a simulated Teams user of the emulator's demo tenant: say hi, or ask for the \
         <i>whiteboard image</i> or the <i>agenda file</i>. <code>:add adele@contoso.example</code> shows a user \
         whose policy blocks ACS, and why; <code>:as {upn}</code> writes as the Teams side. \
         <code>:call</code> calls {name}{recorder}.</p>",
        recorder = match recorder {
            Some(r) => format!(
                "; <code>:call {r}</code> calls someone who records their calls, to see the recording notice"
            ),
            None => String::new(),
        }
    )
}

/// The first tenant user ACS users may chat with: (raw id, display name, UPN).
async fn a_teams_user(session: &Session) -> Option<(String, String, String)> {
    let admin = session.teams_admin.as_ref()?;
    let users = admin.users().await.ok()?;
    for user in users.as_array()? {
        let upn = user["UserPrincipalName"].as_str()?;
        let verdict = admin.interop(upn).await.ok()?;
        if verdict["chatEnabled"] == true {
            return Some((
                user["rawId"].as_str()?.to_string(),
                user["DisplayName"].as_str()?.to_string(),
                upn.to_string(),
            ));
        }
    }
    None
}

/// Creates the guide (remembered like any identity) and a thread from it to `session`'s user.
pub async fn create(session: &Session, target: &Target) -> Result<String, ClientError> {
    let guide = remembered_user(&session.identity, target, "guide")
        .await
        .map_err(|e| ClientError::Config(e.to_string()))?;
    let tokens = TokenSource::issue(session.identity.clone(), guide.clone(), &SCOPES).await?;
    let http = crate::client::build_http_client(target.ca_cert.as_deref())?;
    let chat = ChatClient::new(http, &target.connection.endpoint, tokens)?;
    let participant = |raw: &str, name: &str| ChatParticipant {
        communication_identifier: CommunicationIdentifier::from_raw_id(raw).to_model(),
        display_name: Some(name.to_string()),
        share_history_time: None,
        metadata: None,
    };
    let teams = a_teams_user(session).await;
    let recorder = match &session.teams_admin {
        Some(admin) => admin
            .user(RECORDING_PERSONA)
            .await
            .ok()
            .map(|_| RECORDING_PERSONA.to_string()),
        None => None,
    };
    let created = chat
        .create_thread(
            WELCOME_TOPIC,
            vec![
                participant(&guide, GUIDE_NAME),
                participant(&session.me, &session.my_name),
            ],
            None,
        )
        .await?;
    let thread_id = created
        .chat_thread
        .map(|t| t.id)
        .ok_or_else(|| ClientError::Decode("the created thread has no id".into()))?;
    chat.send_message(
        &thread_id,
        SendChatMessageRequest {
            content: match &teams {
                Some((_, name, upn)) => format!(
                    "{WELCOME_HTML}{}",
                    teams_line(name, upn, recorder.as_deref())
                ),
                None => WELCOME_HTML.to_string(),
            },
            sender_display_name: Some(GUIDE_NAME.to_string()),
            message_type: Some(ChatMessageType::Html),
            metadata: None,
        },
    )
    .await?;
    // The Teams user joins after the welcome, so that their persona answers the user, not the guide.
    if let Some((raw, name, _)) = &teams {
        chat.add_participants(&thread_id, vec![participant(raw, name)])
            .await?;
    }
    Ok(thread_id)
}
