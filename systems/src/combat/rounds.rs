//! Rounds: resolving the open round (when every participant has acted, or at its deadline), the
//! events it produces, and the fixed-clock system that enforces deadlines.

use super::CombatRng;
use super::encounters::announce_round;
use super::engine::{Fighter, RoundAction, RoundOutcome, resolve_round};
use super::finalize::finalize;
use super::query::{garrison_of, next_deadline, owners};
use super::tolls::{credits_of, toll_result};
use super::views::{action_view, log_view, participant_view};
use crate::follow_on::{Arrival, FollowOn, queue};
use crate::outbox::record_to;
use crate::status::status_payload;
use crate::world_ops::{announce_warp, warp};
use bang_components::api::combat::{RenderedLogs, RoundPayload};
use bang_components::balance::Balance;
use bang_components::character::{CharacterIndex, Ship};
use bang_components::combat::PendingActions;
use bang_components::combat::{
    CombatAction, CombatantKind, Encounter, EncounterIndex, Garrison, InCombat, Participant,
    RoundLog, StoredAction,
};
use bang_components::game_events::GameEvent;
use bang_components::time::{GameClock, Timestamp};
use bang_components::universe::SectorId;
use bevy_ecs::prelude::*;
use indexmap::IndexMap;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::sync::Arc;

fn engine_action(a: &StoredAction) -> RoundAction {
    RoundAction {
        action: a.action,
        commit: a.commit,
        target: a.target.clone(),
        destination: a.destination,
        timed_out: a.timed_out,
    }
}

/// Resolves rounds for as long as every participant has acted (garrisons act on their own, so
/// one call can resolve several). Returns the payloads of the rounds it resolved, in order.
pub fn settle(world: &mut World, enc: Entity) -> Vec<RoundPayload> {
    let mut resolved = Vec::new();
    // Bounded: every resolution either ends the fight or needs a character's action again, but a
    // bug must not hang the game loop.
    for _ in 0..64 {
        let (Some(e), Some(pending)) = (
            world.get::<Encounter>(enc),
            world.get::<PendingActions>(enc),
        ) else {
            break;
        };
        if e.ended || !e.participants.iter().all(|p| pending.0.contains_key(&p.id)) {
            break;
        }
        resolved.push(resolve_open_round(world, enc));
    }
    resolved
}

/// Resolves the open round: missing actions become timed-out braces. Runs the engine, applies
/// its numbers to the fight, its ships and garrisons, tells the participants, moves the ships
/// that fled, then ends the fight or opens the next round.
pub fn resolve_open_round(world: &mut World, enc: Entity) -> RoundPayload {
    let now = world.resource::<GameClock>().now();
    let rules = world.resource::<Balance>().combat.clone();
    let rng = world.resource::<CombatRng>().0;
    // Work on a copy without the logs (they only grow; copying them every round would cost
    // O(rounds²)); the new round's log is appended to the originals below.
    let mut logs = std::mem::take(&mut world.get_mut::<Encounter>(enc).expect("encounter").logs);
    let mut e = world.get::<Encounter>(enc).expect("encounter").clone();
    let quiet = crate::outbox::headless(world);
    let start = e.participants.clone();
    let stored = submitted_or_braced(&e, world.get::<PendingActions>(enc), now);
    let outcome = run_engine(&e, &stored, rng, &rules);
    let effective = effective_actions(&stored, &outcome);
    let kinds: BTreeMap<String, CombatAction> = effective
        .iter()
        .map(|(k, a)| (k.clone(), a.action))
        .collect();
    let credits = credits_of(world, &start);
    let needs_means = rules.toll_hold_needs_means;
    let end_state = outcome.end_state.clone();
    let result = toll_result(&e, &start, &kinds, end_state, &credits, needs_means);
    record_last_hits(&mut e, &start, &outcome, &effective);
    let deltas = apply_numbers(&mut e, &outcome);
    logs.push(RoundLog {
        round: e.round,
        actions: effective.clone(),
        losses: outcome.losses.clone(),
        result: result.clone(),
        timestamp: now,
    });
    let fled_now = remove_fled(&mut e, &outcome);
    let resolved_round = e.round;
    record_stats(world, &e, &effective, fled_now.len(), &rules, now);
    let ended = result.is_some();
    if ended {
        e.ended = true;
        e.end_state = result;
    } else {
        e.round += 1;
        e.deadline = next_deadline(world);
    }
    let mut payload = round_payload(&e, resolved_round, &outcome, &deltas, &effective, quiet);
    if !quiet {
        payload.logs = rendered_logs(world, enc, &logs);
    }
    let told = Told::of(&e, &fled_now);
    e.logs = logs;
    *world.get_mut::<Encounter>(enc).expect("encounter") = e;
    // The next round starts with nothing submitted.
    if let Some(mut pending) = world.get_mut::<PendingActions>(enc) {
        pending.0.clear();
    }
    carry_numbers(world, &told, &outcome);
    tell_round(world, enc, &told, &payload, quiet);
    move_fled(world, enc, &fled_now, &effective);
    if ended {
        finalize(world, enc, &mut payload);
    } else {
        announce_round(world, enc);
    }
    payload
}

/// Every participant's action for the round: what it submitted, or a timed-out brace.
fn submitted_or_braced(
    e: &Encounter,
    pending: Option<&PendingActions>,
    now: Timestamp,
) -> BTreeMap<String, StoredAction> {
    e.participants
        .iter()
        .map(|p| {
            let submitted = pending.and_then(|s| s.0.get(&p.id)).cloned();
            let a = submitted.unwrap_or(StoredAction {
                action: CombatAction::Brace,
                commit: 0,
                target: None,
                destination: None,
                submitted_at: now,
                timed_out: true,
            });
            (p.id.clone(), a)
        })
        .collect()
}

fn run_engine(
    e: &Encounter,
    stored: &BTreeMap<String, StoredAction>,
    rng: super::engine::RngKind,
    rules: &bang_components::balance::CombatBalance,
) -> RoundOutcome {
    let fighters: Vec<Fighter> = e
        .participants
        .iter()
        .map(|p| Fighter {
            id: p.id.clone(),
            fighters: p.fighters,
            shields: p.shields,
            turns_per_warp: p.turns_per_warp,
        })
        .collect();
    let actions: BTreeMap<String, RoundAction> = stored
        .iter()
        .map(|(k, a)| (k.clone(), engine_action(a)))
        .collect();
    resolve_round(&fighters, &actions, e.base_seed, e.round, rng, rules)
}

/// What each participant effectively did, in stored form (a bad attack shows as a brace).
fn effective_actions(
    stored: &BTreeMap<String, StoredAction>,
    outcome: &RoundOutcome,
) -> BTreeMap<String, StoredAction> {
    stored
        .iter()
        .map(|(id, a)| {
            let mut s = a.clone();
            if let Some(eff) = outcome.effective_actions.get(id) {
                s.action = eff.action;
                s.commit = eff.commit;
                s.target = if s.action == CombatAction::Pay {
                    a.target.clone()
                } else {
                    eff.target.clone()
                };
                s.destination = eff.destination;
            }
            (id.clone(), s)
        })
        .collect()
}

/// Who last hit whom: among this round's attackers that hit a target, the last to shoot in
/// attack order (weakest first) counts.
fn record_last_hits(
    e: &mut Encounter,
    start: &[Participant],
    outcome: &RoundOutcome,
    effective: &BTreeMap<String, StoredAction>,
) {
    let mut order: Vec<&Participant> = start.iter().collect();
    order.sort_by(|a, b| {
        (a.fighters, a.turns_per_warp, &a.id).cmp(&(b.fighters, b.turns_per_warp, &b.id))
    });
    for a in order {
        if outcome.losses.hits.get(&a.id).copied().unwrap_or(0) > 0
            && let Some(t) = effective.get(&a.id).and_then(|x| x.target.clone())
            && effective[&a.id].action == CombatAction::Attack
        {
            e.last_hit_by.insert(t, a.id.clone());
        }
    }
}

/// The participants take the round's fighters and shields; returns each one's change.
fn apply_numbers(e: &mut Encounter, outcome: &RoundOutcome) -> BTreeMap<String, (i64, i64)> {
    let mut deltas = BTreeMap::new();
    for p in e.participants.iter_mut() {
        let f = outcome
            .standing
            .fighters_remaining
            .get(&p.id)
            .copied()
            .unwrap_or(p.fighters);
        let s = outcome
            .standing
            .shields_remaining
            .get(&p.id)
            .copied()
            .unwrap_or(p.shields);
        deltas.insert(p.id.clone(), (f - p.fighters, s - p.shields));
        p.fighters = f;
        p.shields = s;
    }
    deltas
}

/// Takes the ships that fled out of the fight (they still get its end); returns them.
fn remove_fled(e: &mut Encounter, outcome: &RoundOutcome) -> Vec<String> {
    let fled_now: Vec<String> = outcome
        .standing
        .flee_results
        .iter()
        .filter(|(_, ok)| **ok)
        .map(|(id, _)| id.clone())
        .collect();
    e.participants.retain(|p| !fled_now.contains(&p.id));
    for id in &fled_now {
        if !e.fled.contains(id) {
            e.fled.push(id.clone());
        }
    }
    fled_now
}

fn record_stats(
    world: &mut World,
    e: &Encounter,
    effective: &BTreeMap<String, StoredAction>,
    fled: usize,
    rules: &bang_components::balance::CombatBalance,
    now: Timestamp,
) {
    let opened = e.deadline.0 - (rules.round_timeout_secs * 1_000_000.0) as i64;
    let flees = effective
        .values()
        .filter(|a| a.action == CombatAction::Flee)
        .count() as u64;
    let mut stats = world.resource_mut::<bang_components::combat::CombatStats>();
    stats.rounds_resolved += 1;
    stats.flee_attempts += flees;
    stats.flee_successes += fled as u64;
    stats
        .round_durations
        .push((now.0 - opened).max(0) as f64 / 1e6);
}

/// `combat.round_resolved` (without its logs, which need the World).
fn round_payload(
    e: &Encounter,
    round: u32,
    outcome: &RoundOutcome,
    deltas: &BTreeMap<String, (i64, i64)>,
    effective: &BTreeMap<String, StoredAction>,
    quiet: bool,
) -> RoundPayload {
    RoundPayload {
        combat_id: e.combat_id.clone(),
        round,
        losses: outcome.losses.clone(),
        standing: outcome.standing.clone(),
        end: e.ended,
        result: e.end_state.clone(),
        deadline: e.deadline,
        participants: e
            .participants
            .iter()
            .filter(|_| !quiet)
            .map(|p| {
                (
                    p.id.clone(),
                    participant_view(p, deltas.get(&p.id).copied()),
                )
            })
            .collect::<IndexMap<_, _>>(),
        actions: effective
            .iter()
            .filter(|_| !quiet)
            .map(|(k, a)| (k.clone(), action_view(a)))
            .collect(),
        sector: e.sector,
        // Nobody reads a headless payload's history.
        logs: RenderedLogs::default(),
        salvage: None,
    }
}

/// Who hears of the round, and whose numbers it changed.
struct Told {
    remaining_characters: Vec<String>,
    fled: Vec<String>,
    garrison_counts: Vec<(String, i64)>,
    sector: SectorId,
    recipients: Vec<String>,
}

impl Told {
    fn of(e: &Encounter, fled_now: &[String]) -> Told {
        let of_kind = |kind: CombatantKind| e.participants.iter().filter(move |p| p.kind == kind);
        let mut recipients = owners(e);
        recipients.extend(fled_now.iter().cloned());
        recipients.sort();
        recipients.dedup();
        Told {
            remaining_characters: of_kind(CombatantKind::Character)
                .map(|p| p.id.clone())
                .collect(),
            fled: fled_now.to_vec(),
            garrison_counts: of_kind(CombatantKind::Garrison)
                .map(|p| (p.owner.clone(), p.fighters))
                .collect(),
            sector: e.sector,
            recipients,
        }
    }
}

/// Ships and garrisons carry the fight's numbers at once (the reference left garrisons stale);
/// ships that fled are out of the fight.
fn carry_numbers(world: &mut World, told: &Told, outcome: &RoundOutcome) {
    for id in told.remaining_characters.iter().chain(told.fled.iter()) {
        let Some(c) = world.resource::<CharacterIndex>().get(id) else {
            continue;
        };
        let f = outcome
            .standing
            .fighters_remaining
            .get(id)
            .copied()
            .unwrap_or(0);
        let s = outcome
            .standing
            .shields_remaining
            .get(id)
            .copied()
            .unwrap_or(0);
        let mut ship = world.get_mut::<Ship>(c).expect("ship");
        let stats = ship.stats();
        ship.fighters = f.clamp(0, stats.max_fighters as i64);
        ship.shields = s.clamp(0, stats.max_shields as i64);
    }
    for (owner, fighters) in &told.garrison_counts {
        if let Some(g) = garrison_of(world, told.sector, owner) {
            world.get_mut::<Garrison>(g).expect("garrison").fighters = (*fighters).max(0);
        }
    }
    for id in &told.fled {
        if let Some(c) = world.resource::<CharacterIndex>().get(id) {
            world.entity_mut(c).remove::<InCombat>();
        }
    }
}

/// `combat.round_resolved` to everyone in the fight (and those who just fled), then each
/// remaining character's status.
fn tell_round(world: &mut World, enc: Entity, told: &Told, payload: &RoundPayload, quiet: bool) {
    if !quiet {
        let resolved = GameEvent::RoundResolved(Box::new(payload.clone()));
        record_to(world, resolved, told.recipients.clone());
        crate::v2026::combat_told::tell_round_resolved(world, enc, payload, &told.recipients);
    }
    for id in told.remaining_characters.iter().filter(|_| !quiet) {
        if let Some(c) = world.resource::<CharacterIndex>().get(id) {
            let status = status_payload(world, c);
            record_to(
                world,
                GameEvent::StatusChanged(Box::new(status)),
                vec![id.clone()],
            );
        }
    }
}

/// Each ship that fled warps to its destination; whatever waits there engages once this round
/// is told (a follow-on effect).
fn move_fled(
    world: &mut World,
    enc: Entity,
    fled: &[String],
    effective: &BTreeMap<String, StoredAction>,
) {
    let (combat_id, from, round) = {
        let e = world.get::<Encounter>(enc).expect("encounter");
        let round = e.logs.last().map_or(e.round, |l| l.round);
        (e.combat_id.clone(), e.sector, round)
    };
    for id in fled {
        let destination = effective.get(id).and_then(|a| a.destination);
        let (Some(c), Some(to)) = (world.resource::<CharacterIndex>().get(id), destination) else {
            continue;
        };
        match warp(world, c, to, None) {
            Ok(warped) => {
                announce_warp(world, c, &warped);
                crate::v2026::combat_told::tell_fled(world, &combat_id, from, round, id, to);
                let arrived = FollowOn::Arrived {
                    character: c,
                    how: Arrival::Move,
                };
                queue(world, arrived);
            }
            Err(e) => tracing::warn!(character = %id, detail = %e.detail, "flee move failed"),
        }
    }
}

/// A fight's round logs as rendered so far (not stored: after a restart they are rendered again
/// on the next round).
#[derive(Component, Debug, Default)]
pub struct RenderedRounds(Vec<Arc<RawValue>>);

/// The payload form of `logs`, rendering only the rounds not rendered before.
fn rendered_logs(world: &mut World, enc: Entity, logs: &[RoundLog]) -> RenderedLogs {
    let mut done = world
        .get_mut::<RenderedRounds>(enc)
        .map(|mut r| std::mem::take(&mut r.0))
        .unwrap_or_default();
    done.truncate(logs.len());
    for log in &logs[done.len()..] {
        let raw = serde_json::value::to_raw_value(&log_view(log)).expect("round logs serialise");
        done.push(Arc::from(raw));
    }
    let out = RenderedLogs(done.clone());
    world.entity_mut(enc).insert(RenderedRounds(done));
    out
}

/// Resolves every round whose deadline has passed, in combat id order (deterministic).
pub fn resolve_due_rounds(world: &mut World) {
    let now = world.resource::<GameClock>().now();
    let mut due: Vec<(String, Entity)> = world
        .resource::<EncounterIndex>()
        .by_sector
        .values()
        .filter_map(|enc| {
            let e = world.get::<Encounter>(*enc)?;
            (!e.ended && e.deadline <= now).then(|| (e.combat_id.clone(), *enc))
        })
        .collect();
    due.sort();
    for (_, enc) in due {
        world
            .resource_mut::<bang_components::combat::CombatStats>()
            .timeouts += 1;
        resolve_open_round(world, enc);
        settle(world, enc);
    }
}
