//! Combat rules where bang departs from the reference (each test fails on the reference's
//! behaviour), validation, salvage claims, and a fight surviving a kill -9.

mod common;

use common::{Client, act, combat_server as server, event_names, joined, named, toll_gate};
use serde_json::{Value, json};
use std::time::Duration;

const QUIET: Duration = Duration::from_millis(150);

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

/// alice's action in `combat_id`: the fields of `v` over her id and the fight's.
fn alice_in(combat_id: &str, v: Value) -> Value {
    let mut p = json!({"character_id": "alice", "combat_id": combat_id});
    for (k, x) in v.as_object().unwrap() {
        p[k] = x.clone();
    }
    p
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
    action_refusals(&mut alice, &combat_id).await;
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
            alice_in(
                &combat_id,
                json!({"action": "attack", "commit": "lots", "target_id": "bob"}),
            ),
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
    garrison_deploy_rules(&server).await;
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
    let _keeper = toll_gate(&server, 5).await;
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
    let (mut alice, mut bob) = full_holds(&server).await;
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

/// Malformed or impossible actions, each refused with its status and reason.
async fn action_refusals(alice: &mut Client, combat_id: &str) {
    let a = |v: Value| alice_in(combat_id, v);
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
}

/// Deploying and collecting in sector 2, away from the fight: one owner per sector, enough
/// fighters on board, no negative toll, and collecting only where the ship is.
async fn garrison_deploy_rules(server: &bang::server::RunningServer) {
    let mut carol = joined(server, "carol", json!({"sector": 2})).await;
    let mut dave = joined(server, "dave", json!({"sector": 2})).await;
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
}

/// Both ships in sector 0 with cargo: bob (5 fighters left) carries 30 fuel ore, alice has
/// only 10 holds free.
async fn full_holds(server: &bang::server::RunningServer) -> (Client, Client) {
    let mut alice = joined(server, "alice", json!({"credits": 100_000})).await;
    let mut bob = joined(server, "bob", json!({"sector": 5, "credits": 5000})).await;
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
    (alice, bob)
}
