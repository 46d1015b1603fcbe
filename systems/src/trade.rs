//! Trading with ports: `check_trade` (a dry run) and `trade`.

use crate::action_log::log_action;
use crate::status::port_snapshot;
use bang_components::api::Endpoint;
use bang_components::api::payloads::{Cargo, CheckTradeResult, Prices, TradeResult};
use bang_components::api::requests::{TradeRequest, given};
use bang_components::api::{ApiError, error::ApiResult};
use bang_components::character::{
    CharacterIndex, Credits, LastActive, MapKnowledge, Position, Ship, TradeVolume,
};
use bang_components::economy::{Commodity, PortSide, PortStates, price};
use bang_components::ledger::CreditFlow;
use bang_components::session::ConnectionId;
use bang_components::time::GameClock;
use bang_components::universe::UniverseRes;
use bevy_ecs::prelude::*;
use serde_json::json;

/// A trade that passed every check.
struct Quote {
    commodity: Commodity,
    side: PortSide,
    quantity: i64,
    price: i64,
    total: i64,
}

/// The checks both endpoints share, up to finding the character (reference order).
fn find_trader(
    world: &World,
    req: &TradeRequest,
) -> ApiResult<(Entity, String, String, i64, String)> {
    let (Some(id), Some(commodity), Some(quantity), Some(trade_type)) = (
        given(&req.character_id),
        given(&req.commodity),
        req.quantity.filter(|q| *q != 0),
        given(&req.trade_type),
    ) else {
        return Err(ApiError::bad_request("Missing required parameters"));
    };
    let entity = world
        .resource::<CharacterIndex>()
        .get(id)
        .ok_or_else(|| ApiError::not_found("Character not found"))?;
    crate::combat::query::refuse_in_combat(world, entity)?;
    Ok((
        entity,
        id.to_string(),
        commodity.to_string(),
        quantity,
        trade_type.to_string(),
    ))
}

/// Every refusal of the trade rules, in the reference's order; `Err` is the refusal text.
fn quote(
    world: &World,
    entity: Entity,
    commodity: &str,
    quantity: i64,
    trade_type: &str,
) -> Result<Quote, String> {
    let sector = world
        .get::<Position>(entity)
        .expect("character has a position")
        .0;
    let port = world
        .resource::<PortStates>()
        .get(sector)
        .ok_or("No port at current location")?;
    let c = world
        .resource::<UniverseRes>()
        .commodities
        .named(commodity)
        .ok_or_else(|| format!("Invalid commodity: {commodity}"))?;
    // The reference sold on any trade_type but "buy"; bang refuses anything but the two words.
    let side = match trade_type {
        "buy" if port.side(c) == PortSide::Sells => PortSide::Sells,
        "buy" => return Err(format!("Port does not sell {commodity}")),
        "sell" if port.side(c) == PortSide::Buys => PortSide::Buys,
        "sell" => return Err(format!("Port does not buy {commodity}")),
        other => {
            return Err(format!(
                "Invalid trade_type: {other} (expected buy or sell)"
            ));
        }
    };
    if quantity <= 0 {
        return Err("Quantity must be positive".into());
    }
    let (stock, cap) = (port.stock[c.index()], port.max_capacity[c.index()]);
    let unit = price(c, side, stock, cap)
        .ok_or_else(|| format!("Port cannot trade {commodity} right now"))?;
    let ship = world.get::<Ship>(entity).expect("character has a ship");
    let credits = world.get::<Credits>(entity).map_or(0, |c| c.0);
    // Saturating: a quantity no hold or port can take must not overflow into a valid price.
    let total = unit.saturating_mul(quantity);
    match side {
        PortSide::Sells => {
            if stock < quantity {
                return Err(format!("Port only has {stock} units of {commodity}"));
            }
            let free = ship.stats().cargo_holds as i64 - ship.cargo_used();
            if free < quantity {
                return Err(format!("Not enough cargo space. Available: {free}"));
            }
            if credits < total {
                return Err(format!(
                    "Insufficient credits. Need {total}, have {credits}"
                ));
            }
        }
        PortSide::Buys => {
            let held = ship.cargo_of(c);
            if held < quantity {
                return Err(format!("Not enough {commodity} to sell. Have {held}"));
            }
            let room = cap - stock;
            if room < quantity {
                return Err(format!("Port can only buy {room} units of {commodity}"));
            }
        }
    }
    Ok(Quote {
        commodity: c,
        side,
        quantity,
        price: unit,
        total,
    })
}

/// `check_trade`: what a trade would cost, or why it would be refused. Nothing changes.
pub fn check_trade(world: &World, req: TradeRequest) -> ApiResult<CheckTradeResult> {
    let (entity, _, commodity, quantity, trade_type) = find_trader(world, &req)?;
    let ship = world.get::<Ship>(entity).expect("character has a ship");
    let mut result = CheckTradeResult {
        can_trade: false,
        price_per_unit: None,
        total_price: None,
        error: None,
        current_credits: world.get::<Credits>(entity).map_or(0, |c| c.0),
        current_cargo: Cargo::from(ship.cargo),
        cargo_capacity: ship.stats().cargo_holds as i64,
        cargo_used: ship.cargo_used(),
    };
    match quote(world, entity, &commodity, quantity, &trade_type) {
        Ok(q) => {
            result.can_trade = true;
            result.price_per_unit = Some(q.price);
            result.total_price = Some(q.total);
        }
        Err(msg) => result.error = Some(msg),
    }
    Ok(result)
}

/// The port's side of a trade: its stock moves; returns its prices after.
fn move_port_stock(
    world: &mut World,
    sector: bang_components::universe::SectorId,
    q: &Quote,
) -> Prices {
    let i = q.commodity.index();
    let mut ports = world.resource_mut::<PortStates>();
    ports
        .update(sector, |port| {
            match q.side {
                PortSide::Sells => port.stock[i] -= q.quantity,
                PortSide::Buys => port.stock[i] += q.quantity,
            }
            let prices = Prices {
                fuel_ore: port.displayed_price(Commodity::FuelOre),
                organics: port.displayed_price(Commodity::Organics),
                equipment: port.displayed_price(Commodity::Equipment),
                warp_power_depot: None,
            };
            (true, prices)
        })
        .expect("quote found a port")
}

/// A trade done: who traded, and the seed's account of it.
pub struct Traded {
    pub character_id: String,
    pub result: TradeResult,
}

/// `trade`: buy from or sell to the port here. A refusal is a 400 with the same text
/// `check_trade` gives (the reference answered them with 500).
pub fn trade(world: &mut World, conn: ConnectionId, req: TradeRequest) -> ApiResult<Traded> {
    let (entity, id, commodity, quantity, trade_type) = find_trader(world, &req)?;
    let q =
        quote(world, entity, &commodity, quantity, &trade_type).map_err(ApiError::bad_request)?;
    let sector = world
        .get::<Position>(entity)
        .expect("character has a position")
        .0;
    let now = world.resource::<GameClock>().now();
    let i = q.commodity.index();
    let credits = {
        let mut credits = world
            .get_mut::<Credits>(entity)
            .expect("character has credits");
        match q.side {
            PortSide::Sells => credits.0 -= q.total,
            PortSide::Buys => credits.0 += q.total,
        }
        credits.0
    };
    let flow = match q.side {
        PortSide::Sells => (CreditFlow::PortPurchases, -q.total),
        PortSide::Buys => (CreditFlow::PortSales, q.total),
    };
    crate::ledger::record(world, flow.0, flow.1);
    let cargo = {
        let mut ship = world.get_mut::<Ship>(entity).expect("character has a ship");
        match q.side {
            PortSide::Sells => ship.cargo[i] += q.quantity,
            PortSide::Buys => ship.cargo[i] -= q.quantity,
        }
        ship.cargo
    };
    let new_prices = move_port_stock(world, sector, &q);
    // The trader sees the port as it is now (the reference kept the pre-trade snapshot).
    let snapshot = port_snapshot(world, sector, now);
    if let Some(mut knowledge) = world.get_mut::<MapKnowledge>(entity) {
        knowledge.see_port(sector, snapshot);
    }
    let volume = world.get::<TradeVolume>(entity).map_or(0, |v| v.0);
    world
        .entity_mut(entity)
        .insert((LastActive(now), TradeVolume(volume + q.total)));
    let trade_type = match q.side {
        PortSide::Sells => "buy",
        PortSide::Buys => "sell",
    };
    log_action(
        world,
        "trade.executed",
        Some(&id),
        Some(conn),
        &json!({
            "sector": sector, "commodity": commodity, "quantity": q.quantity,
            "trade_type": trade_type, "price_per_unit": q.price, "total_price": q.total,
            "credits_after": credits,
        }),
    );
    // No status.update: the reference answers a trade with its reply alone, and the seed-era
    // clients build their trade summary from the status they cached before it.
    let result = TradeResult {
        success: true,
        trade_type: trade_type.into(),
        commodity,
        units: q.quantity,
        price_per_unit: q.price,
        total_price: q.total,
        new_credits: credits,
        new_cargo: Cargo::from(cargo),
        new_prices: (q.side == PortSide::Sells).then_some(new_prices),
    };
    Ok(Traded {
        character_id: id,
        result,
    })
}

/// `check_trade`: A trade's price, without trading.
pub struct CheckTrade;

impl Endpoint for CheckTrade {
    const NAME: &'static str = "check_trade";
    const DIALECTS: &'static [bang_components::session::WireDialect] =
        bang_components::api::endpoint::ONLY_2025_10;
    type Request = TradeRequest;
    type Result = CheckTradeResult;

    fn acting_for(request: &TradeRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        _conn: ConnectionId,
        request: TradeRequest,
    ) -> ApiResult<CheckTradeResult> {
        check_trade(world, request)
    }
}

/// `trade`: Buys from or sells to the sector's port.
pub struct Trade;

impl Endpoint for Trade {
    const NAME: &'static str = "trade";
    const DIALECTS: &'static [bang_components::session::WireDialect] =
        bang_components::api::endpoint::ONLY_2025_10;
    type Request = TradeRequest;
    type Result = TradeResult;

    fn acting_for(request: &TradeRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: TradeRequest,
    ) -> ApiResult<TradeResult> {
        let done = trade(world, conn, request)?;
        // 2026-01 clients in the sector see the port change, whoever traded.
        if crate::v2026::tell::anyone_speaks_2026(world) {
            let e = world.resource::<CharacterIndex>().get(&done.character_id);
            if let Some(sector) = e.and_then(|e| world.get::<Position>(e)).map(|p| p.0) {
                crate::v2026::tell::announce_port(world, sector);
            }
        }
        Ok(done.result)
    }
}
