//! Starting fights and joining them: who takes part, `combat.started`, `combat.round_waiting`.

use super::garrisons::auto_submit_garrisons;
use super::ids::CombatIds;
use super::query::{active_in_sector, mark_unsaved, owners, round_deadline};
use super::rounds::settle;
use super::views::encounter_view;
use crate::outbox::emit_to;
use bang_components::api::combat::{COMBAT_ROUND_WAITING, COMBAT_STARTED, CombatStarted};
use bang_components::api::{ApiError, error::ApiResult};
use bang_components::character::{CharacterId, SectorOccupants, Ship};
use bang_components::combat::{
    CombatantKind, Encounter, EncounterIndex, Garrison, InCombat, Participant,
};
use bang_components::session::Sessions;
use bang_components::ships::ShipType;
use bang_components::time::GameClock;
use bang_components::universe::SectorId;
use bevy_ecs::prelude::*;
use std::collections::BTreeMap;

/// Which characters present in the sector a new fight (or a refresh) pulls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Present {
    /// Everyone in the sector (a deliberate `combat.initiate`).
    Everyone,
    /// Only characters with a live connection (arrivals and deploys: bang does not drag offline
    /// players into fights they cannot answer).
    Online,
}

pub fn character_participant(world: &World, entity: Entity) -> Participant {
    let id = world
        .get::<CharacterId>(entity)
        .expect("character id")
        .0
        .clone();
    let ship = world.get::<Ship>(entity).expect("ship");
    let stats = ship.stats();
    Participant {
        id: id.clone(),
        kind: CombatantKind::Character,
        name: id.clone(),
        fighters: ship.fighters,
        shields: ship.shields,
        max_fighters: stats.max_fighters as i64,
        max_shields: stats.max_shields as i64,
        turns_per_warp: stats.turns_per_warp as i64,
        is_escape_pod: ship.ship_type == ShipType::EscapePod,
        owner: id,
        ship_type: Some(ship.ship_type),
    }
}

pub fn garrison_participant(g: &Garrison) -> Participant {
    Participant {
        id: g.combatant_id(),
        kind: CombatantKind::Garrison,
        name: format!("Garrison ({})", g.owner),
        fighters: g.fighters,
        shields: 0,
        max_fighters: g.fighters,
        max_shields: 0,
        turns_per_warp: 0,
        is_escape_pod: false,
        owner: g.owner.clone(),
        ship_type: None,
    }
}

fn characters_present(world: &World, sector: SectorId, present: Present) -> Vec<Entity> {
    let sessions = world.resource::<Sessions>();
    world
        .resource::<SectorOccupants>()
        .in_sector(sector)
        .filter(|e| match present {
            Present::Everyone => true,
            Present::Online => world
                .get::<CharacterId>(*e)
                .is_some_and(|id| sessions.is_online(&id.0)),
        })
        .collect()
}

/// Adds a character or garrison to a running fight: `combat.round_waiting` to everyone (the
/// newcomer included), then the garrisons act again. Returns false if it was already in.
pub fn add_participant(
    world: &mut World,
    enc: Entity,
    participant: Participant,
    character: Option<Entity>,
) -> bool {
    {
        let mut e = world.get_mut::<Encounter>(enc).expect("encounter");
        if e.has(&participant.id) {
            return false;
        }
        e.participants.push(participant);
    }
    if let Some(c) = character {
        world.entity_mut(c).insert(InCombat(enc));
    }
    mark_unsaved(world, enc);
    announce_round(world, enc);
    true
}

/// `combat.round_waiting` for the open round, then the garrisons' automatic actions.
pub fn announce_round(world: &mut World, enc: Entity) {
    if crate::outbox::headless(world) {
        auto_submit_garrisons(world, enc);
        return;
    }
    let e = world.get::<Encounter>(enc).expect("encounter");
    let view = encounter_view(e);
    let to = owners(e);
    emit_to(world, COMBAT_ROUND_WAITING, &view, to);
    auto_submit_garrisons(world, enc);
}

/// Starts a fight in `sector` or, if one is running, brings the initiator, the characters present
/// and the given garrisons into it. Returns the encounter and whether it is new.
pub fn start_or_join(
    world: &mut World,
    sector: SectorId,
    initiator: Option<Entity>,
    garrisons: Vec<Entity>,
    present: Present,
    reason: &str,
) -> ApiResult<(Entity, bool)> {
    let mut characters = characters_present(world, sector, present);
    if let Some(i) = initiator
        && !characters.contains(&i)
    {
        characters.insert(0, i);
    }
    if let Some(enc) = active_in_sector(world, sector) {
        for c in characters {
            if world.get::<InCombat>(c).is_none() {
                let p = character_participant(world, c);
                add_participant(world, enc, p, Some(c));
            }
        }
        for g in garrisons {
            let p = garrison_participant(world.get::<Garrison>(g).expect("garrison"));
            add_participant(world, enc, p, None);
        }
        settle(world, enc);
        return Ok((enc, false));
    }
    // Characters already fighting elsewhere (a teleport left their fight behind) stay out.
    characters.retain(|c| world.get::<InCombat>(*c).is_none());
    let mut participants: Vec<Participant> = characters
        .iter()
        .map(|c| character_participant(world, *c))
        .collect();
    for g in &garrisons {
        let g = world.get::<Garrison>(*g).expect("garrison");
        if g.fighters > 0 {
            participants.push(garrison_participant(g));
        }
    }
    // Two sides are needed: a character alone with its own garrison (or nobody) is no fight.
    let sides: std::collections::BTreeSet<&str> =
        participants.iter().map(|p| p.owner.as_str()).collect();
    if sides.len() < 2 {
        return Err(ApiError::conflict("No opponents available to engage"));
    }
    let now = world.resource::<GameClock>().now();
    let (combat_id, base_seed) = {
        let mut ids = world.resource_mut::<CombatIds>();
        (ids.next_id(), ids.next_seed())
    };
    let initiator_id = initiator
        .and_then(|i| world.get::<CharacterId>(i))
        .map(|c| c.0.clone());
    let encounter = Encounter {
        combat_id: combat_id.clone(),
        sector,
        round: 1,
        deadline: round_deadline(world, now),
        base_seed,
        participants,
        pending: BTreeMap::new(),
        logs: Vec::new(),
        initiator: initiator_id.clone(),
        created_at: now,
        reason: reason.to_string(),
        tolls: BTreeMap::new(),
        fled: Vec::new(),
        last_hit_by: BTreeMap::new(),
        ended: false,
        end_state: None,
    };
    let enc = world.spawn(encounter).id();
    {
        let mut index = world.resource_mut::<EncounterIndex>();
        index.by_sector.insert(sector, enc);
        index.by_id.insert(combat_id, enc);
    }
    for c in characters {
        world.entity_mut(c).insert(InCombat(enc));
    }
    mark_unsaved(world, enc);
    if !crate::outbox::headless(world) {
        let e = world.get::<Encounter>(enc).expect("encounter");
        let started = CombatStarted {
            encounter: encounter_view(e),
            initiator: initiator_id,
            target: None,
            target_type: None,
        };
        let to = owners(e);
        emit_to(world, COMBAT_STARTED, &started, to);
    }
    announce_round(world, enc);
    settle(world, enc);
    Ok((enc, true))
}
