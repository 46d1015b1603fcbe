//! What garrisons do in a fight: each round, every garrison's action is submitted on its own
//! (spec 4.3), from its mode and toll.

use super::query::garrison_of;
use bang_components::balance::Balance;
use bang_components::combat::{
    CombatAction, CombatantKind, Encounter, Garrison, GarrisonMode, Participant, PendingActions,
    StoredAction, TollDemand,
};
use bang_components::corporation::allied;
use bang_components::time::GameClock;
use bevy_ecs::prelude::*;
use std::collections::BTreeMap;

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
    // No friendly fire: a garrison spares its owner's corporation.
    let friends = |a: &str, b: &str| allied(world, a, b);
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
        let order = match mode {
            _ if g.fighters <= 0 => None,
            GarrisonMode::Offensive => shoot(
                (&e, &friends),
                g,
                rules.offensive_commit_min,
                rules.offensive_commit_divisor,
            ),
            GarrisonMode::Defensive => shoot(
                (&e, &friends),
                g,
                rules.defensive_commit_min,
                rules.defensive_commit_divisor,
            ),
            GarrisonMode::Toll => toll_order((&e, &friends), g, &mut tolls, toll_amount),
        };
        let action = StoredAction {
            action: if order.is_some() {
                CombatAction::Attack
            } else {
                CombatAction::Brace
            },
            commit: order.as_ref().map_or(0, |o| o.1),
            target: order.map(|o| o.0),
            destination: None,
            submitted_at: now,
            timed_out: false,
        };
        submissions.push((g.id.clone(), action));
    }
    // Only a new demand changes the fight itself; the actions are its pending ones.
    if world
        .get::<Encounter>(enc)
        .is_some_and(|e| e.tolls != tolls)
    {
        world.get_mut::<Encounter>(enc).expect("encounter").tolls = tolls;
    }
    let mut pending = world
        .get_mut::<PendingActions>(enc)
        .expect("an encounter has its pending actions");
    for (id, action) in submissions {
        pending.0.insert(id, action);
    }
}

/// A fight and who is friendly with whom in it.
type Sides<'a> = (&'a Encounter, &'a dyn Fn(&str, &str) -> bool);

/// Whether a garrison may shoot a participant: a character with fighters, not on its side.
fn hostile(sides: Sides, g: &Participant, p: &Participant) -> bool {
    p.kind == CombatantKind::Character && p.fighters > 0 && !(sides.1)(&p.owner, &g.owner)
}

/// The characters a garrison may shoot, strongest first.
fn candidates<'a>(sides: Sides<'a>, g: &Participant) -> Vec<&'a Participant> {
    let mut candidates: Vec<_> = sides
        .0
        .participants
        .iter()
        .filter(|p| hostile(sides, g, p))
        .collect();
    candidates.sort_by(|a, b| (b.fighters, b.shields, &b.id).cmp(&(a.fighters, a.shields, &a.id)));
    candidates
}

/// An offensive or defensive garrison shoots the strongest character with a share of its
/// fighters: (target, commit), or None to brace.
fn shoot(sides: Sides, g: &Participant, min: i64, divisor: i64) -> Option<(String, i64)> {
    let f = g.fighters;
    let commit = f.min(min.max(f / divisor)).max(1);
    candidates(sides, g).first().map(|t| (t.id.clone(), commit))
}

/// A toll garrison demands its toll in the round it engages (bracing), then shoots its target
/// with everything until the toll is paid.
fn toll_order(
    sides: Sides,
    g: &Participant,
    tolls: &mut BTreeMap<String, TollDemand>,
    toll_amount: i64,
) -> Option<(String, i64)> {
    let e = sides.0;
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
            .filter(|p| hostile(sides, g, p));
        demand.target = initiator
            .or(candidates(sides, g).first().copied())
            .map(|p| p.id.clone());
    }
    if demand.paid && demand.paid_round.is_some_and(|r| r <= e.round) {
        return None;
    }
    let target = demand.target.as_deref().and_then(|t| e.participant(t))?;
    (target.fighters > 0 && e.round != demand.demand_round).then(|| (target.id.clone(), g.fighters))
}
