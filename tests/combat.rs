//! Combat scenarios over real sockets: who receives which event in which order, and what the
//! fight changes. The server's seed is fixed, so every roll is reproducible.

mod common;

use bang::server::{BalanceSource, RunningServer};
use bang_components::balance::Balance;
use common::{Client, event_names, named, start_with};
use serde_json::{Value, json};
use std::time::Duration;

const QUIET: Duration = Duration::from_millis(150);

fn server(round_timeout_secs: f64) -> (RunningServer, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let mut balance = Balance::default();
    balance.combat.round_timeout_secs = round_timeout_secs;
    let s = start_with(data.path(), |s| {
        s.seed = Some(42);
        s.balance = BalanceSource::Value(Box::new(balance));
    });
    (s, data)
}

async fn joined(server: &RunningServer, id: &str, extra: Value) -> Client {
    let mut c = Client::connect(server.addr).await;
    let mut payload = json!({"character_id": id});
    for (k, v) in extra.as_object().unwrap() {
        payload[k] = v.clone();
    }
    c.ok("join", payload).await;
    c
}

async fn act(c: &mut Client, id: &str, combat_id: &str, action: Value) -> (Vec<Value>, Value) {
    let mut payload = json!({"character_id": id, "combat_id": combat_id});
    for (k, v) in action.as_object().unwrap() {
        payload[k] = v.clone();
    }
    let (events, reply) = c.rpc("combat.action", payload).await;
    assert_eq!(reply["ok"], true, "combat.action failed: {reply}");
    (events, reply["result"].clone())
}

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
    assert_eq!(events[0]["character_filter"], json!(["alice", "bob"]));
    assert_eq!(
        event_names(&bob.drain(QUIET).await),
        ["combat.started", "combat.round_waiting"]
    );

    // Moving and trading are refused during the fight, with the fight's id.
    let (_, refused) = bob
        .rpc("move", json!({"character_id": "bob", "to_sector": 1}))
        .await;
    assert_eq!(refused["error"]["status"], 409);
    assert_eq!(refused["error"]["combat_id"], combat_id.as_str());
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

    let (_, r) = act(&mut bob, "bob", &combat_id, json!({"action": "brace"})).await;
    assert_eq!(
        (r["round_resolved"].clone(), r["ended"].clone()),
        (json!(false), json!(false))
    );
    let (events, r) = act(
        &mut alice,
        "alice",
        &combat_id,
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
    let (_, metrics) = common::http_text(server.addr, "/metrics").await;
    assert!(
        metrics.contains("combat_rounds_resolved_total 1"),
        "{metrics}"
    );
    assert!(metrics.contains("garrison_deployments_total 1"));
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
    let mut keeper = joined(&server, "keeper", json!({"sector": 1})).await;
    keeper.ok("combat.leave_fighters", json!({"character_id": "keeper", "sector": 1, "quantity": 40, "mode": "toll", "toll_amount": 25})).await;
    keeper
        .ok("move", json!({"character_id": "keeper", "to_sector": 0}))
        .await;
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
    let mut keeper = joined(&server, "keeper", json!({"sector": 1})).await;
    keeper.ok("combat.leave_fighters", json!({"character_id": "keeper", "sector": 1, "quantity": 40, "mode": "toll", "toll_amount": 25})).await;
    keeper
        .ok("move", json!({"character_id": "keeper", "to_sector": 0}))
        .await;
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
    let mut keeper = joined(&server, "keeper", json!({"sector": 1})).await;
    keeper.ok("combat.leave_fighters", json!({"character_id": "keeper", "sector": 1, "quantity": 40, "mode": "toll", "toll_amount": 25})).await;
    keeper
        .ok("move", json!({"character_id": "keeper", "to_sector": 0}))
        .await;
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
async fn a_defensive_garrison_only_fights_when_attacked() {
    let (server, _data) = server(15.0);
    let mut owner = joined(&server, "owner", json!({"sector": 1})).await;
    owner
        .ok(
            "combat.leave_fighters",
            json!({"character_id": "owner", "sector": 1, "quantity": 100, "mode": "defensive"}),
        )
        .await;
    owner
        .ok("move", json!({"character_id": "owner", "to_sector": 0}))
        .await;
    let mut visitor = joined(&server, "visitor", json!({})).await;
    let (events, _) = visitor
        .rpc("move", json!({"character_id": "visitor", "to_sector": 1}))
        .await;
    assert!(named(&events, "combat.started").is_empty(), "{events:?}");
    let (events, reply) = visitor
        .rpc("combat.initiate", json!({"character_id": "visitor"}))
        .await;
    let combat_id = reply["result"]["combat_id"].as_str().unwrap().to_string();
    assert_eq!(
        event_names(&events),
        ["combat.started", "combat.round_waiting"]
    );
    let (_, r) = act(
        &mut visitor,
        "visitor",
        &combat_id,
        json!({"action": "attack", "commit": 10, "target_id": "garrison:1:owner"}),
    )
    .await;
    let g = &r["outcome"]["actions"]["garrison:1:owner"];
    // Defensive commit: max(1, min(100, max(25, 100 / 4))) = 25.
    assert_eq!(
        (
            g["action"].clone(),
            g["commit"].clone(),
            g["target"].clone()
        ),
        (json!("attack"), json!(25), json!("visitor"))
    );
}

#[tokio::test]
async fn three_ships_fight_and_credits_never_go_to_a_bystander() {
    let (server, _data) = server(15.0);
    // "a-bystander" sorts first: the reference paid the first survivor in id order.
    let mut by = joined(&server, "a-bystander", json!({})).await;
    let mut zed = joined(&server, "zed", json!({"sector": 2, "credits": 0})).await;
    zed.ok(
        "combat.leave_fighters",
        json!({"character_id": "zed", "sector": 2, "quantity": 280, "mode": "defensive"}),
    )
    .await;
    zed.ok("move", json!({"character_id": "zed", "to_sector": 0}))
        .await;
    let mut victim = joined(&server, "victim", json!({"sector": 6, "credits": 500})).await;
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

#[tokio::test]
async fn a_round_nobody_answers_times_out_into_braces() {
    let (server, _data) = server(0.3);
    let mut a = joined(&server, "a", json!({})).await;
    let mut b = joined(&server, "b", json!({})).await;
    let (_, reply) = a.rpc("combat.initiate", json!({"character_id": "a"})).await;
    assert!(reply["ok"] == true);
    b.drain(QUIET).await;
    let (_, resolved) = b.until_event("combat.round_resolved").await;
    let p = &resolved["payload"];
    assert_eq!(p["actions"]["a"]["timed_out"], true);
    assert_eq!(p["actions"]["b"]["action"], "brace");
    assert_eq!(p["result"], "stalemate");
    let (_, ended) = b.until_event("combat.ended").await;
    assert_eq!(ended["payload"]["result"], "stalemate");
    // A stalemate destroys nobody.
    assert_eq!(
        b.ok("my_status", json!({"character_id": "b"})).await["ship"]["ship_type"],
        "kestrel_courier"
    );
}

#[tokio::test]
async fn a_ship_without_fighters_survives_a_stalemate() {
    let (server, _data) = server(15.0);
    let mut alice = joined(&server, "alice", json!({})).await;
    let mut empty = joined(&server, "empty", json!({"sector": 2})).await;
    empty
        .ok(
            "combat.leave_fighters",
            json!({"character_id": "empty", "sector": 2, "quantity": 300, "mode": "defensive"}),
        )
        .await;
    empty
        .ok("move", json!({"character_id": "empty", "to_sector": 0}))
        .await;
    let (_, reply) = alice
        .rpc("combat.initiate", json!({"character_id": "alice"}))
        .await;
    let combat_id = reply["result"]["combat_id"].as_str().unwrap().to_string();
    act(&mut empty, "empty", &combat_id, json!({"action": "brace"})).await;
    let (_, r) = act(&mut alice, "alice", &combat_id, json!({"action": "brace"})).await;
    assert_eq!(r["outcome"]["result"], "stalemate");
    // The reference turned every 0-fighter ship into a pod on any ending.
    let status = empty
        .ok("my_status", json!({"character_id": "empty"}))
        .await;
    assert_eq!(status["ship"]["ship_type"], "kestrel_courier");
    assert_eq!(status["ship"]["credits"], 1000);
}

#[tokio::test]
async fn combat_requests_are_validated_with_clear_errors() {
    let (server, _data) = server(15.0);
    let mut alice = joined(&server, "alice", json!({})).await;
    let mut bob = joined(&server, "bob", json!({})).await;
    let (_, reply) = alice
        .rpc("combat.initiate", json!({"character_id": "alice"}))
        .await;
    let combat_id = reply["result"]["combat_id"].as_str().unwrap().to_string();
    let a = |v: Value| {
        let mut p = json!({"character_id": "alice", "combat_id": combat_id});
        for (k, x) in v.as_object().unwrap() {
            p[k] = x.clone();
        }
        p
    };
    for (payload, status, detail) in [
        (
            json!({"character_id": "alice"}),
            400,
            "Missing required fields",
        ),
        (
            json!({"character_id": "alice", "combat_id": "nope", "action": "brace"}),
            404,
            "Combat encounter not found",
        ),
        (
            a(json!({"action": "brace", "round": 3})),
            409,
            "Round mismatch for action submission",
        ),
        (
            a(json!({"action": "dance"})),
            400,
            "Unknown combat action: dance",
        ),
        (
            a(json!({"action": "attack", "commit": 5})),
            400,
            "Missing target_id for attack",
        ),
        (
            a(json!({"action": "attack", "commit": 5, "target_id": "alice"})),
            400,
            "Cannot target self",
        ),
        (
            a(json!({"action": "attack", "commit": 5, "target_id": "ghost"})),
            404,
            "Target combatant not found in encounter",
        ),
        (
            a(json!({"action": "attack", "commit": 0, "target_id": "bob"})),
            400,
            "commit must be at least 1 for an attack",
        ),
        (
            a(json!({"action": "flee"})),
            400,
            "Missing destination sector",
        ),
        (
            a(json!({"action": "flee", "to_sector": 9})),
            400,
            "Sector 9 is not adjacent to current sector 0",
        ),
        (
            a(json!({"action": "flee", "to_sector": "x"})),
            422,
            "Invalid destination sector",
        ),
    ] {
        assert_eq!(
            alice.err("combat.action", payload.clone()).await,
            (status, detail.to_string()),
            "{payload}"
        );
    }
    let (_, r) = alice
        .rpc(
            "combat.action",
            json!({"character_id": "zed", "combat_id": combat_id, "action": "brace"}),
        )
        .await;
    assert_eq!(r["error"]["status"], 403);
    let (status, detail) = alice
        .err(
            "combat.action",
            a(json!({"action": "attack", "commit": "lots", "target_id": "bob"})),
        )
        .await;
    assert_eq!(status, 422);
    assert!(detail.contains("commit"));
    assert_eq!(
        alice.err("combat.status", json!({})).await,
        (400, "Provide combat_id or character_id".into())
    );
    assert_eq!(
        bob.ok("combat.status", json!({"character_id": "bob"}))
            .await["combat_id"],
        combat_id.as_str()
    );
    // Garrison endpoints: ownership, sector and mode rules.
    assert_eq!(
        bob.err(
            "combat.set_garrison_mode",
            json!({"character_id": "bob", "sector": 0})
        )
        .await,
        (400, "Missing mode".into())
    );
    assert_eq!(
        bob.err(
            "combat.leave_fighters",
            json!({"character_id": "bob", "sector": 0, "quantity": 10})
        )
        .await
        .0,
        409,
        "bob is fighting in sector 0"
    );
    let mut carol = joined(&server, "carol", json!({"sector": 2})).await;
    let mut dave = joined(&server, "dave", json!({"sector": 2})).await;
    dave.ok(
        "combat.leave_fighters",
        json!({"character_id": "dave", "sector": 2, "quantity": 1, "mode": "defensive"}),
    )
    .await;
    assert_eq!(
        carol
            .err(
                "combat.leave_fighters",
                json!({"character_id": "carol", "sector": 2, "quantity": 10})
            )
            .await
            .0,
        409,
        "another owner's garrison is here"
    );
    assert_eq!(
        carol
            .ok("my_status", json!({"character_id": "carol"}))
            .await["ship"]["fighters"],
        300
    );
    dave.ok(
        "combat.collect_fighters",
        json!({"character_id": "dave", "sector": 2, "quantity": 1}),
    )
    .await;
    assert_eq!(
        carol
            .err(
                "combat.leave_fighters",
                json!({"character_id": "carol", "sector": 2, "quantity": 301})
            )
            .await,
        (400, "Insufficient fighters to deploy".into())
    );
    assert_eq!(
        carol
            .ok("my_status", json!({"character_id": "carol"}))
            .await["ship"]["fighters"],
        300,
        "a failed deploy changes nothing"
    );
    let g = carol.ok("combat.leave_fighters", json!({"character_id": "carol", "sector": 2, "quantity": 10, "mode": "toll", "toll_amount": -50})).await;
    assert_eq!(
        g["garrison"]["toll_amount"], 0,
        "negative tolls are clamped"
    );
    carol
        .ok("move", json!({"character_id": "carol", "to_sector": 0}))
        .await;
    assert_eq!(
        carol
            .err(
                "combat.collect_fighters",
                json!({"character_id": "carol", "sector": 2, "quantity": 5})
            )
            .await,
        (409, "Character not in requested sector".into())
    );
    // bob's garrison does not exist: nobody can act for another owner's garrison by naming it.
    assert_eq!(
        bob.err(
            "combat.set_garrison_mode",
            json!({"character_id": "bob", "sector": 2, "mode": "offensive"})
        )
        .await,
        (404, "No garrison found for character in this sector".into())
    );
}

#[tokio::test]
async fn arrivals_do_not_drag_offline_players_into_fights() {
    let (server, _data) = server(15.0);
    {
        // sleeper parks in sector 1 and logs off.
        let mut sleeper = joined(&server, "sleeper", json!({"sector": 1})).await;
        sleeper
            .ok("my_status", json!({"character_id": "sleeper"}))
            .await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut owner = joined(&server, "owner", json!({"sector": 1})).await;
    // Deploying next to an offline player starts nothing.
    let (events, _) = owner
        .rpc(
            "combat.leave_fighters",
            json!({"character_id": "owner", "sector": 1, "quantity": 50}),
        )
        .await;
    assert!(named(&events, "combat.started").is_empty(), "{events:?}");
    owner
        .ok("move", json!({"character_id": "owner", "to_sector": 0}))
        .await;
    let mut arrival = joined(&server, "arrival", json!({})).await;
    let (events, _) = arrival
        .rpc("move", json!({"character_id": "arrival", "to_sector": 1}))
        .await;
    let started = &named(&events, "combat.started")[0]["payload"];
    let ids: Vec<&String> = started["participants"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    // The reference would have pulled the offline sleeper in as well.
    assert_eq!(ids, ["arrival", "garrison:1:owner"]);
    // Someone arriving later joins the running fight.
    let mut late = joined(&server, "late", json!({})).await;
    let (events, _) = late
        .rpc("move", json!({"character_id": "late", "to_sector": 1}))
        .await;
    assert!(
        event_names(&events).contains(&"combat.round_waiting".to_string()),
        "{events:?}"
    );
    let status = late
        .ok("combat.status", json!({"character_id": "late"}))
        .await;
    assert!(status["participants"]["late"].is_object());
    assert!(status["participants"].get("sleeper").is_none());
}

#[tokio::test]
async fn a_destroyed_toll_garrison_pays_its_bank_once_to_its_destroyer() {
    let (server, _data) = server(15.0);
    let mut keeper = joined(&server, "keeper", json!({"sector": 1})).await;
    keeper.ok("combat.leave_fighters", json!({"character_id": "keeper", "sector": 1, "quantity": 5, "mode": "toll", "toll_amount": 25})).await;
    keeper
        .ok("move", json!({"character_id": "keeper", "to_sector": 0}))
        .await;
    // A first visitor pays the toll: the bank holds 25.
    let mut payer = joined(&server, "payer", json!({})).await;
    let (events, _) = payer
        .rpc("move", json!({"character_id": "payer", "to_sector": 1}))
        .await;
    let first = events[0]["payload"]["combat_id"]
        .as_str()
        .unwrap()
        .to_string();
    act(&mut payer, "payer", &first, json!({"action": "pay"})).await;
    // A raider arrives (a new toll fight), then a second ship arrives and joins it.
    let mut raider = joined(&server, "raider", json!({"credits": 0})).await;
    let (events, _) = raider
        .rpc("move", json!({"character_id": "raider", "to_sector": 1}))
        .await;
    let fight = named(&events, "combat.started")[0]["payload"]["combat_id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut second = joined(&server, "second", json!({})).await;
    second
        .rpc("move", json!({"character_id": "second", "to_sector": 1}))
        .await;
    let status = raider
        .ok("combat.status", json!({"combat_id": fight}))
        .await;
    let garrisons = status["participants"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| k.starts_with("garrison:"))
        .count();
    assert_eq!(garrisons, 1, "one garrison takes part once");
    act(&mut payer, "payer", &fight, json!({"action": "brace"})).await;
    act(&mut second, "second", &fight, json!({"action": "brace"})).await;
    let (_, r) = act(
        &mut raider,
        "raider",
        &fight,
        json!({"action": "attack", "commit": 100, "target_id": "garrison:1:keeper"}),
    )
    .await;
    assert_eq!(r["outcome"]["fighters_remaining"]["garrison:1:keeper"], 0);
    // Three ships still have fighters; a quiet round 2 ends it.
    for (c, id) in [(&mut payer, "payer"), (&mut second, "second")] {
        act(c, id, &fight, json!({"action": "brace"})).await;
    }
    let (_, r) = act(&mut raider, "raider", &fight, json!({"action": "brace"})).await;
    assert_eq!(r["outcome"]["result"], "stalemate");
    // The reference paid the bank once per duplicated garrison source; bang pays it once.
    let status = raider
        .ok("my_status", json!({"character_id": "raider"}))
        .await;
    assert_eq!(status["ship"]["credits"], 25);
    assert_eq!(status["sector_contents"]["garrisons"], json!([]));
}

#[tokio::test]
async fn a_garrison_with_nothing_to_shoot_braces_at_once() {
    let (server, _data) = server(15.0);
    let mut owner = joined(&server, "owner", json!({"sector": 2})).await;
    owner
        .ok(
            "combat.leave_fighters",
            json!({"character_id": "owner", "sector": 2, "quantity": 50, "mode": "defensive"}),
        )
        .await;
    let mut empty = joined(&server, "empty", json!({"sector": 6})).await;
    empty
        .ok(
            "combat.leave_fighters",
            json!({"character_id": "empty", "sector": 6, "quantity": 300, "mode": "defensive"}),
        )
        .await;
    empty
        .ok("move", json!({"character_id": "empty", "to_sector": 2}))
        .await;
    let (_, reply) = owner
        .rpc("combat.initiate", json!({"character_id": "owner"}))
        .await;
    let combat_id = reply["result"]["combat_id"].as_str().unwrap().to_string();
    act(&mut empty, "empty", &combat_id, json!({"action": "brace"})).await;
    // The last character action resolves the round: the garrison (no target with fighters) did
    // not make it wait for the 15 s deadline.
    let (_, r) = act(&mut owner, "owner", &combat_id, json!({"action": "brace"})).await;
    assert_eq!(r["round_resolved"], true);
    assert_eq!(
        r["outcome"]["actions"]["garrison:2:owner"]["action"],
        "brace"
    );
    assert_eq!(
        r["outcome"]["actions"]["garrison:2:owner"]["timed_out"],
        false
    );
}

#[tokio::test]
async fn salvage_is_claimed_in_its_sector_up_to_the_free_holds() {
    let (server, _data) = server(15.0);
    let mut alice = joined(&server, "alice", json!({"credits": 100_000})).await;
    let mut bob = joined(&server, "bob", json!({"sector": 5, "credits": 5000})).await;
    // bob fills his holds with fuel ore, keeps 5 fighters, and comes to sector 0 via 9, 6, 2.
    bob.ok("trade", json!({"character_id": "bob", "commodity": "fuel_ore", "quantity": 30, "trade_type": "buy"})).await;
    bob.ok(
        "combat.leave_fighters",
        json!({"character_id": "bob", "sector": 5, "quantity": 295, "mode": "defensive"}),
    )
    .await;
    for to in [9, 6, 2, 0] {
        bob.ok("move", json!({"character_id": "bob", "to_sector": to}))
            .await;
    }
    // alice's holds are nearly full already.
    alice
        .ok("join", json!({"character_id": "alice", "sector": 5}))
        .await;
    alice.ok("trade", json!({"character_id": "alice", "commodity": "equipment", "quantity": 20, "trade_type": "buy"})).await;
    alice
        .ok("join", json!({"character_id": "alice", "sector": 0}))
        .await;
    let (_, reply) = alice
        .rpc("combat.initiate", json!({"character_id": "alice"}))
        .await;
    let combat_id = reply["result"]["combat_id"].as_str().unwrap().to_string();
    act(&mut bob, "bob", &combat_id, json!({"action": "brace"})).await;
    let (_, r) = act(
        &mut alice,
        "alice",
        &combat_id,
        json!({"action": "attack", "commit": 200, "target_id": "bob"}),
    )
    .await;
    let wreck = &r["outcome"]["salvage"][0];
    assert_eq!(wreck["cargo"], json!({"fuel_ore": 30}));
    let id = wreck["salvage_id"].clone();
    // Not from another sector.
    alice
        .ok("move", json!({"character_id": "alice", "to_sector": 1}))
        .await;
    let (status, _) = alice
        .err(
            "salvage.collect",
            json!({"character_id": "alice", "salvage_id": id}),
        )
        .await;
    assert_eq!(status, 409);
    alice
        .ok("move", json!({"character_id": "alice", "to_sector": 0}))
        .await;
    let claim = alice
        .ok(
            "salvage.collect",
            json!({"character_id": "alice", "salvage_id": id}),
        )
        .await;
    assert_eq!(
        claim["collected"]["cargo"],
        json!({"fuel_ore": 10}),
        "only 10 holds were free"
    );
    assert_eq!(claim["remaining"], true);
    assert_eq!(claim["salvage"]["cargo"], json!({"fuel_ore": 20}));
    assert_eq!(
        claim["cargo"],
        json!({"fuel_ore": 10, "organics": 0, "equipment": 20})
    );
    // What did not fit stays for someone else.
    let status = bob.ok("my_status", json!({"character_id": "bob"})).await;
    assert_eq!(
        status["sector_contents"]["salvage"][0]["cargo"]["fuel_ore"],
        20
    );
    let taken = bob
        .ok(
            "salvage.collect",
            json!({"character_id": "bob", "salvage_id": id}),
        )
        .await;
    assert_eq!(
        taken["collected"]["cargo"],
        json!({}),
        "an escape pod has no holds"
    );
}

#[tokio::test]
async fn a_fight_survives_a_kill_9_and_ends_normally() {
    let data = tempfile::tempdir().unwrap();
    let (mut child, addr) = common::spawn_bang(data.path());
    let mut a = Client::connect(addr).await;
    a.ok("join", json!({"character_id": "a"})).await;
    let mut b = Client::connect(addr).await;
    b.ok("join", json!({"character_id": "b"})).await;
    let (_, reply) = a.rpc("combat.initiate", json!({"character_id": "a"})).await;
    let combat_id = reply["result"]["combat_id"].as_str().unwrap().to_string();
    // Round 1 resolves; in round 2, b's action is acknowledged, then the server dies.
    act(
        &mut a,
        "a",
        &combat_id,
        json!({"action": "attack", "commit": 30, "target_id": "b"}),
    )
    .await;
    let (_, r) = act(
        &mut b,
        "b",
        &combat_id,
        json!({"action": "attack", "commit": 30, "target_id": "a"}),
    )
    .await;
    assert_eq!(r["round"], 2);
    let after_round_1 = r["outcome"]["fighters_remaining"].clone();
    let (_, r) = act(
        &mut b,
        "b",
        &combat_id,
        json!({"action": "brace", "round": 2}),
    )
    .await;
    assert_eq!(r["round_resolved"], false);
    child.kill().unwrap();
    child.wait().unwrap();

    let (mut child, addr) = common::spawn_bang(data.path());
    let mut a = Client::connect(addr).await;
    let mut b = Client::connect(addr).await;
    b.ok("join", json!({"character_id": "b"})).await;
    let status = a.ok("combat.status", json!({"combat_id": combat_id})).await;
    assert_eq!(status["round"], 2, "the same fight, the same round");
    assert_eq!(status["participants"]["a"]["fighters"], after_round_1["a"]);
    // b's acknowledged brace is still pending: a's action completes round 2.
    a.ok("join", json!({"character_id": "a"})).await;
    let (_, r) = act(
        &mut a,
        "a",
        &combat_id,
        json!({"action": "brace", "round": 2}),
    )
    .await;
    assert_eq!(r["round_resolved"], true);
    assert_eq!(r["outcome"]["actions"]["b"]["action"], "brace");
    assert_eq!(r["outcome"]["actions"]["b"]["timed_out"], false);
    assert_eq!(r["outcome"]["result"], "stalemate");
    assert_eq!(r["ended"], true);
    // The ships carry the fight's losses.
    let s = b.ok("my_status", json!({"character_id": "b"})).await;
    assert_eq!(s["ship"]["fighters"], after_round_1["b"]);
    b.ok("move", json!({"character_id": "b", "to_sector": 1}))
        .await;
    child.kill().unwrap();
    child.wait().unwrap();
}
