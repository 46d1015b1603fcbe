//! What a world-data directory of the 2026-01 release adds to an import: ships in `ships.json`
//! (a character's by its `current_ship_id`, and the unowned ones), bank balances, and the
//! registry in `characters.json`.

use super::{ImportError, int};
use crate::store::{Changes, CharacterExtras};
use crate::world::seeds::{ShipRecord, read_ship_records};
use bang_components::character::Ship;
use bang_components::registry::Registered;
use bang_components::ships::ShipCatalog;
use bang_components::time::Timestamp;
use bang_components::universe::Universe;
use bang_components::unowned_ships::UnownedShip;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// The directory's ships, when it has a `ships.json` or a `characters.json` (the release's
/// format, whose ships follow its table).
pub struct Release2026Files {
    ships: HashMap<String, ShipRecord>,
}

impl Release2026Files {
    pub fn read(from: &Path) -> Option<Release2026Files> {
        let is_release = from.join("ships.json").exists() || from.join("characters.json").exists();
        is_release.then(|| Release2026Files {
            ships: read_ship_records(from),
        })
    }

    /// A character's ship and the credits aboard, by the ship id its knowledge names.
    pub fn ship(
        &self,
        ship_id: &str,
        universe: &Universe,
    ) -> Result<(Ship, Option<i64>), ImportError> {
        let record = self
            .ships
            .get(ship_id)
            .ok_or_else(|| ImportError::UnknownShip(ship_id.to_string()))?;
        let ship = record
            .ship(ShipCatalog::Release2026, &universe.commodities)
            .ok_or_else(|| ImportError::UnknownShipType(record.ship_type.clone()))?;
        Ok((ship, record.state.credits))
    }

    /// The ships nobody owns, in id order, in sectors of this universe.
    pub fn unowned(&self, universe: &Universe, changes: &mut Changes, skipped: &mut Vec<String>) {
        let mut ids: Vec<&String> = self.ships.keys().collect();
        ids.sort();
        for id in ids {
            let r = &self.ships[id];
            if r.owner_type.as_deref() != Some("unowned") {
                continue;
            }
            let sector = r.sector.unwrap_or(0);
            let ship = r.ship(ShipCatalog::Release2026, &universe.commodities);
            let Some(ship) = ship.filter(|_| universe.contains(sector as i64)) else {
                skipped.push(format!(
                    "ship {id}: unknown hull or sector outside this universe"
                ));
                continue;
            };
            let parked = UnownedShip {
                ship_id: id.clone(),
                ship,
                name: r.name.clone(),
                sector,
                credits: r.state.credits.unwrap_or(0).max(0),
                became_unowned: r
                    .became_unowned
                    .as_deref()
                    .and_then(Timestamp::parse)
                    .unwrap_or_default(),
                former_owner_name: r.former_owner_name.clone(),
            };
            changes.unowned_ships.push((id.clone(), Some(parked)));
        }
    }
}

/// A character's ship id, bank balance and ship name, for its row.
pub fn extras(files: &Release2026Files, ship_id: &str, bank: Option<&Value>) -> CharacterExtras {
    CharacterExtras {
        ship_id: ship_id.to_string(),
        bank: int(bank).unwrap_or(0).max(0),
        ship_name: files.ships.get(ship_id).and_then(|r| r.name.clone()),
    }
}

/// The registry of `characters.json`: id, display name (the id when none), dates.
pub fn import_registry(from: &Path, changes: &mut Changes, skipped: &mut Vec<String>) {
    let Ok(text) = std::fs::read_to_string(from.join("characters.json")) else {
        return;
    };
    let Ok(doc) = serde_json::from_str::<Value>(&text) else {
        skipped.push("characters.json: not JSON".into());
        return;
    };
    let Some(entries) = doc["characters"].as_object() else {
        return;
    };
    let date = |v: &Value, key: &str| {
        v[key]
            .as_str()
            .and_then(Timestamp::parse)
            .unwrap_or_default()
    };
    for (id, entry) in entries {
        let registered = Registered {
            name: entry["name"].as_str().unwrap_or(id).to_string(),
            created_at: date(entry, "created_at"),
            updated_at: date(entry, "updated_at"),
        };
        changes.registry.push((id.clone(), Some(registered)));
    }
}
