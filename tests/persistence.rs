//! Durable state: a restart restores everything, and a `kill -9` right after a reply loses
//! nothing that reply acknowledged.

mod common;

use bang::net::NetConfig;
use common::{Client, spawn_bang, start_server_in};
use serde_json::json;

#[tokio::test]
async fn a_restart_restores_characters_ships_and_maps() {
    let data = tempfile::tempdir().unwrap();
    let before = {
        let server = start_server_in(data.path(), 20.0, NetConfig::default());
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
    let server = start_server_in(data.path(), 20.0, NetConfig::default());
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
async fn kill_9_right_after_a_move_reply_keeps_the_move() {
    let data = tempfile::tempdir().unwrap();
    let (mut child, addr) = spawn_bang(data.path());
    let mut c = Client::connect(addr).await;
    c.ok("join", json!({"character_id": "alice"})).await;
    let moved = c
        .ok("move", json!({"character_id": "alice", "to_sector": 2}))
        .await;
    assert_eq!(moved["sector"], 2);
    child.kill().unwrap(); // SIGKILL: no shutdown code runs.
    child.wait().unwrap();

    let (mut child, addr) = spawn_bang(data.path());
    let mut c = Client::connect(addr).await;
    let status = c.ok("join", json!({"character_id": "alice"})).await;
    assert_eq!(status["sector"], 2);
    assert_eq!(status["ship"]["warp_power"], 297);
    let map = c.ok("my_map", json!({"character_id": "alice"})).await;
    assert_eq!(map["total_sectors_visited"], 2);
    child.kill().unwrap();
    child.wait().unwrap();
}
