//! `purchase_fighters` (the 2026-01 release's): fighters bought at the sector 0 armory, as many
//! as the hull holds, at a fixed price each.

use super::join::fail;
use super::tell::{tell, tell_status};
use super::views::{player_self, sector_view, ship_self, source};
use crate::action_log::log_action;
use bang_components::api::endpoint::ONLY_2026_01;
use bang_components::api::fields::check_len;
use bang_components::api::requests::{MAX_ID_LEN, Validate, given};
use bang_components::api::v2026::{Event2026, FighterPurchase, Success};
use bang_components::api::{ApiError, Endpoint, error::ApiResult};
use bang_components::character::{
    CharacterIndex, Credits, InHyperspace, LastActive, Position, Ship,
};
use bang_components::ledger::CreditFlow;
use bang_components::session::{ConnectionId, WireDialect};
use bang_components::time::GameClock;
use bevy_ecs::prelude::*;
use serde::Deserialize;

/// Credits per fighter (that release's price).
pub const FIGHTER_PRICE: i64 = 50;
/// Where the armory is.
pub const ARMORY_SECTOR: u32 = 0;

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct PurchaseFightersRequest {
    pub character_id: Option<String>,
    pub units: Option<i64>,
}

impl Validate for PurchaseFightersRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("character_id", &self.character_id, MAX_ID_LEN)
    }
}

fn buy(world: &mut World, conn: ConnectionId, req: PurchaseFightersRequest) -> ApiResult<Success> {
    let (Some(id), Some(units)) = (given(&req.character_id), req.units) else {
        return Err(ApiError::bad_request("Missing character_id or units"));
    };
    if units <= 0 {
        return Err(ApiError::bad_request("units must be a positive integer"));
    }
    let id = id.to_string();
    let refuse = |world: &mut World, e: ApiError| Err(fail(world, &id, e));
    let Some(e) = world.resource::<CharacterIndex>().get(&id) else {
        return Err(ApiError::not_found(format!("Character not found: {id}")));
    };
    if world.get::<InHyperspace>(e).is_some() {
        return refuse(
            world,
            ApiError::bad_request("Cannot purchase fighters while in hyperspace"),
        );
    }
    let sector = world.get::<Position>(e).expect("position").0;
    if sector != ARMORY_SECTOR {
        let text = format!(
            "Fighter armory is only available in sector {ARMORY_SECTOR}. You are in sector {sector}"
        );
        return refuse(world, ApiError::bad_request(text));
    }
    let ship = world.get::<Ship>(e).expect("ship");
    let (before, max) = (ship.fighters, ship.stats().max_fighters as i64);
    if max - before <= 0 {
        return refuse(
            world,
            ApiError::bad_request("Fighter capacity is already at maximum"),
        );
    }
    let bought = units.min(max - before);
    let cost = bought * FIGHTER_PRICE;
    let credits = world.get::<Credits>(e).map_or(0, |c| c.0);
    if credits < cost {
        let text = format!("Insufficient credits. Need {cost} but only have {credits}");
        return refuse(world, ApiError::bad_request(text));
    }
    let now = world.resource::<GameClock>().now();
    world.get_mut::<Ship>(e).expect("ship").fighters += bought;
    world
        .entity_mut(e)
        .insert((Credits(credits - cost), LastActive(now)));
    crate::ledger::record(world, CreditFlow::Fighters, -cost);
    log_action(
        world,
        "fighters.purchased",
        Some(&id),
        Some(conn),
        &serde_json::json!({"units": bought, "total_cost": cost}),
    );
    let purchase = FighterPurchase {
        source: source(world),
        character_id: id.clone(),
        timestamp: now,
        sector: sector_view(world, sector, Some(e), true),
        units: bought,
        price_per_unit: FIGHTER_PRICE,
        total_cost: cost,
        fighters_before: before,
        fighters_after: before + bought,
        max_fighters: max,
        credits_before: credits,
        credits_after: credits - cost,
        ship: ship_self(world, e),
        player: player_self(world, e),
    };
    tell(world, &id, Event2026::FighterPurchase(Box::new(purchase)));
    tell_status(world, e, &id);
    Ok(Success::YES)
}

/// `purchase_fighters` (2026-01).
pub struct PurchaseFighters;

impl Endpoint for PurchaseFighters {
    const NAME: &'static str = "purchase_fighters";
    const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
    type Request = PurchaseFightersRequest;
    type Result = Success;

    fn acting_for(request: &PurchaseFightersRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: PurchaseFightersRequest,
    ) -> ApiResult<Success> {
        buy(world, conn, request)
    }
}
