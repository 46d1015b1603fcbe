//! Moving between sectors (`move`, teleports) and route planning (`plot_course`).

use crate::combat::engage::engage_on_arrival;
use crate::follow_on::Arrival;
use crate::world_ops::{announce_warp, warp};
use bang_components::api::Endpoint;
use bang_components::api::payloads::{PlotCourseResult, StatusPayload};
use bang_components::api::requests::{MoveRequest, PlotCourseRequest};
use bang_components::api::{ApiError, error::ApiResult};
use bang_components::session::ConnectionId;
use bang_components::universe::{SectorId, UniverseRes};
use bevy_ecs::prelude::*;

/// `move`: one jump along an outgoing warp, paid in warp power.
pub fn move_character(
    world: &mut World,
    conn: ConnectionId,
    req: MoveRequest,
) -> ApiResult<StatusPayload> {
    let (entity, to) = crate::jumps::jump_target(world, &req)?;
    perform_move(world, entity, to, Some(conn))
}

/// Moves a character along a warp it may take (validated by the caller): the warp, then a fight
/// started or joined at the destination, then the mover and the sectors are told. Refuses only if
/// the warp power is gone.
pub fn perform_move(
    world: &mut World,
    entity: Entity,
    to: SectorId,
    conn: Option<ConnectionId>,
) -> ApiResult<StatusPayload> {
    let warped = warp(world, entity, to, conn)?;
    engage_on_arrival(world, entity, Arrival::Move);
    announce_warp(world, entity, &warped);
    Ok(warped.status)
}

/// `plot_course`: the shortest directed path between two sectors of the whole universe.
pub fn plot_course(world: &World, req: PlotCourseRequest) -> ApiResult<PlotCourseResult> {
    let (Some(from), Some(to)) = (req.from_sector, req.to_sector) else {
        return Err(ApiError::bad_request("Missing from_sector or to_sector"));
    };
    if from < 0 || to < 0 {
        return Err(ApiError::unprocessable("Sectors must be non-negative"));
    }
    let universe = world.resource::<UniverseRes>();
    if !universe.contains(from) {
        return Err(ApiError::bad_request(format!(
            "Invalid from_sector: {from}"
        )));
    }
    if !universe.contains(to) {
        return Err(ApiError::bad_request(format!("Invalid to_sector: {to}")));
    }
    let (from, to) = (from as SectorId, to as SectorId);
    let path = universe.plot_course(from, to).ok_or_else(|| {
        ApiError::not_found(format!("No path found from sector {from} to sector {to}"))
    })?;
    Ok(PlotCourseResult {
        from_sector: from,
        to_sector: to,
        distance: path.len() as u32 - 1,
        path,
    })
}

/// `move`: One warp to an adjacent sector.
pub struct Move;

impl Endpoint for Move {
    const NAME: &'static str = "move";
    const DIALECTS: &'static [bang_components::session::WireDialect] =
        bang_components::api::endpoint::ONLY_2025_10;
    type Request = MoveRequest;
    type Result = StatusPayload;

    fn acting_for(request: &MoveRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: MoveRequest,
    ) -> ApiResult<StatusPayload> {
        // Under rules with hyperspace the seed's clients travel like everyone else: the ship
        // leaves now and the status answers on arrival.
        if crate::v2026::movement::hyperspace_on(world) {
            return crate::v2026::movement::depart_for_status(world, request);
        }
        move_character(world, conn, request)
    }
}

/// `plot_course`: The shortest path between two sectors.
pub struct PlotCourse;

impl Endpoint for PlotCourse {
    const NAME: &'static str = "plot_course";
    const DIALECTS: &'static [bang_components::session::WireDialect] =
        bang_components::api::endpoint::ONLY_2025_10;
    type Request = PlotCourseRequest;
    type Result = PlotCourseResult;

    fn handle(
        world: &mut World,
        _conn: ConnectionId,
        request: PlotCourseRequest,
    ) -> ApiResult<PlotCourseResult> {
        plot_course(world, request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::characters::spawn_character;
    use crate::world_ops::relocate;
    use bang_components::api::requests::IntArg;
    use bang_components::character::Ship;
    use bang_components::character::{Position, SectorOccupants};
    use bang_components::ships::ShipType;
    use bang_components::time::Timestamp;

    /// The game's World on a ring 0 → 1 → 2 → 0.
    fn world() -> World {
        crate::harness::world(crate::harness::setup(crate::harness::ring(3)))
    }

    #[test]
    fn relocate_keeps_the_sector_index_in_step() {
        let mut w = world();
        let a = spawn_character(&mut w, "a", ShipType::DEFAULT, 0, 0, Timestamp(1));
        let b = spawn_character(&mut w, "b", ShipType::DEFAULT, 0, 0, Timestamp(1));
        relocate(&mut w, a, 2);
        assert_eq!(w.get::<Position>(a), Some(&Position(2)));
        let occ = w.resource::<SectorOccupants>();
        assert_eq!(occ.in_sector(0).collect::<Vec<_>>(), vec![b]);
        assert_eq!(occ.in_sector(2).collect::<Vec<_>>(), vec![a]);
    }

    #[test]
    fn a_move_spends_warp_power_and_records_the_visit() {
        let mut w = world();
        let a = spawn_character(&mut w, "a", ShipType::SparrowScout, 0, 0, Timestamp(1));
        let req = MoveRequest {
            character_id: Some("a".into()),
            to_sector: Some(IntArg::Int(1)),
            to: None,
        };
        let status = move_character(&mut w, ConnectionId(1), req).unwrap();
        assert_eq!(status.sector, 1);
        // Sparrow: 280 capacity, 2 per jump.
        assert_eq!(w.get::<Ship>(a).unwrap().warp_power, 278);
        let knowledge = w
            .get::<bang_components::character::MapKnowledge>(a)
            .unwrap();
        assert_eq!(knowledge.visited()[&1].adjacent, vec![2]);
        let back = MoveRequest {
            character_id: Some("a".into()),
            to_sector: Some(IntArg::Int(0)),
            to: None,
        };
        let err = move_character(&mut w, ConnectionId(1), back).unwrap_err();
        assert_eq!(err.detail, "Sector 0 is not adjacent to current sector 1");
        assert_eq!(
            w.get::<Ship>(a).unwrap().warp_power,
            278,
            "a refused move costs nothing"
        );
    }
}
