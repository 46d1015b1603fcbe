//! The history of told events (table `event_history`, pruned with the action log) with who received each,
//! and `event.query`'s reader over a connection of its own (WAL lets it read while the writer
//! commits). Every query is bounded by its time window on an index and by its page size: nothing
//! scans the whole history.

use super::StoreResult;
use bang_components::history::{
    EventTold, HistoryPage, HistoryQuery, HistoryReader, HistoryRecord,
};
use bang_components::time::Timestamp;
use rusqlite::{Connection, OpenFlags, Transaction, params_from_iter, types::Value};
use serde_json::value::RawValue;
use std::path::Path;
use std::sync::Mutex;

/// Appends told events after the update's actions, each with its receivers.
pub(super) fn write_events(tx: &Transaction, events: &[EventTold]) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let mut row = tx.prepare_cached(
        "INSERT INTO event_history (timestamp, event, sender, payload, sector, corporation_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut received = tx.prepare_cached(
        "INSERT OR IGNORE INTO history_receivers (receiver, at, seq) VALUES (?1, ?2, ?3)",
    )?;
    for e in events {
        row.execute(rusqlite::params![
            e.at.0,
            e.event,
            e.sender,
            e.payload.get(),
            e.sector,
            e.corporation_id
        ])?;
        let seq = tx.last_insert_rowid();
        for r in &e.receivers {
            received.execute(rusqlite::params![r, e.at.0, seq])?;
        }
    }
    Ok(())
}

/// Empties the history (a test reset).
pub(super) fn clear(tx: &Transaction) -> StoreResult<()> {
    tx.execute_batch("DELETE FROM history_receivers; DELETE FROM event_history;")
}

/// Receivers of events the retention has deleted.
pub(super) fn prune_receivers(tx: &Transaction) -> StoreResult<()> {
    tx.execute(
        "DELETE FROM history_receivers
         WHERE seq < (SELECT COALESCE(MIN(seq), 0) FROM event_history)",
        [],
    )?;
    Ok(())
}

/// `event.query`'s reader: a read-only connection to the data directory's database.
pub struct SqliteHistory {
    conn: Mutex<Connection>,
}

impl SqliteHistory {
    pub fn open(dir: &Path) -> StoreResult<SqliteHistory> {
        let conn = Connection::open_with_flags(
            dir.join("bang.db"),
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(2))?;
        Ok(SqliteHistory {
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
fn select(q: &HistoryQuery) -> (String, Vec<Value>) {
    let mut args = vec![Value::Integer(q.start.0), Value::Integer(q.end.0)];
    let mut sql = String::from(
        "SELECT seq, timestamp, event, sender, payload, sector, corporation_id FROM event_history
         WHERE timestamp BETWEEN ?1 AND ?2",
    );
    if let Some(c) = &q.character {
        args.push(Value::Text(c.clone()));
        sql.push_str(
            " AND seq IN (SELECT seq FROM event_history WHERE sender = ?3
                                AND timestamp BETWEEN ?1 AND ?2
                          UNION SELECT seq FROM history_receivers WHERE receiver = ?3
                                AND at BETWEEN ?1 AND ?2)",
        );
    }
    let mut filter = |clause: &str, v: Value| {
        args.push(v);
        sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
    };
    if let Some(s) = q.sector {
        filter(" AND sector = ?", Value::Integer(s as i64));
    }
    if let Some(c) = &q.corporation {
        filter(" AND corporation_id = ?", Value::Text(c.clone()));
    }
    if let Some(e) = &q.event {
        filter(" AND event = ?", Value::Text(e.clone()));
    }
    if let Some(t) = &q.text {
        filter(" AND instr(payload, ?) > 0", Value::Text(t.clone()));
    }
    let order = if q.reverse { "DESC" } else { "ASC" };
    filter(
        &format!(" ORDER BY seq {order} LIMIT ?"),
        Value::Integer(q.limit as i64 + 1),
    );
    (sql, args)
}

fn rows(conn: &Connection, q: &HistoryQuery) -> StoreResult<Vec<Row>> {
    let (sql, args) = select(q);
    let mut stmt = conn.prepare_cached(&sql)?;
    let found = stmt.query_map(params_from_iter(args), |r| {
        Ok(Row {
            seq: r.get(0)?,
            at: r.get(1)?,
            event: r.get(2)?,
            sender: r.get(3)?,
            payload: r.get(4)?,
            sector: r.get(5)?,
            corporation: r.get(6)?,
        })
    })?;
    found.collect()
}

/// An event's records: once as sent, once per receiver (only the querying character's own
/// when the query names one).
fn records(conn: &Connection, row: &Row, q: &HistoryQuery) -> StoreResult<Vec<HistoryRecord>> {
    let mut receivers: Vec<String> = conn
        .prepare_cached("SELECT receiver FROM history_receivers WHERE seq = ?1 ORDER BY receiver")?
        .query_map([row.seq], |r| r.get(0))?
        .collect::<StoreResult<_>>()?;
    let mut out = Vec::new();
    let payload = RawValue::from_string(row.payload.clone()).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, Box::new(e))
    })?;
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

impl HistoryReader for SqliteHistory {
    fn query(&self, q: &HistoryQuery) -> Result<HistoryPage, String> {
        let conn = self
            .conn
            .lock()
            .map_err(|_| "history reader poisoned".to_string())?;
        let found = rows(&conn, q).map_err(|e| e.to_string())?;
        let mut page = HistoryPage::default();
        for row in &found {
            let mut more = records(&conn, row, q).map_err(|e| e.to_string())?;
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
}
