//! Who may join under rules that require registration (the 2026-01 release's registry): the
//! registry, brought up to date from the seed source first.

use bang_components::api::{ApiError, error::ApiResult};
use bang_components::registry::{Registered, Registry, Seeds};
use bang_components::time::GameClock;
use bevy_ecs::prelude::*;

/// Reads registrations the seed files added since last asked.
pub fn refresh_registry(world: &mut World) {
    let Some(seeds) = world.get_resource::<Seeds>().cloned() else {
        return;
    };
    let now = world.resource::<GameClock>().now();
    let mut registry = world.resource_mut::<Registry>();
    for (id, name) in seeds.0.registrations() {
        let created_at = registry.get(&id).map_or(now, |r| r.created_at);
        let entry = Registered {
            name,
            created_at,
            updated_at: now,
        };
        registry.insert(&id, entry);
    }
}

/// Refuses (404) a character that is not registered, when the rules require registration.
pub fn check_registered(world: &mut World, id: &str) -> ApiResult<()> {
    if !world.resource::<Registry>().required {
        return Ok(());
    }
    refresh_registry(world);
    match world.resource::<Registry>().get(id) {
        Some(_) => Ok(()),
        None => Err(ApiError::not_found("Character is not registered")),
    }
}
