//! Sending the 2026-01 dialect's own events: to one character, its status, and to everyone in a
//! sector who can see it. One place, so every endpoint tells alike.

use super::views::{player_public, port_view, sector_view, source, status};
use crate::outbox::record_to;
use bang_components::api::v2026::Event2026;
use bang_components::api::v2026::SectorUpdate;
use bang_components::api::v2026::{PortSector, PortUpdate, SectorRef, Transfer};
use bang_components::character::CharacterIndex;
use bang_components::character::Position;
use bang_components::character::{CharacterId, InHyperspace, SectorOccupants};
use bang_components::game_events::GameEvent;
use bang_components::session::{Sessions, WireDialect};
use bang_components::time::GameClock;
use bang_components::universe::SectorId;
use bevy_ecs::prelude::*;

/// Sends one of that release's events to a character.
pub fn tell(world: &mut World, to: &str, event: Event2026) {
    record_to(world, GameEvent::Release2026(event), vec![to.to_string()]);
}

/// Sends a character its `status.update`.
pub fn tell_status(world: &mut World, entity: Entity, id: &str) {
    let update = status(world, entity, None);
    tell(world, id, Event2026::StatusUpdate(Box::new(update)));
}

/// The characters in a sector who see what happens there (not those in transit).
pub fn present_in(world: &World, sector: SectorId) -> Vec<String> {
    world
        .resource::<SectorOccupants>()
        .in_sector(sector)
        .filter(|e| world.get::<InHyperspace>(*e).is_none())
        .filter_map(|e| world.get::<CharacterId>(e).map(|c| c.0.clone()))
        .collect()
}

/// Sends an event to everyone who sees the sector, if anyone does.
pub fn tell_sector(world: &mut World, sector: SectorId, event: Event2026) {
    let to = present_in(world, sector);
    if !to.is_empty() {
        record_to(world, GameEvent::Release2026(event), to);
    }
}

/// Tells everyone who sees a sector what is in it now, each as they see it (`sector.update`).
pub fn tell_sector_update(world: &mut World, sector: SectorId) {
    for id in present_in(world, sector) {
        let viewer = world.resource::<CharacterIndex>().get(&id);
        let view = SectorUpdate(sector_view(world, sector, viewer, true));
        tell(world, &id, Event2026::SectorUpdate(Box::new(view)));
    }
}

/// Whether anyone could hear the 2026-01 dialect's telling (a connection speaks it): the seed's
/// endpoints tell it only then, so a World of 2025-10 clients pays nothing for it.
pub fn anyone_speaks_2026(world: &World) -> bool {
    world
        .get_resource::<Sessions>()
        .is_some_and(|s| s.speaks(WireDialect::V2026_01))
}

/// Tells the characters in a sector (not in transit) what its port looks like now.
pub fn announce_port(world: &mut World, sector: SectorId) {
    let update = PortUpdate {
        sector: PortSector {
            id: sector,
            port: port_view(world, sector, true),
        },
        updated_at: world.resource::<GameClock>().now(),
    };
    tell_sector(world, sector, Event2026::PortUpdate(Box::new(update)));
}

/// `warp.transfer` to both sides of a transfer of warp power (`sent`, `received`), then each
/// one's `status.update`.
pub fn tell_warp_transfer(world: &mut World, giver: Entity, receiver: Entity, units: i64) {
    let (Some(from_view), Some(to_view)) =
        (player_public(world, giver), player_public(world, receiver))
    else {
        return;
    };
    let copy = |direction: &'static str| Transfer {
        transfer_direction: direction,
        transfer_details: [("warp_power".to_string(), units)].into_iter().collect(),
        from: from_view.clone(),
        to: to_view.clone(),
        sector: SectorRef {
            id: world.get::<Position>(giver).expect("position").0,
        },
        timestamp: world.resource::<GameClock>().now(),
        source: source(world),
    };
    let (sent, received) = (copy("sent"), copy("received"));
    let (from, to) = (from_view.id.clone(), to_view.id.clone());
    tell(world, &from, Event2026::WarpTransfer(Box::new(sent)));
    tell(world, &to, Event2026::WarpTransfer(Box::new(received)));
    tell_status(world, giver, &from);
    tell_status(world, receiver, &to);
}
