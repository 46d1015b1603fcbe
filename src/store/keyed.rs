//! State kept as one JSON row per id, written whole when it changes (unowned ships,
//! corporations): finding what an update changed, and putting stored rows back.

use bang_components::account::{Account, Accounts, Login};
use bang_components::corporation::{Corporation, Corporations};
use bang_components::unowned_ships::{UnownedShip, UnownedShips};
use bevy_ecs::prelude::*;
use std::collections::HashMap;

/// A component the store keeps as one row under its id.
pub trait Keyed: Component + Clone {
    fn key(&self) -> &str;
}

impl Keyed for UnownedShip {
    fn key(&self) -> &str {
        &self.ship_id
    }
}

impl Keyed for Corporation {
    fn key(&self) -> &str {
        &self.corp_id
    }
}

impl Keyed for Account {
    fn key(&self) -> &str {
        &self.name
    }
}

impl Keyed for Login {
    fn key(&self) -> &str {
        &self.token_hash
    }
}

/// Change detection for one kind of keyed row: a changed one is written whole, a removed one
/// deleted by the id remembered for its entity.
#[derive(bevy_ecs::system::SystemParam)]
pub struct KeyedState<'w, 's, T: Keyed> {
    changed: Query<'w, 's, (Entity, &'static T), Changed<T>>,
    removed: RemovedComponents<'w, 's, T>,
    keys: Local<'s, HashMap<Entity, String>>,
}

impl<T: Keyed> KeyedState<'_, '_, T> {
    /// This update's rows: deletions first (in id order), then the changed ones (in id order).
    pub fn collect(&mut self, into: &mut Vec<(String, Option<T>)>) {
        let mut gone: Vec<String> = self
            .removed
            .read()
            .filter_map(|e| self.keys.remove(&e))
            .collect();
        gone.sort();
        into.extend(gone.into_iter().map(|id| (id, None)));
        let mut changed: Vec<(Entity, &T)> = self.changed.iter().collect();
        changed.sort_by(|a, b| a.1.key().cmp(b.1.key()));
        for (e, row) in changed {
            self.keys.insert(e, row.key().to_string());
            into.push((row.key().to_string(), Some(row.clone())));
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

/// Spawns and indexes the stored corporations.
pub fn restore_corporations(world: &mut World, corporations: Vec<Corporation>) {
    for corp in corporations {
        let e = world.spawn(corp.clone()).id();
        world.resource_mut::<Corporations>().index(&corp, e);
    }
}

/// Spawns and indexes the stored accounts and logins.
pub fn restore_accounts(world: &mut World, (accounts, logins): super::load::Accounts) {
    for account in accounts {
        let e = world.spawn(account.clone()).id();
        world.resource_mut::<Accounts>().index(&account, e);
    }
    for login in logins {
        let e = world.spawn(login.clone()).id();
        world.resource_mut::<Accounts>().index_login(&login, e);
    }
}
