//! Looking corporations up: `corporation.info` (everything to a member, the public part to
//! anyone else), `corporation.list` (largest first) and `my.corporation`.

use super::{character, corporation_of, find, member_view, public_view};
use bang_components::api::endpoint::{NoPayload, ONLY_2026_01};
use bang_components::api::fields::check_len;
use bang_components::api::requests::{CharacterRequest, MAX_ID_LEN, Validate, given};
use bang_components::api::v2026::corporation::{
    CorporationInfo, CorporationInfoReply, CorporationList, MyCorporation,
};
use bang_components::api::{ApiError, Endpoint, error::ApiResult};
use bang_components::corporation::{Corporation, Corporations};
use bang_components::session::{ConnectionId, WireDialect};
use bevy_ecs::prelude::*;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct CorporationInfoRequest {
    pub character_id: Option<String>,
    /// Which corporation (default: the character's own).
    pub corp_id: Option<String>,
}

impl Validate for CorporationInfoRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("character_id", &self.character_id, MAX_ID_LEN)?;
        check_len("corp_id", &self.corp_id, MAX_ID_LEN)
    }
}

fn info(world: &World, req: &CorporationInfoRequest) -> ApiResult<CorporationInfoReply> {
    let (id, _) = character(world, &req.character_id)?;
    let corp_id = match given(&req.corp_id) {
        Some(c) => c.to_string(),
        None => world
            .resource::<Corporations>()
            .of(&id)
            .map(str::to_string)
            .ok_or_else(|| {
                ApiError::not_found(
                    "Character is not in a corporation. Use corporation.list to see all corporations.",
                )
            })?,
    };
    let corp = world
        .get::<Corporation>(find(world, &corp_id)?)
        .expect("corporation");
    let info = match corp.is_member(&id) {
        true => CorporationInfo::Member(Box::new(member_view(world, corp))),
        false => CorporationInfo::Public(public_view(corp)),
    };
    Ok(CorporationInfoReply {
        success: true,
        info,
    })
}

/// `corporation.info` (2026-01).
pub struct CorporationInfoEndpoint;

impl Endpoint for CorporationInfoEndpoint {
    const NAME: &'static str = "corporation.info";
    const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
    type Request = CorporationInfoRequest;
    type Result = CorporationInfoReply;

    fn acting_for(request: &CorporationInfoRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        _conn: ConnectionId,
        request: CorporationInfoRequest,
    ) -> ApiResult<CorporationInfoReply> {
        info(world, &request)
    }
}

/// `corporation.list` (2026-01): every corporation, most members first (ties by id).
pub struct ListCorporations;

impl Endpoint for ListCorporations {
    const NAME: &'static str = "corporation.list";
    const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
    const IGNORES_PAYLOAD: bool = true;
    type Request = NoPayload;
    type Result = CorporationList;

    fn handle(world: &mut World, _conn: ConnectionId, _: NoPayload) -> ApiResult<CorporationList> {
        let mut corporations: Vec<_> = world
            .resource::<Corporations>()
            .entities()
            .filter_map(|e| world.get::<Corporation>(e))
            .map(public_view)
            .collect();
        // Stable: entities come in id order.
        corporations.sort_by_key(|c| std::cmp::Reverse(c.member_count));
        Ok(CorporationList {
            success: true,
            corporations,
        })
    }
}

/// `my.corporation` (2026-01): the character's corporation as a member sees it, with when it
/// joined; null outside one.
pub struct MyCorporationEndpoint;

impl Endpoint for MyCorporationEndpoint {
    const NAME: &'static str = "my.corporation";
    const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
    type Request = CharacterRequest;
    type Result = MyCorporation;

    fn acting_for(request: &CharacterRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        _conn: ConnectionId,
        request: CharacterRequest,
    ) -> ApiResult<MyCorporation> {
        let (id, _) = character(world, &request.character_id)?;
        let corporation = corporation_of(world, &id)
            .filter(|c| c.is_member(&id))
            .map(|corp| {
                let mut view = member_view(world, corp);
                view.joined_at = corp.member(&id).map(|m| m.joined_at);
                Box::new(view)
            });
        Ok(MyCorporation {
            success: true,
            corporation,
        })
    }
}
