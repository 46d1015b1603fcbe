//! The garrison endpoints as the 2026-01 release answers them: a bare acknowledgement, the garrison told to its owner as
//! `garrison.deployed` / `garrison.collected` / `garrison.mode_changed`, and each character in the
//! sector sent the sector as it sees it. The rules are the seed's (`combat::garrisons`); that
//! release only added the refusal in hyperspace.

use super::tell::{tell, tell_sector_update, tell_status};
use super::views::{garrison_in, source};
use crate::combat::garrisons;
use bang_components::api::combat::GarrisonRequest;
use bang_components::api::endpoint::ONLY_2026_01;
use bang_components::api::requests::given;
use bang_components::api::v2026::combat::{
    GarrisonCollected, GarrisonDeployed, GarrisonModeChanged,
};
use bang_components::api::v2026::{Event2026, SectorRef, Success};
use bang_components::api::{ApiError, Endpoint, error::ApiResult};
use bang_components::character::{CharacterIndex, InHyperspace};
use bang_components::session::{ConnectionId, WireDialect};
use bevy_ecs::prelude::*;

/// Garrisons are not handled from hyperspace (`doing`: "leave", "collect").
fn refuse_in_transit(world: &World, req: &GarrisonRequest, doing: &str) -> ApiResult<()> {
    let transit = given(&req.character_id)
        .and_then(|id| world.resource::<CharacterIndex>().get(id))
        .is_some_and(|e| world.get::<InHyperspace>(e).is_some());
    if transit {
        return Err(ApiError::bad_request(format!(
            "Character is in hyperspace, cannot {doing} fighters"
        )));
    }
    Ok(())
}

fn deploy(world: &mut World, conn: ConnectionId, req: GarrisonRequest) -> ApiResult<Success> {
    refuse_in_transit(world, &req, "leave")?;
    let done = garrisons::leave_fighters(world, conn, req.clone())?;
    let id = given(&req.character_id).unwrap_or_default().to_string();
    let deployed = GarrisonDeployed {
        source: source(world),
        sector: SectorRef { id: done.sector },
        garrison: garrison_in(world, done.sector, Some(&id)),
        fighters_remaining: done.fighters_remaining,
    };
    tell(world, &id, Event2026::GarrisonDeployed(Box::new(deployed)));
    tell_sector_update(world, done.sector);
    Ok(Success::YES)
}

fn collect(world: &mut World, conn: ConnectionId, req: GarrisonRequest) -> ApiResult<Success> {
    refuse_in_transit(world, &req, "collect")?;
    let done = garrisons::collect_fighters(world, conn, req.clone())?;
    let id = given(&req.character_id).unwrap_or_default().to_string();
    if done.credits_collected > 0
        && let Some(e) = world.resource::<CharacterIndex>().get(&id)
    {
        tell_status(world, e, &id);
    }
    let collected = GarrisonCollected {
        source: source(world),
        sector: SectorRef { id: done.sector },
        credits_collected: done.credits_collected,
        garrison: garrison_in(world, done.sector, Some(&id)),
        fighters_on_ship: done.fighters_on_ship,
    };
    tell(
        world,
        &id,
        Event2026::GarrisonCollected(Box::new(collected)),
    );
    tell_sector_update(world, done.sector);
    Ok(Success::YES)
}

fn set_mode(world: &mut World, conn: ConnectionId, req: GarrisonRequest) -> ApiResult<Success> {
    let done = garrisons::set_garrison_mode(world, conn, req.clone())?;
    let id = given(&req.character_id).unwrap_or_default().to_string();
    let changed = GarrisonModeChanged {
        source: source(world),
        sector: SectorRef { id: done.sector },
        garrison: garrison_in(world, done.sector, Some(&id)),
    };
    tell(
        world,
        &id,
        Event2026::GarrisonModeChanged(Box::new(changed)),
    );
    tell_sector_update(world, done.sector);
    Ok(Success::YES)
}

macro_rules! garrison_endpoint {
    ($name:ident, $wire:literal, $run:ident) => {
        #[doc = concat!("`", $wire, "` (2026-01).")]
        pub struct $name;

        impl Endpoint for $name {
            const NAME: &'static str = $wire;
            const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
            type Request = GarrisonRequest;
            type Result = Success;

            fn acting_for(request: &GarrisonRequest) -> Vec<&Option<String>> {
                vec![&request.character_id]
            }

            fn handle(
                world: &mut World,
                conn: ConnectionId,
                request: GarrisonRequest,
            ) -> ApiResult<Success> {
                $run(world, conn, request)
            }
        }
    };
}

garrison_endpoint!(LeaveFighters2026, "combat.leave_fighters", deploy);
garrison_endpoint!(CollectFighters2026, "combat.collect_fighters", collect);
garrison_endpoint!(SetGarrisonMode2026, "combat.set_garrison_mode", set_mode);
