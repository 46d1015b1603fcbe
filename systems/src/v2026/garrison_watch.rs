//! `garrison.character_moved` (the 2026-01 release's): a garrison of a corporation member
//! watches its sector for its corporation. Whoever arrives or leaves, by either dialect, is
//! reported to the owner and its corporation (members and ships); a garrison whose owner is in
//! no corporation reports nothing, as in that release.

use super::views::{display_name, ship_name};
use crate::combat::views::mode_name;
use bang_components::api::events::{MoveType, Movement};
use bang_components::api::v2026::combat::{AlertGarrison, GarrisonCharacterMoved, MoverRef};
use bang_components::api::v2026::{Event2026, ShipPublic};
use bang_components::character::{CharacterId, Ship};
use bang_components::combat::{Garrison, GarrisonIndex};
use bang_components::corporation::corporation_of;
use bang_components::time::GameClock;
use bang_components::universe::SectorId;
use bevy_ecs::prelude::*;

/// Reports a move seen in `sector` to the corporation whose member's garrison stands there.
pub fn tell_garrison_watchers(
    world: &mut World,
    mover: Entity,
    (sector, movement): (SectorId, Movement),
    move_type: MoveType,
) {
    let Some(g) = world
        .resource::<GarrisonIndex>()
        .by_sector
        .get(&sector)
        .and_then(|g| world.get::<Garrison>(*g))
    else {
        return;
    };
    let Some(corp) = corporation_of(world, &g.owner) else {
        return;
    };
    let mut to: Vec<String> = std::iter::once(g.owner.clone())
        .chain(corp.member_ids())
        .chain(corp.ships.iter().cloned())
        .collect();
    to.sort();
    to.dedup();
    let garrison = AlertGarrison {
        owner_id: g.owner.clone(),
        owner_name: display_name(world, &g.owner),
        corporation_id: Some(corp.corp_id.clone()),
        mode: mode_name(g.mode).to_string(),
        fighters: g.fighters,
        toll_amount: g.toll_amount,
        deployed_at: g.deployed_at,
    };
    let id = world.get::<CharacterId>(mover).expect("id").0.clone();
    let ship_type = world.get::<Ship>(mover).expect("ship").ship_type;
    let moved = GarrisonCharacterMoved {
        player: MoverRef {
            id: id.clone(),
            name: display_name(world, &id),
        },
        ship: ShipPublic {
            ship_type,
            ship_name: ship_name(world, mover),
        },
        timestamp: world.resource::<GameClock>().now(),
        move_type,
        name: id,
        ship_type,
        movement,
        garrison,
    };
    let event = Event2026::GarrisonCharacterMoved(Box::new(moved));
    crate::outbox::record_to(
        world,
        bang_components::game_events::GameEvent::Release2026(event),
        to,
    );
}
