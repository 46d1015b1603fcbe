//! PostgreSQL, the store an operator already runs (issue 22). So far: the schema, from the same
//! numbered migrations as SQLite's (`schema::MIGRATIONS`, in PostgreSQL's dialect), applied at
//! connection and recorded in `schema_migrations`; a database from a newer bang is refused. The
//! game's writer and reader on PostgreSQL come next (docs/scale-out.md, stage 1).

use super::schema::{MIGRATIONS, Step, latest_version, postgres_dialect};
use postgres::{Client, NoTls};

/// Why the PostgreSQL store could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error("PostgreSQL: {0}")]
    Db(#[from] postgres::Error),
    #[error(
        "the database's schema is version {found}, made by a newer bang; this one knows versions \
         up to {known} (upgrade bang, or restore a backup)"
    )]
    Newer { found: i64, known: i64 },
}

/// Connects to a database by URL (`postgres://user@host:port/db`).
pub fn connect(url: &str) -> Result<Client, PgError> {
    Ok(Client::connect(url, NoTls)?)
}

/// The migrations a database has had.
pub fn applied_version(client: &mut Client) -> Result<i64, PgError> {
    let row = client.query_one(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        &[],
    )?;
    Ok(row.get(0))
}

/// Applies the migrations a database lacks, each in its own transaction, under an advisory lock
/// so two bang processes starting together do not both apply them.
pub fn migrate(client: &mut Client) -> Result<i64, PgError> {
    // One lock id for bang's migrations ("bang" in ASCII), taken before anything is created:
    // even `CREATE TABLE IF NOT EXISTS` races in PostgreSQL (a test found it).
    client.execute("SELECT pg_advisory_lock(1650552423)", &[])?;
    let result = apply_missing(client);
    client.execute("SELECT pg_advisory_unlock(1650552423)", &[])?;
    result
}

fn apply_missing(client: &mut Client) -> Result<i64, PgError> {
    client.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )?;
    let applied = applied_version(client)?;
    if applied > latest_version() {
        return Err(PgError::Newer {
            found: applied,
            known: latest_version(),
        });
    }
    let now = bang_components::time::GameClock::System.now().0;
    for m in MIGRATIONS.iter().filter(|m| m.version > applied) {
        let mut tx = client.transaction()?;
        match &m.step {
            Step::Sql(sql) => tx.batch_execute(&postgres_dialect(sql))?,
            Step::AddColumn {
                table,
                column,
                kind,
            } => tx.batch_execute(&postgres_dialect(&format!(
                "ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {kind}"
            )))?,
        }
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            &[&m.version, &m.name, &now],
        )?;
        tx.commit()?;
        tracing::info!(
            version = m.version,
            name = m.name,
            "PostgreSQL schema migrated"
        );
    }
    applied_version(client)
}
