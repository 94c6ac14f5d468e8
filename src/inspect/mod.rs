//! The session's wire log, for the inspector and HAR files: every HTTP exchange, realtime frame and
//! call callback, in a ring bounded by count and by bytes so memory stays flat however long the
//! session runs. Exchanges and callbacks are redacted as they are recorded; a realtime frame is kept
//! as received and redacted the first time it is read, because a busy thread brings thousands of
//! frames a minute that nobody looks at, and redacting each cost more than receiving it. Every way
//! out of the ring (the inspector, HAR files, `Debug`) reads through [`Body::text`].

pub mod har;
pub mod redact;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// At most this many entries are kept; the oldest go first.
pub const RING_ENTRIES: usize = 4096;
/// At most this many bytes of bodies are kept in all.
pub const RING_BYTES: usize = 32 * 1024 * 1024;
/// A body longer than this is kept cut, with its full size noted.
pub const BODY_LIMIT: usize = 64 * 1024;

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A request and its answer (or its network failure).
    Http,
    /// A frame on realtime socket number `socket`; `sent` when this side sent it.
    Frame { socket: u64, sent: bool },
    /// A call event posted to the callback listener.
    Callback,
}

/// A body as kept: redacted, possibly cut.
#[derive(Clone)]
pub struct Body {
    pub mime: String,
    /// The size of the body on the wire, in bytes.
    pub size: usize,
    text: Kept,
}

#[derive(Clone)]
enum Kept {
    Redacted(String),
    /// A realtime frame as received, redacted once, when first read.
    Deferred {
        raw: String,
        redacted: std::sync::OnceLock<String>,
    },
}

impl Body {
    /// Keeps a body: JSON and text are redacted (and cut beyond [`BODY_LIMIT`]); other types are
    /// noted by size only.
    pub fn keep(mime: &str, bytes: &[u8]) -> Body {
        let textual = mime.is_empty()
            || mime.contains("json")
            || mime.starts_with("text/")
            || mime.contains("xml");
        let text = if !textual {
            String::new()
        } else {
            let raw = String::from_utf8_lossy(&bytes[..bytes.len().min(BODY_LIMIT)]);
            let mut shown = if bytes.len() > BODY_LIMIT {
                redact::text(&raw)
            } else {
                redact::body(&raw, false)
            };
            if bytes.len() > BODY_LIMIT {
                shown.push_str(&format!("… ({} bytes in all)", bytes.len()));
            }
            shown
        };
        Body {
            mime: mime.to_string(),
            size: bytes.len(),
            text: Kept::Redacted(text),
        }
    }

    /// A JSON realtime frame, redacted when first read; one larger than [`BODY_LIMIT`] is cut and
    /// redacted now, as [`Body::keep`] does.
    pub fn frame(raw: String) -> Body {
        if raw.len() > BODY_LIMIT {
            return Body::keep("application/json", raw.as_bytes());
        }
        Body {
            mime: "application/json".into(),
            size: raw.len(),
            text: Kept::Deferred {
                raw,
                redacted: std::sync::OnceLock::new(),
            },
        }
    }

    /// The body as it may be shown: redacted.
    pub fn text(&self) -> &str {
        match &self.text {
            Kept::Redacted(text) => text,
            Kept::Deferred { raw, redacted } => redacted.get_or_init(|| redact::body(raw, false)),
        }
    }

    /// Bytes held, for the ring's bound.
    fn held(&self) -> usize {
        match &self.text {
            Kept::Redacted(text) => text.len(),
            Kept::Deferred { raw, redacted } => raw.len() + redacted.get().map_or(0, String::len),
        }
    }
}

impl PartialEq for Body {
    fn eq(&self, other: &Body) -> bool {
        self.mime == other.mime && self.size == other.size && self.text() == other.text()
    }
}

impl Eq for Body {}

/// Shows only the redacted text, so that no `{:?}` can print a frame as received.
impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Body")
            .field("mime", &self.mime)
            .field("size", &self.size)
            .field("text", &self.text())
            .finish()
    }
}

/// Headers and body of one side of an exchange.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Part {
    /// Redacted.
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
}

impl Part {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One recorded exchange, frame or callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Numbered from 1 in the order recorded.
    pub seq: u64,
    /// When it started, in Unix milliseconds.
    pub at_ms: i64,
    pub kind: EntryKind,
    /// The HTTP method; `WS` for a frame, `POST` for a callback.
    pub method: String,
    /// Redacted.
    pub url: String,
    pub status: Option<u16>,
    pub latency_ms: Option<u64>,
    /// 1 for the first try of a request, 2 for its first retry, …
    pub attempt: u32,
    /// The wait the answer asked for.
    pub retry_after_ms: Option<u64>,
    pub request: Part,
    pub response: Part,
    /// Why there was no answer.
    pub error: Option<String>,
    /// The chat thread the entry is about, when it names one.
    pub thread_id: Option<String>,
}

impl Entry {
    /// An entry not yet numbered; [`Tap::record`] numbers it.
    pub fn new(kind: EntryKind, method: &str, url: &str) -> Entry {
        Entry::unnumbered(kind, method, redact::url(url), thread_of_url(url))
    }

    /// A realtime frame on socket number `socket`, whose URL was redacted once for the socket as
    /// `shown_url`.
    pub fn frame(
        socket: u64,
        sent: bool,
        shown_url: &str,
        thread_id: Option<String>,
        body: Body,
    ) -> Entry {
        let kind = EntryKind::Frame { socket, sent };
        let mut entry = Entry::unnumbered(kind, "WS", shown_url.to_string(), thread_id);
        entry.response.body = Some(body);
        entry
    }

    fn unnumbered(
        kind: EntryKind,
        method: &str,
        shown_url: String,
        thread_id: Option<String>,
    ) -> Entry {
        Entry {
            seq: 0,
            at_ms: crate::acs::time::now_ms(),
            kind,
            method: method.to_string(),
            url: shown_url,
            status: None,
            latency_ms: None,
            attempt: 1,
            retry_after_ms: None,
            request: Part::default(),
            response: Part::default(),
            error: None,
            thread_id,
        }
    }

    /// The ids support asks for: the service's request id, its correlation vector, and ours.
    pub fn request_ids(&self) -> [(&'static str, Option<&str>); 3] {
        [
            ("x-ms-request-id", self.response.header("x-ms-request-id")),
            ("ms-cv", self.response.header("ms-cv")),
            (
                "x-ms-client-request-id",
                self.request
                    .header("x-ms-client-request-id")
                    .or_else(|| self.response.header("x-ms-client-request-id")),
            ),
        ]
    }

    /// What the emulator's fault injection did to this exchange (its `x-ms-emulator-fault`), if it
    /// was injected rather than real.
    pub fn injected_fault(&self) -> Option<&str> {
        self.response.header("x-ms-emulator-fault")
    }

    fn bytes(&self) -> usize {
        let part = |p: &Part| p.body.as_ref().map_or(0, Body::held);
        part(&self.request) + part(&self.response) + self.url.len() + 256
    }
}

/// The thread a chat URL is about (`…/chat/threads/<id>/…`).
pub fn thread_of_url(url: &str) -> Option<String> {
    let parsed = reqwest::Url::parse(url).ok()?;
    let mut segments = parsed.path_segments()?;
    segments.find(|s| *s == "threads")?;
    let id = segments.next().filter(|s| !s.is_empty())?;
    let decoded = percent_encoding::percent_decode_str(id)
        .decode_utf8()
        .ok()?;
    Some(decoded.into_owned())
}

/// The entries kept, oldest first.
#[derive(Debug, Default)]
pub struct Ring {
    entries: VecDeque<Arc<Entry>>,
    bytes: usize,
    next_seq: u64,
    next_socket: u64,
}

impl Ring {
    fn push(&mut self, mut entry: Entry) {
        self.next_seq += 1;
        entry.seq = self.next_seq;
        self.bytes += entry.bytes();
        self.entries.push_back(Arc::new(entry));
        while self.entries.len() > RING_ENTRIES || self.bytes > RING_BYTES {
            match self.entries.pop_front() {
                Some(old) => self.bytes = self.bytes.saturating_sub(old.bytes()),
                None => break,
            }
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Arc<Entry>> {
        self.entries.iter()
    }

    /// How many entries were ever recorded, the dropped included.
    pub fn recorded(&self) -> u64 {
        self.next_seq
    }
}

/// Where exchanges are recorded: shared by the clients of a session and the inspector. Cheap to
/// clone; [`Tap::off`] records nothing.
#[derive(Clone, Default)]
pub struct Tap(Option<Arc<Mutex<Ring>>>);

impl std::fmt::Debug for Tap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tap({})", if self.is_on() { "on" } else { "off" })
    }
}

impl Tap {
    /// A tap that records.
    pub fn new() -> Tap {
        Tap(Some(Arc::new(Mutex::new(Ring::default()))))
    }

    /// A tap that records nothing.
    pub fn off() -> Tap {
        Tap(None)
    }

    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    pub fn record(&self, entry: Entry) {
        if let Some(ring) = &self.0
            && let Ok(mut ring) = ring.lock()
        {
            ring.push(entry);
        }
    }

    /// A number for a new realtime socket, so HAR can group its frames.
    pub fn next_socket(&self) -> u64 {
        match &self.0 {
            Some(ring) => ring
                .lock()
                .map(|mut r| {
                    r.next_socket += 1;
                    r.next_socket
                })
                .unwrap_or(0),
            None => 0,
        }
    }

    /// Runs `f` on the ring; `None` when the tap is off.
    pub fn read<R>(&self, f: impl FnOnce(&Ring) -> R) -> Option<R> {
        let ring = self.0.as_ref()?;
        let ring = ring.lock().ok()?;
        Some(f(&ring))
    }

    /// A copy of the entries, oldest first (cheap: entries are shared).
    pub fn entries(&self) -> Vec<Arc<Entry>> {
        self.read(|r| r.iter().cloned().collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_is_bounded_by_count_and_bytes() {
        let tap = Tap::new();
        for i in 0..(RING_ENTRIES + 10) {
            let mut e = Entry::new(
                EntryKind::Http,
                "GET",
                &format!("http://h/chat/threads/t{i}"),
            );
            e.status = Some(200);
            tap.record(e);
        }
        let (len, recorded, first) = tap
            .read(|r| (r.len(), r.recorded(), r.iter().next().map(|e| e.seq)))
            .unwrap();
        assert_eq!(
            (len, recorded, first),
            (RING_ENTRIES, RING_ENTRIES as u64 + 10, Some(11))
        );
        let big = "x".repeat(BODY_LIMIT);
        for _ in 0..(RING_BYTES / BODY_LIMIT + 50) {
            let mut e = Entry::new(EntryKind::Http, "GET", "http://h/");
            e.response.body = Some(Body::keep("text/plain", big.as_bytes()));
            tap.record(e);
        }
        let held: usize = tap.read(|r| r.iter().map(|e| e.bytes()).sum()).unwrap();
        assert!(held <= RING_BYTES, "{held}");
        assert!(Tap::off().entries().is_empty());
    }

    #[test]
    fn entries_know_their_thread_and_cut_long_bodies() {
        let e = Entry::new(
            EntryKind::Http,
            "GET",
            "https://h/chat/threads/19%3Aab%40thread.v2/messages?api-version=1",
        );
        assert_eq!(e.thread_id.as_deref(), Some("19:ab@thread.v2"));
        assert_eq!(
            Entry::new(EntryKind::Http, "POST", "https://h/identities").thread_id,
            None
        );
        let long = format!("{{\"a\":\"{}\"}}", "y".repeat(BODY_LIMIT * 2));
        let kept = Body::keep("application/json", long.as_bytes());
        assert!(kept.text().len() < BODY_LIMIT + 100 && kept.text().ends_with("bytes in all)"));
        assert_eq!(kept.size, long.len());
        assert_eq!(Body::keep("image/png", &[1, 2, 3]).text(), "");
    }

    #[test]
    fn a_frame_kept_as_received_is_redacted_wherever_it_is_read() {
        let raw = r#"{"type":"x","data":{"token":"eyJhbGciOiJSUzI1NiJ9.eyJza3lwZWlkIjoiYWNzIn0.c2ln","threadId":"19:a@thread.v2"}}"#;
        let entry = Entry::frame(
            1,
            false,
            "wss://h/emulator/realtime?since=0",
            Some("19:a@thread.v2".into()),
            Body::frame(raw.to_string()),
        );
        let body = entry.response.body.as_ref().unwrap();
        assert!(!body.text().contains("eyJ") && body.text().contains(redact::REDACTED));
        assert!(
            !format!("{entry:?}").contains("eyJ"),
            "Debug shows the frame as received"
        );
        assert_eq!(body.size, raw.len());
        let long = format!(r#"{{"token":"{}"}}"#, "y".repeat(BODY_LIMIT));
        assert!(Body::frame(long).text().ends_with("bytes in all)"));
    }
}
