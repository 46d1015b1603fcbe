//! `trade` as the 2026-01 dialect has it: the seed's trade rule, refused in hyperspace, told as
//! `trade.executed` to the trader, `status.update`, and `port.update` to everyone in the sector,
//! then a bare acknowledgement.

use super::tell::{announce_port, tell, tell_status};
use super::views::{player_self, port_view, ship_self, source};
use bang_components::api::endpoint::ONLY_2026_01;
use bang_components::api::requests::{TradeRequest, given};
use bang_components::api::v2026::{Event2026, Success, TradeDetails, TradeExecuted};
use bang_components::api::{ApiError, Endpoint, error::ApiResult};
use bang_components::character::{CharacterIndex, InHyperspace, Position, Ship};
use bang_components::session::{ConnectionId, WireDialect};
use bang_components::universe::UniverseRes;
use bevy_ecs::prelude::*;

fn trade(world: &mut World, conn: ConnectionId, req: TradeRequest) -> ApiResult<Success> {
    if let Some(id) = given(&req.character_id)
        && let Some(e) = world.resource::<CharacterIndex>().get(id)
        && world.get::<InHyperspace>(e).is_some()
    {
        return Err(ApiError::bad_request(
            "Character is in hyperspace, cannot trade",
        ));
    }
    let done = crate::trade::trade(world, conn, req)?;
    let id = done.character_id.clone();
    let entity = world
        .resource::<CharacterIndex>()
        .get(&id)
        .expect("the trader exists");
    let sector = world.get::<Position>(entity).expect("position").0;
    let ship = world.get::<Ship>(entity).expect("ship").cargo;
    let names = world.resource::<UniverseRes>().commodities.clone();
    let port = port_view(world, sector, true);
    let details = TradeDetails {
        trade_type: done.result.trade_type.clone(),
        commodity: done.result.commodity.clone(),
        units: done.result.units,
        price_per_unit: done.result.price_per_unit,
        total_price: done.result.total_price,
        new_credits: done.result.new_credits,
        new_cargo: bang_components::economy::Commodity::ALL
            .into_iter()
            .map(|c| (names.name(c).to_string(), ship[c.index()]))
            .collect(),
        new_prices: port.map(|p| p.prices).unwrap_or_default(),
    };
    let executed = TradeExecuted {
        source: source(world),
        player: player_self(world, entity),
        ship: ship_self(world, entity),
        trade: details,
    };
    tell(world, &id, Event2026::TradeExecuted(Box::new(executed)));
    tell_status(world, entity, &id);
    announce_port(world, sector);
    Ok(Success::YES)
}

/// `trade` (2026-01).
pub struct Trade2026;

impl Endpoint for Trade2026 {
    const NAME: &'static str = crate::trade::Trade::NAME;
    const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
    type Request = TradeRequest;
    type Result = Success;

    fn acting_for(request: &TradeRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(world: &mut World, conn: ConnectionId, request: TradeRequest) -> ApiResult<Success> {
        trade(world, conn, request)
    }
}
