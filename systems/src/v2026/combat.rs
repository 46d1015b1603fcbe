//! `combat.initiate` and `combat.action` as the 2026-01 release answers them: the fight's id,
//! with the fight itself told as events (`combat_told`) and each action acknowledged to its
//! sender by `combat.action_accepted`. The rules are the seed's (`combat::endpoints`); that
//! release added the refusal in hyperspace.

use super::tell::tell;
use super::views::source;
use crate::combat::endpoints;
use bang_components::api::combat::{CombatActionRequest, CombatInitiateRequest};
use bang_components::api::endpoint::ONLY_2026_01;
use bang_components::api::fields::IntArg;
use bang_components::api::requests::given;
use bang_components::api::v2026::Event2026;
use bang_components::api::v2026::combat::{ActionAccepted, CombatReply};
use bang_components::api::{ApiError, Endpoint, error::ApiResult};
use bang_components::character::{CharacterIndex, InHyperspace};
use bang_components::session::{ConnectionId, WireDialect};
use bang_components::universe::SectorId;
use bevy_ecs::prelude::*;

/// `combat.initiate` (2026-01): the fight's id; the fight itself is told in its events.
pub struct Initiate2026;

impl Endpoint for Initiate2026 {
    const NAME: &'static str = "combat.initiate";
    const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
    type Request = CombatInitiateRequest;
    type Result = CombatReply;

    fn acting_for(request: &CombatInitiateRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: CombatInitiateRequest,
    ) -> ApiResult<CombatReply> {
        let started = endpoints::initiate(world, conn, request)?;
        Ok(CombatReply {
            success: true,
            combat_id: started.encounter.combat_id,
        })
    }
}

/// `combat.action` (2026-01): the action goes in as in the seed's dialect; its sender is told
/// `combat.action_accepted` after whatever rounds it let resolve.
pub struct Act2026;

impl Endpoint for Act2026 {
    const NAME: &'static str = "combat.action";
    const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
    type Request = CombatActionRequest;
    type Result = CombatReply;

    fn acting_for(request: &CombatActionRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: CombatActionRequest,
    ) -> ApiResult<CombatReply> {
        let in_transit = given(&request.character_id)
            .and_then(|id| world.resource::<CharacterIndex>().get(id))
            .is_some_and(|e| world.get::<InHyperspace>(e).is_some());
        if in_transit {
            return Err(ApiError::bad_request(
                "Character is in hyperspace, cannot perform combat action",
            ));
        }
        let done = endpoints::act(world, conn, request.clone())?;
        let attacking = given(&request.action).is_some_and(|a| a.eq_ignore_ascii_case("attack"));
        let accepted = ActionAccepted {
            source: source(world),
            combat_id: done.combat_id.clone(),
            round: done.round,
            action: given(&request.action).unwrap_or_default().to_string(),
            round_resolved: done.round_resolved,
            commit: request.commit.filter(|c| *c != 0),
            target_id: attacking
                .then(|| given(&request.target_id).map(str::to_string))
                .flatten(),
            destination_sector: flee_destination(&request),
            pay_processed: done.pay_processed,
            message: done.message,
        };
        let id = given(&request.character_id).unwrap_or_default().to_string();
        tell(
            world,
            &id,
            Event2026::CombatActionAccepted(Box::new(accepted)),
        );
        Ok(CombatReply {
            success: true,
            combat_id: done.combat_id,
        })
    }
}

/// Where a flee was ordered to (the acknowledgement repeats it).
fn flee_destination(request: &CombatActionRequest) -> Option<SectorId> {
    let fleeing = given(&request.action).is_some_and(|a| a.eq_ignore_ascii_case("flee"));
    match request.to_sector.or(request.to) {
        Some(IntArg::Int(n)) if fleeing && n >= 0 => Some(n as SectorId),
        _ => None,
    }
}
