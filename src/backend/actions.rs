//! Commands that go to the network: each runs in a task of its own, so the backend's loop keeps
//! serving realtime news, and says how it went.

use std::path::PathBuf;
use std::sync::Arc;

use super::*;

pub(super) async fn act(ctx: &Arc<Ctx>, command: Command) {
    let result = match command {
        Command::LoadOlder { thread_id } => {
            sync::load_older(ctx, &thread_id, sync::PAGE).await;
            Ok(())
        }
        Command::SeekOlder { thread_id } => {
            sync::load_older(ctx, &thread_id, sync::SEEK_PAGE).await;
            Ok(())
        }
        Command::EditMessage {
            thread_id,
            message_id,
            content,
        } => {
            let update = UpdateChatMessageRequest {
                content: Some(content),
                metadata: None,
            };
            let answer = ctx
                .chat
                .update_message(&thread_id, &message_id, update)
                .await;
            logged(answer, "edit", &thread_id, &message_id).map_err(|e| ("edit the message", e))
        }
        Command::DeleteMessage {
            thread_id,
            message_id,
        } => {
            let answer = ctx.chat.delete_message(&thread_id, &message_id).await;
            logged(answer, "delete", &thread_id, &message_id).map_err(|e| ("delete the message", e))
        }
        Command::CreateThread {
            topic,
            participants,
        } => {
            let mut list = vec![ChatParticipant {
                display_name: Some(ctx.my_name_in(None).await),
                ..participant_for(&ctx.me)
            }];
            for p in &participants {
                match teams::resolve(ctx, p).await {
                    Ok((raw, name)) => list.push(ChatParticipant {
                        display_name: name,
                        ..participant_for(&raw)
                    }),
                    Err((what, fix)) => {
                        ctx.emit(BackendEvent::Failure { what, fix }).await;
                        return;
                    }
                }
            }
            match ctx.chat.create_thread(&topic, list, None).await {
                Ok(created) => {
                    for refused in created.invalid_participants.unwrap_or_default() {
                        let (what, fix) = teams::explain_refusal(ctx, &refused).await;
                        ctx.emit(BackendEvent::Failure { what, fix }).await;
                    }
                    if let Some(thread) = created.chat_thread {
                        reload_threads(ctx).await;
                        ctx.emit(BackendEvent::ThreadCreated {
                            thread_id: thread.id,
                        })
                        .await;
                    }
                    Ok(())
                }
                Err(e) => Err(("create the thread", e)),
            }
        }
        Command::AddParticipant {
            thread_id,
            participant,
        } => {
            let (participant, name) = match teams::resolve(ctx, &participant).await {
                Ok(found) => found,
                Err((what, fix)) => {
                    ctx.emit(BackendEvent::Failure { what, fix }).await;
                    return;
                }
            };
            let wanted = ChatParticipant {
                display_name: name,
                ..participant_for(&participant)
            };
            match ctx.chat.add_participants(&thread_id, vec![wanted]).await {
                Ok(result) => {
                    for refused in result.invalid_participants.unwrap_or_default() {
                        let (what, fix) = teams::explain_refusal(ctx, &refused).await;
                        ctx.emit(BackendEvent::Failure { what, fix }).await;
                    }
                    sync::refresh_participants(ctx, &thread_id).await;
                    Ok(())
                }
                Err(e) => Err(("add the participant", e)),
            }
        }
        Command::RemoveParticipant { thread_id, raw_id } => {
            let identifier = CommunicationIdentifier::from_raw_id(&raw_id);
            let result = ctx.chat.remove_participant(&thread_id, &identifier).await;
            sync::refresh_participants(ctx, &thread_id).await;
            result.map_err(|e| ("remove the participant", e))
        }
        Command::UpdateTopic { thread_id, topic } => ctx
            .chat
            .update_topic(&thread_id, &topic)
            .await
            .map_err(|e| ("change the topic", e)),
        Command::DeleteThread { thread_id } => match ctx.chat.delete_thread(&thread_id).await {
            Ok(()) => {
                ctx.emit(BackendEvent::ThreadDeleted { thread_id }).await;
                Ok(())
            }
            Err(e) => Err(("delete the thread", e)),
        },
        Command::Typing { thread_id } => {
            let name = ctx.my_name_in(Some(&thread_id)).await;
            if let Err(e) = ctx.chat.send_typing(&thread_id, Some(name)).await {
                tracing::debug!(error = %e, "typing notification failed");
            }
            Ok(())
        }
        Command::MarkRead {
            thread_id,
            message_id,
        } => {
            if let Err(e) = ctx.chat.send_read_receipt(&thread_id, &message_id).await {
                tracing::debug!(error = %e, "read receipt failed");
            }
            Ok(())
        }
        Command::SpeakAs { who } => {
            teams::speak_as(ctx, &who).await;
            Ok(())
        }
        Command::SendAsTeams {
            thread_id,
            who,
            content,
        } => {
            teams::send_as(ctx, &thread_id, &who, &content).await;
            Ok(())
        }
        Command::TypeAsTeams { thread_id, who } => {
            teams::type_as(ctx, &thread_id, &who).await;
            Ok(())
        }
        Command::SaveAttachments {
            thread_id,
            message_id,
            dir,
        } => {
            attachments::save(ctx, &thread_id, &message_id, dir).await;
            Ok(())
        }
        Command::InspectThread {
            thread_id,
            message_id,
        } => {
            thread_state::fetch(ctx, &thread_id, message_id.as_deref()).await;
            Ok(())
        }
        Command::ExportHar { path } => {
            export_har(ctx, path).await;
            Ok(())
        }
        Command::PlaceCall { thread_id, target } => {
            ctx.calls.place(ctx, thread_id, &target).await;
            Ok(())
        }
        Command::HangUp => {
            ctx.calls.hang_up(ctx).await;
            Ok(())
        }
        Command::MuteInCall { participant } => {
            ctx.calls.mute(ctx, &participant).await;
            Ok(())
        }
        Command::AddToCall { participant } => {
            ctx.calls.add(ctx, &participant).await;
            Ok(())
        }
        Command::RecordCall => {
            ctx.calls.record(ctx).await;
            Ok(())
        }
        Command::ForgetThread { thread_id } => {
            if let Err(e) = ctx.forgotten.forget(&thread_id) {
                tracing::warn!(error = %e, "cannot keep a forgotten thread");
            }
            Ok(())
        }
        Command::OpenThread { .. }
        | Command::SendMessage { .. }
        | Command::RetrySend { .. }
        | Command::Act
        | Command::DroppedOlder { .. }
        | Command::Shutdown => Ok(()),
    };
    if let Err((action, e)) = result {
        let (what, fix) = failure(action, &e);
        ctx.emit(BackendEvent::Failure { what, fix }).await;
    }
}

/// Logs what became of an edit or a deletion.
fn logged(
    answer: Result<crate::client::Accepted<()>, crate::client::ClientError>,
    action: &'static str,
    thread_id: &str,
    message_id: &str,
) -> Result<(), crate::client::ClientError> {
    let write = outcome::Write {
        action,
        thread_id,
        client_id: None,
        message_id: Some(message_id),
    };
    match answer {
        Ok(accepted) => {
            write.accepted(accepted.status, accepted.request_id.as_deref(), None);
            Ok(())
        }
        Err(e) => {
            write.failed(&e);
            Err(e)
        }
    }
}

async fn reload_threads(ctx: &Arc<Ctx>) {
    match sync::load_threads(ctx).await {
        Ok(threads) => sync::report_threads(ctx, threads).await,
        Err(e) => tracing::warn!(error = %e, "cannot reload threads"),
    }
}

/// Writes the wire log to `path` off the async threads, and says how it went.
async fn export_har(ctx: &Ctx, path: PathBuf) {
    let path = crate::config::paths::expand_home(&path);
    let entries = ctx.chat.tap().entries();
    let count = entries.len();
    let shown = path.display().to_string();
    let written =
        tokio::task::spawn_blocking(move || crate::inspect::har::write(&path, &entries)).await;
    match written {
        Ok(Ok(())) => {
            tracing::info!(path = %shown, entries = count, "wrote a HAR file");
            ctx.emit(BackendEvent::Notice(SafeText::new(&format!(
                "Wrote {count} exchanges to {shown} (HAR 1.2, secrets redacted)."
            ))))
            .await;
        }
        Ok(Err(e)) => {
            ctx.emit(BackendEvent::Failure {
                what: SafeText::new(&format!("Cannot write the HAR file {shown}: {e}")),
                fix: SafeText::new("Give a path in a folder you can write to: :har ~/session.har"),
            })
            .await;
        }
        Err(_) => {}
    }
}

fn participant_for(raw: &str) -> ChatParticipant {
    ChatParticipant {
        communication_identifier: CommunicationIdentifier::from_raw_id(raw).to_model(),
        display_name: None,
        share_history_time: None,
        metadata: None,
    }
}
