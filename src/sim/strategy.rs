//! The built-in strategies: what a simulated ship does in a round.

use super::scenario::{StrategyKind, StrategySpec};
use bang_components::combat::{Encounter, Participant};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// An action for `combat.action`: (action, commit, target, destination).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub action: &'static str,
    pub commit: Option<i64>,
    pub target: Option<String>,
    pub to_sector: Option<i64>,
}

impl Decision {
    pub fn brace() -> Decision {
        Decision {
            action: "brace",
            commit: None,
            target: None,
            to_sector: None,
        }
    }
}

/// The sector a fleeing ship runs to (the sim universe is two sectors, 0 ↔ 1).
pub const FLEE_TO: i64 = 1;

/// Decides `me`'s action this round. `sides` maps participant ids and garrison owners to sides;
/// `roll` is this ship's own seeded stream for the round (only `random` uses it).
pub fn decide(
    spec: &StrategySpec,
    me: &Participant,
    encounter: &Encounter,
    side_of: &BTreeMap<String, String>,
    roll: &mut ChaCha8Rng,
) -> Decision {
    let my_side = side_of.get(&me.owner);
    let mut opponents: Vec<&Participant> = encounter
        .participants
        .iter()
        .filter(|p| p.fighters > 0 && side_of.get(&p.owner) != my_side)
        .collect();
    opponents.sort_by(|a, b| (a.fighters, &a.id).cmp(&(b.fighters, &b.id)));
    let strongest = opponents.iter().map(|p| p.fighters).max().unwrap_or(0);
    let attack = || -> Decision {
        match opponents.first() {
            Some(t) if me.fighters > 0 => {
                let commit = spec
                    .commit
                    .unwrap_or_else(|| ((me.fighters as f64) * spec.commit_fraction).floor() as i64)
                    .max(1);
                Decision {
                    action: "attack",
                    commit: Some(commit),
                    target: Some(t.id.clone()),
                    to_sector: None,
                }
            }
            _ => Decision::brace(),
        }
    };
    let flee = || -> Decision {
        if me.is_escape_pod {
            Decision::brace()
        } else {
            Decision {
                action: "flee",
                commit: None,
                target: None,
                to_sector: Some(FLEE_TO),
            }
        }
    };
    match spec.kind {
        StrategyKind::Aggressive => attack(),
        StrategyKind::Cautious => {
            if strongest > me.fighters {
                Decision::brace()
            } else {
                attack()
            }
        }
        StrategyKind::Runner => {
            let ratio = if strongest == 0 {
                f64::INFINITY
            } else {
                me.fighters as f64 / strongest as f64
            };
            if ratio < spec.flee_below {
                flee()
            } else {
                attack()
            }
        }
        StrategyKind::TollPayer => {
            if encounter.tolls.values().any(|d| !d.paid) {
                Decision {
                    action: "pay",
                    commit: None,
                    target: None,
                    to_sector: None,
                }
            } else {
                Decision::brace()
            }
        }
        StrategyKind::Random => match roll.random_range(0..3u32) {
            0 => attack(),
            1 => Decision::brace(),
            _ => flee(),
        },
    }
}

/// A ship's own stream for one round: independent of every other ship and of thread scheduling.
pub fn roll_for(seed: u64, encounter: u64, round: u32, ship: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ encounter.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    rng.set_stream(((round as u64) << 32) | ship as u64);
    rng
}
