//! World operations shared by the rules that move characters: putting a character in a sector
//! (the occupancy index kept in step), recording the visit, and telling the mover and those
//! present. Imports no rule module.

use crate::outbox::emit_to;
use crate::status::{others_in_sector, sector_contents, status_with_contents};
use bang_components::api::events::{
    CHARACTER_MOVED, CharacterMoved, CharacterMovedObserved, MoveType, Movement,
};
use bang_components::api::payloads::StatusPayload;
use bang_components::character::{
    MapKnowledge, Position, SectorOccupants, Ship, Visit, WorldOrder,
};
use bang_components::time::{GameClock, Timestamp};
use bang_components::universe::SectorId;
use bevy_ecs::prelude::*;

/// Puts a character in another sector, keeping the sector index in step.
pub fn relocate(world: &mut World, entity: Entity, to: SectorId) {
    let from = world
        .get::<Position>(entity)
        .expect("character has a position")
        .0;
    let order = *world
        .get::<WorldOrder>(entity)
        .expect("character has a world order");
    let mut occupants = world.resource_mut::<SectorOccupants>();
    occupants.leave(from, entity);
    occupants.enter(to, order, entity);
    world.entity_mut(entity).insert(Position(to));
}

/// Sends the mover its full `character.moved`, then the redacted form to those present at the
/// destination (`arrive`) and at the origin (`depart`), each only if someone is there.
pub fn announce_move(
    world: &mut World,
    entity: Entity,
    id: &str,
    from: SectorId,
    to: SectorId,
    move_type: MoveType,
    now: Timestamp,
) {
    let moved = CharacterMoved {
        character_id: id.to_string(),
        from_sector: from,
        to_sector: to,
        timestamp: now,
        move_type,
    };
    emit_to(world, CHARACTER_MOVED, &moved, vec![id.to_string()]);
    if from == to {
        return;
    }
    let ship_type = world
        .get::<Ship>(entity)
        .expect("character has a ship")
        .ship_type;
    for (sector, movement) in [(to, Movement::Arrive), (from, Movement::Depart)] {
        let observers = others_in_sector(world, sector, entity);
        if observers.is_empty() {
            continue;
        }
        let seen = CharacterMovedObserved {
            name: id.to_string(),
            ship_type,
            timestamp: now,
            move_type,
            movement,
        };
        emit_to(world, CHARACTER_MOVED, &seen, observers);
    }
}

/// Records a visit to the character's current sector (world.md 4.2) and builds its status from
/// the same view of the sector.
pub fn record_visit_and_status(world: &mut World, entity: Entity) -> StatusPayload {
    let now = world.resource::<GameClock>().now();
    let sector = world
        .get::<Position>(entity)
        .expect("character has a position")
        .0;
    let contents = sector_contents(world, Some(entity), sector);
    let seen = Visit {
        last_visited: now,
        port: contents.port.clone(),
        planets: contents.planets.clone(),
        adjacent: contents.adjacent_sectors.clone(),
    };
    if let Some(mut knowledge) = world.get_mut::<MapKnowledge>(entity) {
        knowledge.record_visit(sector, now, seen);
    }
    status_with_contents(world, entity, contents)
}
