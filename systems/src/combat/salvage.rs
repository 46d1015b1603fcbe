//! Salvage containers: claiming one (`salvage.collect`) and letting them expire on the clock.

use super::views::salvage_view;
use crate::action_log::log_action;
use bang_components::api::Endpoint;
use bang_components::api::combat::{Loot, SalvageCollectRequest, SalvageCollectResult};
use bang_components::api::payloads::Cargo;
use bang_components::api::requests::given;
use bang_components::api::{ApiError, error::ApiResult};
use bang_components::character::{CharacterIndex, Credits, Position, Ship};
use bang_components::combat::{Salvage, SalvageIndex};
use bang_components::economy::Commodity;
use bang_components::ledger::CreditFlow;
use bang_components::session::ConnectionId;
use bang_components::time::GameClock;
use bevy_ecs::prelude::*;
use serde_json::json;

/// Moves what fits into the ship's holds: each commodity in order, then scrap (as equipment).
/// Returns what was taken (credits are added by the caller); `rest` keeps what is left.
fn load_what_fits(ship: &mut Ship, rest: &mut Salvage) -> Loot {
    let mut loot = Loot::default();
    let mut free = (ship.stats().cargo_holds as i64 - ship.cargo_used()).max(0);
    for c in Commodity::ALL {
        let Some(have) = rest.cargo.get_mut(c.wire_name()) else {
            continue;
        };
        let take = (*have).min(free);
        if take > 0 {
            ship.cargo[c.index()] += take;
            *have -= take;
            free -= take;
            loot.cargo.insert(c.wire_name().to_string(), take);
        }
    }
    rest.cargo.retain(|_, v| *v > 0);
    let scrap = rest.scrap.min(free);
    ship.cargo[Commodity::Equipment.index()] += scrap;
    rest.scrap -= scrap;
    loot.scrap = scrap;
    loot
}

/// `salvage.collect`: the claimer must be in the container's sector; it takes what fits in its
/// holds (commodities, then scrap as equipment) and all credits; the rest stays for later.
pub fn collect_salvage(
    world: &mut World,
    conn: ConnectionId,
    req: SalvageCollectRequest,
) -> ApiResult<SalvageCollectResult> {
    let (Some(id), Some(salvage_id)) = (given(&req.character_id), given(&req.salvage_id)) else {
        return Err(ApiError::bad_request("Missing character_id or salvage_id"));
    };
    let character = world
        .resource::<CharacterIndex>()
        .get(id)
        .ok_or_else(|| ApiError::not_found(format!("Character '{id}' not found")))?;
    let now = world.resource::<GameClock>().now();
    let entity = world
        .resource::<SalvageIndex>()
        .by_id
        .get(salvage_id)
        .copied()
        .filter(|e| {
            world
                .get::<Salvage>(*e)
                .is_some_and(|s| !s.claimed && s.expires_at > now)
        })
        .ok_or_else(|| ApiError::not_found("Salvage not available"))?;
    let sector = world.get::<Position>(character).expect("position").0;
    let container = world.get::<Salvage>(entity).expect("salvage").clone();
    if container.sector != sector {
        return Err(ApiError::conflict(format!(
            "Salvage is in sector {}; you are in sector {sector}",
            container.sector
        )));
    }
    let mut rest = container.clone();
    let mut ship = world.get_mut::<Ship>(character).expect("ship");
    let mut loot = load_what_fits(&mut ship, &mut rest);
    loot.credits = std::mem::take(&mut rest.credits);
    let credits = {
        let mut c = world.get_mut::<Credits>(character).expect("credits");
        c.0 += loot.credits;
        c.0
    };
    let emptied = rest.cargo.is_empty() && rest.scrap == 0;
    if emptied {
        rest.claimed = true;
        rest.claimed_by = Some(id.to_string());
        world.entity_mut(entity).despawn();
        world
            .resource_mut::<SalvageIndex>()
            .by_id
            .remove(salvage_id);
    } else {
        *world.get_mut::<Salvage>(entity).expect("salvage") = rest.clone();
    }
    log_action(
        world,
        "salvage.collected",
        Some(id),
        Some(conn),
        &json!({"salvage_id": salvage_id, "cargo": loot.cargo, "scrap": loot.scrap, "credits": loot.credits, "emptied": emptied}),
    );
    let cargo = Cargo::from(world.get::<Ship>(character).expect("ship").cargo);
    Ok(SalvageCollectResult {
        salvage: salvage_view(&rest),
        cargo,
        credits,
        collected: loot,
        remaining: !emptied,
    })
}

/// Removes containers whose time is up (a fixed-clock system, not a scan on every read).
pub fn expire_salvage(world: &mut World) {
    let now = world.resource::<GameClock>().now();
    let mut expired: Vec<(String, Entity)> = world
        .resource::<SalvageIndex>()
        .by_id
        .iter()
        .filter(|(_, e)| {
            world
                .get::<Salvage>(**e)
                .is_some_and(|s| s.expires_at <= now)
        })
        .map(|(id, e)| (id.clone(), *e))
        .collect();
    expired.sort();
    for (id, e) in expired {
        let credits = world.get::<Salvage>(e).map_or(0, |s| s.credits);
        crate::ledger::record(world, CreditFlow::SalvageExpired, -credits);
        world.entity_mut(e).despawn();
        world.resource_mut::<SalvageIndex>().by_id.remove(&id);
    }
}

/// `salvage.collect`: Takes a salvage container's contents.
pub struct Collect;

impl Endpoint for Collect {
    const NAME: &'static str = "salvage.collect";
    const DIALECTS: &'static [bang_components::session::WireDialect] =
        bang_components::api::endpoint::ONLY_2025_10;
    type Request = SalvageCollectRequest;
    type Result = SalvageCollectResult;

    fn acting_for(request: &SalvageCollectRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: SalvageCollectRequest,
    ) -> ApiResult<SalvageCollectResult> {
        collect_salvage(world, conn, request)
    }
}
