//! The pirate: roams where the ports (and so the traders) are, attacks a player it finds with
//! some chance while it has fighters enough, and picks up the salvage fights leave.

use super::{Bot, Ctx, Me};
use crate::sim::world::navigation::DEPOT;
use bang_components::api::combat::{CombatInitiateRequest, SalvageCollectRequest};
use bang_components::character::{CharacterId, InHyperspace, SectorOccupants, Ship};
use bang_components::combat::{Salvage, SalvageIndex};
use bang_components::rules::WorldRules;
use bang_components::ships::{ShipCatalog, ShipType};
use bang_systems::endpoints::Request;
use bang_systems::v2026::fighters::PurchaseFightersRequest;
use bevy_ecs::prelude::*;
use rand::RngExt;

/// How far a pirate looks for its next hunting ground.
const PROWL: u32 = 4;

impl Bot {
    pub(super) fn plunder(
        &mut self,
        world: &World,
        ctx: &mut Ctx,
        me: &Me,
        aggression: f64,
        min_fighters: i64,
    ) -> Option<Request> {
        if let Some(r) = self.salvage_here(world, me) {
            return Some(r);
        }
        if let Some(r) = self.sell_here(world, me) {
            return Some(r);
        }
        if me.ship.fighters >= min_fighters {
            if let Some(victim) = victim_here(world, me, &self.id)
                && self.rng.random_bool(aggression)
            {
                return Some(Request::CombatInitiate(CombatInitiateRequest {
                    character_id: Some(self.id.clone()),
                    target_id: Some(victim),
                    target_type: Some("character".into()),
                }));
            }
        } else if let Some(r) = self.rearm(world, ctx, me) {
            return Some(r);
        }
        self.head_for_seller(world, ctx, me, PROWL)
    }

    /// Under the 2026-01 rules fighters are sold at the depot: the pirate goes to buy them.
    fn rearm(&mut self, world: &World, ctx: &mut Ctx, me: &Me) -> Option<Request> {
        if world.resource::<WorldRules>().ship_catalog != ShipCatalog::Release2026 {
            return None;
        }
        let room = i64::from(me.ship.stats().max_fighters) - me.ship.fighters;
        let units = room.min(me.credits / bang_systems::v2026::fighters::FIGHTER_PRICE);
        if units <= 0 {
            return None;
        }
        if me.sector != DEPOT {
            self.route = ctx.map.route_to_depot(me.sector);
            return self.next_jump(me, ctx.map);
        }
        Some(Request::PurchaseFighters(PurchaseFightersRequest {
            character_id: Some(self.id.clone()),
            units: Some(units),
        }))
    }

    /// Salvage lying in this sector, the oldest first.
    fn salvage_here(&self, world: &World, me: &Me) -> Option<Request> {
        let index = world.resource::<SalvageIndex>();
        let mut here: Vec<&str> = index
            .by_id
            .iter()
            .filter(|(_, e)| {
                world
                    .get::<Salvage>(**e)
                    .is_some_and(|s| s.sector == me.sector && !s.claimed)
            })
            .map(|(id, _)| id.as_str())
            .collect();
        here.sort();
        let id = here.first()?;
        Some(Request::SalvageCollect(SalvageCollectRequest {
            character_id: Some(self.id.clone()),
            salvage_id: Some(id.to_string()),
        }))
    }
}

/// A player in the pirate's sector worth attacking: a ship (not a pod), not passing through.
fn victim_here(world: &World, me: &Me, my_id: &str) -> Option<String> {
    world
        .resource::<SectorOccupants>()
        .in_sector(me.sector)
        .filter(|e| *e != me.entity && world.get::<InHyperspace>(*e).is_none())
        .filter(|e| {
            world
                .get::<Ship>(*e)
                .is_some_and(|s| s.ship_type != ShipType::EscapePod)
        })
        .filter_map(|e| world.get::<CharacterId>(e).map(|c| c.0.clone()))
        .find(|id| id != my_id)
}
