//! The round's rules on participant indices: no ids, no maps, no allocation for up to eight
//! participants. [`super::resolve_round`] (ids and maps, for the server) and the sim runner's
//! batched path both come down to [`resolve_slots`], so there is one copy of the rules.

use super::super::rng::{ChaChaDraws, ReferenceDraws, UnitDraws, grid_threshold};
use super::{CombatAction, RngKind};
use bang_components::balance::CombatBalance;

/// A participant's numbers at the start of the round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Combatant {
    pub fighters: i64,
    pub shields: i64,
    /// A garrison's is 0.
    pub turns_per_warp: i64,
}

/// A submitted action by index: `target` is the target's index among the participants (None when
/// missing or not a participant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    pub action: CombatAction,
    pub commit: i64,
    pub target: Option<usize>,
}

/// What one participant came out of the round with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    pub hits: i64,
    pub offensive_losses: i64,
    pub defensive_losses: i64,
    pub shield_loss: i64,
    pub fighters_remaining: i64,
    pub shields_remaining: i64,
    pub fled: bool,
}

/// How a round ended, by participant index (the string forms are `{id}_defeated`, `victory`,
/// `mutual_defeat`, `stalemate` and `{id}_fled`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundEnd {
    Defeated(usize),
    Victory,
    MutualDefeat,
    Stalemate,
    Fled(usize),
}

/// The end (None: the fight goes on) and how many random numbers were drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    pub end: Option<RoundEnd>,
    pub draws: u32,
}

/// Resolves one round of participants given in id order, with at most one order each (None: a
/// timed-out brace). Writes one tally per participant into `tallies`.
pub fn resolve_indexed(
    combatants: &[Combatant],
    orders: &[Option<Order>],
    base_seed: i64,
    round: u32,
    rng: RngKind,
    balance: &CombatBalance,
    tallies: &mut [Tally],
) -> Resolved {
    let mut inline = [Slot::default(); INLINE];
    let mut heap = Vec::new();
    let slots = scratch(&mut inline, &mut heap, combatants.len(), Slot::default());
    for ((slot, c), order) in slots.iter_mut().zip(combatants).zip(orders) {
        *slot = Slot::new(*c, *order);
    }
    let resolved = resolve_slots(slots, base_seed, round, rng, balance);
    for (tally, slot) in tallies.iter_mut().zip(slots.iter()) {
        *tally = slot.tally();
    }
    resolved
}

/// Participants kept on the stack (more spill to the heap).
pub(super) const INLINE: usize = 8;

/// One participant's working state.
#[derive(Clone, Copy, Default)]
pub(super) struct Slot {
    pub(super) combatant: Combatant,
    pub(super) order: Option<Order>,
    /// The effective action, its commit (attacks only) and target index (attacks only).
    pub(super) action: CombatAction,
    pub(super) commit: i64,
    pub(super) target: usize,
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

impl Slot {
    /// Before the round: nothing lost (what the §3.3 early exit reports).
    pub(super) fn new(combatant: Combatant, order: Option<Order>) -> Slot {
        Slot {
            combatant,
            order,
            action: CombatAction::Brace,
            commit: 0,
            target: 0,
            mitigation: 0.0,
            active: true,
            fled: false,
            current: combatant.fighters,
            hits: 0,
            offensive: 0,
            defensive: 0,
            shield_loss: 0,
            fighters_remaining: combatant.fighters,
            shields_remaining: combatant.shields,
        }
    }

    pub(super) fn tally(&self) -> Tally {
        Tally {
            hits: self.hits,
            offensive_losses: self.offensive,
            defensive_losses: self.defensive,
            shield_loss: self.shield_loss,
            fighters_remaining: self.fighters_remaining,
            shields_remaining: self.shields_remaining,
            fled: self.fled,
        }
    }
}

/// `len` copies of `fill`, on the stack when they fit.
pub(super) fn scratch<'b, T: Copy>(
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

/// The rules of spec `combat.md` §3 over slots in id order.
pub(super) fn resolve_slots(
    slots: &mut [Slot],
    base_seed: i64,
    round: u32,
    rng: RngKind,
    balance: &CombatBalance,
) -> Resolved {
    if slots.is_empty() {
        return Resolved {
            end: Some(RoundEnd::Stalemate),
            draws: 0,
        };
    }
    // §3.1: normalised actions and round-start mitigation (no draws).
    for i in 0..slots.len() {
        normalise(slots, i);
        let slot = &mut slots[i];
        slot.mitigation = mitigation(
            slot.combatant.shields,
            slot.action == CombatAction::Brace,
            balance,
        );
    }

    // §3.2–3.4 (the only phases that draw; the generator is seeded only if someone may draw).
    let needs_draws = slots
        .iter()
        .any(|s| matches!(s.action, CombatAction::Flee | CombatAction::Attack));
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
        let end = match fight.first_rolled_fleer {
            Some(i) => RoundEnd::Fled(i),
            None => RoundEnd::Stalemate,
        };
        return Resolved {
            end: Some(end),
            draws: fight.draws,
        };
    }

    // §3.5: remaining fighters and shields.
    for slot in slots.iter_mut() {
        let lost = slot.offensive.saturating_add(slot.defensive);
        slot.fighters_remaining = slot.combatant.fighters.saturating_sub(lost).max(0);
        let braced = slot.action == CombatAction::Brace;
        slot.shield_loss = shield_loss(slot.defensive, braced, balance);
        slot.shields_remaining = slot
            .combatant
            .shields
            .saturating_sub(slot.shield_loss)
            .max(0);
    }
    Resolved {
        end: end_state(slots),
        draws: fight.draws,
    }
}

/// §3.1: the action the engine acts on. Attacks are clamped to the fighters at hand and become a
/// plain brace when nothing is committed or the target is missing, the attacker itself or not a
/// participant; other actions carry commit 0.
fn normalise(slots: &mut [Slot], i: usize) {
    let Some(order) = slots[i].order else {
        return; // A timed-out brace, as `Slot::new` left it.
    };
    let len = slots.len();
    let (action, commit, target) = match order.action {
        CombatAction::Attack => {
            let commit = order.commit.min(slots[i].combatant.fighters).max(0);
            match order.target.filter(|&t| t != i && t < len) {
                Some(target) if commit > 0 => (CombatAction::Attack, commit, target),
                _ => (CombatAction::Brace, 0, 0),
            }
        }
        action => (action, 0, 0),
    };
    let slot = &mut slots[i];
    (slot.action, slot.commit, slot.target) = (action, commit, target);
}

/// One attacker of §3.4 with what it has left to fire.
#[derive(Clone, Copy, Default)]
struct Shooter {
    attacker: usize,
    target: usize,
    remaining: i64,
    /// A shot hits when the draw's 53-bit integer is below this ([`grid_threshold`] of p_hit).
    threshold: u64,
    hits: i64,
    offensive: i64,
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
        if slots[i].action != CombatAction::Flee {
            continue;
        }
        let success = match flee_opponent(slots, i) {
            // Nobody left to flee from: success without a roll. Like the reference, such a fleer
            // does not count for the `{id}_fled` early exit.
            None => true,
            Some(opponent) => {
                let chance = flee_chance(slots[i].combatant, slots[opponent].combatant, balance);
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
        .filter(|s| s.active && s.action == CombatAction::Attack)
        .count();
    let order = scratch(&mut inline, &mut heap, attackers, Shooter::default());
    let candidates = slots
        .iter()
        .enumerate()
        .filter(|(_, s)| s.active && s.action == CombatAction::Attack);
    for (shooter, (i, slot)) in order.iter_mut().zip(candidates) {
        let target = &slots[slot.target];
        *shooter = Shooter {
            attacker: i,
            target: slot.target,
            // A target that fled is never shot at (`active` no longer changes).
            remaining: if target.active { slot.commit } else { 0 },
            threshold: grid_threshold(hit_chance(target.mitigation, slot.mitigation, balance)),
            ..Shooter::default()
        };
    }
    order.sort_unstable_by_key(|s| {
        let c = slots[s.attacker].combatant;
        (c.fighters, c.turns_per_warp, s.attacker)
    });
    loop {
        let passes = safe_passes(slots, order);
        if passes > 0 {
            shoot_unchecked(slots, order, rng, passes);
        } else if !shoot_checked(slots, order, rng) {
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

/// How many round-robin passes can run before anyone could run out: a pass costs a participant at
/// most one fighter per shooter it fires with or is aimed at, so `fighters / shooters` passes
/// leave it at least one before every shot. Zero when someone is (nearly) out, or nobody shoots.
fn safe_passes(slots: &[Slot], order: &[Shooter]) -> i64 {
    let mut passes = order.iter().map(|s| s.remaining).max().unwrap_or(0);
    for (i, slot) in slots.iter().enumerate() {
        let shooters = order
            .iter()
            .filter(|s| s.remaining > 0 && (s.attacker == i || s.target == i))
            .count() as i64;
        if shooters > 0 {
            passes = passes.min(slot.current / shooters);
        }
    }
    passes.max(0)
}

/// `passes` round-robin passes without the checks [`safe_passes`] made unnecessary: one shot per
/// shooter with shots left, in order, so every draw goes to the same shot as in [`shoot_checked`].
fn shoot_unchecked<D: UnitDraws>(
    slots: &mut [Slot],
    order: &mut [Shooter],
    rng: &mut D,
    passes: i64,
) {
    let mut fired = [0i64; INLINE];
    let mut hit = [0i64; INLINE];
    let mut heap = (Vec::new(), Vec::new());
    let (fired, hit) = if order.len() <= INLINE {
        (&mut fired[..order.len()], &mut hit[..order.len()])
    } else {
        heap.0.resize(order.len(), 0);
        heap.1.resize(order.len(), 0);
        (&mut heap.0[..], &mut heap.1[..])
    };
    for _ in 0..passes {
        for (n, shooter) in order.iter().enumerate() {
            if shooter.remaining > fired[n] {
                fired[n] += 1;
                hit[n] += i64::from(rng.next_k53() < shooter.threshold);
            }
        }
    }
    for (n, shooter) in order.iter_mut().enumerate() {
        let missed = fired[n] - hit[n];
        shooter.remaining -= fired[n];
        shooter.hits += hit[n];
        shooter.offensive += missed;
        slots[shooter.target].defensive += hit[n];
        slots[shooter.target].current -= hit[n];
        slots[shooter.attacker].current -= missed;
    }
}

/// One round-robin pass of §3.4: a shooter stops when it or its target has no fighters left.
/// Returns whether anyone fired.
fn shoot_checked<D: UnitDraws>(slots: &mut [Slot], order: &mut [Shooter], rng: &mut D) -> bool {
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
        // Without branches on the roll: a hit costs the target, a miss the attacker.
        let hit = i64::from(rng.next_k53() < shooter.threshold);
        shooter.hits += hit;
        shooter.offensive += 1 - hit;
        let target = &mut slots[shooter.target];
        target.defensive += hit;
        target.current -= hit;
        slots[shooter.attacker].current -= 1 - hit;
    }
    fired
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
fn flee_chance(fleer: Combatant, opponent: Combatant, balance: &CombatBalance) -> f64 {
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
            && best.is_none_or(|b| slot.combatant.fighters > slots[b].combatant.fighters)
        {
            best = Some(i);
        }
    }
    best
}

/// §3.6: the end state after an attack phase.
fn end_state(slots: &[Slot]) -> Option<RoundEnd> {
    let mut alive = slots
        .iter()
        .enumerate()
        .filter(|(_, s)| s.fighters_remaining > 0 && !s.fled);
    let Some((winner, _)) = alive.next() else {
        let anyone_fled = slots.iter().any(|s| s.fled);
        let anyone_has_fighters = slots.iter().any(|s| s.fighters_remaining > 0);
        return Some(if anyone_fled && anyone_has_fighters {
            RoundEnd::Stalemate
        } else {
            RoundEnd::MutualDefeat
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
        (None, _) => RoundEnd::Stalemate,
        (Some((loser, _)), None) => RoundEnd::Defeated(loser),
        (Some(_), Some(_)) => RoundEnd::Victory,
    })
}
