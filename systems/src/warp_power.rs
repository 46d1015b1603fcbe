//! Warp power: buying it at the sector-0 depot and giving it to a ship in the same sector.

use crate::action_log::log_action;
use crate::outbox::record_to;
use crate::status::status_payload;
use bang_components::api::Endpoint;
use bang_components::api::events::{WarpPurchase, WarpTransfer};
use bang_components::api::payloads::{RechargeWarpPowerResult, TransferWarpPowerResult};
use bang_components::api::requests::{RechargeWarpPowerRequest, TransferWarpPowerRequest, given};
use bang_components::api::{ApiError, error::ApiResult};
use bang_components::character::{CharacterIndex, Credits, LastActive, Position, Ship};
use bang_components::economy::{WARP_DEPOT_SECTOR, WARP_POWER_PRICE};
use bang_components::game_events::GameEvent;
use bang_components::ledger::CreditFlow;
use bang_components::session::ConnectionId;
use bang_components::time::GameClock;
use bevy_ecs::prelude::*;
use serde_json::json;

fn units_must_be_positive() -> ApiError {
    ApiError::bad_request("Units must be positive")
}

/// The buyer and its sector: a known character at the depot, asking for a positive amount.
fn at_the_depot(
    world: &World,
    id: &str,
    units: i64,
) -> ApiResult<(Entity, bang_components::universe::SectorId)> {
    let entity = world
        .resource::<CharacterIndex>()
        .get(id)
        .ok_or_else(|| ApiError::not_found(format!("Character not found: {id}")))?;
    let sector = world
        .get::<Position>(entity)
        .expect("character has a position")
        .0;
    if sector != WARP_DEPOT_SECTOR {
        return Err(ApiError::bad_request(format!(
            "Warp power depot is only available in sector {WARP_DEPOT_SECTOR}. You are in sector {sector}"
        )));
    }
    // The reference sold warp power back for negative units and "bought" zero.
    if units <= 0 {
        return Err(units_must_be_positive());
    }
    Ok((entity, sector))
}

/// `recharge_warp_power`: buy up to `units` at the depot, as much as the tank holds. A refusal
/// for lack of room or credits is a successful reply with `success: false`, as in the reference.
pub fn recharge_warp_power(
    world: &mut World,
    conn: ConnectionId,
    req: RechargeWarpPowerRequest,
) -> ApiResult<RechargeWarpPowerResult> {
    let (Some(id), Some(units)) = (given(&req.character_id), req.units) else {
        return Err(ApiError::bad_request("Missing character_id or units"));
    };
    let (entity, sector) = at_the_depot(world, id, units)?;
    let ship = world.get::<Ship>(entity).expect("character has a ship");
    let capacity = ship.stats().warp_power_capacity as i64;
    let current = ship.warp_power;
    let credits = world.get::<Credits>(entity).map_or(0, |c| c.0);
    let refusal = |total_cost: i64, message: String| RechargeWarpPowerResult {
        success: false,
        units_bought: 0,
        price_per_unit: WARP_POWER_PRICE,
        total_cost,
        new_warp_power: current,
        warp_power_capacity: capacity,
        new_credits: credits,
        message,
    };
    let room = capacity - current;
    if room <= 0 {
        return Ok(refusal(0, "Warp power is already at maximum".into()));
    }
    let bought = units.min(room);
    let cost = bought * WARP_POWER_PRICE;
    if credits < cost {
        return Ok(refusal(
            cost,
            format!("Insufficient credits. Need {cost} but only have {credits}"),
        ));
    }
    let now = world.resource::<GameClock>().now();
    world.get_mut::<Credits>(entity).expect("credits").0 -= cost;
    crate::ledger::record(world, CreditFlow::WarpPower, -cost);
    world.get_mut::<Ship>(entity).expect("ship").warp_power += bought;
    world.entity_mut(entity).insert(LastActive(now));
    let id = id.to_string();
    log_action(
        world,
        "warp.purchased",
        Some(&id),
        Some(conn),
        &json!({"sector": sector, "units": bought, "price_per_unit": WARP_POWER_PRICE, "total_cost": cost}),
    );
    let purchase = WarpPurchase {
        character_id: id.clone(),
        sector,
        units: bought,
        price_per_unit: WARP_POWER_PRICE,
        total_cost: cost,
        timestamp: now,
    };
    record_to(
        world,
        GameEvent::WarpPowerBought(purchase),
        vec![id.clone()],
    );
    let status = status_payload(world, entity);
    record_to(world, GameEvent::StatusChanged(Box::new(status)), vec![id]);
    Ok(RechargeWarpPowerResult {
        success: true,
        units_bought: bought,
        price_per_unit: WARP_POWER_PRICE,
        total_cost: cost,
        new_warp_power: current + bought,
        warp_power_capacity: capacity,
        new_credits: credits - cost,
        message: format!(
            "Successfully bought {bought} warp power units for {cost} credits at sector {WARP_DEPOT_SECTOR} depot"
        ),
    })
}

/// The giver and receiver of a transfer, and their sector: both exist, share a sector, are not
/// the same ship, and the amount is positive (checked in the seed's order).
fn transfer_parties(
    world: &World,
    from: &str,
    to: &str,
    units: i64,
) -> ApiResult<(Entity, Entity, bang_components::universe::SectorId)> {
    let index = world.resource::<CharacterIndex>();
    let giver = index
        .get(from)
        .ok_or_else(|| ApiError::not_found(format!("Source character not found: {from}")))?;
    let receiver = index
        .get(to)
        .ok_or_else(|| ApiError::not_found(format!("Target character not found: {to}")))?;
    let sector = world.get::<Position>(giver).expect("position").0;
    if world.get::<Position>(receiver).expect("position").0 != sector {
        return Err(ApiError::bad_request(
            "Characters must be in the same sector",
        ));
    }
    if units < 0 {
        return Err(units_must_be_positive());
    }
    if giver == receiver {
        return Err(ApiError::bad_request(
            "Cannot transfer warp power to yourself",
        ));
    }
    Ok((giver, receiver, sector))
}

/// `transfer_warp_power`: move warp power from one ship to another in the same sector, as much
/// as the receiver's tank holds.
pub fn transfer_warp_power(
    world: &mut World,
    conn: ConnectionId,
    req: TransferWarpPowerRequest,
) -> ApiResult<TransferWarpPowerResult> {
    let (Some(from), Some(to), Some(units)) = (
        given(&req.from_character_id),
        given(&req.to_character_id),
        req.units.filter(|u| *u != 0),
    ) else {
        return Err(ApiError::bad_request("Missing required parameters"));
    };
    let (giver, receiver, sector) = transfer_parties(world, from, to, units)?;
    let have = world.get::<Ship>(giver).expect("ship").warp_power;
    let recv_ship = world.get::<Ship>(receiver).expect("ship");
    let recv_have = recv_ship.warp_power;
    let recv_room = recv_ship.stats().warp_power_capacity as i64 - recv_have;
    let refusal = |message: String| TransferWarpPowerResult {
        success: false,
        units_transferred: 0,
        from_warp_power_remaining: have,
        to_warp_power_current: recv_have,
        message,
    };
    if have < units {
        return Ok(refusal(format!(
            "Insufficient warp power. {from} only has {have} units"
        )));
    }
    let moved = units.min(recv_room);
    if moved <= 0 {
        return Ok(refusal(format!("{to}'s warp power is already at maximum")));
    }
    world.get_mut::<Ship>(giver).expect("ship").warp_power -= moved;
    world.get_mut::<Ship>(receiver).expect("ship").warp_power += moved;
    let (from, to) = (from.to_string(), to.to_string());
    let now = world.resource::<GameClock>().now();
    log_action(
        world,
        "warp.transferred",
        Some(&from),
        Some(conn),
        &json!({"to_character_id": to, "sector": sector, "units": moved}),
    );
    let transfer = WarpTransfer {
        from_character_id: from.clone(),
        to_character_id: to.clone(),
        sector,
        units: moved,
        timestamp: now,
    };
    let to_both = vec![from.clone(), to.clone()];
    record_to(world, GameEvent::WarpPowerTransferred(transfer), to_both);
    for (entity, id) in [(giver, &from), (receiver, &to)] {
        let status = status_payload(world, entity);
        record_to(
            world,
            GameEvent::StatusChanged(Box::new(status)),
            vec![id.clone()],
        );
    }
    Ok(TransferWarpPowerResult {
        success: true,
        units_transferred: moved,
        from_warp_power_remaining: have - moved,
        to_warp_power_current: recv_have + moved,
        message: format!("Successfully transferred {moved} warp power units from {from} to {to}"),
    })
}

/// `recharge_warp_power`: Buys warp power at the mega-port.
pub struct RechargeWarpPower;

impl Endpoint for RechargeWarpPower {
    const NAME: &'static str = "recharge_warp_power";
    const DIALECTS: &'static [bang_components::session::WireDialect] =
        bang_components::api::endpoint::ONLY_2025_10;
    type Request = RechargeWarpPowerRequest;
    type Result = RechargeWarpPowerResult;

    fn acting_for(request: &RechargeWarpPowerRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: RechargeWarpPowerRequest,
    ) -> ApiResult<RechargeWarpPowerResult> {
        recharge_warp_power(world, conn, request)
    }
}

/// `transfer_warp_power`: Gives warp power to a character in the same sector.
pub struct TransferWarpPower;

impl Endpoint for TransferWarpPower {
    const NAME: &'static str = "transfer_warp_power";
    const DIALECTS: &'static [bang_components::session::WireDialect] =
        bang_components::api::endpoint::ONLY_2025_10;
    type Request = TransferWarpPowerRequest;
    type Result = TransferWarpPowerResult;

    fn acting_for(request: &TransferWarpPowerRequest) -> Vec<&Option<String>> {
        vec![&request.from_character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: TransferWarpPowerRequest,
    ) -> ApiResult<TransferWarpPowerResult> {
        let parties = (
            request.from_character_id.clone(),
            request.to_character_id.clone(),
        );
        let done = transfer_warp_power(world, conn, request)?;
        // A 2026-01 client on either side is told as that dialect tells a transfer.
        if done.success && crate::v2026::tell::anyone_speaks_2026(world) {
            let index = world.resource::<CharacterIndex>();
            let find = |id: &Option<String>| id.as_deref().and_then(|i| index.get(i));
            if let (Some(giver), Some(receiver)) = (find(&parties.0), find(&parties.1)) {
                let units = done.units_transferred;
                crate::v2026::tell::tell_warp_transfer(world, giver, receiver, units);
            }
        }
        Ok(done)
    }
}
