//! PostgreSQL, the store an operator already runs: the schema from the same numbered migrations
//! as SQLite's (`schema::MIGRATIONS`, in PostgreSQL's dialect), applied at connection and
//! recorded in `schema_migrations` (a database from a newer bang is refused); the store's
//! statements run through [`Sql`] with `?N` rewritten to `$N` and each statement prepared once
//! per connection. The writer's connection pipelines a commit's statements (`pipeline`); the
//! history reader's is a plain blocking one ([`PgReader`]).

mod pipeline;

pub(super) use pipeline::PgDb;

use super::sql::{Arg, Cell, Dialect, Row, Sql};
use super::{StoreError, StoreResult};
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, NoTls, Statement};
use std::collections::HashMap;
use std::time::Duration;

/// Connects to a database by URL (`postgres://user@host:port/db`). A server that does not
/// answer is given up on after seconds, not the operating system's minutes.
pub fn connect(url: &str) -> StoreResult<Client> {
    connect_within(url, Duration::from_secs(5))
}

fn connect_within(url: &str, timeout: Duration) -> StoreResult<Client> {
    Ok(postgres::Config::from(config(url, timeout)?).connect(NoTls)?)
}

/// A connection's settings from its URL: a server that does not answer within `timeout`, or
/// stops answering on an open connection, is given up on in seconds (the writer then says so
/// and tries again), not after the operating system's minutes.
pub(super) fn config(url: &str, timeout: Duration) -> StoreResult<tokio_postgres::Config> {
    let mut config: tokio_postgres::Config = url.parse()?;
    config
        .connect_timeout(timeout)
        .keepalives_idle(Duration::from_secs(10))
        .tcp_user_timeout(Duration::from_secs(15));
    Ok(config)
}

/// Rows as the store reads them.
pub(super) fn rows_of(found: &[postgres::Row]) -> StoreResult<Vec<Row>> {
    found
        .iter()
        .map(|r| (0..r.len()).map(|i| pg_cell(r, i)).collect())
        .map(|cells: StoreResult<Vec<Cell>>| cells.map(Row))
        .collect()
}

/// The error says the database is out of reach (down, restarting, the connection cut), not
/// that it refused the statement: the commit is worth trying again.
pub(super) fn is_unreachable(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if let Some(code) = e.code() {
        // 08: connection exceptions; 57P: the server shutting down or starting up.
        return code.code().starts_with("08") || code.code().starts_with("57P");
    }
    let text = e.to_string();
    [
        "error communicating with the server",
        "error connecting to server",
        "timeout waiting for server",
        "connection closed",
    ]
    .iter()
    .any(|p| text.starts_with(p))
}

/// `?N` parameters as PostgreSQL writes them (`$N`). The store's SQL has no `?` elsewhere.
pub(super) fn numbered(sql: &str) -> String {
    sql.replace('?', "$")
}

/// A plain (blocking) PostgreSQL connection, with its prepared statements.
struct PgSql<'a> {
    client: &'a mut Client,
    statements: &'a mut HashMap<String, Statement>,
}

impl PgSql<'_> {
    fn statement(&mut self, sql: &str) -> StoreResult<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(&numbered(sql))?;
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }
}

pub(super) fn params<'a>(args: &'a [Arg<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    args.iter().map(|a| a as &(dyn ToSql + Sync)).collect()
}

fn pg_cell(row: &postgres::Row, i: usize) -> StoreResult<Cell> {
    let ty = row.columns()[i].type_();
    let cell = if *ty == Type::INT8 {
        row.try_get::<_, Option<i64>>(i)?.map(Cell::Int)
    } else if *ty == Type::INT4 {
        row.try_get::<_, Option<i32>>(i)?
            .map(|v| Cell::Int(v.into()))
    } else if *ty == Type::BOOL {
        row.try_get::<_, Option<bool>>(i)?
            .map(|v| Cell::Int(v.into()))
    } else {
        row.try_get::<_, Option<String>>(i)?.map(Cell::Text)
    };
    Ok(cell.unwrap_or(Cell::Null))
}

impl Sql for PgSql<'_> {
    fn exec(&mut self, sql: &str, args: &[Arg]) -> StoreResult<()> {
        let stmt = self.statement(sql)?;
        self.client.execute(&stmt, &params(args))?;
        Ok(())
    }

    fn rows(&mut self, sql: &str, args: &[Arg]) -> StoreResult<Vec<Row>> {
        let stmt = self.statement(sql)?;
        rows_of(&self.client.query(&stmt, &params(args))?)
    }

    fn batch(&mut self, sql: &str) -> StoreResult<()> {
        Ok(self.client.batch_execute(sql)?)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
}

impl ToSql for Arg<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match (self, ty) {
            (Arg::Int(v), t) if *t == Type::INT4 => {
                v.map(i32::try_from).transpose()?.to_sql(ty, out)
            }
            (Arg::Int(v), _) => v.to_sql(ty, out),
            (Arg::Text(v), _) => v.to_sql(ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        <i64 as ToSql>::accepts(ty) || <i32 as ToSql>::accepts(ty) || <&str as ToSql>::accepts(ty)
    }

    to_sql_checked!();
}

/// The migrations a database has had.
pub fn applied_version(client: &mut Client) -> StoreResult<i64> {
    super::schema::applied_version(&mut plain(client, &mut HashMap::new()))
}

/// Applies the migrations a database lacks (`schema::migrate`) under an advisory lock, so two
/// bang processes starting together do not both apply them; returns the version it is at.
pub fn migrate(client: &mut Client) -> StoreResult<i64> {
    // One lock id for bang's migrations ("bang" in ASCII), taken before anything is created:
    // even `CREATE TABLE IF NOT EXISTS` races in PostgreSQL (a test found it).
    client.execute("SELECT pg_advisory_lock(1650552423)", &[])?;
    // Re-applying a step that is already there is harmless; PostgreSQL need not say so.
    client.batch_execute("SET client_min_messages = warning")?;
    let result = super::schema::migrate(&mut plain(client, &mut HashMap::new()));
    client.execute("SELECT pg_advisory_unlock(1650552423)", &[])?;
    result
}

/// A plain blocking connection as [`Sql`].
fn plain<'a>(client: &'a mut Client, statements: &'a mut HashMap<String, Statement>) -> PgSql<'a> {
    PgSql { client, statements }
}

/// A reader's own connection (`event.query`), made when first needed and again after it was
/// lost, so a query while the database is away fails alone and the next one reconnects.
pub(super) struct PgReader {
    url: String,
    db: Option<(Client, HashMap<String, Statement>)>,
    /// When connecting last failed: queries fail at once for a while after, rather than each
    /// waiting out a connection timeout (the reader runs on the game loop's thread).
    failed_at: Option<std::time::Instant>,
}

/// How long the reader waits to connect, and how long after a failure it does not try again.
const READER_CONNECT: Duration = Duration::from_secs(1);
const READER_BACKOFF: Duration = Duration::from_secs(2);

impl PgReader {
    pub(super) fn new(url: &str) -> PgReader {
        PgReader {
            url: url.to_string(),
            db: None,
            failed_at: None,
        }
    }

    pub(super) fn read<R>(
        &mut self,
        f: impl FnOnce(&mut dyn Sql) -> StoreResult<R>,
    ) -> StoreResult<R> {
        if self.db.is_none() {
            if self.failed_at.is_some_and(|t| t.elapsed() < READER_BACKOFF) {
                return Err(StoreError::Other("the store is unreachable".into()));
            }
            match connect_within(&self.url, READER_CONNECT) {
                Ok(client) => self.db = Some((client, HashMap::new())),
                Err(e) => {
                    self.failed_at = Some(std::time::Instant::now());
                    return Err(e);
                }
            }
        }
        let (client, statements) = self.db.as_mut().expect("connected above");
        let read = f(&mut PgSql { client, statements });
        if read.as_ref().is_err_and(StoreError::is_unreachable) {
            self.db = None;
        }
        read
    }
}
