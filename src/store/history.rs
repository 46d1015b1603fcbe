//! The history of told events (table `event_history`, pruned with the action log) with who received each,
//! and `event.query`'s reader over a connection of its own (WAL lets it read while the writer
//! commits). Every query is bounded by its time window on an index and by its page size: nothing
//! scans the whole history.

use super::sql::{Arg, Dialect, OwnedArg, Sql, args};
use super::{StoreError, StoreResult};
use bang_components::history::{
    EventTold, HistoryPage, HistoryQuery, HistoryReader, HistoryRecord,
};
use bang_components::time::Timestamp;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

/// Appends told events after the update's actions, each with its receivers, numbered from
/// `first` (a replayed commit writes the same rows).
pub(super) fn write_events(tx: &mut dyn Sql, events: &[EventTold], first: i64) -> StoreResult<()> {
    for (seq, e) in (first..).zip(events) {
        tx.exec(
            "INSERT INTO event_history (seq, timestamp, event, sender, payload, sector,
                 corporation_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(seq) DO NOTHING",
            args![
                seq,
                e.at.0,
                e.event,
                &e.sender,
                e.payload.get(),
                e.sector.map(i64::from),
                &e.corporation_id
            ],
        )?;
        for r in &e.receivers {
            tx.exec(
                "INSERT INTO history_receivers (receiver, at, seq) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
                args![r, e.at.0, seq],
            )?;
        }
    }
    Ok(())
}

/// Empties the history (a test reset).
pub(super) fn clear(tx: &mut dyn Sql) -> StoreResult<()> {
    tx.batch("DELETE FROM history_receivers; DELETE FROM event_history;")
}

/// Receivers of events the retention has deleted.
pub(super) fn prune_receivers(tx: &mut dyn Sql) -> StoreResult<()> {
    tx.exec(
        "DELETE FROM history_receivers
         WHERE seq < (SELECT COALESCE(MIN(seq), 0) FROM event_history)",
        &[],
    )?;
    Ok(())
}

/// `event.query`'s reader: a connection of its own, read-only for SQLite (WAL lets it read
/// while the writer commits); for PostgreSQL made again when the database comes back.
pub struct HistoryDb {
    conn: Mutex<ReaderConn>,
}

enum ReaderConn {
    Sqlite(rusqlite::Connection),
    Postgres(Box<super::postgres::PgReader>),
}

impl HistoryDb {
    /// The reader of the store `url` names, with `dir` as the data directory.
    pub fn open(url: &super::StoreUrl, dir: &Path) -> StoreResult<HistoryDb> {
        let conn = match url {
            super::StoreUrl::Sqlite => {
                use rusqlite::OpenFlags;
                let conn = rusqlite::Connection::open_with_flags(
                    dir.join("bang.db"),
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                conn.busy_timeout(std::time::Duration::from_secs(2))?;
                ReaderConn::Sqlite(conn)
            }
            super::StoreUrl::Postgres(url) => {
                ReaderConn::Postgres(Box::new(super::postgres::PgReader::new(url)))
            }
        };
        Ok(HistoryDb {
            conn: Mutex::new(conn),
        })
    }
}

/// One stored event.
struct Row {
    seq: i64,
    at: i64,
    event: String,
    sender: Option<String>,
    payload: String,
    sector: Option<i64>,
    corporation: Option<String>,
}

/// The query's SQL and its parameters: events in the window (of the character, sent or
/// received: both found through an index on time), in the sector, of the corporation,
/// containing the text; one row more than a page holds, to know whether it was cut.
fn select(q: &HistoryQuery, dialect: Dialect) -> (String, Vec<OwnedArg>) {
    let mut args = vec![OwnedArg::Int(Some(q.start.0)), OwnedArg::Int(Some(q.end.0))];
    let mut sql = String::from(
        "SELECT seq, timestamp, event, sender, payload, sector, corporation_id FROM event_history
         WHERE timestamp BETWEEN ?1 AND ?2",
    );
    if let Some(c) = &q.character {
        args.push(OwnedArg::Text(Some(c.clone())));
        sql.push_str(
            " AND seq IN (SELECT seq FROM event_history WHERE sender = ?3
                                AND timestamp BETWEEN ?1 AND ?2
                          UNION SELECT seq FROM history_receivers WHERE receiver = ?3
                                AND at BETWEEN ?1 AND ?2)",
        );
    }
    let mut filter = |clause: &str, v: OwnedArg| {
        args.push(v);
        sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
    };
    if let Some(s) = q.sector {
        filter(" AND sector = ?", OwnedArg::Int(Some(s as i64)));
    }
    if let Some(c) = &q.corporation {
        filter(" AND corporation_id = ?", OwnedArg::Text(Some(c.clone())));
    }
    if let Some(e) = &q.event {
        filter(" AND event = ?", OwnedArg::Text(Some(e.clone())));
    }
    if let Some(t) = &q.text {
        filter(
            &format!(" AND {}", dialect.contains("payload", "?")),
            OwnedArg::Text(Some(t.clone())),
        );
    }
    let order = if q.reverse { "DESC" } else { "ASC" };
    filter(
        &format!(" ORDER BY seq {order} LIMIT ?"),
        OwnedArg::Int(Some(q.limit as i64 + 1)),
    );
    (sql, args)
}

fn rows(sql: &mut dyn Sql, q: &HistoryQuery) -> StoreResult<Vec<Row>> {
    let (text, params) = select(q, sql.dialect());
    let args: Vec<Arg> = params.iter().map(OwnedArg::arg).collect();
    sql.rows(&text, &args)?
        .into_iter()
        .map(|r| {
            Ok(Row {
                seq: r.int(0)?,
                at: r.int(1)?,
                event: r.text(2)?,
                sender: r.opt_text(3)?,
                payload: r.text(4)?,
                sector: r.opt_int(5)?,
                corporation: r.opt_text(6)?,
            })
        })
        .collect()
}

/// An event's records: once as sent, once per receiver (only the querying character's own
/// when the query names one).
fn records(
    row: &Row,
    mut receivers: Vec<String>,
    q: &HistoryQuery,
) -> StoreResult<Vec<HistoryRecord>> {
    let mut out = Vec::new();
    let payload =
        RawValue::from_string(row.payload.clone()).map_err(|e| StoreError::Data(e.to_string()))?;
    let record = |direction, receiver: Option<String>, meta| HistoryRecord {
        timestamp: Timestamp(row.at),
        direction,
        event: row.event.clone(),
        payload: payload.clone(),
        sender: row.sender.clone(),
        receiver,
        sector: row.sector.map(|s| s as _),
        corporation_id: row.corporation.clone(),
        meta,
    };
    if let Some(c) = &q.character {
        receivers.retain(|r| r == c);
    }
    if q.character.is_none() || q.character == row.sender {
        out.push(record("sent", None, None));
    }
    for r in receivers {
        out.push(record(
            "received",
            Some(r),
            Some(serde_json::json!({"status": "ok"})),
        ));
    }
    Ok(out)
}

/// A page of the history, read through either database.
/// Who received each of the events found, by sequence number: one query for the whole page (a
/// round trip per event would add up on PostgreSQL). The list of numbers is padded to a power of
/// two, so the statement has few shapes to prepare.
fn receivers_of(sql: &mut dyn Sql, found: &[Row]) -> StoreResult<BTreeMap<i64, Vec<String>>> {
    let mut by_seq: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    let Some(last) = found.last() else {
        return Ok(by_seq);
    };
    let n = found.len().next_power_of_two().max(8);
    let seqs: Vec<i64> = (0..n).map(|i| found.get(i).unwrap_or(last).seq).collect();
    let marks: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
    let text = format!(
        "SELECT seq, receiver FROM history_receivers WHERE seq IN ({}) ORDER BY seq, receiver",
        marks.join(", ")
    );
    let args: Vec<Arg> = seqs.iter().map(|s| Arg::Int(Some(*s))).collect();
    for r in sql.rows(&text, &args)? {
        by_seq.entry(r.int(0)?).or_default().push(r.text(1)?);
    }
    Ok(by_seq)
}

fn page(sql: &mut dyn Sql, q: &HistoryQuery) -> StoreResult<HistoryPage> {
    let found = rows(sql, q)?;
    let mut receivers = receivers_of(sql, &found)?;
    let mut page = HistoryPage::default();
    for row in &found {
        let mut more = records(row, receivers.remove(&row.seq).unwrap_or_default(), q)?;
        if q.reverse {
            more.reverse();
        }
        page.records.extend(more);
        if page.records.len() >= q.limit {
            page.truncated = page.records.len() > q.limit || found.len() > q.limit;
            page.records.truncate(q.limit);
            break;
        }
    }
    Ok(page)
}

impl HistoryReader for HistoryDb {
    fn query(&self, q: &HistoryQuery) -> Result<HistoryPage, String> {
        let mut conn = self
            .conn
            .lock()
            .map_err(|_| "history reader poisoned".to_string())?;
        let read = match &mut *conn {
            ReaderConn::Sqlite(c) => page(&mut super::sql::Sqlite(c), q),
            ReaderConn::Postgres(pg) => pg.read(|sql| page(sql, q)),
        };
        read.map_err(|e| e.to_string())
    }
}
