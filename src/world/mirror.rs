//! Writing what the game did back into a 2026-01-format world-data directory: each changed
//! character's `character-map-knowledge/<id>.json` and its ship's record in `ships.json`, as that
//! release keeps them, and its `event-log.jsonl` (`event_log`). Its tools and its integration
//! suite read these files; bang does not (the store is the truth, these are a view of it).
//! Written after each commit, before its replies go.

use super::seeds::{WorldDataSeeds, safe_file_name};
use crate::store::writer::CommitObserver;
use crate::store::{Changes, CharacterRow};
use bang_components::character::{Ship, ShipId, Visit};
use bang_components::economy::Commodity;
use bang_components::time::Timestamp;
use bang_components::unowned_ships::UnownedShip;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// Follows the store's commits into the directory's files.
pub struct WorldFileMirror {
    files: Arc<WorldDataSeeds>,
}

type Object = Map<String, Value>;

/// A JSON file's object, or an empty one (a missing or unreadable file starts afresh).
fn read_object(path: &Path) -> Object {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .and_then(|v| match v {
            Value::Object(o) => Some(o),
            _ => None,
        })
        .unwrap_or_default()
}

impl WorldFileMirror {
    pub fn new(files: Arc<WorldDataSeeds>) -> WorldFileMirror {
        WorldFileMirror { files }
    }

    /// Commodity-keyed values under the world's names.
    fn per_commodity(&self, values: [i64; 3]) -> Value {
        let names = self.files.commodities();
        Commodity::ALL
            .into_iter()
            .map(|c| (names.name(c).to_string(), json!(values[c.index()])))
            .collect::<Object>()
            .into()
    }

    fn ship_state(&self, ship: &Ship, credits: i64) -> Value {
        let s = ship.stats();
        json!({
            "fighters": ship.fighters, "shields": ship.shields, "credits": credits,
            "cargo": self.per_commodity(ship.cargo), "cargo_holds": s.cargo_holds,
            "warp_power": ship.warp_power, "warp_power_capacity": s.warp_power_capacity,
            "modules": [],
        })
    }

    fn visit(&self, sector: u32, v: &Visit) -> Value {
        let port = v.port.as_ref().map(|p| {
            let prices = [
                p.last_seen_prices.fuel_ore,
                p.last_seen_prices.organics,
                p.last_seen_prices.equipment,
            ];
            let names = self.files.commodities();
            let prices: Object = Commodity::ALL
                .into_iter()
                .map(|c| (names.name(c).to_string(), json!(prices[c.index()])))
                .collect();
            let stock = &p.last_seen_stock;
            json!({"code": p.code, "prices": prices,
                "stock": self.per_commodity([stock.fuel_ore, stock.organics, stock.equipment]),
                "observed_at": p.observed_at})
        });
        json!({"sector_id": sector, "last_visited": v.last_visited, "port": port,
            "position": [0, 0], "planets": [], "adjacent_sectors": v.adjacent})
    }

    /// Updates one character's knowledge file with its row and the visits it made.
    fn write_knowledge(&self, row: &CharacterRow, visits: &[(u32, &Visit)]) {
        let path = self
            .files
            .dir()
            .join("character-map-knowledge")
            .join(format!("{}.json", safe_file_name(&row.id)));
        let mut file = read_object(&path);
        let visited = file.entry("sectors_visited").or_insert_with(|| json!({}));
        if let Value::Object(visited) = visited {
            for (sector, v) in visits {
                visited.insert(sector.to_string(), self.visit(*sector, v));
            }
        }
        let total = file["sectors_visited"].as_object().map_or(0, Map::len);
        let (bank, ship_id) = extras(row);
        let k = &row.knowledge;
        for (key, value) in [
            ("character_id", json!(row.id)),
            ("total_sectors_visited", json!(total)),
            (
                "first_visit",
                json!(k.first_visit.or(Some(row.last_active))),
            ),
            (
                "last_update",
                json!(k.last_update.unwrap_or(row.last_active)),
            ),
            ("current_ship_id", json!(ship_id)),
            ("credits", json!(row.credits)),
            ("credits_in_bank", json!(bank)),
            ("current_sector", json!(row.sector)),
        ] {
            file.insert(key.to_string(), value);
        }
        file.entry("corporation").or_insert(Value::Null);
        self.files.write(&path, &Value::Object(file));
    }

    fn character_ship(&self, ships: &mut Object, row: &CharacterRow, now: Timestamp) {
        let (_, ship_id) = extras(row);
        let name = row.extras.as_ref().and_then(|x| x.ship_name.clone());
        let acquired = ships
            .get(&ship_id)
            .and_then(|r| r.get("acquired").cloned())
            .unwrap_or_else(|| json!(now));
        let record = json!({
            "ship_id": ship_id, "ship_type": row.ship.ship_type, "name": name,
            "sector": row.sector, "owner_type": "character", "owner_id": row.id,
            "acquired": acquired, "state": self.ship_state(&row.ship, row.credits),
            "became_unowned": null, "former_owner_name": null,
        });
        ships.insert(ship_id, record);
    }

    fn unowned_ship(&self, ships: &mut Object, s: &UnownedShip) {
        let acquired = ships
            .get(&s.ship_id)
            .and_then(|r| r.get("acquired").cloned());
        let record = json!({
            "ship_id": s.ship_id, "ship_type": s.ship.ship_type, "name": s.name,
            "sector": s.sector, "owner_type": "unowned", "owner_id": null,
            "acquired": acquired, "state": self.ship_state(&s.ship, s.credits),
            "became_unowned": s.became_unowned, "former_owner_name": s.former_owner_name,
        });
        ships.insert(s.ship_id.clone(), record);
    }
}

/// A row's bank balance and ship id (a character made under the seed's rules has the default).
fn extras(row: &CharacterRow) -> (i64, String) {
    row.extras.as_ref().map_or_else(
        || (0, ShipId::default_for(&row.id)),
        |x| (x.bank, x.ship_id.clone()),
    )
}

impl CommitObserver for WorldFileMirror {
    fn committed(&self, changes: &[Changes]) {
        super::event_log::append(self.files.dir(), changes);
        // Later updates win: the last row of each character, every visit.
        let mut rows: BTreeMap<&str, &CharacterRow> = BTreeMap::new();
        let mut visits: BTreeMap<&str, Vec<(u32, &Visit)>> = BTreeMap::new();
        let mut unowned: BTreeMap<&str, Option<&UnownedShip>> = BTreeMap::new();
        for c in changes {
            for row in &c.characters {
                rows.insert(&row.id, row);
            }
            for (id, sector, v) in &c.visits {
                visits.entry(id).or_default().push((*sector, v));
            }
            for (id, s) in &c.unowned_ships {
                unowned.insert(id, s.as_ref());
            }
        }
        if rows.is_empty() && unowned.is_empty() {
            return;
        }
        for (id, row) in &rows {
            self.write_knowledge(row, visits.get(id).map_or(&[], Vec::as_slice));
        }
        let path = self.files.dir().join("ships.json");
        let mut ships = read_object(&path);
        let now = rows
            .values()
            .map(|r| r.last_active)
            .max()
            .unwrap_or(Timestamp(0));
        for row in rows.values() {
            self.character_ship(&mut ships, row, now);
        }
        for (id, s) in unowned {
            match s {
                Some(s) => self.unowned_ship(&mut ships, s),
                None => {
                    ships.remove(id);
                }
            }
        }
        self.files.write(&path, &Value::Object(ships));
    }
}
