//! `join` and `my_status` as the 2026-01 dialect has them: registration required when the rules
//! say so, a character the World does not have yet seeded from the world-data files, and the
//! status (and local map) sent as events before a bare acknowledgement.

use super::views::{map_region, source, status};
use crate::action_log::log_action;
use crate::characters::{bind_joiner, create_character, return_character, spawn_character};
use crate::outbox::record_to;
use bang_components::api::endpoint::ONLY_2026_01;
use bang_components::api::requests::{CharacterRequest, JoinRequest, given};
use bang_components::api::v2026::{ErrorEvent, Event2026, Success};
use bang_components::api::{ApiError, Endpoint, error::ApiResult};
use bang_components::character::{
    Bank, CharacterIndex, InHyperspace, LastActive, MapKnowledge, Position, Ship, ShipId, ShipName,
    Visit,
};
use bang_components::game_events::GameEvent;
use bang_components::ledger::CreditFlow;
use bang_components::registry::{SeededCharacter, Seeds};
use bang_components::session::{ConnectionId, Sessions};
use bang_components::time::GameClock;
use bang_components::universe::UniverseRes;
use bevy_ecs::prelude::*;

/// How far the map sent on joining and arriving reaches.
pub const ARRIVAL_MAP_HOPS: u32 = 4;
pub const ARRIVAL_MAP_SECTORS: usize = 28;

/// Sends the character an `error` event naming the refusal, then returns it (the 2026-01
/// dialect tells the character before the error reply).
pub fn fail(world: &mut World, id: &str, error: ApiError) -> ApiError {
    let event = ErrorEvent {
        source: source(world),
        endpoint: world
            .resource::<bang_components::messages::CurrentRequest>()
            .0
            .as_ref()
            .map_or("unknown", |c| c.endpoint)
            .to_string(),
        error: error.detail.clone(),
    };
    record_to(
        world,
        GameEvent::Release2026(Event2026::Error(event)),
        vec![id.to_string()],
    );
    error
}

/// Sends a character its status as a snapshot answering the request.
pub fn send_snapshot(world: &mut World, entity: Entity, id: &str) {
    let snapshot = status(world, entity, Some(source(world)));
    record_to(
        world,
        GameEvent::Release2026(Event2026::StatusSnapshot(Box::new(snapshot))),
        vec![id.to_string()],
    );
}

/// Sends a character the map around where it is (on joining and arriving).
pub fn send_local_map(world: &mut World, entity: Entity, id: &str) {
    let at = world
        .get::<Position>(entity)
        .expect("character has a position")
        .0;
    let map = map_region(world, entity, at, ARRIVAL_MAP_HOPS, ARRIVAL_MAP_SECTORS);
    record_to(
        world,
        GameEvent::Release2026(Event2026::MapLocal(Box::new(map))),
        vec![id.to_string()],
    );
}

/// Refuses a seed that puts the character outside the universe.
fn check_seeded_sector(world: &World, seeded: &SeededCharacter) -> ApiResult<()> {
    if !world
        .resource::<UniverseRes>()
        .contains(seeded.sector as i64)
    {
        return Err(ApiError::bad_request(format!(
            "Invalid sector: {}",
            seeded.sector
        )));
    }
    Ok(())
}

/// Puts the files' ship, money and visits on the character (visits it already has stay).
fn apply_seed(world: &mut World, entity: Entity, seeded: SeededCharacter) {
    let id = world
        .get::<bang_components::character::CharacterId>(entity)
        .expect("id")
        .0
        .clone();
    let ship_id = seeded.ship_id.unwrap_or_else(|| ShipId::default_for(&id));
    crate::ledger::set_credits(world, entity, seeded.credits, CreditFlow::Granted);
    crate::ledger::set_bank(world, entity, seeded.bank, CreditFlow::Granted);
    world
        .entity_mut(entity)
        .insert((seeded.ship, ShipId(ship_id)));
    match seeded.ship_name {
        Some(name) => world.entity_mut(entity).insert(ShipName(name)),
        None => world.entity_mut(entity).remove::<ShipName>(),
    };
    let now = world.resource::<GameClock>().now();
    let mut knowledge = world.get_mut::<MapKnowledge>(entity).expect("knowledge");
    for (sector, adjacent) in seeded.visited {
        if knowledge.visit(sector).is_none() {
            let visit = Visit {
                last_visited: now,
                port: None,
                planets: Vec::new(),
                adjacent,
            };
            knowledge.record_visit(sector, now, visit);
        }
    }
}

/// A character the World does not have, from its seed files: its ship, money, sector and the
/// sectors it has visited.
pub fn spawn_seeded(world: &mut World, id: &str, seeded: SeededCharacter) -> ApiResult<Entity> {
    check_seeded_sector(world, &seeded)?;
    let now = world.resource::<GameClock>().now();
    let ship_type = seeded.ship.ship_type;
    let entity = spawn_character(world, id, ship_type, seeded.credits, seeded.sector, now);
    apply_seed(world, entity, seeded);
    Ok(entity)
}

/// A character the World has, brought in line with its files changed while the server runs (as
/// that release's operators and tests edit them): sector, ship, money and visits. Not while it
/// fights or is in hyperspace: then the World's state stands.
fn reseed(world: &mut World, entity: Entity, seeded: SeededCharacter) -> ApiResult<()> {
    let busy = world.get::<InHyperspace>(entity).is_some()
        || crate::combat::query::fight_of(world, entity).is_some();
    if busy {
        return Ok(());
    }
    check_seeded_sector(world, &seeded)?;
    if world.get::<Position>(entity).expect("position").0 != seeded.sector {
        crate::world_ops::relocate(world, entity, seeded.sector);
    }
    apply_seed(world, entity, seeded);
    Ok(())
}

fn join(world: &mut World, conn: ConnectionId, req: JoinRequest) -> ApiResult<Success> {
    let id = given(&req.character_id)
        .ok_or_else(|| ApiError::unprocessable("Invalid or missing character_id"))?
        .to_string();
    crate::registration::check_registered(world, &id)?;
    let actor = crate::dispatch::current_actor(world);
    crate::ownership::authorize_actor(world, conn, &id, actor.as_deref())?;
    let grant = crate::characters::check_join(world, conn, &id, &req)?;
    if let Some(credits) = req.credits
        && !(0..=crate::characters::MAX_CREDITS).contains(&credits)
    {
        return Err(ApiError::unprocessable(format!(
            "credits must be between 0 and {}",
            crate::characters::MAX_CREDITS
        )));
    }
    let now = world.resource::<GameClock>().now();
    let existing = world.resource::<CharacterIndex>().get(&id);
    let seeded = world
        .get_resource::<Seeds>()
        .cloned()
        .and_then(|s| s.0.character(&id, existing.is_some()));
    let entity = match (existing, seeded) {
        (Some(entity), seeded) => {
            if let Some(seeded) = seeded {
                reseed(world, entity, seeded)?;
            }
            // Joining again ends a jump under way: it lands at the next tick, and its `move` is
            // answered then (dropping the transit would leave that request unanswered).
            if let Some(mut transit) = world.get_mut::<InHyperspace>(entity) {
                transit.arrives = transit.arrives.min(now);
            }
            return_character(world, conn, entity, &id, &req, now)?
        }
        (None, Some(seeded)) => {
            bind_joiner(world, conn, &id)?;
            let entity = spawn_seeded(world, &id, seeded)?;
            if let Some(credits) = req.credits {
                crate::ledger::set_credits(world, entity, credits, CreditFlow::Granted);
            }
            entity
        }
        (None, None) => {
            let entity = create_character(world, conn, &id, &req, now)?;
            let ship_id = ShipId(ShipId::default_for(&id));
            world.entity_mut(entity).insert((ship_id, Bank(0)));
            entity
        }
    };
    if existing.is_none() {
        crate::accounts::authority::claim(world, &grant, &id);
    }
    crate::world_ops::record_visit(world, entity);
    send_snapshot(world, entity, &id);
    send_local_map(world, entity, &id);
    // After the status and map, as that release orders them: a fight here is told last.
    crate::combat::engage::engage_on_arrival(world, entity, crate::follow_on::Arrival::Join);
    let sector = world.get::<Position>(entity).expect("position").0;
    let ship = world.get::<Ship>(entity).expect("ship").ship_type;
    log_action(
        world,
        "character.joined",
        Some(&id),
        Some(conn),
        &serde_json::json!({"new": existing.is_none(), "sector": sector, "ship_type": ship}),
    );
    Ok(Success::YES)
}

/// `join` (2026-01): enter the world; the status and local map follow as events.
pub struct Join2026;

impl Endpoint for Join2026 {
    const NAME: &'static str = crate::characters::Join::NAME;
    const DIALECTS: &'static [bang_components::session::WireDialect] = ONLY_2026_01;
    type Request = JoinRequest;
    type Result = Success;

    fn handle(world: &mut World, conn: ConnectionId, request: JoinRequest) -> ApiResult<Success> {
        join(world, conn, request)
    }
}

fn my_status(world: &mut World, conn: ConnectionId, req: CharacterRequest) -> ApiResult<Success> {
    let id =
        given(&req.character_id).ok_or_else(|| ApiError::bad_request("Missing character_id"))?;
    let id = id.to_string();
    let Some(entity) = world.resource::<CharacterIndex>().get(&id) else {
        let error = ApiError::not_found(format!("Character '{id}' not found"));
        return Err(fail(world, &id, error));
    };
    let _ = world.resource_mut::<Sessions>().track(conn, &id);
    if world.get::<InHyperspace>(entity).is_some() {
        let error = ApiError::new(
            409,
            "Character is in hyperspace, status unavailable until arrival",
        );
        return Err(fail(world, &id, error));
    }
    let now = world.resource::<GameClock>().now();
    world.entity_mut(entity).insert(LastActive(now));
    send_snapshot(world, entity, &id);
    Ok(Success::YES)
}

/// `my_status` (2026-01): the status, as a `status.snapshot` event.
pub struct MyStatus2026;

impl Endpoint for MyStatus2026 {
    const NAME: &'static str = crate::characters::MyStatus::NAME;
    const DIALECTS: &'static [bang_components::session::WireDialect] = ONLY_2026_01;
    type Request = CharacterRequest;
    type Result = Success;

    fn acting_for(request: &CharacterRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: CharacterRequest,
    ) -> ApiResult<Success> {
        my_status(world, conn, request)
    }
}
