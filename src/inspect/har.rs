//! HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) from the wire log, as browser developer
//! tools and Fiddler open it. Realtime frames go under their socket's entry as Chrome writes them
//! (`_webSocketMessages`).

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use serde_json::{Value, json};

use super::{Entry, EntryKind, Part};

/// The HAR document for `entries` (oldest first).
pub fn document(entries: &[Arc<Entry>]) -> Value {
    let mut out: Vec<Value> = Vec::new();
    // Sockets in the order they opened, each with its frames.
    let mut sockets: Vec<(u64, Value, Vec<Value>)> = Vec::new();
    for entry in entries {
        match entry.kind {
            EntryKind::Http | EntryKind::Callback => out.push(exchange(entry)),
            EntryKind::Frame { socket, sent } => {
                let message = json!({
                    "type": if sent { "send" } else { "receive" },
                    "time": entry.at_ms as f64 / 1000.0,
                    "opcode": 1,
                    "data": entry.response.body.as_ref().map(|b| b.text()).unwrap_or(""),
                });
                match sockets.iter_mut().find(|(id, _, _)| *id == socket) {
                    Some((_, _, frames)) => frames.push(message),
                    None => sockets.push((socket, socket_entry(entry), vec![message])),
                }
            }
        }
    }
    for (_, mut entry, frames) in sockets {
        entry["_webSocketMessages"] = Value::Array(frames);
        out.push(entry);
    }
    out.sort_by(|a, b| {
        let at = |v: &Value| v["startedDateTime"].as_str().map(str::to_owned);
        at(a).cmp(&at(b))
    });
    json!({
        "log": {
            "version": "1.2",
            "creator": { "name": "acs-interop", "version": env!("CARGO_PKG_VERSION") },
            "pages": [],
            "entries": out,
        }
    })
}

/// Writes the HAR for `entries` to `path`: to a temporary file beside it, synced, then renamed, so
/// the file is always whole.
pub fn write(path: &Path, entries: &[Arc<Entry>]) -> std::io::Result<()> {
    let text = serde_json::to_vec_pretty(&document(entries)).map_err(std::io::Error::other)?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "har".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&text)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Checks that a HAR file can be written at `path` before the work starts, by writing an empty one.
pub fn prepare(path: &Path) -> anyhow::Result<()> {
    write(path, &[])
        .map_err(|e| anyhow::anyhow!("cannot write the HAR file {}: {e}", path.display()))
}

fn started(entry: &Entry) -> String {
    crate::acs::time::format_ms(entry.at_ms)
}

fn headers(part: &Part) -> Vec<Value> {
    part.headers
        .iter()
        .map(|(name, value)| json!({ "name": name, "value": value }))
        .collect()
}

fn query(url: &str) -> Vec<Value> {
    reqwest::Url::parse(url)
        .map(|u| {
            u.query_pairs()
                .map(|(name, value)| json!({ "name": name, "value": value }))
                .collect()
        })
        .unwrap_or_default()
}

fn exchange(entry: &Entry) -> Value {
    let mut request = json!({
        "method": entry.method,
        "url": entry.url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": headers(&entry.request),
        "queryString": query(&entry.url),
        "headersSize": -1,
        "bodySize": entry.request.body.as_ref().map_or(0, |b| b.size as i64),
    });
    if let Some(body) = &entry.request.body {
        request["postData"] = json!({ "mimeType": body.mime, "text": body.text() });
    }
    let status = entry.status.unwrap_or(0);
    let mut content = json!({
        "size": entry.response.body.as_ref().map_or(0, |b| b.size as i64),
        "mimeType": entry.response.body.as_ref().map_or("", |b| b.mime.as_str()),
    });
    if let Some(body) = entry
        .response
        .body
        .as_ref()
        .filter(|b| !b.text().is_empty())
    {
        content["text"] = Value::String(body.text().to_string());
    }
    let mut har = json!({
        "startedDateTime": started(entry),
        "time": entry.latency_ms.unwrap_or(0),
        "request": request,
        "response": {
            "status": status,
            "statusText": if status == 0 { "" } else { crate::client::reason_phrase(status) },
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": headers(&entry.response),
            "content": content,
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": entry.response.body.as_ref().map_or(-1, |b| b.size as i64),
        },
        "cache": {},
        "timings": { "send": 0, "wait": entry.latency_ms.unwrap_or(0), "receive": 0 },
    });
    if let Some(error) = &entry.error {
        har["_error"] = Value::String(error.clone());
    }
    if entry.attempt > 1 {
        har["_attempt"] = json!(entry.attempt);
    }
    if entry.kind == EntryKind::Callback {
        har["_resourceType"] = json!("callback");
    }
    har
}

fn socket_entry(first: &Entry) -> Value {
    json!({
        "startedDateTime": started(first),
        "time": 0,
        "_resourceType": "websocket",
        "request": {
            "method": "GET",
            "url": first.url,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [],
            "queryString": query(&first.url),
            "headersSize": -1,
            "bodySize": 0,
        },
        "response": {
            "status": 101,
            "statusText": "Switching Protocols",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [],
            "content": { "size": 0, "mimeType": "" },
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": 0,
        },
        "cache": {},
        "timings": { "send": 0, "wait": 0, "receive": 0 },
    })
}
