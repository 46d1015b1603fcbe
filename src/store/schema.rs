//! The store's tables, as numbered migrations: a new database gets them all; an older one the
//! ones it lacks, each in its own transaction, recorded in `schema_migrations`. A database made by
//! a newer bang (a version this one does not know) is refused rather than half understood.
//! Databases from before the numbering (no `schema_migrations`) are brought up by running every
//! migration: the early ones are written to be harmless where already applied.

use super::sql::{Dialect, Sql, args};
use super::{StoreError, StoreResult};

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

/// Adds a column unless the table has it (databases from before the numbering may).
fn add_column(sql: &mut dyn Sql, table: &str, column: &str, kind: &str) -> StoreResult<()> {
    match sql.dialect() {
        Dialect::Postgres => sql.batch(&postgres_dialect(&format!(
            "ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {kind}"
        ))),
        Dialect::Sqlite => {
            let names = sql.rows(
                &format!("SELECT name FROM pragma_table_info('{table}')"),
                &[],
            )?;
            if names.iter().any(|r| r.text(0).is_ok_and(|n| n == column)) {
                return Ok(());
            }
            sql.batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {kind}"))
        }
    }
}

/// What a migration does, written once for both stores (PostgreSQL's text is derived from
/// SQLite's by `postgres_dialect`).
pub(super) enum Step {
    Sql(&'static str),
    /// A column added to a table (harmless where the table has it).
    AddColumn {
        table: &'static str,
        column: &'static str,
        kind: &'static str,
    },
}

/// One numbered step of the schema.
pub(super) struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub step: Step,
}

const ACCOUNTS: &str = "
CREATE TABLE IF NOT EXISTS accounts (name TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS logins (token_hash TEXT PRIMARY KEY, state TEXT NOT NULL);
";

/// Every migration, in order. Append only: a released migration never changes.
pub(super) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "the world: characters, visits, ports, chat, combat, registry, corporations",
        step: Step::Sql(SCHEMA),
    },
    Migration {
        version: 2,
        name: "character_extras.ship_name",
        step: Step::AddColumn {
            table: "character_extras",
            column: "ship_name",
            kind: "TEXT",
        },
    },
    Migration {
        version: 3,
        name: "characters.trade_volume",
        step: Step::AddColumn {
            table: "characters",
            column: "trade_volume",
            kind: "INTEGER NOT NULL DEFAULT 0",
        },
    },
    Migration {
        version: 4,
        name: "the event history and its receivers",
        step: Step::Sql(HISTORY_INDEXES),
    },
    Migration {
        version: 5,
        name: "accounts and logins",
        step: Step::Sql(ACCOUNTS),
    },
];

/// SQLite's table definitions as PostgreSQL takes them: 64-bit integers, no `WITHOUT ROWID`,
/// and the row ids SQLite assigns (`seq INTEGER PRIMARY KEY`) as identity columns.
pub(super) fn postgres_dialect(sql: &str) -> String {
    sql.replace(" WITHOUT ROWID", "")
        .replace(
            "seq INTEGER PRIMARY KEY",
            "seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        )
        .replace("INTEGER", "BIGINT")
}

/// A statement in the database's own dialect.
fn in_dialect(sql: &dyn Sql, text: &str) -> String {
    match sql.dialect() {
        Dialect::Sqlite => text.to_string(),
        Dialect::Postgres => postgres_dialect(text),
    }
}

/// The newest schema this bang knows.
pub(super) fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The migrations a database has had.
pub(super) fn applied_version(sql: &mut dyn Sql) -> StoreResult<i64> {
    let row = sql.row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        &[],
    )?;
    Ok(row.map(|r| r.int(0)).transpose()?.unwrap_or(0))
}

/// Applies the migrations a database lacks, each in its own transaction, and returns the
/// version it is at; refuses one from a newer bang. The same for both databases (PostgreSQL's
/// caller holds an advisory lock around it: two servers starting together apply each once).
pub(super) fn migrate(sql: &mut dyn Sql) -> StoreResult<i64> {
    let table = "CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)";
    sql.batch(&in_dialect(sql, table))?;
    let applied = applied_version(sql)?;
    if applied > latest_version() {
        return Err(StoreError::NewerSchema {
            found: applied,
            known: latest_version(),
        });
    }
    let now = bang_components::time::GameClock::System.now().0;
    for m in MIGRATIONS.iter().filter(|m| m.version > applied) {
        sql.batch("BEGIN")?;
        let applied = apply(sql, m, now);
        if let Err(e) = applied {
            let _ = sql.batch("ROLLBACK");
            return Err(e);
        }
        sql.batch("COMMIT")?;
        tracing::info!(version = m.version, name = m.name, "store schema migrated");
    }
    applied_version(sql)
}

fn apply(sql: &mut dyn Sql, m: &Migration, now: i64) -> StoreResult<()> {
    match &m.step {
        Step::Sql(text) => sql.batch(&in_dialect(sql, text))?,
        Step::AddColumn {
            table,
            column,
            kind,
        } => add_column(sql, table, column, kind)?,
    }
    sql.exec(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
        args![m.version, m.name, now],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sql::Sqlite;
    use rusqlite::Connection;

    fn create_or_update(conn: &mut Connection) -> StoreResult<i64> {
        migrate(&mut Sqlite(conn))
    }

    fn columns(conn: &Connection, table: &str) -> Vec<String> {
        let mut stmt = conn
            .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn a_new_database_gets_every_migration_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        create_or_update(&mut conn).unwrap();
        assert_eq!(
            applied_version(&mut Sqlite(&conn)).unwrap(),
            latest_version()
        );
        create_or_update(&mut conn).unwrap();
        let rows: i64 = conn
            .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, latest_version(), "nothing applied twice");
        assert!(columns(&conn, "characters").contains(&"trade_volume".to_string()));
        assert!(!columns(&conn, "accounts").is_empty());
    }

    #[test]
    fn a_database_from_before_the_numbering_is_brought_up() {
        let mut conn = Connection::open_in_memory().unwrap();
        // As the first releases made it: the world's tables, no added columns, no numbering.
        conn.execute_batch(SCHEMA).unwrap();
        conn.execute_batch("INSERT INTO meta (key, value) VALUES ('sectors', '10')")
            .unwrap();
        create_or_update(&mut conn).unwrap();
        assert!(columns(&conn, "characters").contains(&"trade_volume".to_string()));
        assert!(!columns(&conn, "event_history").is_empty());
        let kept: String = conn
            .query_row("SELECT value FROM meta WHERE key = 'sectors'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(kept, "10");
    }

    #[test]
    fn postgresql_gets_the_same_tables_in_its_dialect() {
        let pg = postgres_dialect(SCHEMA) + &postgres_dialect(HISTORY_INDEXES);
        assert!(
            !pg.contains("WITHOUT ROWID") && !pg.contains("INTEGER"),
            "{pg}"
        );
        assert_eq!(
            pg.matches("seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
                .count(),
            2,
            "the action log's and the history's row ids"
        );
        let versions: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
        assert_eq!(
            versions,
            (1..=latest_version()).collect::<Vec<_>>(),
            "numbered 1, 2, …"
        );
    }

    #[test]
    fn a_database_from_a_newer_bang_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        create_or_update(&mut conn).unwrap();
        conn.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, 'future', 0)",
            [latest_version() + 1],
        )
        .unwrap();
        let e = create_or_update(&mut conn).unwrap_err().to_string();
        assert!(e.contains("newer bang"), "{e}");
    }
}
