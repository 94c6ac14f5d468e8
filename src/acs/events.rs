//! Realtime events: the vocabulary the JS SDK hands to applications, as frames on the emulator's
//! WebSocket (`/emulator/realtime`).
//!
//! Event frames: `{"seq": 17, "type": "chatMessageReceived", "data": {...}}`; `seq` increases per user.
//! Control frames carry no `seq`: `realTimeNotificationConnected` (`data.lastSeq`) and `heartbeat`.

use serde::{Deserialize, Serialize};

use super::chat::{ChatAttachment, ChatParticipant, Metadata};
use super::identifier::CommunicationIdentifierModel;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessageEvent {
    pub thread_id: String,
    pub sender: Option<CommunicationIdentifierModel>,
    pub sender_display_name: String,
    pub recipient: CommunicationIdentifierModel,
    pub id: String,
    pub created_on: String,
    pub version: String,
    #[serde(rename = "type")]
    pub message_type: String,
    pub message: String,
    #[serde(default)]
    pub metadata: Metadata,
    #[serde(default)]
    pub attachments: Vec<ChatAttachment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypingIndicatorEvent {
    pub thread_id: String,
    pub sender: CommunicationIdentifierModel,
    pub sender_display_name: String,
    pub recipient: CommunicationIdentifierModel,
    pub version: String,
    pub received_on: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadReceiptEvent {
    pub thread_id: String,
    pub sender: CommunicationIdentifierModel,
    pub recipient: CommunicationIdentifierModel,
    pub chat_message_id: String,
    pub read_on: String,
}

/// Who did something to a thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventActor {
    pub id: CommunicationIdentifierModel,
    #[serde(default)]
    pub display_name: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadProperties {
    pub topic: String,
    #[serde(default)]
    pub metadata: Metadata,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadEvent {
    pub thread_id: String,
    pub version: String,
    /// When it happened: created, updated or deleted.
    pub on: String,
    pub by: Option<EventActor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<ThreadProperties>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub participants: Vec<ChatParticipant>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantsEvent {
    pub thread_id: String,
    pub version: String,
    pub on: String,
    pub by: Option<EventActor>,
    pub participants: Vec<ChatParticipant>,
}

/// One chat event for one recipient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "camelCase")]
pub enum ChatEvent {
    ChatMessageReceived(ChatMessageEvent),
    ChatMessageEdited(ChatMessageEvent),
    ChatMessageDeleted(ChatMessageEvent),
    TypingIndicatorReceived(TypingIndicatorEvent),
    ReadReceiptReceived(ReadReceiptEvent),
    ChatThreadCreated(ThreadEvent),
    ChatThreadPropertiesUpdated(ThreadEvent),
    ChatThreadDeleted(ThreadEvent),
    ParticipantsAdded(ParticipantsEvent),
    ParticipantsRemoved(ParticipantsEvent),
}

impl ChatEvent {
    pub fn thread_id(&self) -> &str {
        match self {
            ChatEvent::ChatMessageReceived(e)
            | ChatEvent::ChatMessageEdited(e)
            | ChatEvent::ChatMessageDeleted(e) => &e.thread_id,
            ChatEvent::TypingIndicatorReceived(e) => &e.thread_id,
            ChatEvent::ReadReceiptReceived(e) => &e.thread_id,
            ChatEvent::ChatThreadCreated(e)
            | ChatEvent::ChatThreadPropertiesUpdated(e)
            | ChatEvent::ChatThreadDeleted(e) => &e.thread_id,
            ChatEvent::ParticipantsAdded(e) | ChatEvent::ParticipantsRemoved(e) => &e.thread_id,
        }
    }
}

/// A frame as sent on the realtime socket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[allow(clippy::large_enum_variant)] // built once per event and sent at once; boxing buys nothing
pub enum RealtimeFrame {
    Event {
        seq: u64,
        #[serde(flatten)]
        event: ChatEvent,
    },
    Control(ControlFrame),
}

impl RealtimeFrame {
    /// Reads a frame from its JSON text, as the derived `Deserialize` does but in a fraction of
    /// the time: an untagged enum buffers the whole frame, twice with the flattened event. This
    /// skims the frame for `seq`, then reads it once as the event or control frame it is.
    pub fn from_json(text: &str) -> serde_json::Result<RealtimeFrame> {
        #[derive(Deserialize)]
        struct Seq {
            seq: Option<u64>,
        }
        let seq = match leading_seq(text) {
            Some(seq) => Some(seq),
            None => serde_json::from_str::<Seq>(text)?.seq,
        };
        match seq {
            Some(seq) => Ok(RealtimeFrame::Event {
                seq,
                event: serde_json::from_str(text)?,
            }),
            None => serde_json::from_str(text).map(RealtimeFrame::Control),
        }
    }
}

/// `seq` when it is the first member, as the emulator writes it: this saves a pass over the frame.
fn leading_seq(text: &str) -> Option<u64> {
    let rest = text.strip_prefix(r#"{"seq":"#)?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if rest.as_bytes().get(digits) != Some(&b',') {
        return None;
    }
    rest[..digits].parse().ok()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "camelCase")]
pub enum ControlFrame {
    /// Sent first on every connection: the newest sequence number the server holds for this user.
    RealTimeNotificationConnected {
        #[serde(rename = "lastSeq")]
        last_seq: u64,
    },
    /// Sent on an idle connection so that proxies keep it open.
    Heartbeat { time: String },
    /// The `since` a client asked for cannot be served by replay: older than what the server kept
    /// (events were lost), or beyond the newest it holds (the client's position is from another life
    /// of the server). The client reloads what it shows.
    ResyncRequired {
        #[serde(rename = "oldestSeq")]
        oldest_seq: u64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_have_the_documented_shape() {
        let frame = RealtimeFrame::Event {
            seq: 3,
            event: ChatEvent::ReadReceiptReceived(ReadReceiptEvent {
                thread_id: "19:t@thread.v2".into(),
                sender: Default::default(),
                recipient: Default::default(),
                chat_message_id: "1".into(),
                read_on: "2026-11-28T05:00:00.000Z".into(),
            }),
        };
        let json = serde_json::to_value(&frame).unwrap();
        assert_eq!(json["seq"], 3);
        assert_eq!(json["type"], "readReceiptReceived");
        assert_eq!(json["data"]["chatMessageId"], "1");
        let back: RealtimeFrame = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, frame);
        assert_eq!(RealtimeFrame::from_json(&json.to_string()).unwrap(), frame);
        // Keys in any order.
        let reordered = r#"{"data":{"lastSeq":4},"type":"realTimeNotificationConnected"}"#;
        assert_eq!(
            RealtimeFrame::from_json(reordered).unwrap(),
            RealtimeFrame::Control(ControlFrame::RealTimeNotificationConnected { last_seq: 4 })
        );
        assert!(RealtimeFrame::from_json(r#"{"seq":1,"type":"nope","data":{}}"#).is_err());
        let without_seq = json.to_string().replace(r#""seq":3,"#, "");
        let late_seq = format!(r#"{},"seq":3}}"#, &without_seq[..without_seq.len() - 1]);
        assert!(!late_seq.starts_with(r#"{"seq""#));
        assert_eq!(RealtimeFrame::from_json(&late_seq).unwrap(), frame);
        assert_eq!(leading_seq(r#"{"seq":12,"type":"x"}"#), Some(12));
        assert_eq!(leading_seq(r#"{"seq":1.5,"type":"x"}"#), None);
        assert_eq!(leading_seq(r#"{"seq":,"type":"x"}"#), None);
        let control = serde_json::to_value(RealtimeFrame::Control(
            ControlFrame::RealTimeNotificationConnected { last_seq: 9 },
        ))
        .unwrap();
        assert_eq!(
            control,
            serde_json::json!({"type": "realTimeNotificationConnected", "data": {"lastSeq": 9}})
        );
    }
}
