//! Writing changes: every batch handed over since the last commit goes into one transaction, in
//! the order the updates made them (a fight's pending-action rows and its full state must land
//! in that order).

use super::retention::Prune;
use super::sql::{Sql, args};
use super::{Changes, Store, StoreResult};

impl Store {
    /// Writes one update's changes atomically, numbering the action log entries.
    pub fn commit(&mut self, changes: &mut Changes) -> StoreResult<()> {
        self.commit_in_order(std::slice::from_mut(changes))
    }

    /// Writes several updates' changes in one transaction, each after the one before it,
    /// numbering the action log entries.
    /// Writing the same batches again gives the same rows (every insert names its key), so a
    /// commit whose outcome was lost with the connection is simply written again.
    pub fn commit_in_order(&mut self, batches: &mut [Changes]) -> StoreResult<()> {
        let mut seqs = (self.next_action, self.next_event);
        let mut first_events = Vec::with_capacity(batches.len());
        for changes in batches.iter_mut() {
            first_events.push(seqs.1);
            seqs = number(changes, seqs);
        }
        self.transaction(|tx| {
            for (changes, first_event) in batches.iter_mut().zip(first_events) {
                write(tx, changes, first_event)?;
                if let Some(prune) = &changes.prune {
                    prune_rows(tx, prune)?;
                }
            }
            Ok(())
        })?;
        (self.next_action, self.next_event) = seqs;
        Ok(())
    }
}

/// Hands the batch's action log entries and told events their sequence numbers, from `next`;
/// returns the next free ones.
fn number(changes: &mut Changes, (mut action, event): (i64, i64)) -> (i64, i64) {
    for a in &mut changes.actions {
        a.seq = action;
        action += 1;
    }
    (action, event + changes.events.len() as i64)
}

/// Deletes chat messages and action log entries past their retention, never the newest of
/// each (ids and sequence numbers continue from it).
fn prune_rows(tx: &mut dyn Sql, p: &Prune) -> StoreResult<()> {
    for (table, key, before, keep) in [
        ("chat_messages", "id", p.chat_before, p.chat_keep),
        ("action_log", "seq", p.log_before, p.log_keep),
        ("event_history", "seq", p.log_before, p.log_keep),
    ] {
        let newest = format!("(SELECT COALESCE(MAX({key}), 0) FROM {table})");
        // Rows are written in time order, so the old ones are a prefix in key order: find
        // where it ends by walking from the start (no index on the timestamp to keep up).
        if let Some(before) = before {
            let first_kept =
                format!("(SELECT {key} FROM {table} WHERE timestamp >= ?1 ORDER BY {key} LIMIT 1)");
            let sql = format!("DELETE FROM {table} WHERE {key} < COALESCE({first_kept}, {newest})");
            tx.exec(&sql, args![before])?;
        }
        if let Some(keep) = keep {
            let sql = format!("DELETE FROM {table} WHERE {key} <= {newest} - ?1");
            tx.exec(&sql, args![keep])?;
        }
    }
    super::history::prune_receivers(tx)
}

/// Writes one batch, table group by table group, in the order the rows must land: the
/// encounter states go before their pending-action rows, and the history after the action log.
fn write(tx: &mut dyn Sql, changes: &Changes, first_event: i64) -> StoreResult<()> {
    write_roster(tx, changes)?;
    write_characters(tx, changes)?;
    write_visits(tx, changes)?;
    write_ports(tx, changes)?;
    write_chat(tx, changes)?;
    for (sector, g) in &changes.garrisons {
        put(tx, "garrisons", "sector", (*sector).into(), g.as_ref())?;
    }
    for (id, s) in &changes.salvage {
        put(tx, "salvage", "salvage_id", id.into(), s.as_ref())?;
    }
    for (id, s) in &changes.unowned_ships {
        put(tx, "unowned_ships", "ship_id", id.into(), s.as_ref())?;
    }
    for (id, c) in &changes.corporations {
        put(tx, "corporations", "corp_id", id.into(), c.as_ref())?;
    }
    for (name, a) in &changes.accounts {
        put(tx, "accounts", "name", name.into(), a.as_ref())?;
    }
    for (hash, l) in &changes.logins {
        put(tx, "logins", "token_hash", hash.into(), l.as_ref())?;
    }
    write_encounters(tx, changes)?;
    write_encounter_actions(tx, changes)?;
    write_action_log(tx, changes)?;
    if changes.clear_history {
        super::history::clear(tx)?;
    }
    super::history::write_events(tx, &changes.events, first_event)
}

/// Characters that left the World go first (one re-made in the same update is written after),
/// then the registry's changes.
fn write_roster(tx: &mut dyn Sql, changes: &Changes) -> StoreResult<()> {
    for id in &changes.removed_characters {
        tx.exec("DELETE FROM characters WHERE id = ?1", args![id])?;
        tx.exec("DELETE FROM character_extras WHERE id = ?1", args![id])?;
        tx.exec("DELETE FROM visits WHERE character_id = ?1", args![id])?;
    }
    for (id, entry) in &changes.registry {
        match entry {
            Some(r) => tx.exec(
                "INSERT INTO registry (id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(id) DO UPDATE SET name = excluded.name,
                     created_at = excluded.created_at, updated_at = excluded.updated_at",
                args![id, &r.name, r.created_at.0, r.updated_at.0],
            )?,
            None => tx.exec("DELETE FROM registry WHERE id = ?1", args![id])?,
        };
    }
    Ok(())
}

/// Characters are upserted whole: a changed character carries every column, so a conflict
/// simply takes the new row.
fn write_characters(tx: &mut dyn Sql, changes: &Changes) -> StoreResult<()> {
    for c in &changes.characters {
        tx.exec(
            "INSERT INTO characters (id, world_order, sector, ship_type, fuel_ore, organics,
                 equipment, warp_power, shields, fighters, credits, last_active, first_visit,
                 last_update, trade_volume)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
             ON CONFLICT(id) DO UPDATE SET world_order = excluded.world_order,
                 sector = excluded.sector, ship_type = excluded.ship_type,
                 fuel_ore = excluded.fuel_ore, organics = excluded.organics,
                 equipment = excluded.equipment, warp_power = excluded.warp_power,
                 shields = excluded.shields, fighters = excluded.fighters,
                 credits = excluded.credits, last_active = excluded.last_active,
                 first_visit = excluded.first_visit, last_update = excluded.last_update,
                 trade_volume = excluded.trade_volume",
            args![
                &c.id,
                c.order.0 as i64,
                c.sector,
                c.ship.ship_type.wire_name(),
                c.ship.cargo[0],
                c.ship.cargo[1],
                c.ship.cargo[2],
                c.ship.warp_power,
                c.ship.shields,
                c.ship.fighters,
                c.credits,
                c.last_active.0,
                c.knowledge.first_visit.map(|t| t.0),
                c.knowledge.last_update.map(|t| t.0),
                c.trade_volume,
            ],
        )?;
    }
    write_extras(tx, changes)
}

fn write_extras(tx: &mut dyn Sql, changes: &Changes) -> StoreResult<()> {
    for c in &changes.characters {
        if let Some(x) = &c.extras {
            tx.exec(
                "INSERT INTO character_extras (id, ship_id, bank, ship_name)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(id) DO UPDATE SET ship_id = excluded.ship_id,
                     bank = excluded.bank, ship_name = excluded.ship_name",
                args![&c.id, &x.ship_id, x.bank, &x.ship_name],
            )?;
        }
    }
    Ok(())
}

/// A character's map knowledge, one row per sector they know, with the JSON parts kept as
/// text (an empty list when they cannot be written, as before).
fn write_visits(tx: &mut dyn Sql, changes: &Changes) -> StoreResult<()> {
    for (id, sector, v) in &changes.visits {
        let port = v
            .port
            .as_ref()
            .map(|p| serde_json::to_string(p).unwrap_or_default());
        let planets = serde_json::to_string(&v.planets).unwrap_or_else(|_| "[]".into());
        let adjacent = serde_json::to_string(&v.adjacent).unwrap_or_else(|_| "[]".into());
        tx.exec(
            "INSERT INTO visits (character_id, sector, last_visited, port, planets, adjacent)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(character_id, sector) DO UPDATE SET
                 last_visited = excluded.last_visited, port = excluded.port,
                 planets = excluded.planets, adjacent = excluded.adjacent",
            args![
                id,
                *sector,
                v.last_visited.0,
                &port,
                planets.as_str(),
                adjacent.as_str()
            ],
        )?;
    }
    Ok(())
}

/// Port stock: only the three amounts change after the world is made.
fn write_ports(tx: &mut dyn Sql, changes: &Changes) -> StoreResult<()> {
    for (sector, stock) in &changes.ports {
        tx.exec(
            "INSERT INTO ports (sector, fuel_ore, organics, equipment) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(sector) DO UPDATE SET fuel_ore = excluded.fuel_ore,
                 organics = excluded.organics, equipment = excluded.equipment",
            args![*sector, stock[0], stock[1], stock[2]],
        )?;
    }
    Ok(())
}

/// Chat messages are only ever added (pruning removes them, in `prune_rows`); one written
/// already (a replayed commit) stays as it is.
fn write_chat(tx: &mut dyn Sql, changes: &Changes) -> StoreResult<()> {
    for m in &changes.chat {
        tx.exec(
            "INSERT INTO chat_messages (id, timestamp, type, from_name, content, to_name)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(id) DO NOTHING",
            args![
                m.id,
                m.timestamp.0,
                &m.message_type,
                &m.from_name,
                &m.content,
                &m.to_name
            ],
        )?;
    }
    Ok(())
}

/// Writes or deletes one row of a table that keeps a JSON state per key (garrisons,
/// salvage): `None` means the thing is gone.
fn put<T: serde::Serialize>(
    tx: &mut dyn Sql,
    table: &str,
    key_col: &str,
    key: super::sql::Arg,
    value: Option<&T>,
) -> StoreResult<()> {
    match value {
        Some(v) => {
            let text =
                serde_json::to_string(v).map_err(|e| super::StoreError::Data(e.to_string()))?;
            let sql = format!(
                "INSERT INTO {table} ({key_col}, state) VALUES (?1, ?2)
                 ON CONFLICT({key_col}) DO UPDATE SET state = excluded.state"
            );
            tx.exec(&sql, &[key, text.as_str().into()])?;
        }
        None => {
            let sql = format!("DELETE FROM {table} WHERE {key_col} = ?1");
            tx.exec(&sql, &[key])?;
        }
    }
    Ok(())
}

/// A fight's state with its new round logs, or, when it has ended, the removal of every row
/// it had (state, rounds and pending actions).
fn write_encounters(tx: &mut dyn Sql, changes: &Changes) -> StoreResult<()> {
    for (id, e) in &changes.encounters {
        let Some(row) = e else {
            tx.exec("DELETE FROM encounters WHERE combat_id = ?1", args![id])?;
            tx.exec(
                "DELETE FROM encounter_rounds WHERE combat_id = ?1",
                args![id],
            )?;
            tx.exec(
                "DELETE FROM encounter_actions WHERE combat_id = ?1",
                args![id],
            )?;
            continue;
        };
        tx.exec(
            "INSERT INTO encounters (combat_id, state) VALUES (?1, ?2)
             ON CONFLICT(combat_id) DO UPDATE SET state = excluded.state",
            args![id, &row.state],
        )?;
        // The state carries the pending actions: rows kept beside it are folded in.
        tx.exec(
            "DELETE FROM encounter_actions WHERE combat_id = ?1",
            args![id],
        )?;
        for (index, log) in &row.new_rounds {
            tx.exec(
                "INSERT INTO encounter_rounds (combat_id, round_index, log) VALUES (?1, ?2, ?3)
                 ON CONFLICT(combat_id, round_index) DO UPDATE SET log = excluded.log",
                args![id, *index as i64, log],
            )?;
        }
    }
    Ok(())
}

/// Pending actions submitted since the fight's state was last written; they must follow the
/// encounter rows above, which clear the ones the state has folded in.
fn write_encounter_actions(tx: &mut dyn Sql, changes: &Changes) -> StoreResult<()> {
    for a in &changes.encounter_actions {
        tx.exec(
            "INSERT INTO encounter_actions (combat_id, participant, round, action)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(combat_id, participant) DO UPDATE SET round = excluded.round,
                 action = excluded.action",
            args![&a.combat_id, &a.participant, a.round, &a.action],
        )?;
    }
    Ok(())
}

/// Appends the action log under the sequence numbers `number` gave (one written already, by a
/// replayed commit, stays).
fn write_action_log(tx: &mut dyn Sql, changes: &Changes) -> StoreResult<()> {
    for a in &changes.actions {
        tx.exec(
            "INSERT INTO action_log (seq, timestamp, event_type, actor_id, session_id, data,
                 result, metadata)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(seq) DO NOTHING",
            args![
                a.seq,
                a.timestamp.0,
                &a.event_type,
                &a.actor_id,
                &a.session_id,
                a.data.get(),
                &a.result,
                a.metadata.get(),
            ],
        )?;
    }
    Ok(())
}
