//! The combat round as a pure function: participants at round start + actions + seed → outcome.
//!
//! Spec `combat.md` §3. Every probability is computed with the reference's double operations in
//! the reference's order (from [`CombatBalance`]), so with the default balance and
//! [`RngKind::Reference`] the outcome equals the reference engine's bit for bit (golden vectors in
//! `tests/golden/combat_vectors.json`).

use super::rng::{ChaChaDraws, ReferenceDraws, UnitDraws};
use bang_components::balance::CombatBalance;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Which random generator draws the rolls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RngKind {
    /// bang's: ChaCha8 seeded from the encounter seed, one stream per round.
    #[default]
    ChaCha,
    /// The reference's: CPython `random.Random(hash((base_seed, round)))` (MT19937), bit for bit.
    Reference,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActionKind {
    Attack,
    Brace,
    Flee,
    Pay,
}

/// One participant as it stands at the start of the round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fighter {
    pub id: String,
    pub fighters: i64,
    pub shields: i64,
    /// A garrison's is 0.
    pub turns_per_warp: i64,
}

/// An action as submitted (or substituted for a missing one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundAction {
    pub action: ActionKind,
    pub commit: i64,
    pub target: Option<String>,
    pub destination: Option<u32>,
    pub timed_out: bool,
}

impl RoundAction {
    pub fn brace() -> RoundAction {
        RoundAction {
            action: ActionKind::Brace,
            commit: 0,
            target: None,
            destination: None,
            timed_out: false,
        }
    }
    pub fn timed_out() -> RoundAction {
        RoundAction {
            timed_out: true,
            ..RoundAction::brace()
        }
    }
}

/// What the engine decided. Every map has exactly the participants' ids as keys.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoundOutcome {
    pub hits: BTreeMap<String, i64>,
    pub offensive_losses: BTreeMap<String, i64>,
    pub defensive_losses: BTreeMap<String, i64>,
    pub shield_loss: BTreeMap<String, i64>,
    pub fighters_remaining: BTreeMap<String, i64>,
    pub shields_remaining: BTreeMap<String, i64>,
    pub flee_results: BTreeMap<String, bool>,
    /// `{id}_defeated`, `victory`, `mutual_defeat`, `stalemate`, `{id}_fled`, or None.
    pub end_state: Option<String>,
    pub effective_actions: BTreeMap<String, RoundAction>,
    /// Random numbers drawn (for tests and the sim runner).
    pub draws: u32,
}

/// Resolves one round. `participants` in any order (ids are handled in byte order; a repeated id
/// counts once, its last entry); `actions` keyed by participant id (a missing one counts as a
/// timed-out brace, one for a non-participant is ignored).
///
/// Ids are compared only while sorting the participants and pairing them with their actions and
/// targets; from there on everything works on participant indices in small stack buffers (on the
/// heap past eight participants), and the output maps are built once at the end.
pub fn resolve_round(
    participants: &[Fighter],
    actions: &BTreeMap<String, RoundAction>,
    base_seed: i64,
    round: u32,
    rng: RngKind,
    balance: &CombatBalance,
) -> RoundOutcome {
    let Some(first) = participants.first() else {
        return RoundOutcome {
            end_state: Some("stalemate".into()),
            ..RoundOutcome::default()
        };
    };
    let filler = Slot::new(first);
    let mut inline = [filler; INLINE];
    let mut heap = Vec::new();
    let slots = scratch(&mut inline, &mut heap, participants.len(), filler);
    for (slot, fighter) in slots.iter_mut().zip(participants) {
        *slot = Slot::new(fighter);
    }
    let len = sort_and_dedup(slots);
    let slots = &mut slots[..len];
    pair_actions(slots, actions);

    // §3.1: normalised actions and round-start mitigation (no draws).
    for i in 0..slots.len() {
        normalise(slots, i);
        let slot = &mut slots[i];
        slot.mitigation = mitigation(
            slot.fighter.shields,
            slot.action == ActionKind::Brace,
            balance,
        );
    }

    // §3.2–3.4 (the only phases that draw; the generator is seeded only if someone may draw).
    let needs_draws = slots
        .iter()
        .any(|s| matches!(s.action, ActionKind::Flee | ActionKind::Attack));
    let fight = if !needs_draws {
        Fight::default()
    } else {
        match rng {
            RngKind::Reference => fight(slots, &mut ReferenceDraws::new(base_seed, round), balance),
            RngKind::ChaCha => fight(slots, &mut ChaChaDraws::new(base_seed, round), balance),
        }
    };

    // §3.3: early exit when nobody (still present) attacks: nothing lost.
    if !fight.attacked {
        let end_state = match fight.first_rolled_fleer {
            Some(i) => format!("{}_fled", slots[i].fighter.id),
            None => "stalemate".to_string(),
        };
        return outcome(slots, Some(end_state), fight.draws);
    }

    // §3.5: remaining fighters and shields.
    for slot in slots.iter_mut() {
        let lost = slot.offensive.saturating_add(slot.defensive);
        slot.fighters_remaining = slot.fighter.fighters.saturating_sub(lost).max(0);
        let braced = slot.action == ActionKind::Brace;
        slot.shield_loss = shield_loss(slot.defensive, braced, balance);
        slot.shields_remaining = slot.fighter.shields.saturating_sub(slot.shield_loss).max(0);
    }
    let end_state = end_state(slots);
    outcome(slots, end_state, fight.draws)
}

/// Participants kept on the stack (more spill to the heap).
const INLINE: usize = 8;

/// One participant's working state, in id order.
#[derive(Clone, Copy)]
struct Slot<'a> {
    fighter: &'a Fighter,
    submitted: Option<&'a RoundAction>,
    /// The effective action, its commit (attacks only) and target index (attacks only).
    action: ActionKind,
    commit: i64,
    target: usize,
    mitigation: f64,
    active: bool,
    fled: bool,
    current: i64,
    hits: i64,
    offensive: i64,
    defensive: i64,
    shield_loss: i64,
    fighters_remaining: i64,
    shields_remaining: i64,
}

impl<'a> Slot<'a> {
    /// Before the round: nothing submitted, nothing lost (what the §3.3 early exit reports).
    fn new(fighter: &'a Fighter) -> Slot<'a> {
        Slot {
            fighter,
            submitted: None,
            action: ActionKind::Brace,
            commit: 0,
            target: 0,
            mitigation: 0.0,
            active: true,
            fled: false,
            current: fighter.fighters,
            hits: 0,
            offensive: 0,
            defensive: 0,
            shield_loss: 0,
            fighters_remaining: fighter.fighters,
            shields_remaining: fighter.shields,
        }
    }

    fn id(&self) -> &'a str {
        &self.fighter.id
    }
}

/// One attacker of §3.4 with what it has left to fire.
#[derive(Clone, Copy, Default)]
struct Shooter {
    attacker: usize,
    target: usize,
    remaining: i64,
    p_hit: f64,
    hits: i64,
    offensive: i64,
}

/// `len` copies of `fill`, on the stack when they fit.
fn scratch<'b, T: Copy>(
    inline: &'b mut [T; INLINE],
    heap: &'b mut Vec<T>,
    len: usize,
    fill: T,
) -> &'b mut [T] {
    if len <= INLINE {
        &mut inline[..len]
    } else {
        heap.resize(len, fill);
        heap
    }
}

/// Sorts by id (byte order) and keeps the last entry of a repeated id; returns the count left.
fn sort_and_dedup(slots: &mut [Slot]) -> usize {
    if slots.is_sorted_by(|a, b| a.id() < b.id()) {
        return slots.len();
    }
    slots.sort_by(|a, b| a.id().cmp(b.id()));
    let mut kept = 0;
    for i in 0..slots.len() {
        if kept > 0 && slots[kept - 1].id() == slots[i].id() {
            slots[kept - 1] = slots[i];
        } else {
            slots[kept] = slots[i];
            kept += 1;
        }
    }
    kept
}

/// Gives each slot its submitted action: one merge pass over two id-ordered sequences.
fn pair_actions<'a>(slots: &mut [Slot<'a>], actions: &'a BTreeMap<String, RoundAction>) {
    let mut submitted = actions.iter().peekable();
    for slot in slots.iter_mut() {
        while let Some(&(id, action)) = submitted.peek() {
            match id.as_str().cmp(slot.id()) {
                Ordering::Less => {
                    submitted.next();
                }
                Ordering::Equal => {
                    slot.submitted = Some(action);
                    submitted.next();
                    break;
                }
                Ordering::Greater => break,
            }
        }
    }
}

/// The index of participant `id`.
fn index_of(slots: &[Slot], id: &str) -> Option<usize> {
    if slots.len() <= INLINE {
        slots.iter().position(|s| s.id() == id)
    } else {
        slots.binary_search_by(|s| s.id().cmp(id)).ok()
    }
}

/// §3.1: the action the engine acts on. Attacks are clamped to the fighters at hand and become a
/// plain brace when nothing is committed or the target is missing, empty, the attacker itself or
/// not a participant; other actions carry commit 0. (The rest of the effective action, kept from
/// the submitted one, is rebuilt by [`effective_action`].)
fn normalise(slots: &mut [Slot], i: usize) {
    let Some(submitted) = slots[i].submitted else {
        return; // A timed-out brace, as `Slot::new` left it.
    };
    let (action, commit, target) = match submitted.action {
        ActionKind::Attack => {
            let commit = submitted.commit.min(slots[i].fighter.fighters).max(0);
            let target = submitted
                .target
                .as_deref()
                .filter(|t| !t.is_empty())
                .and_then(|t| index_of(slots, t))
                .filter(|&t| t != i);
            match target {
                Some(target) if commit > 0 => (ActionKind::Attack, commit, target),
                _ => (ActionKind::Brace, 0, 0),
            }
        }
        action => (action, 0, 0),
    };
    let slot = &mut slots[i];
    (slot.action, slot.commit, slot.target) = (action, commit, target);
}

/// The effective action of a slot as the outcome reports it. `timed_out` is kept as submitted,
/// a (non-empty) target survives except on an attack turned brace, `destination` only on a flee.
fn effective_action(slots: &[Slot], slot: &Slot) -> RoundAction {
    let Some(submitted) = slot.submitted else {
        return RoundAction::timed_out();
    };
    let timed_out = submitted.timed_out;
    match slot.action {
        ActionKind::Attack => RoundAction {
            action: ActionKind::Attack,
            commit: slot.commit,
            target: Some(slots[slot.target].fighter.id.clone()),
            destination: None,
            timed_out,
        },
        ActionKind::Brace if submitted.action == ActionKind::Attack => RoundAction {
            timed_out,
            ..RoundAction::brace()
        },
        action => RoundAction {
            action,
            commit: 0,
            target: submitted.target.clone().filter(|t| !t.is_empty()),
            destination: submitted.destination.filter(|_| action == ActionKind::Flee),
            timed_out,
        },
    }
}

/// What the drawing phases leave behind.
#[derive(Default)]
struct Fight {
    draws: u32,
    /// The first fleer that escaped on a roll (for `{id}_fled`).
    first_rolled_fleer: Option<usize>,
    /// Whether an attack phase ran (someone still present attacked).
    attacked: bool,
}

/// §3.2 flee rolls, then §3.4 round-robin shots (weakest attacker first); fills in each slot's
/// `active`, `fled`, hits and losses.
fn fight<D: UnitDraws>(slots: &mut [Slot], rng: &mut D, balance: &CombatBalance) -> Fight {
    let mut first_rolled_fleer = None;
    // Every flee roll and every shot draws exactly once, so the draws are counted after the loops
    // (saturating at u32::MAX, as counting each draw would).
    let mut rolls = 0u64;

    // §3.2: flee rolls in id order against the strongest other active participant.
    for i in 0..slots.len() {
        if slots[i].action != ActionKind::Flee {
            continue;
        }
        let success = match flee_opponent(slots, i) {
            // Nobody left to flee from: success without a roll. Like the reference, such a fleer
            // does not count for the `{id}_fled` early exit.
            None => true,
            Some(opponent) => {
                let chance = flee_chance(slots[i].fighter, slots[opponent].fighter, balance);
                rolls += 1;
                let won = rng.next_f64() < chance;
                if won && first_rolled_fleer.is_none() {
                    first_rolled_fleer = Some(i);
                }
                won
            }
        };
        if success {
            slots[i].active = false;
            slots[i].fled = true;
        }
    }

    // §3.4: the attackers still present, weakest first (ties: turns per warp, then id).
    let mut inline = [Shooter::default(); INLINE];
    let mut heap = Vec::new();
    let attackers = slots
        .iter()
        .filter(|s| s.active && s.action == ActionKind::Attack)
        .count();
    let order = scratch(&mut inline, &mut heap, attackers, Shooter::default());
    let candidates = slots
        .iter()
        .enumerate()
        .filter(|(_, s)| s.active && s.action == ActionKind::Attack);
    for (shooter, (i, slot)) in order.iter_mut().zip(candidates) {
        let target = &slots[slot.target];
        *shooter = Shooter {
            attacker: i,
            target: slot.target,
            // A target that fled is never shot at (`active` no longer changes).
            remaining: if target.active { slot.commit } else { 0 },
            p_hit: hit_chance(target.mitigation, slot.mitigation, balance),
            ..Shooter::default()
        };
    }
    order.sort_unstable_by_key(|s| {
        let f = slots[s.attacker].fighter;
        (f.fighters, f.turns_per_warp, s.attacker)
    });
    loop {
        let mut fired = false;
        for shooter in order.iter_mut() {
            if shooter.remaining <= 0 {
                continue;
            }
            if slots[shooter.attacker].current <= 0 || slots[shooter.target].current <= 0 {
                shooter.remaining = 0;
                continue;
            }
            shooter.remaining -= 1;
            fired = true;
            if rng.next_f64() < shooter.p_hit {
                shooter.hits += 1;
                let target = &mut slots[shooter.target];
                target.defensive += 1;
                target.current -= 1;
            } else {
                shooter.offensive += 1;
                slots[shooter.attacker].current -= 1;
            }
        }
        if !fired {
            break;
        }
    }
    let mut shots = 0u64;
    for shooter in order.iter() {
        let slot = &mut slots[shooter.attacker];
        slot.hits = shooter.hits;
        slot.offensive = shooter.offensive;
        shots += (shooter.hits + shooter.offensive) as u64;
    }
    Fight {
        draws: u32::try_from(rolls + shots).unwrap_or(u32::MAX),
        first_rolled_fleer,
        attacked: attackers > 0,
    }
}

/// The outcome's maps, built once at the end: the six numeric ones are clones of one map keyed by
/// id with their values overwritten in (id) order, so only that one compares keys.
fn outcome(slots: &[Slot], end_state: Option<String>, draws: u32) -> RoundOutcome {
    let hits = per_id(slots, |s| s.hits);
    let numbers = |value: fn(&Slot) -> i64| {
        let mut map = hits.clone();
        for (v, slot) in map.values_mut().zip(slots) {
            *v = value(slot);
        }
        map
    };
    RoundOutcome {
        offensive_losses: numbers(|s| s.offensive),
        defensive_losses: numbers(|s| s.defensive),
        shield_loss: numbers(|s| s.shield_loss),
        fighters_remaining: numbers(|s| s.fighters_remaining),
        shields_remaining: numbers(|s| s.shields_remaining),
        hits,
        flee_results: per_id(slots, |s| s.fled),
        end_state,
        effective_actions: per_id(slots, |s| effective_action(slots, s)),
        draws,
    }
}

/// One value per participant, keyed by id (inserted in id order).
fn per_id<T>(slots: &[Slot], mut value: impl FnMut(&Slot) -> T) -> BTreeMap<String, T> {
    let mut map = BTreeMap::new();
    for slot in slots {
        map.insert(slot.fighter.id.clone(), value(slot));
    }
    map
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

/// The other active participant with the most round-start fighters; ties go to the smallest id.
fn flee_opponent(slots: &[Slot], fleer: usize) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, slot) in slots.iter().enumerate() {
        if i != fleer
            && slot.active
            && best.is_none_or(|b| slot.fighter.fighters > slots[b].fighter.fighters)
        {
            best = Some(i);
        }
    }
    best
}

/// §3.6: the end state after an attack phase.
fn end_state(slots: &[Slot]) -> Option<String> {
    let mut alive = slots
        .iter()
        .enumerate()
        .filter(|(_, s)| s.fighters_remaining > 0 && !s.fled);
    let Some((winner, _)) = alive.next() else {
        let anyone_fled = slots.iter().any(|s| s.fled);
        let anyone_has_fighters = slots.iter().any(|s| s.fighters_remaining > 0);
        return Some(if anyone_fled && anyone_has_fighters {
            "stalemate".into()
        } else {
            "mutual_defeat".into()
        });
    };
    if alive.next().is_some() {
        return None;
    }
    let mut losers = slots
        .iter()
        .enumerate()
        .filter(|&(i, s)| i != winner && !s.fled && s.fighters_remaining <= 0);
    Some(match (losers.next(), losers.next()) {
        (None, _) => "stalemate".into(),
        (Some((_, loser)), None) => format!("{}_defeated", loser.id()),
        (Some(_), Some(_)) => "victory".into(),
    })
}

#[cfg(test)]
mod tests;
