//! Realtime frames as the console reads them off the socket: no input makes the parser panic,
//! whatever parses reads back the same after being written again, and every frame the emulator
//! can send reads back as itself.

use acs_interop::acs::CommunicationIdentifier;
use acs_interop::acs::chat::{ChatAttachment, ChatAttachmentType, ChatParticipant, Metadata};
use acs_interop::acs::events::{
    ChatEvent, ChatMessageEvent, ControlFrame, EventActor, ParticipantsEvent, ReadReceiptEvent,
    RealtimeFrame, ThreadEvent, ThreadProperties, TypingIndicatorEvent,
};
use acs_interop::acs::identifier::CommunicationIdentifierModel;
use proptest::prelude::*;
use serde_json::{Map, Value};

use super::{any_text, cases};

fn text() -> impl Strategy<Value = String> {
    any_text(12)
}

fn metadata() -> impl Strategy<Value = Metadata> {
    proptest::collection::btree_map(text(), text(), 0..3)
}

/// Models as the emulator writes them: from any raw id, or empty.
fn model() -> BoxedStrategy<CommunicationIdentifierModel> {
    prop_oneof![
        1 => Just(CommunicationIdentifierModel::default()),
        4 => super::identifiers::raw_id().prop_map(|raw| CommunicationIdentifier::from_raw_id(&raw).to_model()),
    ]
    .boxed()
}

fn participant() -> BoxedStrategy<ChatParticipant> {
    (
        model(),
        proptest::option::of(text()),
        proptest::option::of(text()),
        proptest::option::of(metadata()),
    )
        .prop_map(
            |(communication_identifier, display_name, share_history_time, metadata)| {
                ChatParticipant {
                    communication_identifier,
                    display_name,
                    share_history_time,
                    metadata,
                }
            },
        )
        .boxed()
}

fn attachment() -> BoxedStrategy<ChatAttachment> {
    (
        text(),
        any::<bool>(),
        proptest::option::of(text()),
        proptest::option::of(text()),
        proptest::option::of(text()),
    )
        .prop_map(|(id, image, name, url, preview_url)| ChatAttachment {
            id,
            attachment_type: if image {
                ChatAttachmentType::Image
            } else {
                ChatAttachmentType::File
            },
            name,
            url,
            preview_url,
        })
        .boxed()
}

fn message_event() -> BoxedStrategy<ChatMessageEvent> {
    (
        (
            text(),
            proptest::option::of(model()),
            text(),
            model(),
            text(),
        ),
        (text(), text(), text(), any_text(60)),
        (
            metadata(),
            proptest::collection::vec(attachment(), 0..3),
            proptest::option::of(text()),
            proptest::option::of(text()),
        ),
    )
        .prop_map(
            |(
                (thread_id, sender, sender_display_name, recipient, id),
                (created_on, version, message_type, message),
                (metadata, attachments, edited_on, deleted_on),
            )| ChatMessageEvent {
                thread_id,
                sender,
                sender_display_name,
                recipient,
                id,
                created_on,
                version,
                message_type,
                message,
                metadata,
                attachments,
                edited_on,
                deleted_on,
            },
        )
        .boxed()
}

fn actor() -> BoxedStrategy<Option<EventActor>> {
    proptest::option::of(
        (model(), text()).prop_map(|(id, display_name)| EventActor { id, display_name }),
    )
    .boxed()
}

fn thread_event() -> BoxedStrategy<ThreadEvent> {
    (
        (text(), text(), text(), actor()),
        proptest::option::of(
            (text(), metadata()).prop_map(|(topic, metadata)| ThreadProperties { topic, metadata }),
        ),
        proptest::collection::vec(participant(), 0..3),
    )
        .prop_map(
            |((thread_id, version, on, by), properties, participants)| ThreadEvent {
                thread_id,
                version,
                on,
                by,
                properties,
                participants,
            },
        )
        .boxed()
}

fn participants_event() -> BoxedStrategy<ParticipantsEvent> {
    (
        text(),
        text(),
        text(),
        actor(),
        proptest::collection::vec(participant(), 0..3),
    )
        .prop_map(
            |(thread_id, version, on, by, participants)| ParticipantsEvent {
                thread_id,
                version,
                on,
                by,
                participants,
            },
        )
        .boxed()
}

fn chat_event() -> BoxedStrategy<ChatEvent> {
    let typing = (text(), model(), text(), model(), text(), text()).prop_map(
        |(thread_id, sender, sender_display_name, recipient, version, received_on)| {
            TypingIndicatorEvent {
                thread_id,
                sender,
                sender_display_name,
                recipient,
                version,
                received_on,
            }
        },
    );
    let receipt = (text(), model(), model(), text(), text()).prop_map(
        |(thread_id, sender, recipient, chat_message_id, read_on)| ReadReceiptEvent {
            thread_id,
            sender,
            recipient,
            chat_message_id,
            read_on,
        },
    );
    prop_oneof![
        message_event().prop_map(ChatEvent::ChatMessageReceived),
        message_event().prop_map(ChatEvent::ChatMessageEdited),
        message_event().prop_map(ChatEvent::ChatMessageDeleted),
        typing.prop_map(ChatEvent::TypingIndicatorReceived),
        receipt.prop_map(ChatEvent::ReadReceiptReceived),
        thread_event().prop_map(ChatEvent::ChatThreadCreated),
        thread_event().prop_map(ChatEvent::ChatThreadPropertiesUpdated),
        thread_event().prop_map(ChatEvent::ChatThreadDeleted),
        participants_event().prop_map(ChatEvent::ParticipantsAdded),
        participants_event().prop_map(ChatEvent::ParticipantsRemoved),
    ]
    .boxed()
}

fn frame() -> BoxedStrategy<RealtimeFrame> {
    prop_oneof![
        4 => (any::<u64>(), chat_event()).prop_map(|(seq, event)| RealtimeFrame::Event { seq, event }),
        1 => any::<u64>().prop_map(|last_seq| {
            RealtimeFrame::Control(ControlFrame::RealTimeNotificationConnected { last_seq })
        }),
        1 => text().prop_map(|time| RealtimeFrame::Control(ControlFrame::Heartbeat { time })),
        1 => any::<u64>().prop_map(|oldest_seq| {
            RealtimeFrame::Control(ControlFrame::ResyncRequired { oldest_seq })
        }),
    ]
    .boxed()
}

/// The frame's field names, so that random JSON often looks like a frame.
const KEYS: &[&str] = &[
    "seq",
    "type",
    "data",
    "lastSeq",
    "oldestSeq",
    "time",
    "threadId",
    "sender",
    "recipient",
    "senderDisplayName",
    "id",
    "message",
    "rawId",
    "kind",
    "communicationUser",
    "participants",
    "metadata",
    "attachments",
    "properties",
    "by",
    "on",
    "version",
    "createdOn",
];

const TYPES: &[&str] = &[
    "chatMessageReceived",
    "chatMessageEdited",
    "chatMessageDeleted",
    "typingIndicatorReceived",
    "readReceiptReceived",
    "chatThreadCreated",
    "chatThreadPropertiesUpdated",
    "chatThreadDeleted",
    "participantsAdded",
    "participantsRemoved",
    "realTimeNotificationConnected",
    "heartbeat",
    "resyncRequired",
    "ChatMessageReceived",
    "unknown",
];

/// JSON of every kind, with keys and type names from the frames' vocabulary.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        text().prop_map(Value::String),
        prop::sample::select(TYPES).prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let key = prop_oneof![prop::sample::select(KEYS).prop_map(str::to_owned), text()];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((key, inner), 0..6)
                .prop_map(|fields| Value::Object(fields.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Replaces the value found by following `path` (object fields and array items, each index
/// taken modulo the count there) with `replacement`, or removes it when that is `None`.
fn mutate(value: &mut Value, path: &[usize], replacement: Option<Value>) {
    let Some((&step, rest)) = path.split_first() else {
        if let Some(new) = replacement {
            *value = new;
        }
        return;
    };
    match value {
        Value::Object(map) if !map.is_empty() => {
            let Some(key) = map.keys().nth(step % map.len()).cloned() else {
                return;
            };
            let child_is_leaf = map
                .get(&key)
                .is_some_and(|v| !(v.is_object() || v.is_array()));
            if (rest.is_empty() || child_is_leaf) && replacement.is_none() {
                map.remove(&key);
            } else if let Some(child) = map.get_mut(&key) {
                mutate(child, rest, replacement);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let len = items.len();
            if let Some(child) = items.get_mut(step % len) {
                mutate(child, rest, replacement);
            }
        }
        _ => {
            if let Some(new) = replacement {
                *value = new;
            }
        }
    }
}

/// Whatever parses writes back to JSON that parses as the same frame.
fn assert_parses_stably(text: &str) -> Result<(), TestCaseError> {
    if let Ok(frame) = serde_json::from_str::<RealtimeFrame>(text) {
        let written = serde_json::to_string(&frame)
            .map_err(|e| TestCaseError::fail(format!("{frame:?} does not serialise: {e}")))?;
        let again: RealtimeFrame = serde_json::from_str(&written)
            .map_err(|e| TestCaseError::fail(format!("{written} does not parse back: {e}")))?;
        prop_assert_eq!(again, frame);
    }
    Ok(())
}

proptest! {
    #![proptest_config(cases(2_000))]

    #[test]
    fn any_string_is_a_frame_or_an_error(text in any_text(200)) {
        assert_parses_stably(&text)?;
    }

    #[test]
    fn frame_shaped_json_parses_stably_or_is_refused(value in json()) {
        assert_parses_stably(&value.to_string())?;
        let mut framed = Map::new();
        framed.insert("type".into(), Value::from("chatMessageReceived"));
        framed.insert("seq".into(), Value::from(1));
        framed.insert("data".into(), value);
        assert_parses_stably(&Value::Object(framed).to_string())?;
    }

    #[test]
    fn every_frame_reads_back_as_itself(frame in frame()) {
        let text = serde_json::to_string(&frame)
            .map_err(|e| TestCaseError::fail(format!("{frame:?} does not serialise: {e}")))?;
        let back: RealtimeFrame = serde_json::from_str(&text)
            .map_err(|e| TestCaseError::fail(format!("{text} does not parse: {e}")))?;
        prop_assert_eq!(back, frame);
    }

}

proptest! {
    #![proptest_config(cases(1_000))]

    #[test]
    fn damaged_frames_parse_stably_or_are_refused(
        frame in frame(),
        damage in proptest::collection::vec(
            (proptest::collection::vec(any::<usize>(), 0..6), proptest::option::of(json())),
            1..4,
        ),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut value = serde_json::to_value(&frame)
            .map_err(|e| TestCaseError::fail(format!("{frame:?} does not serialise: {e}")))?;
        for (path, replacement) in damage {
            mutate(&mut value, &path, replacement);
        }
        let text = value.to_string();
        assert_parses_stably(&text)?;
        // A frame cut short, as by a dropped connection.
        let end = cut.index(text.len() + 1);
        let end = (0..=end).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        assert_parses_stably(&text[..end])?;
    }
}
