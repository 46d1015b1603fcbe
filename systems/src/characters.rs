//! Entering the world (`join`) and looking at oneself (`my_status`).

use crate::action_log::log_action;
use crate::outbox::{record, record_to};
use crate::status::status_payload;
use crate::world_ops::{announce_move, record_visit_and_status, relocate};
use bang_components::api::Endpoint;
use bang_components::api::events::{CharacterJoined, MoveType};
use bang_components::api::payloads::StatusPayload;
use bang_components::api::requests::{CharacterRequest, JoinRequest, given};
use bang_components::api::{ApiError, error::ApiResult};
use bang_components::character::{
    CharacterId, CharacterIndex, Credits, LastActive, MapKnowledge, Position, STARTING_CREDITS,
    SectorOccupants, Ship,
};
use bang_components::game_events::GameEvent;
use bang_components::ledger::CreditFlow;
use bang_components::messages::Audience;
use bang_components::rules::WorldRules;
use bang_components::session::{ConnectionId, MAX_BINDINGS_PER_CONNECTION, Sessions};
use bang_components::ships::{ShipCatalog, ShipType};
use bang_components::time::{GameClock, Timestamp};
use bang_components::universe::{SectorId, UniverseRes};
use bevy_ecs::prelude::*;

/// Largest credit balance `join` may set: far above any economy, far below overflow.
pub const MAX_CREDITS: i64 = 1_000_000_000_000;

fn too_many_bindings() -> ApiError {
    ApiError::new(
        429,
        format!("Too many characters bound to this connection (max {MAX_BINDINGS_PER_CONNECTION})"),
    )
}

/// Whether this connection may join the character (`accounts::authority::check_join`), with
/// the state-setting fields the request gives.
pub(crate) fn check_join(
    world: &mut World,
    conn: ConnectionId,
    id: &str,
    req: &JoinRequest,
) -> ApiResult<crate::accounts::authority::JoinGrant> {
    let mut fields = Vec::new();
    if req.credits.is_some() {
        fields.push("credits");
    }
    if req.sector.is_some() {
        fields.push("sector");
    }
    // A new character's hull: the best ship in the table for nothing.
    if given(&req.ship_type).is_some() {
        fields.push("ship_type");
    }
    crate::accounts::authority::check_join(world, conn, id, req.token.as_deref(), &fields)
}

/// Binds a character joined on this connection (before its events are emitted, so the joiner
/// receives its own `status.update`; the reference bound only after, losing them). Where
/// joining is restricted, the join takes the character from every other connection, and from
/// connections that bound its name before it existed.
pub(crate) fn bind_joiner(world: &mut World, conn: ConnectionId, id: &str) -> ApiResult<()> {
    if crate::accounts::authority::joining_restricted(world) {
        crate::accounts::ending::end_other_sessions(world, id, conn);
        world.resource_mut::<Sessions>().release_strays(id, conn);
    }
    world
        .resource_mut::<Sessions>()
        .control(conn, id)
        .map_err(|_| too_many_bindings())
}

/// `join`: create a character (default ship, optional hull, credits and start sector) or bring
/// back a known one (optionally teleporting it), then report its status.
pub fn join(world: &mut World, conn: ConnectionId, req: JoinRequest) -> ApiResult<StatusPayload> {
    let id = given(&req.character_id)
        .ok_or_else(|| ApiError::unprocessable("Invalid or missing character_id"))?
        .to_string();
    crate::registration::check_registered(world, &id)?;
    let actor = crate::dispatch::current_actor(world);
    crate::ownership::authorize_actor(world, conn, &id, actor.as_deref())?;
    let grant = check_join(world, conn, &id, &req)?;
    if let Some(credits) = req.credits
        && !(0..=MAX_CREDITS).contains(&credits)
    {
        return Err(ApiError::unprocessable(format!(
            "credits must be between 0 and {MAX_CREDITS}"
        )));
    }
    let now = world.resource::<GameClock>().now();
    let existing = world.resource::<CharacterIndex>().get(&id);
    let entity = match existing {
        None => create_character(world, conn, &id, &req, now)?,
        Some(entity) => return_character(world, conn, entity, &id, &req, now)?,
    };
    if existing.is_none() {
        crate::accounts::authority::claim(world, &grant, &id);
    }
    let status = record_visit_and_status(world, entity);
    crate::combat::engage::engage_on_arrival(world, entity, crate::follow_on::Arrival::Join);
    log_action(
        world,
        "character.joined",
        Some(&id),
        Some(conn),
        &serde_json::json!({
            "new": existing.is_none(), "sector": status.sector,
            "ship_type": status.ship.ship_type, "credits": status.ship.credits,
        }),
    );
    let changed = GameEvent::StatusChanged(Box::new(status.clone()));
    record_to(world, changed, vec![id]);
    Ok(status)
}

/// `join` of a new character: its hull, credits and start sector, then `character.joined` to it
/// and those in its sector. The reference told every connection (leaking every id, and
/// O(players²) frames as players join).
pub(crate) fn create_character(
    world: &mut World,
    conn: ConnectionId,
    id: &str,
    req: &JoinRequest,
    now: Timestamp,
) -> ApiResult<Entity> {
    let start = req.sector.unwrap_or(0);
    if !world.resource::<UniverseRes>().contains(start) {
        return Err(ApiError::bad_request(format!("Invalid sector: {start}")));
    }
    let ship_type = match given(&req.ship_type) {
        None => ShipType::DEFAULT,
        Some(name) => ship_catalog(world)
            .parse_requested(name)
            .ok_or_else(|| ApiError::bad_request(format!("Invalid ship type: {name}")))?,
    };
    bind_joiner(world, conn, id)?;
    let credits = req.credits.unwrap_or(STARTING_CREDITS);
    let entity = spawn_character(world, id, ship_type, credits, start as SectorId, now);
    let joined = CharacterJoined {
        character_id: id.to_string(),
        sector: start as SectorId,
        timestamp: now,
    };
    let mut to = vec![id.to_string()];
    to.extend(crate::status::others_in_sector(
        world,
        start as SectorId,
        entity,
    ));
    record(
        world,
        GameEvent::CharacterJoined(joined),
        Audience::Characters(to),
    );
    Ok(entity)
}

/// `join` of a known character: its credits set if asked, and a teleport if a sector is given
/// (not while it fights: that would leave the fight behind, as the reference let it).
pub(crate) fn return_character(
    world: &mut World,
    conn: ConnectionId,
    entity: Entity,
    id: &str,
    req: &JoinRequest,
    now: Timestamp,
) -> ApiResult<Entity> {
    // Validate before any side effect (the reference updated activity first).
    if let Some(sector) = req.sector
        && !world.resource::<UniverseRes>().contains(sector)
    {
        return Err(ApiError::bad_request(format!("Invalid sector: {sector}")));
    }
    let from = world
        .get::<Position>(entity)
        .expect("character has a position")
        .0;
    if req.sector.is_some_and(|s| s as SectorId != from) {
        crate::combat::query::refuse_in_combat(world, entity)?;
    }
    bind_joiner(world, conn, id)?;
    world.entity_mut(entity).insert(LastActive(now));
    if let Some(credits) = req.credits {
        crate::ledger::set_credits(world, entity, credits, CreditFlow::Granted);
    }
    if let Some(to) = req.sector.map(|s| s as SectorId)
        && to != from
    {
        relocate(world, entity, to);
        announce_move(world, entity, id, from, to, MoveType::Teleport, now);
    }
    Ok(entity)
}

/// The world's ship table (the seed's in a World without rules).
pub fn ship_catalog(world: &World) -> ShipCatalog {
    world
        .get_resource::<WorldRules>()
        .map_or_else(ShipCatalog::default, |r| r.ship_catalog)
}

/// Creates a character in the world map.
pub fn spawn_character(
    world: &mut World,
    id: &str,
    ship_type: ShipType,
    credits: i64,
    sector: SectorId,
    now: bang_components::time::Timestamp,
) -> Entity {
    let entity = world
        .spawn((
            CharacterId(id.to_string()),
            Position(sector),
            Ship::new(ship_type, ship_catalog(world)),
            Credits(credits),
            LastActive(now),
            MapKnowledge::default(),
        ))
        .id();
    crate::ledger::record(world, CreditFlow::StartingCredits, credits);
    let order = world
        .resource_mut::<CharacterIndex>()
        .insert(id.to_string(), entity);
    world.entity_mut(entity).insert(order);
    world
        .resource_mut::<SectorOccupants>()
        .enter(sector, order, entity);
    entity
}

/// `my_status`: the character's status (without `character_id`); binds the character's events
/// to the asking connection, as the reference does.
pub fn my_status(
    world: &mut World,
    conn: ConnectionId,
    req: CharacterRequest,
) -> ApiResult<StatusPayload> {
    let id =
        given(&req.character_id).ok_or_else(|| ApiError::bad_request("Missing character_id"))?;
    let entity = world
        .resource::<CharacterIndex>()
        .get(id)
        .ok_or_else(|| ApiError::not_found(format!("Character '{id}' not found")))?;
    {
        let mut sessions = world.resource_mut::<Sessions>();
        sessions.track(conn, id).map_err(|_| too_many_bindings())?;
        sessions
            .add_name(conn, id)
            .map_err(|_| too_many_bindings())?;
    }
    let now = world.resource::<GameClock>().now();
    world.entity_mut(entity).insert(LastActive(now));
    let mut status = status_payload(world, entity);
    status.character_id = None;
    Ok(status)
}

/// `join`: Creates or loads a character and places it in the world.
pub struct Join;

impl Endpoint for Join {
    const NAME: &'static str = "join";
    const DIALECTS: &'static [bang_components::session::WireDialect] =
        bang_components::api::endpoint::ONLY_2025_10;
    type Request = JoinRequest;
    type Result = StatusPayload;

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: JoinRequest,
    ) -> ApiResult<StatusPayload> {
        join(world, conn, request)
    }
}

/// `my_status`: The character's status.
pub struct MyStatus;

impl Endpoint for MyStatus {
    const NAME: &'static str = "my_status";
    const DIALECTS: &'static [bang_components::session::WireDialect] =
        bang_components::api::endpoint::ONLY_2025_10;
    type Request = CharacterRequest;
    type Result = StatusPayload;

    fn acting_for(request: &CharacterRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: CharacterRequest,
    ) -> ApiResult<StatusPayload> {
        my_status(world, conn, request)
    }
}
