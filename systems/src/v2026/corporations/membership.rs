//! Who belongs: `corporation.create` (the founder pays), `corporation.join` by invite code,
//! `corporation.regenerate_invite_code`, `corporation.leave` (the last member out disbands it,
//! its ships left unowned where they are) and `corporation.kick`.

use super::{actor_is_self, character, find, new_invite_code, update};
use crate::action_log::log_action;
use crate::combat::ids::CombatIds;
use crate::outbox::record_to;
use crate::v2026::views::display_name;
use bang_components::api::endpoint::ONLY_2026_01;
use bang_components::api::fields::check_len;
use bang_components::api::requests::{MAX_ID_LEN, MAX_SHORT_TEXT, Validate, given};
use bang_components::api::v2026::corporation::{
    AbandonedShip, CorporationCreated, CorporationFounded, CorporationJoined, Disbanded,
    InviteCodeChanged, InviteCodeRegenerated, MemberJoined, MemberKicked, MemberLeft,
    ShipsAbandoned,
};
use bang_components::api::v2026::{Event2026, Success};
use bang_components::api::{ApiError, Endpoint, error::ApiResult};
use bang_components::character::{CharacterIndex, Credits, Position, Ship, ShipName};
use bang_components::corporation::{CREATION_COST, Corporation, Corporations, Member, NAME_LEN};
use bang_components::game_events::GameEvent;
use bang_components::ledger::CreditFlow;
use bang_components::session::{ConnectionId, WireDialect};
use bang_components::time::GameClock;
use bang_components::unowned_ships::{UnownedShip, UnownedShips};
use bevy_ecs::prelude::*;
use serde::Deserialize;

/// The request of every membership endpoint (each reads the fields it needs).
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct MembershipRequest {
    pub character_id: Option<String>,
    /// Must be `character_id` when given: these act only for oneself.
    pub actor_character_id: Option<String>,
    /// `corporation.create`: 3 to 50 characters, unique in any case.
    pub name: Option<String>,
    /// `corporation.join`.
    pub corp_id: Option<String>,
    /// `corporation.join`: the code, in any case.
    pub invite_code: Option<String>,
    /// `corporation.kick`: the member to remove.
    pub target_id: Option<String>,
}

impl Validate for MembershipRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("character_id", &self.character_id, MAX_ID_LEN)?;
        check_len("actor_character_id", &self.actor_character_id, MAX_ID_LEN)?;
        bang_components::api::fields::check_name("name", &self.name, MAX_SHORT_TEXT)?;
        check_len("corp_id", &self.corp_id, MAX_ID_LEN)?;
        check_len("invite_code", &self.invite_code, MAX_SHORT_TEXT)?;
        check_len("target_id", &self.target_id, MAX_ID_LEN)
    }
}

fn already_member(world: &World, id: &str) -> ApiResult<()> {
    match world.resource::<Corporations>().of(id) {
        Some(_) => Err(ApiError::bad_request("Already in a corporation")),
        None => Ok(()),
    }
}

/// The corporation the character is a member of (400 outside one).
fn own_corporation(world: &World, id: &str) -> ApiResult<Entity> {
    let corps = world.resource::<Corporations>();
    let corp_id = corps
        .of(id)
        .filter(|_| corps.owning_ship(id).is_none())
        .ok_or_else(|| ApiError::bad_request("Not in a corporation"))?;
    find(world, corp_id)
}

fn now(world: &World) -> bang_components::time::Timestamp {
    world.resource::<GameClock>().now()
}

fn tell_members(world: &mut World, to: Vec<String>, event: Event2026) {
    record_to(world, GameEvent::Release2026(event), to);
}

fn create(
    world: &mut World,
    conn: ConnectionId,
    req: MembershipRequest,
) -> ApiResult<CorporationCreated> {
    actor_is_self(
        &req.actor_character_id,
        &req.character_id,
        "corporation.create",
    )?;
    let name = given(&req.name)
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    if given(&req.character_id).is_none() || name.is_empty() {
        return Err(ApiError::bad_request("Missing character_id or name"));
    }
    if !NAME_LEN.contains(&name.chars().count()) {
        return Err(ApiError::bad_request("Name must be 3-50 characters"));
    }
    let (id, e) = character(world, &req.character_id)?;
    already_member(world, &id)?;
    let credits = world.get::<Credits>(e).map_or(0, |c| c.0);
    if credits < CREATION_COST {
        return Err(ApiError::bad_request("Insufficient credits (need 10,000)"));
    }
    if world.resource::<Corporations>().named(&name).is_some() {
        return Err(ApiError::bad_request(format!(
            "Corporation name '{name}' already taken"
        )));
    }
    let at = now(world);
    let corp = Corporation {
        corp_id: world.resource_mut::<CombatIds>().next_uuid(),
        name,
        founded: at,
        founder_id: id.clone(),
        invite_code: new_invite_code(),
        invite_code_generated: at,
        invite_code_generated_by: id.clone(),
        members: vec![Member {
            character_id: id.clone(),
            joined_at: at,
        }],
        ships: Vec::new(),
    };
    let entity = world.spawn(corp.clone()).id();
    world.resource_mut::<Corporations>().index(&corp, entity);
    crate::ledger::set_credits(
        world,
        e,
        credits - CREATION_COST,
        CreditFlow::CorporationFounding,
    );
    let data = serde_json::json!({"corp_id": corp.corp_id, "cost": CREATION_COST});
    log_action(world, "corporation.created", Some(&id), Some(conn), &data);
    let founded = CorporationFounded {
        corp_id: corp.corp_id.clone(),
        name: corp.name.clone(),
        invite_code: corp.invite_code.clone(),
        founder_id: id.clone(),
        timestamp: at,
    };
    tell_members(
        world,
        vec![id.clone()],
        Event2026::CorporationCreated(Box::new(founded)),
    );
    // (bang) The fee came off the founder's credits: its status says so (that release sent none).
    crate::v2026::tell::tell_status(world, e, &id);
    Ok(CorporationCreated {
        success: true,
        corp_id: corp.corp_id,
        name: corp.name,
        invite_code: corp.invite_code,
        founder_id: id,
        member_count: 1,
    })
}

fn join(
    world: &mut World,
    conn: ConnectionId,
    req: MembershipRequest,
) -> ApiResult<CorporationJoined> {
    actor_is_self(
        &req.actor_character_id,
        &req.character_id,
        "corporation.join",
    )?;
    let (Some(_), Some(corp_id), Some(code)) = (
        given(&req.character_id),
        given(&req.corp_id),
        given(&req.invite_code),
    ) else {
        return Err(ApiError::bad_request(
            "Missing character_id, corp_id, or invite_code",
        ));
    };
    let (id, _) = character(world, &req.character_id)?;
    let entity = find(world, corp_id)?;
    if !world
        .get::<Corporation>(entity)
        .expect("corporation")
        .invites(code)
    {
        return Err(ApiError::bad_request("Invalid invite code"));
    }
    already_member(world, &id)?;
    let at = now(world);
    update(world, entity, |c| {
        c.members.push(Member {
            character_id: id.clone(),
            joined_at: at,
        })
    });
    let corp = world
        .get::<Corporation>(entity)
        .expect("corporation")
        .clone();
    let data = serde_json::json!({"corp_id": corp.corp_id});
    log_action(world, "corporation.joined", Some(&id), Some(conn), &data);
    let joined = MemberJoined {
        corp_id: corp.corp_id.clone(),
        name: corp.name.clone(),
        member_id: id.clone(),
        member_name: display_name(world, &id),
        member_count: corp.members.len(),
        timestamp: at,
    };
    tell_members(
        world,
        corp.member_ids(),
        Event2026::CorporationMemberJoined(Box::new(joined)),
    );
    Ok(CorporationJoined {
        success: true,
        corp_id: corp.corp_id,
        name: corp.name,
        member_count: corp.members.len(),
    })
}

fn regenerate(
    world: &mut World,
    conn: ConnectionId,
    req: MembershipRequest,
) -> ApiResult<InviteCodeRegenerated> {
    let endpoint = "corporation.regenerate_invite_code";
    given(&req.character_id).ok_or_else(|| ApiError::bad_request("Missing character_id"))?;
    actor_is_self(&req.actor_character_id, &req.character_id, endpoint)?;
    let (id, _) = character(world, &req.character_id)?;
    let entity = own_corporation(world, &id)?;
    let (code, at) = (new_invite_code(), now(world));
    update(world, entity, |c| {
        c.invite_code = code.clone();
        c.invite_code_generated = at;
        c.invite_code_generated_by = id.clone();
    });
    let corp = world
        .get::<Corporation>(entity)
        .expect("corporation")
        .clone();
    let data = serde_json::json!({"corp_id": corp.corp_id});
    log_action(
        world,
        "corporation.invite_code_regenerated",
        Some(&id),
        Some(conn),
        &data,
    );
    let changed = InviteCodeChanged {
        corp_id: corp.corp_id.clone(),
        name: corp.name.clone(),
        new_invite_code: code.clone(),
        generated_by: id,
        timestamp: at,
    };
    let event = Event2026::CorporationInviteCodeRegenerated(Box::new(changed));
    tell_members(world, corp.member_ids(), event);
    Ok(InviteCodeRegenerated {
        success: true,
        new_invite_code: code,
    })
}

fn leave(world: &mut World, conn: ConnectionId, req: MembershipRequest) -> ApiResult<Success> {
    given(&req.character_id).ok_or_else(|| ApiError::bad_request("Missing character_id"))?;
    actor_is_self(
        &req.actor_character_id,
        &req.character_id,
        "corporation.leave",
    )?;
    let (id, _) = character(world, &req.character_id)?;
    let entity = own_corporation(world, &id)?;
    let corp_id = world
        .get::<Corporation>(entity)
        .expect("corporation")
        .corp_id
        .clone();
    log_action(
        world,
        "corporation.left",
        Some(&id),
        Some(conn),
        &serde_json::json!({"corp_id": corp_id}),
    );
    remove_member(world, entity, &id);
    Ok(Success::YES)
}

/// Takes a member out of its corporation (it has left or was deleted): the members who stay
/// are told, or, if none stays, the corporation is disbanded and the one who left is told.
pub fn remove_member(world: &mut World, entity: Entity, id: &str) {
    update(world, entity, |c| {
        c.members.retain(|m| m.character_id != id)
    });
    let corp = world
        .get::<Corporation>(entity)
        .expect("corporation")
        .clone();
    if corp.members.is_empty() {
        disband(world, entity, id);
        return;
    }
    let left = MemberLeft {
        corp_id: corp.corp_id.clone(),
        corp_name: corp.name.clone(),
        departed_member_id: id.to_string(),
        departed_member_name: display_name(world, id),
        member_count: corp.members.len(),
        timestamp: now(world),
    };
    tell_members(
        world,
        corp.member_ids(),
        Event2026::CorporationMemberLeft(Box::new(left)),
    );
}

/// Ends a corporation whose last member (`last`) left: its ships stay where they are, unowned
/// and named after it, and their characters are gone.
fn disband(world: &mut World, entity: Entity, last: &str) {
    let corp = world
        .get::<Corporation>(entity)
        .expect("corporation")
        .clone();
    world.resource_mut::<Corporations>().unindex(&corp.corp_id);
    world.despawn(entity);
    let at = now(world);
    let ships: Vec<AbandonedShip> = corp
        .ships
        .iter()
        .filter_map(|s| abandon_ship(world, s, &corp.name))
        .collect();
    let disbanded = Disbanded {
        corp_id: corp.corp_id.clone(),
        corp_name: corp.name.clone(),
        reason: "last_member_left",
        timestamp: at,
    };
    let to = vec![last.to_string()];
    tell_members(
        world,
        to.clone(),
        Event2026::CorporationDisbanded(Box::new(disbanded)),
    );
    if !ships.is_empty() {
        let abandoned = ShipsAbandoned {
            corp_id: corp.corp_id,
            corp_name: corp.name,
            ships,
            timestamp: at,
        };
        tell_members(
            world,
            to,
            Event2026::CorporationShipsAbandoned(Box::new(abandoned)),
        );
    }
}

/// A corporation ship left behind: unowned where it is, with what it carries; its character
/// (and its registration) gone.
fn abandon_ship(world: &mut World, ship_id: &str, corp_name: &str) -> Option<AbandonedShip> {
    let e = world.resource::<CharacterIndex>().get(ship_id)?;
    let ship = world.get::<Ship>(e)?.clone();
    let sector = world.get::<Position>(e)?.0;
    let parked = UnownedShip {
        ship_id: ship_id.to_string(),
        ship: ship.clone(),
        name: world.get::<ShipName>(e).map(|n| n.0.clone()),
        sector,
        credits: world.get::<Credits>(e).map_or(0, |c| c.0),
        became_unowned: now(world),
        former_owner_name: Some(corp_name.to_string()),
    };
    let spawned = world.spawn(parked.clone()).id();
    world
        .resource_mut::<UnownedShips>()
        .insert(&parked, spawned);
    crate::world_ops::remove_character(world, e);
    world
        .resource_mut::<bang_components::registry::Registry>()
        .remove(ship_id);
    Some(AbandonedShip {
        ship_id: ship_id.to_string(),
        ship_type: ship.ship_type,
        sector,
    })
}

fn kick(world: &mut World, conn: ConnectionId, req: MembershipRequest) -> ApiResult<Success> {
    let (Some(_), Some(target)) = (given(&req.character_id), given(&req.target_id)) else {
        return Err(ApiError::bad_request("Missing character_id or target_id"));
    };
    if req.character_id.as_deref() == Some(target) {
        return Err(ApiError::bad_request("Use leave to exit your corporation"));
    }
    actor_is_self(
        &req.actor_character_id,
        &req.character_id,
        "corporation.kick",
    )?;
    let (id, _) = character(world, &req.character_id)?;
    if world.resource::<CharacterIndex>().get(target).is_none() {
        return Err(ApiError::not_found("Target character not found"));
    }
    let entity = own_corporation(world, &id)?;
    let corp = world
        .get::<Corporation>(entity)
        .expect("corporation")
        .clone();
    if !corp.is_member(target) {
        return Err(ApiError::bad_request("Target is not in your corporation"));
    }
    let target = target.to_string();
    update(world, entity, |c| {
        c.members.retain(|m| m.character_id != target)
    });
    let stays = world
        .get::<Corporation>(entity)
        .expect("corporation")
        .member_ids();
    let data = serde_json::json!({"corp_id": corp.corp_id, "target_id": target});
    log_action(world, "corporation.kicked", Some(&id), Some(conn), &data);
    let kicked = MemberKicked {
        corp_id: corp.corp_id.clone(),
        corp_name: corp.name.clone(),
        kicked_member_id: target.clone(),
        kicked_member_name: display_name(world, &target),
        kicker_id: id.clone(),
        kicker_name: display_name(world, &id),
        member_count: stays.len(),
        timestamp: now(world),
    };
    let mut to = stays;
    to.push(target.clone());
    tell_members(
        world,
        to,
        Event2026::CorporationMemberKicked(Box::new(kicked)),
    );
    Ok(Success::YES)
}

macro_rules! membership_endpoint {
    ($name:ident, $wire:literal, $result:ty, $run:ident) => {
        #[doc = concat!("`", $wire, "` (2026-01).")]
        pub struct $name;

        impl Endpoint for $name {
            const NAME: &'static str = $wire;
            const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
            type Request = MembershipRequest;
            type Result = $result;

            fn acting_for(request: &MembershipRequest) -> Vec<&Option<String>> {
                vec![&request.character_id]
            }

            fn handle(
                world: &mut World,
                conn: ConnectionId,
                request: MembershipRequest,
            ) -> ApiResult<$result> {
                $run(world, conn, request)
            }
        }
    };
}

membership_endpoint!(
    CreateCorporation,
    "corporation.create",
    CorporationCreated,
    create
);
membership_endpoint!(JoinCorporation, "corporation.join", CorporationJoined, join);
membership_endpoint!(
    RegenerateInviteCode,
    "corporation.regenerate_invite_code",
    InviteCodeRegenerated,
    regenerate
);
membership_endpoint!(LeaveCorporation, "corporation.leave", Success, leave);
membership_endpoint!(KickMember, "corporation.kick", Success, kick);
