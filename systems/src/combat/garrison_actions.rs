//! What garrisons do in a fight: each round, every garrison's action is submitted on its own
//! (spec 4.3), from its mode and toll.

use super::query::garrison_of;
use bang_components::balance::Balance;
use bang_components::combat::{
    CombatAction, CombatantKind, Encounter, Garrison, GarrisonMode, StoredAction, TollDemand,
};
use bang_components::time::GameClock;
use bevy_ecs::prelude::*;

/// Submits every garrison's action for the open round (spec 4.3). A garrison with nothing to shoot
/// at braces at once instead of leaving the round waiting for its deadline.
pub fn auto_submit_garrisons(world: &mut World, enc: Entity) {
    let now = world.resource::<GameClock>().now();
    let rules = world.resource::<Balance>().combat.clone();
    // Most fights have no garrison: nothing to do, and nothing to copy.
    let has_garrison = world.get::<Encounter>(enc).is_some_and(|e| {
        e.participants
            .iter()
            .any(|p| p.kind == CombatantKind::Garrison)
    });
    if !has_garrison {
        return;
    }
    let e = world.get::<Encounter>(enc).expect("encounter").clone();
    let mut submissions = Vec::new();
    let mut tolls = e.tolls.clone();
    for g in e
        .participants
        .iter()
        .filter(|p| p.kind == CombatantKind::Garrison)
    {
        let (mode, toll_amount) = garrison_of(world, e.sector, &g.owner)
            .and_then(|ge| world.get::<Garrison>(ge))
            .map_or((GarrisonMode::Offensive, 0), |live| {
                (live.mode, live.toll_amount)
            });
        let mut candidates: Vec<_> = e
            .participants
            .iter()
            .filter(|p| p.kind == CombatantKind::Character && p.fighters > 0 && p.owner != g.owner)
            .collect();
        candidates
            .sort_by(|a, b| (b.fighters, b.shields, &b.id).cmp(&(a.fighters, a.shields, &a.id)));
        let f = g.fighters;
        let attack = |target: &str, commit: i64| StoredAction {
            action: CombatAction::Attack,
            commit,
            target: Some(target.to_string()),
            destination: None,
            submitted_at: now,
            timed_out: false,
        };
        let brace = StoredAction {
            action: CombatAction::Brace,
            commit: 0,
            target: None,
            destination: None,
            submitted_at: now,
            timed_out: false,
        };
        let action = if f <= 0 {
            brace
        } else {
            match mode {
                GarrisonMode::Offensive | GarrisonMode::Defensive => {
                    let (min, div) = if mode == GarrisonMode::Offensive {
                        (rules.offensive_commit_min, rules.offensive_commit_divisor)
                    } else {
                        (rules.defensive_commit_min, rules.defensive_commit_divisor)
                    };
                    let commit = f.min(min.max(f / div)).max(1);
                    match candidates.first() {
                        Some(t) => attack(&t.id, commit),
                        None => brace,
                    }
                }
                GarrisonMode::Toll => {
                    let demand = tolls.entry(g.id.clone()).or_insert_with(|| TollDemand {
                        owner: g.owner.clone(),
                        toll_amount: toll_amount.max(0),
                        target: None,
                        paid: false,
                        paid_round: None,
                        demand_round: e.round,
                        payments: Vec::new(),
                    });
                    if demand.target.is_none() {
                        let initiator = e
                            .initiator
                            .as_deref()
                            .and_then(|i| e.participant(i))
                            .filter(|p| {
                                p.kind == CombatantKind::Character
                                    && p.owner != g.owner
                                    && p.fighters > 0
                            });
                        demand.target = initiator
                            .or(candidates.first().copied())
                            .map(|p| p.id.clone());
                    }
                    let target = demand.target.as_deref().and_then(|t| e.participant(t));
                    if demand.paid && demand.paid_round.is_some_and(|r| r <= e.round) {
                        brace
                    } else if let Some(t) = target.filter(|t| t.fighters > 0) {
                        if e.round == demand.demand_round {
                            brace
                        } else {
                            attack(&t.id, f)
                        }
                    } else {
                        brace
                    }
                }
            }
        };
        submissions.push((g.id.clone(), action));
    }
    let mut e = world.get_mut::<Encounter>(enc).expect("encounter");
    e.tolls = tolls;
    for (id, action) in submissions {
        e.pending.insert(id, action);
    }
}
