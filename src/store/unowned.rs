//! Finding the unowned ships an update changed, and putting stored ones back.

use super::Changes;
use bang_components::unowned_ships::{UnownedShip, UnownedShips};
use bevy_ecs::prelude::*;
use std::collections::HashMap;

/// Unowned ships the store saves, by change detection: a changed one is written whole, a removed
/// one deleted by the id remembered for its entity.
#[derive(bevy_ecs::system::SystemParam)]
pub struct UnownedShipState<'w, 's> {
    changed: Query<'w, 's, (Entity, &'static UnownedShip), Changed<UnownedShip>>,
    removed: RemovedComponents<'w, 's, UnownedShip>,
    keys: Local<'s, HashMap<Entity, String>>,
}

impl UnownedShipState<'_, '_> {
    pub fn collect(&mut self, changes: &mut Changes) {
        let mut gone: Vec<String> = self
            .removed
            .read()
            .filter_map(|e| self.keys.remove(&e))
            .collect();
        gone.sort();
        changes
            .unowned_ships
            .extend(gone.into_iter().map(|id| (id, None)));
        let mut changed: Vec<(Entity, &UnownedShip)> = self.changed.iter().collect();
        changed.sort_by(|a, b| a.1.ship_id.cmp(&b.1.ship_id));
        for (e, s) in changed {
            self.keys.insert(e, s.ship_id.clone());
            changes
                .unowned_ships
                .push((s.ship_id.clone(), Some(s.clone())));
        }
    }
}

/// Spawns the stored unowned ships (restored ones show as changed once: rewriting them is
/// harmless, and it teaches the collector their ids).
pub fn restore_unowned_ships(world: &mut World, ships: Vec<UnownedShip>) {
    for ship in ships {
        let e = world.spawn(ship.clone()).id();
        world.resource_mut::<UnownedShips>().insert(&ship, e);
    }
}
