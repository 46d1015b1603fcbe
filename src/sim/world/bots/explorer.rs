//! The explorer: goes where it has not been, and sells what it carries where a port buys it.

use super::{Bot, Ctx, Me, Memory};
use bang_components::universe::SectorId;
use bang_systems::endpoints::Request;
use bevy_ecs::prelude::*;
use rand::RngExt;

impl Bot {
    pub(super) fn explore(
        &mut self,
        world: &World,
        ctx: &mut Ctx,
        me: &Me,
        trade_chance: f64,
        horizon: u32,
    ) -> Option<Request> {
        if let Memory::Explored(seen) = &mut self.memory {
            seen.insert(me.sector);
        }
        if let Some(r) = self.sell_here(world, me) {
            return Some(r);
        }
        if self.rng.random_bool(trade_chance) {
            return self.trade(world, ctx, me, horizon, 0);
        }
        let Memory::Explored(seen) = &self.memory else {
            return self.wander(me, ctx.map);
        };
        let fresh: Vec<SectorId> = ctx
            .map
            .warps(me.sector)
            .iter()
            .copied()
            .filter(|s| !seen.contains(s))
            .collect();
        if fresh.is_empty() {
            // Everything next door is known: the nearest unknown sector a few jumps out.
            let far = ctx
                .search
                .around(ctx.map, me.sector, 4)
                .iter()
                .find(|r| !seen.contains(&r.sector))
                .map(|r| r.sector);
            return match far {
                Some(to) => self.go(me, ctx, to),
                None => self.wander(me, ctx.map),
            };
        }
        let to = fresh[self.rng.random_range(0..fresh.len())];
        Some(self.jump(to))
    }
}
