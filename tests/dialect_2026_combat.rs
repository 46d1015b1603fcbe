//! Combat as the 2026-01 dialect tells it, over real sockets: each side's own payloads
//! (participants as a list by display name, its own ship, the round-1 initiator),
//! `combat.action_accepted`, the garrison as one object with `garrison.combat_alert` to its owner,
//! `combat.ended` with the escape pod and that release's salvage, and a 2025-10 client in the
//! same fight told it in the seed's shapes.

mod common;

use common::v2026::{joined, seed, start, world_copy};
use common::{Client, named};
use serde_json::{Value, json};

/// `id` seeded in sector 0 flying a Kestrel with `fighters`, and cargo aboard.
fn seed_pilot(
    world: &std::path::Path,
    ships: &mut serde_json::Map<String, Value>,
    id: &str,
    fighters: i64,
) {
    let hull = format!("hull-{id}");
    let knowledge = json!({"character_id": id, "current_sector": 0, "current_ship_id": hull,
        "credits": 0, "sectors_visited": {"0": {"sector_id": 0, "adjacent_sectors": [1, 2]}}});
    ships.insert(
        hull.clone(),
        json!({"ship_id": hull, "ship_type": "kestrel_courier", "sector": 0,
            "state": {"fighters": fighters, "shields": 150, "warp_power": 300, "credits": 90,
                      "cargo": {"quantum_foam": 5, "retro_organics": 0, "neuro_symbolics": 0}}}),
    );
    seed(world, id, knowledge, Some(Value::Object(ships.clone())));
}

fn payload<'a>(events: &'a [Value], name: &str) -> &'a Value {
    &named(events, name)
        .first()
        .unwrap_or_else(|| panic!("no {name} in {events:?}"))["payload"]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fight_is_told_to_each_side_from_where_it_stands() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let (mut ada, _) = joined(server.addr, "ada").await;
    let (mut bo, _) = joined(server.addr, "bo").await;
    let mut cy = Client::connect(server.addr).await;
    cy.ok("join", json!({"character_id": "cy"})).await;
    let (events, reply) = ada
        .rpc("combat.initiate", json!({"character_id": "ada"}))
        .await;
    let combat_id = reply["result"]["combat_id"].as_str().unwrap().to_string();
    assert!(
        named(&events, "combat.started").is_empty(),
        "that release had none"
    );
    let waiting = payload(&events, "combat.round_waiting");
    assert_eq!(waiting["initiator"], "Ada", "display name in round 1");
    assert_eq!(waiting["sector"]["id"], 0);
    assert!(waiting["garrison"].is_null());
    let names: Vec<&str> = waiting["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ada", "Bo", "Cy"], "{waiting}");
    assert_eq!(
        waiting["participants"][0]["ship"]["shield_integrity"],
        100.0
    );
    assert!(
        waiting["ship"]["ship_id"].is_string(),
        "the viewer's own ship"
    );
    // The seed's client in the same fight hears it in the seed's shapes.
    let (_, seen_old) = cy.until_event("combat.round_waiting").await;
    assert!(
        seen_old["payload"]["participants"].is_object(),
        "{seen_old}"
    );
    let (_, seen_bo) = bo.until_event("combat.round_waiting").await;
    assert_eq!(
        seen_bo["payload"]["participants"].as_array().unwrap().len(),
        3
    );

    play_round_one(&mut ada, &mut bo, &mut cy, &combat_id).await;
}

/// Ada attacks, Cy and Bo brace: Bo's action resolves the round.
async fn play_round_one(ada: &mut Client, bo: &mut Client, cy: &mut Client, combat_id: &str) {
    let attack = json!({"character_id": "ada", "combat_id": combat_id, "action": "attack",
                        "target_id": "bo", "commit": 50});
    let (events, reply) = ada.rpc("combat.action", attack).await;
    assert_eq!(
        reply["result"],
        json!({"success": true, "combat_id": combat_id})
    );
    let accepted = payload(&events, "combat.action_accepted");
    assert_eq!(
        (
            &accepted["action"],
            &accepted["round_resolved"],
            &accepted["target_id"]
        ),
        (&json!("attack"), &json!(false), &json!("bo"))
    );
    assert_eq!(accepted["source"]["method"], "combat.action");
    let brace = |id: &str| json!({"character_id": id, "combat_id": combat_id, "action": "brace"});
    cy.ok("combat.action", brace("cy")).await;
    let (events, _) = bo.rpc("combat.action", brace("bo")).await;
    let resolved = payload(&events, "combat.round_resolved");
    assert_eq!(resolved["round"], 1);
    assert!(resolved["end"].is_null(), "{resolved}");
    let bo_seen = resolved["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Bo")
        .unwrap();
    let lost = bo_seen["ship"]["fighter_loss"].as_i64().unwrap_or(0)
        + resolved["participants"][0]["ship"]["fighter_loss"]
            .as_i64()
            .unwrap_or(0);
    assert!(
        lost > 0 || bo_seen["ship"]["shield_damage"].is_number(),
        "{resolved}"
    );
    assert_eq!(resolved["actions"]["ada"]["action"], "attack");
    assert_eq!(
        resolved["ship"]["ship_type"], "kestrel_courier",
        "bo's own ship"
    );
    let accepted = payload(&events, "combat.action_accepted");
    assert_eq!(
        (&accepted["round_resolved"], &accepted["round"]),
        (&json!(true), &json!(2))
    );
    let next = payload(&events, "combat.round_waiting");
    assert_eq!(next["round"], 2);
    assert!(next.get("initiator").is_none(), "round 1 only");
    assert!(
        !named(&events, "status.update").is_empty(),
        "the round's numbers in a status"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destroyed_ship_ends_in_an_escape_pod_and_salvage_as_that_release_shows_it() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let mut ships = serde_json::Map::new();
    seed_pilot(world.path(), &mut ships, "ada", 300);
    seed_pilot(world.path(), &mut ships, "bo", 1);
    let server = start(world.path(), data.path());
    let (mut ada, _) = joined(server.addr, "ada").await;
    let (mut bo, _) = joined(server.addr, "bo").await;
    let (_, reply) = ada
        .rpc("combat.initiate", json!({"character_id": "ada"}))
        .await;
    let combat_id = reply["result"]["combat_id"].as_str().unwrap().to_string();
    let attack = json!({"character_id": "ada", "combat_id": combat_id, "action": "attack",
                        "target_id": "bo", "commit": 200});
    ada.ok("combat.action", attack).await;
    let brace = json!({"character_id": "bo", "combat_id": combat_id, "action": "brace"});
    // The last action resolves the round: its events arrive before its reply.
    let (events, _) = bo.rpc("combat.action", brace).await;
    let ended = payload(&events, "combat.ended");
    assert_eq!(ended["end"], "bo_defeated", "{ended}");
    assert_eq!(ended["ship"]["ship_type"], "escape_pod");
    assert_eq!(ended["ship"]["fighters"], 0);
    let pod = ended["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Bo")
        .unwrap();
    assert_eq!(pod["ship"]["ship_type"], "escape_pod");
    let salvage = &ended["salvage"][0];
    assert_eq!(salvage["cargo"]["quantum_foam"], 5, "{salvage}");
    assert_eq!(salvage["source"]["ship_type"], "kestrel_courier");
    assert!(salvage.get("victor_id").is_none() && salvage.get("claimed_by").is_none());
    assert_eq!(salvage["metadata"]["combat_id"], combat_id);
    let (_, update) = ada.until_event("sector.update").await;
    assert_eq!(
        update["payload"]["salvage"][0]["salvage_id"],
        salvage["salvage_id"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_garrison_s_owner_is_alerted_and_the_garrison_is_one_object() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let (mut ada, _) = joined(server.addr, "ada").await;
    let leave = json!({"character_id": "ada", "sector": 0, "quantity": 20, "mode": "defensive"});
    ada.ok("combat.leave_fighters", leave).await;
    let (mut bo, _) = joined(server.addr, "bo").await;
    let (events, _) = bo
        .rpc("combat.initiate", json!({"character_id": "bo"}))
        .await;
    let waiting = payload(&events, "combat.round_waiting");
    let garrison = &waiting["garrison"];
    assert_eq!(
        (
            &garrison["owner_name"],
            &garrison["fighters"],
            &garrison["mode"]
        ),
        (&json!("ada"), &json!(20), &json!("defensive")),
        "{waiting}"
    );
    let (_, alert) = ada.until_event("garrison.combat_alert").await;
    let alert = &alert["payload"];
    assert_eq!(alert["garrison"]["owner_name"], "Ada");
    assert_eq!(alert["combat"]["initiator_name"], "Bo");
    assert_eq!(alert["meta"]["alert_type"], "combat_start");
}
