//! Scripted players in a fight: each round, every player in it who has not acted yet chooses
//! by its group's strategy (the `bang sim` ones), paying a toll first if its group does.

use super::driver::{Players, WorldRun};
use crate::sim::strategy::{Decision, Situation, choose, decision};
use bang_components::api::combat::CombatActionRequest;
use bang_components::api::requests::IntArg;
use bang_components::combat::{
    CombatAction, CombatantKind, Encounter, EncounterIndex, PendingActions,
};
use bang_components::corporation::Corporations;
use bang_components::session::ConnectionId;
use bang_systems::endpoints::Request;
use bevy_ecs::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// This second's combat actions of every scripted player whose round awaits it.
pub fn round_actions(run: &mut WorldRun) -> Vec<(ConnectionId, Request)> {
    let (world, mut players) = run.split();
    let mut fights: Vec<(&str, Entity)> = world
        .resource::<EncounterIndex>()
        .by_sector
        .values()
        .filter_map(|e| {
            let enc = world.get::<Encounter>(*e)?;
            (!enc.ended).then_some((enc.combat_id.as_str(), *e))
        })
        .collect();
    fights.sort();
    let mut out = Vec::new();
    for (_, e) in fights {
        choices(world, &mut players, e, &mut out);
    }
    out
}

/// The actions still missing from one fight's open round.
fn choices(
    world: &World,
    players: &mut Players,
    fight: Entity,
    out: &mut Vec<(ConnectionId, Request)>,
) {
    let e = world.get::<Encounter>(fight).expect("encounter");
    let pending = world.get::<PendingActions>(fight);
    // Scripted players still to answer this round (once a round: an action refused is not
    // asked again; the deadline braces for it).
    let waiting: Vec<(usize, usize)> = e
        .participants
        .iter()
        .enumerate()
        .filter(|(_, p)| p.kind == CombatantKind::Character)
        .filter(|(_, p)| !pending.is_some_and(|a| a.0.contains_key(&p.id)))
        .filter_map(|(n, p)| players.by_id.get(&p.id).map(|i| (n, *i)))
        .filter(|(_, i)| players.bots[*i].last_round != Some((fight, e.round)))
        .collect();
    if waiting.is_empty() {
        return;
    }
    let corps = world.resource::<Corporations>();
    // Corporation members fight on one side; everyone else alone.
    let side_of: BTreeMap<String, String> = e
        .participants
        .iter()
        .map(|p| {
            let side = corps.of(&p.owner).unwrap_or(&p.owner).to_string();
            (p.owner.clone(), side)
        })
        .collect();
    let toll_open = e.tolls.values().any(|d| !d.paid);
    let ranking = Ranking::of(e, &side_of);
    let warps = players.map.warps(e.sector);
    for (n, i) in waiting {
        let me = &e.participants[n];
        let bot = &mut players.bots[i];
        bot.last_round = Some((fight, e.round));
        let group = &players.pop.groups[bot.group];
        let seed: u64 = bot.rng.random();
        let mut d = if group.pays_tolls && toll_open && !me.is_escape_pod {
            Decision {
                action: CombatAction::Pay,
                ..Decision::brace()
            }
        } else {
            let situation = ranking.situation(me, &side_of[&me.owner], toll_open);
            decision(choose(&group.combat, situation, || {
                ChaCha8Rng::seed_from_u64(seed)
            }))
        };
        if d.action == CombatAction::Flee {
            // Away along one of this sector's warps.
            d.to_sector =
                (!warps.is_empty()).then(|| i64::from(warps[bot.rng.random_range(0..warps.len())]));
            if d.to_sector.is_none() {
                d = Decision::brace();
            }
        }
        out.push((bot.conn, action_request(&me.id, e, d)));
    }
}

/// A fight's participants with fighters left, weakest first (ties by id) and strongest first,
/// with their sides: each player's weakest and strongest opponents are the first entries of
/// another side, so a round of a crowded fight costs a sort, not a scan per player (the same
/// choices as `strategy::decide`).
struct Ranking<'a> {
    weakest: Vec<(i64, &'a str, &'a str)>,
    strongest: Vec<(i64, &'a str)>,
}

impl<'a> Ranking<'a> {
    fn of(e: &'a Encounter, side_of: &'a BTreeMap<String, String>) -> Ranking<'a> {
        let mut weakest: Vec<(i64, &str, &str)> = e
            .participants
            .iter()
            .filter(|p| p.fighters > 0)
            .map(|p| (p.fighters, p.id.as_str(), side_of[&p.owner].as_str()))
            .collect();
        weakest.sort_unstable();
        let mut strongest: Vec<(i64, &str)> = weakest.iter().map(|(f, _, s)| (*f, *s)).collect();
        strongest.sort_unstable_by_key(|s| std::cmp::Reverse(s.0));
        Ranking { weakest, strongest }
    }

    fn situation(
        &self,
        me: &bang_components::combat::Participant,
        side: &str,
        toll_open: bool,
    ) -> Situation<String> {
        Situation {
            fighters: me.fighters,
            escape_pod: me.is_escape_pod,
            weakest: self
                .weakest
                .iter()
                .find(|(_, _, s)| *s != side)
                .map(|(_, id, _)| id.to_string()),
            strongest: self
                .strongest
                .iter()
                .find(|(_, s)| *s != side)
                .map_or(0, |(f, _)| *f),
            toll_open,
        }
    }
}

fn action_request(id: &str, e: &Encounter, d: Decision) -> Request {
    Request::CombatAction(CombatActionRequest {
        character_id: Some(id.to_string()),
        combat_id: Some(e.combat_id.clone()),
        action: Some(d.action.to_string()),
        commit: d.commit,
        target_id: d.target,
        to_sector: d.to_sector.map(IntArg::Int),
        to: None,
        round: Some(i64::from(e.round)),
    })
}
