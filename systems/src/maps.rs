//! What a character knows of the map (`my_map`, `local_map`) and the operator's debug view of the
//! whole graph (`GET /api/local_map`).

use bang_components::api::Endpoint;
use bang_components::api::payloads::{
    Cargo, LocalMapResult, MapNode, MyMapResult, ShipConfig, VisitView,
};
use bang_components::api::requests::{CharacterRequest, IntArg, LocalMapRequest, given};
use bang_components::api::{ApiError, error::ApiResult};
use bang_components::character::{CharacterIndex, Credits, MapKnowledge, Position, Ship};
use bang_components::session::ConnectionId;
use bang_components::universe::{SectorId, Universe, UniverseRes};
use bevy_ecs::prelude::*;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

fn find_character(world: &World, id: &str) -> ApiResult<Entity> {
    world
        .resource::<CharacterIndex>()
        .get(id)
        .ok_or_else(|| ApiError::not_found(format!("Character '{id}' not found")))
}

/// `my_map`: the character's whole map knowledge, ship and credits. Unknown ids are 404 (the
/// reference invented a blank record for any id and kept it in memory).
pub fn my_map(world: &World, req: CharacterRequest) -> ApiResult<MyMapResult> {
    let id =
        given(&req.character_id).ok_or_else(|| ApiError::bad_request("Missing character_id"))?;
    let entity = find_character(world, id)?;
    let knowledge = world
        .get::<MapKnowledge>(entity)
        .expect("character has knowledge");
    let ship = world.get::<Ship>(entity).expect("character has a ship");
    let sectors_visited = knowledge
        .visited()
        .iter()
        .map(|(sector, v)| {
            let view = VisitView {
                sector_id: *sector,
                last_visited: v.last_visited,
                port: v.port.clone(),
                planets: v.planets.clone(),
                adjacent_sectors: v.adjacent.clone(),
            };
            (sector.to_string(), view)
        })
        .collect();
    Ok(MyMapResult {
        character_id: id.to_string(),
        sectors_visited,
        total_sectors_visited: knowledge.visited().len() as u32,
        first_visit: knowledge.first_visit,
        last_update: knowledge.last_update,
        ship_config: ShipConfig {
            ship_type: ship.ship_type,
            cargo: Cargo::from(ship.cargo),
            current_warp_power: ship.warp_power,
            current_shields: ship.shields,
            current_fighters: ship.fighters,
            equipped_modules: Vec::new(),
        },
        credits: world.get::<Credits>(entity).map_or(0, |c| c.0),
        sector: world
            .get::<Position>(entity)
            .expect("character has a position")
            .0,
    })
}

/// How far `local_map` explores.
#[derive(Debug, Clone, Copy)]
enum Limit {
    Hops(i64),
    Sectors(i64),
}

impl Limit {
    /// `max_sectors` if given (positive), else `max_hops` (required, not negative).
    fn of(req: &LocalMapRequest) -> ApiResult<Limit> {
        match req.max_sectors {
            Some(IntArg::Int(n)) if n > 0 => Ok(Limit::Sectors(n)),
            Some(_) => Err(ApiError::unprocessable(
                "max_sectors must be a positive integer",
            )),
            None => match req.max_hops {
                None => Err(ApiError::bad_request("Missing max_hops")),
                Some(IntArg::Int(n)) if n >= 0 => Ok(Limit::Hops(n)),
                Some(_) => Err(ApiError::unprocessable(
                    "max_hops must be a non-negative integer",
                )),
            },
        }
    }
}

/// The known sectors around `centre`, breadth first over known warps taken in either
/// direction, neighbours in ascending order, up to the limit.
fn known_around(knowledge: &MapKnowledge, centre: SectorId, limit: Limit) -> BTreeSet<SectorId> {
    let mut neighbours: BTreeMap<SectorId, BTreeSet<SectorId>> = BTreeMap::new();
    for (&v, visit) in knowledge.visited() {
        for &a in &visit.adjacent {
            neighbours.entry(v).or_default().insert(a);
            neighbours.entry(a).or_default().insert(v);
        }
    }
    let mut seen: BTreeSet<SectorId> = BTreeSet::from([centre]);
    let mut queue = VecDeque::from([(centre, 0i64)]);
    'search: while let Some((at, depth)) = queue.pop_front() {
        if let Limit::Hops(h) = limit
            && depth >= h
        {
            continue;
        }
        for &next in neighbours.get(&at).into_iter().flatten() {
            if let Limit::Sectors(n) = limit
                && seen.len() as i64 >= n
            {
                break 'search;
            }
            if seen.insert(next) {
                queue.push_back((next, depth + 1));
            }
        }
    }
    seen
}

/// `local_map`: the known sub-graph around a sector, breadth first over known warps taken in
/// either direction, neighbours in ascending order (so the cut at the last ring is reproducible).
pub fn local_map(world: &World, req: LocalMapRequest) -> ApiResult<LocalMapResult> {
    let id =
        given(&req.character_id).ok_or_else(|| ApiError::bad_request("Missing character_id"))?;
    let limit = Limit::of(&req)?;
    let entity = find_character(world, id)?;
    let universe = world.resource::<UniverseRes>();
    let centre = match req.current_sector {
        Some(s) if universe.contains(s) => s as SectorId,
        Some(s) => {
            return Err(ApiError::bad_request(format!(
                "Invalid current_sector: {s}"
            )));
        }
        None => {
            world
                .get::<Position>(entity)
                .expect("character has a position")
                .0
        }
    };
    let knowledge = world
        .get::<MapKnowledge>(entity)
        .expect("character has knowledge");

    let seen = known_around(knowledge, centre, limit);
    let node_list = seen
        .iter()
        .map(|&sector| {
            let visit = knowledge.visit(sector);
            MapNode {
                id: sector,
                visited: visit.is_some(),
                port_type: visit.and_then(|v| v.port.as_ref()).map(|p| p.code.clone()),
                adjacent: visit
                    .map(|v| {
                        v.adjacent
                            .iter()
                            .copied()
                            .filter(|a| seen.contains(a))
                            .collect()
                    })
                    .unwrap_or_default(),
                is_leaf: Some(
                    universe.contains(sector as i64)
                        && universe.sector(sector).undirected_degree <= 1,
                ),
            }
        })
        .collect();
    let (max_hops, max_sectors) = match limit {
        Limit::Hops(h) => (Some(h), None),
        Limit::Sectors(n) => (None, Some(n)),
    };
    Ok(LocalMapResult {
        node_list,
        max_sectors,
        max_hops,
    })
}

/// The operator's debug map of the whole universe: breadth first from `center` over outgoing
/// warps, at most `max_nodes` nodes within `max_hops`. `None` if `center` is not a sector.
pub fn debug_map(
    universe: &Universe,
    center: i64,
    max_hops: u32,
    max_nodes: usize,
) -> Option<LocalMapResult> {
    if !universe.contains(center) {
        return None;
    }
    let center = center as SectorId;
    let mut seen: BTreeSet<SectorId> = BTreeSet::from([center]);
    let mut queue = VecDeque::from([(center, 0u32)]);
    'search: while let Some((at, depth)) = queue.pop_front() {
        if depth >= max_hops {
            continue;
        }
        for &next in &universe.sector(at).warps {
            if seen.len() >= max_nodes {
                break 'search;
            }
            if seen.insert(next) {
                queue.push_back((next, depth + 1));
            }
        }
    }
    let node_list = seen
        .iter()
        .map(|&id| {
            let sector = universe.sector(id);
            MapNode {
                id,
                visited: true,
                port_type: sector.port.as_ref().map(|p| p.code.clone()),
                adjacent: sector
                    .warps
                    .iter()
                    .copied()
                    .filter(|w| seen.contains(w))
                    .collect(),
                is_leaf: None,
            }
        })
        .collect();
    Some(LocalMapResult {
        node_list,
        max_sectors: None,
        max_hops: None,
    })
}

/// `my_map`: The sectors the character knows.
pub struct MyMap;

impl Endpoint for MyMap {
    const NAME: &'static str = "my_map";
    const DIALECTS: &'static [bang_components::session::WireDialect] =
        bang_components::api::endpoint::ONLY_2025_10;
    type Request = CharacterRequest;
    type Result = MyMapResult;

    fn acting_for(request: &CharacterRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        _conn: ConnectionId,
        request: CharacterRequest,
    ) -> ApiResult<MyMapResult> {
        my_map(world, request)
    }
}

/// `local_map`: The known sectors around the character.
pub struct LocalMap;

impl Endpoint for LocalMap {
    const NAME: &'static str = "local_map";
    const DIALECTS: &'static [bang_components::session::WireDialect] =
        bang_components::api::endpoint::ONLY_2025_10;
    type Request = LocalMapRequest;
    type Result = LocalMapResult;

    fn acting_for(request: &LocalMapRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        _conn: ConnectionId,
        request: LocalMapRequest,
    ) -> ApiResult<LocalMapResult> {
        local_map(world, request)
    }
}
