//! The garrison owner: stations a toll garrison at a port sector near where it starts, trades
//! around it, and goes back now and then to take the tolls (by collecting one fighter, which
//! brings the garrison's bank along).

use super::{Bot, Ctx, Me, Memory};
use crate::sim::world::population::{Behaviour, Group};
use bang_components::api::combat::GarrisonRequest;
use bang_components::combat::{Garrison, GarrisonIndex};
use bang_components::economy::PortStates;
use bang_components::universe::SectorId;
use bang_systems::endpoints::Request;
use bevy_ecs::prelude::*;
use rand::RngExt;

impl Bot {
    pub(super) fn keep_garrison(
        &mut self,
        world: &World,
        ctx: &mut Ctx,
        me: &Me,
        group: &Group,
    ) -> Option<Request> {
        let Behaviour::GarrisonOwner {
            fighters,
            toll,
            collect_every_minutes,
            horizon,
        } = group.behaviour
        else {
            return None;
        };
        let every = (collect_every_minutes * 60.0) as u64;
        let Memory::Garrison { home, next_collect } = self.memory.clone() else {
            return None;
        };
        let owner = |s: SectorId| garrison_owner(world, s);
        let home = match home.filter(|h| owner(*h).is_none_or(|o| o == self.id)) {
            Some(h) => h,
            None => match self.choose_home(world, ctx, me, horizon) {
                Some(h) => h,
                None => return self.trade(world, ctx, me, horizon, 0),
            },
        };
        let standing = owner(home).is_some();
        let at_home = me.sector == home;
        if !standing && me.ship.fighters > 1 {
            if !at_home {
                return self.go_far(me, ctx, home, horizon * 2);
            }
            self.memory = Memory::Garrison {
                home: Some(home),
                next_collect: ctx.now + every,
            };
            return Some(self.garrison_request(home, fighters.min(me.ship.fighters - 1), toll));
        }
        if standing && ctx.now >= next_collect {
            if !at_home {
                return self.go_far(me, ctx, home, horizon * 2);
            }
            self.memory = Memory::Garrison {
                home: Some(home),
                next_collect: ctx.now + every,
            };
            return Some(self.collect_request(home));
        }
        self.trade(world, ctx, me, horizon, 0)
    }

    /// A port sector within reach that nobody garrisons, at random.
    fn choose_home(
        &mut self,
        world: &World,
        ctx: &mut Ctx,
        me: &Me,
        horizon: u32,
    ) -> Option<SectorId> {
        let ports = world.resource::<PortStates>();
        let free: Vec<SectorId> = std::iter::once(me.sector)
            .chain(
                ctx.search
                    .around(ctx.map, me.sector, horizon)
                    .iter()
                    .map(|r| r.sector),
            )
            .filter(|s| ports.get(*s).is_some() && garrison_owner(world, *s).is_none())
            .collect();
        let home = *free.get(self.rng.random_range(0..free.len().max(1)))?;
        self.memory = Memory::Garrison {
            home: Some(home),
            next_collect: 0,
        };
        Some(home)
    }

    /// Sets out for a sector up to `depth` jumps away (wanders if it is further).
    fn go_far(&mut self, me: &Me, ctx: &mut Ctx, to: SectorId, depth: u32) -> Option<Request> {
        let found = ctx
            .search
            .around(ctx.map, me.sector, depth)
            .iter()
            .any(|r| r.sector == to);
        if found {
            self.go(me, ctx, to)
        } else {
            self.wander(me, ctx.map)
        }
    }

    fn garrison_request(&self, sector: SectorId, quantity: i64, toll: i64) -> Request {
        Request::LeaveFighters(GarrisonRequest {
            character_id: Some(self.id.clone()),
            sector: Some(i64::from(sector)),
            quantity: Some(quantity),
            mode: Some("toll".into()),
            toll_amount: Some(toll),
        })
    }

    fn collect_request(&self, sector: SectorId) -> Request {
        Request::CollectFighters(GarrisonRequest {
            character_id: Some(self.id.clone()),
            sector: Some(i64::from(sector)),
            quantity: Some(1),
            mode: None,
            toll_amount: None,
        })
    }
}

/// Who garrisons a sector, if anyone.
fn garrison_owner(world: &World, sector: SectorId) -> Option<String> {
    let e = world.resource::<GarrisonIndex>().by_sector.get(&sector)?;
    world.get::<Garrison>(*e).map(|g| g.owner.clone())
}
