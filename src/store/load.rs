//! Reading the stored world back: characters, ports, chat, the registry, unowned ships, combat
//! state and the action log.

use super::action_log::LogEntry;
use super::sql::{Row, Sql, args};
use super::{
    CharacterExtras, CharacterRow, Store, StoreError, StoreResult, StoredEncounter, ship_type_from,
};
use bang_components::api::events::ChatMessage;
use bang_components::character::{MapKnowledge, Ship, Visit, WorldOrder};
use bang_components::combat::{Garrison, Salvage};
use bang_components::registry::Registered;
use bang_components::ships::ShipCatalog;
use bang_components::time::Timestamp;
use bang_components::universe::SectorId;
use bang_components::unowned_ships::UnownedShip;
use std::collections::BTreeMap;

/// Every character's visits, by character then sector.
type Visits = BTreeMap<String, BTreeMap<SectorId, Visit>>;

fn sector(r: &Row, i: usize) -> StoreResult<SectorId> {
    let v = r.int(i)?;
    SectorId::try_from(v).map_err(|_| StoreError::Data(format!("sector {v}")))
}

fn load_visits(sql: &mut dyn Sql) -> StoreResult<Visits> {
    let mut visits = Visits::new();
    let found = sql.rows(
        "SELECT character_id, sector, last_visited, port, planets, adjacent FROM visits",
        &[],
    )?;
    for r in found {
        let visit = Visit {
            last_visited: Timestamp(r.int(2)?),
            port: r.opt_text(3)?.as_deref().map(super::json_col).transpose()?,
            planets: r.json(4)?,
            adjacent: r.json(5)?,
        };
        visits
            .entry(r.text(0)?)
            .or_default()
            .insert(sector(&r, 1)?, visit);
    }
    Ok(visits)
}

/// One `characters` row (with its visits and extras taken out of the maps).
fn character(
    r: &Row,
    catalog: ShipCatalog,
    visits: &mut Visits,
    extras: &mut BTreeMap<String, CharacterExtras>,
) -> StoreResult<CharacterRow> {
    let id = r.text(0)?;
    let ship_type_text = r.text(3)?;
    let ship_type = ship_type_from(&ship_type_text)
        .ok_or_else(|| StoreError::Data(format!("ship type {ship_type_text}")))?;
    let knowledge = MapKnowledge::restored(
        visits.remove(&id).unwrap_or_default(),
        r.opt_int(12)?.map(Timestamp),
        r.opt_int(13)?.map(Timestamp),
    );
    Ok(CharacterRow {
        order: WorldOrder(r.int(1)? as u64),
        sector: sector(r, 2)?,
        ship: Ship {
            ship_type,
            catalog,
            cargo: [r.int(4)?, r.int(5)?, r.int(6)?],
            warp_power: r.int(7)?,
            shields: r.int(8)?,
            fighters: r.int(9)?,
        },
        credits: r.int(10)?,
        last_active: Timestamp(r.int(11)?),
        knowledge,
        trade_volume: r.int(14)?,
        extras: extras.remove(&id),
        id,
    })
}

/// The rows of a table kept as one JSON `state` per key, in key order.
fn keyed<T: serde::de::DeserializeOwned>(
    sql: &mut dyn Sql,
    table: &str,
    key: &str,
) -> StoreResult<Vec<T>> {
    sql.rows(&format!("SELECT state FROM {table} ORDER BY {key}"), &[])?
        .iter()
        .map(|r| r.json(0))
        .collect()
}

/// Every active fight with its round logs and its current round's pending actions.
fn encounters(sql: &mut dyn Sql) -> StoreResult<Vec<StoredEncounter>> {
    let mut encounters: Vec<StoredEncounter> = keyed(sql, "encounters", "combat_id")?;
    for StoredEncounter {
        encounter: e,
        pending,
    } in &mut encounters
    {
        let actions = sql.rows(
            "SELECT participant, action FROM encounter_actions
             WHERE combat_id = ?1 AND round = ?2 ORDER BY participant",
            args![&e.combat_id, e.round],
        )?;
        for r in actions {
            pending.insert(r.text(0)?, r.json(1)?);
        }
        let logs = sql
            .rows(
                "SELECT log FROM encounter_rounds WHERE combat_id = ?1 ORDER BY round_index",
                args![&e.combat_id],
            )?
            .iter()
            .map(|r| r.json(0))
            .collect::<StoreResult<Vec<_>>>()?;
        // Rows written before the logs moved to their own table still carry them.
        if !logs.is_empty() {
            e.logs = logs;
        }
    }
    Ok(encounters)
}

fn raw(text: String) -> StoreResult<Box<serde_json::value::RawValue>> {
    serde_json::value::RawValue::from_string(text).map_err(|e| StoreError::Data(e.to_string()))
}

impl Store {
    /// Every stored character with its map knowledge, in world order; ships are measured by
    /// `catalog`, the world's (rules are not stored).
    pub fn load_characters(&mut self, catalog: ShipCatalog) -> StoreResult<Vec<CharacterRow>> {
        self.read(|sql| {
            let mut visits = load_visits(sql)?;
            let mut extras = load_extras(sql)?;
            sql.rows(
                "SELECT id, world_order, sector, ship_type, fuel_ore, organics, equipment,
                        warp_power, shields, fighters, credits, last_active, first_visit,
                        last_update, trade_volume
                 FROM characters ORDER BY world_order",
                &[],
            )?
            .iter()
            .map(|r| character(r, catalog, &mut visits, &mut extras))
            .collect()
        })
    }

    /// Stored port stocks (only ports that ever changed).
    pub fn load_ports(&mut self) -> StoreResult<Vec<(SectorId, [i64; 3])>> {
        self.read(|sql| {
            sql.rows(
                "SELECT sector, fuel_ore, organics, equipment FROM ports ORDER BY sector",
                &[],
            )?
            .iter()
            .map(|r| Ok((sector(r, 0)?, [r.int(1)?, r.int(2)?, r.int(3)?])))
            .collect()
        })
    }

    /// The highest chat message id stored (0 if none).
    pub fn last_chat_id(&mut self) -> StoreResult<i64> {
        self.read(|sql| {
            let row = sql.row("SELECT COALESCE(MAX(id), 0) FROM chat_messages", &[])?;
            Ok(row.map(|r| r.int(0)).transpose()?.unwrap_or(0))
        })
    }

    /// Stored chat messages, oldest first.
    pub fn chat_messages(&mut self) -> StoreResult<Vec<ChatMessage>> {
        self.read(|sql| {
            sql.rows(
                "SELECT id, timestamp, type, from_name, content, to_name FROM chat_messages
                 ORDER BY id",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(ChatMessage {
                    id: r.int(0)?,
                    timestamp: Timestamp(r.int(1)?),
                    message_type: r.text(2)?,
                    from_name: r.text(3)?,
                    content: r.text(4)?,
                    to_name: r.opt_text(5)?,
                })
            })
            .collect()
        })
    }

    /// The character registry.
    pub fn load_registry(&mut self) -> StoreResult<Vec<(String, Registered)>> {
        self.read(|sql| {
            sql.rows(
                "SELECT id, name, created_at, updated_at FROM registry ORDER BY id",
                &[],
            )?
            .iter()
            .map(|r| {
                let entry = Registered {
                    name: r.text(1)?,
                    created_at: Timestamp(r.int(2)?),
                    updated_at: Timestamp(r.int(3)?),
                };
                Ok((r.text(0)?, entry))
            })
            .collect()
        })
    }

    /// Every stored unowned ship, measured by the world's `catalog`.
    pub fn load_unowned_ships(&mut self, catalog: ShipCatalog) -> StoreResult<Vec<UnownedShip>> {
        let mut ships: Vec<UnownedShip> =
            self.read(|sql| keyed(sql, "unowned_ships", "ship_id"))?;
        for ship in &mut ships {
            ship.ship.catalog = catalog;
        }
        Ok(ships)
    }

    /// Every stored corporation.
    pub fn load_corporations(
        &mut self,
    ) -> StoreResult<Vec<bang_components::corporation::Corporation>> {
        self.read(|sql| keyed(sql, "corporations", "corp_id"))
    }

    /// Every stored account, and every login (expired ones end on the first tick).
    pub fn load_accounts(&mut self) -> StoreResult<Accounts> {
        self.read(|sql| {
            Ok((
                keyed(sql, "accounts", "name")?,
                keyed(sql, "logins", "token_hash")?,
            ))
        })
    }

    /// Every stored garrison, salvage container and active encounter.
    #[allow(clippy::type_complexity)]
    pub fn load_combat(
        &mut self,
    ) -> StoreResult<(Vec<Garrison>, Vec<Salvage>, Vec<StoredEncounter>)> {
        self.read(|sql| {
            Ok((
                keyed(sql, "garrisons", "sector")?,
                keyed(sql, "salvage", "salvage_id")?,
                encounters(sql)?,
            ))
        })
    }

    /// Action log entries with `seq` above `after`, ascending.
    pub fn actions_after(&mut self, after: i64) -> StoreResult<Vec<LogEntry>> {
        self.read(|sql| {
            sql.rows(
                "SELECT seq, timestamp, event_type, actor_id, session_id, data, result, metadata
                 FROM action_log WHERE seq > ?1 ORDER BY seq",
                args![after],
            )?
            .into_iter()
            .map(|r| {
                Ok(LogEntry {
                    seq: r.int(0)?,
                    timestamp: Timestamp(r.int(1)?),
                    event_type: r.text(2)?,
                    actor_id: r.opt_text(3)?,
                    session_id: r.opt_text(4)?,
                    data: raw(r.text(5)?)?,
                    result: r.text(6)?,
                    metadata: raw(r.text(7)?)?,
                })
            })
            .collect()
        })
    }
}

/// Characters' ship ids, banks and ship names (the 2026-01 rules'), by id.
pub(super) fn load_extras(sql: &mut dyn Sql) -> StoreResult<BTreeMap<String, CharacterExtras>> {
    sql.rows(
        "SELECT id, ship_id, bank, ship_name FROM character_extras",
        &[],
    )?
    .iter()
    .map(|r| {
        let extras = CharacterExtras {
            ship_id: r.text(1)?,
            bank: r.int(2)?,
            ship_name: r.opt_text(3)?,
        };
        Ok((r.text(0)?, extras))
    })
    .collect()
}

/// Stored accounts and logins.
pub type Accounts = (
    Vec<bang_components::account::Account>,
    Vec<bang_components::account::Login>,
);
