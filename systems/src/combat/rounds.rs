//! Rounds: resolving the open round (when every participant has acted, or at its deadline), the
//! events it produces, and the fixed-clock system that enforces deadlines.

use super::encounters::announce_round;
use super::engine::{Fighter, RoundAction, resolve_round};
use super::finalize::finalize;
use super::query::{garrison_of, mark_unsaved, next_deadline, owners};
use super::tolls::{credits_of, toll_result};
use super::views::{action_view, log_view, participant_view};
use super::{CombatRng, CombatUnsaved};
use crate::follow_on::{Arrival, FollowOn, queue};
use crate::outbox::emit_to;
use crate::status::status_payload;
use crate::world_ops::{announce_warp, warp};
use bang_components::api::combat::{COMBAT_ROUND_RESOLVED, RenderedLogs, RoundPayload};
use bang_components::api::events::STATUS_UPDATE;
use bang_components::balance::Balance;
use bang_components::character::{CharacterIndex, Ship};
use bang_components::combat::{
    CombatAction, CombatantKind, Encounter, EncounterIndex, Garrison, InCombat, RoundLog,
    StoredAction,
};
use bang_components::time::GameClock;
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
        let Some(e) = world.get::<Encounter>(enc) else {
            break;
        };
        if e.ended || !e.participants.iter().all(|p| e.pending.contains_key(&p.id)) {
            break;
        }
        resolved.push(resolve_open_round(world, enc));
    }
    resolved
}

/// Resolves the open round: missing actions become timed-out braces.
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
    let mut stored: BTreeMap<String, StoredAction> = BTreeMap::new();
    for p in &start {
        let a = e.pending.get(&p.id).cloned().unwrap_or(StoredAction {
            action: CombatAction::Brace,
            commit: 0,
            target: None,
            destination: None,
            submitted_at: now,
            timed_out: true,
        });
        stored.insert(p.id.clone(), a);
    }
    let fighters: Vec<Fighter> = start
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
    let outcome = resolve_round(&fighters, &actions, e.base_seed, e.round, rng, &rules);

    // What each participant effectively did, in stored form (a bad attack shows as a brace).
    let effective: BTreeMap<String, StoredAction> = stored
        .iter()
        .map(|(id, a)| {
            let eff = outcome.effective_actions.get(id);
            let mut s = a.clone();
            if let Some(eff) = eff {
                s.action = match eff.action {
                    CombatAction::Attack => CombatAction::Attack,
                    CombatAction::Brace => CombatAction::Brace,
                    CombatAction::Flee => CombatAction::Flee,
                    CombatAction::Pay => CombatAction::Pay,
                };
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
        .collect();
    let kinds: BTreeMap<String, CombatAction> = effective
        .iter()
        .map(|(k, a)| (k.clone(), a.action))
        .collect();
    let credits = credits_of(world, &start);
    let result = toll_result(
        &e,
        &start,
        &kinds,
        outcome.end_state.clone(),
        &credits,
        rules.toll_hold_needs_means,
    );

    // Who last hit whom: among this round's attackers that hit a target, the last to shoot in
    // attack order (weakest first) counts.
    let mut order: Vec<&bang_components::combat::Participant> = start.iter().collect();
    order.sort_by(|a, b| {
        (a.fighters, a.turns_per_warp, &a.id).cmp(&(b.fighters, b.turns_per_warp, &b.id))
    });
    for a in order {
        if outcome.hits.get(&a.id).copied().unwrap_or(0) > 0
            && let Some(t) = effective.get(&a.id).and_then(|x| x.target.clone())
            && effective[&a.id].action == CombatAction::Attack
        {
            e.last_hit_by.insert(t, a.id.clone());
        }
    }

    let mut deltas = BTreeMap::new();
    for p in e.participants.iter_mut() {
        let f = outcome
            .fighters_remaining
            .get(&p.id)
            .copied()
            .unwrap_or(p.fighters);
        let s = outcome
            .shields_remaining
            .get(&p.id)
            .copied()
            .unwrap_or(p.shields);
        deltas.insert(p.id.clone(), (f - p.fighters, s - p.shields));
        p.fighters = f;
        p.shields = s;
    }
    logs.push(RoundLog {
        round: e.round,
        actions: effective.clone(),
        hits: outcome.hits.clone(),
        offensive_losses: outcome.offensive_losses.clone(),
        defensive_losses: outcome.defensive_losses.clone(),
        shield_loss: outcome.shield_loss.clone(),
        result: result.clone(),
        timestamp: now,
    });
    let fled_now: Vec<String> = outcome
        .flee_results
        .iter()
        .filter(|(_, ok)| **ok)
        .map(|(id, _)| id.clone())
        .collect();
    let flee_moves: Vec<(String, Option<SectorId>)> = fled_now
        .iter()
        .map(|id| (id.clone(), effective.get(id).and_then(|a| a.destination)))
        .collect();
    e.participants.retain(|p| !fled_now.contains(&p.id));
    for id in &fled_now {
        if !e.fled.contains(id) {
            e.fled.push(id.clone());
        }
    }
    e.pending.clear();
    let resolved_round = e.round;
    {
        let opened = e.deadline.0 - (rules.round_timeout_secs * 1_000_000.0) as i64;
        let flees = effective
            .values()
            .filter(|a| a.action == CombatAction::Flee)
            .count() as u64;
        let mut stats = world.resource_mut::<bang_components::combat::CombatStats>();
        stats.rounds_resolved += 1;
        stats.flee_attempts += flees;
        stats.flee_successes += fled_now.len() as u64;
        stats
            .round_durations
            .push((now.0 - opened).max(0) as f64 / 1e6);
    }
    let ended = result.is_some();
    if ended {
        e.ended = true;
        e.end_state = result.clone();
    } else {
        e.round += 1;
        e.deadline = next_deadline(world);
    }
    let payload = RoundPayload {
        combat_id: e.combat_id.clone(),
        round: resolved_round,
        hits: outcome.hits.clone(),
        offensive_losses: outcome.offensive_losses.clone(),
        defensive_losses: outcome.defensive_losses.clone(),
        shield_loss: outcome.shield_loss.clone(),
        fighters_remaining: outcome.fighters_remaining.clone(),
        shields_remaining: outcome.shields_remaining.clone(),
        flee_results: outcome.flee_results.clone(),
        end: ended,
        result: result.clone(),
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
        logs: if quiet {
            RenderedLogs::default()
        } else {
            rendered_logs(world, enc, &logs)
        },
        salvage: None,
    };
    let remaining_characters: Vec<String> = e
        .participants
        .iter()
        .filter(|p| p.kind == CombatantKind::Character)
        .map(|p| p.id.clone())
        .collect();
    let garrison_counts: Vec<(String, i64)> = e
        .participants
        .iter()
        .filter(|p| p.kind == CombatantKind::Garrison)
        .map(|p| (p.owner.clone(), p.fighters))
        .collect();
    let sector = e.sector;
    let mut recipients = owners(&e);
    recipients.extend(fled_now.iter().cloned());
    recipients.sort();
    recipients.dedup();
    e.logs = logs;
    *world.get_mut::<Encounter>(enc).expect("encounter") = e;
    mark_unsaved(world, enc);

    // Ships and garrisons carry the fight's numbers at once (the reference left garrisons stale).
    for id in remaining_characters.iter().chain(fled_now.iter()) {
        let Some(c) = world.resource::<CharacterIndex>().get(id) else {
            continue;
        };
        let f = outcome.fighters_remaining.get(id).copied().unwrap_or(0);
        let s = outcome.shields_remaining.get(id).copied().unwrap_or(0);
        let mut ship = world.get_mut::<Ship>(c).expect("ship");
        let stats = ship.stats();
        ship.fighters = f.clamp(0, stats.max_fighters as i64);
        ship.shields = s.clamp(0, stats.max_shields as i64);
    }
    for (owner, fighters) in garrison_counts {
        if let Some(g) = garrison_of(world, sector, &owner) {
            world.get_mut::<Garrison>(g).expect("garrison").fighters = fighters.max(0);
            world.resource_mut::<CombatUnsaved>().garrisons.push(sector);
        }
    }
    for id in &fled_now {
        if let Some(c) = world.resource::<CharacterIndex>().get(id) {
            world.entity_mut(c).remove::<InCombat>();
        }
    }

    emit_to(world, COMBAT_ROUND_RESOLVED, &payload, recipients);
    for id in remaining_characters.iter().filter(|_| !quiet) {
        if let Some(c) = world.resource::<CharacterIndex>().get(id) {
            let status = status_payload(world, c);
            emit_to(world, STATUS_UPDATE, &status, vec![id.clone()]);
        }
    }
    for (id, destination) in flee_moves {
        let (Some(c), Some(to)) = (world.resource::<CharacterIndex>().get(&id), destination) else {
            continue;
        };
        match warp(world, c, to, None) {
            Ok(warped) => {
                announce_warp(world, c, &warped);
                // Whatever waits in the next sector engages once this round is told.
                let arrived = FollowOn::Arrived {
                    character: c,
                    how: Arrival::Move,
                };
                queue(world, arrived);
            }
            Err(e) => tracing::warn!(character = %id, detail = %e.detail, "flee move failed"),
        }
    }
    if ended {
        let mut payload = payload;
        finalize(world, enc, &mut payload);
        payload
    } else {
        announce_round(world, enc);
        payload
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
