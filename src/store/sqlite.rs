//! SQLite, the embedded store: `bang.db` (WAL) in the data directory, and the directory's lock
//! that keeps two servers (or a server and `bang account add`) from sharing it.

use super::checkpoint::Checkpointer;
use super::{Durability, StoreError, StoreResult, schema};
use rusqlite::Connection;
use std::path::Path;

pub(super) struct SqliteDb {
    pub(super) conn: Connection,
    /// Declared after `conn`, so it stops after the writer has closed (and checkpointed).
    _checkpoints: Checkpointer,
}

impl SqliteDb {
    pub(super) fn open(dir: &Path, durability: Durability) -> StoreResult<SqliteDb> {
        let mut conn = Connection::open(dir.join("bang.db"))?;
        // Small pages for a new database: a commit rewrites every page it touches, and most
        // touch one small row in each of a few tables (no effect on an existing file).
        conn.pragma_update(None, "page_size", 1024)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let sync = match durability {
            Durability::Normal => "NORMAL",
            Durability::Full => "FULL",
        };
        conn.pragma_update(None, "synchronous", sync)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Checkpoints run on their own thread (see `Checkpointer`); a commit that meets its
        // restart waits for it, and a rewound log is cut back to 64 MiB on disk.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
        conn.busy_handler(Some(Checkpointer::wait_briefly))?;
        // Every statement the store runs stays prepared (rusqlite keeps 16 by default: fewer
        // than the store has, and an evicted one is parsed again on its next use).
        conn.set_prepared_statement_cache_capacity(64);
        schema::migrate(&mut super::sql::Sqlite(&conn))?;
        let checkpoints = Checkpointer::start(&dir.join("bang.db"))?;
        Ok(SqliteDb {
            conn,
            _checkpoints: checkpoints,
        })
    }
}

/// Creates the data directory if needed and takes the exclusive lock on `dir/bang.lock`, so two
/// servers never share one data directory (both would acknowledge writes, and one's would be
/// lost). The holder's pid is written in it.
pub(super) fn lock_data_dir(dir: &Path) -> StoreResult<std::fs::File> {
    use std::io::{Read, Seek, Write};
    std::fs::create_dir_all(dir).map_err(|e| {
        StoreError::Other(format!(
            "cannot create data directory {}: {e}",
            dir.display()
        ))
    })?;
    let path = dir.join("bang.lock");
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| StoreError::Other(format!("cannot open {}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            return Err(StoreError::Other(format!(
                "the data directory {} is in use by another bang process (pid {}): stop it, or \
                 give this one another --data",
                dir.display(),
                holder.trim()
            )));
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(StoreError::Other(format!(
                "cannot lock {}: {e}",
                path.display()
            )));
        }
    }
    let pid = std::process::id().to_string();
    let written = file
        .set_len(0)
        .and_then(|_| file.rewind())
        .and_then(|_| file.write_all(pid.as_bytes()));
    if let Err(e) = written {
        tracing::warn!(error = %e, "cannot write the pid into the data directory's lock");
    }
    Ok(file)
}
