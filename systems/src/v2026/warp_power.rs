//! `recharge_warp_power` and `transfer_warp_power` as the 2026-01 dialect has them: the seed's
//! rules, a recipient named by display name, refusals as errors (with an `error` event to the
//! character refused), and that release's events.

use super::join::fail;
use super::tell::{tell, tell_status, tell_warp_transfer};
use super::views::{self, source};
use crate::warp_power::{recharge_warp_power, transfer_warp_power};
use bang_components::api::endpoint::ONLY_2026_01;
use bang_components::api::requests::{
    MAX_ID_LEN, RechargeWarpPowerRequest, TransferWarpPowerRequest, Validate, given,
};
use bang_components::api::v2026::{Event2026, SectorRef, Success, WarpPurchased};
use bang_components::api::{ApiError, Endpoint, error::ApiResult};
use bang_components::character::{CharacterId, CharacterIndex, InHyperspace};
use bang_components::economy::WARP_DEPOT_SECTOR;
use bang_components::session::{ConnectionId, WireDialect};
use bang_components::time::GameClock;
use bevy_ecs::prelude::*;
use serde::Deserialize;

fn in_transit(world: &World, id: &str) -> Option<Entity> {
    let e = world.resource::<CharacterIndex>().get(id)?;
    world.get::<InHyperspace>(e).map(|_| e)
}

fn recharge(
    world: &mut World,
    conn: ConnectionId,
    req: RechargeWarpPowerRequest,
) -> ApiResult<Success> {
    if let Some(id) = given(&req.character_id)
        && in_transit(world, id).is_some()
    {
        return Err(ApiError::bad_request(
            "Character is in hyperspace, cannot recharge warp power",
        ));
    }
    let id = given(&req.character_id).unwrap_or_default().to_string();
    let done = recharge_warp_power(world, conn, req)?;
    if !done.success {
        return Err(fail(world, &id, ApiError::bad_request(done.message)));
    }
    let entity = world
        .resource::<CharacterIndex>()
        .get(&id)
        .expect("the buyer exists");
    let bought = WarpPurchased {
        source: source(world),
        character_id: id.clone(),
        sector: SectorRef {
            id: WARP_DEPOT_SECTOR,
        },
        units: done.units_bought,
        price_per_unit: done.price_per_unit,
        total_cost: done.total_cost,
        timestamp: world.resource::<GameClock>().now(),
        new_warp_power: done.new_warp_power,
        warp_power_capacity: done.warp_power_capacity,
        new_credits: done.new_credits,
    };
    tell(world, &id, Event2026::WarpPurchased(Box::new(bought)));
    tell_status(world, entity, &id);
    Ok(Success::YES)
}

/// `recharge_warp_power` (2026-01).
pub struct RechargeWarpPower2026;

impl Endpoint for RechargeWarpPower2026 {
    const NAME: &'static str = crate::warp_power::RechargeWarpPower::NAME;
    const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
    type Request = RechargeWarpPowerRequest;
    type Result = Success;

    fn acting_for(request: &RechargeWarpPowerRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: RechargeWarpPowerRequest,
    ) -> ApiResult<Success> {
        recharge(world, conn, request)
    }
}

/// `transfer_warp_power` (2026-01): the recipient is named by display name, in the sender's
/// sector.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct TransferWarpRequest2026 {
    pub from_character_id: Option<String>,
    pub to_player_name: Option<String>,
    pub units: Option<i64>,
}

impl Validate for TransferWarpRequest2026 {
    fn validate(&self) -> Result<(), String> {
        use bang_components::api::fields::check_len;
        check_len("from_character_id", &self.from_character_id, MAX_ID_LEN)?;
        check_len("to_player_name", &self.to_player_name, MAX_ID_LEN)
    }
}

/// The receiver a transfer names, after the checks that release made before looking.
fn parties(world: &World, req: &TransferWarpRequest2026) -> ApiResult<(Entity, Entity)> {
    let (Some(from), Some(_)) = (given(&req.from_character_id), req.units.filter(|u| *u != 0))
    else {
        return Err(ApiError::bad_request("Missing required parameters"));
    };
    let name = given(&req.to_player_name)
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("transfer_warp_power requires to_player_name"))?;
    let giver = world
        .resource::<CharacterIndex>()
        .get(from)
        .ok_or_else(|| ApiError::not_found(format!("Source character not found: {from}")))?;
    Ok((giver, views::recipient(world, giver, name)?))
}

fn transfer(
    world: &mut World,
    conn: ConnectionId,
    req: TransferWarpRequest2026,
) -> ApiResult<Success> {
    let (giver, receiver) = parties(world, &req)?;
    let from = world.get::<CharacterId>(giver).expect("id").0.clone();
    let to = world.get::<CharacterId>(receiver).expect("id").0.clone();
    if world.get::<InHyperspace>(giver).is_some() {
        return Err(ApiError::bad_request(
            "Sender is in hyperspace, cannot transfer warp power",
        ));
    }
    let seed = TransferWarpPowerRequest {
        from_character_id: Some(from.clone()),
        to_character_id: Some(to.clone()),
        units: req.units,
    };
    let done = transfer_warp_power(world, conn, seed)?;
    if !done.success {
        return Err(fail(world, &from, ApiError::bad_request(done.message)));
    }
    tell_warp_transfer(world, giver, receiver, done.units_transferred);
    Ok(Success::YES)
}

/// `transfer_warp_power` (2026-01).
pub struct TransferWarpPower2026;

impl Endpoint for TransferWarpPower2026 {
    const NAME: &'static str = crate::warp_power::TransferWarpPower::NAME;
    const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
    type Request = TransferWarpRequest2026;
    type Result = Success;

    fn acting_for(request: &TransferWarpRequest2026) -> Vec<&Option<String>> {
        vec![&request.from_character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: TransferWarpRequest2026,
    ) -> ApiResult<Success> {
        transfer(world, conn, request)
    }
}
