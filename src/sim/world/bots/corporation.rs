//! Corporation members: the founder founds the corporation once it can pay for it, the others
//! join it when it exists; all of them trade as traders do.

use super::{Bot, Ctx, Me, Memory};
use bang_components::corporation::{CREATION_COST, Corporation, Corporations};
use bang_systems::endpoints::Request;
use bang_systems::v2026::corporations::membership::MembershipRequest;
use bevy_ecs::prelude::*;

impl Bot {
    pub(super) fn serve_corporation(
        &mut self,
        world: &World,
        ctx: &mut Ctx,
        me: &Me,
        horizon: u32,
        reserve: i64,
    ) -> Option<Request> {
        let Memory::Corporation { name, founder } = &self.memory else {
            return None;
        };
        let corps = world.resource::<Corporations>();
        if corps.of(&self.id).is_none() {
            let ask = MembershipRequest {
                character_id: Some(self.id.clone()),
                ..Default::default()
            };
            match corps.named(name) {
                None if *founder && me.credits >= CREATION_COST + reserve => {
                    return Some(Request::CreateCorporation(MembershipRequest {
                        name: Some(name.clone()),
                        ..ask
                    }));
                }
                Some(corp_id) if !founder => {
                    let code = corps
                        .get(corp_id)
                        .and_then(|e| world.get::<Corporation>(e))
                        .map(|c| c.invite_code.clone());
                    return Some(Request::JoinCorporation(MembershipRequest {
                        corp_id: Some(corp_id.to_string()),
                        invite_code: code,
                        ..ask
                    }));
                }
                _ => {}
            }
        }
        self.trade(world, ctx, me, horizon, reserve)
    }
}
