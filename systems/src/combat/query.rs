//! What the combat rules read and keep track of, shared by all of them: the garrison or fight of a
//! sector, who a fight's events go to, the refusal for actions during a fight, deadlines, and
//! marking state for the store. Imports no rule module, so every rule may use it.

use super::views::{garrison_view, salvage_view};
use crate::outbox::record_to;
use bang_components::api::combat::{GarrisonUpdated, GarrisonView, SalvageView};
use bang_components::api::{ApiError, error::ApiResult};
use bang_components::balance::Balance;
use bang_components::combat::{
    Encounter, EncounterIndex, Garrison, GarrisonIndex, InCombat, Salvage, SalvageIndex,
};
use bang_components::game_events::GameEvent;
use bang_components::time::{GameClock, Timestamp};
use bang_components::universe::SectorId;
use bevy_ecs::prelude::*;

/// The garrison of `owner` in `sector`, if any.
pub fn garrison_of(world: &World, sector: SectorId, owner: &str) -> Option<Entity> {
    let g = *world.resource::<GarrisonIndex>().by_sector.get(&sector)?;
    (world.get::<Garrison>(g)?.owner == owner).then_some(g)
}

/// Every garrison of a sector (at most one) in its stored form.
pub fn sector_garrisons(
    world: &World,
    sector: SectorId,
    viewer: Option<&str>,
) -> Vec<GarrisonView> {
    world
        .resource::<GarrisonIndex>()
        .by_sector
        .get(&sector)
        .and_then(|g| world.get::<Garrison>(*g))
        .map(|g| vec![garrison_view(g, viewer)])
        .unwrap_or_default()
}

pub fn announce_garrisons(world: &mut World, sector: SectorId, to: Vec<String>) {
    let update = GarrisonUpdated {
        sector,
        garrisons: sector_garrisons(world, sector, None),
    };
    record_to(world, GameEvent::GarrisonsUpdated(update), to);
}

/// The sorted, de-duplicated owners of an encounter's participants (who receives its events).
pub fn owners(e: &Encounter) -> Vec<String> {
    let mut out: Vec<String> = e.participants.iter().map(|p| p.owner.clone()).collect();
    out.sort();
    out.dedup();
    out
}

/// The active encounter in a sector, if any.
pub fn active_in_sector(world: &World, sector: SectorId) -> Option<Entity> {
    world
        .resource::<EncounterIndex>()
        .by_sector
        .get(&sector)
        .copied()
}

/// The encounter a character is fighting in, if any.
pub fn fight_of(world: &World, character: Entity) -> Option<Entity> {
    world.get::<InCombat>(character).map(|c| c.0)
}

/// The 409 refusal for actions that are not allowed in a fight, with the fight's id and deadline.
pub fn refuse_in_combat(world: &World, character: Entity) -> ApiResult<()> {
    let Some(enc) = fight_of(world, character) else {
        return Ok(());
    };
    let mut err = ApiError::conflict(
        "Cannot perform this action during combat. Submit attack/brace/flee instead.",
    );
    if let Some(e) = world.get::<Encounter>(enc) {
        err.combat_id = Some(e.combat_id.clone());
        err.deadline = Some(e.deadline.to_wire());
    }
    Err(err.with_code("in_combat"))
}

pub fn round_deadline(world: &World, now: Timestamp) -> Timestamp {
    let secs = world.resource::<Balance>().combat.round_timeout_secs;
    Timestamp(now.0 + (secs * 1_000_000.0) as i64)
}

/// The live containers of a sector, oldest first.
pub fn sector_salvage(world: &World, sector: SectorId) -> Vec<SalvageView> {
    let index = world.resource::<SalvageIndex>();
    let mut out: Vec<&Salvage> = index
        .by_id
        .values()
        .filter_map(|e| world.get::<Salvage>(*e))
        .filter(|s| s.sector == sector)
        .collect();
    out.sort_by(|a, b| (a.created_at, &a.salvage_id).cmp(&(b.created_at, &b.salvage_id)));
    out.into_iter().map(salvage_view).collect()
}

/// New deadline for a round that opens now.
pub fn next_deadline(world: &World) -> Timestamp {
    let now = world.resource::<GameClock>().now();
    round_deadline(world, now)
}
