//! Durable state: a restart restores everything, and a `kill -9` right after a reply loses
//! nothing that reply acknowledged; on SQLite and on PostgreSQL alike.

mod common;

use common::{Backing, Client, act, spawn_bang_with};
use serde_json::json;

#[tokio::test]
async fn a_restart_restores_characters_ships_and_maps_on_sqlite() {
    restart_restores(&Backing::Sqlite).await;
}

#[tokio::test]
async fn a_restart_restores_characters_ships_and_maps_on_postgresql() {
    restart_restores(&Backing::postgres()).await;
}

async fn restart_restores(backing: &Backing) {
    let data = tempfile::tempdir().unwrap();
    let before = {
        let server = backing.start(data.path(), |_| {});
        let mut c = Client::connect(server.addr).await;
        c.ok(
            "join",
            json!({"character_id": "alice", "ship_type": "atlas_hauler", "credits": 777}),
        )
        .await;
        c.ok("move", json!({"character_id": "alice", "to_sector": 1}))
            .await;
        c.ok("move", json!({"character_id": "alice", "to_sector": 3}))
            .await;
        c.ok("join", json!({"character_id": "bob", "sector": 3}))
            .await;
        let map = c.ok("my_map", json!({"character_id": "alice"})).await;
        server.stop().unwrap();
        map
    };
    let server = backing.start(data.path(), |_| {});
    let mut c = Client::connect(server.addr).await;
    // A reconnecting client joins again (which records a fresh visit to its current sector).
    let (events, _) = c.rpc("join", json!({"character_id": "alice"})).await;
    assert!(
        events.iter().all(|e| e["event"] != "character.joined"),
        "{events:?}"
    );
    let after = c.ok("my_map", json!({"character_id": "alice"})).await;
    for key in [
        "total_sectors_visited",
        "first_visit",
        "ship_config",
        "credits",
        "sector",
    ] {
        assert_eq!(after[key], before[key], "{key}");
    }
    for sector in ["0", "1"] {
        assert_eq!(
            after["sectors_visited"][sector],
            before["sectors_visited"][sector]
        );
    }
    assert_eq!(after["sector"], 3);
    assert_eq!(after["ship_config"]["ship_type"], "atlas_hauler");
    assert_eq!(after["ship_config"]["current_warp_power"], 1600 - 8);
    assert_eq!(after["credits"], 777);
    // Restored characters are in the world map: listed to others, rejoined without a broadcast.
    let (events, reply) = c.rpc("join", json!({"character_id": "bob"})).await;
    assert_eq!(
        reply["result"]["sector_contents"]["other_players"],
        json!([{"name": "alice", "ship_type": "atlas_hauler"}])
    );
    assert!(
        events.iter().all(|e| e["event"] != "character.joined"),
        "{events:?}"
    );
    server.stop().unwrap();
}

#[tokio::test]
async fn kill_9_right_after_a_move_reply_keeps_the_move_on_sqlite() {
    kill_after_move(&Backing::Sqlite).await;
}

#[tokio::test]
async fn kill_9_right_after_a_move_reply_keeps_the_move_on_postgresql() {
    kill_after_move(&Backing::postgres()).await;
}

async fn kill_after_move(backing: &Backing) {
    let data = tempfile::tempdir().unwrap();
    let (mut child, addr) = spawn_on(backing, data.path());
    let mut c = Client::connect(addr).await;
    c.ok("join", json!({"character_id": "alice"})).await;
    let moved = c
        .ok("move", json!({"character_id": "alice", "to_sector": 2}))
        .await;
    assert_eq!(moved["sector"], 2);
    child.kill().unwrap(); // SIGKILL: no shutdown code runs.
    child.wait().unwrap();

    let (mut child, addr) = spawn_on(backing, data.path());
    let mut c = Client::connect(addr).await;
    let status = c.ok("join", json!({"character_id": "alice"})).await;
    assert_eq!(status["sector"], 2);
    assert_eq!(status["ship"]["warp_power"], 297);
    let map = c.ok("my_map", json!({"character_id": "alice"})).await;
    assert_eq!(map["total_sectors_visited"], 2);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn a_fight_survives_a_kill_9_and_ends_normally_on_sqlite() {
    fight_survives_kill(&Backing::Sqlite).await;
}

#[tokio::test]
async fn a_fight_survives_a_kill_9_and_ends_normally_on_postgresql() {
    fight_survives_kill(&Backing::postgres()).await;
}

async fn fight_survives_kill(backing: &Backing) {
    let data = tempfile::tempdir().unwrap();
    let (mut child, addr) = spawn_on(backing, data.path());
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

    let (mut child, addr) = spawn_on(backing, data.path());
    let mut a = Client::connect(addr).await;
    let mut b = Client::connect(addr).await;
    b.ok("join", json!({"character_id": "b"})).await;
    // Fights are shown to their participants (and observers): a joins first.
    a.ok("join", json!({"character_id": "a"})).await;
    let status = a
        .ok(
            "combat.status",
            json!({"combat_id": combat_id, "include_logs": true}),
        )
        .await;
    assert_eq!(status["round"], 2, "the same fight, the same round");
    // Round 1's log (stored apart from the fight's state) came back with it.
    let logs = status["logs"].as_array().expect("logs");
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0]["round"], 1);
    assert_eq!(logs[0]["actions"]["a"]["action"], "attack");
    assert_eq!(status["participants"]["a"]["fighters"], after_round_1["a"]);
    // b's acknowledged brace is still pending: a's action completes round 2.
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
    let rounds: Vec<i64> = r["outcome"]["logs"]
        .as_array()
        .expect("logs")
        .iter()
        .map(|l| l["round"].as_i64().unwrap())
        .collect();
    assert_eq!(rounds, vec![1, 2], "the whole history, once each");
    assert_eq!(r["ended"], true);
    // The ships carry the fight's losses.
    let s = b.ok("my_status", json!({"character_id": "b"})).await;
    assert_eq!(s["ship"]["fighters"], after_round_1["b"]);
    b.ok("move", json!({"character_id": "b", "to_sector": 1}))
        .await;
    child.kill().unwrap();
    child.wait().unwrap();
}

/// The store writes garrisons by change detection: a garrison restored at start and later taken
/// away must stay gone after the next restart (its row deleted, not left behind).
#[tokio::test]
async fn a_restored_garrison_that_is_collected_stays_gone_after_a_restart_on_sqlite() {
    collected_garrison_stays_gone(&Backing::Sqlite).await;
}

#[tokio::test]
async fn a_restored_garrison_that_is_collected_stays_gone_after_a_restart_on_postgresql() {
    collected_garrison_stays_gone(&Backing::postgres()).await;
}

async fn collected_garrison_stays_gone(backing: &Backing) {
    let data = tempfile::tempdir().unwrap();
    let restart = || backing.start(data.path(), |_| {});
    {
        let server = restart();
        let mut c = Client::connect(server.addr).await;
        c.ok("join", json!({"character_id": "alice", "sector": 1}))
            .await;
        c.ok(
            "combat.leave_fighters",
            json!({"character_id": "alice", "sector": 1, "quantity": 10, "mode": "defensive"}),
        )
        .await;
        server.stop().unwrap();
    }
    {
        let server = restart();
        let mut c = Client::connect(server.addr).await;
        let joined = c.ok("join", json!({"character_id": "alice"})).await;
        assert_eq!(
            joined["sector_contents"]["garrison"]["fighters"], 10,
            "restored: {joined}"
        );
        let collected = c
            .ok(
                "combat.collect_fighters",
                json!({"character_id": "alice", "sector": 1, "quantity": 10}),
            )
            .await;
        assert_eq!(collected["garrison"], serde_json::Value::Null);
        server.stop().unwrap();
    }
    let server = restart();
    let mut c = Client::connect(server.addr).await;
    let joined = c.ok("join", json!({"character_id": "alice"})).await;
    assert_eq!(
        joined["sector_contents"]["garrison"],
        serde_json::Value::Null,
        "the collected garrison came back: {joined}"
    );
    server.stop().unwrap();
}

/// The real binary on this store.
fn spawn_on(
    backing: &Backing,
    data: &std::path::Path,
) -> (std::process::Child, std::net::SocketAddr) {
    spawn_bang_with(data, &backing.serve_args(), None)
}
