//! The store's own PostgreSQL connection, pipelined. A commit writes a few hundred small
//! statements; sent one at a time each would wait a round trip, and under load the commit (and
//! every reply held for it) would wait hundreds. Here a transaction's statements are only queued
//! and go out together, in order, when something must be known: a read, the commit. PostgreSQL
//! runs them in the order sent, so the statements mean what they mean one by one; a failure
//! aborts the transaction as it would have. tokio-postgres pipelines requests whose futures are
//! polled together; this connection drives them on a runtime of its own, so the writer thread
//! stays a plain thread.

use super::{StoreError, StoreResult, config, connect, migrate, numbered, params, rows_of};
use crate::store::sql::{Arg, Dialect, OwnedArg, Row, Sql};
use std::collections::HashMap;
use std::time::Duration;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Statement};

/// The advisory lock a serving bang holds on its database ("bang" + 1).
const SERVING_LOCK: i64 = 1_650_552_424;

/// How long a starting bang waits for the lock: a server killed a moment ago holds it until
/// PostgreSQL notices its connection is gone.
const LOCK_PATIENCE: Duration = Duration::from_secs(10);

/// The store's connection to PostgreSQL, the statements prepared on it, and the runtime that
/// drives it.
pub(in crate::store) struct PgDb {
    url: String,
    runtime: tokio::runtime::Runtime,
    client: Client,
    statements: HashMap<String, Statement>,
}

/// A connection, its I/O driven by a task on the store's runtime.
async fn open_client(url: &str) -> StoreResult<Client> {
    let (client, connection) = config(url, Duration::from_secs(5))?.connect(NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "store connection ended");
        }
    });
    Ok(client)
}

/// Refuses a database another bang is serving from (both would acknowledge writes).
async fn take_serving_lock(client: &Client) -> StoreResult<()> {
    let started = std::time::Instant::now();
    loop {
        let row = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&SERVING_LOCK])
            .await?;
        if row.get::<_, bool>(0) {
            return Ok(());
        }
        if started.elapsed() > LOCK_PATIENCE {
            return Err(StoreError::Other(
                "the PostgreSQL database is in use by another bang process: stop it, or give \
                 this one another database"
                    .into(),
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl PgDb {
    pub(in crate::store) fn open(url: &str) -> StoreResult<PgDb> {
        // The schema first, over a plain connection of its own.
        migrate(&mut connect(url)?)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StoreError::Other(format!("cannot start the store's runtime: {e}")))?;
        let client = runtime.block_on(async {
            let client = open_client(url).await?;
            take_serving_lock(&client).await?;
            Ok::<_, StoreError>(client)
        })?;
        Ok(PgDb {
            url: url.to_string(),
            runtime,
            client,
            statements: HashMap::new(),
        })
    }

    /// A new connection in place of a lost one (its prepared statements went with it).
    pub(in crate::store) fn reconnect(&mut self) -> StoreResult<()> {
        let client = self.runtime.block_on(async {
            let client = open_client(&self.url).await?;
            take_serving_lock(&client).await?;
            Ok::<_, StoreError>(client)
        })?;
        self.client = client;
        self.statements.clear();
        Ok(())
    }

    fn pipe(&mut self) -> Pipe<'_> {
        Pipe {
            runtime: &self.runtime,
            client: &self.client,
            statements: &mut self.statements,
            queued: Vec::new(),
        }
    }

    pub(in crate::store) fn read<R>(
        &mut self,
        f: impl FnOnce(&mut dyn Sql) -> StoreResult<R>,
    ) -> StoreResult<R> {
        let mut pipe = self.pipe();
        let r = f(&mut pipe)?;
        pipe.flush()?;
        Ok(r)
    }

    pub(in crate::store) fn transaction<R>(
        &mut self,
        f: impl FnOnce(&mut dyn Sql) -> StoreResult<R>,
    ) -> StoreResult<R> {
        let mut pipe = self.pipe();
        pipe.simple("BEGIN")?;
        let written = f(&mut pipe).and_then(|r| pipe.flush().map(|()| r));
        match written {
            Ok(r) => pipe.simple("COMMIT").map(|()| r),
            Err(e) => {
                // Leave the connection usable; if it is gone, the writer reconnects anyway.
                if !e.is_unreachable() {
                    let _ = pipe.simple("ROLLBACK");
                }
                Err(e)
            }
        }
    }
}

/// Statements queued on the connection, sent together at the next read or flush.
struct Pipe<'a> {
    runtime: &'a tokio::runtime::Runtime,
    client: &'a Client,
    statements: &'a mut HashMap<String, Statement>,
    queued: Vec<(Statement, Vec<OwnedArg>)>,
}

impl Pipe<'_> {
    fn statement(&mut self, sql: &str) -> StoreResult<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.runtime.block_on(self.client.prepare(&numbered(sql)))?;
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }

    /// Sends everything queued, in order, and waits for all of it.
    fn flush(&mut self) -> StoreResult<()> {
        if self.queued.is_empty() {
            return Ok(());
        }
        let queued = std::mem::take(&mut self.queued);
        let args: Vec<Vec<Arg>> = queued
            .iter()
            .map(|(_, owned)| owned.iter().map(OwnedArg::arg).collect())
            .collect();
        let lists: Vec<Vec<&(dyn ToSql + Sync)>> = args.iter().map(|a| params(a)).collect();
        let client = self.client;
        // Polled together, the requests leave in this order without waiting for each other.
        let all = queued
            .iter()
            .zip(&lists)
            .map(|((stmt, _), p)| client.execute(stmt, p));
        self.runtime
            .block_on(futures_util::future::try_join_all(all))?;
        Ok(())
    }

    fn simple(&mut self, sql: &str) -> StoreResult<()> {
        self.flush()?;
        Ok(self.runtime.block_on(self.client.batch_execute(sql))?)
    }
}

impl Sql for Pipe<'_> {
    fn exec(&mut self, sql: &str, args: &[Arg]) -> StoreResult<()> {
        let stmt = self.statement(sql)?;
        self.queued
            .push((stmt, args.iter().map(OwnedArg::of).collect()));
        Ok(())
    }

    fn rows(&mut self, sql: &str, args: &[Arg]) -> StoreResult<Vec<Row>> {
        self.flush()?;
        let stmt = self.statement(sql)?;
        rows_of(
            &self
                .runtime
                .block_on(self.client.query(&stmt, &params(args)))?,
        )
    }

    fn batch(&mut self, sql: &str) -> StoreResult<()> {
        self.simple(sql)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
}
