//! Who exists: the character registry's changes, and characters that left the World (deleted,
//! or emptied out by a test reset), whose rows go with them.

use super::Changes;
use bang_components::character::CharacterId;
use bang_components::registry::Registry;
use bevy_ecs::prelude::*;
use std::collections::HashMap;

#[derive(bevy_ecs::system::SystemParam)]
pub struct RosterState<'w, 's> {
    registry: Option<ResMut<'w, Registry>>,
    all: Query<'w, 's, (Entity, &'static CharacterId)>,
    removed: RemovedComponents<'w, 's, CharacterId>,
    /// Every character entity's id, so one that is gone can still be named.
    keys: Local<'s, Option<HashMap<Entity, String>>>,
}

impl RosterState<'_, '_> {
    pub fn collect(&mut self, changes: &mut Changes) {
        if let Some(registry) = self.registry.as_mut() {
            // Taking the changed entries is bookkeeping, not a change worth saving again.
            changes
                .registry
                .extend(registry.bypass_change_detection().take_unsaved());
        }
        let all = &self.all;
        let keys = self
            .keys
            .get_or_insert_with(|| all.iter().map(|(e, c)| (e, c.0.clone())).collect());
        let mut gone: Vec<String> = self
            .removed
            .read()
            .filter_map(|e| keys.remove(&e))
            .collect();
        gone.sort();
        changes.removed_characters.extend(gone);
    }

    /// A character the update saved (a new one is among them: its `WorldOrder` was added).
    pub fn saw(&mut self, entity: Entity, id: &str) {
        if let Some(keys) = self.keys.as_mut() {
            keys.entry(entity).or_insert_with(|| id.to_string());
        }
    }
}
