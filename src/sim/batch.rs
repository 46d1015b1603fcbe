//! The batched path: many ship-only encounters as entities of one World, advanced a round at a
//! time by one system over compact state. The round itself is the engine's
//! ([`resolve_indexed`], the core behind the server's `resolve_round`), the choices are the
//! strategies' ([`choose`]), and what the server does around a round for ships alone is mirrored
//! here: an action the server would refuse becomes a brace, a ship that flees leaves the fight, a
//! destroyed ship becomes an escape pod. `tests/sim.rs` checks encounter by encounter that this
//! path and the App path ([`super::runner::SimWorld`]) give the same results.
//!
//! Garrisons and tolls bring in the rest of the server (automatic garrison actions, demands,
//! payments), so scenarios with garrisons always run on the App path.

use super::report::{SideTotals, Totals};
use super::runner::{EncounterResult, encounter_seed};
use super::scenario::{Scenario, Side};
use super::strategy::{Choice, Situation, choose, roll_for, strategy_at};
use bang_components::balance::CombatBalance;
use bang_components::ships::ShipType;
use bang_systems::combat::engine::{
    CombatAction, Combatant, Order, RngKind, RoundEnd, Tally, resolve_indexed,
};
use bang_systems::combat::ids::CombatIds;
use bevy_ecs::prelude::*;
use std::collections::BTreeMap;

/// Whether a scenario can run on the batched path.
pub fn supports(scenario: &Scenario) -> bool {
    scenario.garrisons.is_empty()
}

/// One ship of the scenario, in joining order (side by side, ship by ship, as the App path spawns
/// them).
#[derive(Debug, Clone)]
struct ShipTemplate {
    side: usize,
    /// Its place in id (byte) order, the order the engine sees participants in.
    rank: usize,
    start: Combatant,
    escape_pod: bool,
}

/// What every encounter of a scenario starts from.
#[derive(Resource)]
struct Template {
    sides: Vec<Side>,
    ships: Vec<ShipTemplate>,
    /// Ship indices (joining order) sorted by id.
    by_rank: Vec<usize>,
    max_rounds: u32,
    balance: CombatBalance,
    rng: RngKind,
    seed: u64,
    /// What a destroyed ship is left with.
    pod: Combatant,
}

impl Template {
    fn new(scenario: &Scenario, balance: &CombatBalance, rng: RngKind, seed: u64) -> Template {
        let mut ships = Vec::new();
        let mut ids = Vec::new();
        for (side, spec) in scenario.sides.iter().enumerate() {
            let mut n = 0;
            for ship in &spec.ships {
                let ship_type = ShipType::parse_requested(&ship.ship_type).expect("validated");
                let stats = ship_type.stats();
                for _ in 0..ship.count {
                    // The App path's character ids.
                    ids.push(format!("{}.{n}", spec.name));
                    n += 1;
                    ships.push(ShipTemplate {
                        side,
                        rank: 0,
                        start: Combatant {
                            fighters: ship.fighters.unwrap_or(stats.max_fighters as i64),
                            shields: ship.shields.unwrap_or(stats.max_shields as i64),
                            turns_per_warp: stats.turns_per_warp as i64,
                        },
                        escape_pod: ship_type == ShipType::EscapePod,
                    });
                }
            }
        }
        let mut by_rank: Vec<usize> = (0..ships.len()).collect();
        by_rank.sort_by(|a, b| ids[*a].cmp(&ids[*b]));
        for (rank, &i) in by_rank.iter().enumerate() {
            ships[i].rank = rank;
        }
        let pod = ShipType::EscapePod.stats();
        Template {
            sides: scenario.sides.clone(),
            ships,
            by_rank,
            max_rounds: scenario.max_rounds,
            balance: balance.clone(),
            rng,
            seed,
            pod: Combatant {
                fighters: pod.max_fighters as i64,
                shields: pod.max_shields as i64,
                turns_per_warp: pod.turns_per_warp as i64,
            },
        }
    }
}

/// One ship's state in one encounter.
#[derive(Debug, Clone, Copy)]
struct ShipState {
    fighters: i64,
    shields: i64,
    /// Still a participant (not fled).
    present: bool,
    escape_pod: bool,
}

/// One encounter: an entity of the batch World.
#[derive(Component)]
struct Fight {
    index: u64,
    /// The encounter's own seed (strategy rolls) and its round generator's seed.
    seed: u64,
    base_seed: i64,
    round: u32,
    ships: Vec<ShipState>,
    /// Flee attempts and successes per side.
    flee_attempts: Vec<u32>,
    flee_successes: Vec<u32>,
    end: Option<RoundEnd>,
    /// The ship index (joining order) of a `Fled` end.
    fled_ship: Option<usize>,
    rounds: u32,
    done: bool,
}

impl Fight {
    fn new(template: &Template, index: u64) -> Fight {
        let seed = encounter_seed(template.seed, index);
        // The App path draws the combat id, then the round seed, from the same stream.
        let mut ids = CombatIds::seeded(seed);
        ids.skip_id();
        Fight {
            index,
            seed,
            base_seed: ids.next_seed(),
            round: 1,
            ships: template
                .ships
                .iter()
                .map(|s| ShipState {
                    fighters: s.start.fighters,
                    shields: s.start.shields,
                    present: true,
                    escape_pod: s.escape_pod,
                })
                .collect(),
            flee_attempts: vec![0; template.sides.len()],
            flee_successes: vec![0; template.sides.len()],
            end: None,
            fled_ship: None,
            rounds: 0,
            done: false,
        }
    }
}

/// Scratch buffers reused across rounds (one set per worker).
#[derive(Resource, Default)]
struct Scratch {
    /// Present ships (joining order indices) in id order: the engine's participants.
    engine: Vec<usize>,
    /// Engine index of each ship (usize::MAX: not present).
    slot_of: Vec<usize>,
    combatants: Vec<Combatant>,
    orders: Vec<Option<Order>>,
    tallies: Vec<Tally>,
}

/// The system: every open fight plays one round.
fn play_rounds(
    template: Res<Template>,
    mut scratch: ResMut<Scratch>,
    mut fights: Query<&mut Fight>,
) {
    for mut fight in &mut fights {
        if !fight.done {
            play_round(&template, &mut scratch, &mut fight);
        }
    }
}

fn play_round(t: &Template, scratch: &mut Scratch, f: &mut Fight) {
    if f.round > t.max_rounds {
        f.done = true;
        return;
    }
    let Scratch {
        engine,
        slot_of,
        combatants,
        orders,
        tallies,
    } = scratch;
    engine.clear();
    engine.extend(t.by_rank.iter().copied().filter(|&i| f.ships[i].present));
    slot_of.clear();
    slot_of.resize(f.ships.len(), usize::MAX);
    combatants.clear();
    for (slot, &i) in engine.iter().enumerate() {
        slot_of[i] = slot;
        let s = &f.ships[i];
        combatants.push(Combatant {
            fighters: s.fighters,
            shields: s.shields,
            turns_per_warp: t.ships[i].start.turns_per_warp,
        });
    }
    orders.clear();
    orders.resize(engine.len(), None);

    decide(t, f, slot_of, orders);

    tallies.clear();
    tallies.resize(engine.len(), Tally::default());
    let resolved = resolve_indexed(
        combatants,
        orders,
        f.base_seed,
        f.round,
        t.rng,
        &t.balance,
        tallies,
    );
    for (slot, &i) in engine.iter().enumerate() {
        let tally = tallies[slot];
        let ship = &mut f.ships[i];
        ship.fighters = tally.fighters_remaining;
        ship.shields = tally.shields_remaining;
        if tally.fled {
            ship.present = false;
            f.flee_successes[t.ships[i].side] += 1;
        }
    }
    f.rounds += 1;
    let Some(end) = resolved.end else {
        f.round += 1;
        return;
    };
    finish(t, f, engine, end);
}

/// The round's orders, apart from their resolution: no ship sees another's choice, and the
/// flee attempts are counted here (the successes only once the engine has spoken).
fn decide(t: &Template, f: &mut Fight, slot_of: &[usize], orders: &mut [Option<Order>]) {
    // Every present ship decides from the round's opening state; `n` counts present ships in
    // joining order, as the App path enumerates its participants.
    let present = (0..f.ships.len()).filter(|&i| f.ships[i].present);
    for (n, i) in present.enumerate() {
        let me = f.ships[i];
        let side = t.ships[i].side;
        let mut weakest: Option<(i64, usize)> = None;
        let mut strongest = 0;
        for (j, other) in f.ships.iter().enumerate() {
            if other.present && other.fighters > 0 && t.ships[j].side != side {
                let key = (other.fighters, t.ships[j].rank);
                if weakest.is_none_or(|w| key < w) {
                    weakest = Some(key);
                }
                strongest = strongest.max(other.fighters);
            }
        }
        let situation = Situation {
            fighters: me.fighters,
            escape_pod: me.escape_pod,
            weakest: weakest.map(|(_, rank)| t.by_rank[rank]),
            strongest,
            toll_open: false,
        };
        let strategy = strategy_at(&t.sides[side], f.round);
        let roll = || roll_for(f.seed, f.index, f.round, n);
        let order = match choose(strategy, situation, roll) {
            Choice::Attack { commit, target } => Order {
                action: CombatAction::Attack,
                commit,
                target: Some(slot_of[target]),
            },
            Choice::Flee => Order {
                action: CombatAction::Flee,
                commit: 0,
                target: None,
            },
            // With no toll demand a payment fails, and the server counts it as a brace.
            Choice::Brace | Choice::Pay => Order {
                action: CombatAction::Brace,
                commit: 0,
                target: None,
            },
        };
        if order.action == CombatAction::Flee {
            f.flee_attempts[side] += 1;
        }
        orders[slot_of[i]] = Some(order);
    }
}

/// A fight that ended this round: the destroyed become escape pods (as the server leaves
/// them), and a flight remembers who fled.
fn finish(t: &Template, f: &mut Fight, engine: &[usize], end: RoundEnd) {
    f.done = true;
    f.end = Some(end);
    // Destroyed ships (only the losers of a defeat or a victory) become escape pods.
    let destroyed = |i: usize, f: &Fight| match end {
        RoundEnd::Victory => f.ships[i].present && f.ships[i].fighters <= 0,
        RoundEnd::Defeated(slot) => engine[slot] == i && f.ships[i].present,
        _ => false,
    };
    for i in 0..f.ships.len() {
        if destroyed(i, f) && !f.ships[i].escape_pod {
            let ship = &mut f.ships[i];
            ship.fighters = t.pod.fighters;
            ship.shields = t.pod.shields;
            ship.escape_pod = true;
        }
    }
    if let RoundEnd::Fled(slot) = end {
        f.fled_ship = Some(engine[slot]);
    }
}

/// How a fight came out, by side index. (Two sides with a ship each always make a fight: the
/// App path's `no_fight` cannot happen here.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Unfinished,
    Stalemate,
    Fled(usize),
    Win(usize),
}

fn outcome_of(t: &Template, f: &Fight) -> Outcome {
    match f.end {
        None => Outcome::Unfinished,
        Some(RoundEnd::Stalemate) => Outcome::Stalemate,
        Some(RoundEnd::Fled(_)) => {
            Outcome::Fled(t.ships[f.fled_ship.expect("set with the end")].side)
        }
        Some(_) => {
            // The one side with fighters left among the ships still in the fight, if only one.
            let mut winner = None;
            for (i, s) in f.ships.iter().enumerate() {
                if s.present && s.fighters > 0 {
                    match winner {
                        None => winner = Some(t.ships[i].side),
                        Some(w) if w == t.ships[i].side => {}
                        Some(_) => return Outcome::Stalemate,
                    }
                }
            }
            winner.map_or(Outcome::Stalemate, Outcome::Win)
        }
    }
}

fn outcome_name(t: &Template, o: Outcome) -> String {
    match o {
        Outcome::Unfinished => "unfinished".into(),
        Outcome::Stalemate => "stalemate".into(),
        Outcome::Fled(side) => format!("fled:{}", t.sides[side].name),
        Outcome::Win(side) => format!("win:{}", t.sides[side].name),
    }
}

/// What a finished fight comes to, in the App path's terms (for comparing the two paths).
fn result(t: &Template, f: &Fight) -> EncounterResult {
    let side_name = |side: usize| t.sides[side].name.clone();
    let mut r = EncounterResult {
        outcome: outcome_name(t, outcome_of(t, f)),
        rounds: f.rounds,
        ..Default::default()
    };
    for (ship, state) in t.ships.iter().zip(&f.ships) {
        let name = side_name(ship.side);
        *r.fighters_lost.entry(name.clone()).or_default() += ship.start.fighters - state.fighters;
        *r.shields_lost.entry(name).or_default() += ship.start.shields - state.shields;
    }
    for side in 0..t.sides.len() {
        if f.flee_attempts[side] > 0 {
            r.flee_attempts
                .insert(side_name(side), f.flee_attempts[side]);
        }
        if f.flee_successes[side] > 0 {
            r.flee_successes
                .insert(side_name(side), f.flee_successes[side]);
        }
    }
    r
}

/// Running totals by index (no strings until the end): what [`Totals::add`] would make of each
/// fight's [`result`].
struct Counts {
    encounters: u64,
    outcomes: BTreeMap<Outcome, u64>,
    rounds: Vec<u64>,
    sides: Vec<SideTotals>,
    /// Per side, encounters by fighters lost.
    lost: Vec<BTreeMap<i64, u64>>,
    /// This fight's losses per side (scratch, reused).
    fight_lost: Vec<i64>,
}

impl Counts {
    fn new(t: &Template) -> Counts {
        Counts {
            encounters: 0,
            outcomes: BTreeMap::new(),
            rounds: Vec::new(),
            sides: vec![SideTotals::default(); t.sides.len()],
            lost: vec![BTreeMap::new(); t.sides.len()],
            fight_lost: vec![0; t.sides.len()],
        }
    }

    fn add(&mut self, t: &Template, f: &Fight) {
        self.encounters += 1;
        *self.outcomes.entry(outcome_of(t, f)).or_default() += 1;
        let r = f.rounds as usize;
        if self.rounds.len() <= r {
            self.rounds.resize(r + 1, 0);
        }
        self.rounds[r] += 1;
        self.fight_lost.fill(0);
        for (ship, state) in t.ships.iter().zip(&f.ships) {
            let side = &mut self.sides[ship.side];
            side.fought = true;
            side.fighters_lost += ship.start.fighters - state.fighters;
            side.shields_lost += ship.start.shields - state.shields;
            self.fight_lost[ship.side] += ship.start.fighters - state.fighters;
        }
        for (i, side) in self.sides.iter().enumerate() {
            if side.fought {
                *self.lost[i].entry(self.fight_lost[i]).or_default() += 1;
            }
        }
        for (i, side) in self.sides.iter_mut().enumerate() {
            side.flee_attempts += u64::from(f.flee_attempts[i]);
            side.flee_successes += u64::from(f.flee_successes[i]);
        }
    }

    fn totals(&self, t: &Template) -> Totals {
        let mut out = Totals {
            encounters: self.encounters,
            ..Totals::default()
        };
        for (k, n) in &self.outcomes {
            out.outcomes.insert(outcome_name(t, *k), *n);
        }
        for (r, n) in self.rounds.iter().enumerate() {
            if *n > 0 {
                out.rounds.insert(r as u32, *n);
            }
        }
        for (i, side) in self.sides.iter().enumerate() {
            if side.fought {
                out.sides.insert(t.sides[i].name.clone(), *side);
                out.fighters_lost
                    .insert(t.sides[i].name.clone(), self.lost[i].clone());
            }
        }
        out
    }
}

/// A worker's World for the batched path: it plays chunks of encounters of one scenario.
pub struct BatchWorld {
    world: World,
    schedule: Schedule,
}

/// Encounters in one World at a time.
pub const BATCH: u64 = 1024;

impl BatchWorld {
    pub fn new(scenario: &Scenario, balance: &CombatBalance, rng: RngKind, seed: u64) -> Self {
        let mut world = World::new();
        world.insert_resource(Template::new(scenario, balance, rng, seed));
        world.init_resource::<Scratch>();
        let mut schedule = Schedule::default();
        schedule.add_systems(play_rounds);
        BatchWorld { world, schedule }
    }

    /// Plays encounters `start..end` to their ends and adds them to the totals.
    pub fn run(&mut self, start: u64, end: u64, totals: &mut Totals) {
        let mut counts = Counts::new(self.world.resource::<Template>());
        self.play(start, end, |t, f| counts.add(t, f));
        totals.merge(counts.totals(self.world.resource::<Template>()));
    }

    /// Plays encounters `start..end`; each one's result, in index order.
    pub fn results(&mut self, start: u64, end: u64) -> Vec<EncounterResult> {
        let mut out = Vec::new();
        self.play(start, end, |t, f| out.push(result(t, f)));
        out
    }

    fn play(&mut self, start: u64, end: u64, mut each: impl FnMut(&Template, &Fight)) {
        let template = self.world.resource::<Template>();
        let fights: Vec<Fight> = (start..end).map(|i| Fight::new(template, i)).collect();
        let rounds = template.max_rounds;
        let entities: Vec<Entity> = self.world.spawn_batch(fights).collect();
        // One run plays a round of every open fight; a fight past `max_rounds` is done.
        for _ in 0..=rounds + 1 {
            self.schedule.run(&mut self.world);
            if self
                .world
                .query::<&Fight>()
                .iter(&self.world)
                .all(|f| f.done)
            {
                break;
            }
        }
        let template = self.world.resource::<Template>();
        for e in &entities {
            each(template, self.world.get::<Fight>(*e).expect("fight"));
        }
        for e in entities {
            self.world.despawn(e);
        }
    }
}
