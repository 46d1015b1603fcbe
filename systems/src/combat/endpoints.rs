//! The fight endpoints: `combat.initiate`, `combat.action`, `combat.status`.

use super::encounters::Present;
use super::engage::start_or_join;
use super::query::fight_of;
use super::rounds::settle;
use super::tolls::pay_toll;
use super::views::{encounter_view, log_view};
use crate::action_log::log_action;
use bang_components::api::Endpoint;
use bang_components::api::combat::{
    CombatActionRequest, CombatActionResult, CombatInitiateRequest, CombatStarted,
    CombatStatusRequest, CombatStatusResult,
};
use bang_components::api::endpoint::ONLY_2025_10;
use bang_components::api::requests::{IntArg, given};
use bang_components::api::{ApiError, error::ApiResult};
use bang_components::character::{CharacterIndex, Position, Ship};
use bang_components::combat::PendingActions;
use bang_components::combat::{
    CombatAction, CombatantKind, Encounter, EncounterIndex, GarrisonIndex, Participant,
    StoredAction,
};
use bang_components::session::{ConnectionId, WireDialect};
use bang_components::ships::ShipType;
use bang_components::time::GameClock;
use bang_components::universe::{SectorId, UniverseRes};
use bevy_ecs::prelude::*;
use serde_json::json;

/// `combat.initiate`: start a fight in the caller's sector (everyone there takes part, with every
/// garrison), or join the one running there.
pub fn initiate(
    world: &mut World,
    _conn: ConnectionId,
    req: CombatInitiateRequest,
) -> ApiResult<CombatStarted> {
    let id =
        given(&req.character_id).ok_or_else(|| ApiError::bad_request("Missing character_id"))?;
    let entity = world
        .resource::<CharacterIndex>()
        .get(id)
        .ok_or_else(|| ApiError::not_found(format!("Character '{id}' not found")))?;
    if world.get::<Ship>(entity).expect("ship").fighters <= 0 {
        return Err(ApiError::bad_request(
            "Cannot initiate combat while you have no fighters.",
        ));
    }
    let sector = world.get::<Position>(entity).expect("position").0;
    let garrisons: Vec<Entity> = world
        .resource::<GarrisonIndex>()
        .by_sector
        .get(&sector)
        .copied()
        .into_iter()
        .collect();
    let (enc, _) = match fight_of(world, entity) {
        Some(enc) => (enc, false),
        None => start_or_join(
            world,
            sector,
            Some(entity),
            garrisons,
            Present::Everyone,
            "manual",
        )?,
    };
    let e = world.get::<Encounter>(enc).expect("encounter");
    Ok(CombatStarted {
        encounter: encounter_view(e),
        initiator: Some(id.to_string()),
        target: req.target_id.clone(),
        target_type: req.target_id.as_ref().map(|_| {
            req.target_type
                .as_deref()
                .unwrap_or("character")
                .to_lowercase()
        }),
    })
}

fn find_encounter(world: &World, combat_id: &str) -> Option<Entity> {
    world
        .resource::<EncounterIndex>()
        .by_id
        .get(combat_id)
        .copied()
}

/// `combat.action`: submit this round's action. When it is the last one missing, the round (and
/// any round the garrisons then complete) resolves before the reply.
pub fn act(
    world: &mut World,
    conn: ConnectionId,
    req: CombatActionRequest,
) -> ApiResult<CombatActionResult> {
    let (Some(id), Some(combat_id), Some(action)) = (
        given(&req.character_id),
        given(&req.combat_id),
        given(&req.action),
    ) else {
        return Err(ApiError::bad_request("Missing required fields"));
    };
    let enc = open_round(world, combat_id, req.round)?;
    let e = world.get::<Encounter>(enc).expect("encounter");
    let me = e
        .participant(id)
        .ok_or_else(|| ApiError::new(403, "Character not part of this combat"))?
        .clone();
    let kind: CombatAction = action
        .parse()
        .map_err(|_| ApiError::bad_request(format!("Unknown combat action: {action}")))?;
    if me.kind == CombatantKind::Garrison {
        return Err(ApiError::bad_request("Garrison actions are automated"));
    }
    let character = world.resource::<CharacterIndex>().get(id).ok_or_else(|| {
        ApiError::not_found(format!("Character '{id}' not found. Join the game first."))
    })?;
    let now = world.resource::<GameClock>().now();
    let mut stored = StoredAction {
        action: kind,
        commit: 0,
        target: None,
        destination: None,
        submitted_at: now,
        timed_out: false,
    };
    match kind {
        CombatAction::Attack => {
            let (commit, target) = attack_order(e, &me, &req)?;
            stored.commit = commit;
            stored.target = Some(target);
        }
        CombatAction::Flee => {
            stored.destination = Some(flee_destination(world, character, &me, &req)?)
        }
        CombatAction::Brace | CombatAction::Pay => {}
    }
    let (round_before, logs_before) = (e.round, e.logs.len());
    let pay_processed = (kind == CombatAction::Pay).then(|| {
        let payer = Payer {
            character,
            id,
            conn,
        };
        pay(world, enc, payer, req.target_id.as_deref(), &mut stored)
    });
    log_action(
        world,
        "combat.action_submitted",
        Some(id),
        Some(conn),
        &json!({"combat_id": combat_id, "round": round_before, "action": stored.action.wire_name(),
                "commit": stored.commit, "target_id": stored.target, "destination_sector": stored.destination}),
    );
    submit(world, enc, id, stored);
    let resolved = settle(world, enc);
    let e = world.get::<Encounter>(enc).expect("encounter");
    debug_assert!(resolved.is_empty() || e.logs.len() > logs_before);
    Ok(CombatActionResult {
        accepted: true,
        combat_id: combat_id.to_string(),
        round: e.round,
        ended: e.ended,
        pay_processed,
        message: (pay_processed == Some(false))
            .then(|| "Payment failed; action treated as brace.".to_string()),
        round_resolved: !resolved.is_empty(),
        outcome: resolved.into_iter().next(),
    })
}

/// A running fight by id, whose open round is the one the action names (if it names one).
fn open_round(world: &World, combat_id: &str, round: Option<i64>) -> ApiResult<Entity> {
    let enc = find_encounter(world, combat_id)
        .filter(|e| world.get::<Encounter>(*e).is_some_and(|e| !e.ended))
        .ok_or_else(|| ApiError::not_found("Combat encounter not found"))?;
    let open = world.get::<Encounter>(enc).expect("encounter").round as i64;
    if round.is_some_and(|r| r != open) {
        return Err(ApiError::conflict("Round mismatch for action submission"));
    }
    Ok(enc)
}

/// The action goes in as pending: only the fight's `PendingActions` change (the store writes the
/// action as one small row; a payment has also changed the fight's tolls, which saves it whole).
fn submit(world: &mut World, enc: Entity, id: &str, stored: StoredAction) {
    world
        .get_mut::<PendingActions>(enc)
        .expect("an encounter has its pending actions")
        .0
        .insert(id.to_string(), stored);
}

/// An attack's commit and target, checked against the fight.
fn attack_order(
    e: &Encounter,
    me: &Participant,
    req: &CombatActionRequest,
) -> ApiResult<(i64, String)> {
    if me.fighters <= 0 {
        return Err(ApiError::bad_request("No fighters available for attack"));
    }
    let target = given(&req.target_id)
        .ok_or_else(|| ApiError::bad_request("Missing target_id for attack"))?;
    if target == me.id {
        return Err(ApiError::bad_request("Cannot target self"));
    }
    if !e.has(target) {
        return Err(ApiError::not_found(
            "Target combatant not found in encounter",
        ));
    }
    // The reference accepted 0 and silently braced.
    let commit = req.commit.unwrap_or(0);
    if commit < 1 {
        return Err(ApiError::bad_request(
            "commit must be at least 1 for an attack",
        ));
    }
    Ok((commit, target.to_string()))
}

/// A flee's destination: adjacent, in the universe, and affordable in warp power.
fn flee_destination(
    world: &World,
    character: Entity,
    me: &Participant,
    req: &CombatActionRequest,
) -> ApiResult<SectorId> {
    // Checked first: a pod is told why it cannot flee, not that its destination is wrong.
    if me.is_escape_pod
        || world
            .get::<Ship>(character)
            .is_some_and(|s| s.ship_type == ShipType::EscapePod)
    {
        return Err(ApiError::bad_request(
            "Escape pods cannot flee; they are already safe",
        ));
    }
    let to = match req.to_sector.or(req.to) {
        None => return Err(ApiError::bad_request("Missing destination sector")),
        Some(IntArg::Int(n)) if n >= 0 => n,
        Some(_) => return Err(ApiError::unprocessable("Invalid destination sector")),
    };
    let universe = world.resource::<UniverseRes>();
    if !universe.contains(to) {
        return Err(ApiError::bad_request(format!("Invalid sector: {to}")));
    }
    let here = world.get::<Position>(character).expect("position").0;
    if !universe.is_adjacent(here, to as SectorId) {
        return Err(ApiError::bad_request(format!(
            "Sector {to} is not adjacent to current sector {here}"
        )));
    }
    let ship = world.get::<Ship>(character).expect("ship");
    let cost = ship.stats().turns_per_warp as i64;
    if ship.warp_power < cost {
        return Err(ApiError::bad_request(format!(
            "Insufficient warp power. Need {cost} units but only have {}",
            ship.warp_power
        )));
    }
    Ok(to as SectorId)
}

/// Who pays a toll.
struct Payer<'a> {
    character: Entity,
    id: &'a str,
    conn: ConnectionId,
}

/// A `pay` action: pays the toll now; a failed payment stands as a brace. Returns whether it
/// was paid.
fn pay(
    world: &mut World,
    enc: Entity,
    payer: Payer,
    target: Option<&str>,
    stored: &mut StoredAction,
) -> bool {
    let ok = pay_toll(
        world,
        enc,
        payer.character,
        payer.id,
        target,
        Some(payer.conn),
    );
    if ok {
        let e = world.get::<Encounter>(enc).expect("encounter");
        stored.target = e
            .tolls
            .iter()
            .find(|(_, d)| d.paid_round == Some(e.round))
            .map(|(k, _)| k.clone());
    } else {
        stored.action = CombatAction::Brace;
    }
    let mut stats = world.resource_mut::<bang_components::combat::CombatStats>();
    if ok {
        stats.toll_payments += 1;
    } else {
        stats.toll_payments_failed += 1;
    }
    ok
}

/// Whether a connection may see a fight: one of the characters it joined fights (or fled) in it
/// or is in its sector, or it is an operator (the reference showed any fight to anyone).
fn may_see(world: &World, conn: ConnectionId, e: &Encounter) -> bool {
    if crate::operator::is_operator(world, conn, None).unwrap_or(false)
        && crate::accounts::operator::enforced(world)
    {
        return true;
    }
    let Some(session) = world
        .resource::<bang_components::session::Sessions>()
        .get(conn)
    else {
        return false;
    };
    let index = world.resource::<CharacterIndex>();
    session.controlled.iter().any(|id| {
        e.participant(id).is_some()
            || e.fled.contains(id)
            || index
                .get(id)
                .and_then(|c| world.get::<bang_components::character::Position>(c))
                .is_some_and(|p| p.0 == e.sector)
    })
}

/// `combat.status`: an encounter by id (active or recently ended), or the caller's active one.
pub fn status(
    world: &World,
    conn: ConnectionId,
    req: CombatStatusRequest,
) -> ApiResult<CombatStatusResult> {
    let enc = if let Some(cid) = given(&req.combat_id) {
        find_encounter(world, cid)
    } else if let Some(id) = given(&req.character_id) {
        world
            .resource::<CharacterIndex>()
            .get(id)
            .and_then(|c| fight_of(world, c))
    } else {
        return Err(ApiError::bad_request("Provide combat_id or character_id"));
    };
    let e = enc
        .and_then(|e| world.get::<Encounter>(e))
        .filter(|e| may_see(world, conn, e))
        .ok_or_else(|| ApiError::not_found("Combat encounter not found"))?;
    let mut view = encounter_view(e);
    if e.ended {
        view.round = e.logs.last().map_or(e.round, |l| l.round);
    }
    Ok(CombatStatusResult {
        encounter: view,
        ended: e.ended,
        end_state: e.end_state.clone(),
        logs: req
            .include_logs
            .unwrap_or(false)
            .then(|| e.logs.iter().map(log_view).collect()),
    })
}

/// `combat.initiate`: Starts a fight in the character's sector, or joins the one there.
pub struct Initiate;

impl Endpoint for Initiate {
    const NAME: &'static str = "combat.initiate";
    const DIALECTS: &'static [WireDialect] = ONLY_2025_10;
    type Request = CombatInitiateRequest;
    type Result = CombatStarted;

    fn acting_for(request: &CombatInitiateRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: CombatInitiateRequest,
    ) -> ApiResult<CombatStarted> {
        initiate(world, conn, request)
    }
}

/// `combat.action`: Submits the character's action for the open round.
pub struct Act;

impl Endpoint for Act {
    const NAME: &'static str = "combat.action";
    const DIALECTS: &'static [WireDialect] = ONLY_2025_10;
    type Request = CombatActionRequest;
    type Result = CombatActionResult;

    fn acting_for(request: &CombatActionRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: CombatActionRequest,
    ) -> ApiResult<CombatActionResult> {
        act(world, conn, request)
    }
}

/// `combat.status`: The fight the character is in.
pub struct Status;

impl Endpoint for Status {
    const NAME: &'static str = "combat.status";
    const DIALECTS: &'static [bang_components::session::WireDialect] =
        bang_components::api::endpoint::ONLY_2025_10;
    type Request = CombatStatusRequest;
    type Result = CombatStatusResult;

    fn acting_for(request: &CombatStatusRequest) -> Vec<&Option<String>> {
        vec![&request.character_id]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: CombatStatusRequest,
    ) -> ApiResult<CombatStatusResult> {
        status(world, conn, request)
    }
}
