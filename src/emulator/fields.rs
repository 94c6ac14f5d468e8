//! The sizes of what clients write into threads: topics, message content, display names and metadata.
//! Each refusal is a 400 that names the field in `target` and says the limit (`acs::chat::limits`).

use crate::acs::chat::{Metadata, limits};
use crate::emulator::error::ApiError;

pub fn check_topic(topic: &str) -> Result<(), ApiError> {
    if topic.trim().is_empty() {
        return Err(ApiError::invalid_field(
            "topic",
            "The field 'topic' must not be empty.",
        ));
    }
    if topic.chars().count() > limits::MAX_TOPIC_CHARS {
        return Err(ApiError::invalid_field(
            "topic",
            format!(
                "The topic is longer than {} characters.",
                limits::MAX_TOPIC_CHARS
            ),
        ));
    }
    Ok(())
}

pub fn check_content(content: &str) -> Result<(), ApiError> {
    if content.len() > limits::MAX_MESSAGE_BYTES {
        return Err(ApiError::invalid_field(
            "content",
            format!(
                "The message is {} bytes; the most a message can hold is {} bytes (28 KB).",
                content.len(),
                limits::MAX_MESSAGE_BYTES
            ),
        ));
    }
    if content.trim().is_empty() {
        return Err(ApiError::invalid_field(
            "content",
            "The field 'content' must not be empty.",
        ));
    }
    Ok(())
}

/// A display name, when given, of at most [`limits::MAX_DISPLAY_NAME_CHARS`] characters.
pub fn check_display_name(target: &str, name: Option<&str>) -> Result<(), ApiError> {
    let chars = name.map_or(0, |n| n.chars().count());
    if chars > limits::MAX_DISPLAY_NAME_CHARS {
        return Err(ApiError::invalid_field(
            target,
            format!(
                "The field '{target}' is {chars} characters long; the most is {}.",
                limits::MAX_DISPLAY_NAME_CHARS
            ),
        ));
    }
    Ok(())
}

/// The size the service counts: the bytes of every name and value.
fn metadata_bytes(metadata: &Metadata) -> usize {
    metadata.iter().map(|(k, v)| k.len() + v.len()).sum()
}

/// Metadata, when given, of at most `limit` bytes of names and values.
pub fn check_metadata(
    target: &str,
    metadata: Option<&Metadata>,
    limit: usize,
) -> Result<(), ApiError> {
    let bytes = metadata.map_or(0, metadata_bytes);
    if bytes > limit {
        return Err(ApiError::invalid_field(
            target,
            format!(
                "The field '{target}' holds {bytes} bytes of names and values; the most is {limit}."
            ),
        ));
    }
    Ok(())
}

/// Metadata as an update leaves it (the changes merged into what is stored), checked as a whole.
pub fn check_merged_metadata(
    target: &str,
    stored: Option<&Metadata>,
    changes: Option<&Metadata>,
    limit: usize,
) -> Result<(), ApiError> {
    let Some(changes) = changes else {
        return Ok(());
    };
    let mut merged = stored.cloned().unwrap_or_default();
    merged.extend(changes.iter().map(|(k, v)| (k.clone(), v.clone())));
    check_metadata(target, Some(&merged), limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_counts_the_bytes_of_names_and_values_after_the_merge() {
        let stored = Metadata::from([("a".to_string(), "x".repeat(9))]);
        assert!(check_metadata("metadata", Some(&stored), 10).is_ok());
        assert!(check_metadata("metadata", Some(&stored), 9).is_err());
        // Replacing a value counts the new one only; adding a name counts both.
        let replace = Metadata::from([("a".to_string(), "y".repeat(9))]);
        assert!(check_merged_metadata("metadata", Some(&stored), Some(&replace), 10).is_ok());
        let add = Metadata::from([("b".to_string(), String::new())]);
        let e = check_merged_metadata("metadata", Some(&stored), Some(&add), 10).unwrap_err();
        assert_eq!(e.error.target.as_deref(), Some("metadata"));
        assert!(e.error.message.contains("11 bytes"), "{}", e.error.message);
    }
}
