//! Running encounters headless: one game App per worker thread (the same builder and systems as
//! the server), a fresh fight per encounter, results collected by encounter index so the output
//! does not depend on the number of threads.

use super::scenario::{Scenario, Side};
use super::strategy::{decide, roll_for, strategy_at};
use bang_components::api::combat::CombatActionRequest;
use bang_components::balance::Balance;
use bang_components::character::{CharacterId, CharacterIndex, SectorOccupants, Ship};
use bang_components::combat::{
    CombatAction, CombatantKind, Encounter, EncounterIndex, FightEnd, Garrison, GarrisonIndex,
    GarrisonMode, SalvageIndex,
};
use bang_components::session::ConnectionId;
use bang_components::ships::ShipType;
use bang_components::time::{GameClock, Timestamp};
use bang_components::universe::{Sector, Universe};
use bang_systems::characters::spawn_character;
use bang_systems::combat::encounters::Present;
use bang_systems::combat::endpoints;
use bang_systems::combat::engage::{run_follow_ons, start_or_join};
use bang_systems::combat::engine::RngKind;
use bang_systems::combat::ids::CombatIds;
use bang_systems::{GameSetup, harness};
use bevy_app::App;
use bevy_ecs::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What one encounter came to.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EncounterResult {
    /// `win:{side}`, `stalemate`, `fled:{side}`, `toll_satisfied`, `unfinished`, `no_fight`.
    pub outcome: String,
    pub rounds: u32,
    pub fighters_lost: BTreeMap<String, i64>,
    pub shields_lost: BTreeMap<String, i64>,
    pub flee_attempts: BTreeMap<String, u32>,
    pub flee_successes: BTreeMap<String, u32>,
    pub tolls_paid: u32,
    pub toll_credits: i64,
}

/// A game App with no network and no store, on a manual clock.
pub struct SimWorld {
    app: App,
}

impl SimWorld {
    /// The World after the last encounter (for checks and tests).
    pub fn world(&self) -> &World {
        self.app.world()
    }
}

fn sim_universe() -> Arc<Universe> {
    let sectors = vec![
        Sector {
            warps: vec![1],
            ..Default::default()
        },
        Sector {
            warps: vec![0],
            ..Default::default()
        },
    ];
    Arc::new(Universe::new(sectors))
}

/// Mixes the base seed and the encounter index into the encounter's own seed.
pub fn encounter_seed(seed: u64, index: u64) -> u64 {
    let mut z = seed ^ index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl SimWorld {
    pub fn new(balance: &Balance, rng: RngKind) -> SimWorld {
        let setup = GameSetup {
            balance: balance.clone(),
            seed: 0,
            combat_rng: rng,
            rules: Default::default(),
            registration_required: false,
            ..harness::setup(sim_universe())
        };
        SimWorld {
            app: harness::Game::headless(setup).app,
        }
    }

    /// Clears everything the previous encounter left.
    fn reset(&mut self) {
        let world = self.app.world_mut();
        let mut doomed: Vec<Entity> = Vec::new();
        doomed.extend(
            world
                .query_filtered::<Entity, With<CharacterId>>()
                .iter(world),
        );
        doomed.extend(world.query_filtered::<Entity, With<Garrison>>().iter(world));
        doomed.extend(
            world
                .query_filtered::<Entity, With<Encounter>>()
                .iter(world),
        );
        doomed.extend(
            world
                .query_filtered::<Entity, With<bang_components::combat::Salvage>>()
                .iter(world),
        );
        for e in doomed {
            world.despawn(e);
        }
        world.insert_resource(CharacterIndex::default());
        world.insert_resource(SectorOccupants::default());
        world.insert_resource(EncounterIndex::default());
        world.insert_resource(GarrisonIndex::default());
        world.insert_resource(SalvageIndex::default());
        world.insert_resource(bang_components::combat::CombatStats::default());
    }

    /// Runs encounter `index` of a scenario to its end (or `max_rounds`).
    pub fn run(&mut self, scenario: &Scenario, seed: u64, index: u64) -> EncounterResult {
        self.reset();
        let eseed = encounter_seed(seed, index);
        let world = self.app.world_mut();
        world.insert_resource(CombatIds::seeded(eseed));
        let now = world.resource::<GameClock>().now();
        // Who is on which side: ships by their id, garrisons by their owner.
        let mut side_of: BTreeMap<String, String> = BTreeMap::new();
        let mut ships: Vec<(Entity, String, i64, i64)> = Vec::new();
        for side in &scenario.sides {
            spawn_side(world, side, now, &mut side_of, &mut ships);
        }
        let (garrisons, garrison_start) = spawn_garrisons(world, scenario, now, &mut side_of);
        let initiator = ships.first().map(|s| s.0);
        let enc = match start_or_join(
            world,
            0,
            initiator,
            garrisons,
            Present::Everyone,
            "simulation",
        ) {
            Ok((enc, _)) => enc,
            Err(_) => {
                return EncounterResult {
                    outcome: "no_fight".into(),
                    ..Default::default()
                };
            }
        };
        let combat_id = world
            .get::<Encounter>(enc)
            .expect("encounter")
            .combat_id
            .clone();
        let specs: BTreeMap<&str, &Side> = scenario
            .sides
            .iter()
            .map(|s| (s.name.as_str(), s))
            .collect();
        loop {
            // Every ship decides from the round's opening state, then the actions go in.
            let (round, requests) = {
                let e = world.get::<Encounter>(enc).expect("encounter");
                if e.ended || e.round > scenario.max_rounds {
                    break;
                }
                let requests = round_requests(e, &specs, &side_of, (eseed, index), &combat_id);
                (e.round, requests)
            };
            submit(world, requests, &combat_id, round);
            // Only garrisons left, or nobody could act: let the deadline decide.
            let e = world.get::<Encounter>(enc).expect("encounter");
            if !e.ended && e.round == round {
                bang_systems::combat::rounds::resolve_open_round(world, enc);
                bang_systems::combat::rounds::settle(world, enc);
                run_follow_ons(world);
            }
        }
        summarise(world, enc, &side_of, &ships, &garrison_start)
    }
}

/// The garrisons of a scenario, all in the fight's sector; an owner with no ship of its own
/// is a side by itself. Returns them with each one's side and starting fighters.
fn spawn_garrisons(
    world: &mut World,
    scenario: &Scenario,
    now: Timestamp,
    side_of: &mut BTreeMap<String, String>,
) -> (Vec<Entity>, Vec<(String, i64)>) {
    let mut garrisons = Vec::new();
    let mut garrison_start: Vec<(String, i64)> = Vec::new();
    for g in &scenario.garrisons {
        side_of
            .entry(g.owner.clone())
            .or_insert_with(|| format!("garrison:{}", g.owner));
        let mode = GarrisonMode::parse(&g.mode).expect("validated");
        let e = world
            .spawn(Garrison {
                sector: 0,
                owner: g.owner.clone(),
                fighters: g.fighters,
                mode,
                toll_amount: if mode == GarrisonMode::Toll {
                    g.toll_amount
                } else {
                    0
                },
                toll_balance: 0,
                deployed_at: now,
            })
            .id();
        world.resource_mut::<GarrisonIndex>().by_sector.insert(0, e);
        garrisons.push(e);
        garrison_start.push((side_of[&g.owner].clone(), g.fighters));
    }
    (garrisons, garrison_start)
}

/// Every ship's action for the open round, all decided from its opening state. A ship's
/// roll depends on the encounter's (seed, index), the round and the ship's place among the
/// participants, so results do not depend on threads or timing.
fn round_requests(
    e: &Encounter,
    specs: &BTreeMap<&str, &Side>,
    side_of: &BTreeMap<String, String>,
    (eseed, index): (u64, u64),
    combat_id: &str,
) -> Vec<CombatActionRequest> {
    e.participants
        .iter()
        .enumerate()
        .filter(|(_, p)| p.kind == CombatantKind::Character)
        .map(|(n, me)| {
            let strategy = strategy_at(specs[side_of[&me.id].as_str()], e.round);
            let roll = || roll_for(eseed, index, e.round, n);
            let d = decide(strategy, me, e, side_of, roll);
            CombatActionRequest {
                character_id: Some(me.id.clone()),
                combat_id: Some(combat_id.to_string()),
                action: Some(d.action.to_string()),
                commit: d.commit,
                target_id: d.target,
                to_sector: d.to_sector.map(bang_components::api::requests::IntArg::Int),
                to: None,
                round: Some(e.round as i64),
            }
        })
        .collect()
}

/// The actions go in through the same endpoint players use (the last one resolves the
/// round), each followed by what it set off, as after a request on the server.
fn submit(world: &mut World, requests: Vec<CombatActionRequest>, combat_id: &str, round: u32) {
    for req in requests {
        let id = req.character_id.clone();
        if endpoints::act(world, ConnectionId(0), req).is_err() {
            // A move the rules refuse (e.g. a round that already moved on) becomes a brace.
            let brace = CombatActionRequest {
                character_id: id,
                combat_id: Some(combat_id.to_string()),
                action: Some(CombatAction::Brace.to_string()),
                round: Some(round as i64),
                ..Default::default()
            };
            let _ = endpoints::act(world, ConnectionId(0), brace);
        }
        run_follow_ons(world);
    }
}

fn spawn_side(
    world: &mut World,
    side: &Side,
    now: Timestamp,
    side_of: &mut BTreeMap<String, String>,
    ships: &mut Vec<(Entity, String, i64, i64)>,
) {
    let mut n = 0;
    for spec in &side.ships {
        let ship_type = ShipType::parse_requested(&spec.ship_type).expect("validated");
        for _ in 0..spec.count {
            let id = format!("{}.{n}", side.name);
            n += 1;
            let e = spawn_character(world, &id, ship_type, side.credits, 0, now);
            let mut ship = world.get_mut::<Ship>(e).expect("ship");
            if let Some(f) = spec.fighters {
                ship.fighters = f;
            }
            if let Some(s) = spec.shields {
                ship.shields = s;
            }
            let (f, s) = (ship.fighters, ship.shields);
            side_of.insert(id, side.name.clone());
            ships.push((e, side.name.clone(), f, s));
        }
    }
}

fn summarise(
    world: &World,
    enc: Entity,
    side_of: &BTreeMap<String, String>,
    ships: &[(Entity, String, i64, i64)],
    garrison_start: &[(String, i64)],
) -> EncounterResult {
    let e = world.get::<Encounter>(enc).expect("encounter");
    let mut r = EncounterResult {
        rounds: e.logs.len() as u32,
        ..Default::default()
    };
    for (entity, side, f0, s0) in ships {
        let ship = world.get::<Ship>(*entity).expect("ship");
        *r.fighters_lost.entry(side.clone()).or_default() += f0 - ship.fighters;
        *r.shields_lost.entry(side.clone()).or_default() += s0 - ship.shields;
    }
    for (side, f0) in garrison_start {
        let left: i64 = e
            .participants
            .iter()
            .filter(|p| p.kind == CombatantKind::Garrison && &side_of[&p.owner] == side)
            .map(|p| p.fighters)
            .sum();
        *r.fighters_lost.entry(side.clone()).or_default() += f0 - left;
    }
    for log in &e.logs {
        for (id, a) in &log.actions {
            if a.action == CombatAction::Flee {
                *r.flee_attempts.entry(side_of[id].clone()).or_default() += 1;
            }
        }
    }
    for id in &e.fled {
        *r.flee_successes.entry(side_of[id].clone()).or_default() += 1;
    }
    for d in e.tolls.values() {
        for (_, amount, _) in &d.payments {
            r.tolls_paid += 1;
            r.toll_credits += amount;
        }
    }
    r.outcome = match &e.end_state {
        None if !e.ended => "unfinished".into(),
        Some(FightEnd::Stalemate) => "stalemate".into(),
        Some(FightEnd::TollSatisfied) => "toll_satisfied".into(),
        Some(FightEnd::Fled(id)) => {
            format!(
                "fled:{}",
                side_of.get(id).cloned().unwrap_or_else(|| id.clone())
            )
        }
        Some(_) => {
            // The side(s) with fighters left won.
            let mut winners: Vec<String> = e
                .participants
                .iter()
                .filter(|p| p.fighters > 0 && !e.fled.contains(&p.id))
                .map(|p| {
                    side_of
                        .get(&p.owner)
                        .cloned()
                        .unwrap_or_else(|| p.owner.clone())
                })
                .collect();
            winners.sort();
            winners.dedup();
            match winners.as_slice() {
                [w] => format!("win:{w}"),
                _ => "stalemate".into(),
            }
        }
        None => "unfinished".into(),
    };
    r
}
