//! The combat round as a pure function: participants at round start + actions + seed → outcome.
//!
//! Spec `combat.md` §3. Every probability is computed with the reference's double operations in
//! the reference's order (from [`CombatBalance`]), so with the default balance and
//! [`RngKind::Reference`] the outcome equals the reference engine's bit for bit (golden vectors in
//! `tests/golden/combat_vectors.json`).

mod core;

pub use self::core::{Combatant, Order, Resolved, RoundEnd, Tally, resolve_indexed};
use self::core::{INLINE, Slot, resolve_slots, scratch};
use bang_components::balance::CombatBalance;
pub use bang_components::combat::{CombatAction, FightEnd};
use bang_components::combat::{RoundLosses, RoundStanding};
use std::cmp::Ordering;
use std::collections::BTreeMap;

pub use super::rng::RngKind;

/// One participant as it stands at the start of the round (also what `bang sim round` reads).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
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
    pub action: CombatAction,
    pub commit: i64,
    pub target: Option<String>,
    pub destination: Option<u32>,
    pub timed_out: bool,
}

impl RoundAction {
    pub fn brace() -> RoundAction {
        RoundAction {
            action: CombatAction::Brace,
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
    pub losses: RoundLosses,
    pub standing: RoundStanding,
    /// How the round ended the fight, or None.
    pub end_state: Option<FightEnd>,
    pub effective_actions: BTreeMap<String, RoundAction>,
    /// Random numbers drawn (for tests and the sim runner).
    pub draws: u32,
}

/// Resolves one round. `participants` in any order (ids are handled in byte order; a repeated id
/// counts once, its last entry); `actions` keyed by participant id (a missing one counts as a
/// timed-out brace, one for a non-participant is ignored).
///
/// Ids are compared only while sorting the participants and pairing them with their actions and
/// targets; the rules themselves run on indices ([`resolve_indexed`]'s core), and the output maps
/// are built once at the end.
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
            end_state: Some(FightEnd::Stalemate),
            ..RoundOutcome::default()
        };
    };
    let mut inline = [Entry::new(first); INLINE];
    let mut heap = Vec::new();
    let entries = scratch(
        &mut inline,
        &mut heap,
        participants.len(),
        Entry::new(first),
    );
    for (entry, fighter) in entries.iter_mut().zip(participants) {
        *entry = Entry::new(fighter);
    }
    let len = sort_and_dedup(entries);
    let entries = &mut entries[..len];
    pair_actions(entries, actions);

    let mut inline = [Slot::default(); INLINE];
    let mut heap = Vec::new();
    let slots = scratch(&mut inline, &mut heap, len, Slot::default());
    for i in 0..len {
        let order = entries[i].submitted.map(|a| Order {
            action: a.action,
            commit: a.commit,
            target: a
                .target
                .as_deref()
                .filter(|t| !t.is_empty())
                .and_then(|t| index_of(entries, t)),
        });
        slots[i] = Slot::new(entries[i].combatant(), order);
    }
    let resolved = resolve_slots(slots, base_seed, round, rng, balance);
    let end_state = resolved.end.map(|end| match end {
        RoundEnd::Defeated(i) => FightEnd::Defeated(entries[i].id().to_string()),
        RoundEnd::Fled(i) => FightEnd::Fled(entries[i].id().to_string()),
        RoundEnd::Victory => FightEnd::Victory,
        RoundEnd::MutualDefeat => FightEnd::MutualDefeat,
        RoundEnd::Stalemate => FightEnd::Stalemate,
    });
    outcome(entries, slots, end_state, resolved.draws)
}

/// A participant and its submitted action, in id order once sorted.
#[derive(Clone, Copy)]
struct Entry<'a> {
    fighter: &'a Fighter,
    submitted: Option<&'a RoundAction>,
}

impl<'a> Entry<'a> {
    fn new(fighter: &'a Fighter) -> Entry<'a> {
        Entry {
            fighter,
            submitted: None,
        }
    }

    fn id(&self) -> &'a str {
        &self.fighter.id
    }

    fn combatant(&self) -> Combatant {
        Combatant {
            fighters: self.fighter.fighters,
            shields: self.fighter.shields,
            turns_per_warp: self.fighter.turns_per_warp,
        }
    }
}

/// Sorts by id (byte order) and keeps the last entry of a repeated id; returns the count left.
fn sort_and_dedup(entries: &mut [Entry]) -> usize {
    if entries.is_sorted_by(|a, b| a.id() < b.id()) {
        return entries.len();
    }
    entries.sort_by(|a, b| a.id().cmp(b.id()));
    let mut kept = 0;
    for i in 0..entries.len() {
        if kept > 0 && entries[kept - 1].id() == entries[i].id() {
            entries[kept - 1] = entries[i];
        } else {
            entries[kept] = entries[i];
            kept += 1;
        }
    }
    kept
}

/// Gives each entry its submitted action: one merge pass over two id-ordered sequences.
fn pair_actions<'a>(entries: &mut [Entry<'a>], actions: &'a BTreeMap<String, RoundAction>) {
    let mut submitted = actions.iter().peekable();
    for entry in entries.iter_mut() {
        while let Some(&(id, action)) = submitted.peek() {
            match id.as_str().cmp(entry.id()) {
                Ordering::Less => {
                    submitted.next();
                }
                Ordering::Equal => {
                    entry.submitted = Some(action);
                    submitted.next();
                    break;
                }
                Ordering::Greater => break,
            }
        }
    }
}

/// The index of participant `id`.
fn index_of(entries: &[Entry], id: &str) -> Option<usize> {
    if entries.len() <= INLINE {
        entries.iter().position(|s| s.id() == id)
    } else {
        entries.binary_search_by(|s| s.id().cmp(id)).ok()
    }
}

/// The effective action of a participant as the outcome reports it. `timed_out` is kept as
/// submitted, a (non-empty) target survives except on an attack turned brace, `destination` only
/// on a flee.
fn effective_action(entries: &[Entry], entry: &Entry, slot: &Slot) -> RoundAction {
    let Some(submitted) = entry.submitted else {
        return RoundAction::timed_out();
    };
    let timed_out = submitted.timed_out;
    match slot.action {
        CombatAction::Attack => RoundAction {
            action: CombatAction::Attack,
            commit: slot.commit,
            target: Some(entries[slot.target].fighter.id.clone()),
            destination: None,
            timed_out,
        },
        CombatAction::Brace if submitted.action == CombatAction::Attack => RoundAction {
            timed_out,
            ..RoundAction::brace()
        },
        action => RoundAction {
            action,
            commit: 0,
            target: submitted.target.clone().filter(|t| !t.is_empty()),
            destination: submitted
                .destination
                .filter(|_| action == CombatAction::Flee),
            timed_out,
        },
    }
}

/// The outcome's maps, built once at the end: the six numeric ones are clones of one map keyed by
/// id with their values overwritten in (id) order, so only that one compares keys.
fn outcome(
    entries: &[Entry],
    slots: &[Slot],
    end_state: Option<FightEnd>,
    draws: u32,
) -> RoundOutcome {
    let hits = per_id(entries, |i| slots[i].tally().hits);
    let numbers = |value: fn(&Tally) -> i64| {
        let mut map = hits.clone();
        for (v, slot) in map.values_mut().zip(slots) {
            *v = value(&slot.tally());
        }
        map
    };
    let standing = RoundStanding {
        fighters_remaining: numbers(|t| t.fighters_remaining),
        shields_remaining: numbers(|t| t.shields_remaining),
        flee_results: per_id(entries, |i| slots[i].tally().fled),
    };
    RoundOutcome {
        losses: RoundLosses {
            offensive_losses: numbers(|t| t.offensive_losses),
            defensive_losses: numbers(|t| t.defensive_losses),
            shield_loss: numbers(|t| t.shield_loss),
            hits,
        },
        standing,
        end_state,
        effective_actions: per_id(entries, |i| {
            effective_action(entries, &entries[i], &slots[i])
        }),
        draws,
    }
}

/// One value per participant, keyed by id (inserted in id order).
fn per_id<T>(entries: &[Entry], mut value: impl FnMut(usize) -> T) -> BTreeMap<String, T> {
    let mut map = BTreeMap::new();
    for (i, entry) in entries.iter().enumerate() {
        map.insert(entry.fighter.id.clone(), value(i));
    }
    map
}

#[cfg(test)]
mod tests;
