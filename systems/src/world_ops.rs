//! World operations shared by the rules that move characters: a paid warp, putting a character
//! in a sector (the occupancy index kept in step), recording the visit, and telling the mover and
//! those present. Imports no rule module.

use crate::action_log::log_action;
use crate::outbox::record_to;
use crate::status::{sector_contents, status_with_contents};
use bang_components::api::events::{CharacterMoved, CharacterMovedObserved, MoveType, Movement};
use bang_components::api::payloads::{SectorContents, StatusPayload};
use bang_components::api::{ApiError, error::ApiResult};
use bang_components::character::{
    Bank, CharacterId, CharacterIndex, Credits, InHyperspace, LastActive, MapKnowledge, Position,
    SectorOccupants, Ship, Visit, WorldOrder,
};
use bang_components::game_events::GameEvent;
use bang_components::ledger::CreditFlow;
use bang_components::registry::Registry;
use bang_components::session::ConnectionId;
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
    record_to(
        world,
        GameEvent::CharacterMoved(moved),
        vec![id.to_string()],
    );
    if from == to {
        return;
    }
    announce_seen(world, entity, id, (to, Movement::Arrive), move_type, now);
    announce_seen(world, entity, id, (from, Movement::Depart), move_type, now);
}

/// Tells those in `sector` (other than the mover) that it arrived or departed, if anyone is
/// there (a character in hyperspace does not see it).
pub fn announce_seen(
    world: &mut World,
    entity: Entity,
    id: &str,
    (sector, movement): (SectorId, Movement),
    move_type: MoveType,
    now: Timestamp,
) {
    crate::v2026::garrison_watch::tell_garrison_watchers(
        world,
        entity,
        (sector, movement),
        move_type,
    );
    let observers: Vec<String> = world
        .resource::<SectorOccupants>()
        .in_sector(sector)
        .filter(|e| *e != entity && world.get::<InHyperspace>(*e).is_none())
        .filter_map(|e| world.get::<CharacterId>(e).map(|id| id.0.clone()))
        .collect();
    if observers.is_empty() {
        return;
    }
    let ship_type = world
        .get::<Ship>(entity)
        .expect("character has a ship")
        .ship_type;
    let display_name = world
        .get_resource::<Registry>()
        .and_then(|r| r.name_of(id))
        .unwrap_or(id)
        .to_string();
    let seen = CharacterMovedObserved {
        name: id.to_string(),
        ship_type,
        timestamp: now,
        move_type,
        movement,
        display_name,
        sector,
    };
    record_to(world, GameEvent::MoveObserved(seen), observers);
}

/// Records a visit to the character's current sector (world.md 4.2), seen as `contents` show
/// it; whether it was the first.
fn record_seen(world: &mut World, entity: Entity, contents: &SectorContents) -> bool {
    let now = world.resource::<GameClock>().now();
    let sector = world
        .get::<Position>(entity)
        .expect("character has a position")
        .0;
    let seen = Visit {
        last_visited: now,
        port: contents.port.clone(),
        planets: contents.planets.clone(),
        adjacent: contents.adjacent_sectors.clone(),
    };
    let mut knowledge = world
        .get_mut::<MapKnowledge>(entity)
        .expect("character has knowledge");
    let first = knowledge.visit(sector).is_none();
    knowledge.record_visit(sector, now, seen);
    first
}

fn contents_here(world: &World, entity: Entity) -> SectorContents {
    let sector = world
        .get::<Position>(entity)
        .expect("character has a position")
        .0;
    sector_contents(world, Some(entity), sector)
}

/// Records a visit to the character's current sector; whether it was the first.
pub fn record_visit(world: &mut World, entity: Entity) -> bool {
    let contents = contents_here(world, entity);
    record_seen(world, entity, &contents)
}

/// Records a visit to the character's current sector and builds its status from the same view
/// of the sector.
pub fn record_visit_and_status(world: &mut World, entity: Entity) -> StatusPayload {
    let contents = contents_here(world, entity);
    record_seen(world, entity, &contents);
    status_with_contents(world, entity, contents)
}

/// A warp done: what its announcement needs.
pub struct Warped {
    pub id: String,
    pub from: SectorId,
    pub to: SectorId,
    pub at: Timestamp,
    pub status: StatusPayload,
}

/// Moves a character along a warp it may take (validated by the caller): pays the warp power,
/// relocates it, records the visit and logs the move. Refuses only if the warp power is gone.
/// Telling anyone is `announce_warp`, after whatever the arrival sets off.
pub fn warp(
    world: &mut World,
    entity: Entity,
    to: SectorId,
    conn: Option<ConnectionId>,
) -> ApiResult<Warped> {
    let id = world
        .get::<CharacterId>(entity)
        .expect("character id")
        .0
        .clone();
    let from = world
        .get::<Position>(entity)
        .expect("character has a position")
        .0;
    let ship = world.get::<Ship>(entity).expect("character has a ship");
    let cost = ship.stats().turns_per_warp as i64;
    if ship.warp_power < cost {
        return Err(ApiError::bad_request(format!(
            "Insufficient warp power. Need {cost} units but only have {}",
            ship.warp_power
        )));
    }
    let now = world.resource::<GameClock>().now();
    world
        .get_mut::<Ship>(entity)
        .expect("character has a ship")
        .warp_power -= cost;
    relocate(world, entity, to);
    world.entity_mut(entity).insert(LastActive(now));
    let status = record_visit_and_status(world, entity);
    log_action(
        world,
        "movement.moved",
        Some(&id),
        conn,
        &serde_json::json!({"from_sector": from, "to_sector": to, "warp_power_after": status.ship.warp_power}),
    );
    Ok(Warped {
        id,
        from,
        to,
        at: now,
        status,
    })
}

/// Tells the mover its status, and the sectors left and entered, of a warp.
pub fn announce_warp(world: &mut World, entity: Entity, warped: &Warped) {
    let status = GameEvent::StatusChanged(Box::new(warped.status.clone()));
    record_to(world, status, vec![warped.id.clone()]);
    announce_move(
        world,
        entity,
        &warped.id,
        warped.from,
        warped.to,
        MoveType::Normal,
        warped.at,
    );
}

/// Takes a character out of the world map and despawns it (a deletion, a disbanded
/// corporation's ship).
pub fn remove_character(world: &mut World, entity: Entity) {
    let sector = world.get::<Position>(entity).expect("position").0;
    let id = world.get::<CharacterId>(entity).expect("id").0.clone();
    world
        .resource_mut::<SectorOccupants>()
        .leave(sector, entity);
    world.resource_mut::<CharacterIndex>().by_id.remove(&id);
    let held = world.get::<Credits>(entity).map_or(0, |c| c.0)
        + world.get::<Bank>(entity).map_or(0, |b| b.0);
    crate::ledger::record(world, CreditFlow::CharacterRemoved, -held);
    world.despawn(entity);
    disown_character(world, &id);
}

/// A character gone from the game no longer counts as its account's.
pub fn disown_character(world: &mut World, id: &str) {
    use bang_components::account::{Account, Accounts};
    let Some(accounts) = world.get_resource::<Accounts>() else {
        return;
    };
    let Some(owner) = accounts.owner_of(id).and_then(|o| accounts.find(o)) else {
        return;
    };
    if let Some(mut account) = world.get_mut::<Account>(owner) {
        account.characters.remove(id);
    }
    world.resource_mut::<Accounts>().set_owner(id, None);
}

/// A corporation's ship gone (destroyed: no escape pod carries it on; or deleted): its
/// character and registration go and the corporation's list forgets it.
pub fn scrap_corporation_ship(world: &mut World, ship_id: &str) {
    use bang_components::corporation::{Corporations, update};
    let corps = world.resource::<Corporations>();
    let Some(corp) = corps.owning_ship(ship_id).and_then(|c| corps.get(c)) else {
        return;
    };
    update(world, corp, |c| c.ships.retain(|s| s != ship_id));
    if let Some(e) = world.resource::<CharacterIndex>().get(ship_id) {
        remove_character(world, e);
    }
    world.resource_mut::<Registry>().remove(ship_id);
}
