//! `bank_transfer` (the 2026-01 release's): a deposit moves credits from a ship to its owner's
//! bank account (or a fellow corporation member's), from anywhere; a withdrawal moves them
//! back, at the sector 0 bank only.

use super::join::fail;
use super::tell::{tell, tell_status};
use super::views::{display_name, source};
use crate::action_log::log_action;
use crate::combat::query::refuse_in_combat;
use crate::ownership::authorize_actor;
use bang_components::api::endpoint::ONLY_2026_01;
use bang_components::api::fields::check_len;
use bang_components::api::requests::{MAX_ID_LEN, Validate, given};
use bang_components::api::v2026::{BankResult, BankTransaction, Deposited, Event2026, SectorRef};
use bang_components::api::{ApiError, Endpoint, error::ApiResult};
use bang_components::character::{
    Bank, CharacterId, CharacterIndex, Credits, InHyperspace, Position, ShipId,
};
use bang_components::corporation::{Corporations, is_corporation_ship};
use bang_components::session::{ConnectionId, WireDialect};
use bang_components::time::GameClock;
use bevy_ecs::prelude::*;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct BankRequest {
    /// `deposit` or `withdraw`.
    pub direction: Option<String>,
    pub amount: Option<i64>,
    pub character_id: Option<String>,
    pub ship_id: Option<String>,
    /// A deposit's account owner, by display name.
    pub target_player_name: Option<String>,
}

impl Validate for BankRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("character_id", &self.character_id, MAX_ID_LEN)?;
        check_len("ship_id", &self.ship_id, MAX_ID_LEN)?;
        check_len("target_player_name", &self.target_player_name, MAX_ID_LEN)?;
        check_len("direction", &self.direction, 16)
    }
}

/// Moves `amount` from the credits on hand of `ship` to the bank account of `account`
/// (negative: back from the account to the ship); the ship's credits and the account before and
/// after.
fn move_money(world: &mut World, ship: Entity, account: Entity, into_bank: i64) -> [i64; 4] {
    let on_hand = world.get::<Credits>(ship).map_or(0, |c| c.0);
    world.entity_mut(ship).insert(Credits(on_hand - into_bank));
    let bank = world.get::<Bank>(account).map_or(0, |b| b.0);
    world.entity_mut(account).insert(Bank(bank + into_bank));
    if world.get::<ShipId>(ship).is_none() {
        let id = ShipId::default_for(&world.get::<CharacterId>(ship).expect("id").0);
        world.entity_mut(ship).insert(ShipId(id));
    }
    [on_hand, on_hand - into_bank, bank, bank + into_bank]
}

fn tell_transaction(world: &mut World, e: Entity, who: &str, tx: BankTransaction) {
    tell(world, who, Event2026::BankTransaction(Box::new(tx)));
    tell_status(world, e, who);
}

/// The depositing character: by id, or as the pilot of `ship_id` (which must agree).
fn depositor(world: &World, req: &BankRequest) -> ApiResult<Entity> {
    let index = world.resource::<CharacterIndex>();
    let by_id = given(&req.character_id).map(|id| {
        index
            .get(id)
            .ok_or_else(|| ApiError::not_found("Character not found"))
    });
    let ship_of = |e: Entity| {
        world.get::<ShipId>(e).map_or_else(
            || ShipId::default_for(&world.get::<CharacterId>(e).expect("id").0),
            |s| s.0.clone(),
        )
    };
    match (by_id.transpose()?, given(&req.ship_id)) {
        (Some(e), Some(ship)) if ship_of(e) != ship => Err(ApiError::bad_request(
            "Character ship_id mismatch; provide either character_id or ship_id",
        )),
        (Some(e), _) => Ok(e),
        (None, Some(ship)) => index
            .by_id
            .values()
            .copied()
            .find(|e| ship_of(*e) == ship)
            .ok_or_else(|| ApiError::not_found("Ship not found")),
        (None, None) => Err(ApiError::bad_request(
            "deposit requires ship_id or character_id",
        )),
    }
}

/// The account a deposit goes to, by display name (any case, anywhere).
fn account_named(world: &World, name: &str) -> ApiResult<Entity> {
    let wanted = name.trim().to_lowercase();
    let targets: Vec<Entity> = world
        .resource::<CharacterIndex>()
        .by_id
        .iter()
        .filter(|(id, _)| display_name(world, id).trim().to_lowercase() == wanted)
        .map(|(_, e)| *e)
        .collect();
    match targets.as_slice() {
        [one] => Ok(*one),
        [] => Err(ApiError::not_found(format!(
            "No player named '{name}' found"
        ))),
        _ => Err(ApiError::bad_request(format!(
            "Multiple players named '{name}' found; use character_id instead"
        ))),
    }
}

/// Who may deposit to whom: a corporation's ship to its members; a personal ship to its owner
/// or the owner's fellow members.
fn may_deposit(world: &World, from: &str, to: &str) -> ApiResult<()> {
    let corps = world.resource::<Corporations>();
    if let Some(owner) = corps.owning_ship(from) {
        if corps.of(to) == Some(owner) && corps.owning_ship(to).is_none() {
            return Ok(());
        }
        return Err(ApiError::new(
            403,
            "Corporation ship may only deposit to members of the same corporation",
        ));
    }
    if from == to || (corps.allied(from, to) && corps.owning_ship(to).is_none()) {
        return Ok(());
    }
    Err(ApiError::new(
        403,
        "Personal ships may only deposit to their owner or fellow corporation members",
    ))
}

fn deposit(
    world: &mut World,
    conn: ConnectionId,
    req: BankRequest,
    amount: i64,
) -> ApiResult<BankResult> {
    let name = given(&req.target_player_name)
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("deposit requires target_player_name"))?;
    let target = account_named(world, name)?;
    let from = depositor(world, &req)?;
    let from_id = world.get::<CharacterId>(from).expect("id").0.clone();
    let actor = crate::dispatch::current_actor(world);
    authorize_actor(world, conn, &from_id, actor.as_deref())?;
    let to_id = world.get::<CharacterId>(target).expect("id").0.clone();
    may_deposit(world, &from_id, &to_id)?;
    let have = world.get::<Credits>(from).map_or(0, |c| c.0);
    if have < amount {
        let e = ApiError::bad_request(format!("Insufficient credits: have {have}, need {amount}"));
        return Err(fail(world, &from_id, e));
    }
    let [before, after, bank_before, bank_after] = move_money(world, from, target, amount);
    let ship_id = world.get::<ShipId>(from).expect("ship id").0.clone();
    let data = serde_json::json!({"amount": amount, "to": to_id});
    log_action(world, "bank.deposited", Some(&from_id), Some(conn), &data);
    // A corporation's ship is nobody's own: that release names no source character for it.
    let source_id = (!is_corporation_ship(world, &from_id)).then(|| from_id.clone());
    let tx = BankTransaction {
        source: source(world),
        target_character_id: Some(to_id.clone()),
        source_character_id: source_id.clone(),
        ship_id: Some(ship_id.clone()),
        character_id: None,
        sector: None,
        direction: "deposit",
        amount,
        timestamp: world.resource::<GameClock>().now(),
        ship_credits_before: before,
        ship_credits_after: after,
        credits_in_bank_before: bank_before,
        credits_in_bank_after: bank_after,
    };
    tell_transaction(world, target, &to_id, tx);
    if from != target {
        tell_status(world, from, &from_id);
    }
    Ok(BankResult {
        success: true,
        deposit: Some(Deposited {
            ship_id,
            target_character_id: to_id,
            ship_credits_after: after,
            credits_in_bank_after: bank_after,
            source_character_id: source_id,
        }),
    })
}

fn withdraw(
    world: &mut World,
    conn: ConnectionId,
    req: BankRequest,
    amount: i64,
) -> ApiResult<BankResult> {
    let id = given(&req.character_id)
        .ok_or_else(|| ApiError::bad_request("Missing required parameters"))?
        .to_string();
    let e = world
        .resource::<CharacterIndex>()
        .get(&id)
        .ok_or_else(|| ApiError::not_found("Character not found"))?;
    if world.get::<InHyperspace>(e).is_some() {
        return Err(ApiError::bad_request(
            "Character is in hyperspace, cannot access the bank",
        ));
    }
    if world.get::<Position>(e).expect("position").0 != 0 {
        return Err(ApiError::bad_request(
            "Banking operations are only available in sector 0",
        ));
    }
    refuse_in_combat(world, e)?;
    let bank = world.get::<Bank>(e).map_or(0, |b| b.0);
    if bank < amount {
        let error = ApiError::bad_request(format!("Insufficient bank balance. Available: {bank}"));
        return Err(fail(world, &id, error));
    }
    let [before, after, bank_before, bank_after] = move_money(world, e, e, -amount);
    log_action(
        world,
        "bank.withdrawn",
        Some(&id),
        Some(conn),
        &serde_json::json!({"amount": amount}),
    );
    let tx = BankTransaction {
        source: source(world),
        target_character_id: None,
        source_character_id: None,
        ship_id: None,
        character_id: Some(id.clone()),
        sector: Some(SectorRef { id: 0 }),
        direction: "withdraw",
        amount,
        timestamp: world.resource::<GameClock>().now(),
        ship_credits_before: before,
        ship_credits_after: after,
        credits_in_bank_before: bank_before,
        credits_in_bank_after: bank_after,
    };
    tell_transaction(world, e, &id, tx);
    Ok(BankResult {
        success: true,
        deposit: None,
    })
}

/// `bank_transfer` (2026-01).
pub struct BankTransfer;

impl Endpoint for BankTransfer {
    const NAME: &'static str = "bank_transfer";
    const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
    type Request = BankRequest;
    type Result = BankResult;

    fn acting_for(request: &BankRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: BankRequest,
    ) -> ApiResult<BankResult> {
        let direction = request.direction.clone().unwrap_or_default();
        let amount = match request.amount {
            Some(a) if a > 0 => a,
            _ if !matches!(direction.as_str(), "deposit" | "withdraw") => 0,
            _ => return Err(ApiError::bad_request("Amount must be a positive integer")),
        };
        match direction.as_str() {
            "deposit" => deposit(world, conn, request, amount),
            "withdraw" => withdraw(world, conn, request, amount),
            _ => Err(ApiError::bad_request(
                "direction must be 'deposit' or 'withdraw'",
            )),
        }
    }
}
