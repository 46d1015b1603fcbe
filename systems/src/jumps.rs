//! Where a `move` may go: the checks every dialect's `move` shares.

use crate::combat::query::refuse_in_combat;
use bang_components::api::requests::{IntArg, MoveRequest, given};
use bang_components::api::{ApiError, error::ApiResult};
use bang_components::character::{CharacterIndex, InHyperspace, Position};
use bang_components::universe::{SectorId, UniverseRes};
use bevy_ecs::prelude::*;

/// The checks of a `move`, in the reference's order: who jumps, and where to (an outgoing warp
/// of where it is). The warp power is checked by the jump itself.
pub fn jump_target(world: &World, req: &MoveRequest) -> ApiResult<(Entity, SectorId)> {
    let id =
        given(&req.character_id).ok_or_else(|| ApiError::bad_request("Missing character_id"))?;
    if let Some(c) = world.resource::<CharacterIndex>().get(id) {
        refuse_in_combat(world, c)?;
    }
    let destination = req
        .to_sector
        .or(req.to)
        .ok_or_else(|| ApiError::bad_request("Missing destination sector"))?;
    let to = match destination {
        IntArg::Int(n) if n >= 0 => n,
        _ => return Err(ApiError::unprocessable("Invalid destination sector")),
    };
    let entity = world.resource::<CharacterIndex>().get(id).ok_or_else(|| {
        ApiError::not_found(format!("Character '{id}' not found. Join the game first."))
    })?;
    // Under rules with hyperspace, a ship on its way (sent by either dialect) cannot jump again.
    if world.get::<InHyperspace>(entity).is_some() {
        return Err(ApiError::bad_request(
            "Character is in hyperspace, cannot initiate new move",
        ));
    }
    let universe = world.resource::<UniverseRes>();
    if !universe.contains(to) {
        return Err(ApiError::bad_request(format!("Invalid sector: {to}")));
    }
    let to = to as SectorId;
    let from = world
        .get::<Position>(entity)
        .expect("character has a position")
        .0;
    if !universe.is_adjacent(from, to) {
        return Err(ApiError::bad_request(format!(
            "Sector {to} is not adjacent to current sector {from}"
        )));
    }
    Ok((entity, to))
}
