//! `event-log.jsonl` in a 2026-01-format world-data directory: that release's event log, a line
//! per record (an event once as `sent`, once per receiver as `received`), which its tools and its
//! suite read. bang's history is the store's (`event.query` never reads this file); the file is a
//! view of it, appended after each commit while the directory is mirrored, emptied by a test
//! reset.

use crate::store::Changes;
use bang_components::history::{EventTold, HistoryRecord};
use std::io::Write;
use std::path::Path;

/// The file's name in the world-data directory.
pub const FILE: &str = "event-log.jsonl";

/// An event's lines, as that release wrote them.
fn lines(e: &EventTold, out: &mut String) {
    let record = |direction, receiver: Option<&String>| HistoryRecord {
        timestamp: e.at,
        direction,
        event: e.event.to_string(),
        payload: e.payload.clone(),
        sender: e.sender.clone(),
        receiver: receiver.cloned(),
        sector: e.sector,
        corporation_id: e.corporation_id.clone(),
        meta: None,
    };
    let sent = std::iter::once(record("sent", None));
    let received = e.receivers.iter().map(|r| record("received", Some(r)));
    for r in sent.chain(received) {
        if let Ok(line) = serde_json::to_string(&r) {
            out.push_str(&line);
            out.push('\n');
        }
    }
}

/// Appends the committed events to the directory's log.
pub fn append(dir: &Path, changes: &[Changes]) {
    let mut text = String::new();
    for e in changes.iter().flat_map(|c| &c.events) {
        lines(e, &mut text);
    }
    if text.is_empty() {
        return;
    }
    let path = dir.join(FILE);
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()));
    if let Err(e) = written {
        tracing::warn!(error = %e, path = %path.display(), "could not append to the event log");
    }
}
