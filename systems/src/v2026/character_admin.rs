//! `character.create`, `character.modify` and `character.delete` (the 2026-01 release's operator
//! endpoints): the registry and the characters in it. They need the admin token once one is
//! configured; nothing a request claims about itself stands in for it.

use super::join::spawn_seeded;
use super::shipyard::replace_ship;
use crate::accounts::authority::{JoinGrant, Principal, check_room, principal};
use crate::action_log::log_action;
use crate::combat::ids::CombatIds;
use crate::operator::check_operator;
use bang_components::api::endpoint::ONLY_2026_01;
use bang_components::api::fields::check_len;
use bang_components::api::requests::{MAX_ID_LEN, MAX_SHORT_TEXT, Validate, given};
use bang_components::api::{ApiError, Endpoint, error::ApiResult};
use bang_components::character::{
    Bank, CharacterIndex, InHyperspace, STARTING_CREDITS, Ship, ShipId, ShipName,
};
use bang_components::ledger::CreditFlow;
use bang_components::registry::{Registered, Registry, Seeds};
use bang_components::session::{ConnectionId, WireDialect};
use bang_components::ships::ShipType;
use bang_components::time::GameClock;
use bang_components::universe::UniverseRes;
use bevy_ecs::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct CharacterAdminRequest {
    /// The character (`character.modify`, `character.delete`).
    pub character_id: Option<String>,
    /// The display name (`character.create`: required; `character.modify`: a new one).
    pub name: Option<String>,
    /// `credits`, `player_type`.
    pub player: Option<Box<Value>>,
    /// `ship_type`, `ship_name`, `cargo`, `current_warp_power`, `current_shields`,
    /// `current_fighters`.
    pub ship: Option<Box<Value>>,
    /// The admin token, under that release's name.
    pub admin_password: Option<String>,
    /// The admin token, under bang's name.
    pub admin_token: Option<String>,
}

impl Validate for CharacterAdminRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("character_id", &self.character_id, MAX_ID_LEN)?;
        // A blank name is refused by the handler, in that release's words.
        let blank = self.name.as_deref().is_some_and(|n| n.trim().is_empty());
        match blank {
            true => check_len("name", &self.name, MAX_SHORT_TEXT),
            false => bang_components::api::fields::check_name("name", &self.name, MAX_SHORT_TEXT),
        }
    }
}

impl CharacterAdminRequest {
    fn authorise(&self, world: &World, conn: ConnectionId) -> ApiResult<Option<String>> {
        let token = self
            .admin_token
            .as_deref()
            .or(self.admin_password.as_deref());
        check_operator(world, conn, token)
    }
}

/// `player` and `ship` as checked: that release's keys only, integers where it wants them.
#[derive(Debug, Clone, Default)]
struct Overrides {
    player: Map<String, Value>,
    ship: Map<String, Value>,
    credits: Option<i64>,
    ship_type: Option<ShipType>,
    /// Units per commodity, when `cargo` was given.
    cargo: Option<[i64; 3]>,
}

fn object(value: &Option<Box<Value>>, what: &str) -> ApiResult<Map<String, Value>> {
    match value.as_deref() {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(o)) => Ok(o.clone()),
        Some(_) => Err(ApiError::bad_request(format!("{what} must be an object"))),
    }
}

fn integer(map: &Map<String, Value>, key: &str) -> ApiResult<Option<i64>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| ApiError::bad_request(format!("{key} must be an integer"))),
    }
}

const PLAYER_KEYS: [&str; 2] = ["credits", "player_type"];
const SHIP_KEYS: [&str; 6] = [
    "ship_type",
    "ship_name",
    "cargo",
    "current_warp_power",
    "current_shields",
    "current_fighters",
];

fn overrides(world: &World, req: &CharacterAdminRequest) -> ApiResult<Overrides> {
    let player = object(&req.player, "player")?;
    if let Some(k) = player.keys().find(|k| !PLAYER_KEYS.contains(&k.as_str())) {
        return Err(ApiError::bad_request(format!(
            "Unsupported player field: {k}"
        )));
    }
    let credits = integer(&player, "credits")?;
    if credits.is_some_and(|c| !(0..=crate::characters::MAX_CREDITS).contains(&c)) {
        return Err(ApiError::bad_request("credits must be between 0 and 10^12"));
    }
    let mut ship = object(&req.ship, "ship")?;
    if let Some(k) = ship.keys().find(|k| !SHIP_KEYS.contains(&k.as_str())) {
        return Err(ApiError::bad_request(format!(
            "Unsupported ship field: {k}"
        )));
    }
    for key in &SHIP_KEYS[3..] {
        integer(&ship, key)?;
    }
    if ship
        .get("ship_name")
        .is_some_and(|n| !n.is_string() && !n.is_null())
    {
        return Err(ApiError::bad_request("ship_name must be a string"));
    }
    let cargo = match ship.get("cargo") {
        None | Some(Value::Null) => None,
        Some(Value::Object(units)) => Some(cargo_units(world, units)?),
        Some(_) => return Err(ApiError::bad_request("cargo must be an object")),
    };
    let ship_type = match ship.get("ship_type") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) if !t.trim().is_empty() => {
            let t = t.trim().to_lowercase();
            let found = crate::characters::ship_catalog(world).parse_requested(&t);
            ship.insert("ship_type".into(), Value::String(t.clone()));
            Some(found.ok_or_else(|| ApiError::bad_request(format!("Invalid ship type: {t}")))?)
        }
        Some(_) => return Err(ApiError::bad_request("ship_type must be a string")),
    };
    Ok(Overrides {
        player,
        ship,
        credits,
        ship_type,
        cargo,
    })
}

fn cargo_units(world: &World, units: &Map<String, Value>) -> ApiResult<[i64; 3]> {
    let names = &world.resource::<UniverseRes>().commodities;
    let mut held = [0; 3];
    for (name, n) in units {
        let c = names
            .named(name)
            .ok_or_else(|| ApiError::bad_request(format!("Invalid commodity: {name}")))?;
        held[c.index()] = n
            .as_i64()
            .ok_or_else(|| ApiError::bad_request(format!("cargo.{name} must be an integer")))?
            .max(0);
    }
    Ok(held)
}

/// Puts the ship fields on the character's ship, each within the hull's bounds.
fn apply_ship(world: &mut World, e: Entity, o: &Overrides) {
    let mut ship = world.get_mut::<Ship>(e).expect("ship");
    let s = ship.stats();
    let get = |k: &str, max: u32| {
        o.ship
            .get(k)
            .and_then(Value::as_i64)
            .map(|v| v.clamp(0, max as i64))
    };
    if let Some(v) = get("current_warp_power", s.warp_power_capacity) {
        ship.warp_power = v;
    }
    if let Some(v) = get("current_shields", s.max_shields) {
        ship.shields = v;
    }
    if let Some(v) = get("current_fighters", s.max_fighters) {
        ship.fighters = v;
    }
    if let Some(cargo) = o.cargo {
        ship.cargo = cargo;
    }
    if let Some(name) = o.ship.get("ship_name").and_then(Value::as_str) {
        world.entity_mut(e).insert(ShipName(name.to_string()));
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CharacterRecord {
    pub success: bool,
    pub character_id: String,
    pub name: String,
    pub player: Map<String, Value>,
    pub ship: Map<String, Value>,
}

/// A new registry id, in the UUID form that release gave them (drawn from the seeded id stream).
fn new_id(world: &mut World) -> String {
    world.resource_mut::<CombatIds>().next_uuid()
}

fn checked_name(world: &World, name: Option<&str>, id: Option<&str>) -> ApiResult<String> {
    let name = name.map(str::trim).unwrap_or_default();
    if name.is_empty() {
        return Err(ApiError::bad_request("name is required"));
    }
    let taken = world.resource::<Registry>().id_named(name);
    if taken.is_some_and(|other| Some(other) != id) {
        return Err(ApiError::conflict("Character name already exists"));
    }
    Ok(name.to_string())
}

fn create(
    world: &mut World,
    conn: ConnectionId,
    req: CharacterAdminRequest,
) -> ApiResult<CharacterRecord> {
    let owner = authorise_create(world, conn, &req)?;
    crate::registration::refresh_registry(world);
    let name = checked_name(world, req.name.as_deref(), None)?;
    let mut o = overrides(world, &req)?;
    let id = new_id(world);
    let now = world.resource::<GameClock>().now();
    let ship_type = o.ship_type.unwrap_or(ShipType::DEFAULT);
    let credits = o.credits.unwrap_or(STARTING_CREDITS);
    let e = crate::characters::spawn_character(world, &id, ship_type, credits, 0, now);
    world
        .entity_mut(e)
        .insert((ShipId(ShipId::default_for(&id)), Bank(0)));
    apply_ship(world, e, &o);
    let entry = Registered {
        name: name.clone(),
        created_at: now,
        updated_at: now,
    };
    world.resource_mut::<Registry>().insert(&id, entry);
    if let Some(who) = owner {
        crate::accounts::authority::claim(world, &JoinGrant::Account(who), &id);
    }
    log_action(
        world,
        "character.created",
        Some(&id),
        Some(conn),
        &serde_json::json!({"name": name}),
    );
    o.ship.insert(
        "ship_type".into(),
        Value::String(ship_type.wire_name().into()),
    );
    Ok(CharacterRecord {
        success: true,
        character_id: id,
        name,
        player: o.player,
        ship: o.ship,
    })
}

/// Who may create a character: an operator (as for every operator endpoint), or in accounts
/// mode a player, for their own account, by name alone (returned: the character is theirs).
fn authorise_create(
    world: &World,
    conn: ConnectionId,
    req: &CharacterAdminRequest,
) -> ApiResult<Option<Principal>> {
    if !crate::accounts::operator::enforced(world) {
        return req.authorise(world, conn).map(|_| None);
    }
    let who = principal(world, conn)?;
    if who.is_operator() {
        return Ok(None);
    }
    let sets_state = |v: &Option<Box<Value>>| v.as_deref().is_some_and(|v| !v.is_null());
    if sets_state(&req.player) || sets_state(&req.ship) {
        return Err(ApiError::new(
            403,
            "player and ship may be set only by an operator",
        ));
    }
    check_room(world, &who)?;
    Ok(Some(who))
}

/// The registered character's entity: in the World, or brought in from its files, or new.
fn materialise(world: &mut World, id: &str) -> ApiResult<Entity> {
    if let Some(e) = world.resource::<CharacterIndex>().get(id) {
        return Ok(e);
    }
    let seeded = world
        .get_resource::<Seeds>()
        .cloned()
        .and_then(|s| s.0.character(id, false));
    if let Some(seeded) = seeded {
        return spawn_seeded(world, id, seeded);
    }
    let now = world.resource::<GameClock>().now();
    let e =
        crate::characters::spawn_character(world, id, ShipType::DEFAULT, STARTING_CREDITS, 0, now);
    world
        .entity_mut(e)
        .insert((ShipId(ShipId::default_for(id)), Bank(0)));
    Ok(e)
}

fn registered(
    world: &mut World,
    conn: ConnectionId,
    req: &CharacterAdminRequest,
) -> ApiResult<(String, Registered)> {
    req.authorise(world, conn)?;
    let id = given(&req.character_id)
        .ok_or_else(|| ApiError::bad_request("character_id is required"))?
        .to_string();
    crate::registration::refresh_registry(world);
    let entry = world.resource::<Registry>().get(&id).cloned();
    entry
        .map(|e| (id, e))
        .ok_or_else(|| ApiError::not_found("Character not found"))
}

fn modify(
    world: &mut World,
    conn: ConnectionId,
    req: CharacterAdminRequest,
) -> ApiResult<CharacterRecord> {
    let (id, mut entry) = registered(world, conn, &req)?;
    if let Some(name) = req.name.as_deref() {
        entry.name = checked_name(world, Some(name), Some(&id)).map_err(|e| {
            if e.status == 400 {
                ApiError::bad_request("name must be a non-empty string")
            } else {
                e
            }
        })?;
    }
    let o = overrides(world, &req)?;
    let e = materialise(world, &id)?;
    entry.updated_at = world.resource::<GameClock>().now();
    let name = entry.name.clone();
    // Renamed first: a ship left behind names its owner as it is now.
    world.resource_mut::<Registry>().insert(&id, entry);
    if let Some(t) = o.ship_type {
        let catalog = crate::characters::ship_catalog(world);
        let fresh = new_id(world).replace('-', "");
        replace_ship(world, e, Ship::new(t, catalog), fresh, None);
    }
    apply_ship(world, e, &o);
    if let Some(c) = o.credits {
        crate::ledger::set_credits(world, e, c, CreditFlow::Granted);
    }
    log_action(
        world,
        "character.modified",
        Some(&id),
        Some(conn),
        &serde_json::json!({"name": name}),
    );
    Ok(CharacterRecord {
        success: true,
        character_id: id,
        name,
        player: o.player,
        ship: o.ship,
    })
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CharacterDeleted {
    pub success: bool,
    pub character_id: String,
    pub deleted: bool,
}

/// A deleted character leaves its corporation (the last one out disbands it); a deleted
/// corporation ship leaves its fleet.
fn leave_corporation(world: &mut World, id: &str) {
    use super::corporations::membership::remove_member;
    let corps = world.resource::<bang_components::corporation::Corporations>();
    if corps.owning_ship(id).is_some() {
        crate::world_ops::scrap_corporation_ship(world, id);
    } else if let Some(corp) = corps.of(id).and_then(|c| corps.get(c)) {
        remove_member(world, corp, id);
    }
}

fn delete(
    world: &mut World,
    conn: ConnectionId,
    req: CharacterAdminRequest,
) -> ApiResult<CharacterDeleted> {
    let (id, _) = registered(world, conn, &req)?;
    if let Some(e) = world.resource::<CharacterIndex>().get(&id) {
        // A fight keeps its participants to the end: bang refuses rather than break it.
        crate::combat::query::refuse_in_combat(world, e)?;
        let owed = world
            .get_mut::<InHyperspace>(e)
            .and_then(|mut t| t.reply.take());
        if let Some(pending) = owed {
            let gone = ApiError::new(409, "The character was deleted during the jump");
            crate::dispatch::answer::<bang_components::api::v2026::Success>(
                world,
                pending,
                Err(gone),
            );
        }
        crate::world_ops::remove_character(world, e);
    }
    leave_corporation(world, &id);
    crate::world_ops::disown_character(world, &id);
    world.resource_mut::<Registry>().remove(&id);
    if let Some(seeds) = world.get_resource::<Seeds>() {
        seeds.0.delete_character(&id);
    }
    log_action(
        world,
        "character.deleted",
        Some(&id),
        Some(conn),
        &serde_json::json!({}),
    );
    Ok(CharacterDeleted {
        success: true,
        character_id: id,
        deleted: true,
    })
}

macro_rules! operator_endpoint {
    ($name:ident, $wire:literal, $result:ty, $run:ident) => {
        #[doc = concat!("`", $wire, "` (2026-01, operators).")]
        pub struct $name;

        impl Endpoint for $name {
            const NAME: &'static str = $wire;
            const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
            type Request = CharacterAdminRequest;
            type Result = $result;

            fn handle(
                world: &mut World,
                conn: ConnectionId,
                request: CharacterAdminRequest,
            ) -> ApiResult<$result> {
                $run(world, conn, request)
            }
        }
    };
}

operator_endpoint!(CreateCharacter, "character.create", CharacterRecord, create);
operator_endpoint!(ModifyCharacter, "character.modify", CharacterRecord, modify);
operator_endpoint!(
    DeleteCharacter,
    "character.delete",
    CharacterDeleted,
    delete
);
