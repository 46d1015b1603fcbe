//! A corporation's ships: bought from the buyer's bank account, each a character of its own
//! (its id the ship's id) that members fly by naming themselves as `actor_character_id`.

use super::{find, update};
use crate::action_log::log_action;
use crate::combat::ids::CombatIds;
use crate::outbox::record_to;
use crate::v2026::tell::tell_status;
use crate::v2026::views::display_name;
use bang_components::api::v2026::Event2026;
use bang_components::api::v2026::corporation::{CorporationShipBought, CorporationShipPurchased};
use bang_components::api::{ApiError, error::ApiResult};
use bang_components::character::{Bank, Position, ShipId, ShipName};
use bang_components::corporation::{Corporation, Corporations};
use bang_components::game_events::GameEvent;
use bang_components::ledger::CreditFlow;
use bang_components::registry::{Registered, Registry};
use bang_components::session::ConnectionId;
use bang_components::ships::ShipStats;
use bang_components::time::GameClock;
use bevy_ecs::prelude::*;

/// What a corporation purchase asks for, beyond the hull.
pub struct Order<'a> {
    pub corp_id: Option<&'a str>,
    pub ship_name: Option<String>,
    pub initial_credits: i64,
    pub trade_in: bool,
}

/// The buyer's corporation, checked: it exists and the buyer is a member.
fn buyers_corporation(world: &World, buyer: &str, order: &Order) -> ApiResult<Entity> {
    let corps = world.resource::<Corporations>();
    let corp_id = order
        .corp_id
        .or_else(|| corps.of(buyer))
        .ok_or_else(|| ApiError::bad_request("Not in a corporation"))?
        .to_string();
    if order.trade_in {
        return Err(ApiError::bad_request(
            "Cannot trade in a corporation-owned ship",
        ));
    }
    let entity = find(world, &corp_id)?;
    if !world
        .get::<Corporation>(entity)
        .expect("corporation")
        .is_member(buyer)
    {
        return Err(ApiError::new(
            403,
            "Not authorized to purchase for this corporation",
        ));
    }
    if order.initial_credits < 0 {
        return Err(ApiError::bad_request(
            "initial_ship_credits must be non-negative",
        ));
    }
    Ok(entity)
}

/// Buys a ship for the buyer's corporation from the buyer's bank: the hull's price and the
/// credits put aboard. The ship starts where the buyer is.
pub fn buy_ship(
    world: &mut World,
    conn: ConnectionId,
    buyer: Entity,
    hull: &'static ShipStats,
    order: Order,
) -> ApiResult<CorporationShipBought> {
    let buyer_id = world
        .get::<bang_components::character::CharacterId>(buyer)
        .expect("id")
        .0
        .clone();
    let corp = buyers_corporation(world, &buyer_id, &order)?;
    let bank = world.get::<Bank>(buyer).map_or(0, |b| b.0);
    let total = hull.price as i64 + order.initial_credits;
    if bank < total {
        return Err(ApiError::bad_request(format!(
            "Insufficient bank balance (need {})",
            bang_components::api::fields::with_commas(total as u64)
        )));
    }
    // The credits put aboard are minted again as the new ship's purse (spawn_character).
    crate::ledger::set_bank(world, buyer, bank - total, CreditFlow::Ships);
    let sector = world.get::<Position>(buyer).expect("position").0;
    let ship_id = commission(world, corp, hull, sector, &order);
    let corp_id = world
        .get::<Corporation>(corp)
        .expect("corporation")
        .corp_id
        .clone();
    let data = serde_json::json!({"corp_id": corp_id, "ship_id": ship_id,
        "ship_type": hull.ship_type, "price": hull.price, "initial_ship_credits": order.initial_credits});
    log_action(
        world,
        "corporation.ship_purchased",
        Some(&buyer_id),
        Some(conn),
        &data,
    );
    tell_status(world, buyer, &buyer_id);
    let purchased = CorporationShipPurchased {
        corp_id: corp_id.clone(),
        ship_id: ship_id.clone(),
        ship_type: hull.ship_type,
        ship_name: order.ship_name,
        purchase_price: hull.price,
        buyer_id: buyer_id.clone(),
        buyer_name: display_name(world, &buyer_id),
        sector,
        timestamp: world.resource::<GameClock>().now(),
    };
    let members = world
        .get::<Corporation>(corp)
        .expect("corporation")
        .member_ids();
    let event = Event2026::CorporationShipPurchased(Box::new(purchased));
    record_to(world, GameEvent::Release2026(event), members);
    Ok(CorporationShipBought {
        success: true,
        corp_id,
        ship_id,
        ship_type: hull.ship_type,
        initial_ship_credits: order.initial_credits,
        bank_after: bank - total,
    })
}

/// A new ship of the corporation: its character (registered under the ship's name) in
/// `sector`, on the corporation's list.
fn commission(
    world: &mut World,
    corp: Entity,
    hull: &'static ShipStats,
    sector: bang_components::universe::SectorId,
    order: &Order,
) -> String {
    let now = world.resource::<GameClock>().now();
    let ship_id = world.resource_mut::<CombatIds>().next_uuid();
    let e = crate::characters::spawn_character(
        world,
        &ship_id,
        hull.ship_type,
        order.initial_credits,
        sector,
        now,
    );
    world
        .entity_mut(e)
        .insert((ShipId(ship_id.clone()), Bank(0)));
    if let Some(name) = &order.ship_name {
        world.entity_mut(e).insert(ShipName(name.clone()));
    }
    let entry = Registered {
        name: order
            .ship_name
            .clone()
            .unwrap_or_else(|| hull.display_name.to_string()),
        created_at: now,
        updated_at: now,
    };
    world.resource_mut::<Registry>().insert(&ship_id, entry);
    update(world, corp, |c| c.ships.push(ship_id.clone()));
    ship_id
}
