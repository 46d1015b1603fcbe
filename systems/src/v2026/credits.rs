//! `transfer_credits` (the 2026-01 release's): credits on hand given to a character in the same
//! sector, named by display name.

use super::join::fail;
use super::tell::{tell, tell_status};
use super::views::{player_public, recipient, source};
use crate::action_log::log_action;
use crate::combat::query::refuse_in_combat;
use bang_components::api::endpoint::ONLY_2026_01;
use bang_components::api::fields::check_len;
use bang_components::api::requests::{MAX_ID_LEN, Validate, given};
use bang_components::api::v2026::{Event2026, SectorRef, Success, Transfer};
use bang_components::api::{ApiError, Endpoint, error::ApiResult};
use bang_components::character::{
    CharacterId, CharacterIndex, Credits, InHyperspace, Position, Ship,
};
use bang_components::session::{ConnectionId, WireDialect};
use bang_components::ships::ShipType;
use bang_components::time::GameClock;
use bevy_ecs::prelude::*;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct TransferCreditsRequest {
    pub from_character_id: Option<String>,
    /// The recipient's display name; it must be in the sender's sector.
    pub to_player_name: Option<String>,
    pub amount: Option<i64>,
}

impl Validate for TransferCreditsRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("from_character_id", &self.from_character_id, MAX_ID_LEN)?;
        check_len("to_player_name", &self.to_player_name, MAX_ID_LEN)
    }
}

/// Giver and receiver, after that release's checks up to the name lookup.
fn parties(world: &World, req: &TransferCreditsRequest) -> ApiResult<(Entity, Entity, i64)> {
    let (Some(from), Some(amount)) = (
        given(&req.from_character_id),
        req.amount.filter(|a| *a != 0),
    ) else {
        return Err(ApiError::bad_request("Missing required parameters"));
    };
    let name = given(&req.to_player_name)
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("transfer_credits requires to_player_name"))?;
    if amount <= 0 {
        return Err(ApiError::bad_request("Amount must be a positive integer"));
    }
    let giver = world
        .resource::<CharacterIndex>()
        .get(from)
        .ok_or_else(|| ApiError::not_found(format!("Source character not found: {from}")))?;
    let receiver = recipient(world, giver, name)?;
    if world.get::<InHyperspace>(giver).is_some() {
        return Err(ApiError::bad_request(
            "Sender is in hyperspace, cannot transfer credits",
        ));
    }
    refuse_in_combat(world, giver)?;
    refuse_in_combat(world, receiver)?;
    Ok((giver, receiver, amount))
}

fn id_of(world: &World, e: Entity) -> String {
    world.get::<CharacterId>(e).expect("character id").0.clone()
}

fn transfer(
    world: &mut World,
    conn: ConnectionId,
    req: TransferCreditsRequest,
) -> ApiResult<Success> {
    let (giver, receiver, amount) = parties(world, &req)?;
    let (from, to) = (id_of(world, giver), id_of(world, receiver));
    let balance = world.get::<Credits>(giver).map_or(0, |c| c.0);
    if balance < amount {
        let e = ApiError::bad_request(format!("Insufficient credits. {from} only has {balance}"));
        return Err(fail(world, &from, e));
    }
    if world
        .get::<Ship>(receiver)
        .is_some_and(|s| s.ship_type == ShipType::EscapePod)
    {
        let e = ApiError::bad_request("Cannot transfer credits to an escape pod");
        return Err(fail(world, &to, e));
    }
    world.get_mut::<Credits>(giver).expect("credits").0 -= amount;
    world.get_mut::<Credits>(receiver).expect("credits").0 += amount;
    let sector = world.get::<Position>(giver).expect("position").0;
    log_action(
        world,
        "credits.transferred",
        Some(&from),
        Some(conn),
        &serde_json::json!({"to_character_id": to, "sector": sector, "amount": amount}),
    );
    let (Some(from_view), Some(to_view)) =
        (player_public(world, giver), player_public(world, receiver))
    else {
        return Ok(Success::YES);
    };
    let copy = |direction: &'static str| Transfer {
        transfer_direction: direction,
        transfer_details: [("credits".to_string(), amount)].into_iter().collect(),
        from: from_view.clone(),
        to: to_view.clone(),
        sector: SectorRef { id: sector },
        timestamp: world.resource::<GameClock>().now(),
        source: source(world),
    };
    let (sent, received) = (copy("sent"), copy("received"));
    tell(world, &from, Event2026::CreditsTransfer(Box::new(sent)));
    tell(world, &to, Event2026::CreditsTransfer(Box::new(received)));
    tell_status(world, giver, &from);
    tell_status(world, receiver, &to);
    Ok(Success::YES)
}

/// `transfer_credits` (2026-01).
pub struct TransferCredits;

impl Endpoint for TransferCredits {
    const NAME: &'static str = "transfer_credits";
    const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
    type Request = TransferCreditsRequest;
    type Result = Success;

    fn acting_for(request: &TransferCreditsRequest) -> Vec<&Option<String>> {
        vec![&request.from_character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: TransferCreditsRequest,
    ) -> ApiResult<Success> {
        transfer(world, conn, request)
    }
}
