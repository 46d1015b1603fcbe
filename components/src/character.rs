//! A character is an entity with these components; the indexes find characters by id and by sector.

use crate::api::payloads::PortSnapshot;
use crate::economy::Commodity;
use crate::ships::{ShipCatalog, ShipStats, ShipType};
use crate::time::Timestamp;
use crate::universe::{Planet, SectorId};
use bevy_ecs::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// The character's id, which is also its display name.
#[derive(Component, Debug, Clone, PartialEq, Eq)]
pub struct CharacterId(pub String);

/// The sector the character is in.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position(pub SectorId);

/// The ship a character flies: its hull and current values. Maxima come from the ship table.
#[derive(Component, Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ship {
    pub ship_type: ShipType,
    /// The world's ship table, where this hull's maxima are looked up (a world rule: not stored
    /// with the ship, set from the rules when it is read back).
    #[serde(skip)]
    pub catalog: ShipCatalog,
    /// Units held per commodity, in `Commodity` order.
    pub cargo: [i64; 3],
    pub warp_power: i64,
    pub shields: i64,
    pub fighters: i64,
}

impl Ship {
    /// A fresh hull: full tank, full shields and fighters, empty holds.
    pub fn new(ship_type: ShipType, catalog: ShipCatalog) -> Ship {
        let s = catalog.stats(ship_type);
        Ship {
            ship_type,
            catalog,
            cargo: [0; 3],
            warp_power: s.warp_power_capacity as i64,
            shields: s.max_shields as i64,
            fighters: s.max_fighters as i64,
        }
    }

    pub fn stats(&self) -> &'static ShipStats {
        self.catalog.stats(self.ship_type)
    }

    pub fn cargo_used(&self) -> i64 {
        self.cargo.iter().sum()
    }

    pub fn cargo_of(&self, c: Commodity) -> i64 {
        self.cargo[c.index()]
    }
}

/// Credits on hand.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Credits(pub i64);

/// The id of the ship a character flies (the 2026-01 release gave ships their own ids). A
/// character without one flies `<character id>-ship`.
#[derive(Component, Debug, Clone, PartialEq, Eq)]
pub struct ShipId(pub String);

impl ShipId {
    pub fn default_for(character: &str) -> String {
        format!("{character}-ship")
    }
}

/// The name a character gave the ship it flies (without one, the hull's name shows).
#[derive(Component, Debug, Clone, PartialEq, Eq)]
pub struct ShipName(pub String);

/// Credits a character has paid and received at ports, buying and selling (the leaderboard's
/// trading). Absent until its first trade.
#[derive(Component, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TradeVolume(pub i64);

/// Credits in the bank (the 2026-01 release's), apart from those on hand.
#[derive(Component, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bank(pub i64);

/// Between a `move`'s departure and its arrival (the 2026-01 rules' hyperspace): the character
/// is already counted at its destination but cannot act, and is not seen there yet.
#[derive(Component, Debug, Clone, PartialEq, Eq)]
pub struct InHyperspace {
    pub from: SectorId,
    pub to: SectorId,
    pub arrives: Timestamp,
    /// The `move`'s reply, owed on arrival.
    pub reply: Option<crate::messages::PendingReply>,
    /// The reply is the status (the seed's `move`) rather than a bare acknowledgement.
    pub answer_with_status: bool,
}

/// Credits a new character starts with.
pub const STARTING_CREDITS: i64 = 1000;

/// When the character last did something that counts as activity (join, move, status).
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastActive(pub Timestamp);

/// The order in which characters entered the world map; sector listings follow it.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct WorldOrder(pub u64);

/// What a character saw when it last visited one sector.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    pub last_visited: Timestamp,
    pub port: Option<PortSnapshot>,
    pub planets: Vec<Planet>,
    pub adjacent: Vec<SectorId>,
}

/// Everything a character has learnt of the map. Visits change only through its methods, which
/// remember the sector for the store: there is no list for a rule to forget to push to.
#[derive(Component, Debug, Clone, Default, PartialEq)]
pub struct MapKnowledge {
    visited: BTreeMap<SectorId, Visit>,
    pub first_visit: Option<Timestamp>,
    pub last_update: Option<Timestamp>,
    /// Sectors whose visit changed since the store last took them.
    unsaved: Vec<SectorId>,
}

impl MapKnowledge {
    /// Knowledge as the store kept it: nothing in it is a change to save again.
    pub fn restored(
        visited: BTreeMap<SectorId, Visit>,
        first_visit: Option<Timestamp>,
        last_update: Option<Timestamp>,
    ) -> MapKnowledge {
        MapKnowledge {
            visited,
            first_visit,
            last_update,
            unsaved: Vec::new(),
        }
    }

    /// The same dates without the visits (the character row carries no visits).
    pub fn dates_only(&self) -> MapKnowledge {
        MapKnowledge::restored(BTreeMap::new(), self.first_visit, self.last_update)
    }

    pub fn visited(&self) -> &BTreeMap<SectorId, Visit> {
        &self.visited
    }

    pub fn visit(&self, sector: SectorId) -> Option<&Visit> {
        self.visited.get(&sector)
    }

    /// Records a visit (world.md 4.2): empty new values keep the old ones.
    pub fn record_visit(&mut self, sector: SectorId, now: Timestamp, seen: Visit) {
        let entry = self.visited.entry(sector).or_insert_with(|| Visit {
            last_visited: now,
            port: None,
            planets: Vec::new(),
            adjacent: Vec::new(),
        });
        entry.last_visited = now;
        if seen.port.is_some() {
            entry.port = seen.port;
        }
        if !seen.planets.is_empty() {
            entry.planets = seen.planets;
        }
        if !seen.adjacent.is_empty() {
            entry.adjacent = seen.adjacent;
        }
        self.first_visit.get_or_insert(now);
        self.last_update = Some(now);
        self.mark_unsaved(sector);
    }

    /// What the character now knows of the port in a sector it has visited.
    pub fn see_port(&mut self, sector: SectorId, port: Option<PortSnapshot>) {
        if let Some(visit) = self.visited.get_mut(&sector) {
            visit.port = port;
            self.mark_unsaved(sector);
        }
    }

    /// Adds a visit read from elsewhere (an import), to be saved.
    pub fn insert_visit(&mut self, sector: SectorId, visit: Visit) {
        self.visited.insert(sector, visit);
        self.mark_unsaved(sector);
    }

    /// The sectors whose visits changed since the last call, with those visits.
    pub fn take_unsaved(&mut self) -> Vec<(SectorId, Visit)> {
        let sectors = std::mem::take(&mut self.unsaved);
        sectors
            .into_iter()
            .filter_map(|s| self.visited.get(&s).map(|v| (s, v.clone())))
            .collect()
    }

    fn mark_unsaved(&mut self, sector: SectorId) {
        if !self.unsaved.contains(&sector) {
            self.unsaved.push(sector);
        }
    }
}

/// Finds a character entity by id. Every character in the world map is here.
#[derive(Resource, Debug, Default)]
pub struct CharacterIndex {
    pub by_id: HashMap<String, Entity>,
    pub next_order: u64,
    /// Look-alike key (`names::name_key`) → the id first seen with it.
    keys: HashMap<String, String>,
}

impl CharacterIndex {
    pub fn get(&self, id: &str) -> Option<Entity> {
        self.by_id.get(id).copied()
    }

    /// An existing character other than `id` whose id looks like it.
    pub fn look_alike(&self, id: &str) -> Option<&str> {
        let other = self.keys.get(&crate::names::name_key(id))?;
        (other != id && self.by_id.contains_key(other)).then_some(other.as_str())
    }

    fn remember_key(&mut self, id: &str) {
        let key = crate::names::name_key(id);
        let stale = self
            .keys
            .get(&key)
            .is_none_or(|o| !self.by_id.contains_key(o));
        if stale {
            self.keys.insert(key, id.to_string());
        }
    }

    /// Registers a character entering the world map; returns its world order.
    pub fn insert(&mut self, id: String, entity: Entity) -> WorldOrder {
        self.by_id.insert(id.clone(), entity);
        self.remember_key(&id);
        let order = WorldOrder(self.next_order);
        self.next_order += 1;
        order
    }

    /// Registers a character restored from the store with its saved order.
    pub fn restore(&mut self, id: String, entity: Entity, order: WorldOrder) {
        self.by_id.insert(id.clone(), entity);
        self.remember_key(&id);
        self.next_order = self.next_order.max(order.0 + 1);
    }
}

/// Who is in each sector, in world order. Kept in step with `Position` by the movement rules.
#[derive(Resource, Debug, Default)]
pub struct SectorOccupants {
    map: HashMap<SectorId, Vec<(WorldOrder, Entity)>>,
}

impl SectorOccupants {
    pub fn enter(&mut self, sector: SectorId, order: WorldOrder, entity: Entity) {
        let list = self.map.entry(sector).or_default();
        let at = list.partition_point(|(o, _)| *o < order);
        list.insert(at, (order, entity));
    }

    pub fn leave(&mut self, sector: SectorId, entity: Entity) {
        if let Some(list) = self.map.get_mut(&sector) {
            list.retain(|(_, e)| *e != entity);
            if list.is_empty() {
                self.map.remove(&sector);
            }
        }
    }

    /// Occupants of a sector in world order.
    pub fn in_sector(&self, sector: SectorId) -> impl Iterator<Item = Entity> + '_ {
        self.map
            .get(&sector)
            .into_iter()
            .flat_map(|l| l.iter().map(|(_, e)| *e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn occupants_stay_in_world_order() {
        let mut world = World::new();
        let (a, b, c) = (
            world.spawn_empty().id(),
            world.spawn_empty().id(),
            world.spawn_empty().id(),
        );
        let mut occ = SectorOccupants::default();
        occ.enter(1, WorldOrder(5), a);
        occ.enter(1, WorldOrder(2), b);
        occ.enter(1, WorldOrder(9), c);
        assert_eq!(occ.in_sector(1).collect::<Vec<_>>(), vec![b, a, c]);
        occ.leave(1, a);
        assert_eq!(occ.in_sector(1).collect::<Vec<_>>(), vec![b, c]);
        assert_eq!(occ.in_sector(2).count(), 0);
    }

    #[test]
    fn a_visit_keeps_old_values_when_new_ones_are_empty() {
        let mut k = MapKnowledge::default();
        let t1 = Timestamp(1);
        let t2 = Timestamp(2);
        k.record_visit(
            3,
            t1,
            Visit {
                last_visited: t1,
                port: None,
                planets: vec![],
                adjacent: vec![1, 2],
            },
        );
        k.record_visit(
            3,
            t2,
            Visit {
                last_visited: t2,
                port: None,
                planets: vec![],
                adjacent: vec![],
            },
        );
        let v = &k.visited()[&3];
        assert_eq!(v.adjacent, vec![1, 2]);
        assert_eq!(v.last_visited, t2);
        assert_eq!(k.first_visit, Some(t1));
        assert_eq!(k.last_update, Some(t2));
        assert_eq!(
            k.take_unsaved()
                .into_iter()
                .map(|(s, _)| s)
                .collect::<Vec<_>>(),
            vec![3]
        );
    }
}
