//! Fights as the 2026-01 dialect tells them: every participant gets its own `combat.*` payload
//! (participants as a list by display name and shield integrity, the garrison as one object, its
//! own ship in full), garrison owners a `garrison.combat_alert`, a ship that flees its own
//! `combat.ended`, and the sector its contents once a fight ends. Recorded beside the seed's
//! events, and only for characters a connection of this dialect listens for: the seed's dialect
//! pays nothing for it.

use super::tell::{present_in, tell, tell_sector_update, tell_status};
use super::views::{created_at, display_name, salvage_told, ship_name, ship_self};
use crate::combat::query::owners;
use crate::combat::views::mode_name;
use crate::outbox::record_to;
use bang_components::api::combat::{ActionView, RoundPayload};
use bang_components::api::v2026::combat::{
    AlertFight, AlertGarrison, AlertMeta, CombatGarrison, CombatShip, Combatant, FledFight,
    GarrisonCombatAlert, RoundAction, RoundTold, RoundWaiting, SalvageTold,
};
use bang_components::api::v2026::{Event2026, SectorRef, ShipSelf, Source};
use bang_components::character::{CharacterIndex, Ship};
use bang_components::combat::{
    CombatantKind, Encounter, Garrison, GarrisonIndex, Participant, Salvage, SalvageIndex,
};
use bang_components::corporation::corporation_of;
use bang_components::game_events::GameEvent;
use bang_components::session::{Sessions, WireDialect};
use bang_components::ships::ShipType;
use bang_components::time::GameClock;
use bang_components::universe::SectorId;
use bevy_ecs::prelude::*;

/// The garrison owners already alerted to a fight (once per fight, as that release did).
#[derive(Component, Debug, Default)]
pub struct AlertedOwners(Vec<String>);

/// Which of these characters a 2026-01 connection listens for (none in a headless World).
fn hearers<'a>(world: &World, ids: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    if crate::outbox::headless(world) {
        return Vec::new();
    }
    let Some(sessions) = world.get_resource::<Sessions>() else {
        return Vec::new();
    };
    if !sessions.speaks(WireDialect::V2026_01) {
        return Vec::new();
    }
    ids.into_iter()
        .filter(|id| sessions.hears(id, WireDialect::V2026_01))
        .cloned()
        .collect()
}

fn percent(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        return 0.0;
    }
    (part as f64 / whole as f64 * 1000.0).round() / 10.0
}

/// A participant's losses this round: fighters lost and the shield change in percent.
#[derive(Debug, Clone, Copy, Default)]
struct Losses {
    fighters: i64,
    shield_damage: f64,
}

fn losses_in(payload: &RoundPayload, p: &Participant) -> Losses {
    let view = payload.participants.get(&p.id);
    let delta_f = view.and_then(|v| v.fighters_delta).unwrap_or(0);
    let delta_s = view.and_then(|v| v.shields_delta).unwrap_or(0);
    let l = &payload.losses;
    let fought = l.offensive_losses.get(&p.id).copied().unwrap_or(0)
        + l.defensive_losses.get(&p.id).copied().unwrap_or(0);
    Losses {
        fighters: delta_f.abs().max(fought),
        shield_damage: if p.max_shields > 0 {
            percent(delta_s, p.max_shields)
        } else {
            0.0
        },
    }
}

/// A character in the fight as everyone sees it: its ship as it is now (an escape pod once
/// destroyed), its shields as the fight left them.
fn combatant(world: &World, p: &Participant, losses: Losses) -> Combatant {
    let entity = world.resource::<CharacterIndex>().get(&p.owner);
    let ship = entity.and_then(|e| world.get::<Ship>(e).map(|s| (e, s)));
    let (ship_type, name) = match ship {
        Some((e, s)) => (s.ship_type, ship_name(world, e)),
        None => {
            let t = p.ship_type.unwrap_or(ShipType::KestrelCourier);
            (t, t.stats().display_name.to_string())
        }
    };
    Combatant {
        created_at: entity.map_or(world.resource::<GameClock>().now(), |e| {
            created_at(world, e)
        }),
        name: display_name(world, &p.owner),
        player_type: "human",
        ship: CombatShip {
            ship_type,
            ship_name: name,
            shield_integrity: percent(p.shields, p.max_shields),
            shield_damage: (losses.shield_damage != 0.0).then_some(losses.shield_damage),
            fighter_loss: (losses.fighters > 0).then_some(losses.fighters),
        },
    }
}

/// The garrison in the fight, with its standing orders from the sector (while it stands).
fn garrison(world: &World, e: &Encounter, loss: i64) -> Option<CombatGarrison> {
    let p = e
        .participants
        .iter()
        .find(|p| p.kind == CombatantKind::Garrison)?;
    let standing = world
        .resource::<GarrisonIndex>()
        .by_sector
        .get(&e.sector)
        .and_then(|g| world.get::<Garrison>(*g));
    Some(CombatGarrison {
        owner_name: p.owner.clone(),
        fighters: p.fighters,
        fighter_loss: (loss > 0).then_some(loss),
        mode: standing
            .map_or("unknown", |g| mode_name(g.mode))
            .to_string(),
        toll_amount: standing.map_or(0, |g| g.toll_amount),
        deployed_at: standing.map_or(world.resource::<GameClock>().now(), |g| g.deployed_at),
    })
}

/// The viewer's own ship with the fight's numbers, if the viewer flies in it.
fn own_ship(world: &World, e: &Encounter, viewer: &str) -> Option<Box<ShipSelf>> {
    let p = e
        .participants
        .iter()
        .find(|p| p.kind == CombatantKind::Character && p.id == viewer)?;
    let entity = world.resource::<CharacterIndex>().get(viewer)?;
    let mut ship = ship_self(world, entity);
    ship.fighters = p.fighters;
    ship.max_fighters = p.max_fighters;
    ship.shields = p.shields;
    ship.max_shields = p.max_shields;
    Some(Box::new(ship))
}

/// One event per viewer, each with the viewer's own ship.
fn each_viewer(
    world: &World,
    e: &Encounter,
    to: &[String],
    event: impl Fn(Option<Box<ShipSelf>>) -> Event2026,
) -> Vec<(String, Event2026)> {
    to.iter()
        .map(|id| (id.clone(), event(own_ship(world, e, id))))
        .collect()
}

fn tell_all(world: &mut World, told: Vec<(String, Event2026)>) {
    for (id, event) in told {
        tell(world, &id, event);
    }
}

fn characters(e: &Encounter) -> impl Iterator<Item = &Participant> {
    e.participants
        .iter()
        .filter(|p| p.kind == CombatantKind::Character)
}

/// `combat.round_waiting` to each participant (after the garrison owners' alert).
pub fn tell_round_waiting(world: &mut World, enc: Entity) {
    let Some(e) = world.get::<Encounter>(enc) else {
        return;
    };
    let to = hearers(world, &owners(e));
    if to.is_empty() {
        return;
    }
    alert_garrison_owners(world, enc);
    let e = world.get::<Encounter>(enc).expect("encounter");
    let participants: Vec<Combatant> = characters(e)
        .map(|p| combatant(world, p, Losses::default()))
        .collect();
    let initiator = (e.round == 1).then(|| e.initiator.as_ref().map(|i| display_name(world, i)));
    let base = RoundWaiting {
        combat_id: e.combat_id.clone(),
        sector: SectorRef { id: e.sector },
        round: e.round,
        current_time: world.resource::<GameClock>().now(),
        deadline: e.deadline,
        participants,
        garrison: garrison(world, e, 0),
        initiator,
        ship: None,
    };
    let told = each_viewer(world, e, &to, |ship| {
        Event2026::CombatRoundWaiting(Box::new(RoundWaiting {
            ship,
            ..base.clone()
        }))
    });
    tell_all(world, told);
}

/// `garrison.combat_alert` to the owner of each garrison drawn into the fight, once per fight.
fn alert_garrison_owners(world: &mut World, enc: Entity) {
    let e = world.get::<Encounter>(enc).expect("encounter");
    let alerted = world.get::<AlertedOwners>(enc).map(|a| a.0.clone());
    let alerted = alerted.unwrap_or_default();
    let mut alerts = Vec::new();
    for p in e
        .participants
        .iter()
        .filter(|p| p.kind == CombatantKind::Garrison && !alerted.contains(&p.owner))
    {
        // The owner and, as that release told them, its corporation.
        let mut watchers = vec![p.owner.clone()];
        if let Some(corp) = corporation_of(world, &p.owner) {
            watchers.extend(corp.member_ids());
            watchers.extend(corp.ships.iter().cloned());
        }
        watchers.sort();
        watchers.dedup();
        let to = hearers(world, &watchers);
        let standing = world
            .resource::<GarrisonIndex>()
            .by_sector
            .get(&e.sector)
            .and_then(|g| world.get::<Garrison>(*g))
            .filter(|g| g.owner == p.owner);
        let Some(g) = standing else { continue };
        alerts.push((p.owner.clone(), to, alert(world, e, g)));
    }
    let mut now_alerted = alerted;
    for (owner, to, payload) in alerts {
        now_alerted.push(owner);
        if !to.is_empty() {
            let event = Event2026::GarrisonCombatAlert(Box::new(payload));
            record_to(world, GameEvent::Release2026(event), to);
        }
    }
    world.entity_mut(enc).insert(AlertedOwners(now_alerted));
}

fn alert(world: &World, e: &Encounter, g: &Garrison) -> GarrisonCombatAlert {
    let owner_name = display_name(world, &g.owner);
    GarrisonCombatAlert {
        source: Source {
            kind: "rpc",
            method: "garrison_auto_engage".to_string(),
            request_id: format!("{}:{}", e.combat_id, g.owner),
            timestamp: world.resource::<GameClock>().now(),
        },
        sector: SectorRef { id: e.sector },
        combat: AlertFight {
            combat_id: e.combat_id.clone(),
            round: e.round,
            initiator_id: e.initiator.clone(),
            initiator_name: e.initiator.as_ref().map(|i| display_name(world, i)),
            reason: e.reason.clone(),
        },
        garrison: AlertGarrison {
            owner_id: g.owner.clone(),
            owner_name: owner_name.clone(),
            corporation_id: corporation_of(world, &g.owner).map(|c| c.corp_id.clone()),
            mode: mode_name(g.mode).to_string(),
            fighters: g.fighters,
            toll_amount: g.toll_amount,
            deployed_at: g.deployed_at,
        },
        summary: format!(
            "Garrison owned by {owner_name} engaged attackers in sector {}.",
            e.sector
        ),
        meta: AlertMeta {
            alert_type: "combat_start",
        },
    }
}

fn round_action(a: &ActionView) -> RoundAction {
    RoundAction {
        action: a.action.clone(),
        commit: a.commit,
        timed_out: a.timed_out,
        submitted_at: a.submitted_at,
        target: a.target.clone(),
        destination_sector: a.destination_sector,
    }
}

/// The shared part of `combat.round_resolved` and `combat.ended` (no viewer's ship yet).
fn round_told(
    world: &World,
    e: &Encounter,
    payload: &RoundPayload,
    with_losses: bool,
) -> RoundTold {
    let losses = |p: &Participant| {
        if with_losses {
            losses_in(payload, p)
        } else {
            Losses::default()
        }
    };
    let garrison_loss = e
        .participants
        .iter()
        .find(|p| p.kind == CombatantKind::Garrison)
        .map_or(0, |p| losses(p).fighters);
    RoundTold {
        combat_id: payload.combat_id.clone(),
        sector: SectorRef { id: e.sector },
        round: payload.round,
        hits: payload.losses.hits.clone(),
        offensive_losses: payload.losses.offensive_losses.clone(),
        defensive_losses: payload.losses.defensive_losses.clone(),
        shield_loss: payload.losses.shield_loss.clone(),
        flee_results: payload.standing.flee_results.clone(),
        end: payload.result.clone(),
        result: payload.result.clone(),
        deadline: payload.deadline,
        actions: payload
            .actions
            .iter()
            .map(|(k, a)| (k.clone(), round_action(a)))
            .collect(),
        participants: characters(e)
            .map(|p| combatant(world, p, losses(p)))
            .collect(),
        garrison: garrison(world, e, garrison_loss),
        salvage: None,
        logs: None,
        ship: None,
    }
}

/// `combat.round_resolved` to each of `recipients` (the fight's sides and those who just fled),
/// then each remaining character's `status.update`.
pub fn tell_round_resolved(
    world: &mut World,
    enc: Entity,
    payload: &RoundPayload,
    recipients: &[String],
) {
    let to = hearers(world, recipients);
    if to.is_empty() {
        return;
    }
    let e = world.get::<Encounter>(enc).expect("encounter");
    let base = round_told(world, e, payload, true);
    let told = each_viewer(world, e, &to, |ship| {
        Event2026::CombatRoundResolved(Box::new(RoundTold {
            ship,
            ..base.clone()
        }))
    });
    let remaining: Vec<String> = characters(e).map(|p| p.id.clone()).collect();
    tell_all(world, told);
    tell_statuses(world, &hearers(world, &remaining));
}

fn tell_statuses(world: &mut World, ids: &[String]) {
    for id in ids {
        if let Some(c) = world.resource::<CharacterIndex>().get(id) {
            tell_status(world, c, id);
        }
    }
}

/// `combat.ended` to a ship that fled the fight, once it is away.
pub fn tell_fled(
    world: &mut World,
    combat_id: &str,
    from: SectorId,
    round: u32,
    id: &str,
    to: SectorId,
) {
    if hearers(world, [&id.to_string()]).is_empty() {
        return;
    }
    let fled = FledFight {
        combat_id: combat_id.to_string(),
        sector: SectorRef { id: from },
        result: "fled",
        round,
        fled_to_sector: to,
        salvage: Vec::new(),
    };
    tell(world, id, Event2026::CombatFled(Box::new(fled)));
}

/// The end of a fight: each side's `status.update`, its `combat.ended` (with what the fight left
/// behind), then the sector's contents to everyone there.
pub fn tell_combat_ended(world: &mut World, e: &Encounter, payload: &RoundPayload) {
    let to = hearers(world, &owners(e));
    let watching = hearers(world, &present_in(world, e.sector));
    if to.is_empty() && watching.is_empty() {
        return;
    }
    tell_statuses(world, &to);
    let mut base = round_told(world, e, payload, false);
    base.salvage = Some(left_behind(world, payload));
    base.logs = Some(Vec::new());
    let told = each_viewer(world, e, &to, |ship| {
        Event2026::CombatEnded(Box::new(RoundTold {
            ship,
            ..base.clone()
        }))
    });
    tell_all(world, told);
    tell_sector_update(world, e.sector);
}

/// The containers the fight's last round left, as that release shows them.
fn left_behind(world: &World, payload: &RoundPayload) -> Vec<SalvageTold> {
    let index = world.resource::<SalvageIndex>();
    payload
        .salvage
        .iter()
        .flatten()
        .filter_map(|s| index.by_id.get(&s.salvage_id))
        .filter_map(|e| world.get::<Salvage>(*e))
        .map(|s| salvage_told(world, s))
        .collect()
}
