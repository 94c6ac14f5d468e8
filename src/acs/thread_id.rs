//! Chat thread ids: `19:<id>@thread.v2` for ACS threads (Teams chats end in other `@` domains).

use std::fmt;

/// A chat thread id, checked for its shape once where it enters (the command line).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ThreadId(String);

/// Why some text is not a thread id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not a chat thread id ({reason}); thread ids look like 19:<id>@thread.v2")]
pub struct ThreadIdError {
    /// The text as given, made safe for a terminal.
    text: String,
    reason: &'static str,
}

/// Longer than any id the service makes; a guard against pasting a message instead.
const MAX_LEN: usize = 512;

impl ThreadId {
    /// Checks the shape: `19:`, then an id, `@` and a domain, with no spaces or control characters.
    /// Percent-encoded ids (`19%3A...`) are taken as the id they encode.
    pub fn parse(text: &str) -> Result<ThreadId, ThreadIdError> {
        let trimmed = text.trim();
        let decoded = percent_encoding::percent_decode_str(trimmed)
            .decode_utf8()
            .map(|d| d.into_owned())
            .unwrap_or_else(|_| trimmed.to_string());
        let fail = |reason| ThreadIdError {
            text: crate::text::sanitize_line(text).into_owned(),
            reason,
        };
        if decoded.is_empty() {
            return Err(fail("it is empty"));
        }
        if decoded.len() > MAX_LEN {
            return Err(fail("it is too long"));
        }
        if decoded
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '/' || c == '?' || c == '#')
        {
            return Err(fail("it holds spaces or characters ids never hold"));
        }
        let Some(rest) = decoded.strip_prefix("19:") else {
            return Err(fail("it does not start with 19:"));
        };
        match rest.rsplit_once('@') {
            Some((id, domain)) if !id.is_empty() && !domain.is_empty() => Ok(ThreadId(decoded)),
            _ => Err(fail("it has no @domain, such as @thread.v2")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ThreadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_ids_are_checked_for_their_shape() {
        let id = "19:0123456789abcdef0123456789abcdef@thread.v2";
        assert_eq!(ThreadId::parse(id).expect("valid").as_str(), id);
        assert_eq!(
            ThreadId::parse("19%3Aab%40thread.v2")
                .expect("encoded")
                .as_str(),
            "19:ab@thread.v2"
        );
        assert!(ThreadId::parse("19:meeting_x@thread.v2").is_ok());
        for bad in [
            "",
            "hello",
            "19:",
            "19:abc",
            "20:a@thread.v2",
            "19:a b@thread.v2",
            "19:a@",
        ] {
            let e = ThreadId::parse(bad).expect_err(bad);
            assert!(e.to_string().contains("19:<id>@thread.v2"), "{e}");
        }
        let e = ThreadId::parse("19:\u{1b}[2J@thread.v2").expect_err("escape");
        assert!(
            !e.to_string().contains('\u{1b}'),
            "the message is terminal-safe"
        );
    }
}
