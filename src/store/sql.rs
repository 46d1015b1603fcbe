//! One way to speak SQL to either database. The store's statements are written once, in the
//! SQL both SQLite and PostgreSQL take (`?N` parameters, `ON CONFLICT … DO UPDATE`, `RETURNING`),
//! and run through [`Sql`]; PostgreSQL's side turns `?N` into `$N` and caches each prepared
//! statement. Values cross as [`Arg`] and come back as [`Row`]s of [`Cell`]s: the store keeps
//! only 64-bit integers and text, so that is all either side needs.

use super::{StoreError, StoreResult};

/// A statement's parameter.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    Int(Option<i64>),
    Text(Option<&'a str>),
}

impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}

impl From<u32> for Arg<'_> {
    fn from(v: u32) -> Self {
        Arg::Int(Some(v as i64))
    }
}

impl From<Option<i64>> for Arg<'_> {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(v: &'a str) -> Self {
        Arg::Text(Some(v))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(v: &'a String) -> Self {
        Arg::Text(Some(v))
    }
}

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Arg::Text(v)
    }
}

impl<'a> From<&'a Option<String>> for Arg<'a> {
    fn from(v: &'a Option<String>) -> Self {
        Arg::Text(v.as_deref())
    }
}

/// A parameter kept beyond the statement's call: a pipelined statement's until it is sent, a
/// query's while it is put together.
#[derive(Debug, Clone)]
pub enum OwnedArg {
    Int(Option<i64>),
    Text(Option<String>),
}

impl OwnedArg {
    pub fn of(arg: &Arg) -> OwnedArg {
        match *arg {
            Arg::Int(v) => OwnedArg::Int(v),
            Arg::Text(v) => OwnedArg::Text(v.map(str::to_string)),
        }
    }

    pub fn arg(&self) -> Arg<'_> {
        match self {
            OwnedArg::Int(v) => Arg::Int(*v),
            OwnedArg::Text(v) => Arg::Text(v.as_deref()),
        }
    }
}

/// `[a.into(), b.into(), …]` as a slice of [`Arg`]s.
macro_rules! args {
    ($($v:expr),* $(,)?) => {
        &[$($crate::store::sql::Arg::from($v)),*][..]
    };
}
pub(crate) use args;

/// A value read back.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
}

/// A row read back, its columns in the statement's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Cell>);

impl Row {
    fn cell(&self, i: usize) -> StoreResult<&Cell> {
        self.0
            .get(i)
            .ok_or_else(|| StoreError::Data(format!("no column {i}")))
    }

    pub fn int(&self, i: usize) -> StoreResult<i64> {
        self.opt_int(i)?
            .ok_or_else(|| StoreError::Data(format!("column {i} is NULL")))
    }

    pub fn opt_int(&self, i: usize) -> StoreResult<Option<i64>> {
        match self.cell(i)? {
            Cell::Null => Ok(None),
            Cell::Int(v) => Ok(Some(*v)),
            Cell::Text(t) => Err(StoreError::Data(format!("column {i} is text ({t:.40})"))),
        }
    }

    pub fn text(&self, i: usize) -> StoreResult<String> {
        self.opt_text(i)?
            .ok_or_else(|| StoreError::Data(format!("column {i} is NULL")))
    }

    pub fn opt_text(&self, i: usize) -> StoreResult<Option<String>> {
        match self.cell(i)? {
            Cell::Null => Ok(None),
            Cell::Text(t) => Ok(Some(t.clone())),
            Cell::Int(v) => Err(StoreError::Data(format!("column {i} is a number ({v})"))),
        }
    }

    /// A JSON column read into its type.
    pub fn json<T: serde::de::DeserializeOwned>(&self, i: usize) -> StoreResult<T> {
        super::json_col(&self.text(i)?)
    }
}

/// Where the two databases' SQL differs (little: the rest is written once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// `haystack` contains `needle` (a parameter), as this database says it.
    pub fn contains(self, haystack: &str, needle: &str) -> String {
        match self {
            Dialect::Sqlite => format!("instr({haystack}, {needle}) > 0"),
            Dialect::Postgres => format!("strpos({haystack}, {needle}) > 0"),
        }
    }
}

/// A connection or transaction of either database.
pub trait Sql {
    /// Runs a statement. A pipelined connection may only send it: its failure then shows at
    /// the next read or at the commit.
    fn exec(&mut self, sql: &str, args: &[Arg]) -> StoreResult<()>;
    /// Runs a query; returns every row.
    fn rows(&mut self, sql: &str, args: &[Arg]) -> StoreResult<Vec<Row>>;
    /// Runs statements without parameters, separated by `;`.
    fn batch(&mut self, sql: &str) -> StoreResult<()>;
    fn dialect(&self) -> Dialect;

    /// The first row of a query, if any.
    fn row(&mut self, sql: &str, args: &[Arg]) -> StoreResult<Option<Row>> {
        Ok(self.rows(sql, args)?.into_iter().next())
    }
}

impl rusqlite::ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Arg::Int(v) => v.to_sql(),
            Arg::Text(v) => v.to_sql(),
        }
    }
}

fn sqlite_cell(v: rusqlite::types::ValueRef<'_>) -> StoreResult<Cell> {
    use rusqlite::types::ValueRef;
    Ok(match v {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(i) => Cell::Int(i),
        ValueRef::Text(t) => Cell::Text(
            std::str::from_utf8(t)
                .map_err(|e| StoreError::Data(e.to_string()))?
                .to_string(),
        ),
        other => {
            return Err(StoreError::Data(format!(
                "unexpected {:?} value",
                other.data_type()
            )));
        }
    })
}

/// SQLite through a connection (a transaction dereferences to one). Statements are cached by
/// their text, as rusqlite does.
pub struct Sqlite<'c>(pub &'c rusqlite::Connection);

impl Sql for Sqlite<'_> {
    fn exec(&mut self, sql: &str, args: &[Arg]) -> StoreResult<()> {
        self.0
            .prepare_cached(sql)?
            .execute(rusqlite::params_from_iter(args))?;
        Ok(())
    }

    fn rows(&mut self, sql: &str, args: &[Arg]) -> StoreResult<Vec<Row>> {
        let mut stmt = self.0.prepare_cached(sql)?;
        let width = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let cells = (0..width)
                .map(|i| sqlite_cell(r.get_ref(i)?))
                .collect::<StoreResult<Vec<_>>>()?;
            out.push(Row(cells));
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> StoreResult<()> {
        Ok(self.0.execute_batch(sql)?)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
}
