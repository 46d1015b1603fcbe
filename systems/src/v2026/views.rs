//! What a character sees, in the 2026-01 dialect's shapes: its player and ship blocks, a sector's
//! contents, the status, and the local map built from what it has visited. Read-only.

use bang_components::api::payloads::PortSnapshot;
use bang_components::api::v2026::combat::{SalvageSource, SalvageTold};
use bang_components::api::v2026::corporation::CorporationBrief;
use bang_components::api::v2026::{
    GarrisonPublic, Lane, MapRegion, MapSector, PerCommodity, PlayerPublic, PlayerSelf, PortView,
    SectorView, ShipPublic, ShipSelf, Source, Status, UnownedShipView,
};
use bang_components::api::{ApiError, error::ApiResult};
use bang_components::character::{
    Bank, CharacterId, Credits, InHyperspace, LastActive, MapKnowledge, Position, SectorOccupants,
    Ship, ShipId, ShipName,
};
use bang_components::combat::{Garrison, GarrisonIndex, Salvage, SalvageIndex};
use bang_components::corporation::{allied, corporation_of, is_corporation_ship};
use bang_components::economy::{
    Commodity, PortStates, WARP_DEPOT_NOTE, WARP_DEPOT_SECTOR, WARP_POWER_PRICE,
};
use bang_components::messages::CurrentRequest;
use bang_components::time::{GameClock, Timestamp};
use bang_components::universe::{SectorId, UniverseRes};
use bang_components::unowned_ships::{UnownedShip, UnownedShips};
use bevy_ecs::prelude::*;
use serde_json::json;
use std::collections::{BTreeMap, VecDeque};

/// `source` naming the request being answered.
pub fn source(world: &World) -> Source {
    let now = world.resource::<GameClock>().now();
    let cause = world
        .get_resource::<CurrentRequest>()
        .and_then(|c| c.0.clone());
    Source {
        kind: "rpc",
        method: cause.as_ref().map_or("unknown", |c| c.endpoint).to_string(),
        request_id: cause.map_or_else(|| "missing-request-id".to_string(), |c| c.id),
        timestamp: now,
    }
}

/// A character's display name: the registry's, else its id.
pub fn display_name(world: &World, id: &str) -> String {
    world
        .get_resource::<bang_components::registry::Registry>()
        .and_then(|r| r.name_of(id))
        .unwrap_or(id)
        .to_string()
}

fn per_commodity<T: Copy>(world: &World, values: [T; 3]) -> PerCommodity<T> {
    let names = &world.resource::<UniverseRes>().commodities;
    Commodity::ALL
        .into_iter()
        .map(|c| (names.name(c).to_string(), values[c.index()]))
        .collect()
}

/// The `player` block of a character's own status.
pub fn player_self(world: &World, entity: Entity) -> PlayerSelf {
    let id = &world.get::<CharacterId>(entity).expect("character id").0;
    let knowledge = world.get::<MapKnowledge>(entity);
    let last_active = world
        .get::<LastActive>(entity)
        .map_or(Timestamp(0), |t| t.0);
    // A corporation's ship has no life of its own to date.
    let person = !is_corporation_ship(world, id);
    PlayerSelf {
        id: id.clone(),
        name: display_name(world, id),
        player_type: player_type(world, id),
        credits_in_bank: world.get::<Bank>(entity).map_or(0, |b| b.0),
        sectors_visited: knowledge.map_or(0, |k| k.visited().len() as u32),
        universe_size: world.resource::<UniverseRes>().sector_count(),
        created_at: person.then(|| created_at(world, entity)),
        last_active: person.then_some(last_active),
    }
}

/// The `corporation` block of a character's status (`own`: with its joining date) or of a
/// player others see; none outside a corporation.
pub fn brief(world: &World, character: &str, own: bool) -> Option<CorporationBrief> {
    let corp = corporation_of(world, character)?;
    let member = corp.member(character);
    Some(CorporationBrief {
        corp_id: corp.corp_id.clone(),
        name: corp.name.clone(),
        member_count: member.map(|_| corp.members.len()),
        joined_at: member.filter(|_| own).map(|m| m.joined_at),
    })
}

/// `corporation_ship` for a corporation's ship, else `human`.
pub fn player_type(world: &World, id: &str) -> &'static str {
    match is_corporation_ship(world, id) {
        true => "corporation_ship",
        false => "human",
    }
}

/// When a character came into the world (its first visit), else when it was last active.
pub fn created_at(world: &World, entity: Entity) -> Timestamp {
    let last_active = world
        .get::<LastActive>(entity)
        .map_or(Timestamp(0), |t| t.0);
    world
        .get::<MapKnowledge>(entity)
        .and_then(|k| k.first_visit)
        .unwrap_or(last_active)
}

/// The name of the ship a character flies: its own, or its hull's.
pub fn ship_name(world: &World, entity: Entity) -> String {
    match world.get::<ShipName>(entity) {
        Some(n) => n.0.clone(),
        None => world
            .get::<Ship>(entity)
            .map_or_else(String::new, |s| s.stats().display_name.to_string()),
    }
}

/// The `ship` block of a character's own status.
pub fn ship_self(world: &World, entity: Entity) -> ShipSelf {
    let id = &world.get::<CharacterId>(entity).expect("character id").0;
    let ship = world.get::<Ship>(entity).expect("character has a ship");
    let stats = ship.stats();
    let holds = stats.cargo_holds as i64;
    ShipSelf {
        ship_id: world
            .get::<ShipId>(entity)
            .map_or_else(|| ShipId::default_for(id), |s| s.0.clone()),
        ship_type: ship.ship_type,
        ship_name: ship_name(world, entity),
        credits: world.get::<Credits>(entity).map_or(0, |c| c.0),
        cargo: per_commodity(world, ship.cargo),
        cargo_capacity: holds,
        empty_holds: holds - ship.cargo_used(),
        warp_power: ship.warp_power,
        warp_power_capacity: stats.warp_power_capacity as i64,
        shields: ship.shields,
        max_shields: stats.max_shields as i64,
        fighters: ship.fighters,
        max_fighters: stats.max_fighters as i64,
    }
}

/// A sector's port as seen now; `observed_at` is null for a viewer who is there.
pub fn port_view(world: &World, sector: SectorId, there: bool) -> Option<PortView> {
    let port = world.resource::<PortStates>().get(sector)?;
    let names = &world.resource::<UniverseRes>().commodities;
    let mut prices: indexmap::IndexMap<String, serde_json::Value> = Commodity::ALL
        .into_iter()
        .map(|c| (names.name(c).to_string(), json!(port.displayed_price(c))))
        .collect();
    if sector == WARP_DEPOT_SECTOR {
        prices.insert(
            "warp_power_depot".into(),
            json!({"price_per_unit": WARP_POWER_PRICE, "note": WARP_DEPOT_NOTE}),
        );
    }
    Some(PortView {
        code: port.code.clone(),
        prices,
        stock: per_commodity(world, port.stock),
        observed_at: (!there).then(|| world.resource::<GameClock>().now()),
    })
}

/// A port as a character last saw it (`seen`), or as it is now for one who is there.
pub fn port_seen(world: &World, sector: SectorId, seen: &PortSnapshot, there: bool) -> PortView {
    if there && let Some(live) = port_view(world, sector, true) {
        return live;
    }
    let names = &world.resource::<UniverseRes>().commodities;
    let p = &seen.last_seen_prices;
    let s = &seen.last_seen_stock;
    let prices = [p.fuel_ore, p.organics, p.equipment];
    PortView {
        code: seen.code.clone(),
        prices: Commodity::ALL
            .into_iter()
            .map(|c| (names.name(c).to_string(), json!(prices[c.index()])))
            .collect(),
        stock: per_commodity(world, [s.fuel_ore, s.organics, s.equipment]),
        observed_at: Some(seen.observed_at),
    }
}

/// A character as others see it.
pub fn player_public(world: &World, e: Entity) -> Option<PlayerPublic> {
    let id = &world.get::<CharacterId>(e)?.0;
    let ship = world.get::<Ship>(e)?;
    let knowledge = world.get::<MapKnowledge>(e);
    Some(PlayerPublic {
        created_at: knowledge
            .and_then(|k| k.first_visit)
            .unwrap_or(Timestamp(0)),
        id: id.clone(),
        name: display_name(world, id),
        player_type: player_type(world, id),
        corporation: brief(world, id, false),
        ship: ShipPublic {
            ship_type: ship.ship_type,
            ship_name: ship_name(world, e),
        },
    })
}

fn players_in(world: &World, sector: SectorId, viewer: Option<Entity>) -> Vec<PlayerPublic> {
    world
        .resource::<SectorOccupants>()
        .in_sector(sector)
        .filter(|e| Some(*e) != viewer && world.get::<InHyperspace>(*e).is_none())
        .filter_map(|e| player_public(world, e))
        .collect()
}

/// The recipient of a transfer from `by`, named by display name in its sector (404 when nobody
/// is, 400 when several are).
pub fn recipient(world: &World, by: Entity, name: &str) -> ApiResult<Entity> {
    match named_in_sector(world, by, name) {
        Ok(found) => Ok(found),
        Err(0) => Err(ApiError::not_found(format!(
            "No player named '{name}' in your sector"
        ))),
        Err(_) => Err(ApiError::bad_request(format!(
            "Multiple players named '{name}' present; specify by ID"
        ))),
    }
}

/// The character another one in its sector means by a display name (any case, not itself, not
/// one in transit).
pub fn named_in_sector(world: &World, by: Entity, name: &str) -> Result<Entity, usize> {
    let sector = world
        .get::<Position>(by)
        .expect("character has a position")
        .0;
    let wanted = name.trim().to_lowercase();
    let found: Vec<Entity> = world
        .resource::<SectorOccupants>()
        .in_sector(sector)
        .filter(|e| *e != by && world.get::<InHyperspace>(*e).is_none())
        .filter(|e| {
            world
                .get::<CharacterId>(*e)
                .is_some_and(|id| display_name(world, &id.0).trim().to_lowercase() == wanted)
        })
        .collect();
    match found.as_slice() {
        [one] => Ok(*one),
        many => Err(many.len()),
    }
}

/// The sector's garrison as `viewer` sees it (friendly to its owner).
pub fn garrison_in(
    world: &World,
    sector: SectorId,
    viewer: Option<&str>,
) -> Option<GarrisonPublic> {
    let entity = world.resource::<GarrisonIndex>().by_sector.get(&sector)?;
    let g = world.get::<Garrison>(*entity)?;
    Some(GarrisonPublic {
        owner_name: display_name(world, &g.owner),
        fighters: g.fighters,
        mode: serde_json::to_value(g.mode)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default(),
        toll_amount: g.toll_amount,
        deployed_at: g.deployed_at,
        is_friendly: viewer.is_some_and(|v| allied(world, v, &g.owner)),
    })
}

/// A sector's contents as `viewer` sees them (`there`: the viewer is in it, not in transit).
pub fn sector_view(
    world: &World,
    sector: SectorId,
    viewer: Option<Entity>,
    there: bool,
) -> SectorView {
    let universe = world.resource::<UniverseRes>();
    let viewer_id = viewer
        .and_then(|v| world.get::<CharacterId>(v))
        .map(|c| c.0.as_str());
    SectorView {
        id: sector,
        adjacent_sectors: universe.sector(sector).adjacent.clone(),
        port: port_view(world, sector, there),
        players: players_in(world, sector, viewer),
        garrison: garrison_in(world, sector, viewer_id),
        salvage: salvage_in(world, sector),
        unowned_ships: unowned_in(world, sector),
        scene_config: None,
    }
}

/// The ships nobody owns in a sector, in id order.
fn unowned_in(world: &World, sector: SectorId) -> Vec<UnownedShipView> {
    world
        .resource::<UnownedShips>()
        .in_sector(sector)
        .filter_map(|e| world.get::<UnownedShip>(e))
        .map(|s| UnownedShipView {
            ship_id: s.ship_id.clone(),
            ship_type: s.ship.ship_type,
            name: s.name.clone(),
            owner_type: "unowned",
            fighters: s.ship.fighters,
            shields: s.ship.shields,
            became_unowned: s.became_unowned,
            former_owner_name: s.former_owner_name.clone(),
        })
        .collect()
}

/// A container's cargo keyed by the world's commodity names (stored by the seed's names).
pub fn salvage_cargo(world: &World, cargo: &BTreeMap<String, i64>) -> PerCommodity<i64> {
    let names = &world.resource::<UniverseRes>().commodities;
    Commodity::ALL
        .into_iter()
        .filter_map(|c| {
            let units = *cargo.get(c.wire_name())?;
            Some((names.name(c).to_string(), units))
        })
        .collect()
}

/// A salvage container as that release shows it: where it came from by hull, not by pilot.
pub fn salvage_told(world: &World, s: &Salvage) -> SalvageTold {
    let metadata = if s.combat_id.is_empty() {
        BTreeMap::new()
    } else {
        BTreeMap::from([("combat_id".to_string(), s.combat_id.clone())])
    };
    SalvageTold {
        salvage_id: s.salvage_id.clone(),
        created_at: s.created_at,
        expires_at: s.expires_at,
        cargo: salvage_cargo(world, &s.cargo),
        scrap: s.scrap,
        credits: s.credits,
        claimed: s.claimed,
        source: SalvageSource {
            ship_name: s.ship_type.stats().display_name.to_string(),
            ship_type: s.ship_type,
        },
        metadata,
    }
}

/// The salvage containers of a sector, as that release lists them.
fn salvage_in(world: &World, sector: SectorId) -> Vec<SalvageTold> {
    let index = world.resource::<SalvageIndex>();
    let mut found: Vec<&Salvage> = index
        .by_id
        .values()
        .filter_map(|e| world.get::<Salvage>(*e))
        .filter(|s| s.sector == sector)
        .collect();
    found.sort_by(|a, b| (a.created_at, &a.salvage_id).cmp(&(b.created_at, &b.salvage_id)));
    found.into_iter().map(|s| salvage_told(world, s)).collect()
}

/// A character's status as it stands (`source` set for a snapshot answering a request).
pub fn status(world: &World, entity: Entity, source: Option<Source>) -> Status {
    let sector = world
        .get::<Position>(entity)
        .expect("character has a position")
        .0;
    let there = world.get::<InHyperspace>(entity).is_none();
    Status {
        player: player_self(world, entity),
        ship: ship_self(world, entity),
        sector: sector_view(world, sector, Some(entity), there),
        corporation: brief(
            world,
            &world.get::<CharacterId>(entity).expect("id").0,
            true,
        ),
        source,
    }
}

/// A map region around `center` from what the character has visited: breadth first over the
/// adjacency it saw, up to `max_hops` and `max_sectors`; unvisited sectors are listed where a
/// visited one leads to them, and never expanded.
pub fn map_region(
    world: &World,
    entity: Entity,
    center: SectorId,
    max_hops: u32,
    max_sectors: usize,
) -> MapRegion {
    let knowledge = world
        .get::<MapKnowledge>(entity)
        .expect("character has knowledge");
    let visited = knowledge.visited();
    let mut hops: BTreeMap<SectorId, u32> = BTreeMap::from([(center, 0)]);
    let mut seen_from: BTreeMap<SectorId, Vec<SectorId>> = BTreeMap::new();
    let mut queue = VecDeque::from([center]);
    while let Some(at) = queue.pop_front() {
        if hops.len() >= max_sectors {
            break;
        }
        let d = hops[&at];
        let Some(visit) = visited.get(&at).filter(|_| d < max_hops) else {
            continue;
        };
        for &next in &visit.adjacent {
            if hops.len() >= max_sectors {
                break;
            }
            if let std::collections::btree_map::Entry::Vacant(e) = hops.entry(next) {
                e.insert(d + 1);
                if visited.contains_key(&next) {
                    queue.push_back(next);
                }
            }
            if !visited.contains_key(&next) {
                seen_from.entry(next).or_default().push(at);
            }
        }
    }
    let sectors: Vec<MapSector> = hops
        .iter()
        .map(|(&id, &d)| map_sector(world, knowledge, id, d, seen_from.get(&id)))
        .collect();
    let total_visited = sectors.iter().filter(|s| s.visited).count();
    MapRegion {
        center_sector: center,
        total_sectors: sectors.len(),
        total_visited,
        total_unvisited: sectors.len() - total_visited,
        sectors,
        source: None,
    }
}

fn map_sector(
    world: &World,
    knowledge: &MapKnowledge,
    id: SectorId,
    hops_from_center: u32,
    seen_from: Option<&Vec<SectorId>>,
) -> MapSector {
    let universe = world.resource::<UniverseRes>();
    let info = universe.sector(id);
    match knowledge.visit(id) {
        Some(visit) => MapSector {
            id,
            visited: true,
            hops_from_center,
            adjacent_sectors: Some(info.adjacent.clone()),
            port: visit
                .port
                .as_ref()
                .map_or_else(String::new, |p| p.code.clone()),
            last_visited: Some(visit.last_visited),
            position: info.position,
            lanes: info
                .warps
                .iter()
                .zip(&info.lanes)
                .map(|(&to, f)| Lane {
                    to,
                    two_way: f.two_way,
                    hyperlane: f.hyperlane,
                })
                .collect(),
        },
        None => MapSector {
            id,
            visited: false,
            hops_from_center,
            adjacent_sectors: None,
            port: String::new(),
            last_visited: None,
            position: info.position,
            lanes: seen_from
                .into_iter()
                .flatten()
                .filter_map(|&from| {
                    let s = universe.sector(from);
                    let i = s.warps.iter().position(|&w| w == id)?;
                    let f = s.lanes.get(i).copied().unwrap_or_default();
                    Some(Lane {
                        to: from,
                        two_way: f.two_way,
                        hyperlane: f.hyperlane,
                    })
                })
                .collect(),
        },
    }
}
