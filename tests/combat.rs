//! Combat scenarios over real sockets: who receives which event in which order, and what the
//! fight changes. The server's seed is fixed, so every roll is reproducible.

mod common;

use common::{Client, act, combat_server as server, event_names, joined, named, toll_gate};
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

#[tokio::test]
async fn a_toll_paid_on_first_contact_ends_the_fight_as_toll_satisfied() {
    let (server, _data) = server(15.0);
    let mut keeper = toll_gate(&server, 40).await;
    let mut runner = joined(&server, "runner", json!({})).await;
    keeper.drain(QUIET).await;

    let (events, _) = runner
        .rpc("move", json!({"character_id": "runner", "to_sector": 1}))
        .await;
    assert_eq!(
        event_names(&events),
        [
            "combat.started",
            "combat.round_waiting",
            "status.update",
            "character.moved"
        ]
    );
    let started = &events[0]["payload"];
    let combat_id = started["combat_id"].as_str().unwrap().to_string();
    assert!(started["participants"]["garrison:1:keeper"].is_object());
    assert_eq!(
        started["participants"]["garrison:1:keeper"]["owner"],
        "keeper"
    );
    // The owner, elsewhere, hears of its garrison's fight (and sees the runner depart).
    let heard = event_names(&keeper.drain(QUIET).await);
    assert_eq!(
        heard,
        ["combat.started", "combat.round_waiting", "character.moved"]
    );
    // The owner may not re-mode the fighting garrison.
    let (_, refused) = keeper
        .rpc(
            "combat.set_garrison_mode",
            json!({"character_id": "keeper", "sector": 1, "mode": "offensive"}),
        )
        .await;
    assert_eq!(refused["error"]["status"], 409);

    let (events, r) = act(&mut runner, "runner", &combat_id, json!({"action": "pay"})).await;
    assert_eq!(r["pay_processed"], true);
    assert_eq!(r["ended"], true);
    assert_eq!(r["outcome"]["result"], "toll_satisfied");
    assert_eq!(r["outcome"]["actions"]["runner"]["action"], "pay");
    assert_eq!(
        r["outcome"]["actions"]["garrison:1:keeper"]["action"],
        "brace"
    );
    assert!(named(&events, "combat.ended").len() == 1);
    let status = runner
        .ok("my_status", json!({"character_id": "runner"}))
        .await;
    assert_eq!(status["ship"]["credits"], 975);
    assert_eq!(status["ship"]["fighters"], 300, "nobody was hurt");
    let g = &status["sector_contents"]["garrisons"][0];
    assert_eq!(
        (
            g["toll_balance"].clone(),
            g["fighters"].clone(),
            g["is_friendly"].clone()
        ),
        (json!(25), json!(40), json!(false))
    );
    let seen = keeper.drain(QUIET).await;
    assert!(event_names(&seen).contains(&"sector.garrison_updated".to_string()));
    // The owner cashes the bank out with its fighters.
    keeper
        .ok("move", json!({"character_id": "keeper", "to_sector": 1}))
        .await;
    let collected = keeper
        .ok(
            "combat.collect_fighters",
            json!({"character_id": "keeper", "sector": 1, "quantity": 40}),
        )
        .await;
    assert_eq!(collected["credits_collected"], 25);
    assert_eq!(collected["garrison"], Value::Null);
}

#[tokio::test]
async fn a_toll_paid_in_a_later_round_turns_the_garrison_attack_into_a_brace() {
    let (server, _data) = server(15.0);
    let _keeper = toll_gate(&server, 40).await;
    let mut runner = joined(&server, "runner", json!({})).await;
    let (events, _) = runner
        .rpc("move", json!({"character_id": "runner", "to_sector": 1}))
        .await;
    let combat_id = events[0]["payload"]["combat_id"]
        .as_str()
        .unwrap()
        .to_string();
    // Round 1: everyone braces; the open demand keeps the fight going.
    let (events, r) = act(
        &mut runner,
        "runner",
        &combat_id,
        json!({"action": "brace"}),
    )
    .await;
    assert_eq!(
        (
            r["round_resolved"].clone(),
            r["ended"].clone(),
            r["round"].clone()
        ),
        (json!(true), json!(false), json!(2))
    );
    assert_eq!(r["outcome"]["result"], Value::Null);
    assert_eq!(r["outcome"]["end"], false);
    assert!(event_names(&events).contains(&"combat.round_waiting".to_string()));
    // Round 2: paying now stands the garrison down.
    let (_, r) = act(
        &mut runner,
        "runner",
        &combat_id,
        json!({"action": "pay", "round": 2}),
    )
    .await;
    assert_eq!(r["outcome"]["result"], "toll_satisfied");
    assert_eq!(
        r["outcome"]["actions"]["garrison:1:keeper"]["action"],
        "brace"
    );
    assert_eq!(r["outcome"]["fighters_remaining"]["runner"], 300);
    // A second pay for the same demand is not possible: the fight is over.
    let (_, late) = runner
        .rpc(
            "combat.action",
            json!({"character_id": "runner", "combat_id": combat_id, "action": "pay"}),
        )
        .await;
    assert_eq!(late["error"]["status"], 404);
}

#[tokio::test]
async fn a_toll_demand_answered_by_fleeing_ends_with_the_runner_gone() {
    let (server, _data) = server(15.0);
    let _keeper = toll_gate(&server, 40).await;
    let mut runner = joined(&server, "runner", json!({})).await;
    let (events, _) = runner
        .rpc("move", json!({"character_id": "runner", "to_sector": 1}))
        .await;
    let combat_id = events[0]["payload"]["combat_id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut fled = false;
    for _ in 0..10 {
        let (events, r) = act(
            &mut runner,
            "runner",
            &combat_id,
            json!({"action": "flee", "to_sector": 0}),
        )
        .await;
        if r["outcome"]["flee_results"]["runner"] == true {
            fled = true;
            let names = event_names(&events);
            assert!(names.contains(&"character.moved".to_string()), "{names:?}");
            // The fleer still hears how the fight ended.
            let ended = if r["ended"] == true {
                r["outcome"].clone()
            } else {
                runner.until_event("combat.ended").await.1["payload"].clone()
            };
            assert!(ended["result"].is_string());
            break;
        }
    }
    assert!(fled, "the runner fled within ten rounds");
    let status = runner
        .ok("my_status", json!({"character_id": "runner"}))
        .await;
    assert_eq!(status["sector"], 0);
    assert_eq!(status["ship"]["credits"], 1000, "the runner never paid");
    assert_eq!(
        runner
            .ok("combat.status", json!({"combat_id": combat_id}))
            .await["ended"],
        true
    );
    // Free again: moving works.
    runner
        .ok("move", json!({"character_id": "runner", "to_sector": 2}))
        .await;
}

#[tokio::test]
async fn an_offensive_garrison_attacks_an_arrival_while_its_owner_is_present() {
    let (server, _data) = server(15.0);
    let mut owner = joined(&server, "owner", json!({"sector": 1})).await;
    owner
        .ok(
            "combat.leave_fighters",
            json!({"character_id": "owner", "sector": 1, "quantity": 100}),
        )
        .await;
    let mut arrival = joined(&server, "arrival", json!({})).await;
    owner.drain(QUIET).await;
    let (events, _) = arrival
        .rpc("move", json!({"character_id": "arrival", "to_sector": 1}))
        .await;
    let started = &events[0]["payload"];
    let combat_id = started["combat_id"].as_str().unwrap().to_string();
    let ids: Vec<&String> = started["participants"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(ids, ["owner", "arrival", "garrison:1:owner"]);
    act(&mut owner, "owner", &combat_id, json!({"action": "brace"})).await;
    let (_, r) = act(
        &mut arrival,
        "arrival",
        &combat_id,
        json!({"action": "brace"}),
    )
    .await;
    let g = &r["outcome"]["actions"]["garrison:1:owner"];
    assert_eq!(
        (
            g["action"].clone(),
            g["commit"].clone(),
            g["target"].clone()
        ),
        (json!("attack"), json!(50), json!("arrival"))
    );
    assert!(
        r["outcome"]["fighters_remaining"]["arrival"]
            .as_i64()
            .unwrap()
            < 300
    );
    assert_eq!(
        r["outcome"]["fighters_remaining"]["owner"], 200,
        "the garrison never shoots its owner"
    );
    // Sector contents show the garrison's current strength during the fight.
    let fighters_now = r["outcome"]["fighters_remaining"]["garrison:1:owner"].clone();
    let status = arrival
        .ok("my_status", json!({"character_id": "arrival"}))
        .await;
    assert_eq!(
        status["sector_contents"]["garrisons"][0]["fighters"],
        fighters_now
    );
}

#[tokio::test]
async fn three_ships_fight_and_credits_never_go_to_a_bystander() {
    let (server, _data) = server(15.0);
    let (mut by, mut zed, mut victim) = three_ships(&server).await;
    let (_, reply) = zed
        .rpc("combat.initiate", json!({"character_id": "zed"}))
        .await;
    let combat_id = reply["result"]["combat_id"].as_str().unwrap().to_string();
    assert_eq!(
        reply["result"]["participants"].as_object().unwrap().len(),
        3
    );
    // Round 1: zed destroys the victim's last fighters; the bystander braces.
    act(
        &mut by,
        "a-bystander",
        &combat_id,
        json!({"action": "brace"}),
    )
    .await;
    act(
        &mut victim,
        "victim",
        &combat_id,
        json!({"action": "brace"}),
    )
    .await;
    let (_, r) = act(
        &mut zed,
        "zed",
        &combat_id,
        json!({"action": "attack", "commit": 20, "target_id": "victim"}),
    )
    .await;
    assert_eq!(r["outcome"]["fighters_remaining"]["victim"], 0);
    assert_eq!(
        r["outcome"]["result"],
        Value::Null,
        "two ships still have fighters"
    );
    // Round 2: the bystander destroys zed: "victory", zed and the victim lose.
    act(
        &mut victim,
        "victim",
        &combat_id,
        json!({"action": "brace"}),
    )
    .await;
    act(&mut zed, "zed", &combat_id, json!({"action": "brace"})).await;
    let (_, r) = act(
        &mut by,
        "a-bystander",
        &combat_id,
        json!({"action": "attack", "commit": 300, "target_id": "zed"}),
    )
    .await;
    assert_eq!(r["outcome"]["result"], "victory");
    let salvage = r["outcome"]["salvage"].as_array().unwrap();
    assert_eq!(salvage.len(), 2);
    let victims = salvage
        .iter()
        .find(|s| s["metadata"]["loser"] == "victim")
        .unwrap();
    // The victim's killer (zed) did not survive: its credits stay in the wreck, not with the
    // bystander who merely outlived everyone.
    assert_eq!(
        (victims["credits"].clone(), victims["victor_id"].clone()),
        (json!(500), Value::Null)
    );
    assert_eq!(
        by.ok("my_status", json!({"character_id": "a-bystander"}))
            .await["ship"]["credits"],
        1000
    );
    let v = victim
        .ok("my_status", json!({"character_id": "victim"}))
        .await;
    assert_eq!(
        (v["ship"]["ship_type"].clone(), v["ship"]["credits"].clone()),
        (json!("escape_pod"), json!(0))
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

/// Three ships in sector 0: a bystander at full strength, zed (no credits) with 20 fighters,
/// and the victim (500 credits) with 3, the two having stationed the rest elsewhere.
async fn three_ships(server: &bang::server::RunningServer) -> (Client, Client, Client) {
    // "a-bystander" sorts first: the reference paid the first survivor in id order.
    let by = joined(server, "a-bystander", json!({})).await;
    let mut zed = joined(server, "zed", json!({"sector": 2, "credits": 0})).await;
    zed.ok(
        "combat.leave_fighters",
        json!({"character_id": "zed", "sector": 2, "quantity": 280, "mode": "defensive"}),
    )
    .await;
    zed.ok("move", json!({"character_id": "zed", "to_sector": 0}))
        .await;
    let mut victim = joined(server, "victim", json!({"sector": 6, "credits": 500})).await;
    victim
        .ok(
            "combat.leave_fighters",
            json!({"character_id": "victim", "sector": 6, "quantity": 297, "mode": "defensive"}),
        )
        .await;
    victim
        .ok("move", json!({"character_id": "victim", "to_sector": 2}))
        .await;
    victim
        .ok("move", json!({"character_id": "victim", "to_sector": 0}))
        .await;
    (by, zed, victim)
}
