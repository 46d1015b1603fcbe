//! Garrisons: the endpoints that deploy, collect and re-mode them (what they do in a fight is
//! `garrison_actions`).

use super::encounters::Present;
use super::engage::start_or_join;
use super::query::{active_in_sector, announce_garrisons, garrison_of};
use super::views::garrison_view;
use crate::action_log::log_action;
use bang_components::api::Endpoint;
use bang_components::api::combat::{
    CollectFightersResult, GarrisonRequest, LeaveFightersResult, SetGarrisonModeResult,
};
use bang_components::api::endpoint::ONLY_2025_10;
use bang_components::api::requests::given;
use bang_components::api::{ApiError, error::ApiResult};
use bang_components::character::{
    CharacterId, CharacterIndex, Credits, Position, SectorOccupants, Ship,
};
use bang_components::combat::{Encounter, Garrison, GarrisonIndex, GarrisonMode};
use bang_components::session::{ConnectionId, WireDialect};
use bang_components::time::GameClock;
use bang_components::universe::SectorId;
use bevy_ecs::prelude::*;
use serde_json::json;

/// Largest toll a garrison may demand.
pub const MAX_TOLL: i64 = 1_000_000_000;

fn find_character(world: &World, id: &str) -> ApiResult<Entity> {
    world
        .resource::<CharacterIndex>()
        .get(id)
        .ok_or_else(|| ApiError::not_found(format!("Character '{id}' not found")))
}

/// Garrison changes are refused while the character or its garrison fights in that sector.
fn refuse_during_fight(world: &World, sector: SectorId, owner: &str) -> ApiResult<()> {
    let Some(enc) = active_in_sector(world, sector) else {
        return Ok(());
    };
    let e = world.get::<Encounter>(enc).expect("encounter");
    if e.participants.iter().any(|p| p.owner == owner) {
        let mut err =
            ApiError::conflict("Garrisons cannot be changed during a fight in this sector");
        err.combat_id = Some(e.combat_id.clone());
        err.deadline = Some(e.deadline.to_wire());
        return Err(err.with_code("in_combat"));
    }
    Ok(())
}

fn parse_mode(req: &GarrisonRequest, required: bool) -> ApiResult<GarrisonMode> {
    match req.mode.as_deref() {
        None if required => Err(ApiError::bad_request("Missing mode")),
        None => Ok(GarrisonMode::Offensive),
        Some(m) => {
            GarrisonMode::parse(m).ok_or_else(|| ApiError::bad_request("Invalid garrison mode"))
        }
    }
}

fn toll_for(mode: GarrisonMode, req: &GarrisonRequest) -> ApiResult<i64> {
    let toll = if mode == GarrisonMode::Toll {
        req.toll_amount.unwrap_or(0).max(0)
    } else {
        0
    };
    if toll > MAX_TOLL {
        return Err(ApiError::unprocessable(format!(
            "toll_amount must be at most {MAX_TOLL}"
        )));
    }
    Ok(toll)
}

fn required(req: &GarrisonRequest) -> ApiResult<(String, SectorId)> {
    match (given(&req.character_id), req.sector) {
        (Some(id), Some(sector)) if sector >= 0 && sector <= u32::MAX as i64 => {
            Ok((id.to_string(), sector as SectorId))
        }
        (Some(_), Some(_)) => Err(ApiError::bad_request("Character not in requested sector")),
        _ => Err(ApiError::bad_request("Missing character_id or sector")),
    }
}

/// Adds fighters to the owner's garrison in the sector (taking the new mode and toll), or
/// stations a new one.
fn station(
    world: &mut World,
    owner: &str,
    sector: SectorId,
    quantity: i64,
    (mode, toll): (GarrisonMode, i64),
    now: bang_components::time::Timestamp,
) -> Entity {
    if let Some(g) = garrison_of(world, sector, owner) {
        let mut garrison = world.get_mut::<Garrison>(g).expect("garrison");
        garrison.fighters += quantity;
        garrison.mode = mode;
        garrison.toll_amount = toll;
        return g;
    }
    let g = world
        .spawn(Garrison {
            sector,
            owner: owner.to_string(),
            fighters: quantity,
            mode,
            toll_amount: toll,
            toll_balance: 0,
            deployed_at: now,
        })
        .id();
    world
        .resource_mut::<GarrisonIndex>()
        .by_sector
        .insert(sector, g);
    g
}

/// `combat.leave_fighters`: station fighters from the ship in the current sector.
pub fn leave_fighters(
    world: &mut World,
    conn: ConnectionId,
    req: GarrisonRequest,
) -> ApiResult<LeaveFightersResult> {
    let (id, sector) = required(&req)?;
    let quantity = req
        .quantity
        .filter(|q| *q > 0)
        .ok_or_else(|| ApiError::bad_request("Quantity must be positive"))?;
    let mode = parse_mode(&req, false)?;
    let toll = toll_for(mode, &req)?;
    let entity = find_character(world, &id)?;
    if world.get::<Position>(entity).expect("position").0 != sector {
        return Err(ApiError::conflict("Character not in requested sector"));
    }
    refuse_during_fight(world, sector, &id)?;
    if let Some(g) = world.resource::<GarrisonIndex>().by_sector.get(&sector)
        && world.get::<Garrison>(*g).is_some_and(|g| g.owner != id)
    {
        return Err(ApiError::conflict(
            "Sector already contains another player's garrison; clear it before deploying your fighters.",
        ));
    }
    if world.get::<Ship>(entity).expect("ship").fighters < quantity {
        return Err(ApiError::bad_request("Insufficient fighters to deploy"));
    }
    let now = world.resource::<GameClock>().now();
    world.get_mut::<Ship>(entity).expect("ship").fighters -= quantity;
    world
        .resource_mut::<bang_components::combat::CombatStats>()
        .garrison_deployments += 1;
    let g = station(world, &id, sector, quantity, (mode, toll), now);
    log_action(
        world,
        "combat.garrison_deployed",
        Some(&id),
        Some(conn),
        &json!({"sector": sector, "quantity": quantity, "mode": super::views::mode_name(mode), "toll_amount": toll}),
    );
    let view = garrison_view(world.get::<Garrison>(g).expect("garrison"), None);
    let remaining = world.get::<Ship>(entity).expect("ship").fighters;
    announce_garrisons(world, sector, vec![id.clone()]);
    if mode == GarrisonMode::Offensive {
        // Only someone online who is not the owner is a target: an offline player is not
        // dragged into a fight it cannot answer.
        let sessions = world.resource::<bang_components::session::Sessions>();
        let others_here = world
            .resource::<SectorOccupants>()
            .in_sector(sector)
            .any(|e| {
                world
                    .get::<CharacterId>(e)
                    .is_some_and(|c| c.0 != id && sessions.is_online(&c.0))
            });
        if others_here
            && let Err(e) = start_or_join(
                world,
                sector,
                Some(entity),
                vec![g],
                Present::Online,
                "garrison_deploy_auto",
            )
        {
            tracing::debug!(detail = %e.detail, "deploy did not start a fight");
        }
    }
    Ok(LeaveFightersResult {
        sector,
        garrison: view,
        fighters_remaining: remaining,
    })
}

/// `combat.collect_fighters`: take fighters back onto the ship (and the toll bank with them).
pub fn collect_fighters(
    world: &mut World,
    conn: ConnectionId,
    req: GarrisonRequest,
) -> ApiResult<CollectFightersResult> {
    let (id, sector) = required(&req)?;
    let quantity = req
        .quantity
        .filter(|q| *q > 0)
        .ok_or_else(|| ApiError::bad_request("Quantity must be positive"))?;
    let entity = find_character(world, &id)?;
    if world.get::<Position>(entity).expect("position").0 != sector {
        return Err(ApiError::conflict("Character not in requested sector"));
    }
    refuse_during_fight(world, sector, &id)?;
    // A corporation's members may collect one another's fighters.
    let g = world
        .resource::<GarrisonIndex>()
        .by_sector
        .get(&sector)
        .copied()
        .filter(|g| {
            world
                .get::<Garrison>(*g)
                .is_some_and(|g| bang_components::corporation::allied(world, &g.owner, &id))
        })
        .ok_or_else(|| ApiError::not_found("No garrison found for character in this sector"))?;
    let stationed = world.get::<Garrison>(g).expect("garrison").fighters;
    if quantity > stationed {
        return Err(ApiError::bad_request(
            "Cannot collect more fighters than stationed",
        ));
    }
    let ship = world.get::<Ship>(entity).expect("ship");
    let room = ship.stats().max_fighters as i64 - ship.fighters;
    if quantity > room {
        // The reference destroyed the excess silently.
        return Err(ApiError::bad_request(format!(
            "Your ship can carry only {} more fighters",
            room.max(0)
        )));
    }
    let bank = {
        let mut garrison = world.get_mut::<Garrison>(g).expect("garrison");
        garrison.fighters -= quantity;
        std::mem::take(&mut garrison.toll_balance)
    };
    world.get_mut::<Ship>(entity).expect("ship").fighters += quantity;
    if bank > 0 {
        world.get_mut::<Credits>(entity).expect("credits").0 += bank;
    }
    let left = world.get::<Garrison>(g).expect("garrison").fighters;
    let view = if left == 0 {
        world.entity_mut(g).despawn();
        world
            .resource_mut::<GarrisonIndex>()
            .by_sector
            .remove(&sector);
        None
    } else {
        Some(garrison_view(
            world.get::<Garrison>(g).expect("garrison"),
            None,
        ))
    };
    log_action(
        world,
        "combat.garrison_collected",
        Some(&id),
        Some(conn),
        &json!({"sector": sector, "quantity": quantity, "credits_collected": bank}),
    );
    announce_garrisons(world, sector, vec![id.clone()]);
    Ok(CollectFightersResult {
        sector,
        credits_collected: bank,
        garrison: view,
        fighters_on_ship: world.get::<Ship>(entity).expect("ship").fighters,
    })
}

/// `combat.set_garrison_mode`: change a garrison's mode and toll. The toll bank is kept (the
/// reference zeroed it when leaving toll mode) and paid out at the next collect.
pub fn set_garrison_mode(
    world: &mut World,
    conn: ConnectionId,
    req: GarrisonRequest,
) -> ApiResult<SetGarrisonModeResult> {
    let (id, sector) = required(&req)?;
    let mode = parse_mode(&req, true)?;
    let toll = toll_for(mode, &req)?;
    find_character(world, &id)?;
    refuse_during_fight(world, sector, &id)?;
    let g = garrison_of(world, sector, &id)
        .ok_or_else(|| ApiError::not_found("No garrison found for character in this sector"))?;
    {
        let mut garrison = world.get_mut::<Garrison>(g).expect("garrison");
        garrison.mode = mode;
        garrison.toll_amount = toll;
    }
    log_action(
        world,
        "combat.garrison_mode_set",
        Some(&id),
        Some(conn),
        &json!({"sector": sector, "mode": super::views::mode_name(mode), "toll_amount": toll}),
    );
    let view = garrison_view(world.get::<Garrison>(g).expect("garrison"), None);
    announce_garrisons(world, sector, vec![id]);
    Ok(SetGarrisonModeResult {
        sector,
        garrison: view,
    })
}

/// `combat.leave_fighters`: Leaves fighters in the sector as a garrison.
pub struct LeaveFighters;

impl Endpoint for LeaveFighters {
    const NAME: &'static str = "combat.leave_fighters";
    const DIALECTS: &'static [WireDialect] = ONLY_2025_10;
    type Request = GarrisonRequest;
    type Result = LeaveFightersResult;

    fn acting_for(request: &GarrisonRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: GarrisonRequest,
    ) -> ApiResult<LeaveFightersResult> {
        leave_fighters(world, conn, request)
    }
}

/// `combat.collect_fighters`: Takes fighters back from the character's garrison.
pub struct CollectFighters;

impl Endpoint for CollectFighters {
    const NAME: &'static str = "combat.collect_fighters";
    const DIALECTS: &'static [WireDialect] = ONLY_2025_10;
    type Request = GarrisonRequest;
    type Result = CollectFightersResult;

    fn acting_for(request: &GarrisonRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: GarrisonRequest,
    ) -> ApiResult<CollectFightersResult> {
        collect_fighters(world, conn, request)
    }
}

/// `combat.set_garrison_mode`: Changes the garrison's mode (and toll).
pub struct SetGarrisonMode;

impl Endpoint for SetGarrisonMode {
    const NAME: &'static str = "combat.set_garrison_mode";
    const DIALECTS: &'static [WireDialect] = ONLY_2025_10;
    type Request = GarrisonRequest;
    type Result = SetGarrisonModeResult;

    fn acting_for(request: &GarrisonRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: GarrisonRequest,
    ) -> ApiResult<SetGarrisonModeResult> {
        set_garrison_mode(world, conn, request)
    }
}
