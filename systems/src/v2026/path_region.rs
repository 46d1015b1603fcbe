//! `path_with_region` (the 2026-01 release's): a course to a sector with what the character
//! knows along and around it, sent as a `path.region` event.

use super::join::fail;
use super::tell::tell;
use super::views::{sector_view, source};
use bang_components::api::endpoint::ONLY_2026_01;
use bang_components::api::fields::check_len;
use bang_components::api::requests::{MAX_ID_LEN, Validate, given};
use bang_components::api::v2026::{Event2026, PathRegion, PathRegionSector, Success};
use bang_components::api::{ApiError, Endpoint, error::ApiResult};
use bang_components::character::{CharacterIndex, InHyperspace, MapKnowledge, Position};
use bang_components::session::{ConnectionId, WireDialect};
use bang_components::universe::{SectorId, UniverseRes};
use bevy_ecs::prelude::*;
use serde::Deserialize;
use std::collections::{BTreeMap, VecDeque};

/// Most sectors one answer may list (bang's bound; that release had none).
pub const MAX_PATH_REGION_SECTORS: i64 = 1000;

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct PathWithRegionRequest {
    pub character_id: Option<String>,
    pub to_sector: Option<i64>,
    /// Jumps around each visited path sector to include (default 1).
    pub region_hops: Option<i64>,
    /// Most sectors listed (default 200, at most 1,000).
    pub max_sectors: Option<i64>,
}

impl Validate for PathWithRegionRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("character_id", &self.character_id, MAX_ID_LEN)
    }
}

/// The checked request: target, region hops, sector bound.
fn limits(world: &World, req: &PathWithRegionRequest) -> ApiResult<(SectorId, u32, usize)> {
    let Some(to) = req.to_sector else {
        return Err(ApiError::bad_request("Missing to_sector"));
    };
    if to < 0 {
        return Err(ApiError::bad_request(
            "to_sector must be a non-negative integer",
        ));
    }
    if !world.resource::<UniverseRes>().contains(to) {
        return Err(ApiError::bad_request(format!("Invalid to_sector: {to}")));
    }
    let hops = req.region_hops.unwrap_or(1);
    if !(0..=100).contains(&hops) {
        return Err(ApiError::bad_request(
            "region_hops must be a non-negative integer (at most 100)",
        ));
    }
    let most = req.max_sectors.unwrap_or(200);
    if !(1..=MAX_PATH_REGION_SECTORS).contains(&most) {
        return Err(ApiError::bad_request(format!(
            "max_sectors must be a positive integer (at most {MAX_PATH_REGION_SECTORS})"
        )));
    }
    Ok((to as SectorId, hops as u32, most as usize))
}

/// The path's sectors (distance 0) and the visited sectors within `hops` of a visited path
/// sector, over the adjacency seen there, up to `most` sectors.
fn region(
    knowledge: &MapKnowledge,
    path: &[SectorId],
    hops: u32,
    most: usize,
) -> BTreeMap<SectorId, u32> {
    let mut found: BTreeMap<SectorId, u32> = path.iter().map(|s| (*s, 0)).collect();
    for &node in path.iter().filter(|s| knowledge.visit(**s).is_some()) {
        let mut queue = VecDeque::from([(node, 0)]);
        while let Some((at, d)) = queue.pop_front() {
            if d >= hops {
                continue;
            }
            for &next in &knowledge
                .visit(at)
                .expect("only visited are queued")
                .adjacent
            {
                if found.len() >= most {
                    return found;
                }
                if knowledge.visit(next).is_none() {
                    continue;
                }
                if found.get(&next).is_some_and(|best| *best <= d + 1) {
                    continue;
                }
                found.insert(next, d + 1);
                queue.push_back((next, d + 1));
            }
        }
    }
    found
}

fn listed(
    world: &World,
    viewer: Entity,
    path: &[SectorId],
    (sector, hops): (SectorId, u32),
) -> PathRegionSector {
    let knowledge = world.get::<MapKnowledge>(viewer).expect("knowledge");
    let on_path = path.contains(&sector);
    let Some(visit) = knowledge.visit(sector) else {
        return PathRegionSector {
            sector_id: sector,
            on_path,
            visited: false,
            hops_from_path: hops,
            contents: None,
            last_visited: None,
            adjacent_to_path_nodes: None,
            seen_from: Some(Vec::new()),
        };
    };
    let beside: Vec<SectorId> = path
        .iter()
        .copied()
        .filter(|p| {
            knowledge
                .visit(*p)
                .is_some_and(|v| v.adjacent.contains(&sector))
        })
        .collect();
    let here = world.get::<Position>(viewer).is_some_and(|p| p.0 == sector)
        && world.get::<InHyperspace>(viewer).is_none();
    PathRegionSector {
        sector_id: sector,
        on_path,
        visited: true,
        hops_from_path: hops,
        contents: Some(sector_view(world, sector, Some(viewer), here)),
        last_visited: Some(visit.last_visited),
        adjacent_to_path_nodes: (!on_path && !beside.is_empty()).then_some(beside),
        seen_from: None,
    }
}

fn path_with_region(world: &mut World, req: PathWithRegionRequest) -> ApiResult<Success> {
    let id = given(&req.character_id)
        .ok_or_else(|| ApiError::bad_request("Missing character_id"))?
        .to_string();
    let refuse = |world: &mut World, e: ApiError| Err(fail(world, &id, e));
    if req.to_sector.is_none() {
        return refuse(world, ApiError::bad_request("Missing to_sector"));
    }
    let Some(entity) = world.resource::<CharacterIndex>().get(&id) else {
        return refuse(
            world,
            ApiError::not_found(format!("Character not found: {id}")),
        );
    };
    let (to, hops, most) = match limits(world, &req) {
        Ok(l) => l,
        Err(e) => return refuse(world, e),
    };
    let from = world.get::<Position>(entity).expect("position").0;
    let Some(path) = world.resource::<UniverseRes>().plot_course(from, to) else {
        let e = ApiError::bad_request(format!("No path found from sector {from} to sector {to}"));
        return refuse(world, e);
    };
    let knowledge = world.get::<MapKnowledge>(entity).expect("knowledge");
    let sectors: Vec<PathRegionSector> = region(knowledge, &path, hops, most)
        .into_iter()
        .map(|found| listed(world, entity, &path, found))
        .collect();
    let known = sectors.iter().filter(|s| s.visited).count();
    let answer = PathRegion {
        distance: path.len() - 1,
        path,
        total_sectors: sectors.len(),
        known_sectors: known,
        unknown_sectors: sectors.len() - known,
        sectors,
        source: source(world),
    };
    tell(world, &id, Event2026::PathRegion(Box::new(answer)));
    Ok(Success::YES)
}

/// `path_with_region` (2026-01).
pub struct PathWithRegion;

impl Endpoint for PathWithRegion {
    const NAME: &'static str = "path_with_region";
    const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
    type Request = PathWithRegionRequest;
    type Result = Success;

    fn acting_for(request: &PathWithRegionRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        _conn: ConnectionId,
        request: PathWithRegionRequest,
    ) -> ApiResult<Success> {
        path_with_region(world, request)
    }
}
