//! From the wire model to what the console keeps: every network string is sanitised here, on entry.

use crate::acs::chat::{
    ChatAttachmentType, ChatMessage, ChatMessageReadReceipt, ChatMessageType, ChatParticipant,
    ChatThreadItem,
};
use crate::acs::events::ChatMessageEvent;
use crate::acs::identifier::CommunicationIdentifierModel;
use crate::acs::time::parse_rfc3339_ms;
use crate::client::{ClientError, NetworkCause, NetworkError};
use crate::model::{
    Message, MessageKind, Participant, PersonKind, ReadReceipt, SafeText, ThreadSummary,
};
use crate::text::{AttachmentKind, AttachmentRef};

/// The metadata key that carries this console's client message id.
pub const CLIENT_ID_KEY: &str = "clientMessageId";

pub fn raw_id_of(model: &CommunicationIdentifierModel) -> Option<String> {
    model.resolved_raw_id()
}

fn time_ms(text: Option<&str>) -> Option<i64> {
    text.and_then(parse_rfc3339_ms)
}

pub fn participant(p: &ChatParticipant) -> Option<Participant> {
    let raw_id = raw_id_of(&p.communication_identifier)?;
    Some(Participant {
        name: SafeText::new(p.display_name.as_deref().unwrap_or("")),
        kind: PersonKind::of(&raw_id),
        raw_id,
    })
}

fn names(participants: Option<&Vec<ChatParticipant>>) -> Vec<SafeText> {
    participants
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    let fallback = raw_id_of(&p.communication_identifier).unwrap_or_default();
                    SafeText::new(
                        p.display_name
                            .as_deref()
                            .filter(|n| !n.is_empty())
                            .unwrap_or(&fallback),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn attachments(list: Option<&Vec<crate::acs::chat::ChatAttachment>>) -> Vec<AttachmentRef> {
    list.map(|list| {
        list.iter()
            .map(|a| AttachmentRef {
                id: a.id.clone(),
                kind: match a.attachment_type {
                    ChatAttachmentType::Image => AttachmentKind::Image,
                    ChatAttachmentType::File => AttachmentKind::File,
                },
                name: a.name.clone().unwrap_or_else(|| a.id.clone()),
                // Kept as the service gave it: it is the service's own link, rendered through the
                // sanitiser and copied as is.
                url: a.url.clone(),
            })
            .collect()
    })
    .unwrap_or_default()
}

pub fn message(m: &ChatMessage) -> Message {
    let content = m.content.clone().unwrap_or_default();
    let kind = match m.message_type {
        ChatMessageType::Text => MessageKind::Text,
        ChatMessageType::Html => MessageKind::Html,
        ChatMessageType::TopicUpdated => MessageKind::TopicUpdated {
            topic: SafeText::new(content.topic.as_deref().unwrap_or("")),
        },
        ChatMessageType::ParticipantAdded => MessageKind::ParticipantAdded {
            names: names(content.participants.as_ref()),
        },
        ChatMessageType::ParticipantRemoved => MessageKind::ParticipantRemoved {
            names: names(content.participants.as_ref()),
        },
    };
    let created_ms = time_ms(Some(&m.created_on)).unwrap_or(0);
    Message {
        order: Message::order_of(&m.id, created_ms),
        id: m.id.clone(),
        version: m.version.clone(),
        kind,
        sender: m
            .sender_communication_identifier
            .as_ref()
            .and_then(raw_id_of),
        sender_name: SafeText::new(m.sender_display_name.as_deref().unwrap_or("")),
        body: content.message.unwrap_or_default(),
        attachments: attachments(content.attachments.as_ref()),
        created_ms,
        edited_ms: time_ms(m.edited_on.as_deref()),
        deleted_ms: time_ms(m.deleted_on.as_deref()),
        client_id: m
            .metadata
            .as_ref()
            .and_then(|md| md.get(CLIENT_ID_KEY).cloned()),
    }
}

/// A message as an event carried it; takes the event apart rather than copying it (every message of a
/// busy thread comes this way).
pub fn message_event(e: ChatMessageEvent) -> Message {
    let kind = match e.message_type.to_ascii_lowercase().as_str() {
        "html" | "richtext/html" => MessageKind::Html,
        _ => MessageKind::Text,
    };
    let created_ms = time_ms(Some(&e.created_on)).unwrap_or(0);
    let mut metadata = e.metadata;
    Message {
        order: Message::order_of(&e.id, created_ms),
        sender: e.sender.as_ref().and_then(raw_id_of),
        sender_name: SafeText::new(&e.sender_display_name),
        attachments: attachments(Some(&e.attachments)),
        created_ms,
        edited_ms: time_ms(e.edited_on.as_deref()),
        deleted_ms: time_ms(e.deleted_on.as_deref()),
        client_id: metadata.remove(CLIENT_ID_KEY),
        id: e.id,
        version: e.version,
        kind,
        body: e.message,
    }
}

pub fn receipt(r: &ChatMessageReadReceipt) -> Option<ReadReceipt> {
    Some(ReadReceipt {
        reader: raw_id_of(&r.sender_communication_identifier)?,
        message_id: r.chat_message_id.clone(),
        read_ms: time_ms(Some(&r.read_on)).unwrap_or(0),
    })
}

pub fn thread(t: &ChatThreadItem) -> ThreadSummary {
    ThreadSummary {
        id: t.id.clone(),
        topic: SafeText::new(&t.topic),
        last_activity_ms: time_ms(t.last_message_received_on.as_deref()),
        deleted: t.deleted_on.is_some(),
        unread: 0,
        has_teams_users: false,
    }
}

/// What happened and what to do about it, in words for the error bar.
pub fn failure(action: &str, error: &ClientError) -> (SafeText, SafeText) {
    if let ClientError::Network(network) = error
        && let Some((said, fix)) = unreachable(network)
    {
        return (
            SafeText::new(&format!("Could not {action}. {said}")),
            SafeText::new(fix),
        );
    }
    let what = format!("Could not {action}: {error}");
    let fix = match error.status() {
        Some(401) => {
            "The access token was refused (expired, revoked or deleted identity); restart acs-interop for a new one."
        }
        Some(403) => {
            "You are not a participant of that thread, or not allowed to do this; a participant can add you."
        }
        Some(404) => "It no longer exists; the thread or message may have been deleted.",
        Some(429) => "ACS is rate-limiting this thread; wait a few seconds and try again.",
        Some(400) => "The request was refused as invalid; the message above names the field.",
        Some(_) => "The service failed; try again (:retry for messages).",
        None => match error {
            ClientError::Network(_) => {
                "Check the network or that the emulator is running; the console keeps retrying."
            }
            _ => "See the log in the data folder for details.",
        },
    };
    (SafeText::new(&what), SafeText::new(fix))
}

/// A request that got no answer, in a plain sentence, and the fix; `None` when the cause is not one
/// a user can act on by name (the error's own words say more then).
pub fn unreachable(error: &NetworkError) -> Option<(String, &'static str)> {
    let at = error.origin.as_deref().unwrap_or("the endpoint");
    Some(match error.cause {
        NetworkCause::Refused => (
            format!("Nothing answers at {at} (connection refused)."),
            "Start the emulator (acs-interop emulator) or the server, or check the endpoint in the connection string.",
        ),
        NetworkCause::UnknownHost => (
            format!("The host of {at} is not known (the name does not resolve)."),
            "Check the endpoint in the connection string, and this machine's network and DNS.",
        ),
        NetworkCause::TimedOut => (
            format!("{at} did not answer in time."),
            "Check the network (VPN, proxy, firewall) and that the server is running.",
        ),
        NetworkCause::Dropped => (
            format!("{at} closed the connection without answering."),
            "If the server speaks HTTPS (an emulator started with --tls), the endpoint must start with https://; otherwise see the server's log.",
        ),
        NetworkCause::UnknownIssuer => (
            "The server's certificate is not trusted (unknown issuer).".to_string(),
            "Start with --ca-cert <path to the emulator's emulator-ca.pem> (the standalone emulator prints it as 'certificate'); for a public server, install the system's CA certificates.",
        ),
        NetworkCause::NameMismatch => (
            format!("The server's certificate is not valid for {at} (name mismatch)."),
            "Use a host name the certificate names in the endpoint (the emulator's names localhost, 127.0.0.1 and ::1).",
        ),
        NetworkCause::Expired => (
            "The server's certificate has expired.".to_string(),
            "Check this machine's clock; an emulator makes new certificates when the emulator-*.pem and emulator-tls.key files in its data folder are deleted.",
        ),
        NetworkCause::NotYetValid => (
            "The server's certificate is not valid yet.".to_string(),
            "Check this machine's clock.",
        ),
        NetworkCause::BadCertificate => (
            "The server's certificate was refused (bad certificate).".to_string(),
            "Check that --ca-cert is the CA that signed the server's certificate; console.log says what is wrong with it.",
        ),
        NetworkCause::NotHttp => (
            format!("{at} did not answer in plain HTTP."),
            "If the server speaks HTTPS (an emulator started with --tls), the endpoint must start with https://.",
        ),
        NetworkCause::NotTls => (
            format!("{at} does not speak TLS."),
            "Use http:// in the endpoint, or start the emulator with --tls.",
        ),
        NetworkCause::Tls | NetworkCause::Other => return None,
    })
}
