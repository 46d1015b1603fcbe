//! The engine as first written (BTreeMaps keyed by id throughout), kept verbatim as an oracle:
//! the indexed engine must agree with it on every round.

use crate::combat::engine::{CombatAction, Fighter, RngKind, RoundAction, RoundOutcome};
use crate::combat::rng::RoundRng;
use bang_components::balance::CombatBalance;
use bang_components::combat::{RoundLosses, RoundStanding};
use std::collections::{BTreeMap, BTreeSet};

/// Resolves one round. `participants` in any order (ids are handled in byte order; a repeated id
/// counts once, its last entry); `actions` keyed by participant id (a missing one counts as a
/// timed-out brace, one for a non-participant is ignored).
pub fn resolve_round(
    participants: &[Fighter],
    actions: &BTreeMap<String, RoundAction>,
    base_seed: i64,
    round: u32,
    rng: RngKind,
    balance: &CombatBalance,
) -> RoundOutcome {
    let by_id: BTreeMap<&str, &Fighter> = participants.iter().map(|f| (f.id.as_str(), f)).collect();
    let mut rng = RoundRng::new(base_seed, round, rng);

    // §3.1: normalised actions and round-start mitigation (no draws).
    let effective: BTreeMap<&str, RoundAction> = by_id
        .iter()
        .map(|(&id, f)| (id, normalise(id, f, actions.get(id), &by_id)))
        .collect();
    let mitigation: BTreeMap<&str, f64> = by_id
        .iter()
        .map(|(&id, f)| {
            let braced = effective[id].action == CombatAction::Brace;
            (id, mitigation(f.shields, braced, balance))
        })
        .collect();

    // §3.2: flee rolls in id order against the strongest other active participant.
    let (active, fled, rolled_fleers) = flee_rolls(&by_id, &effective, &mut rng, balance);

    // §3.3: early exits when nobody (still present) attacks.
    let attackers: Vec<&str> = active
        .iter()
        .copied()
        .filter(|id| effective[id].action == CombatAction::Attack)
        .collect();
    if attackers.is_empty() {
        let effective = per_id(&by_id, |id, _| effective[id].clone());
        return quiet_round(&by_id, &fled, rolled_fleers.first(), effective, rng.draws());
    }

    // §3.4: round-robin shots, weakest attacker first.
    let mut order = attackers;
    order.sort_by_key(|&id| (by_id[id].fighters, by_id[id].turns_per_warp, id));
    let (hits, offensive, defensive) = shots(
        &order,
        &by_id,
        &effective,
        &active,
        &mitigation,
        &mut rng,
        balance,
    );

    // §3.5: remaining fighters and shields.
    let fighters_remaining = per_id(&by_id, |id, f| {
        let lost = offensive[id].saturating_add(defensive[id]);
        f.fighters.saturating_sub(lost).max(0)
    });
    let shield_loss = per_id(&by_id, |id, _| {
        let braced = effective[id].action == CombatAction::Brace;
        shield_loss(defensive[id], braced, balance)
    });
    let shields_remaining = per_id(&by_id, |id, f| {
        f.shields.saturating_sub(shield_loss[id]).max(0)
    });
    let end_state = end_state(&by_id, &fighters_remaining, &fled);

    RoundOutcome {
        losses: RoundLosses {
            hits: per_id(&by_id, |id, _| hits[id]),
            offensive_losses: per_id(&by_id, |id, _| offensive[id]),
            defensive_losses: per_id(&by_id, |id, _| defensive[id]),
            shield_loss,
        },
        standing: RoundStanding {
            fighters_remaining,
            shields_remaining,
            flee_results: per_id(&by_id, |id, _| fled.contains(id)),
        },
        end_state: end_state.map(|end| {
            end.parse()
                .expect("the oracle spells ends as the wire does")
        }),
        effective_actions: per_id(&by_id, |id, _| effective[id].clone()),
        draws: rng.draws(),
    }
}

/// §3.2, in id order: who is still active, who fled, and the fleers whose flight was rolled
/// (the first of them names a `{id}_fled` early exit).
fn flee_rolls<'a>(
    by_id: &BTreeMap<&'a str, &'a Fighter>,
    effective: &BTreeMap<&'a str, RoundAction>,
    rng: &mut RoundRng,
    balance: &CombatBalance,
) -> (BTreeSet<&'a str>, BTreeSet<&'a str>, Vec<&'a str>) {
    let mut active: BTreeSet<&str> = by_id.keys().copied().collect();
    let mut fled: BTreeSet<&str> = BTreeSet::new();
    let mut rolled_fleers: Vec<&str> = Vec::new();
    for (&id, fleer) in by_id {
        if effective[id].action != CombatAction::Flee {
            continue;
        }
        let success = match flee_opponent(id, &active, by_id) {
            // Nobody left to flee from: success without a roll. Like the reference, such a fleer
            // does not count for the `{id}_fled` early exit.
            None => true,
            Some(opponent) => {
                let chance = flee_chance(fleer, opponent, balance);
                let won = rng.next_f64() < chance;
                if won {
                    rolled_fleers.push(id);
                }
                won
            }
        };
        if success {
            active.remove(id);
            fled.insert(id);
        }
    }
    (active, fled, rolled_fleers)
}

/// A count per participant id.
type Counts<'a> = BTreeMap<&'a str, i64>;

/// §3.4: one shot per attacker per pass, in `order`, until no attacker has shots left or a
/// target; returns hits, offensive losses and defensive losses by id.
fn shots<'a>(
    order: &[&'a str],
    by_id: &BTreeMap<&'a str, &'a Fighter>,
    effective: &BTreeMap<&'a str, RoundAction>,
    active: &BTreeSet<&'a str>,
    mitigation: &BTreeMap<&'a str, f64>,
    rng: &mut RoundRng,
    balance: &CombatBalance,
) -> (Counts<'a>, Counts<'a>, Counts<'a>) {
    let mut remaining: Vec<i64> = order.iter().map(|&id| effective[id].commit).collect();
    let mut current: BTreeMap<&str, i64> = by_id.iter().map(|(&id, f)| (id, f.fighters)).collect();
    let mut hits: BTreeMap<&str, i64> = by_id.keys().map(|&id| (id, 0)).collect();
    let mut offensive = hits.clone();
    let mut defensive = hits.clone();
    loop {
        let mut fired = false;
        for (slot, &attacker) in order.iter().enumerate() {
            if remaining[slot] <= 0 {
                continue;
            }
            let target = effective[attacker]
                .target
                .as_deref()
                .expect("a normalised attack has a participant target");
            if current[attacker] <= 0 || !active.contains(target) || current[target] <= 0 {
                remaining[slot] = 0;
                continue;
            }
            remaining[slot] -= 1;
            fired = true;
            let p_hit = hit_chance(mitigation[target], mitigation[attacker], balance);
            if rng.next_f64() < p_hit {
                *hits.get_mut(attacker).expect("participant") += 1;
                *defensive.get_mut(target).expect("participant") += 1;
                *current.get_mut(target).expect("participant") -= 1;
            } else {
                *offensive.get_mut(attacker).expect("participant") += 1;
                *current.get_mut(attacker).expect("participant") -= 1;
            }
        }
        if !fired {
            break;
        }
    }
    (hits, offensive, defensive)
}

/// One value per participant, keyed by id.
fn per_id<T>(
    by_id: &BTreeMap<&str, &Fighter>,
    mut value: impl FnMut(&str, &Fighter) -> T,
) -> BTreeMap<String, T> {
    by_id
        .iter()
        .map(|(&id, f)| (id.to_string(), value(id, f)))
        .collect()
}

/// §3.1: the action the engine acts on. Attacks are clamped to the fighters at hand and become a
/// plain brace when nothing is committed or the target is missing, empty, the attacker itself or
/// not a participant. Other actions carry commit 0 and keep their (non-empty) target;
/// `destination` survives only on a flee. `timed_out` is kept as submitted.
fn normalise(
    id: &str,
    fighter: &Fighter,
    submitted: Option<&RoundAction>,
    by_id: &BTreeMap<&str, &Fighter>,
) -> RoundAction {
    let Some(submitted) = submitted else {
        return RoundAction::timed_out();
    };
    let target = submitted.target.clone().filter(|t| !t.is_empty());
    let timed_out = submitted.timed_out;
    match submitted.action {
        CombatAction::Attack => {
            let commit = submitted.commit.min(fighter.fighters).max(0);
            let target_ok = target
                .as_deref()
                .is_some_and(|t| t != id && by_id.contains_key(t));
            if commit > 0 && target_ok {
                RoundAction {
                    action: CombatAction::Attack,
                    commit,
                    target,
                    destination: None,
                    timed_out,
                }
            } else {
                RoundAction {
                    timed_out,
                    ..RoundAction::brace()
                }
            }
        }
        CombatAction::Flee => RoundAction {
            action: CombatAction::Flee,
            commit: 0,
            target,
            destination: submitted.destination,
            timed_out,
        },
        action => RoundAction {
            action,
            commit: 0,
            target,
            destination: None,
            timed_out,
        },
    }
}

/// Python's `min(a, b)`: `b` only when strictly smaller.
fn py_min(a: f64, b: f64) -> f64 {
    if b < a { b } else { a }
}

/// Python's `max(a, b)`: `b` only when strictly greater.
fn py_max(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}

/// The reference's `clamp(value, lo, hi) = max(lo, min(hi, value))`.
fn py_clamp(value: f64, lo: f64, hi: f64) -> f64 {
    py_max(lo, py_min(hi, value))
}

/// Shield mitigation from round-start shields; bracing multiplies it (still capped).
fn mitigation(shields: i64, braced: bool, balance: &CombatBalance) -> f64 {
    let base = balance.mitigation_per_shield * shields.max(0) as f64;
    let mitigation = py_max(0.0, py_min(balance.mitigation_cap, base));
    if braced {
        py_clamp(
            mitigation * balance.brace_mitigation_multiplier,
            0.0,
            balance.mitigation_cap,
        )
    } else {
        mitigation
    }
}

/// `p_hit = clamp(base − m_target × factor + m_attacker × bonus)`, left to right.
fn hit_chance(target_mitigation: f64, attacker_mitigation: f64, balance: &CombatBalance) -> f64 {
    py_clamp(
        balance.base_hit - target_mitigation * balance.target_mitigation_factor
            + attacker_mitigation * balance.attacker_mitigation_bonus,
        balance.min_hit,
        balance.max_hit,
    )
}

/// `clamp(base + step × (tpw_fleer − tpw_opponent))`.
fn flee_chance(fleer: &Fighter, opponent: &Fighter, balance: &CombatBalance) -> f64 {
    let delta = i128::from(fleer.turns_per_warp) - i128::from(opponent.turns_per_warp);
    py_clamp(
        balance.flee_base + balance.flee_step * delta as f64,
        balance.flee_min,
        balance.flee_max,
    )
}

/// The other active participant with the most round-start fighters; ties go to the smallest id.
fn flee_opponent<'a>(
    fleer: &str,
    active: &BTreeSet<&str>,
    by_id: &BTreeMap<&str, &'a Fighter>,
) -> Option<&'a Fighter> {
    let mut best: Option<&'a Fighter> = None;
    for &id in active.iter().filter(|&&id| id != fleer) {
        let candidate = by_id[id];
        if best.is_none_or(|b| candidate.fighters > b.fighters) {
            best = Some(candidate);
        }
    }
    best
}

/// `ceil(defensive × ablation)`, then `ceil(· × brace multiplier)` when bracing (in doubles, as
/// the reference).
fn shield_loss(defensive: i64, braced: bool, balance: &CombatBalance) -> i64 {
    let loss = (defensive as f64 * balance.shield_ablation_factor).ceil() as i64;
    if braced {
        (loss as f64 * balance.brace_ablation_multiplier).ceil() as i64
    } else {
        loss
    }
}

/// §3.3: a round in which nobody still present attacks: nothing is lost, and it ends the fight
/// (the first to roll a flee fled, else a stalemate).
fn quiet_round(
    by_id: &BTreeMap<&str, &Fighter>,
    fled: &BTreeSet<&str>,
    first_fleer: Option<&&str>,
    effective_actions: BTreeMap<String, RoundAction>,
    draws: u32,
) -> RoundOutcome {
    let end_state = match first_fleer {
        Some(first) => format!("{first}_fled"),
        None => "stalemate".to_string(),
    };
    RoundOutcome {
        losses: RoundLosses {
            hits: per_id(by_id, |_, _| 0),
            offensive_losses: per_id(by_id, |_, _| 0),
            defensive_losses: per_id(by_id, |_, _| 0),
            shield_loss: per_id(by_id, |_, _| 0),
        },
        standing: RoundStanding {
            fighters_remaining: per_id(by_id, |_, f| f.fighters),
            shields_remaining: per_id(by_id, |_, f| f.shields),
            flee_results: per_id(by_id, |id, _| fled.contains(id)),
        },
        end_state: Some(
            end_state
                .parse()
                .expect("the oracle spells ends as the wire does"),
        ),
        effective_actions,
        draws,
    }
}

/// §3.6: the end state after an attack phase.
fn end_state(
    by_id: &BTreeMap<&str, &Fighter>,
    fighters_remaining: &BTreeMap<String, i64>,
    fled: &BTreeSet<&str>,
) -> Option<String> {
    let alive: Vec<&str> = by_id
        .keys()
        .copied()
        .filter(|&id| fighters_remaining[id] > 0 && !fled.contains(id))
        .collect();
    match alive.as_slice() {
        [] => {
            let anyone_has_fighters = fighters_remaining.values().any(|&f| f > 0);
            if !fled.is_empty() && anyone_has_fighters {
                Some("stalemate".into())
            } else {
                Some("mutual_defeat".into())
            }
        }
        [winner] => {
            let losers: Vec<&str> = by_id
                .keys()
                .copied()
                .filter(|&id| id != *winner && !fled.contains(id) && fighters_remaining[id] <= 0)
                .collect();
            match losers.as_slice() {
                [] => Some("stalemate".into()),
                [loser] => Some(format!("{loser}_defeated")),
                _ => Some("victory".into()),
            }
        }
        _ => None,
    }
}
