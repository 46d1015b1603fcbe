//! The built-in strategies: what a simulated ship does in a round.

use super::scenario::{Side, StrategyKind, StrategySpec};
use bang_components::combat::{CombatAction, Encounter, Participant};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// An action for `combat.action`: (action, commit, target, destination).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub action: CombatAction,
    pub commit: Option<i64>,
    pub target: Option<String>,
    pub to_sector: Option<i64>,
}

impl Decision {
    pub fn brace() -> Decision {
        Decision {
            action: CombatAction::Brace,
            commit: None,
            target: None,
            to_sector: None,
        }
    }
}

/// The sector a fleeing ship runs to (the sim universe is two sectors, 0 ↔ 1).
pub const FLEE_TO: i64 = 1;

/// What a strategy looks at: its own ship and the opponents still fighting. `T` names a target
/// (an id on the App path, an index on the batched one).
#[derive(Debug, Clone, Copy)]
pub struct Situation<T> {
    pub fighters: i64,
    pub escape_pod: bool,
    /// The opponent with the fewest fighters (ties: the smallest id), among those with any.
    pub weakest: Option<T>,
    /// The most fighters any opponent has.
    pub strongest: i64,
    /// Whether any toll demand in the fight is unpaid.
    pub toll_open: bool,
}

/// A strategy's choice for the round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice<T> {
    Attack { commit: i64, target: T },
    Brace,
    Flee,
    Pay,
}

/// The strategy a side plays in `round`: its latest phase begun by then, else its own.
pub fn strategy_at(side: &Side, round: u32) -> &StrategySpec {
    side.phases
        .iter()
        .filter(|ph| ph.from_round <= round)
        .max_by_key(|ph| ph.from_round)
        .map_or(&side.strategy, |ph| &ph.strategy)
}

/// The rules of the built-in strategies. `roll` makes this ship's own stream for the round (only
/// `random` draws from it, so only it pays for seeding one).
pub fn choose<T>(
    spec: &StrategySpec,
    me: Situation<T>,
    roll: impl FnOnce() -> ChaCha8Rng,
) -> Choice<T> {
    let attack = |me: Situation<T>| -> Choice<T> {
        match me.weakest {
            Some(target) if me.fighters > 0 => Choice::Attack {
                commit: spec
                    .commit
                    .unwrap_or_else(|| ((me.fighters as f64) * spec.commit_fraction).floor() as i64)
                    .max(1),
                target,
            },
            _ => Choice::Brace,
        }
    };
    let flee = |me: &Situation<T>| {
        if me.escape_pod {
            Choice::Brace
        } else {
            Choice::Flee
        }
    };
    match spec.kind {
        StrategyKind::Aggressive => attack(me),
        StrategyKind::Cautious => {
            if me.strongest > me.fighters {
                Choice::Brace
            } else {
                attack(me)
            }
        }
        StrategyKind::Runner => {
            let ratio = if me.strongest == 0 {
                f64::INFINITY
            } else {
                me.fighters as f64 / me.strongest as f64
            };
            if ratio < spec.flee_below {
                flee(&me)
            } else {
                attack(me)
            }
        }
        StrategyKind::TollPayer => {
            if me.toll_open {
                Choice::Pay
            } else {
                Choice::Brace
            }
        }
        StrategyKind::Random => match roll().random_range(0..3u32) {
            0 => attack(me),
            1 => Choice::Brace,
            _ => flee(&me),
        },
    }
}

/// Decides `me`'s action this round in a live encounter. `sides` maps participant ids and
/// garrison owners to sides; `roll` makes this ship's own stream for the round.
pub fn decide(
    spec: &StrategySpec,
    me: &Participant,
    encounter: &Encounter,
    side_of: &BTreeMap<String, String>,
    roll: impl FnOnce() -> ChaCha8Rng,
) -> Decision {
    let my_side = side_of.get(&me.owner);
    let opponents = encounter
        .participants
        .iter()
        .filter(|p| p.fighters > 0 && side_of.get(&p.owner) != my_side);
    let situation = Situation {
        fighters: me.fighters,
        escape_pod: me.is_escape_pod,
        weakest: opponents
            .clone()
            .min_by(|a, b| (a.fighters, &a.id).cmp(&(b.fighters, &b.id)))
            .map(|p| p.id.clone()),
        strongest: opponents.map(|p| p.fighters).max().unwrap_or(0),
        toll_open: encounter.tolls.values().any(|d| !d.paid),
    };
    decision(choose(spec, situation, roll))
}

/// The `combat.action` a strategy's choice comes to.
pub fn decision(choice: Choice<String>) -> Decision {
    match choice {
        Choice::Attack { commit, target } => Decision {
            action: CombatAction::Attack,
            commit: Some(commit),
            target: Some(target),
            to_sector: None,
        },
        Choice::Brace => Decision::brace(),
        Choice::Flee => Decision {
            action: CombatAction::Flee,
            commit: None,
            target: None,
            to_sector: Some(FLEE_TO),
        },
        Choice::Pay => Decision {
            action: CombatAction::Pay,
            commit: None,
            target: None,
            to_sector: None,
        },
    }
}

/// A ship's own stream for one round: independent of every other ship and of thread scheduling.
pub fn roll_for(seed: u64, encounter: u64, round: u32, ship: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ encounter.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    rng.set_stream(((round as u64) << 32) | ship as u64);
    rng
}
