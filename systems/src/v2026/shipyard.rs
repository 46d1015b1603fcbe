//! `ship.purchase` (the 2026-01 release's): a new hull for a character, the one it flew traded
//! in. The old ship is not destroyed: it stays in the sector, unowned, with its cargo aboard.
//! Buying for a corporation is `corporations::fleet`'s.

use super::tell::{tell, tell_status};
use super::views::display_name;
use crate::action_log::log_action;
use crate::combat::ids::CombatIds;
use crate::combat::query::refuse_in_combat;
use crate::v2026::corporations::fleet::{Order, buy_ship};
use bang_components::api::endpoint::ONLY_2026_01;
use bang_components::api::fields::{check_len, with_commas};
use bang_components::api::requests::{MAX_ID_LEN, MAX_SHORT_TEXT, Validate, given};
use bang_components::api::v2026::{Event2026, ShipBought, ShipPurchased, ShipTradedIn};
use bang_components::api::{ApiError, Endpoint, error::ApiResult};
use bang_components::character::{
    CharacterId, CharacterIndex, Credits, InHyperspace, LastActive, Position, Ship, ShipId,
    ShipName,
};
use bang_components::ledger::CreditFlow;
use bang_components::session::{ConnectionId, WireDialect};
use bang_components::ships::{ShipStats, ShipType};
use bang_components::time::GameClock;
use bang_components::unowned_ships::{UnownedShip, UnownedShips};
use bevy_ecs::prelude::*;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct ShipPurchaseRequest {
    pub character_id: Option<String>,
    /// The hull's exact `ship_type`.
    pub ship_type: Option<String>,
    /// `personal` (the default) or `corporation`.
    pub purchase_type: Option<String>,
    /// Selects a corporation purchase when `purchase_type` is not given.
    pub for_corporation: Option<bool>,
    /// If given, must be the ship the character flies (it is traded in anyway).
    pub trade_in_ship_id: Option<String>,
    /// Who acts; must be `character_id` for a purchase.
    pub actor_character_id: Option<String>,
    /// A name for the new ship (without one, the hull's name shows).
    pub ship_name: Option<String>,
    /// A corporation purchase: which corporation (default: the buyer's).
    pub corp_id: Option<String>,
    /// A corporation purchase: credits put aboard the new ship, from the buyer's bank.
    pub initial_ship_credits: Option<i64>,
}

impl Validate for ShipPurchaseRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("character_id", &self.character_id, MAX_ID_LEN)?;
        check_len("ship_type", &self.ship_type, MAX_SHORT_TEXT)?;
        check_len("purchase_type", &self.purchase_type, MAX_SHORT_TEXT)?;
        check_len("trade_in_ship_id", &self.trade_in_ship_id, MAX_ID_LEN)?;
        check_len("actor_character_id", &self.actor_character_id, MAX_ID_LEN)?;
        bang_components::api::fields::check_name("ship_name", &self.ship_name, MAX_SHORT_TEXT)?;
        check_len("corp_id", &self.corp_id, MAX_ID_LEN)
    }
}

/// The checks every purchase makes; the buyer's entity, the hull, and whether it is bought for
/// a corporation.
fn check(
    world: &World,
    req: &ShipPurchaseRequest,
) -> ApiResult<(Entity, &'static ShipStats, bool)> {
    if req.actor_character_id.is_some() && req.actor_character_id != req.character_id {
        return Err(ApiError::bad_request(
            "actor_character_id must match character_id for ship.purchase",
        ));
    }
    let (Some(id), Some(wanted)) = (given(&req.character_id), given(&req.ship_type)) else {
        return Err(ApiError::bad_request("Missing character_id or ship_type"));
    };
    let corporate = match given(&req.purchase_type) {
        None => req.for_corporation == Some(true),
        Some("personal") => false,
        Some("corporation") => true,
        Some(_) => {
            return Err(ApiError::bad_request(
                "purchase_type must be 'personal' or 'corporation'",
            ));
        }
    };
    let e = world
        .resource::<CharacterIndex>()
        .get(id)
        .ok_or_else(|| ApiError::not_found("Character not found"))?;
    if world.get::<InHyperspace>(e).is_some() {
        return Err(ApiError::bad_request("Cannot purchase ships in hyperspace"));
    }
    refuse_in_combat(world, e)?;
    let catalog = crate::characters::ship_catalog(world);
    let Some(hull) = catalog.hulls().find(|s| s.wire_name == wanted) else {
        return Err(ApiError::bad_request(format!(
            "Unknown ship type: {wanted}"
        )));
    };
    if hull.ship_type == ShipType::EscapePod {
        return Err(ApiError::bad_request("Escape pods are not for sale"));
    }
    if hull.role == "autonomous" && !corporate {
        return Err(ApiError::bad_request(
            "Autonomous ship types may only be purchased for corporations",
        ));
    }
    Ok((e, hull, corporate))
}

/// The price after trading in the ship flown, or why it cannot be paid.
fn price(world: &World, e: Entity, hull: &ShipStats, req: &ShipPurchaseRequest) -> ApiResult<Deal> {
    let old = world.get::<Ship>(e).expect("ship").clone();
    let id = &world.get::<CharacterId>(e).expect("id").0;
    let old_id = world
        .get::<ShipId>(e)
        .map_or_else(|| ShipId::default_for(id), |s| s.0.clone());
    if given(&req.trade_in_ship_id).is_some_and(|t| t != old_id) {
        return Err(ApiError::bad_request(
            "Trade-in ship must match your current ship",
        ));
    }
    let trade_in = old.catalog.trade_in_value(old.ship_type, old.fighters);
    let net = hull.price.saturating_sub(trade_in);
    let credits = world.get::<Credits>(e).map_or(0, |c| c.0);
    if credits < net as i64 {
        return Err(ApiError::bad_request(format!(
            "Insufficient credits (need {})",
            with_commas(net)
        )));
    }
    Ok(Deal {
        old,
        old_id,
        trade_in,
        net,
        credits_after: credits - net as i64,
    })
}

struct Deal {
    old: Ship,
    old_id: String,
    trade_in: u64,
    net: u64,
    credits_after: i64,
}

/// Gives the character a new ship (`new_id`, named `name` if given); the one it flew stays in
/// the sector, unowned, with its name and cargo aboard and its former owner named.
pub fn replace_ship(
    world: &mut World,
    e: Entity,
    ship: Ship,
    new_id: String,
    name: Option<String>,
) {
    let id = world.get::<CharacterId>(e).expect("id").0.clone();
    let old_id = world
        .get::<ShipId>(e)
        .map_or_else(|| ShipId::default_for(&id), |s| s.0.clone());
    let parked = UnownedShip {
        ship_id: old_id,
        ship: world.get::<Ship>(e).expect("ship").clone(),
        name: world.get::<ShipName>(e).map(|n| n.0.clone()),
        sector: world.get::<Position>(e).expect("position").0,
        credits: 0,
        became_unowned: world.resource::<GameClock>().now(),
        former_owner_name: Some(display_name(world, &id)),
    };
    let spawned = world.spawn(parked.clone()).id();
    world
        .resource_mut::<UnownedShips>()
        .insert(&parked, spawned);
    world.entity_mut(e).insert((ship, ShipId(new_id)));
    match name {
        Some(n) => world.entity_mut(e).insert(ShipName(n)),
        None => world.entity_mut(e).remove::<ShipName>(),
    };
}

fn purchase(
    world: &mut World,
    conn: ConnectionId,
    req: ShipPurchaseRequest,
) -> ApiResult<ShipBought> {
    let (e, hull, corporate) = check(world, &req)?;
    if corporate {
        let order = Order {
            corp_id: given(&req.corp_id),
            ship_name: given(&req.ship_name).map(str::to_string),
            initial_credits: req.initial_ship_credits.unwrap_or(0),
            trade_in: given(&req.trade_in_ship_id).is_some(),
        };
        return buy_ship(world, conn, e, hull, order).map(ShipBought::Corporation);
    }
    let id = world.get::<CharacterId>(e).expect("id").0.clone();
    if crate::v2026::corporations::is_corporation_ship(world, &id) {
        return Err(ApiError::bad_request(
            "Cannot trade in a corporation-owned ship",
        ));
    }
    personal(world, conn, e, hull, req).map(ShipBought::Personal)
}

fn personal(
    world: &mut World,
    conn: ConnectionId,
    e: Entity,
    hull: &'static ShipStats,
    req: ShipPurchaseRequest,
) -> ApiResult<ShipPurchased> {
    let deal = price(world, e, hull, &req)?;
    let id = world.get::<CharacterId>(e).expect("id").0.clone();
    let now = world.resource::<GameClock>().now();
    let new_id = world.resource_mut::<CombatIds>().next_id();
    let name = given(&req.ship_name).map(str::to_string);
    replace_ship(
        world,
        e,
        Ship::new(hull.ship_type, deal.old.catalog),
        new_id.clone(),
        name,
    );
    crate::ledger::set_credits(world, e, deal.credits_after, CreditFlow::Ships);
    world.entity_mut(e).insert(LastActive(now));
    log_action(
        world,
        "ship.purchased",
        Some(&id),
        Some(conn),
        &serde_json::json!({"ship_id": new_id, "ship_type": hull.ship_type, "net_cost": deal.net,
            "traded_in": deal.old_id}),
    );
    tell_status(world, e, &id);
    let traded = ShipTradedIn {
        character_id: id.clone(),
        old_ship_id: deal.old_id,
        old_ship_type: deal.old.ship_type,
        new_ship_id: new_id.clone(),
        new_ship_type: hull.ship_type,
        trade_in_value: deal.trade_in,
        price: hull.price,
        net_cost: deal.net,
        timestamp: now,
    };
    tell(world, &id, Event2026::ShipTradedIn(Box::new(traded)));
    Ok(ShipPurchased {
        success: true,
        ship_id: new_id,
        ship_type: hull.ship_type,
        net_cost: deal.net,
        credits_after: deal.credits_after,
    })
}

/// `ship.purchase` (2026-01).
pub struct PurchaseShip;

impl Endpoint for PurchaseShip {
    const NAME: &'static str = "ship.purchase";
    const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
    type Request = ShipPurchaseRequest;
    type Result = ShipBought;

    fn acting_for(request: &ShipPurchaseRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: ShipPurchaseRequest,
    ) -> ApiResult<ShipBought> {
        purchase(world, conn, request)
    }
}
