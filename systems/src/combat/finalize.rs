//! The end of a fight: garrisons written back or removed, toll banks and credits to the victor,
//! escape pods and salvage for destroyed ships, then `combat.ended`.

use super::ids::CombatIds;
use super::query::{announce_garrisons, garrison_of, owners};
use super::views::salvage_view;
use crate::outbox::record_to;
use crate::status::status_payload;
use bang_components::api::combat::{RoundPayload, SalvageView};
use bang_components::balance::Balance;
use bang_components::character::{CharacterIndex, Credits, Ship};
use bang_components::combat::{
    CombatantKind, ENDED_ENCOUNTERS_KEPT, Encounter, EncounterIndex, FightEnd, Garrison,
    GarrisonIndex, InCombat, Salvage, SalvageIndex,
};
use bang_components::economy::Commodity;
use bang_components::game_events::GameEvent;
use bang_components::ledger::CreditFlow;
use bang_components::ships::ShipType;
use bang_components::time::{GameClock, Timestamp};
use bevy_ecs::prelude::*;
use std::collections::BTreeMap;

/// Who is destroyed: only the losing side of a `{id}_defeated` or `victory` ending. Stalemates,
/// flights and paid tolls destroy nobody, whatever the fighter counts (the reference destroyed
/// every 0-fighter ship on any ending).
fn losers(e: &Encounter) -> Vec<String> {
    match &e.end_state {
        Some(FightEnd::Victory) => e
            .participants
            .iter()
            .filter(|p| p.fighters <= 0)
            .map(|p| p.id.clone())
            .collect(),
        Some(FightEnd::Defeated(id)) if e.has(id) => vec![id.clone()],
        _ => Vec::new(),
    }
}

/// The owner of the surviving participant that last hit `loser`, if it is not the loser's own side.
fn victor(e: &Encounter, loser: &str) -> Option<String> {
    let loser_owner = e.participant(loser).map(|p| p.owner.as_str());
    let hitter = e.participant(e.last_hit_by.get(loser)?)?;
    (hitter.fighters > 0 && Some(hitter.owner.as_str()) != loser_owner)
        .then(|| hitter.owner.clone())
}

fn notify_status(world: &mut World, id: &str) {
    if crate::outbox::headless(world) {
        return;
    }
    if let Some(c) = world.resource::<CharacterIndex>().get(id) {
        let status = status_payload(world, c);
        record_to(
            world,
            GameEvent::StatusChanged(Box::new(status)),
            vec![id.to_string()],
        );
    }
}

/// Ends a fight: destroyed garrisons go (their toll bank to whoever destroyed them), destroyed
/// ships become escape pods leaving salvage, `combat.ended` goes out, and the fight is retired.
pub fn finalize(world: &mut World, enc: Entity, payload: &mut RoundPayload) {
    let e = world.get::<Encounter>(enc).expect("encounter").clone();
    settle_garrisons(world, &e);
    let containers: Vec<_> = losers(&e)
        .iter()
        .filter_map(|id| wreck_ship(world, &e, id))
        .collect();
    if !containers.is_empty() {
        payload.salvage = Some(containers);
    }
    let mut recipients = owners(&e);
    recipients.extend(e.fled.iter().cloned());
    recipients.sort();
    recipients.dedup();
    if !crate::outbox::headless(world) {
        let ended = GameEvent::CombatEnded(Box::new(payload.clone()));
        record_to(world, ended, recipients);
        crate::v2026::combat_told::tell_combat_ended(world, &e, payload);
    }
    for p in e
        .participants
        .iter()
        .filter(|p| p.kind == CombatantKind::Character)
    {
        if let Some(c) = world.resource::<CharacterIndex>().get(&p.id)
            && world.get::<InCombat>(c).is_some_and(|x| x.0 == enc)
        {
            world.entity_mut(c).remove::<InCombat>();
        }
    }
    retire(world, enc, &e);
    // A corporation's ship has no pilot to carry on in an escape pod: it is gone.
    for id in losers(&e) {
        if bang_components::corporation::is_corporation_ship(world, &id) {
            crate::world_ops::scrap_corporation_ship(world, &id);
        }
    }
}

/// Garrisons: survivors keep their (already synced) count; destroyed ones are removed and their
/// toll bank goes to whoever destroyed them. Then the owners hear of it.
fn settle_garrisons(world: &mut World, e: &Encounter) {
    let mut garrison_owners = Vec::new();
    let mut heirs = Vec::new();
    for p in e
        .participants
        .iter()
        .filter(|p| p.kind == CombatantKind::Garrison)
    {
        garrison_owners.push(p.owner.clone());
        let Some(g) = garrison_of(world, e.sector, &p.owner) else {
            continue;
        };
        if p.fighters > 0 {
            continue;
        }
        let bank = world.get::<Garrison>(g).expect("garrison").toll_balance;
        world.entity_mut(g).despawn();
        world
            .resource_mut::<GarrisonIndex>()
            .by_sector
            .remove(&e.sector);
        // With nobody to claim it, the bank goes back to the owner: credits are never destroyed.
        let heir = victor(e, &p.id).unwrap_or_else(|| p.owner.clone());
        if bank > 0 {
            match world.resource::<CharacterIndex>().get(&heir) {
                Some(c) => {
                    world.get_mut::<Credits>(c).expect("credits").0 += bank;
                    heirs.push(heir);
                }
                None => crate::ledger::record(world, CreditFlow::Unclaimed, -bank),
            }
        }
    }
    // As the reference orders them: the owners' (and a bank's heir's) status first, then the
    // garrison news, which goes to garrison owners only.
    let mut told: Vec<String> = garrison_owners.iter().chain(&heirs).cloned().collect();
    told.sort();
    told.dedup();
    for id in &told {
        notify_status(world, id);
    }
    if !garrison_owners.is_empty() {
        garrison_owners.sort();
        garrison_owners.dedup();
        announce_garrisons(world, e.sector, garrison_owners);
    }
}

/// A destroyed ship becomes an escape pod; its cargo (and credits, when nobody won) stay behind
/// in a salvage container, whose view is returned.
fn wreck_ship(world: &mut World, e: &Encounter, id: &str) -> Option<SalvageView> {
    let p = e.participant(id)?;
    if p.kind != CombatantKind::Character || p.is_escape_pod {
        return None;
    }
    let c = world.resource::<CharacterIndex>().get(id)?;
    let ship = world.get::<Ship>(c).expect("ship").clone();
    let credits = world.get::<Credits>(c).map_or(0, |c| c.0);
    let winner = victor(e, id);
    let winner_entity = winner
        .as_deref()
        .and_then(|w| world.resource::<CharacterIndex>().get(w));
    let mut left_credits = credits;
    if let Some(w) = winner_entity
        && credits > 0
    {
        world.get_mut::<Credits>(w).expect("credits").0 += credits;
        left_credits = 0;
    }
    world.get_mut::<Credits>(c).expect("credits").0 = 0;
    let container = salvage_of(world, e, id, &ship, winner.clone(), left_credits);
    let view = salvage_view(&container);
    let salvage_id = container.salvage_id.clone();
    let s = world.spawn(container).id();
    world
        .resource_mut::<SalvageIndex>()
        .by_id
        .insert(salvage_id, s);
    *world.get_mut::<Ship>(c).expect("ship") = Ship::new(ShipType::EscapePod, ship.catalog);
    notify_status(world, id);
    if let Some(w) = winner {
        notify_status(world, &w);
    }
    Some(view)
}

/// The container a destroyed ship leaves: its cargo, scrap by its price, the credits left.
fn salvage_of(
    world: &mut World,
    e: &Encounter,
    loser: &str,
    ship: &Ship,
    victor_id: Option<String>,
    credits: i64,
) -> Salvage {
    let rules = world.resource::<Balance>().combat.clone();
    let now = world.resource::<GameClock>().now();
    let cargo: BTreeMap<String, i64> = Commodity::ALL
        .iter()
        .filter(|k| ship.cargo_of(**k) > 0)
        .map(|k| (k.wire_name().to_string(), ship.cargo_of(*k)))
        .collect();
    let scrap = rules
        .salvage_scrap_min
        .max(ship.stats().price as i64 / rules.salvage_scrap_divisor);
    Salvage {
        salvage_id: world.resource_mut::<CombatIds>().next_id(),
        sector: e.sector,
        victor_id,
        created_at: now,
        expires_at: Timestamp(now.0 + (rules.salvage_ttl_secs * 1_000_000.0) as i64),
        cargo,
        scrap,
        credits,
        claimed: false,
        claimed_by: None,
        loser: loser.to_string(),
        ship_type: ship.ship_type,
        combat_id: e.combat_id.clone(),
    }
}

/// The fight leaves its sector and joins the recently ended ones (the oldest beyond the kept
/// number are despawned).
fn retire(world: &mut World, enc: Entity, e: &Encounter) {
    let evicted = {
        let mut index = world.resource_mut::<EncounterIndex>();
        if index.by_sector.get(&e.sector) == Some(&enc) {
            index.by_sector.remove(&e.sector);
        }
        index.ended.push_back(e.combat_id.clone());
        let mut evicted = Vec::new();
        while index.ended.len() > ENDED_ENCOUNTERS_KEPT {
            if let Some(old) = index.ended.pop_front()
                && let Some(ent) = index.by_id.remove(&old)
            {
                evicted.push(ent);
            }
        }
        evicted
    };
    for ent in evicted {
        world.entity_mut(ent).despawn();
    }
}
