//! Toll garrisons: paying a demand, and how a paid or open demand changes a round's result.

use super::query::garrison_of;
use crate::action_log::log_action;
use crate::outbox::record_to;
use crate::status::status_payload;
use bang_components::character::{CharacterIndex, Credits};
use bang_components::combat::PendingActions;
use bang_components::combat::{
    CombatAction, CombatantKind, Encounter, FightEnd, Garrison, Participant,
};
use bang_components::game_events::GameEvent;
use bang_components::session::ConnectionId;
use bevy_ecs::prelude::*;
use serde_json::json;
use std::collections::BTreeMap;

/// Pays the toll demand `target` names (or the first one). The bank grows on the live garrison at
/// once (so a restart cannot lose it) and the garrison's queued attack becomes a brace. A demand
/// already paid is not charged twice. Returns whether the payment stands.
pub fn pay_toll(
    world: &mut World,
    enc: Entity,
    payer: Entity,
    payer_id: &str,
    target: Option<&str>,
    conn: Option<ConnectionId>,
) -> bool {
    let e = world.get::<Encounter>(enc).expect("encounter");
    let key = match target.filter(|t| e.tolls.contains_key(*t)) {
        Some(t) => t.to_string(),
        None => match e.tolls.keys().next() {
            Some(k) => k.clone(),
            None => return false,
        },
    };
    let demand = e.tolls[&key].clone();
    let (round, sector, combat_id) = (e.round, e.sector, e.combat_id.clone());
    if demand.paid {
        return true;
    }
    let amount = demand.toll_amount.max(0);
    if amount > 0 {
        let credits = world.get::<Credits>(payer).map_or(0, |c| c.0);
        if credits < amount {
            return false;
        }
        world.get_mut::<Credits>(payer).expect("credits").0 -= amount;
        if let Some(g) = garrison_of(world, sector, &demand.owner) {
            world.get_mut::<Garrison>(g).expect("garrison").toll_balance += amount;
        }
        let status = status_payload(world, payer);
        record_to(
            world,
            GameEvent::StatusChanged(Box::new(status)),
            vec![payer_id.to_string()],
        );
    }
    {
        let mut e = world.get_mut::<Encounter>(enc).expect("encounter");
        let d = e.tolls.get_mut(&key).expect("demand exists");
        d.paid = true;
        d.paid_round = Some(round);
        d.payments.push((payer_id.to_string(), amount, round));
    }
    // A paid garrison stands down at once: its attack this round becomes a brace.
    if let Some(mut pending) = world.get_mut::<PendingActions>(enc)
        && let Some(a) = pending.0.get_mut(&key)
        && a.action == CombatAction::Attack
    {
        a.action = CombatAction::Brace;
        a.commit = 0;
        a.target = None;
    }
    log_action(
        world,
        "combat.toll_paid",
        Some(payer_id),
        conn,
        &json!({"combat_id": combat_id, "garrison": key, "garrison_owner": demand.owner, "amount": amount, "round": round}),
    );
    true
}

/// Each character participant's credits, for `toll_result`.
pub fn credits_of(world: &World, start: &[Participant]) -> BTreeMap<String, i64> {
    let index = world.resource::<CharacterIndex>();
    start
        .iter()
        .filter(|p| p.kind == CombatantKind::Character)
        .filter_map(|p| {
            let c = world.get::<Credits>(index.get(&p.id)?)?;
            Some((p.id.clone(), c.0))
        })
        .collect()
}

/// The manager's overrides of the engine's result (spec 4.5): an open toll demand keeps a
/// "stalemate" going; a demand paid this round while everyone braced or paid ends it as
/// `toll_satisfied`. `credits` holds the characters' credits as the round resolves; with
/// `needs_means` only a character that could settle a demand holds the fight (see
/// `CombatBalance::toll_hold_needs_means`).
pub fn toll_result(
    e: &Encounter,
    start: &[Participant],
    effective: &BTreeMap<String, CombatAction>,
    engine_result: Option<FightEnd>,
    credits: &BTreeMap<String, i64>,
    needs_means: bool,
) -> Option<FightEnd> {
    let mut result = engine_result;
    let at_start = |id: &str| start.iter().find(|p| p.id == id);
    let armed = |p: &Participant| p.fighters > 0 && p.max_fighters > 0;
    if result == Some(FightEnd::Stalemate) {
        let open = e.tolls.iter().any(|(gid, d)| {
            let holds = |p: &&Participant| {
                p.kind == CombatantKind::Character
                    && if needs_means {
                        p.owner != d.owner
                            && (armed(p)
                                || credits.get(&p.id).copied().unwrap_or(0) >= d.toll_amount)
                    } else {
                        armed(p)
                    }
            };
            !d.paid
                && at_start(gid).is_some_and(|g| g.fighters > 0)
                && d.target
                    .as_deref()
                    .is_none_or(|t| at_start(t).is_some_and(armed))
                && start.iter().any(|p| holds(&p))
        });
        if open {
            result = None;
        }
    }
    let calm = |a: Option<&CombatAction>| {
        matches!(
            a,
            None | Some(CombatAction::Brace) | Some(CombatAction::Pay)
        )
    };
    let paid_now = e.tolls.iter().find(|(_, d)| d.paid_round == Some(e.round));
    if let Some((gid, _)) = paid_now
        && calm(effective.get(gid))
        && effective
            .iter()
            .filter(|(id, _)| *id != gid)
            .all(|(_, a)| calm(Some(a)))
    {
        result = Some(FightEnd::TollSatisfied);
    }
    result
}
