//! The store: SQLite (WAL) in the data directory, the embedded default, or PostgreSQL. The only
//! module that knows SQL; its statements are written once for both (`sql`).
//!
//! The World is the truth while the server runs; the store is what survives it. Each update's
//! changes are written in one transaction before that update's replies leave (see `plugin`).

pub mod accounts;
pub mod action_log;
mod checkpoint;
mod commit;
mod health;
mod history;
mod keyed;
mod load;
pub mod plugin;
pub mod postgres;
pub mod restore;
pub mod retention;
mod roster;
mod schema;
mod sql;
mod sqlite;
pub mod writer;

use sql::{Sql, args};

use action_log::LogEntry;
use bang_components::api::events::ChatMessage;
use bang_components::character::{MapKnowledge, Ship, Visit, WorldOrder};
use bang_components::combat::{Encounter, Garrison, Salvage, StoredAction};
use bang_components::registry::Registered;
use bang_components::ships::ShipType;
use bang_components::time::Timestamp;
use bang_components::universe::SectorId;
use bang_components::unowned_ships::UnownedShip;
use std::path::Path;

pub use health::{HealthReport, StoreHealth};
pub use history::HistoryDb;
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

pub type StoreResult<T> = Result<T, StoreError>;

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

/// Why the store could not open, read or write.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] ::postgres::Error),
    #[error(
        "the database's schema is version {found}, made by a newer bang; this one knows versions \
         up to {known} (upgrade bang, or restore a backup)"
    )]
    NewerSchema { found: i64, known: i64 },
    /// A stored value this bang cannot read.
    #[error("a stored value cannot be read: {0}")]
    Data(String),
    #[error("{0}")]
    Other(String),
}

impl StoreError {
    /// The database could not be reached (as opposed to refusing what was asked): worth
    /// retrying once it is back.
    pub fn is_unreachable(&self) -> bool {
        match self {
            StoreError::Postgres(e) => postgres::is_unreachable(e),
            _ => false,
        }
    }
}

/// Where the game's state is kept: SQLite in the data directory (the default), or a
/// PostgreSQL database named by URL.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum StoreUrl {
    #[default]
    Sqlite,
    Postgres(String),
}

impl std::str::FromStr for StoreUrl {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "sqlite" {
            Ok(StoreUrl::Sqlite)
        } else if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(StoreUrl::Postgres(s.to_string()))
        } else {
            Err(format!(
                "store must be `sqlite` or a postgres://user@host:port/database URL, not '{s}'"
            ))
        }
    }
}

/// The game's state on disk. The data directory is always used (its lock, the action log's
/// files); the tables are in SQLite there, or in PostgreSQL.
pub struct Store {
    db: Db,
    /// The next action log and event history row numbers. They are handed out here rather than
    /// by the database so that a commit replayed after a lost connection writes the same rows
    /// again, never a second copy.
    next_action: i64,
    next_event: i64,
    health: std::sync::Arc<StoreHealth>,
    /// The data directory's lock, held for the store's life (released by the OS on any exit).
    _lock: std::fs::File,
}

enum Db {
    Sqlite(sqlite::SqliteDb),
    Postgres(Box<postgres::PgDb>),
}

fn ship_type_from(text: &str) -> Option<ShipType> {
    serde_json::from_value(serde_json::Value::String(text.to_string())).ok()
}

fn json_col<T: serde::de::DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Data(e.to_string()))
}

impl Store {
    /// Opens (creating if needed) `bang.db` in `dir`.
    pub fn open(dir: &Path, durability: Durability) -> StoreResult<Store> {
        let lock = sqlite::lock_data_dir(dir)?;
        Store::with(Db::Sqlite(sqlite::SqliteDb::open(dir, durability)?), lock)
    }

    /// Opens the PostgreSQL database at `url` (applying the migrations it lacks), with `dir`
    /// for the action log's files.
    pub fn open_postgres(url: &str, dir: &Path) -> StoreResult<Store> {
        let lock = sqlite::lock_data_dir(dir)?;
        Store::with(Db::Postgres(Box::new(postgres::PgDb::open(url)?)), lock)
    }

    /// Opens the store `url` names, with `dir` as the data directory.
    pub fn open_url(url: &StoreUrl, dir: &Path, durability: Durability) -> StoreResult<Store> {
        match url {
            StoreUrl::Sqlite => Store::open(dir, durability),
            StoreUrl::Postgres(url) => Store::open_postgres(url, dir),
        }
    }

    fn with(db: Db, lock: std::fs::File) -> StoreResult<Store> {
        let backend = match db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        };
        let mut store = Store {
            health: std::sync::Arc::new(StoreHealth::new(backend)),
            db,
            next_action: 0,
            next_event: 0,
            _lock: lock,
        };
        let next = |sql: &mut dyn Sql, table: &str| -> StoreResult<i64> {
            let row = sql.row(&format!("SELECT COALESCE(MAX(seq), 0) FROM {table}"), &[])?;
            Ok(row.map(|r| r.int(0)).transpose()?.unwrap_or(0) + 1)
        };
        (store.next_action, store.next_event) =
            store.read(|sql| Ok((next(sql, "action_log")?, next(sql, "event_history")?)))?;
        Ok(store)
    }

    /// Runs reads (or single statements) on the store's connection.
    fn read<R>(&mut self, f: impl FnOnce(&mut dyn Sql) -> StoreResult<R>) -> StoreResult<R> {
        match &mut self.db {
            Db::Sqlite(db) => f(&mut sql::Sqlite(&db.conn)),
            Db::Postgres(db) => db.read(f),
        }
    }

    /// Runs `f` in one transaction, committed if it succeeds.
    fn transaction<R>(&mut self, f: impl FnOnce(&mut dyn Sql) -> StoreResult<R>) -> StoreResult<R> {
        match &mut self.db {
            Db::Sqlite(db) => {
                let tx = db.conn.transaction()?;
                let r = f(&mut sql::Sqlite(&tx))?;
                tx.commit()?;
                Ok(r)
            }
            Db::Postgres(db) => db.transaction(f),
        }
    }

    /// Whether the database can be reached, as the writer last found it.
    pub fn health(&self) -> std::sync::Arc<StoreHealth> {
        self.health.clone()
    }

    /// Connects again after the database went away (PostgreSQL; SQLite never does).
    pub fn reconnect(&mut self) -> StoreResult<()> {
        match &mut self.db {
            Db::Sqlite(_) => Ok(()),
            Db::Postgres(db) => db.reconnect(),
        }
    }

    pub fn meta(&mut self, key: &str) -> StoreResult<Option<String>> {
        self.read(|sql| {
            sql.row("SELECT value FROM meta WHERE key = ?1", args![key])?
                .map(|r| r.text(0))
                .transpose()
        })
    }

    pub fn set_meta(&mut self, key: &str, value: &str) -> StoreResult<()> {
        self.read(|sql| {
            sql.exec(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                args![key, value],
            )
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
