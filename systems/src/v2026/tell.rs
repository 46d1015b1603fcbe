//! Sending the 2026-01 dialect's own events: to one character, its status, and to everyone in a
//! sector who can see it. One place, so every endpoint tells alike.

use super::views::{sector_view, status};
use crate::outbox::record_to;
use bang_components::api::v2026::Event2026;
use bang_components::api::v2026::SectorUpdate;
use bang_components::character::CharacterIndex;
use bang_components::character::{CharacterId, InHyperspace, SectorOccupants};
use bang_components::game_events::GameEvent;
use bang_components::universe::SectorId;
use bevy_ecs::prelude::*;

/// Sends one of that release's events to a character.
pub fn tell(world: &mut World, to: &str, event: Event2026) {
    record_to(world, GameEvent::Release2026(event), vec![to.to_string()]);
}

/// Sends a character its `status.update`.
pub fn tell_status(world: &mut World, entity: Entity, id: &str) {
    let update = status(world, entity, None);
    tell(world, id, Event2026::StatusUpdate(Box::new(update)));
}

/// The characters in a sector who see what happens there (not those in transit).
pub fn present_in(world: &World, sector: SectorId) -> Vec<String> {
    world
        .resource::<SectorOccupants>()
        .in_sector(sector)
        .filter(|e| world.get::<InHyperspace>(*e).is_none())
        .filter_map(|e| world.get::<CharacterId>(e).map(|c| c.0.clone()))
        .collect()
}

/// Sends an event to everyone who sees the sector, if anyone does.
pub fn tell_sector(world: &mut World, sector: SectorId, event: Event2026) {
    let to = present_in(world, sector);
    if !to.is_empty() {
        record_to(world, GameEvent::Release2026(event), to);
    }
}

/// Tells everyone who sees a sector what is in it now, each as they see it (`sector.update`).
pub fn tell_sector_update(world: &mut World, sector: SectorId) {
    for id in present_in(world, sector) {
        let viewer = world.resource::<CharacterIndex>().get(&id);
        let view = SectorUpdate(sector_view(world, sector, viewer, true));
        tell(world, &id, Event2026::SectorUpdate(Box::new(view)));
    }
}
