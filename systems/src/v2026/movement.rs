//! `move` and `plot_course` as the 2026-01 dialect has them. Under rules with hyperspace a jump
//! takes time: the ship leaves at once (the warp power is paid, those left behind see it go, and
//! it is counted at its destination but unseen there), arrives when its time is up, and only then
//! is the `move` answered. Without hyperspace it arrives in the same update.

use super::join::{fail, send_local_map};
use super::views::{player_self, sector_view, ship_self, source};
use crate::combat::engage::engage_on_arrival;
use crate::dispatch::{answer, answer_later};
use crate::follow_on::Arrival;
use crate::outbox::record_to;
use crate::world_ops::{announce_seen, record_visit, relocate};
use bang_components::api::endpoint::ONLY_2026_01;
use bang_components::api::events::{MoveType, Movement};
use bang_components::api::payloads::StatusPayload;
use bang_components::api::requests::{MoveRequest, given};
use bang_components::api::v2026::{
    CoursePlot, Event2026, MovementComplete, MovementStart, Success,
};
use bang_components::api::{ApiError, Endpoint, error::ApiResult};
use bang_components::character::{
    CharacterId, CharacterIndex, InHyperspace, LastActive, Position, Ship,
};
use bang_components::game_events::GameEvent;
use bang_components::rules::WorldRules;
use bang_components::session::{ConnectionId, WireDialect};
use bang_components::time::{GameClock, Timestamp};
use bang_components::universe::{SectorId, UniverseRes};
use bevy_ecs::prelude::*;
use serde::Deserialize;

/// Checks a jump (the target checks refuse a ship in hyperspace); the ship, its destination and
/// the warp power it costs.
fn validate(world: &World, req: &MoveRequest) -> ApiResult<(Entity, SectorId, i64)> {
    let (entity, to) = crate::jumps::jump_target(world, req)?;
    let ship = world.get::<Ship>(entity).expect("character has a ship");
    let cost = ship.stats().turns_per_warp as i64;
    if ship.warp_power < cost {
        return Err(ApiError::bad_request(format!(
            "Insufficient warp power. Need {cost} units but only have {}",
            ship.warp_power
        )));
    }
    Ok((entity, to, cost))
}

/// Whether jumps take time in this world (the 2026-01 rules).
pub fn hyperspace_on(world: &World) -> bool {
    world.resource::<WorldRules>().hyperspace_secs_per_turn > 0.0
}

/// The seed's `move` under rules with hyperspace: it leaves as that release's does and is
/// answered with the seed's status on arrival (the value returned now is not sent).
pub fn depart_for_status(world: &mut World, req: MoveRequest) -> ApiResult<StatusPayload> {
    let entity = depart(world, req, true)?;
    Ok(crate::status::status_payload(world, entity))
}

fn depart(world: &mut World, req: MoveRequest, answer_with_status: bool) -> ApiResult<Entity> {
    let (entity, to, cost) = validate(world, &req)?;
    let id = world.get::<CharacterId>(entity).expect("id").0.clone();
    let from = world.get::<Position>(entity).expect("position").0;
    let now = world.resource::<GameClock>().now();
    world.get_mut::<Ship>(entity).expect("ship").warp_power -= cost;
    relocate(world, entity, to);
    world.entity_mut(entity).insert(LastActive(now));
    let secs = cost as f64 * world.resource::<WorldRules>().hyperspace_secs_per_turn;
    let arrives = Timestamp(now.micros() + (secs * 1e6).round() as i64);
    world.entity_mut(entity).insert(InHyperspace {
        from,
        to,
        arrives,
        reply: None,
        answer_with_status,
    });
    announce_seen(
        world,
        entity,
        &id,
        (from, Movement::Depart),
        MoveType::Normal,
        now,
    );
    let start = MovementStart {
        sector: sector_view(world, to, Some(entity), false),
        hyperspace_time: secs,
    };
    record_to(
        world,
        GameEvent::Release2026(Event2026::MovementStart(Box::new(start))),
        vec![id],
    );
    if secs <= 0.0 {
        arrive(world, entity);
        return Ok(entity);
    }
    let pending = answer_later(world);
    if let Some(mut transit) = world.get_mut::<InHyperspace>(entity) {
        transit.reply = pending;
    }
    Ok(entity)
}

/// Ends a jump: the visit, the arrival events, a fight joined or started, and the `move`'s
/// reply if it is still owed.
pub fn arrive(world: &mut World, entity: Entity) {
    let Some(transit) = world.entity_mut(entity).take::<InHyperspace>() else {
        return;
    };
    let id = world.get::<CharacterId>(entity).expect("id").0.clone();
    let now = world.resource::<GameClock>().now();
    world.entity_mut(entity).insert(LastActive(now));
    let first_visit = record_visit(world, entity);
    let complete = MovementComplete {
        player: player_self(world, entity),
        ship: ship_self(world, entity),
        sector: sector_view(world, transit.to, Some(entity), true),
        first_visit,
    };
    let event = Event2026::MovementComplete(Box::new(complete));
    record_to(world, GameEvent::Release2026(event), vec![id.clone()]);
    send_local_map(world, entity, &id);
    engage_on_arrival(world, entity, Arrival::Move);
    crate::combat::engage::run_follow_ons(world);
    announce_seen(
        world,
        entity,
        &id,
        (transit.to, Movement::Arrive),
        MoveType::Normal,
        now,
    );
    match transit.reply {
        Some(pending) if transit.answer_with_status => {
            let status = crate::status::status_payload(world, entity);
            answer(world, pending, Ok(status));
        }
        Some(pending) => answer(world, pending, Ok(Success::YES)),
        None => {}
    }
}

/// Lands every ship whose time in hyperspace is up, in the order they are due.
pub fn complete_due_arrivals(world: &mut World) {
    let now = world.resource::<GameClock>().now();
    let mut due: Vec<(Timestamp, Entity)> = world
        .query::<(Entity, &InHyperspace)>()
        .iter(world)
        .filter(|(_, t)| t.arrives <= now)
        .map(|(e, t)| (t.arrives, e))
        .collect();
    due.sort();
    for (_, entity) in due {
        arrive(world, entity);
    }
}

/// `move` (2026-01): one jump; answered on arrival.
pub struct Move2026;

impl Endpoint for Move2026 {
    // The seed's name (its declaration is `movement::Move`).
    const NAME: &'static str = "move";
    const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
    type Request = MoveRequest;
    type Result = Success;

    fn acting_for(request: &MoveRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(world: &mut World, _conn: ConnectionId, request: MoveRequest) -> ApiResult<Success> {
        depart(world, request, false).map(|_| Success::YES)
    }
}

/// `plot_course` (2026-01): from where the character is.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct PlotCourseRequest2026 {
    pub character_id: Option<String>,
    pub to_sector: Option<i64>,
}

impl bang_components::api::requests::Validate for PlotCourseRequest2026 {
    fn validate(&self) -> Result<(), String> {
        bang_components::api::fields::check_len(
            "character_id",
            &self.character_id,
            bang_components::api::requests::MAX_ID_LEN,
        )
    }
}

fn plot_course(world: &mut World, req: PlotCourseRequest2026) -> ApiResult<Success> {
    let id = given(&req.character_id)
        .ok_or_else(|| ApiError::bad_request("Missing character_id"))?
        .to_string();
    let refuse = |world: &mut World, e: ApiError| Err(fail(world, &id, e));
    let Some(to) = req.to_sector else {
        return refuse(world, ApiError::bad_request("Missing to_sector"));
    };
    let Some(entity) = world.resource::<CharacterIndex>().get(&id) else {
        return refuse(
            world,
            ApiError::not_found(format!("Character not found: {id}")),
        );
    };
    if to < 0 {
        return refuse(world, ApiError::bad_request("Sectors must be non-negative"));
    }
    if !world.resource::<UniverseRes>().contains(to) {
        return refuse(
            world,
            ApiError::bad_request(format!("Invalid to_sector: {to}")),
        );
    }
    let (from, to) = (
        world.get::<Position>(entity).expect("position").0,
        to as SectorId,
    );
    let Some(path) = world.resource::<UniverseRes>().plot_course(from, to) else {
        let e = ApiError::bad_request(format!("No path found from sector {from} to sector {to}"));
        return refuse(world, e);
    };
    let plot = CoursePlot {
        source: source(world),
        from_sector: from,
        to_sector: to,
        distance: path.len() - 1,
        path,
    };
    record_to(
        world,
        GameEvent::Release2026(Event2026::CoursePlot(plot)),
        vec![id],
    );
    Ok(Success::YES)
}

/// `plot_course` (2026-01): the path arrives as a `course.plot` event.
pub struct PlotCourse2026;

impl Endpoint for PlotCourse2026 {
    // The seed's name (its declaration is `movement::PlotCourse`).
    const NAME: &'static str = "plot_course";
    const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
    type Request = PlotCourseRequest2026;
    type Result = Success;

    fn acting_for(request: &PlotCourseRequest2026) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        _conn: ConnectionId,
        request: PlotCourseRequest2026,
    ) -> ApiResult<Success> {
        plot_course(world, request)
    }
}
