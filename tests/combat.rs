//! Combat scenarios over real sockets (the duel has tests/duel.rs): tolls, garrisons and a
//! three-ship fight; who receives which event in which order, and what the fight changes. The
//! server's seed is fixed, so every roll is reproducible.

mod common;

use common::{Client, act, combat_server as server, event_names, joined, named, toll_gate};
use serde_json::{Value, json};
use std::time::Duration;

const QUIET: Duration = Duration::from_millis(150);

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
