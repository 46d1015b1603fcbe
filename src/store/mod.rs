//! The embedded store: SQLite (WAL) in the data directory. The only module that knows SQL.
//!
//! The World is the truth while the server runs; the store is what survives it. Each update's
//! changes are written in one transaction before that update's replies leave (see `plugin`).

pub mod accounts;
pub mod action_log;
mod checkpoint;
mod commit;
mod history;
mod keyed;
mod load;
pub mod plugin;
pub mod postgres;
pub mod restore;
pub mod retention;
mod roster;
mod schema;
pub mod writer;

use checkpoint::Checkpointer;

use action_log::LogEntry;
use bang_components::api::events::ChatMessage;
use bang_components::character::{MapKnowledge, Ship, Visit, WorldOrder};
use bang_components::combat::{Encounter, Garrison, Salvage, StoredAction};
use bang_components::registry::Registered;
use bang_components::ships::ShipType;
use bang_components::time::Timestamp;
use bang_components::universe::SectorId;
use bang_components::unowned_ships::UnownedShip;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

pub use history::SqliteHistory;
pub use plugin::StorePlugin;

/// How hard a commit tries to reach the disk. `Normal` survives a killed process (the WAL is in
/// the OS cache); `Full` also survives power loss, at a cost per commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Durability {
    #[default]
    Normal,
    Full,
}

pub type StoreResult<T> = Result<T, rusqlite::Error>;

/// One character as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct CharacterRow {
    pub id: String,
    pub order: WorldOrder,
    pub sector: SectorId,
    pub ship: Ship,
    pub credits: i64,
    pub last_active: Timestamp,
    pub knowledge: MapKnowledge,
    /// Credits paid and received at ports (`TradeVolume`).
    pub trade_volume: i64,
    /// What the 2026-01 rules add (a character made under the seed's rules has none).
    pub extras: Option<CharacterExtras>,
}

/// A character's ship id and bank balance (the 2026-01 rules'), kept in their own table so a
/// world of the seed's rules writes nothing more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharacterExtras {
    pub ship_id: String,
    pub bank: i64,
    pub ship_name: Option<String>,
}

/// What one update changed, ready to write.
#[derive(Debug, Default)]
pub struct Changes {
    pub characters: Vec<CharacterRow>,
    /// (character id, sector, visit) for visits recorded since the last commit.
    pub visits: Vec<(String, SectorId, Visit)>,
    /// (sector, stock) of ports that changed.
    pub ports: Vec<(SectorId, [i64; 3])>,
    /// Action log entries; their `seq` is assigned by the commit.
    pub actions: Vec<LogEntry>,
    /// Events told, kept as the history (rows of the action log, after this update's actions).
    pub events: Vec<bang_components::history::EventTold>,
    pub chat: Vec<ChatMessage>,
    /// Combat state by key: `Some` is saved, `None` deleted.
    pub garrisons: Vec<(SectorId, Option<Garrison>)>,
    pub salvage: Vec<(String, Option<Salvage>)>,
    pub unowned_ships: Vec<(String, Option<UnownedShip>)>,
    pub corporations: Vec<(String, Option<bang_components::corporation::Corporation>)>,
    pub accounts: Vec<(String, Option<bang_components::account::Account>)>,
    /// Logins by token hash (never the token).
    pub logins: Vec<(String, Option<bang_components::account::Login>)>,
    /// Registry entries by id: `Some` is saved, `None` deleted.
    pub registry: Vec<(String, Option<Registered>)>,
    /// Characters gone from the World, deleted with their visits before this update's rows.
    pub removed_characters: Vec<String>,
    pub encounters: Vec<(String, Option<EncounterRow>)>,
    /// Actions submitted to fights whose state is otherwise unchanged: a small row each, not
    /// the whole fight rewritten (most requests in a busy fight are these).
    pub encounter_actions: Vec<PendingActionRow>,
    /// The history was emptied before this update's events (a test reset).
    pub clear_history: bool,
    /// Chat history and action log past their retention, deleted in this commit.
    pub prune: Option<retention::Prune>,
}

/// One participant's pending action in a fight's current round, as written (JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct PendingActionRow {
    pub combat_id: String,
    pub participant: String,
    pub round: u32,
    pub action: String,
}

/// An encounter as its row holds it: the fight's state with its pending actions folded in (the
/// form the rows have always had; in the World they are two components).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct StoredEncounter {
    #[serde(flatten)]
    pub encounter: Encounter,
    #[serde(default)]
    pub pending: std::collections::BTreeMap<String, StoredAction>,
}

/// The row form of a fight and its pending actions, for writing.
#[derive(serde::Serialize)]
pub struct StoredEncounterRef<'a> {
    #[serde(flatten)]
    pub encounter: &'a Encounter,
    pub pending: &'a std::collections::BTreeMap<String, StoredAction>,
}

/// An active encounter as written: its state without the round logs (JSON), and the logs
/// resolved since it was last saved (index in the log, JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct EncounterRow {
    pub state: String,
    pub new_rounds: Vec<(usize, String)>,
}

impl Changes {
    /// Appends a later update's changes (written after these, so later rows win).
    pub fn extend(&mut self, later: Changes) {
        self.characters.extend(later.characters);
        self.visits.extend(later.visits);
        self.ports.extend(later.ports);
        self.actions.extend(later.actions);
        self.events.extend(later.events);
        self.chat.extend(later.chat);
        self.garrisons.extend(later.garrisons);
        self.salvage.extend(later.salvage);
        self.unowned_ships.extend(later.unowned_ships);
        self.corporations.extend(later.corporations);
        self.accounts.extend(later.accounts);
        self.logins.extend(later.logins);
        self.registry.extend(later.registry);
        self.removed_characters.extend(later.removed_characters);
        self.encounters.extend(later.encounters);
        self.encounter_actions.extend(later.encounter_actions);
        self.clear_history |= later.clear_history;
        if later.prune.is_some() {
            self.prune = later.prune;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.characters.is_empty()
            && self.visits.is_empty()
            && self.ports.is_empty()
            && self.actions.is_empty()
            && self.events.is_empty()
            && self.chat.is_empty()
            && self.garrisons.is_empty()
            && self.salvage.is_empty()
            && self.unowned_ships.is_empty()
            && self.corporations.is_empty()
            && self.accounts.is_empty()
            && self.logins.is_empty()
            && self.registry.is_empty()
            && self.removed_characters.is_empty()
            && self.encounters.is_empty()
            && self.encounter_actions.is_empty()
            && !self.clear_history
            && self.prune.is_none()
    }
}

pub struct Store {
    conn: Connection,
    /// Declared after `conn`, so it stops after the writer has closed (and checkpointed).
    _checkpoints: Checkpointer,
    /// The data directory's lock, held for the store's life (released by the OS on any exit).
    _lock: std::fs::File,
}

/// A store error carrying a message of ours (the store speaks rusqlite's error type).
fn store_error(message: String) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
        Some(message),
    )
}

/// Takes the exclusive lock on `dir/bang.lock`, so two servers never share one data directory
/// (both would acknowledge writes, and one's would be lost). The holder's pid is written in it.
fn lock_data_dir(dir: &Path) -> StoreResult<std::fs::File> {
    use std::io::{Read, Seek, Write};
    let path = dir.join("bang.lock");
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| store_error(format!("cannot open {}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            return Err(store_error(format!(
                "the data directory {} is in use by another bang process (pid {}): stop it, or \
                 give this one another --data",
                dir.display(),
                holder.trim()
            )));
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(store_error(format!("cannot lock {}: {e}", path.display())));
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

fn ship_type_from(text: &str) -> Option<ShipType> {
    serde_json::from_value(serde_json::Value::String(text.to_string())).ok()
}

fn json_col<T: serde::de::DeserializeOwned>(text: &str) -> rusqlite::Result<T> {
    serde_json::from_str(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

impl Store {
    /// Opens (creating if needed) `bang.db` in `dir`.
    pub fn open(dir: &Path, durability: Durability) -> StoreResult<Store> {
        std::fs::create_dir_all(dir).map_err(|e| {
            store_error(format!(
                "cannot create data directory {}: {e}",
                dir.display()
            ))
        })?;
        let lock = lock_data_dir(dir)?;
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
        schema::create_or_update(&mut conn)?;
        let checkpoints = Checkpointer::start(&dir.join("bang.db"))?;
        Ok(Store {
            conn,
            _checkpoints: checkpoints,
            _lock: lock,
        })
    }

    pub fn meta(&self, key: &str) -> StoreResult<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
    }

    pub fn set_meta(&self, key: &str, value: &str) -> StoreResult<()> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
