//! The store's tables: made for a new database, and columns added since brought to an older one.

use super::StoreResult;
use rusqlite::Connection;

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
CREATE TABLE IF NOT EXISTS corporations (corp_id TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (name TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS logins (token_hash TEXT PRIMARY KEY, state TEXT NOT NULL);
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

/// Columns added to a table after it was first made (table, column, type): a data directory
/// made before gets them when it is opened.
const ADDED_COLUMNS: &[(&str, &str, &str)] = &[
    ("character_extras", "ship_name", "TEXT"),
    ("characters", "trade_volume", "INTEGER NOT NULL DEFAULT 0"),
];

/// The history `event.query` reads (told events, kept under the action log's retention), by
/// time, by the character it concerns, by sector; and who received each event.
const HISTORY_INDEXES: &str = "
CREATE TABLE IF NOT EXISTS event_history (
    seq INTEGER PRIMARY KEY,
    timestamp INTEGER NOT NULL,
    event TEXT NOT NULL,
    sender TEXT,
    sector INTEGER,
    corporation_id TEXT,
    payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS history_by_time ON event_history (timestamp);
CREATE INDEX IF NOT EXISTS history_by_sender ON event_history (sender, timestamp);
CREATE INDEX IF NOT EXISTS history_by_sector ON event_history (sector, timestamp);
CREATE INDEX IF NOT EXISTS history_by_corporation ON event_history (corporation_id, timestamp);
CREATE TABLE IF NOT EXISTS history_receivers (
    receiver TEXT NOT NULL,
    at INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (receiver, at, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS history_receivers_by_seq ON history_receivers (seq);
";

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

/// Makes the tables a new database lacks and adds columns an older one lacks.
pub(super) fn create_or_update(conn: &Connection) -> StoreResult<()> {
    conn.execute_batch(SCHEMA)?;
    add_missing_columns(conn)?;
    conn.execute_batch(HISTORY_INDEXES)
}
