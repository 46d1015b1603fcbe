//! The action log's JSONL files: one per UTC day under `DATA/action-log/`, one entry per line.
//!
//! The store's `action_log` table is the truth (written in the same transaction as the change it
//! records); the files follow it. At start they catch up with the table, so after a crash the
//! files and the store agree again: a partial last line is cut, missing entries are appended.

use bang_components::time::Timestamp;
use serde::Serialize;
use serde_json::value::RawValue;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// One line of the log, in the seed's format.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub seq: i64,
    #[serde(serialize_with = "zulu")]
    pub timestamp: Timestamp,
    pub event_type: String,
    pub actor_id: Option<String>,
    pub session_id: Option<String>,
    pub data: Box<RawValue>,
    pub result: String,
    pub metadata: Box<RawValue>,
}

/// The seed shows log timestamps with a `Z` zone.
fn zulu<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    let wire = t.to_wire();
    s.serialize_str(&format!("{}Z", wire.trim_end_matches("+00:00")))
}

/// The UTC day of a timestamp, `YYYY-MM-DD` (the file name).
fn day_of(t: Timestamp) -> String {
    t.to_wire()[..10].to_string()
}

pub struct ActionLogFiles {
    dir: PathBuf,
    /// The highest `seq` already in the files.
    pub last_seq: i64,
    /// The day file last appended to, kept open: the writer appends after every commit.
    current: Option<(String, File)>,
}

impl ActionLogFiles {
    /// Opens the directory, repairs a torn last line and finds the last `seq` written.
    pub fn open(dir: &Path) -> std::io::Result<ActionLogFiles> {
        std::fs::create_dir_all(dir)?;
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect();
        files.sort();
        let mut last_seq = 0;
        // The newest non-empty file holds the last entry.
        for path in files.iter().rev() {
            if let Some(seq) = repair_and_last_seq(path)? {
                last_seq = seq;
                break;
            }
        }
        Ok(ActionLogFiles {
            dir: dir.to_path_buf(),
            last_seq,
            current: None,
        })
    }

    /// Appends entries (ascending `seq`), skipping any already written: one write per day file
    /// touched, so a commit's entries cost one system call.
    pub fn append<'a>(
        &mut self,
        entries: impl IntoIterator<Item = &'a LogEntry>,
    ) -> std::io::Result<()> {
        let already = self.last_seq;
        let mut lines = Vec::new();
        let mut day_of_lines = String::new();
        let mut last = already;
        for e in entries.into_iter().filter(|e| e.seq > already) {
            let day = day_of(e.timestamp);
            if day != day_of_lines && !lines.is_empty() {
                self.write_day(&day_of_lines, &lines)?;
                self.last_seq = last;
                lines.clear();
            }
            day_of_lines = day;
            serde_json::to_writer(&mut lines, e).map_err(std::io::Error::other)?;
            lines.push(b'\n');
            last = e.seq;
        }
        if !lines.is_empty() {
            self.write_day(&day_of_lines, &lines)?;
            self.last_seq = last;
        }
        Ok(())
    }

    fn write_day(&mut self, day: &str, bytes: &[u8]) -> std::io::Result<()> {
        if self.current.as_ref().is_none_or(|(d, _)| d != day) {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(self.dir.join(format!("{day}.jsonl")))?;
            self.current = Some((day.to_string(), file));
        }
        let (_, file) = self.current.as_mut().expect("file is open");
        if let Err(e) = file.write_all(bytes) {
            // Reopen next time rather than keep appending to a file in an unknown state.
            self.current = None;
            return Err(e);
        }
        Ok(())
    }
}

impl ActionLogFiles {
    /// Deletes day files wholly older than `before` (micros), then the oldest ones while all of
    /// them pass `max_bytes`; the newest file always stays (it holds the last `seq`).
    pub fn prune(&mut self, before: Option<i64>, max_bytes: Option<u64>) -> std::io::Result<()> {
        let mut files: Vec<(PathBuf, u64)> = std::fs::read_dir(&self.dir)?
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
            .filter_map(|e| Some((e.path(), e.metadata().ok()?.len())))
            .collect();
        files.sort();
        let Some(newest) = files.pop() else {
            return Ok(());
        };
        // A day file holds that UTC day: it is wholly old once the next day began before `before`.
        let cutoff_day = before.map(|t| day_of(Timestamp(t)));
        let mut total: u64 = files.iter().map(|(_, n)| n).sum::<u64>() + newest.1;
        for (path, len) in files {
            let day = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            let too_old = cutoff_day.as_deref().is_some_and(|c| day < c);
            let too_big = max_bytes.is_some_and(|m| total > m);
            if !(too_old || too_big) {
                break;
            }
            if self.current.as_ref().is_some_and(|(d, _)| d == day) {
                self.current = None;
            }
            std::fs::remove_file(&path)?;
            total -= len;
        }
        Ok(())
    }
}

/// Cuts an incomplete last line (a crash mid-write) and returns the last complete entry's seq.
fn repair_and_last_seq(path: &Path) -> std::io::Result<Option<i64>> {
    let mut file = OpenOptions::new().read(true).write(true).open(path)?;
    let mut good_len = 0u64;
    let mut last = None;
    {
        let mut reader = BufReader::new(&mut file);
        let mut line = String::new();
        let mut offset = 0u64;
        loop {
            line.clear();
            let n = reader.read_line(&mut line)?;
            if n == 0 {
                break;
            }
            offset += n as u64;
            if !line.ends_with('\n') {
                break;
            }
            match serde_json::from_str::<serde_json::Value>(&line) {
                Ok(v) => {
                    last = v["seq"].as_i64().or(last);
                    good_len = offset;
                }
                Err(_) => break,
            }
        }
    }
    if file.metadata()?.len() != good_len {
        tracing::warn!(file = %path.display(), "cutting a torn action log line");
        file.set_len(good_len)?;
        file.seek(SeekFrom::End(0))?;
    }
    Ok(last)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A `movement.moved` entry (also the store's other tests' entry).
    pub(crate) fn entry(seq: i64, micros: i64) -> LogEntry {
        LogEntry {
            seq,
            timestamp: Timestamp(micros),
            event_type: "movement.moved".into(),
            actor_id: Some("a".into()),
            session_id: None,
            data: RawValue::from_string("{\"to_sector\":1}".into()).unwrap(),
            result: "success".into(),
            metadata: RawValue::from_string("{}".into()).unwrap(),
        }
    }

    #[test]
    fn entries_go_to_their_day_and_are_never_written_twice() {
        let dir = tempfile::tempdir().unwrap();
        let day = 86_400_000_000;
        let mut files = ActionLogFiles::open(dir.path()).unwrap();
        files.append(&[entry(1, 0), entry(2, day + 5)]).unwrap();
        files
            .append(&[entry(2, day + 5), entry(3, day + 6)])
            .unwrap();
        let first = std::fs::read_to_string(dir.path().join("1970-01-01.jsonl")).unwrap();
        let second = std::fs::read_to_string(dir.path().join("1970-01-02.jsonl")).unwrap();
        assert_eq!(first.lines().count(), 1);
        assert_eq!(second.lines().count(), 2);
        assert!(first.starts_with(
            "{\"seq\":1,\"timestamp\":\"1970-01-01T00:00:00Z\",\"event_type\":\"movement.moved\""
        ));
        assert_eq!(ActionLogFiles::open(dir.path()).unwrap().last_seq, 3);
    }

    #[test]
    fn a_torn_last_line_is_cut_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = ActionLogFiles::open(dir.path()).unwrap();
        files.append(&[entry(1, 0), entry(2, 1)]).unwrap();
        let path = dir.path().join("1970-01-01.jsonl");
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"seq\":3,\"timest").unwrap();
        let files = ActionLogFiles::open(dir.path()).unwrap();
        assert_eq!(files.last_seq, 2);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.ends_with('\n'));
    }
}
