//! Playing a record: a stand-in for the backend that sends the recorded events at their times (scaled
//! by the speed) and answers the console's commands without changing anything anywhere.

use std::time::Duration;

use tokio::sync::mpsc;

use super::format::Entry;
use crate::backend::{BackendEvent, Command};
use crate::model::{SafeText, SendState};

/// How fast a record plays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Speed {
    /// This many times as fast as it was recorded (> 0).
    Times(f64),
    /// Without waiting.
    Max,
}

impl Speed {
    /// `1`, `2.5`, `0.5`, or `max`.
    pub fn parse(text: &str) -> Result<Speed, String> {
        if text.eq_ignore_ascii_case("max") {
            return Ok(Speed::Max);
        }
        match text.trim_end_matches(['x', '×']).parse::<f64>() {
            Ok(x) if x.is_finite() && x > 0.0 => Ok(Speed::Times(x)),
            _ => Err(format!(
                "'{text}' is not a speed: give a number above 0 (2 = twice as fast) or max"
            )),
        }
    }

    /// When an event recorded at `t_ms` plays, from the start of the replay.
    pub fn at(self, t_ms: u64) -> Duration {
        match self {
            Speed::Times(x) => Duration::from_millis(t_ms).div_f64(x),
            Speed::Max => Duration::ZERO,
        }
    }

    /// For the status bar: "replay", "replay ×2", "replay max".
    pub fn label(self) -> String {
        match self {
            Speed::Times(1.0) => "replay".to_string(),
            Speed::Times(x) => format!("replay ×{x}"),
            Speed::Max => "replay max".to_string(),
        }
    }
}

const READ_ONLY: &str = "replay is read-only";

/// What a replay answers to `command`: nothing for what only reads or is automatic (typing, receipts),
/// an empty page for older messages (the record holds all there is), a refusal for the rest.
pub fn answer(command: &Command) -> Vec<BackendEvent> {
    let refuse = |what: &str| {
        vec![BackendEvent::Notice(SafeText::new(&format!(
            "{READ_ONLY}: {what} is not done."
        )))]
    };
    match command {
        Command::OpenThread { .. }
        | Command::Typing { .. }
        | Command::MarkRead { .. }
        | Command::TypeAsTeams { .. }
        | Command::ForgetThread { .. }
        | Command::DroppedOlder { .. }
        | Command::Act
        | Command::Shutdown => Vec::new(),
        Command::InspectThread { .. } => refuse("reading the thread from the service (:state)"),
        Command::ExportHar { .. } => refuse("writing a HAR file (a replay has no exchanges)"),
        Command::LoadOlder { thread_id } | Command::SeekOlder { thread_id } => {
            vec![BackendEvent::Messages {
                thread_id: thread_id.clone(),
                messages: Vec::new(),
                older_available: Some(false),
            }]
        }
        Command::SendMessage {
            thread_id,
            client_id,
            content,
        } => vec![BackendEvent::Send {
            thread_id: thread_id.clone(),
            client_id: client_id.clone(),
            content: content.clone(),
            state: SendState::Failed {
                reason: SafeText::new(READ_ONLY),
            },
        }],
        Command::RetrySend { .. } => refuse("sending"),
        Command::EditMessage { .. } => refuse("editing"),
        Command::DeleteMessage { .. } => refuse("deleting"),
        Command::CreateThread { .. } => refuse("creating a thread"),
        Command::AddParticipant { .. } => refuse("adding a participant"),
        Command::RemoveParticipant { .. } => refuse("removing a participant"),
        Command::UpdateTopic { .. } => refuse("changing the topic"),
        Command::DeleteThread { .. } => refuse("deleting the thread"),
        Command::SpeakAs { .. } | Command::SendAsTeams { .. } => refuse("speaking as a Teams user"),
        Command::SaveAttachments { .. } => refuse("saving attachments"),
        Command::PlaceCall { .. }
        | Command::HangUp
        | Command::MuteInCall { .. }
        | Command::AddToCall { .. }
        | Command::RecordCall => refuse("calling"),
    }
}

/// Plays `entries` on `events` at `speed`, answering `commands`, until the console sends `Shutdown`
/// or goes away. The event channel stays open after the last event, so the console does not take the
/// end of the record for a lost connection.
pub fn play(
    entries: Vec<Entry>,
    speed: Speed,
    events: mpsc::Sender<BackendEvent>,
    mut commands: mpsc::Receiver<Command>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let start = tokio::time::Instant::now();
        let total = entries.len();
        let mut entries = entries.into_iter().peekable();
        let mut ended = false;
        loop {
            let due = entries.peek().map(|e| start + speed.at(e.t_ms));
            tokio::select! {
                _ = tokio::time::sleep_until(due.unwrap_or(start)), if due.is_some() => {
                    if let Some(entry) = entries.next()
                        && events.send(entry.event).await.is_err()
                    {
                        return;
                    }
                }
                command = commands.recv() => match command {
                    None | Some(Command::Shutdown) => return,
                    Some(command) => {
                        for event in answer(&command) {
                            if events.send(event).await.is_err() {
                                return;
                            }
                        }
                    }
                },
            }
            if !ended && entries.peek().is_none() {
                ended = true;
                let notice = format!("The replay has ended ({total} events).");
                if events
                    .send(BackendEvent::Notice(SafeText::new(&notice)))
                    .await
                    .is_err()
                {
                    return;
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speeds_parse_and_scale() {
        assert_eq!(Speed::parse("2"), Ok(Speed::Times(2.0)));
        assert_eq!(Speed::parse("MAX"), Ok(Speed::Max));
        assert!(Speed::parse("0").is_err());
        assert!(Speed::parse("-1").is_err());
        assert!(Speed::parse("inf").is_err());
        assert!(Speed::parse("fast").is_err());
        assert_eq!(Speed::Times(2.0).at(1000), Duration::from_millis(500));
        assert_eq!(Speed::Max.at(1000), Duration::ZERO);
    }

    #[test]
    fn writes_are_refused_and_reads_answered_from_the_record() {
        let send = answer(&Command::SendMessage {
            thread_id: "t".into(),
            client_id: "c".into(),
            content: "hi".into(),
        });
        assert!(matches!(
            &send[..],
            [BackendEvent::Send { state: SendState::Failed { reason }, .. }] if reason.as_str() == READ_ONLY
        ));
        let edit = answer(&Command::EditMessage {
            thread_id: "t".into(),
            message_id: "1".into(),
            content: "x".into(),
        });
        assert!(
            matches!(&edit[..], [BackendEvent::Notice(n)] if n.as_str().starts_with(READ_ONLY))
        );
        assert!(
            answer(&Command::Typing {
                thread_id: "t".into()
            })
            .is_empty()
        );
        assert!(matches!(
            &answer(&Command::LoadOlder {
                thread_id: "t".into()
            })[..],
            [BackendEvent::Messages {
                older_available: Some(false),
                ..
            }]
        ));
    }
}
