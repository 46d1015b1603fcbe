//! `dump_cargo` (the 2026-01 release's): cargo thrown out becomes a salvage container in the
//! sector, for anyone to collect until it expires.

use super::join::fail;
use super::tell::{tell, tell_sector_update, tell_status};
use super::views::{salvage_cargo, source};
use crate::action_log::log_action;
use crate::combat::query::refuse_in_combat;
use bang_components::api::combat::SalvageCollectRequest;
use bang_components::api::endpoint::ONLY_2026_01;
use bang_components::api::fields::check_len;
use bang_components::api::requests::{MAX_ID_LEN, Validate, given};
use bang_components::api::v2026::{
    ClaimDetails, Collected, Event2026, Remaining, SalvageClaim, SalvageCollected, SalvageCreated,
    SalvageDetails, SectorRef, Success,
};
use bang_components::api::{ApiError, Endpoint, error::ApiResult};
use bang_components::balance::Balance;
use bang_components::character::{CharacterIndex, InHyperspace, Position, Ship};
use bang_components::combat::{Salvage, SalvageIndex};
use bang_components::economy::Commodity;
use bang_components::session::{ConnectionId, WireDialect};
use bang_components::time::{GameClock, Timestamp};
use bang_components::universe::UniverseRes;
use bevy_ecs::prelude::*;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct DumpCargoRequest {
    pub character_id: Option<String>,
    /// `[{"commodity", "units"}, …]` or `{commodity: units}`; used when given and not empty.
    pub items: Option<Value>,
    /// The same, when `items` is absent.
    pub cargo: Option<Value>,
}

impl Validate for DumpCargoRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("character_id", &self.character_id, MAX_ID_LEN)
    }
}

fn is_empty(v: &Value) -> bool {
    v.is_null()
        || v.as_array().is_some_and(Vec::is_empty)
        || v.as_object().is_some_and(|o| o.is_empty())
}

/// The manifest as units per commodity (repeats summed), checked as that release checked it.
fn manifest(world: &World, raw: &Value) -> ApiResult<[i64; 3]> {
    let pairs: Vec<(Value, Value)> = match raw {
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| (Value::String(k.clone()), v.clone()))
            .collect(),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::Object(o) => Ok((
                    o.get("commodity").cloned().unwrap_or(Value::Null),
                    o.get("units").cloned().unwrap_or(Value::Null),
                )),
                _ => Err(ApiError::bad_request("Each item must be an object")),
            })
            .collect::<ApiResult<_>>()?,
        _ => {
            return Err(ApiError::bad_request(
                "cargo/items must be an object or list",
            ));
        }
    };
    let names = &world.resource::<UniverseRes>().commodities;
    let mut units = [0i64; 3];
    for (commodity, amount) in pairs {
        let name = commodity.as_str().unwrap_or("None");
        let c = names
            .named(name)
            .ok_or_else(|| ApiError::bad_request(format!("Invalid commodity: {name}")))?;
        match amount.as_i64() {
            Some(n) if n > 0 => units[c.index()] = units[c.index()].saturating_add(n),
            _ => return Err(ApiError::bad_request("Units must be positive integers")),
        }
    }
    if units == [0; 3] {
        return Err(ApiError::bad_request("No cargo specified to dump"));
    }
    Ok(units)
}

/// Takes what the ship holds of the manifest out of its holds.
fn unload(world: &mut World, e: Entity, wanted: [i64; 3]) -> BTreeMap<String, i64> {
    let mut ship = world.get_mut::<Ship>(e).expect("ship");
    let mut dumped = BTreeMap::new();
    for c in Commodity::ALL {
        let n = wanted[c.index()].min(ship.cargo[c.index()]);
        if n > 0 {
            ship.cargo[c.index()] -= n;
            dumped.insert(c.wire_name().to_string(), n);
        }
    }
    dumped
}

fn dump(world: &mut World, conn: ConnectionId, req: DumpCargoRequest) -> ApiResult<Success> {
    let raw = req
        .items
        .clone()
        .filter(|v| !is_empty(v))
        .or(req.cargo.clone());
    let (Some(id), Some(raw)) = (given(&req.character_id), raw.filter(|v| !v.is_null())) else {
        return Err(ApiError::bad_request(
            "Missing character_id or cargo manifest",
        ));
    };
    let id = id.to_string();
    let e = world
        .resource::<CharacterIndex>()
        .get(&id)
        .ok_or_else(|| ApiError::not_found("Character not found"))?;
    if world.get::<InHyperspace>(e).is_some() {
        return Err(ApiError::bad_request(
            "Character is in hyperspace, cannot dump cargo",
        ));
    }
    refuse_in_combat(world, e)?;
    let wanted = manifest(world, &raw)?;
    let dumped = unload(world, e, wanted);
    if dumped.is_empty() {
        return Err(fail(
            world,
            &id,
            ApiError::bad_request("No cargo available to dump"),
        ));
    }
    let container = leave_container(world, e, &id, dumped);
    log_action(
        world,
        "cargo.dumped",
        Some(&id),
        Some(conn),
        &serde_json::json!({"salvage_id": container.salvage_id, "cargo": container.cargo}),
    );
    announce(world, e, &id, &container);
    Ok(Success::YES)
}

/// Spawns the container a dump leaves in the character's sector.
fn leave_container(
    world: &mut World,
    e: Entity,
    id: &str,
    cargo: BTreeMap<String, i64>,
) -> Salvage {
    let now = world.resource::<GameClock>().now();
    let ttl = world.resource::<Balance>().combat.salvage_ttl_secs;
    let container = Salvage {
        salvage_id: world
            .resource_mut::<crate::combat::ids::CombatIds>()
            .next_id(),
        sector: world.get::<Position>(e).expect("position").0,
        victor_id: None,
        created_at: now,
        expires_at: Timestamp(now.0 + (ttl * 1_000_000.0) as i64),
        cargo,
        scrap: 0,
        credits: 0,
        claimed: false,
        claimed_by: None,
        loser: id.to_string(),
        ship_type: world.get::<Ship>(e).expect("ship").ship_type,
        combat_id: String::new(),
    };
    let spawned = world.spawn(container.clone()).id();
    world
        .resource_mut::<SalvageIndex>()
        .by_id
        .insert(container.salvage_id.clone(), spawned);
    container
}

/// `salvage.created` and `status.update` to the dumper, `sector.update` to everyone there.
fn announce(world: &mut World, e: Entity, id: &str, container: &Salvage) {
    let created = SalvageCreated {
        action: "dumped",
        salvage_details: SalvageDetails {
            salvage_id: container.salvage_id.clone(),
            cargo: salvage_cargo(world, &container.cargo),
            scrap: 0,
            credits: 0,
            expires_at: container.expires_at,
        },
        sector: SectorRef {
            id: container.sector,
        },
        timestamp: container.created_at,
        source: source(world),
    };
    tell(world, id, Event2026::SalvageCreated(Box::new(created)));
    tell_status(world, e, id);
    tell_sector_update(world, container.sector);
}

/// `dump_cargo` (2026-01).
pub struct DumpCargo;

impl Endpoint for DumpCargo {
    const NAME: &'static str = "dump_cargo";
    const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
    type Request = DumpCargoRequest;
    type Result = Success;

    fn acting_for(request: &DumpCargoRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: DumpCargoRequest,
    ) -> ApiResult<Success> {
        dump(world, conn, request)
    }
}

fn claim(
    world: &mut World,
    conn: ConnectionId,
    req: SalvageCollectRequest,
) -> ApiResult<SalvageClaim> {
    if let Some(id) = given(&req.character_id)
        && let Some(e) = world.resource::<CharacterIndex>().get(id)
        && world.get::<InHyperspace>(e).is_some()
    {
        return Err(ApiError::bad_request(
            "Character is in hyperspace, cannot collect salvage",
        ));
    }
    let salvage_id = given(&req.salvage_id).unwrap_or_default().to_string();
    let done = crate::combat::salvage::collect_salvage(world, conn, req.clone())?;
    let id = given(&req.character_id)
        .expect("checked by the claim")
        .to_string();
    let e = world
        .resource::<CharacterIndex>()
        .get(&id)
        .expect("the claimer exists");
    let mut taken = done.collected.cargo.clone();
    if done.collected.scrap > 0 {
        // Scrap goes into the holds as the third commodity, as that release counts it.
        *taken
            .entry(Commodity::Equipment.wire_name().to_string())
            .or_default() += done.collected.scrap;
    }
    let left = |world: &World| Remaining {
        cargo: salvage_cargo(world, &done.salvage.cargo),
        scrap: done.salvage.scrap,
    };
    let details = ClaimDetails {
        salvage_id,
        collected: Collected {
            credits: done.collected.credits,
            cargo: salvage_cargo(world, &taken),
        },
        remaining: if done.remaining {
            left(world)
        } else {
            Remaining {
                cargo: Default::default(),
                scrap: 0,
            }
        },
        fully_collected: !done.remaining,
    };
    let sector = world.get::<Position>(e).expect("position").0;
    let event = SalvageCollected {
        action: "collected",
        salvage_details: details.clone(),
        sector: SectorRef { id: sector },
        timestamp: world.resource::<GameClock>().now(),
        source: source(world),
    };
    tell(world, &id, Event2026::SalvageCollected(Box::new(event)));
    tell_status(world, e, &id);
    tell_sector_update(world, sector);
    Ok(SalvageClaim {
        success: true,
        collected: details.collected,
        remaining: details.remaining,
        fully_collected: details.fully_collected,
    })
}

/// `salvage.collect` (2026-01): bang's claim (in the container's sector), told as that release
/// tells it.
pub struct SalvageCollect2026;

impl Endpoint for SalvageCollect2026 {
    const NAME: &'static str = crate::combat::salvage::Collect::NAME;
    const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
    type Request = SalvageCollectRequest;
    type Result = SalvageClaim;

    fn acting_for(request: &SalvageCollectRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: SalvageCollectRequest,
    ) -> ApiResult<SalvageClaim> {
        claim(world, conn, request)
    }
}
