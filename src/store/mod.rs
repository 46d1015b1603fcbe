//! The embedded store: SQLite (WAL) in the data directory. The only module that knows SQL.
//!
//! The World is the truth while the server runs; the store is what survives it. Each update's
//! changes are written in one transaction before that update's replies leave (see `plugin`).

pub mod action_log;
mod checkpoint;
mod commit;
pub mod plugin;
pub mod retention;
mod roster;
mod unowned;
pub mod writer;

use checkpoint::Checkpointer;

use action_log::LogEntry;
use bang_components::api::events::ChatMessage;
use bang_components::character::{MapKnowledge, Ship, Visit, WorldOrder};
use bang_components::combat::{Encounter, Garrison, Salvage, StoredAction};
use bang_components::registry::Registered;
use bang_components::ships::{ShipCatalog, ShipType};
use bang_components::time::Timestamp;
use bang_components::universe::SectorId;
use bang_components::unowned_ships::UnownedShip;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::BTreeMap;
use std::path::Path;

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

/// Tables for a new database (an existing one keeps the layout it was made with: the statements
/// read and write both alike). Keyed by text, `characters` is one B-tree without a rowid; the
/// action log is append-only, never deleted from, so its `seq` needs no AUTOINCREMENT table.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS characters (
    id TEXT PRIMARY KEY,
    world_order INTEGER NOT NULL,
    sector INTEGER NOT NULL,
    ship_type TEXT NOT NULL,
    fuel_ore INTEGER NOT NULL,
    organics INTEGER NOT NULL,
    equipment INTEGER NOT NULL,
    warp_power INTEGER NOT NULL,
    shields INTEGER NOT NULL,
    fighters INTEGER NOT NULL,
    credits INTEGER NOT NULL,
    last_active INTEGER NOT NULL,
    first_visit INTEGER,
    last_update INTEGER
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS visits (
    character_id TEXT NOT NULL,
    sector INTEGER NOT NULL,
    last_visited INTEGER NOT NULL,
    port TEXT,
    planets TEXT NOT NULL,
    adjacent TEXT NOT NULL,
    PRIMARY KEY (character_id, sector)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS action_log (
    seq INTEGER PRIMARY KEY,
    timestamp INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    actor_id TEXT,
    session_id TEXT,
    data TEXT NOT NULL,
    result TEXT NOT NULL,
    metadata TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chat_messages (
    id INTEGER PRIMARY KEY,
    timestamp INTEGER NOT NULL,
    type TEXT NOT NULL,
    from_name TEXT NOT NULL,
    content TEXT NOT NULL,
    to_name TEXT
);
CREATE TABLE IF NOT EXISTS garrisons (sector INTEGER PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS salvage (salvage_id TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS registry (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS unowned_ships (ship_id TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS encounters (combat_id TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS encounter_rounds (
    combat_id TEXT NOT NULL,
    round_index INTEGER NOT NULL,
    log TEXT NOT NULL,
    PRIMARY KEY (combat_id, round_index)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS encounter_actions (
    combat_id TEXT NOT NULL,
    participant TEXT NOT NULL,
    round INTEGER NOT NULL,
    action TEXT NOT NULL,
    PRIMARY KEY (combat_id, participant)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS character_extras (
    id TEXT PRIMARY KEY,
    ship_id TEXT NOT NULL,
    bank INTEGER NOT NULL,
    ship_name TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ports (
    sector INTEGER PRIMARY KEY,
    fuel_ore INTEGER NOT NULL,
    organics INTEGER NOT NULL,
    equipment INTEGER NOT NULL
);
";

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
    pub chat: Vec<ChatMessage>,
    /// Combat state by key: `Some` is saved, `None` deleted.
    pub garrisons: Vec<(SectorId, Option<Garrison>)>,
    pub salvage: Vec<(String, Option<Salvage>)>,
    pub unowned_ships: Vec<(String, Option<UnownedShip>)>,
    /// Registry entries by id: `Some` is saved, `None` deleted.
    pub registry: Vec<(String, Option<Registered>)>,
    /// Characters gone from the World, deleted with their visits before this update's rows.
    pub removed_characters: Vec<String>,
    pub encounters: Vec<(String, Option<EncounterRow>)>,
    /// Actions submitted to fights whose state is otherwise unchanged: a small row each, not
    /// the whole fight rewritten (most requests in a busy fight are these).
    pub encounter_actions: Vec<PendingActionRow>,
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
        self.chat.extend(later.chat);
        self.garrisons.extend(later.garrisons);
        self.salvage.extend(later.salvage);
        self.unowned_ships.extend(later.unowned_ships);
        self.registry.extend(later.registry);
        self.removed_characters.extend(later.removed_characters);
        self.encounters.extend(later.encounters);
        self.encounter_actions.extend(later.encounter_actions);
        if later.prune.is_some() {
            self.prune = later.prune;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.characters.is_empty()
            && self.visits.is_empty()
            && self.ports.is_empty()
            && self.actions.is_empty()
            && self.chat.is_empty()
            && self.garrisons.is_empty()
            && self.salvage.is_empty()
            && self.unowned_ships.is_empty()
            && self.registry.is_empty()
            && self.removed_characters.is_empty()
            && self.encounters.is_empty()
            && self.encounter_actions.is_empty()
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

/// Columns added to a table after it was first made (table, column, type): a data directory
/// made before gets them when it is opened.
const ADDED_COLUMNS: &[(&str, &str, &str)] = &[("character_extras", "ship_name", "TEXT")];

fn add_missing_columns(conn: &Connection) -> StoreResult<()> {
    for &(table, column, kind) in ADDED_COLUMNS {
        let mut stmt = conn.prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?;
        let has = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .filter_map(Result::ok)
            .any(|name| name == column);
        if !has {
            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {kind}"))?;
        }
    }
    Ok(())
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
        conn.execute_batch(SCHEMA)?;
        add_missing_columns(&conn)?;
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

    /// Every stored character with its map knowledge, in world order.
    /// Every stored character; ships are measured by `catalog`, the world's (rules are not stored).
    pub fn load_characters(&self, catalog: ShipCatalog) -> StoreResult<Vec<CharacterRow>> {
        let mut visits: BTreeMap<String, BTreeMap<SectorId, Visit>> = BTreeMap::new();
        let mut stmt = self.conn.prepare(
            "SELECT character_id, sector, last_visited, port, planets, adjacent FROM visits",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let port: Option<String> = r.get(3)?;
            let visit = Visit {
                last_visited: Timestamp(r.get(2)?),
                port: port.as_deref().map(json_col).transpose()?,
                planets: json_col(&r.get::<_, String>(4)?)?,
                adjacent: json_col(&r.get::<_, String>(5)?)?,
            };
            visits
                .entry(r.get(0)?)
                .or_default()
                .insert(r.get(1)?, visit);
        }
        let mut extras = self.load_extras()?;
        let mut stmt = self.conn.prepare(
            "SELECT id, world_order, sector, ship_type, fuel_ore, organics, equipment, warp_power,
                    shields, fighters, credits, last_active, first_visit, last_update
             FROM characters ORDER BY world_order",
        )?;
        let mut out = Vec::new();
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let ship_type_text: String = r.get(3)?;
            let ship_type = ship_type_from(&ship_type_text).ok_or_else(|| {
                rusqlite::Error::InvalidColumnType(
                    3,
                    ship_type_text.clone(),
                    rusqlite::types::Type::Text,
                )
            })?;
            let knowledge = MapKnowledge::restored(
                visits.remove(&id).unwrap_or_default(),
                r.get::<_, Option<i64>>(12)?.map(Timestamp),
                r.get::<_, Option<i64>>(13)?.map(Timestamp),
            );
            out.push(CharacterRow {
                order: WorldOrder(r.get::<_, i64>(1)? as u64),
                sector: r.get(2)?,
                ship: Ship {
                    ship_type,
                    catalog,
                    cargo: [r.get(4)?, r.get(5)?, r.get(6)?],
                    warp_power: r.get(7)?,
                    shields: r.get(8)?,
                    fighters: r.get(9)?,
                },
                credits: r.get(10)?,
                last_active: Timestamp(r.get(11)?),
                knowledge,
                extras: extras.remove(&id),
                id,
            });
        }
        Ok(out)
    }

    fn load_extras(&self) -> StoreResult<BTreeMap<String, CharacterExtras>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, ship_id, bank, ship_name FROM character_extras")?;
        let rows = stmt.query_map([], |r| {
            let extras = CharacterExtras {
                ship_id: r.get(1)?,
                bank: r.get(2)?,
                ship_name: r.get(3)?,
            };
            Ok((r.get::<_, String>(0)?, extras))
        })?;
        rows.collect()
    }

    /// Stored port stocks (only ports that ever changed).
    pub fn load_ports(&self) -> StoreResult<Vec<(SectorId, [i64; 3])>> {
        let mut stmt = self
            .conn
            .prepare("SELECT sector, fuel_ore, organics, equipment FROM ports")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, [r.get(1)?, r.get(2)?, r.get(3)?])))?;
        rows.collect()
    }

    /// The highest chat message id stored (0 if none).
    pub fn last_chat_id(&self) -> StoreResult<i64> {
        self.conn
            .query_row("SELECT COALESCE(MAX(id), 0) FROM chat_messages", [], |r| {
                r.get(0)
            })
    }

    /// Stored chat messages, oldest first.
    pub fn chat_messages(&self) -> StoreResult<Vec<ChatMessage>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, timestamp, type, from_name, content, to_name FROM chat_messages ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(ChatMessage {
                id: r.get(0)?,
                timestamp: Timestamp(r.get(1)?),
                message_type: r.get(2)?,
                from_name: r.get(3)?,
                content: r.get(4)?,
                to_name: r.get(5)?,
            })
        })?;
        rows.collect()
    }

    /// The character registry.
    pub fn load_registry(&self) -> StoreResult<Vec<(String, Registered)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, name, created_at, updated_at FROM registry ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                Registered {
                    name: r.get(1)?,
                    created_at: Timestamp(r.get(2)?),
                    updated_at: Timestamp(r.get(3)?),
                },
            ))
        })?;
        rows.collect()
    }

    /// Every stored unowned ship, measured by the world's `catalog`.
    pub fn load_unowned_ships(&self, catalog: ShipCatalog) -> StoreResult<Vec<UnownedShip>> {
        let mut stmt = self
            .conn
            .prepare("SELECT state FROM unowned_ships ORDER BY ship_id")?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut ship: UnownedShip = json_col(&r.get::<_, String>(0)?)?;
            ship.ship.catalog = catalog;
            out.push(ship);
        }
        Ok(out)
    }

    /// Every stored garrison, salvage container and active encounter.
    pub fn load_combat(&self) -> StoreResult<(Vec<Garrison>, Vec<Salvage>, Vec<StoredEncounter>)> {
        fn all<T: serde::de::DeserializeOwned>(
            conn: &Connection,
            sql: &str,
        ) -> StoreResult<Vec<T>> {
            let mut stmt = conn.prepare(sql)?;
            let mut rows = stmt.query([])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(json_col(&r.get::<_, String>(0)?)?);
            }
            Ok(out)
        }
        let mut encounters: Vec<StoredEncounter> = all(
            &self.conn,
            "SELECT state FROM encounters ORDER BY combat_id",
        )?;
        let mut rounds = self.conn.prepare(
            "SELECT log FROM encounter_rounds WHERE combat_id = ?1 ORDER BY round_index",
        )?;
        let mut actions = self.conn.prepare(
            "SELECT participant, action FROM encounter_actions
             WHERE combat_id = ?1 AND round = ?2 ORDER BY participant",
        )?;
        for StoredEncounter {
            encounter: e,
            pending,
        } in &mut encounters
        {
            let mut rows = actions.query(params![e.combat_id, e.round])?;
            while let Some(r) = rows.next()? {
                pending.insert(r.get(0)?, json_col(&r.get::<_, String>(1)?)?);
            }
            let mut rows = rounds.query([&e.combat_id])?;
            let mut logs = Vec::new();
            while let Some(r) = rows.next()? {
                logs.push(json_col(&r.get::<_, String>(0)?)?);
            }
            // Rows written before the logs moved to their own table still carry them.
            if !logs.is_empty() {
                e.logs = logs;
            }
        }
        Ok((
            all(&self.conn, "SELECT state FROM garrisons ORDER BY sector")?,
            all(&self.conn, "SELECT state FROM salvage ORDER BY salvage_id")?,
            encounters,
        ))
    }

    /// Action log entries with `seq` above `after`, ascending.
    pub fn actions_after(&self, after: i64) -> StoreResult<Vec<LogEntry>> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, timestamp, event_type, actor_id, session_id, data, result, metadata
             FROM action_log WHERE seq > ?1 ORDER BY seq",
        )?;
        let raw = |text: String| {
            serde_json::value::RawValue::from_string(text).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    0,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })
        };
        let mut out = Vec::new();
        let mut rows = stmt.query([after])?;
        while let Some(r) = rows.next()? {
            out.push(LogEntry {
                seq: r.get(0)?,
                timestamp: Timestamp(r.get(1)?),
                event_type: r.get(2)?,
                actor_id: r.get(3)?,
                session_id: r.get(4)?,
                data: raw(r.get(5)?)?,
                result: r.get(6)?,
                metadata: raw(r.get(7)?)?,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
