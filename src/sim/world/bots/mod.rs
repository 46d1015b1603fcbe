//! Scripted players: each reads what a player would know from the World (its own ship, purse
//! and position, the ports' prices, who is in its sector) and asks for one action at a time
//! through the server's own endpoints. Between actions it waits its group's thinking time.

mod corporation;
mod explorer;
mod garrison_owner;
mod pirate;
mod trader;

use super::navigation::{DEPOT, Map, Search};
use super::population::{Behaviour, Group};
use bang_components::api::requests::{IntArg, MoveRequest, RechargeWarpPowerRequest, TradeRequest};
use bang_components::character::{CharacterIndex, Credits, InHyperspace, Position, Ship};
use bang_components::combat::{Encounter, EncounterIndex};
use bang_components::economy::{Commodity, WARP_POWER_PRICE};
use bang_components::session::ConnectionId;
use bang_components::ships::ShipType;
use bang_components::universe::{SectorId, UniverseRes};
use bang_systems::endpoints::Request;
use bevy_ecs::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;

/// What a behaviour remembers between actions.
#[derive(Debug, Clone)]
pub enum Memory {
    None,
    /// Sectors an explorer has been to.
    Explored(HashSet<SectorId>),
    /// A garrison owner's chosen sector and when it next collects.
    Garrison {
        home: Option<SectorId>,
        next_collect: u64,
    },
    /// A corporation member: the corporation's name and whether this one founds it.
    Corporation {
        name: String,
        founder: bool,
    },
}

/// One scripted player.
pub struct Bot {
    pub id: String,
    pub group: usize,
    pub conn: ConnectionId,
    pub rng: ChaCha8Rng,
    /// Sectors still to jump to, next first.
    route: Vec<SectorId>,
    pub memory: Memory,
    /// The last fight round this bot answered (fight, round).
    pub last_round: Option<(Entity, u32)>,
}

/// The player's own state, read from the World before it decides.
pub struct Me {
    pub entity: Entity,
    pub sector: SectorId,
    pub ship: Ship,
    pub credits: i64,
}

impl Me {
    pub fn read(world: &World, id: &str) -> Option<Me> {
        let entity = world.resource::<CharacterIndex>().get(id)?;
        Some(Me {
            entity,
            sector: world.get::<Position>(entity)?.0,
            ship: world.get::<Ship>(entity)?.clone(),
            credits: world.get::<Credits>(entity).map_or(0, |c| c.0),
        })
    }

    pub fn is_pod(&self) -> bool {
        self.ship.ship_type == ShipType::EscapePod
    }

    /// Out of warp power, and away from the depot or unable to pay for more there.
    pub fn is_stranded(&self) -> bool {
        let per_jump = i64::from(self.ship.stats().turns_per_warp).max(1);
        self.ship.warp_power < per_jump
            && (self.sector != DEPOT || self.credits < per_jump * WARP_POWER_PRICE)
    }

    pub fn free_holds(&self) -> i64 {
        i64::from(self.ship.stats().cargo_holds) - self.ship.cargo_used()
    }
}

/// Whether a character is in a fight that has not ended (in its sector).
pub fn in_fight(world: &World, id: &str, sector: SectorId) -> bool {
    world
        .resource::<EncounterIndex>()
        .by_sector
        .get(&sector)
        .and_then(|e| world.get::<Encounter>(*e))
        .is_some_and(|e| !e.ended && e.has(id))
}

/// What a bot wants now.
pub enum Step {
    Ask(Request),
    /// Nothing to do: look again after this many seconds.
    Idle(u64),
}

/// What every decision may use besides the World.
pub struct Ctx<'a> {
    pub map: &'a Map,
    pub search: &'a mut Search,
    pub now: u64,
}

impl Bot {
    pub fn new(id: String, group: usize, conn: ConnectionId, seed: u64, memory: Memory) -> Bot {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(u64::from(conn.0 as u32));
        Bot {
            id,
            group,
            conn,
            rng,
            route: Vec::new(),
            memory,
            last_round: None,
        }
    }

    /// The seconds until this bot's next action.
    pub fn think(&mut self, group: &Group) -> u64 {
        let [lo, hi] = group.think_secs;
        self.rng.random_range(lo..=hi).round() as u64
    }

    /// The bot's next request, or how long to wait.
    pub fn next(&mut self, world: &World, group: &Group, ctx: &mut Ctx) -> Step {
        let Some(me) = Me::read(world, &self.id) else {
            return Step::Idle(3600);
        };
        if me.is_pod() {
            // An escape pod has no holds and no guns: this player is out of the game.
            return Step::Idle(3600);
        }
        if world.get::<InHyperspace>(me.entity).is_some() || in_fight(world, &self.id, me.sector) {
            return Step::Idle(5);
        }
        if me.is_stranded() {
            // Out of warp power away from the depot: nothing moves this ship again.
            return Step::Idle(3600);
        }
        if let Some(r) = self.upkeep(&me, ctx) {
            return Step::Ask(r);
        }
        let request = match &group.behaviour {
            Behaviour::Trader { horizon, reserve } => {
                self.trade(world, ctx, &me, *horizon, *reserve)
            }
            Behaviour::Explorer {
                trade_chance,
                horizon,
            } => self.explore(world, ctx, &me, *trade_chance, *horizon),
            Behaviour::Pirate {
                aggression,
                min_fighters,
            } => self.plunder(world, ctx, &me, *aggression, *min_fighters),
            Behaviour::GarrisonOwner { .. } => self.keep_garrison(world, ctx, &me, group),
            Behaviour::Corporation {
                horizon, reserve, ..
            } => self.serve_corporation(world, ctx, &me, *horizon, *reserve),
        };
        request.map_or(Step::Idle(30), Step::Ask)
    }

    /// Warp power first (back to the depot before the tank runs dry), then the route under way.
    fn upkeep(&mut self, me: &Me, ctx: &mut Ctx) -> Option<Request> {
        let per_jump = i64::from(me.ship.stats().turns_per_warp).max(1);
        let capacity = i64::from(me.ship.stats().warp_power_capacity);
        if me.sector == DEPOT {
            let units = (capacity - me.ship.warp_power).min(me.credits / WARP_POWER_PRICE);
            if me.ship.warp_power * 2 < capacity && units > 0 {
                self.route.clear();
                return Some(Request::RechargeWarpPower(RechargeWarpPowerRequest {
                    character_id: Some(self.id.clone()),
                    units: Some(units),
                }));
            }
        } else if let Some(d) = ctx.map.depot_distance(me.sector)
            // A fifth of the tank spare: fleeing a fight and detours cost jumps too.
            && me.ship.warp_power < (i64::from(d) + 2) * per_jump + capacity / 5
            && self.route.last() != Some(&DEPOT)
        {
            self.route = ctx.map.route_to_depot(me.sector);
        }
        self.next_jump(me, ctx.map)
    }

    /// The next jump of the route under way, if it still starts here.
    fn next_jump(&mut self, me: &Me, map: &Map) -> Option<Request> {
        let next = *self.route.first()?;
        if !map.warps(me.sector).contains(&next) {
            self.route.clear();
            return None;
        }
        self.route.remove(0);
        Some(self.jump(next))
    }

    fn jump(&self, to: SectorId) -> Request {
        Request::Move(MoveRequest {
            character_id: Some(self.id.clone()),
            to_sector: Some(IntArg::Int(i64::from(to))),
            to: None,
        })
    }

    /// Sets out for `to` (found by the last search), taking the first jump now.
    fn go(&mut self, me: &Me, ctx: &Ctx, to: SectorId) -> Option<Request> {
        self.route = ctx.search.route(me.sector, to);
        self.next_jump(me, ctx.map)
    }

    /// One jump along a random warp.
    fn wander(&mut self, me: &Me, map: &Map) -> Option<Request> {
        let warps = map.warps(me.sector);
        if warps.is_empty() {
            return None;
        }
        let to = warps[self.rng.random_range(0..warps.len())];
        Some(self.jump(to))
    }

    fn trade_request(&self, world: &World, c: Commodity, quantity: i64, buy: bool) -> Request {
        let name = world
            .resource::<UniverseRes>()
            .commodities
            .name(c)
            .to_string();
        Request::Trade(TradeRequest {
            character_id: Some(self.id.clone()),
            commodity: Some(name),
            quantity: Some(quantity),
            trade_type: Some(if buy { "buy" } else { "sell" }.into()),
        })
    }
}
