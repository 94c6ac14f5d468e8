//! `:save`: a message's attachments downloaded with the user's token into a folder.
//!
//! The message is read again first, so its links are the service's current ones. Each file is written
//! under a temporary name in the folder and moved into place only when complete, so a failed or refused
//! download leaves nothing; the final name never overwrites a file (see [`files::place`]). Progress and
//! results are notices, failures say what to do.

mod files;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;

use super::convert::failure;
use super::{BackendEvent, Ctx};
use crate::acs::chat::ChatAttachment;
use crate::client::ClientError;
use crate::model::SafeText;

/// The largest attachment `:save` downloads, in bytes.
pub const MAX_BYTES: u64 = 100 * 1024 * 1024;
/// A file's progress notice comes at most this often.
const PROGRESS_EVERY: Duration = Duration::from_millis(300);

/// Why one attachment was not saved.
#[derive(Debug, thiserror::Error)]
enum SaveError {
    #[error("{name} has no download link")]
    NoLink { name: String },
    #[error("the link of {name} points away from {endpoint}: {link}")]
    ForeignLink {
        name: String,
        link: String,
        endpoint: String,
    },
    #[error("{name} is {}; :save takes files up to {}", size_text(*size), size_text(MAX_BYTES))]
    TooBig { name: String, size: u64 },
    #[error("could not download {name}")]
    Download { name: String, error: ClientError },
    #[error("could not write {name} into {}: {error}", dir.display())]
    File {
        name: String,
        dir: PathBuf,
        error: std::io::Error,
    },
}

impl SaveError {
    /// What happened and what to do, for the error bar.
    fn explain(&self) -> (SafeText, SafeText) {
        let fix = match self {
            SaveError::NoLink { .. } => {
                "Teams shares some files only as a page to open (its preview link): copy the message with y and open that link in a browser."
            }
            SaveError::ForeignLink { .. } => {
                "Your access token is sent only to your ACS endpoint. Copy the link with y and open it in a browser signed in to that site."
            }
            SaveError::TooBig { .. } => {
                "Copy the link with y and download it with a tool that sends your access token."
            }
            SaveError::Download { name, error } => {
                return failure(&format!("download {name}"), error);
            }
            SaveError::File { .. } => {
                "Check that the folder is writable and has space, or name another: :save <folder>."
            }
        };
        (SafeText::new(&self.to_string()), SafeText::new(fix))
    }
}

/// Saves every attachment of the message into `dir` (default: the user's download folder), one after
/// another; one that fails does not stop the others.
pub async fn save(ctx: &Ctx, thread_id: &str, message_id: &str, dir: Option<PathBuf>) {
    let dir = match dir {
        Some(dir) => crate::config::paths::expand_home(&dir),
        None => crate::config::paths::download_dir(),
    };
    if !tokio::fs::metadata(&dir).await.is_ok_and(|m| m.is_dir()) {
        fail(
            ctx,
            &format!("There is no folder {}.", dir.display()),
            "Create it, or name another: :save <folder>.",
        )
        .await;
        return;
    }
    // Said in full in the notices, so a relative folder is not a puzzle later.
    let dir = tokio::fs::canonicalize(&dir).await.unwrap_or(dir);
    let message = match ctx.chat.get_message(thread_id, message_id).await {
        Ok(m) => m,
        Err(e) => {
            let (what, fix) = failure("read the message to save its attachments", &e);
            ctx.emit(BackendEvent::Failure { what, fix }).await;
            return;
        }
    };
    let attachments = message
        .content
        .and_then(|c| c.attachments)
        .unwrap_or_default();
    if attachments.is_empty() {
        fail(
            ctx,
            "That message has no attachments (any more).",
            "Select a message that shows [file: …] or [image: …] (Esc, then Up/Down), then :save.",
        )
        .await;
        return;
    }
    let mut saved = 0;
    for attachment in &attachments {
        match save_one(ctx, attachment, &dir).await {
            Ok(()) => saved += 1,
            Err(e) => {
                tracing::warn!(error = %e, "an attachment was not saved");
                let (what, fix) = e.explain();
                ctx.emit(BackendEvent::Failure { what, fix }).await;
            }
        }
    }
    if attachments.len() > 1 && saved > 0 {
        notify(
            ctx,
            &format!(
                "Saved {saved} of {} attachments to {}.",
                attachments.len(),
                dir.display()
            ),
        )
        .await;
    }
}

async fn save_one(ctx: &Ctx, attachment: &ChatAttachment, dir: &Path) -> Result<(), SaveError> {
    let name = files::safe_file_name(attachment.name.as_deref().unwrap_or(""));
    let Some(link) = attachment.url.as_deref().filter(|l| !l.trim().is_empty()) else {
        return Err(SaveError::NoLink { name });
    };
    if !ctx.chat.is_own_link(link) {
        return Err(SaveError::ForeignLink {
            name,
            link: link.to_string(),
            endpoint: ctx.chat.endpoint().to_string(),
        });
    }
    notify(ctx, &format!("Saving {name}…")).await;
    let download = |error| SaveError::Download {
        name: name.clone(),
        error,
    };
    let file_error = |error| SaveError::File {
        name: name.clone(),
        dir: dir.to_path_buf(),
        error,
    };
    let mut response = ctx.chat.get_attachment(link).await.map_err(download)?;
    let total = response.content_length();
    if let Some(size) = total.filter(|s| *s > MAX_BYTES) {
        return Err(SaveError::TooBig { name, size });
    }

    // Declared before the file, so the file is closed before the guard removes it.
    let mut partial = Partial {
        path: dir.join(format!(".acs-interop-{}.part", crate::ids::uuid_v4())),
        placed: false,
    };
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&partial.path)
        .await
        .map_err(file_error)?;
    let mut written: u64 = 0;
    let mut last_notice = Instant::now();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| download(crate::client::http::network_error(e)))?
    {
        written += chunk.len() as u64;
        if written > MAX_BYTES {
            return Err(SaveError::TooBig {
                name,
                size: written,
            });
        }
        file.write_all(&chunk).await.map_err(file_error)?;
        if last_notice.elapsed() >= PROGRESS_EVERY {
            last_notice = Instant::now();
            notify(ctx, &progress_text(&name, written, total)).await;
        }
    }
    file.flush().await.map_err(file_error)?;
    file.sync_all().await.map_err(file_error)?;
    drop(file);
    let placed = files::place(&partial.path, dir, &name)
        .await
        .map_err(file_error)?;
    partial.placed = true;
    let shown = placed
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or(name);
    notify(
        ctx,
        &format!(
            "Saved {shown} to {} ({}).",
            dir.display(),
            size_text(written)
        ),
    )
    .await;
    Ok(())
}

/// A download in progress under its temporary name: removed when dropped (a failure, a refusal, a
/// cancelled task) unless it was moved into place.
struct Partial {
    path: PathBuf,
    placed: bool,
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.placed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// `Saving agenda.pdf… 40%`, or the bytes so far when the size is not known.
fn progress_text(name: &str, written: u64, total: Option<u64>) -> String {
    match total.filter(|t| *t > 0) {
        Some(total) => format!("Saving {name}… {}%", written.min(total) * 100 / total),
        None => format!("Saving {name}… {}", size_text(written)),
    }
}

/// `512 bytes`, `12 KB`, `3.4 MB`.
fn size_text(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    if bytes < KB {
        format!("{bytes} bytes")
    } else if bytes < MB {
        format!("{} KB", bytes.div_ceil(KB))
    } else {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    }
}

async fn notify(ctx: &Ctx, text: &str) {
    ctx.emit(BackendEvent::Notice(SafeText::new(text))).await;
}

async fn fail(ctx: &Ctx, what: &str, fix: &str) {
    ctx.emit(BackendEvent::Failure {
        what: SafeText::new(what),
        fix: SafeText::new(fix),
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_text(512), "512 bytes");
        assert_eq!(size_text(12 * 1024 - 100), "12 KB");
        assert_eq!(size_text(3_565_158), "3.4 MB");
        assert_eq!(size_text(MAX_BYTES), "100.0 MB");
    }

    #[test]
    fn progress_is_a_percentage_when_the_size_is_known() {
        assert_eq!(
            progress_text("agenda.pdf", 40, Some(100)),
            "Saving agenda.pdf… 40%"
        );
        assert_eq!(
            progress_text("agenda.pdf", 2048, None),
            "Saving agenda.pdf… 2 KB"
        );
    }

    #[test]
    fn a_refusal_says_how_big_the_file_is_and_what_to_do() {
        let (what, fix) = SaveError::TooBig {
            name: "film.mp4".into(),
            size: 250 * 1024 * 1024,
        }
        .explain();
        assert_eq!(
            what.as_str(),
            "film.mp4 is 250.0 MB; :save takes files up to 100.0 MB"
        );
        assert!(fix.as_str().starts_with("Copy the link with y"), "{fix}");
    }
}
