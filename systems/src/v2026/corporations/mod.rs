//! Corporations (the 2026-01 release's): founding, joining by invite code, leaving and kicking,
//! the views members and outsiders get, and the ships a corporation owns. The membership rules
//! are in `membership`, the lookups in `info`, the fleet in `fleet`; this module has the world
//! operations they share.

pub mod fleet;
pub mod info;
pub mod membership;

use super::views::{display_name, ship_self};
use bang_components::api::requests::given;
use bang_components::api::v2026::corporation::{
    CorporationPublic, CorporationShipView, CorporationView, MemberView,
};
use bang_components::api::{ApiError, error::ApiResult};
use bang_components::character::{CharacterIndex, Position};
use bang_components::corporation::{Corporation, Corporations};
pub use bang_components::corporation::{allied, corporation_of, is_corporation_ship, update};
use bevy_ecs::prelude::*;

/// A corporation's entity by id (404 when there is none).
pub fn find(world: &World, corp_id: &str) -> ApiResult<Entity> {
    world
        .resource::<Corporations>()
        .get(corp_id)
        .ok_or_else(|| ApiError::not_found("Corporation not found"))
}

/// A character named by `character_id` (404 "Character not found" when the World has none).
pub fn character(world: &World, id: &Option<String>) -> ApiResult<(String, Entity)> {
    let id = given(id).ok_or_else(|| ApiError::bad_request("Missing character_id"))?;
    let e = world
        .resource::<CharacterIndex>()
        .get(id)
        .ok_or_else(|| ApiError::not_found("Character not found"))?;
    Ok((id.to_string(), e))
}

/// Refuses an `actor_character_id` other than the character itself (these endpoints act only
/// for oneself).
pub fn actor_is_self(actor: &Option<String>, id: &Option<String>, endpoint: &str) -> ApiResult<()> {
    match actor {
        Some(a) if Some(a) != id.as_ref() => Err(ApiError::bad_request(format!(
            "actor_character_id must match character_id for {endpoint}"
        ))),
        _ => Ok(()),
    }
}

/// An invite code: eight hex digits. A secret, so drawn from the system's entropy, not the
/// world's seeded streams (they are reproducible by design).
pub fn new_invite_code() -> String {
    format!("{:08x}", rand::random::<u32>())
}

/// What anyone may see of a corporation.
pub fn public_view(corp: &Corporation) -> CorporationPublic {
    CorporationPublic {
        corp_id: corp.corp_id.clone(),
        name: corp.name.clone(),
        founded: corp.founded,
        member_count: corp.members.len(),
    }
}

/// What a member sees of its corporation.
pub fn member_view(world: &World, corp: &Corporation) -> CorporationView {
    CorporationView {
        public: public_view(corp),
        founder_id: corp.founder_id.clone(),
        invite_code: corp.invite_code.clone(),
        invite_code_generated: corp.invite_code_generated,
        invite_code_generated_by: corp.invite_code_generated_by.clone(),
        members: corp
            .members
            .iter()
            .map(|m| MemberView {
                character_id: m.character_id.clone(),
                name: display_name(world, &m.character_id),
            })
            .collect(),
        ships: corp
            .ships
            .iter()
            .filter_map(|s| ship_view(world, s))
            .collect(),
        joined_at: None,
    }
}

/// One of a corporation's ships as its members see it: its own ship block, named and placed.
fn ship_view(world: &World, ship_id: &str) -> Option<CorporationShipView> {
    let e = world.resource::<CharacterIndex>().get(ship_id)?;
    let s = ship_self(world, e);
    Some(CorporationShipView {
        ship_id: s.ship_id,
        ship_type: s.ship_type,
        name: s.ship_name,
        sector: world.get::<Position>(e)?.0,
        owner_type: "corporation",
        control_ready: true,
        cargo: s.cargo,
        cargo_capacity: s.cargo_capacity,
        warp_power: s.warp_power,
        warp_power_capacity: s.warp_power_capacity,
        shields: s.shields,
        max_shields: s.max_shields,
        fighters: s.fighters,
        max_fighters: s.max_fighters,
    })
}
