//! `leaderboard.resources` and its HTTP route: the standings are built from the World at most
//! once per refresh interval, on the fixed clock, and published for the network thread; a
//! request reads the last one (a `force_refresh` rebuilds it, at most once a second). No request
//! scans the World.

use bang_components::api::endpoint::ONLY_2026_01;
use bang_components::api::fields::check_len;
use bang_components::api::requests::{MAX_ID_LEN, Validate};
use bang_components::api::v2026::leaderboard::{
    CorporationStanding, Leaderboard, MemberStanding, PlayerStanding,
};
use bang_components::api::{Endpoint, error::ApiResult};
use bang_components::character::TradeVolume;
use bang_components::character::{Bank, CharacterId, CharacterIndex, Credits, MapKnowledge, Ship};
use bang_components::combat::{Garrison, GarrisonIndex};
use bang_components::corporation::{Corporation, Corporations};
use bang_components::session::{ConnectionId, WireDialect};
use bang_components::ships::FIGHTER_PRICE;
use bang_components::time::{GameClock, Timestamp};
use bang_components::universe::UniverseRes;
use bevy_ecs::prelude::*;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// The last standings built, shared with the network thread's HTTP route.
pub type Published = Arc<RwLock<Option<Arc<Leaderboard>>>>;

/// Least time between two forced rebuilds.
const FORCE_INTERVAL_MICROS: i64 = 1_000_000;

/// The leaderboard's cache (the server installs it; without it nothing is built).
#[derive(Resource, Debug, Clone)]
pub struct LeaderboardCache {
    pub refresh_micros: i64,
    pub built_at: Option<Timestamp>,
    pub published: Published,
}

impl LeaderboardCache {
    pub fn new(refresh_secs: f64) -> LeaderboardCache {
        LeaderboardCache {
            refresh_micros: (refresh_secs * 1e6) as i64,
            built_at: None,
            published: Arc::default(),
        }
    }

    fn older_than(&self, now: Timestamp, micros: i64) -> bool {
        self.built_at.is_none_or(|b| now.0 - b.0 >= micros)
    }
}

/// Rebuilds the standings when the last ones are older than the refresh interval.
pub fn refresh_leaderboard(world: &mut World) {
    let Some(cache) = world.get_resource::<LeaderboardCache>() else {
        return;
    };
    let now = world.resource::<GameClock>().now();
    if cache.older_than(now, cache.refresh_micros) {
        rebuild(world);
    }
}

/// Builds and publishes the standings now.
fn rebuild(world: &mut World) -> Arc<Leaderboard> {
    let board = Arc::new(build(world));
    let mut cache = world.resource_mut::<LeaderboardCache>();
    cache.built_at = Some(board.as_of);
    *cache.published.write().expect("leaderboard lock") = Some(board.clone());
    board
}

/// Fighters standing in garrisons, and sectors held, by owner.
fn garrisons_by_owner(world: &World) -> HashMap<String, (i64, u32)> {
    let mut out: HashMap<String, (i64, u32)> = HashMap::new();
    for g in world.resource::<GarrisonIndex>().by_sector.values() {
        if let Some(g) = world.get::<Garrison>(*g) {
            let entry = out.entry(g.owner.clone()).or_default();
            entry.0 += g.fighters.max(0);
            entry.1 += 1;
        }
    }
    out
}

/// What a character's ship fetches in trade.
fn trade_in(ship: &Ship) -> i64 {
    ship.catalog.trade_in_value(ship.ship_type, ship.fighters) as i64
}

/// Every player's standing by id (corporation ships are their corporation's, not players).
fn players(world: &World, sectors: u32) -> Vec<(String, PlayerStanding)> {
    let held = garrisons_by_owner(world);
    let corps = world.get_resource::<Corporations>();
    let mut out = Vec::new();
    for (id, &e) in &world.resource::<CharacterIndex>().by_id {
        if corps.is_some_and(|c| c.owning_ship(id).is_some()) {
            continue;
        }
        let ship = world.get::<Ship>(e).expect("ship");
        let (fighters, garrisoned) = held.get(id).copied().unwrap_or_default();
        let visited = world
            .get::<MapKnowledge>(e)
            .map_or(0, |k| k.visited().len() as u32);
        let mut p = PlayerStanding {
            name: super::views::display_name(world, id),
            bank_credits: world.get::<Bank>(e).map_or(0, |b| b.0.max(0)),
            ship_credits: world.get::<Credits>(e).map_or(0, |c| c.0),
            ship_trade_in_value: trade_in(ship),
            ship_count: 1,
            garrison_fighter_value: fighters * FIGHTER_PRICE as i64,
            sectors_visited: visited,
            exploration_percent: (visited as f64 / sectors.max(1) as f64 * 10_000.0).round()
                / 100.0,
            total_resources: 0,
            garrisoned_sectors: garrisoned,
            trade_volume: world.get::<TradeVolume>(e).map_or(0, |v| v.0),
            rank: 0,
        };
        p.total_resources =
            p.bank_credits + p.ship_credits + p.ship_trade_in_value + p.garrison_fighter_value;
        out.push((world.get::<CharacterId>(e).expect("id").0.clone(), p));
    }
    // Wealthiest first; ties by name then id, so the order never depends on a hash.
    out.sort_by(|a, b| {
        (b.1.total_resources, &a.1.name, &a.0).cmp(&(a.1.total_resources, &b.1.name, &b.0))
    });
    for (i, (_, p)) in out.iter_mut().enumerate() {
        p.rank = i + 1;
    }
    out
}

fn corporation(
    world: &World,
    corp: &Corporation,
    wealth: &HashMap<&str, &PlayerStanding>,
) -> CorporationStanding {
    let members: Vec<MemberStanding> = corp
        .members
        .iter()
        .map(|m| MemberStanding {
            name: super::views::display_name(world, &m.character_id),
            total_resources: wealth
                .get(m.character_id.as_str())
                .map_or(0, |p| p.total_resources),
        })
        .collect();
    let index = world.resource::<CharacterIndex>();
    let fleet: Vec<Entity> = corp.ships.iter().filter_map(|s| index.get(s)).collect();
    let credits: i64 = fleet
        .iter()
        .filter_map(|e| world.get::<Credits>(*e))
        .map(|c| c.0)
        .sum();
    let hulls: i64 = fleet
        .iter()
        .filter_map(|e| world.get::<Ship>(*e))
        .map(trade_in)
        .sum();
    let member_total: i64 = members.iter().map(|m| m.total_resources).sum();
    CorporationStanding {
        corp_id: corp.corp_id.clone(),
        name: corp.name.clone(),
        member_count: members.len(),
        members,
        corp_ship_count: fleet.len(),
        corp_ship_credits: credits,
        corp_ship_trade_in_value: hulls,
        member_total_resources: member_total,
        total_resources: member_total + credits + hulls,
        rank: 0,
    }
}

/// The standings as the World stands now.
pub fn build(world: &World) -> Leaderboard {
    let sector_count = world.resource::<UniverseRes>().sector_count();
    let players = players(world, sector_count);
    let wealth: HashMap<&str, &PlayerStanding> =
        players.iter().map(|(id, p)| (id.as_str(), p)).collect();
    let mut corporations: Vec<CorporationStanding> = world
        .get_resource::<Corporations>()
        .into_iter()
        .flat_map(|c| c.entities())
        .filter_map(|e| world.get::<Corporation>(e))
        .map(|c| corporation(world, c, &wealth))
        .collect();
    // Stable over id order: ties keep it.
    corporations.sort_by_key(|c| std::cmp::Reverse(c.total_resources));
    for (i, c) in corporations.iter_mut().enumerate() {
        c.rank = i + 1;
    }
    Leaderboard {
        schema_version: 1,
        as_of: world.resource::<GameClock>().now(),
        sector_count,
        players: players.into_iter().map(|(_, p)| p).collect(),
        corporations,
    }
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct LeaderboardRequest {
    /// Accepted and ignored (the standings are everyone's).
    pub character_id: Option<String>,
    /// Rebuild now rather than answer the cached standings (at most once a second).
    pub force_refresh: Option<bool>,
}

impl Validate for LeaderboardRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("character_id", &self.character_id, MAX_ID_LEN)
    }
}

/// `leaderboard.resources` (2026-01): the standings, as cached.
pub struct LeaderboardResources;

impl Endpoint for LeaderboardResources {
    const NAME: &'static str = "leaderboard.resources";
    const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
    type Request = LeaderboardRequest;
    type Result = Arc<Leaderboard>;

    fn handle(
        world: &mut World,
        _conn: ConnectionId,
        request: LeaderboardRequest,
    ) -> ApiResult<Arc<Leaderboard>> {
        let now = world.resource::<GameClock>().now();
        let Some(cache) = world.get_resource::<LeaderboardCache>() else {
            // A World without the cache (tests, tools): built on the spot.
            return Ok(Arc::new(build(world)));
        };
        let stale = cache.older_than(now, cache.refresh_micros)
            || (request.force_refresh == Some(true)
                && cache.older_than(now, FORCE_INTERVAL_MICROS));
        let current = cache.published.read().expect("leaderboard lock").clone();
        match current {
            Some(board) if !stale => Ok(board),
            _ => Ok(rebuild(world)),
        }
    }
}
