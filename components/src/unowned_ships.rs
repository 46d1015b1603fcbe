//! Ships nobody flies (the 2026-01 release's unowned ships: a hull traded in stays where it was,
//! its cargo aboard). Each is an entity of its own, found by id and by sector.

use crate::character::Ship;
use crate::time::Timestamp;
use crate::universe::SectorId;
use bevy_ecs::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// A ship without an owner.
#[derive(Component, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnownedShip {
    pub ship_id: String,
    pub ship: Ship,
    /// The name its last owner gave it (none: the hull's name).
    pub name: Option<String>,
    pub sector: SectorId,
    pub credits: i64,
    pub became_unowned: Timestamp,
    pub former_owner_name: Option<String>,
}

/// Unowned ships by id and by sector (sector views list them in id order).
#[derive(Resource, Debug, Default)]
pub struct UnownedShips {
    by_id: HashMap<String, Entity>,
    by_sector: BTreeMap<SectorId, BTreeMap<String, Entity>>,
}

impl UnownedShips {
    pub fn insert(&mut self, ship: &UnownedShip, entity: Entity) {
        self.by_id.insert(ship.ship_id.clone(), entity);
        self.by_sector
            .entry(ship.sector)
            .or_default()
            .insert(ship.ship_id.clone(), entity);
    }

    pub fn get(&self, ship_id: &str) -> Option<Entity> {
        self.by_id.get(ship_id).copied()
    }

    /// The sector's unowned ships, in id order.
    pub fn in_sector(&self, sector: SectorId) -> impl Iterator<Item = Entity> + '_ {
        self.by_sector
            .get(&sector)
            .into_iter()
            .flat_map(|ships| ships.values().copied())
    }

    /// Every unowned ship's entity (for a reset).
    pub fn drain(&mut self) -> Vec<Entity> {
        self.by_sector.clear();
        self.by_id.drain().map(|(_, e)| e).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ships::{ShipCatalog, ShipType};

    fn parked(id: &str, sector: SectorId) -> UnownedShip {
        UnownedShip {
            ship_id: id.into(),
            ship: Ship::new(ShipType::DEFAULT, ShipCatalog::Release2026),
            name: None,
            sector,
            credits: 0,
            became_unowned: Timestamp(1),
            former_owner_name: Some("Ada".into()),
        }
    }

    #[test]
    fn ships_are_listed_by_sector_in_id_order() {
        let mut world = World::new();
        let mut index = UnownedShips::default();
        for (id, sector) in [("b", 3), ("a", 3), ("c", 4)] {
            let ship = parked(id, sector);
            let e = world.spawn(ship.clone()).id();
            index.insert(&ship, e);
        }
        let ids: Vec<String> = index
            .in_sector(3)
            .map(|e| world.get::<UnownedShip>(e).unwrap().ship_id.clone())
            .collect();
        assert_eq!(ids, ["a", "b"]);
        assert!(index.get("c").is_some());
        assert_eq!(index.in_sector(5).count(), 0);
        assert_eq!(index.drain().len(), 3);
        assert_eq!(index.in_sector(3).count(), 0);
    }

    #[test]
    fn a_stored_ship_reads_back_the_same_but_for_its_table() {
        let ship = parked("x", 1);
        let text = serde_json::to_string(&ship).unwrap();
        let mut back: UnownedShip = serde_json::from_str(&text).unwrap();
        assert_eq!(back.ship.catalog, ShipCatalog::Seed);
        back.ship.catalog = ShipCatalog::Release2026;
        assert_eq!(back, ship);
    }
}
