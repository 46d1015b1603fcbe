//! Reading the stored world back: characters, ports, chat, the registry, unowned ships, combat
//! state and the action log.

use super::action_log::LogEntry;
use super::{
    CharacterExtras, CharacterRow, Store, StoreResult, StoredEncounter, json_col, ship_type_from,
};
use bang_components::api::events::ChatMessage;
use bang_components::character::{MapKnowledge, Ship, Visit, WorldOrder};
use bang_components::combat::{Garrison, Salvage};
use bang_components::registry::Registered;
use bang_components::ships::ShipCatalog;
use bang_components::time::Timestamp;
use bang_components::universe::SectorId;
use bang_components::unowned_ships::UnownedShip;
use rusqlite::{Connection, params};
use std::collections::BTreeMap;

impl Store {
    /// Every stored character with its map knowledge, in world order; ships are measured by
    /// `catalog`, the world's (rules are not stored).
    pub fn load_characters(&self, catalog: ShipCatalog) -> StoreResult<Vec<CharacterRow>> {
        let mut visits: BTreeMap<String, BTreeMap<SectorId, Visit>> = BTreeMap::new();
        let mut stmt = self.conn.prepare(
            "SELECT character_id, sector, last_visited, port, planets, adjacent FROM visits",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let port: Option<String> = r.get(3)?;
            let visit = Visit {
                last_visited: Timestamp(r.get(2)?),
                port: port.as_deref().map(json_col).transpose()?,
                planets: json_col(&r.get::<_, String>(4)?)?,
                adjacent: json_col(&r.get::<_, String>(5)?)?,
            };
            visits
                .entry(r.get(0)?)
                .or_default()
                .insert(r.get(1)?, visit);
        }
        let mut extras = self.load_extras()?;
        let mut stmt = self.conn.prepare(
            "SELECT id, world_order, sector, ship_type, fuel_ore, organics, equipment, warp_power,
                    shields, fighters, credits, last_active, first_visit, last_update,
                    trade_volume
             FROM characters ORDER BY world_order",
        )?;
        let mut out = Vec::new();
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let ship_type_text: String = r.get(3)?;
            let ship_type = ship_type_from(&ship_type_text).ok_or_else(|| {
                rusqlite::Error::InvalidColumnType(
                    3,
                    ship_type_text.clone(),
                    rusqlite::types::Type::Text,
                )
            })?;
            let knowledge = MapKnowledge::restored(
                visits.remove(&id).unwrap_or_default(),
                r.get::<_, Option<i64>>(12)?.map(Timestamp),
                r.get::<_, Option<i64>>(13)?.map(Timestamp),
            );
            out.push(CharacterRow {
                order: WorldOrder(r.get::<_, i64>(1)? as u64),
                sector: r.get(2)?,
                ship: Ship {
                    ship_type,
                    catalog,
                    cargo: [r.get(4)?, r.get(5)?, r.get(6)?],
                    warp_power: r.get(7)?,
                    shields: r.get(8)?,
                    fighters: r.get(9)?,
                },
                credits: r.get(10)?,
                last_active: Timestamp(r.get(11)?),
                knowledge,
                trade_volume: r.get(14)?,
                extras: extras.remove(&id),
                id,
            });
        }
        Ok(out)
    }

    pub(super) fn load_extras(&self) -> StoreResult<BTreeMap<String, CharacterExtras>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, ship_id, bank, ship_name FROM character_extras")?;
        let rows = stmt.query_map([], |r| {
            let extras = CharacterExtras {
                ship_id: r.get(1)?,
                bank: r.get(2)?,
                ship_name: r.get(3)?,
            };
            Ok((r.get::<_, String>(0)?, extras))
        })?;
        rows.collect()
    }

    /// Stored port stocks (only ports that ever changed).
    pub fn load_ports(&self) -> StoreResult<Vec<(SectorId, [i64; 3])>> {
        let mut stmt = self
            .conn
            .prepare("SELECT sector, fuel_ore, organics, equipment FROM ports")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, [r.get(1)?, r.get(2)?, r.get(3)?])))?;
        rows.collect()
    }

    /// The highest chat message id stored (0 if none).
    pub fn last_chat_id(&self) -> StoreResult<i64> {
        self.conn
            .query_row("SELECT COALESCE(MAX(id), 0) FROM chat_messages", [], |r| {
                r.get(0)
            })
    }

    /// Stored chat messages, oldest first.
    pub fn chat_messages(&self) -> StoreResult<Vec<ChatMessage>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, timestamp, type, from_name, content, to_name FROM chat_messages ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(ChatMessage {
                id: r.get(0)?,
                timestamp: Timestamp(r.get(1)?),
                message_type: r.get(2)?,
                from_name: r.get(3)?,
                content: r.get(4)?,
                to_name: r.get(5)?,
            })
        })?;
        rows.collect()
    }

    /// The character registry.
    pub fn load_registry(&self) -> StoreResult<Vec<(String, Registered)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, name, created_at, updated_at FROM registry ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                Registered {
                    name: r.get(1)?,
                    created_at: Timestamp(r.get(2)?),
                    updated_at: Timestamp(r.get(3)?),
                },
            ))
        })?;
        rows.collect()
    }

    /// Every stored unowned ship, measured by the world's `catalog`.
    pub fn load_unowned_ships(&self, catalog: ShipCatalog) -> StoreResult<Vec<UnownedShip>> {
        let mut stmt = self
            .conn
            .prepare("SELECT state FROM unowned_ships ORDER BY ship_id")?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut ship: UnownedShip = json_col(&r.get::<_, String>(0)?)?;
            ship.ship.catalog = catalog;
            out.push(ship);
        }
        Ok(out)
    }

    /// Every stored corporation.
    pub fn load_corporations(&self) -> StoreResult<Vec<bang_components::corporation::Corporation>> {
        self.load_keyed("corporations", "corp_id")
    }

    /// Every stored account, and every login (expired ones end on the first tick).
    pub fn load_accounts(&self) -> StoreResult<Accounts> {
        Ok((
            self.load_keyed("accounts", "name")?,
            self.load_keyed("logins", "token_hash")?,
        ))
    }

    /// The rows of a table kept as one JSON `state` per key, in key order.
    fn load_keyed<T: serde::de::DeserializeOwned>(
        &self,
        table: &str,
        key: &str,
    ) -> StoreResult<Vec<T>> {
        let sql = format!("SELECT state FROM {table} ORDER BY {key}");
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(json_col(&r.get::<_, String>(0)?)?);
        }
        Ok(out)
    }

    /// Every stored garrison, salvage container and active encounter.
    pub fn load_combat(&self) -> StoreResult<(Vec<Garrison>, Vec<Salvage>, Vec<StoredEncounter>)> {
        fn all<T: serde::de::DeserializeOwned>(
            conn: &Connection,
            sql: &str,
        ) -> StoreResult<Vec<T>> {
            let mut stmt = conn.prepare(sql)?;
            let mut rows = stmt.query([])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(json_col(&r.get::<_, String>(0)?)?);
            }
            Ok(out)
        }
        let mut encounters: Vec<StoredEncounter> = all(
            &self.conn,
            "SELECT state FROM encounters ORDER BY combat_id",
        )?;
        let mut rounds = self.conn.prepare(
            "SELECT log FROM encounter_rounds WHERE combat_id = ?1 ORDER BY round_index",
        )?;
        let mut actions = self.conn.prepare(
            "SELECT participant, action FROM encounter_actions
             WHERE combat_id = ?1 AND round = ?2 ORDER BY participant",
        )?;
        for StoredEncounter {
            encounter: e,
            pending,
        } in &mut encounters
        {
            let mut rows = actions.query(params![e.combat_id, e.round])?;
            while let Some(r) = rows.next()? {
                pending.insert(r.get(0)?, json_col(&r.get::<_, String>(1)?)?);
            }
            let mut rows = rounds.query([&e.combat_id])?;
            let mut logs = Vec::new();
            while let Some(r) = rows.next()? {
                logs.push(json_col(&r.get::<_, String>(0)?)?);
            }
            // Rows written before the logs moved to their own table still carry them.
            if !logs.is_empty() {
                e.logs = logs;
            }
        }
        Ok((
            all(&self.conn, "SELECT state FROM garrisons ORDER BY sector")?,
            all(&self.conn, "SELECT state FROM salvage ORDER BY salvage_id")?,
            encounters,
        ))
    }

    /// Action log entries with `seq` above `after`, ascending.
    pub fn actions_after(&self, after: i64) -> StoreResult<Vec<LogEntry>> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, timestamp, event_type, actor_id, session_id, data, result, metadata
             FROM action_log WHERE seq > ?1 ORDER BY seq",
        )?;
        let raw = |text: String| {
            serde_json::value::RawValue::from_string(text).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    0,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })
        };
        let mut out = Vec::new();
        let mut rows = stmt.query([after])?;
        while let Some(r) = rows.next()? {
            out.push(LogEntry {
                seq: r.get(0)?,
                timestamp: Timestamp(r.get(1)?),
                event_type: r.get(2)?,
                actor_id: r.get(3)?,
                session_id: r.get(4)?,
                data: raw(r.get(5)?)?,
                result: r.get(6)?,
                metadata: raw(r.get(7)?)?,
            });
        }
        Ok(out)
    }
}

/// Stored accounts and logins.
pub type Accounts = (
    Vec<bang_components::account::Account>,
    Vec<bang_components::account::Login>,
);
