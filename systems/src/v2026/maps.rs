//! `local_map_region` (the 2026-01 release's): the map a character knows around a sector it has
//! visited, sent as a `map.region` event.

use super::join::fail;
use super::views::{map_region, source};
use crate::outbox::record_to;
use bang_components::api::endpoint::ONLY_2026_01;
use bang_components::api::fields::check_len;
use bang_components::api::requests::{MAX_ID_LEN, MAX_SHORT_TEXT, Validate, given};
use bang_components::api::v2026::{Event2026, Success};
use bang_components::api::{ApiError, Endpoint, error::ApiResult};
use bang_components::character::{CharacterIndex, MapKnowledge, Position};
use bang_components::game_events::GameEvent;
use bang_components::session::{ConnectionId, WireDialect};
use bevy_ecs::prelude::*;
use serde::Deserialize;

/// Most sectors one region may list (bang's bound; that release had none).
pub const MAX_REGION_SECTORS: i64 = 1000;

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct LocalMapRegionRequest {
    pub character_id: Option<String>,
    /// Default: where the character is.
    pub center_sector: Option<i64>,
    /// Default 3, at most 100.
    pub max_hops: Option<i64>,
    /// Default 100, at most 1,000.
    pub max_sectors: Option<i64>,
    /// A label the event's `source.method` carries instead of the endpoint's name.
    pub source: Option<String>,
}

impl Validate for LocalMapRegionRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("character_id", &self.character_id, MAX_ID_LEN)?;
        check_len("source", &self.source, MAX_SHORT_TEXT)
    }
}

fn region(world: &mut World, req: LocalMapRegionRequest) -> ApiResult<Success> {
    let id = given(&req.character_id)
        .ok_or_else(|| ApiError::bad_request("Missing character_id"))?
        .to_string();
    let refuse = |world: &mut World, e: ApiError| Err(fail(world, &id, e));
    let Some(entity) = world.resource::<CharacterIndex>().get(&id) else {
        return refuse(
            world,
            ApiError::not_found(format!("Character not found: {id}")),
        );
    };
    let here = world.get::<Position>(entity).expect("position").0 as i64;
    let center = req.center_sector.unwrap_or(here);
    let visited = u32::try_from(center).ok().filter(|c| {
        world
            .get::<MapKnowledge>(entity)
            .is_some_and(|k| k.visit(*c).is_some())
    });
    let Some(center) = visited else {
        let e = ApiError::bad_request(format!("Center sector {center} must be a visited sector"));
        return refuse(world, e);
    };
    let hops = req.max_hops.unwrap_or(3);
    if !(0..=100).contains(&hops) {
        let e = ApiError::bad_request("max_hops must be an integer between 0 and 100");
        return refuse(world, e);
    }
    let sectors = req.max_sectors.unwrap_or(100);
    if !(1..=MAX_REGION_SECTORS).contains(&sectors) {
        let e = ApiError::bad_request(format!(
            "max_sectors must be a positive integer (at most {MAX_REGION_SECTORS})"
        ));
        return refuse(world, e);
    }
    let mut map = map_region(world, entity, center, hops as u32, sectors as usize);
    let mut named = source(world);
    if let Some(label) = given(&req.source) {
        named.method = label.to_string();
    }
    map.source = Some(named);
    record_to(
        world,
        GameEvent::Release2026(Event2026::MapRegion(Box::new(map))),
        vec![id],
    );
    Ok(Success::YES)
}

/// `local_map_region` (2026-01).
pub struct LocalMapRegion;

impl Endpoint for LocalMapRegion {
    const NAME: &'static str = "local_map_region";
    const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
    type Request = LocalMapRegionRequest;
    type Result = Success;

    fn acting_for(request: &LocalMapRegionRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        _conn: ConnectionId,
        request: LocalMapRegionRequest,
    ) -> ApiResult<Success> {
        region(world, request)
    }
}
