//! What a character sees: sector contents, the ship block, the status payload. Read-only helpers
//! shared by every rule that answers with a status or sends a `status.update`.

use bang_components::api::payloads::{
    Cargo, DepotPrice, OtherPlayer, PortSnapshot, Prices, SectorContents, ShipStatus, StatusPayload,
};
use bang_components::character::{
    CharacterId, Credits, LastActive, Position, SectorOccupants, Ship,
};
use bang_components::economy::{
    Commodity, PortStates, WARP_DEPOT_NOTE, WARP_DEPOT_SECTOR, WARP_POWER_PRICE,
};
use bang_components::session::Sessions;
use bang_components::time::{GameClock, Timestamp};
use bang_components::universe::{SectorId, UniverseRes};
use bevy_ecs::prelude::*;

/// The port of a sector as a visitor sees it now, if there is one.
pub fn port_snapshot(world: &World, sector: SectorId, now: Timestamp) -> Option<PortSnapshot> {
    let port = world.resource::<PortStates>().get(sector)?;
    let prices = Prices {
        fuel_ore: port.displayed_price(Commodity::FuelOre),
        organics: port.displayed_price(Commodity::Organics),
        equipment: port.displayed_price(Commodity::Equipment),
        warp_power_depot: (sector == WARP_DEPOT_SECTOR).then(|| DepotPrice {
            price_per_unit: WARP_POWER_PRICE,
            note: WARP_DEPOT_NOTE.to_string(),
        }),
    };
    Some(PortSnapshot {
        class: Some(port.class),
        class_num: Some(port.class),
        code: port.code.clone(),
        last_seen_prices: prices,
        last_seen_stock: Cargo::from(port.stock),
        observed_at: now,
    })
}

/// Most other players a sector's contents list: a crowded sector must not make every status
/// frame grow without bound (docs/protocol.md, "Bounded frames").
pub const MAX_LISTED_PLAYERS: usize = 200;

/// The other players of a sector as a viewer sees them, online ones first, each group in world
/// order, at most `MAX_LISTED_PLAYERS`; and how many there are in all.
fn listed_players(
    world: &World,
    sector: SectorId,
    viewer: Option<Entity>,
) -> (Vec<OtherPlayer>, usize) {
    let sessions = world.get_resource::<Sessions>();
    let present = || {
        world
            .resource::<SectorOccupants>()
            .in_sector(sector)
            .filter(move |e| Some(*e) != viewer)
            .filter_map(|e| Some((world.get::<CharacterId>(e)?, world.get::<Ship>(e)?)))
    };
    let online = |id: &CharacterId| sessions.is_some_and(|s| s.is_online(&id.0));
    let view = |(id, ship): (&CharacterId, &Ship)| OtherPlayer {
        name: id.0.clone(),
        ship_type: ship.ship_type,
    };
    // One pass, each character looked up once: the online ones, and enough offline ones to
    // fill the list after them.
    let (mut total, mut on, mut off) = (0, Vec::new(), Vec::new());
    for seen in present() {
        total += 1;
        if on.len() == MAX_LISTED_PLAYERS {
            continue;
        }
        if online(seen.0) {
            on.push(view(seen));
        } else if off.len() < MAX_LISTED_PLAYERS {
            off.push(view(seen));
        }
    }
    let room = MAX_LISTED_PLAYERS - on.len();
    on.extend(off.into_iter().take(room));
    (on, total)
}

/// Sector contents as `viewer` sees them (the viewer is not listed among the other players).
pub fn sector_contents(world: &World, viewer: Option<Entity>, sector: SectorId) -> SectorContents {
    let now = world.resource::<GameClock>().now();
    let universe = world.resource::<UniverseRes>();
    let info = universe.sector(sector);
    let viewer_id = viewer
        .and_then(|v| world.get::<CharacterId>(v))
        .map(|c| c.0.clone());
    let (other_players, other_players_total) = listed_players(world, sector, viewer);
    let garrisons = crate::combat::query::sector_garrisons(world, sector, viewer_id.as_deref());
    SectorContents {
        port: port_snapshot(world, sector, now),
        planets: info.planets.clone(),
        other_players,
        other_players_total,
        garrison: garrisons.first().cloned(),
        garrisons,
        salvage: crate::combat::query::sector_salvage(world, sector),
        adjacent_sectors: info.adjacent.clone(),
    }
}

/// The ship block of a status payload.
pub fn ship_status(ship: &Ship, credits: i64) -> ShipStatus {
    let stats = ship.stats();
    ShipStatus {
        ship_type: ship.ship_type,
        ship_name: stats.display_name.to_string(),
        cargo: Cargo::from(ship.cargo),
        cargo_capacity: stats.cargo_holds as i64,
        cargo_used: ship.cargo_used(),
        warp_power: ship.warp_power,
        warp_power_capacity: stats.warp_power_capacity as i64,
        max_warp_power: stats.warp_power_capacity as i64,
        shields: ship.shields,
        max_shields: stats.max_shields as i64,
        fighters: ship.fighters,
        max_fighters: stats.max_fighters as i64,
        credits,
    }
}

/// The full status payload of a character, with the given sector contents.
pub fn status_with_contents(
    world: &World,
    entity: Entity,
    contents: SectorContents,
) -> StatusPayload {
    let id = world
        .get::<CharacterId>(entity)
        .expect("character has an id");
    let ship = world.get::<Ship>(entity).expect("character has a ship");
    let credits = world.get::<Credits>(entity).map_or(0, |c| c.0);
    StatusPayload {
        character_id: Some(id.0.clone()),
        name: id.0.clone(),
        sector: world
            .get::<Position>(entity)
            .expect("character has a position")
            .0,
        last_active: world
            .get::<LastActive>(entity)
            .map_or(Timestamp(0), |t| t.0),
        sector_contents: contents,
        ship: ship_status(ship, credits),
    }
}

/// The full status payload of a character as it stands.
pub fn status_payload(world: &World, entity: Entity) -> StatusPayload {
    let sector = world
        .get::<Position>(entity)
        .expect("character has a position")
        .0;
    let contents = sector_contents(world, Some(entity), sector);
    status_with_contents(world, entity, contents)
}

/// Everyone in a sector except `except`, by id (for observer events).
pub fn others_in_sector(world: &World, sector: SectorId, except: Entity) -> Vec<String> {
    world
        .resource::<SectorOccupants>()
        .in_sector(sector)
        .filter(|e| *e != except)
        .filter_map(|e| world.get::<CharacterId>(e).map(|id| id.0.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::characters::spawn_character;
    use crate::harness::{ring, setup, world};
    use bang_components::session::{ConnectionId, WireDialect};
    use bang_components::ships::ShipType;

    #[test]
    fn online_players_are_listed_first_then_offline_ones_each_in_world_order() {
        let mut w = world(setup(ring(3)));
        let ids = ["off1", "on1", "off2", "on2", "viewer"];
        let entities: Vec<Entity> = ids
            .iter()
            .map(|id| spawn_character(&mut w, id, ShipType::DEFAULT, 0, 1, Timestamp(0)))
            .collect();
        let mut sessions = w.resource_mut::<Sessions>();
        for (n, id) in ["on1", "on2"].into_iter().enumerate() {
            let conn = ConnectionId(n as u64);
            sessions.open(conn, WireDialect::V2025_10);
            sessions.control(conn, id).unwrap();
        }
        let (listed, total) = listed_players(&w, 1, Some(entities[4]));
        let names: Vec<&str> = listed.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["on1", "on2", "off1", "off2"]);
        assert_eq!(total, 4, "the viewer is not counted");
    }
}
