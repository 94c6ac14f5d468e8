//! Media in a call: play (text, SSML and files "play" for a time that depends on their length), cancel,
//! transcription started by the application, and hold.

use axum::http::StatusCode;
use std::time::Duration;

use crate::acs::call_events::CallEventType;
use crate::acs::calling::{
    HoldRequest, PlayRequest, PlaySource, PlaySourceKind, ResultInformation, TranscriptionRequest,
    TranscriptionUpdate,
};
use crate::emulator::EmulatorState;
use crate::emulator::error::ApiError;
use crate::ids::uuid_v4;

use super::engine::{Answer, change, change_quietly};
use super::events;
use super::model::{Phase, Play};
use super::{codes, operation_of, parse_body, parse_optional_body, resolve, teams_side};

/// How long a file plays (the emulator does not fetch it).
const FILE_PLAY: Duration = Duration::from_secs(3);
/// Speech at about 150 words a minute.
const PER_WORD: Duration = Duration::from_millis(400);
const SHORTEST_PLAY: Duration = Duration::from_secs(1);
const LONGEST_PLAY: Duration = Duration::from_secs(60);

pub async fn action(
    state: EmulatorState,
    id: String,
    action: &str,
    body: &[u8],
) -> Result<Answer, ApiError> {
    match action {
        "play" => play(state, id, parse_body(body)?).await,
        "cancelAllMediaOperations" => cancel_all(&state, &id).await,
        "startTranscription" => {
            transcription(&state, &id, Some(true), parse_optional_body(body)?).await
        }
        "stopTranscription" => {
            transcription(&state, &id, Some(false), parse_optional_body(body)?).await
        }
        "updateTranscription" => transcription(&state, &id, None, parse_optional_body(body)?).await,
        "hold" => hold(&state, &id, true, parse_body(body)?).await,
        "unhold" => hold(&state, &id, false, parse_body(body)?).await,
        other => Err(ApiError::not_found(format!(
            "There is no media operation ':{other}'."
        ))),
    }
}

/// DTMF, recognition and media streaming: refused with the rule in a call with a Teams user, and
/// otherwise not simulated (there is no media).
pub async fn not_simulated(
    state: &EmulatorState,
    id: &str,
    action: &str,
) -> Result<Answer, ApiError> {
    let lookup = id.to_string();
    let call = state.store.run(move |db| db.live_call(&lookup)).await?;
    if call.has_teams_party() && action.to_lowercase().contains("recogni") {
        return Err(ApiError::bad_request(
            "Recognize (DTMF and speech) is not supported in calls with Teams users.",
        ));
    }
    Err(ApiError::new(
        StatusCode::NOT_IMPLEMENTED,
        "NotImplemented",
        format!("The emulator carries no media, so ':{action}' is not simulated."),
    ))
}

/// How long the sources take to play.
fn duration_of(sources: &[PlaySource]) -> Duration {
    let words = |text: &str| text.split_whitespace().count() as u32;
    let total: Duration = sources
        .iter()
        .map(|s| match s.kind {
            PlaySourceKind::File => FILE_PLAY,
            PlaySourceKind::Text => PER_WORD * s.text.as_ref().map(|t| words(&t.text)).unwrap_or(0),
            PlaySourceKind::Ssml => {
                let plain = s
                    .ssml
                    .as_ref()
                    .map(|x| strip_tags(&x.ssml_text))
                    .unwrap_or_default();
                PER_WORD * words(&plain)
            }
        })
        .sum();
    total.clamp(SHORTEST_PLAY, LONGEST_PLAY)
}

fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    for c in text.chars() {
        match c {
            '<' => inside = true,
            '>' => {
                inside = false;
                out.push(' ');
            }
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

fn check_sources(sources: &[PlaySource]) -> Result<(), ApiError> {
    if sources.is_empty() {
        return Err(ApiError::invalid_field(
            "playSources",
            "The field 'playSources' needs at least one source.",
        ));
    }
    for (i, s) in sources.iter().enumerate() {
        let present = match s.kind {
            PlaySourceKind::File => s.file.as_ref().is_some_and(|f| !f.uri.trim().is_empty()),
            PlaySourceKind::Text => s.text.as_ref().is_some_and(|t| !t.text.trim().is_empty()),
            PlaySourceKind::Ssml => s
                .ssml
                .as_ref()
                .is_some_and(|x| !x.ssml_text.trim().is_empty()),
        };
        if !present {
            let field = match s.kind {
                PlaySourceKind::File => "file.uri",
                PlaySourceKind::Text => "text.text",
                PlaySourceKind::Ssml => "ssml.ssmlText",
            };
            return Err(ApiError::invalid_field(
                &format!("playSources[{i}].{field}"),
                format!("A {:?} play source needs '{field}'.", s.kind).to_lowercase(),
            ));
        }
    }
    Ok(())
}

async fn play(state: EmulatorState, id: String, request: PlayRequest) -> Result<Answer, ApiError> {
    check_sources(&request.play_sources)?;
    let mut play_to = Vec::new();
    for (i, model) in request.play_to.iter().enumerate() {
        play_to.push(resolve(model, &format!("playTo[{i}]"))?);
    }
    let looped = request.play_options.is_some_and(|o| o.looped);
    let play = Play {
        id: uuid_v4(),
        operation: operation_of(&request.operation_context, &request.operation_callback_uri)?,
        looped,
    };
    let duration = duration_of(&request.play_sources);
    let interrupt = request.interrupt_call_media_operation;
    let started = play.clone();
    let (answer, applied) = change(&state, &id, None, move |call, events_out, _db| {
        if call.phase != Phase::Connected {
            return Err(ApiError::bad_request(
                "The call is not connected yet; play media once it is.",
            ));
        }
        for t in &play_to {
            call.expect_party(t, "playTo")?;
        }
        if let Some(current) = call.play.take() {
            if !interrupt {
                call.play = Some(current);
                return Err(ApiError::bad_request(
                    "Another play is in progress; set interruptCallMediaOperation, or call :cancelAllMediaOperations first (the emulator does not queue plays).",
                ));
            }
            events_out.push(events::simple(
                call,
                CallEventType::PlayCanceled,
                Some(&current.operation),
                codes::media_canceled(),
            ));
        }
        events_out.push(events::simple(
            call,
            CallEventType::PlayStarted,
            Some(&started.operation),
            codes::success("Action completed successfully."),
        ));
        call.play = Some(started);
        Ok(Answer::empty(StatusCode::ACCEPTED))
    })
    .await?;
    if applied && !looped {
        tokio::spawn(async move {
            tokio::time::sleep(duration).await;
            let done = change_quietly(&state, &id, move |call, events_out, _db| {
                if call.play.as_ref().map(|p| p.id.as_str()) != Some(play.id.as_str()) {
                    return Ok(false);
                }
                call.play = None;
                events_out.push(events::simple(
                    call,
                    CallEventType::PlayCompleted,
                    Some(&play.operation),
                    codes::success("Action completed successfully."),
                ));
                Ok(true)
            })
            .await;
            if let Err(e) = done {
                tracing::warn!(error = %e, "a play's end could not be kept");
            }
        });
    }
    Ok(answer)
}

async fn cancel_all(state: &EmulatorState, id: &str) -> Result<Answer, ApiError> {
    let (answer, _) = change(state, id, None, |call, events_out, _db| {
        teams_side::cancel_play(call, events_out);
        Ok(Answer::empty(StatusCode::ACCEPTED))
    })
    .await?;
    Ok(answer)
}

/// Start (`Some(true)`), stop (`Some(false)`) or update (`None`) the application's transcription.
async fn transcription(
    state: &EmulatorState,
    id: &str,
    start: Option<bool>,
    request: TranscriptionRequest,
) -> Result<Answer, ApiError> {
    let operation = operation_of(&request.operation_context, &request.operation_callback_uri)?;
    let (answer, _) = change(state, id, None, move |call, events_out, _db| {
        if call.phase != Phase::Connected {
            return Err(ApiError::bad_request(
                "The call is not connected yet; transcribe it once it is.",
            ));
        }
        match start {
            Some(on) => {
                if call.transcription.by_app == on {
                    return Err(ApiError::bad_request(if on {
                        "Transcription is already running in this call."
                    } else {
                        "Transcription is not running in this call."
                    }));
                }
                let was = call.transcription.is_on();
                call.transcription.by_app = on;
                if call.transcription.is_on() != was {
                    events_out.push(events::transcription(call, on, Some(&operation)));
                } else {
                    // The Teams side transcribes too: the call's state is unchanged; acknowledge.
                    events_out.push(updated_transcription(call, &operation));
                }
            }
            None => {
                if !call.transcription.by_app {
                    return Err(ApiError::bad_request(
                        "Transcription is not running in this call; start it first.",
                    ));
                }
                events_out.push(updated_transcription(call, &operation));
            }
        }
        Ok(Answer::empty(StatusCode::ACCEPTED))
    })
    .await?;
    Ok(answer)
}

/// TranscriptionUpdated for the application's request.
fn updated_transcription(
    call: &super::model::Call,
    operation: &super::model::Operation,
) -> events::Outgoing {
    let mut data = events::base(
        call,
        Some(operation),
        ResultInformation {
            code: 200,
            sub_code: 0,
            message: "Action completed successfully.".into(),
        },
    );
    data.transcription_update = Some(TranscriptionUpdate {
        transcription_status: "transcriptionUpdated".into(),
        transcription_status_details: "transcriptionLocaleUpdated".into(),
    });
    events::call_event(
        call,
        CallEventType::TranscriptionUpdated,
        Some(operation),
        data,
    )
}

async fn hold(
    state: &EmulatorState,
    id: &str,
    on: bool,
    request: HoldRequest,
) -> Result<Answer, ApiError> {
    let who = resolve(&request.target_participant, "targetParticipant")?;
    let (answer, _) = change(state, id, None, move |call, events_out, _db| {
        call.expect_party(&who, "targetParticipant")?;
        teams_side::hold(call, &who, on, events_out)?;
        Ok(Answer::empty(StatusCode::OK))
    })
    .await?;
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acs::calling::TextSource;

    fn text(words: &str) -> PlaySource {
        PlaySource {
            kind: PlaySourceKind::Text,
            file: None,
            text: Some(TextSource {
                text: words.into(),
                voice_name: None,
                source_locale: None,
            }),
            ssml: None,
        }
    }

    #[test]
    fn plays_last_about_as_long_as_speech() {
        assert_eq!(duration_of(&[text("hi")]), SHORTEST_PLAY);
        assert_eq!(
            duration_of(&[text("one two three four five")]),
            Duration::from_secs(2)
        );
        assert_eq!(duration_of(&[text(&"word ".repeat(1000))]), LONGEST_PLAY);
        assert_eq!(
            strip_tags("<speak>Hello <b>there</b></speak>")
                .split_whitespace()
                .count(),
            2
        );
    }

    #[test]
    fn sources_must_carry_their_kind() {
        let mut bad = text("x");
        bad.text = None;
        let e = check_sources(&[text("ok"), bad]).unwrap_err();
        assert_eq!(e.error.target.as_deref(), Some("playSources[1].text.text"));
        assert!(check_sources(&[]).is_err());
    }
}
