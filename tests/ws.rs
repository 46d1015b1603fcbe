//! Every endpoint and frame over a real socket on 127.0.0.1:0, against the small test world.

mod common;

use common::{Client, named, start_server};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

const QUIET: Duration = Duration::from_millis(150);

#[tokio::test]
async fn join_returns_the_full_status_and_events_reach_the_joiner_first() {
    let (server, _data) = start_server(20.0);
    let mut a = Client::connect(server.addr).await;
    let (events, reply) = a.rpc("join", json!({"character_id": "alice"})).await;
    assert_eq!(reply["ok"], true);
    assert_eq!(reply["endpoint"], "join");
    let r = &reply["result"];
    assert_eq!(r["character_id"], "alice");
    assert_eq!(r["name"], "alice");
    assert_eq!(r["sector"], 0);
    assert!(r["last_active"].as_str().unwrap().ends_with("+00:00"));
    let ship = &r["ship"];
    assert_eq!(ship["ship_type"], "kestrel_courier");
    assert_eq!(ship["ship_name"], "Kestrel Courier");
    assert_eq!(
        ship["cargo"],
        json!({"fuel_ore": 0, "organics": 0, "equipment": 0})
    );
    for (k, v) in [
        ("cargo_capacity", 30),
        ("cargo_used", 0),
        ("warp_power", 300),
        ("warp_power_capacity", 300),
        ("max_warp_power", 300),
        ("shields", 150),
        ("max_shields", 150),
        ("fighters", 300),
        ("max_fighters", 300),
        ("credits", 1000),
    ] {
        assert_eq!(ship[k], v, "{k}");
    }
    let contents = &r["sector_contents"];
    let keys: Vec<&String> = contents.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "port",
            "planets",
            "other_players",
            "other_players_total",
            "garrisons",
            "garrison",
            "salvage",
            "adjacent_sectors"
        ]
    );
    assert_eq!(contents["adjacent_sectors"], json!([1, 2, 5]));
    assert_eq!(contents["port"], Value::Null);
    assert_eq!(contents["garrison"], Value::Null);
    // character.joined (to the joiner and its sector, not to everyone) then status.update.
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0]["event"], "character.joined");
    assert_eq!(events[0]["gg-action"], "character.joined");
    assert_eq!(events[0]["character_filter"], json!(["alice"]));
    assert_eq!(events[0]["payload"]["sector"], 0);
    assert_eq!(events[1]["event"], "status.update");
    assert_eq!(events[1]["character_filter"], json!(["alice"]));
    assert_eq!(events[1]["payload"], reply["result"]);

    // A second client sees alice's broadcast join and is listed with her ship type.
    let mut b = Client::connect(server.addr).await;
    let status = b
        .ok(
            "join",
            json!({"character_id": "bob", "ship_type": "Sparrow_Scout"}),
        )
        .await;
    assert_eq!(status["ship"]["ship_type"], "sparrow_scout");
    assert_eq!(
        status["sector_contents"]["other_players"],
        json!([{"name": "alice", "ship_type": "kestrel_courier"}])
    );
    let seen = a.drain(QUIET).await;
    assert_eq!(named(&seen, "character.joined").len(), 1);
    assert_eq!(
        named(&seen, "character.joined")[0]["payload"]["character_id"],
        "bob"
    );
}

#[tokio::test]
async fn join_validates_in_the_reference_order() {
    let (server, _data) = start_server(20.0);
    let mut c = Client::connect(server.addr).await;
    assert_eq!(
        c.err("join", json!({})).await,
        (422, "Invalid or missing character_id".into())
    );
    assert_eq!(c.err("join", json!({"character_id": ""})).await.0, 422);
    assert_eq!(
        c.err("join", json!({"character_id": "x", "sector": 10}))
            .await,
        (400, "Invalid sector: 10".into())
    );
    assert_eq!(
        c.err("join", json!({"character_id": "x", "sector": -1}))
            .await,
        (400, "Invalid sector: -1".into())
    );
    assert_eq!(
        c.err(
            "join",
            json!({"character_id": "x", "ship_type": "Kestrel Courier"})
        )
        .await,
        (400, "Invalid ship type: Kestrel Courier".into())
    );
    let (status, detail) = c
        .err("join", json!({"character_id": "x", "credits": -5}))
        .await;
    assert_eq!(status, 422);
    assert!(detail.contains("credits"), "{detail}");
    let (status, detail) = c.err("join", json!({"character_id": ["x"]})).await;
    assert_eq!(status, 422);
    assert!(detail.contains("character_id"), "{detail}");
    // Nothing above created a character.
    assert_eq!(
        c.err("my_status", json!({"character_id": "x"})).await.0,
        404
    );
    let status = c
        .ok(
            "join",
            json!({"character_id": "x", "credits": 5000, "sector": 3}),
        )
        .await;
    assert_eq!(status["ship"]["credits"], 5000);
    assert_eq!(status["sector"], 3);
    assert_eq!(status["sector_contents"]["port"]["code"], "BSS");
}

#[tokio::test]
async fn rejoining_with_a_sector_teleports_with_redacted_notices() {
    let (server, _data) = start_server(20.0);
    let mut a = Client::connect(server.addr).await;
    let mut b = Client::connect(server.addr).await;
    let mut c = Client::connect(server.addr).await;
    a.ok("join", json!({"character_id": "alice"})).await;
    b.ok("join", json!({"character_id": "bob", "sector": 7}))
        .await;
    c.ok("join", json!({"character_id": "carol"})).await;
    a.drain(QUIET).await;
    b.drain(QUIET).await;
    c.drain(QUIET).await;
    let (events, reply) = a
        .rpc("join", json!({"character_id": "alice", "sector": 7}))
        .await;
    assert_eq!(reply["result"]["sector"], 7);
    let kinds: Vec<(String, Value)> = events
        .iter()
        .map(|e| {
            (
                e["event"].as_str().unwrap().to_string(),
                e["character_filter"].clone(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("character.moved".to_string(), json!(["alice"])),
            ("status.update".to_string(), json!(["alice"])),
        ]
    );
    let moved = &events[0]["payload"];
    assert_eq!(moved["from_sector"], 0);
    assert_eq!(moved["to_sector"], 7);
    assert_eq!(moved["move_type"], "teleport");
    // No character.joined for a known character.
    let arrive = b.next_frame().await;
    assert_eq!(arrive["payload"]["movement"], "arrive");
    assert_eq!(arrive["payload"]["move_type"], "teleport");
    assert_eq!(arrive["character_filter"], json!(["bob"]));
    let depart = c.next_frame().await;
    assert_eq!(depart["payload"]["movement"], "depart");
    assert_eq!(depart["payload"]["name"], "alice");
    b.expect_silence(QUIET).await;
}

#[tokio::test]
async fn move_updates_the_mover_and_observers_see_only_redacted_movement() {
    let (server, _data) = start_server(20.0);
    let mut mover = Client::connect(server.addr).await;
    let mut there = Client::connect(server.addr).await;
    let mut here = Client::connect(server.addr).await;
    mover.ok("join", json!({"character_id": "alice"})).await;
    there
        .ok("join", json!({"character_id": "bob", "sector": 1}))
        .await;
    here.ok("join", json!({"character_id": "carol"})).await;
    for c in [&mut mover, &mut there, &mut here] {
        c.drain(QUIET).await;
    }
    let (events, reply) = mover
        .rpc("move", json!({"character_id": "alice", "to_sector": 1}))
        .await;
    let status = &reply["result"];
    assert_eq!(status["sector"], 1);
    assert_eq!(status["ship"]["warp_power"], 297);
    assert_eq!(status["sector_contents"]["port"]["code"], "BBS");
    assert_eq!(
        status["sector_contents"]["adjacent_sectors"],
        json!([0, 3, 4])
    );
    assert_eq!(
        status["sector_contents"]["other_players"],
        json!([{"name": "bob", "ship_type": "kestrel_courier"}])
    );
    let port = &status["sector_contents"]["port"];
    // BBS: buys fuel ore and organics (300/1000 held), sells equipment (700/1000).
    assert_eq!(
        port["last_seen_prices"],
        json!({"fuel_ore": 31, "organics": 12, "equipment": 38})
    );
    assert_eq!(
        port["last_seen_stock"],
        json!({"fuel_ore": 300, "organics": 300, "equipment": 700})
    );
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["event"], "status.update");
    assert_eq!(events[1]["event"], "character.moved");
    assert_eq!(
        events[1]["payload"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        [
            "character_id",
            "from_sector",
            "to_sector",
            "timestamp",
            "move_type"
        ]
    );
    assert_eq!(events[1]["payload"]["move_type"], "normal");

    let arrive = there.next_frame().await;
    let p = arrive["payload"].as_object().unwrap();
    assert_eq!(
        p.keys().collect::<Vec<_>>(),
        ["name", "ship_type", "timestamp", "move_type", "movement"]
    );
    assert_eq!(p["movement"], "arrive");
    assert_eq!(p["timestamp"], events[1]["payload"]["timestamp"]);
    let depart = here.next_frame().await;
    assert_eq!(depart["payload"]["movement"], "depart");
    assert!(depart["payload"].get("character_id").is_none());
    there.expect_silence(QUIET).await;
    here.expect_silence(QUIET).await;
}

#[tokio::test]
async fn move_refuses_bad_requests_with_the_reference_details() {
    let (server, _data) = start_server(20.0);
    let mut c = Client::connect(server.addr).await;
    c.ok("join", json!({"character_id": "alice"})).await;
    let cases = [
        (json!({"to_sector": 1}), 400, "Missing character_id"),
        (
            json!({"character_id": "alice"}),
            400,
            "Missing destination sector",
        ),
        (
            json!({"character_id": "alice", "to_sector": "abc"}),
            422,
            "Invalid destination sector",
        ),
        (
            json!({"character_id": "alice", "to_sector": -2}),
            422,
            "Invalid destination sector",
        ),
        (
            json!({"character_id": "alice", "to_sector": 1.5}),
            422,
            "Invalid destination sector",
        ),
        (
            json!({"character_id": "nobody", "to_sector": 1}),
            404,
            "Character 'nobody' not found. Join the game first.",
        ),
        (
            json!({"character_id": "alice", "to_sector": 10}),
            400,
            "Invalid sector: 10",
        ),
        (
            json!({"character_id": "alice", "to_sector": 3}),
            400,
            "Sector 3 is not adjacent to current sector 0",
        ),
    ];
    for (payload, status, detail) in cases {
        assert_eq!(
            c.err("move", payload.clone()).await,
            (status, detail.to_string()),
            "{payload}"
        );
    }
    // The legacy alias and digit strings work.
    assert_eq!(
        c.ok("move", json!({"character_id": "alice", "to": "5"}))
            .await["sector"],
        5
    );
    // Warps are directed: 5 only leads to 9.
    assert_eq!(
        c.err("move", json!({"character_id": "alice", "to_sector": 0}))
            .await,
        (400, "Sector 0 is not adjacent to current sector 5".into())
    );
}

#[tokio::test]
async fn running_out_of_warp_power_stops_movement() {
    let (server, _data) = start_server(20.0);
    let mut c = Client::connect(server.addr).await;
    c.ok("join", json!({"character_id": "alice"})).await;
    // 300 warp power, 3 per jump: exactly 100 jumps between sectors 0 and 1.
    for i in 0..100 {
        let to = if i % 2 == 0 { 1 } else { 0 };
        c.ok("move", json!({"character_id": "alice", "to_sector": to}))
            .await;
    }
    assert_eq!(
        c.err("move", json!({"character_id": "alice", "to_sector": 1}))
            .await,
        (
            400,
            "Insufficient warp power. Need 3 units but only have 0".into()
        )
    );
}

#[tokio::test]
async fn plot_course_finds_directed_shortest_paths() {
    let (server, _data) = start_server(20.0);
    let mut c = Client::connect(server.addr).await;
    let r = c
        .ok("plot_course", json!({"from_sector": 0, "to_sector": 8}))
        .await;
    assert_eq!(
        r,
        json!({"from_sector": 0, "to_sector": 8, "path": [0, 5, 9, 8], "distance": 3})
    );
    let r = c
        .ok("plot_course", json!({"from_sector": 8, "to_sector": 0}))
        .await;
    assert_eq!(r["path"], json!([8, 4, 1, 0]));
    assert_eq!(
        c.ok("plot_course", json!({"from_sector": 4, "to_sector": 4}))
            .await["distance"],
        0
    );
    for (payload, status, detail) in [
        (
            json!({"from_sector": 0}),
            400,
            "Missing from_sector or to_sector".to_string(),
        ),
        (
            json!({"from_sector": -1, "to_sector": 2}),
            422,
            "Sectors must be non-negative".into(),
        ),
        (
            json!({"from_sector": 10, "to_sector": 2}),
            400,
            "Invalid from_sector: 10".into(),
        ),
        (
            json!({"from_sector": 1, "to_sector": 99}),
            400,
            "Invalid to_sector: 99".into(),
        ),
    ] {
        assert_eq!(c.err("plot_course", payload).await, (status, detail));
    }
    let (status, detail) = c
        .err("plot_course", json!({"from_sector": "0", "to_sector": 1}))
        .await;
    assert_eq!(status, 422);
    assert!(detail.contains("from_sector"));
}

#[tokio::test]
async fn maps_show_what_the_character_has_seen() {
    let (server, _data) = start_server(20.0);
    let mut c = Client::connect(server.addr).await;
    c.ok("join", json!({"character_id": "alice"})).await;
    c.ok("move", json!({"character_id": "alice", "to_sector": 1}))
        .await;
    let map = c.ok("my_map", json!({"character_id": "alice"})).await;
    assert_eq!(map["character_id"], "alice");
    assert_eq!(map["total_sectors_visited"], 2);
    assert_eq!(map["sector"], 1);
    assert_eq!(map["credits"], 1000);
    assert_eq!(map["ship_config"]["current_warp_power"], 297);
    assert_eq!(map["ship_config"]["equipped_modules"], json!([]));
    let one = &map["sectors_visited"]["1"];
    assert_eq!(one["sector_id"], 1);
    assert_eq!(one["adjacent_sectors"], json!([0, 3, 4]));
    assert_eq!(one["port"]["code"], "BBS");
    assert_eq!(map["sectors_visited"]["0"]["port"], Value::Null);
    assert!(map["first_visit"].is_string());

    let local = c
        .ok("local_map", json!({"character_id": "alice", "max_hops": 1}))
        .await;
    assert_eq!(local["max_hops"], 1);
    let nodes = local["node_list"].as_array().unwrap();
    let ids: Vec<u64> = nodes.iter().map(|n| n["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, vec![0, 1, 3, 4]);
    assert_eq!(
        nodes[1],
        json!({"id": 1, "visited": true, "port_type": "BBS", "adjacent": [0, 3, 4], "is_leaf": false})
    );
    assert_eq!(
        nodes[2],
        json!({"id": 3, "visited": false, "port_type": null, "adjacent": [], "is_leaf": false})
    );
    let local = c
        .ok(
            "local_map",
            json!({"character_id": "alice", "max_sectors": 2, "max_hops": 9}),
        )
        .await;
    assert_eq!(local["max_sectors"], 2);
    assert!(local.get("max_hops").is_none());
    assert_eq!(local["node_list"].as_array().unwrap().len(), 2);
    for (payload, status, detail) in [
        (json!({"max_hops": 1}), 400, "Missing character_id"),
        (json!({"character_id": "alice"}), 400, "Missing max_hops"),
        (
            json!({"character_id": "alice", "max_hops": -1}),
            422,
            "max_hops must be a non-negative integer",
        ),
        (
            json!({"character_id": "alice", "max_sectors": 0}),
            422,
            "max_sectors must be a positive integer",
        ),
        (
            json!({"character_id": "ghost", "max_hops": 1}),
            404,
            "Character 'ghost' not found",
        ),
    ] {
        assert_eq!(
            c.err("local_map", payload).await,
            (status, detail.to_string())
        );
    }
    assert_eq!(
        c.err("my_map", json!({})).await,
        (400, "Missing character_id".into())
    );
    assert_eq!(
        c.err("my_map", json!({"character_id": "ghost"})).await.0,
        404
    );
}

#[tokio::test]
async fn malformed_frames_get_errors_and_the_connection_stays_usable() {
    let (server, _data) = start_server(20.0);
    let mut c = Client::connect(server.addr).await;
    c.send_text("{not json").await;
    let f = c.next_frame().await;
    assert_eq!(f["ok"], false);
    assert_eq!(f["endpoint"], "unknown");
    assert_eq!(f["error"]["status"], 400);
    assert_eq!(f["error"]["detail"], "Invalid JSON");
    c.send_text("[1,2]").await;
    assert_eq!(
        c.next_frame().await["error"]["detail"],
        "Frame must be a JSON object"
    );
    c.send_raw(Message::binary(vec![1u8, 2, 3])).await;
    assert_eq!(c.next_frame().await["error"]["status"], 400);
    let deep = "[".repeat(5000) + &"]".repeat(5000);
    c.send_text(&deep).await;
    assert_eq!(c.next_frame().await["error"]["detail"], "Invalid JSON");
    for (frame, status, detail) in [
        (
            json!({"id": "a", "type": "unsubscribe"}),
            400,
            "Unknown frame type: unsubscribe",
        ),
        (json!({"id": "b"}), 404, "Unknown endpoint: None"),
        (
            json!({"id": "c", "endpoint": "warp_drive"}),
            404,
            "Unknown endpoint: warp_drive",
        ),
        (
            json!({"id": "d", "endpoint": {"x": 1}}),
            400,
            "endpoint must be a string",
        ),
        (
            json!({"id": "e", "endpoint": "move", "payload": "x"}),
            422,
            "payload must be a JSON object",
        ),
        (
            json!({"id": "f", "type": "rpc", "endpoint": "identify"}),
            404,
            "Unknown endpoint: identify",
        ),
    ] {
        let (_, reply) = c.frame(frame.clone()).await;
        assert_eq!(reply["error"]["status"], status, "{frame}");
        assert_eq!(reply["error"]["detail"], detail, "{frame}");
        assert!(reply["endpoint"].is_string());
    }
    // Numeric ids are echoed as strings; a frame without `type` is an RPC.
    c.send_text(r#"{"id": 7, "endpoint": "server_status"}"#)
        .await;
    let f = c.next_frame().await;
    assert_eq!(f["id"], "7");
    assert_eq!(
        f["result"],
        json!({"name": "Gradient Bang", "version": "0.2.0", "status": "running", "sectors": 10})
    );
    // server_status ignores whatever payload it gets.
    assert_eq!(c.ok("server_status", json!(null)).await["sectors"], 10);
    // A frame over the 64 KiB limit closes only this connection.
    let mut big = Client::connect(server.addr).await;
    big.send_text(&format!(
        "{{\"id\":\"x\",\"endpoint\":\"join\",\"payload\":{{\"character_id\":\"{}\"}}}}",
        "y".repeat(70_000)
    ))
    .await;
    assert!(
        big.next_frame_within(Duration::from_secs(2))
            .await
            .is_none()
    );
    assert_eq!(c.ok("server_status", json!({})).await["status"], "running");
}
