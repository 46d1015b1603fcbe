//! The WAL checkpointer: a thread of its own that copies the log back into the database file.

use super::StoreResult;
use rusqlite::Connection;
use std::path::Path;

/// Copies the WAL back into the database file from a thread of its own. SQLite would otherwise
/// do it inside a commit every thousand pages, with an fsync of the database file: a stall of
/// several milliseconds for every reply waiting on that commit. A passive checkpoint never
/// blocks the writer, and durability does not depend on it (a commit is durable once in the WAL).
///
/// A busy writer never leaves the WAL fully copied at the moment it starts its next transaction,
/// which is when SQLite rewinds the log, so passive checkpoints alone let the file grow without
/// bound. Past [`Self::REWIND_FRAMES`] the checkpointer therefore asks for a restart checkpoint:
/// it holds the writer back (the writer waits, it does not fail) only while it copies the few
/// frames the passive ones have not, and the next commit starts the log from the beginning.
pub(super) struct Checkpointer {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    pub(super) const EVERY: std::time::Duration = std::time::Duration::from_millis(100);
    /// 64 MiB of 1 KiB pages (256 MiB for a database made with 4 KiB pages).
    const REWIND_FRAMES: i64 = 65_536;
    /// How long either connection waits for the other's lock before giving up.
    pub(super) const PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

    /// Both connections' busy handler: a restart checkpoint and the writer wait for each other
    /// for moments only, so they retry every 100 µs (SQLite's default handler sleeps 1, 2, 5,
    /// 10, … ms, which turned a short wait into a long one) and give up after [`Self::PATIENCE`].
    pub(super) fn wait_briefly(attempt: i32) -> bool {
        const STEP: std::time::Duration = std::time::Duration::from_micros(100);
        if STEP * attempt.max(0) as u32 >= Self::PATIENCE {
            return false;
        }
        std::thread::sleep(STEP);
        true
    }

    pub(super) fn start(path: &Path) -> StoreResult<Checkpointer> {
        let mut conn = Connection::open(path)?;
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        conn.busy_handler(Some(Self::wait_briefly))?;
        let checkpoint = move |mode: &str| -> StoreResult<i64> {
            Ok(conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| r.get(1))?)
        };
        let thread = std::thread::Builder::new()
            .name("bang-checkpoint".into())
            .spawn(move || {
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(Self::EVERY)
                {
                    let done = checkpoint("PASSIVE").and_then(|frames| {
                        if frames > Self::REWIND_FRAMES {
                            // Catch up with what was committed meanwhile, so the restart (which
                            // holds the writer back) has only a moment's worth left to copy.
                            checkpoint("PASSIVE")?;
                            checkpoint("RESTART")?;
                        }
                        Ok(())
                    });
                    if let Err(e) = done {
                        tracing::debug!(error = %e, "checkpoint skipped");
                    }
                }
            })
            .map_err(|e| {
                rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                    Some(format!("cannot start the checkpoint thread: {e}")),
                )
            })?;
        Ok(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
