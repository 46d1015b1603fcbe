//! Engaging: starting a fight or joining the one running, on `combat.initiate`, on a deploy, and
//! when a character arrives where a fight runs or hostile garrisons stand; and running the
//! arrivals queued as follow-on effects.

use super::encounters::announce_round;
use super::encounters::{
    Present, add_participant, character_participant, characters_present, garrison_participant,
};
use super::ids::CombatIds;
use super::query::{active_in_sector, owners, round_deadline};
use super::rounds::settle;
use super::views::encounter_view;
use crate::follow_on::{Arrival, FollowOn, FollowOns};
use crate::outbox::record_to;
use bang_components::api::combat::CombatStarted;
use bang_components::api::{ApiError, error::ApiResult};
use bang_components::character::{CharacterId, Position};
use bang_components::combat::PendingActions;
use bang_components::combat::{
    Encounter, EncounterIndex, Garrison, GarrisonIndex, GarrisonMode, InCombat, Participant,
};
use bang_components::corporation::{Corporations, allied};
use bang_components::game_events::GameEvent;
use bang_components::time::GameClock;
use bang_components::universe::SectorId;
use bevy_ecs::prelude::*;
use std::collections::BTreeMap;

/// Most follow-on effects run in one drain: far more than any chain of arrivals, so a bug that
/// queues effects forever costs a warning, not the game loop.
const MAX_FOLLOW_ONS: usize = 10_000;

/// Runs the queued follow-on effects, in order, until none is left.
pub fn run_follow_ons(world: &mut World) {
    for _ in 0..MAX_FOLLOW_ONS {
        let next = world
            .get_resource_mut::<FollowOns>()
            .and_then(|mut queued| queued.0.pop_front());
        let Some(effect) = next else {
            return;
        };
        match effect {
            FollowOn::Arrived { character, how } => {
                if world.get_entity(character).is_ok() {
                    engage_on_arrival(world, character, how);
                }
            }
        }
    }
    tracing::warn!("follow-on effects still queued after {MAX_FOLLOW_ONS}");
}

/// Arrival side effects: join a fight running here, else hostile garrisons engage (offensive on
/// any arrival, toll only on a `move`). Errors (nobody to fight) are not the mover's problem.
pub fn engage_on_arrival(world: &mut World, character: Entity, how: Arrival) {
    if world.get::<InCombat>(character).is_some() {
        return;
    }
    let sector = world.get::<Position>(character).expect("position").0;
    if let Some(enc) = active_in_sector(world, sector) {
        let p = character_participant(world, character);
        add_participant(world, enc, p, Some(character));
        settle(world, enc);
        return;
    }
    let id = world.get::<CharacterId>(character).expect("id").0.clone();
    let hostile: Vec<Entity> = world
        .resource::<GarrisonIndex>()
        .by_sector
        .get(&sector)
        .copied()
        .into_iter()
        .filter(|g| {
            world.get::<Garrison>(*g).is_some_and(|g| {
                !allied(world, &g.owner, &id)
                    && g.fighters > 0
                    && match g.mode {
                        GarrisonMode::Offensive => true,
                        GarrisonMode::Toll => how == Arrival::Move,
                        GarrisonMode::Defensive => false,
                    }
            })
        })
        .collect();
    if !hostile.is_empty()
        && let Err(e) = start_or_join(
            world,
            sector,
            Some(character),
            hostile,
            Present::Online,
            "garrison_auto",
        )
    {
        tracing::debug!(detail = %e.detail, "arrival did not start a fight");
    }
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
        join_running(world, enc, characters, garrisons);
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
    // Two sides are needed: a character alone with its own garrison, or with its corporation's
    // (or nobody) is no fight.
    let corps = world.get_resource::<Corporations>();
    let sides: std::collections::BTreeSet<&str> = participants
        .iter()
        .map(|p| corps.and_then(|c| c.of(&p.owner)).unwrap_or(&p.owner))
        .collect();
    if sides.len() < 2 {
        return Err(ApiError::conflict("No opponents available to engage"));
    }
    let initiator_id = initiator
        .and_then(|i| world.get::<CharacterId>(i))
        .map(|c| c.0.clone());
    let enc = spawn_encounter(world, sector, participants, initiator_id.clone(), reason);
    for c in characters {
        world.entity_mut(c).insert(InCombat(enc));
    }
    if !crate::outbox::headless(world) {
        let e = world.get::<Encounter>(enc).expect("encounter");
        let started = CombatStarted {
            encounter: encounter_view(e),
            initiator: initiator_id,
            target: None,
            target_type: None,
        };
        let to = owners(e);
        record_to(world, GameEvent::CombatStarted(Box::new(started)), to);
    }
    announce_round(world, enc);
    settle(world, enc);
    Ok((enc, true))
}

/// Brings characters not yet fighting, and garrisons, into the running fight.
fn join_running(world: &mut World, enc: Entity, characters: Vec<Entity>, garrisons: Vec<Entity>) {
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
}

/// A new fight in its first round, indexed by sector and id.
fn spawn_encounter(
    world: &mut World,
    sector: SectorId,
    participants: Vec<Participant>,
    initiator: Option<String>,
    reason: &str,
) -> Entity {
    let now = world.resource::<GameClock>().now();
    let (combat_id, base_seed) = {
        let mut ids = world.resource_mut::<CombatIds>();
        (ids.next_id(), ids.next_seed())
    };
    let encounter = Encounter {
        combat_id: combat_id.clone(),
        sector,
        round: 1,
        deadline: round_deadline(world, now),
        base_seed,
        participants,
        logs: Vec::new(),
        initiator,
        created_at: now,
        reason: reason.to_string(),
        tolls: BTreeMap::new(),
        fled: Vec::new(),
        last_hit_by: BTreeMap::new(),
        ended: false,
        end_state: None,
    };
    let enc = world.spawn((encounter, PendingActions::default())).id();
    let mut index = world.resource_mut::<EncounterIndex>();
    index.by_sector.insert(sector, enc);
    index.by_id.insert(combat_id, enc);
    enc
}
