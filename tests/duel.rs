//! A duel over real sockets, from the challenge to the claimed wreck: who hears what, what a ship
//! in a fight may not do, what the defeat leaves, and how /metrics counts it. The server's seed
//! is fixed, so every roll is reproducible.

mod common;

use common::{Client, act, combat_server as server, event_names, joined, named};
use serde_json::{Value, json};
use std::time::Duration;

const QUIET: Duration = Duration::from_millis(150);

#[tokio::test]
async fn a_duel_to_defeat_leaves_a_pod_pays_the_victor_and_salvage_is_claimed() {
    let (server, _data) = server(15.0);
    let mut alice = joined(&server, "alice", json!({})).await;
    // bob stations almost all his fighters far away, then comes to sector 0 with 5 left.
    let mut bob = joined(&server, "bob", json!({"sector": 2})).await;
    bob.ok(
        "combat.leave_fighters",
        json!({"character_id": "bob", "sector": 2, "quantity": 295, "mode": "defensive"}),
    )
    .await;
    bob.ok("move", json!({"character_id": "bob", "to_sector": 0}))
        .await;
    alice.drain(QUIET).await;
    bob.drain(QUIET).await;

    let combat_id = start_duel(&mut alice, &mut bob).await;

    refused_during_fight(&mut bob, &combat_id).await;

    let salvage = defeat_bob(&mut alice, &mut bob, &combat_id).await;

    collect_spoils(&mut alice, &mut bob, &salvage).await;
    assert_duel_metrics(server.addr).await;
    let status = alice
        .ok(
            "combat.status",
            json!({"combat_id": combat_id, "include_logs": true}),
        )
        .await;
    assert_eq!(
        (status["ended"].clone(), status["end_state"].clone()),
        (json!(true), json!("bob_defeated"))
    );
    assert_eq!(status["logs"].as_array().unwrap().len(), 1);

    // The pod in a new fight: told it cannot flee before any destination check, cannot attack.
    let (_, reply) = alice
        .rpc("combat.initiate", json!({"character_id": "alice"}))
        .await;
    let second = reply["result"]["combat_id"].as_str().unwrap().to_string();
    assert_eq!(
        bob.err(
            "combat.action",
            json!({"character_id": "bob", "combat_id": second, "action": "flee"})
        )
        .await,
        (400, "Escape pods cannot flee; they are already safe".into())
    );
    assert_eq!(
        bob.err("combat.action", json!({"character_id": "bob", "combat_id": second, "action": "attack", "commit": 1, "target_id": "alice"})).await,
        (400, "No fighters available for attack".into())
    );
    assert_eq!(
        bob.err("combat.initiate", json!({"character_id": "bob"}))
            .await,
        (
            400,
            "Cannot initiate combat while you have no fighters.".into()
        )
    );
}

/// alice opens the duel: both hear of it, each told only of its own id.
async fn start_duel(alice: &mut Client, bob: &mut Client) -> String {
    let (events, reply) = alice
        .rpc(
            "combat.initiate",
            json!({"character_id": "alice", "target_id": "bob"}),
        )
        .await;
    let started = &reply["result"];
    let combat_id = started["combat_id"].as_str().unwrap().to_string();
    assert_eq!(combat_id.len(), 32);
    assert_eq!(
        (
            started["round"].clone(),
            started["initiator"].clone(),
            started["target"].clone()
        ),
        (json!(1), json!("alice"), json!("bob"))
    );
    assert_eq!(
        event_names(&events),
        ["combat.started", "combat.round_waiting"]
    );
    let p = &events[0]["payload"]["participants"]["bob"];
    assert_eq!(
        (
            p["fighters"].clone(),
            p["type"].clone(),
            p["combatant_type"].clone(),
            p["owner"].clone(),
            p["owner_character_id"].clone()
        ),
        (
            json!(5),
            json!("character"),
            json!("character"),
            json!("bob"),
            json!("bob")
        )
    );
    // Each participant's connection is told only of its own id (the reference listed all).
    assert_eq!(events[0]["character_filter"], json!(["alice"]));
    assert_eq!(
        event_names(&bob.drain(QUIET).await),
        ["combat.started", "combat.round_waiting"]
    );
    combat_id
}

/// What a ship in a fight may not do: move, trade, or teleport away (a join elsewhere).
async fn refused_during_fight(bob: &mut Client, combat_id: &str) {
    // Moving and trading are refused during the fight, with the fight's id.
    let (_, refused) = bob
        .rpc("move", json!({"character_id": "bob", "to_sector": 1}))
        .await;
    assert_eq!(refused["error"]["status"], 409);
    assert_eq!(refused["error"]["combat_id"], combat_id);
    assert!(refused["error"]["deadline"].is_string());
    for endpoint in ["trade", "check_trade"] {
        let payload = json!({"character_id": "bob", "commodity": "fuel_ore", "quantity": 1, "trade_type": "buy"});
        let (_, refused) = bob.rpc(endpoint, payload).await;
        assert_eq!(refused["error"]["status"], 409, "{endpoint}");
        assert_eq!(
            refused["error"]["detail"],
            "Cannot perform this action during combat. Submit attack/brace/flee instead."
        );
    }
    // A teleport would leave the fight behind.
    let (_, refused) = bob
        .rpc("join", json!({"character_id": "bob", "sector": 3}))
        .await;
    assert_eq!(refused["error"]["status"], 409);
}

/// bob braces and alice's attack destroys him in the first round: the fight ends with his
/// wreck as salvage for alice.
async fn defeat_bob(alice: &mut Client, bob: &mut Client, combat_id: &str) -> Value {
    let (_, r) = act(bob, "bob", combat_id, json!({"action": "brace"})).await;
    assert_eq!(
        (r["round_resolved"].clone(), r["ended"].clone()),
        (json!(false), json!(false))
    );
    let (events, r) = act(
        alice,
        "alice",
        combat_id,
        json!({"action": "attack", "commit": 300, "target_id": "bob", "round": 1}),
    )
    .await;
    assert_eq!(
        (r["round_resolved"].clone(), r["ended"].clone()),
        (json!(true), json!(true))
    );
    let outcome = &r["outcome"];
    assert_eq!(outcome["result"], "bob_defeated");
    assert_eq!(outcome["end"], true);
    assert_eq!(outcome["fighters_remaining"]["bob"], 0);
    assert_eq!(outcome["actions"]["alice"]["target"], "bob");
    assert_eq!(outcome["actions"]["alice"]["target_id"], "bob");
    assert_eq!(outcome["logs"].as_array().unwrap().len(), 1);
    let names = event_names(&events);
    assert_eq!(
        names.first().map(String::as_str),
        Some("combat.round_resolved")
    );
    assert_eq!(names.last().map(String::as_str), Some("combat.ended"));
    let ended = &named(&events, "combat.ended")[0]["payload"];
    let salvage = &ended["salvage"][0];
    assert_eq!(salvage["victor_id"], "alice");
    assert_eq!(salvage["scrap"], 25);
    assert_eq!(salvage["metadata"]["loser"], "bob");
    salvage.clone()
}

/// The defeat's consequences for both ships, then alice claims the wreck (once).
async fn collect_spoils(alice: &mut Client, bob: &mut Client, salvage: &Value) {
    // bob is an escape pod with no credits; alice got his 1000.
    let bob_status = bob.ok("my_status", json!({"character_id": "bob"})).await;
    assert_eq!(bob_status["ship"]["ship_type"], "escape_pod");
    assert_eq!(bob_status["ship"]["credits"], 0);
    let alice_status = alice
        .ok("my_status", json!({"character_id": "alice"}))
        .await;
    assert_eq!(alice_status["ship"]["credits"], 2000);
    assert_eq!(
        alice_status["sector_contents"]["salvage"][0]["salvage_id"],
        salvage["salvage_id"]
    );

    // A pod cannot flee or attack; claiming the salvage takes the scrap into the holds.
    let claim = alice
        .ok(
            "salvage.collect",
            json!({"character_id": "alice", "salvage_id": salvage["salvage_id"]}),
        )
        .await;
    assert_eq!(claim["collected"]["scrap"], 25);
    assert_eq!(claim["cargo"]["equipment"], 25);
    assert_eq!(claim["remaining"], false);
    assert_eq!(
        alice
            .err(
                "salvage.collect",
                json!({"character_id": "alice", "salvage_id": salvage["salvage_id"]})
            )
            .await,
        (404, "Salvage not available".into())
    );
}

/// The duel as /metrics counts it: one round, one deployment, two combat.action replies,
/// and every request's inbox wait and commit timed.
async fn assert_duel_metrics(addr: std::net::SocketAddr) {
    let (_, metrics) = common::http_text(addr, "/metrics").await;
    assert!(
        metrics.contains("combat_rounds_resolved_total 1"),
        "{metrics}"
    );
    assert!(metrics.contains("garrison_deployments_total 1"));
    // One histogram per endpoint, fed by every reply (two combat.action replies so far).
    assert!(
        metrics.contains("rpc_latency_seconds_count{endpoint=\"combat.action\"} 2"),
        "{metrics}"
    );
    // Every request the game loop took had its wait in the inbox timed; the fight's changes were
    // committed.
    let count = |name: &str| -> f64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in:\n{metrics}"))
    };
    let replies: f64 = metrics
        .lines()
        .filter(|l| l.starts_with("rpc_latency_seconds_count{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert!(replies >= 2.0);
    assert_eq!(count("rpc_inbox_wait_seconds_count"), replies, "{metrics}");
    assert!(count("store_commit_duration_seconds_count") >= 1.0);
    assert!(count("store_commit_updates_sum") >= count("store_commit_updates_count"));
}
