//! `test.reset` (the 2026-01 release's, for its integration suite): empties the World of
//! characters, fights, garrisons and salvage and puts every port back to its starting stock.
//! Served only when the server was started with test endpoints on; never on a real deployment.

use bang_components::api::endpoint::ONLY_2026_01;
use bang_components::api::requests::MAX_SHORT_TEXT;
use bang_components::api::{ApiError, Endpoint, error::ApiResult};
use bang_components::character::{CharacterIndex, InHyperspace, SectorOccupants};
use bang_components::combat::{EncounterIndex, GarrisonIndex, SalvageIndex};
use bang_components::economy::PortStates;
use bang_components::registry::Seeds;
use bang_components::rules::WorldRules;
use bang_components::session::{ConnectionId, WireDialect};
use bang_components::universe::UniverseRes;
use bevy_ecs::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct ResetRequest {
    /// Whether to delete seed files too (default true).
    pub clear_files: Option<bool>,
    /// Characters' seed files whose names contain any of these are deleted.
    pub file_prefixes: Option<Vec<String>>,
}

/// The seed files a reset deletes when the request names none (that release's list).
const DEFAULT_PATTERNS: [&str; 16] = [
    "test_",
    "weak_",
    "strong_",
    "player",
    "attacker",
    "defender",
    "victim",
    "deployer",
    "payer",
    "enemy",
    "observer",
    "combatant",
    "garrison_",
    "toll_",
    "def_",
    "salvage_",
];

impl bang_components::api::requests::Validate for ResetRequest {
    fn validate(&self) -> Result<(), String> {
        let bad = |p: &String| p.is_empty() || p.len() > MAX_SHORT_TEXT || p.contains('/');
        match &self.file_prefixes {
            Some(p) if p.len() > 64 || p.iter().any(bad) => Err(format!(
                "file_prefixes: at most 64 non-empty patterns of up to {MAX_SHORT_TEXT} characters, without '/'"
            )),
            _ => Ok(()),
        }
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ResetResult {
    pub cleared_characters: usize,
    pub cleared_combats: usize,
    pub cleared_salvage: usize,
    pub cleared_garrisons: usize,
    pub cleared_cache: usize,
    pub deleted_files: usize,
    pub ports_reset: usize,
}

fn despawn_all(world: &mut World, entities: Vec<Entity>) -> usize {
    let n = entities.len();
    for e in entities {
        world.despawn(e);
    }
    n
}

/// Corporations go, and their ships' registrations with them (the suite's files never list
/// those).
fn clear_corporations(world: &mut World) {
    let corporations = world
        .resource_mut::<bang_components::corporation::Corporations>()
        .drain();
    for &c in &corporations {
        let ships = world
            .get::<bang_components::corporation::Corporation>(c)
            .map(|c| c.ships.clone())
            .unwrap_or_default();
        let mut registry = world.resource_mut::<bang_components::registry::Registry>();
        for ship in ships {
            registry.remove(&ship);
        }
    }
    despawn_all(world, corporations);
}

/// The world-data directory's character files (those matching the patterns), what was read of
/// it, and the event log: that release's reset emptied its log; here the history goes too.
/// How many files were deleted.
fn clear_files(world: &mut World, req: &ResetRequest) -> usize {
    let mut deleted_files = 0;
    if let Some(seeds) = world.get_resource::<Seeds>() {
        if req.clear_files.unwrap_or(true) {
            let patterns = req
                .file_prefixes
                .clone()
                .unwrap_or_else(|| DEFAULT_PATTERNS.map(String::from).to_vec());
            deleted_files = seeds.0.delete_characters(&patterns);
        }
        seeds.0.forget();
        seeds.0.truncate_event_log();
    }
    world.write_message(bang_components::history::HistoryCleared);
    deleted_files
}

fn reset(world: &mut World, conn: ConnectionId, req: ResetRequest) -> ApiResult<ResetResult> {
    if !world.resource::<WorldRules>().test_endpoints {
        return Err(ApiError::not_found("Unknown endpoint: test.reset"));
    }
    // A test deployment may still run with accounts: then only an operator resets it.
    if crate::accounts::operator::enforced(world) {
        crate::operator::check_operator(world, conn, None)?;
    }
    let characters: Vec<Entity> = std::mem::take(&mut world.resource_mut::<CharacterIndex>().by_id)
        .into_values()
        .collect();
    // Every request gets its reply: a jump under way is answered before its ship goes.
    for &e in &characters {
        let owed = world
            .get_mut::<InHyperspace>(e)
            .and_then(|mut t| t.reply.take());
        if let Some(pending) = owed {
            let gone = ApiError::new(409, "The world was reset during the jump");
            crate::dispatch::answer::<bang_components::api::v2026::Success>(
                world,
                pending,
                Err(gone),
            );
        }
    }
    *world.resource_mut::<SectorOccupants>() = SectorOccupants::default();
    let fights: Vec<Entity> = std::mem::take(&mut world.resource_mut::<EncounterIndex>().by_id)
        .into_values()
        .collect();
    world.resource_mut::<EncounterIndex>().by_sector.clear();
    let garrisons: Vec<Entity> =
        std::mem::take(&mut world.resource_mut::<GarrisonIndex>().by_sector)
            .into_values()
            .collect();
    let salvage: Vec<Entity> = std::mem::take(&mut world.resource_mut::<SalvageIndex>().by_id)
        .into_values()
        .collect();
    // That release keeps ships in a file its suite empties itself; here they go with the rest.
    let ships = world
        .resource_mut::<bang_components::unowned_ships::UnownedShips>()
        .drain();
    despawn_all(world, ships);
    clear_corporations(world);
    let universe = world.resource::<UniverseRes>().clone();
    let mut ports = world.resource_mut::<PortStates>();
    let mut ports_reset = 0;
    for sector in ports.sectors() {
        if let Some(initial) = &universe.sector(sector).port {
            ports.update(sector, |p| {
                p.stock = initial.stock;
                (true, ())
            });
            ports_reset += 1;
        }
    }
    let deleted_files = clear_files(world, &req);
    // A new game: nothing held, nothing minted.
    world.insert_resource(bang_components::ledger::CreditLedger::default());
    Ok(ResetResult {
        cleared_characters: despawn_all(world, characters),
        cleared_combats: despawn_all(world, fights),
        cleared_salvage: despawn_all(world, salvage),
        cleared_garrisons: despawn_all(world, garrisons),
        cleared_cache: 0,
        deleted_files,
        ports_reset,
    })
}

/// `test.reset`: an empty world again (test deployments only).
pub struct TestReset;

impl Endpoint for TestReset {
    const NAME: &'static str = "test.reset";
    const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
    type Request = ResetRequest;
    type Result = ResetResult;

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: ResetRequest,
    ) -> ApiResult<ResetResult> {
        reset(world, conn, request)
    }
}
