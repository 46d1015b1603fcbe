//! `character.info` (the 2026-01 release's): a registered character's name and dates.

use bang_components::api::endpoint::ONLY_2026_01;
use bang_components::api::requests::{CharacterRequest, given};
use bang_components::api::{ApiError, Endpoint, error::ApiResult};
use bang_components::registry::Registry;
use bang_components::session::{ConnectionId, WireDialect};
use bang_components::time::Timestamp;
use bevy_ecs::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CharacterInfo {
    pub success: bool,
    pub character_id: String,
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn info(world: &mut World, req: CharacterRequest) -> ApiResult<CharacterInfo> {
    let id = given(&req.character_id)
        .ok_or_else(|| ApiError::bad_request("character_id is required"))?
        .to_string();
    crate::registration::refresh_registry(world);
    let entry = world
        .resource::<Registry>()
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("Character not found: {id}")))?;
    Ok(CharacterInfo {
        success: true,
        character_id: id,
        name: entry.name,
        created_at: entry.created_at,
        updated_at: entry.updated_at,
    })
}

/// `character.info` (2026-01): anyone may ask, as in that release (it tells only a name and
/// dates).
pub struct CharacterInfoEndpoint;

impl Endpoint for CharacterInfoEndpoint {
    const NAME: &'static str = "character.info";
    const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
    type Request = CharacterRequest;
    type Result = CharacterInfo;

    fn handle(
        world: &mut World,
        _conn: ConnectionId,
        request: CharacterRequest,
    ) -> ApiResult<CharacterInfo> {
        info(world, request)
    }
}
