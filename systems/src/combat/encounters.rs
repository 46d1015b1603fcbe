//! Who takes part in a fight (characters and garrisons as participants, newcomers added) and
//! `combat.round_waiting`. Starting a fight is `engage`.

use super::garrison_actions::auto_submit_garrisons;
use super::query::owners;
use super::views::encounter_view;
use crate::outbox::record_to;
use bang_components::character::{CharacterId, SectorOccupants, Ship};
use bang_components::combat::{CombatantKind, Encounter, Garrison, InCombat, Participant};
use bang_components::game_events::GameEvent;
use bang_components::session::Sessions;
use bang_components::ships::ShipType;
use bang_components::universe::SectorId;
use bevy_ecs::prelude::*;

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

pub fn characters_present(world: &World, sector: SectorId, present: Present) -> Vec<Entity> {
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
    record_to(world, GameEvent::RoundOpened(Box::new(view)), to);
    crate::v2026::combat_told::tell_round_waiting(world, enc);
    auto_submit_garrisons(world, enc);
}
