//! The 2026-01 dialect over real sockets: framing, registration, the status and map as events,
//! hyperspace travel answered on arrival, seeding from world-data files, and both dialects in
//! one world. Hyperspace time is configuration: the tests use a few milliseconds per turn (the
//! money and cargo endpoints are in `dialect_2026_economy.rs`, the maps in `dialect_2026_maps.rs`).

mod common;

use common::v2026::{D2026, joined, seed, start, start_with_hyperspace, world_copy};
use common::{Client, named};
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_sends_the_status_and_map_as_events_then_a_bare_success() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let mut c = Client::connect_to(server.addr, D2026).await;
    let (events, reply) = c
        .frame(json!({"id": "j-1", "type": "rpc", "endpoint": "join", "payload": {"character_id": "ada"}}))
        .await;
    assert_eq!(reply["result"], json!({"success": true}));
    let names: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["status.snapshot", "map.local"]);
    for e in &events {
        assert!(
            e.get("gg-action").is_none() && e.get("character_filter").is_none(),
            "{e}"
        );
    }
    let snap = &events[0]["payload"];
    assert_eq!(snap["source"]["request_id"], "j-1");
    assert_eq!(snap["source"]["method"], "join");
    assert_eq!(snap["player"]["id"], "ada");
    assert_eq!(snap["player"]["name"], "Ada", "the registry's display name");
    assert_eq!(snap["sector"]["id"], 0);
    let cargo = snap["ship"]["cargo"].as_object().unwrap();
    let keys: Vec<&String> = cargo.keys().collect();
    assert_eq!(keys, ["quantum_foam", "retro_organics", "neuro_symbolics"]);
    assert_eq!(snap["ship"]["ship_id"], "ada-ship");
    let map = &events[1]["payload"];
    assert_eq!(map["center_sector"], 0);
    assert_eq!(map["total_visited"], 1);
    assert!(map["total_unvisited"].as_u64().unwrap() >= 1, "{map}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unregistered_character_cannot_join_and_a_connection_keeps_one_character() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let mut c = Client::connect_to(server.addr, D2026).await;
    let (status, detail) = c.err("join", json!({"character_id": "mallory"})).await;
    assert_eq!(
        (status, detail.as_str()),
        (404, "Character is not registered")
    );
    let (_, ok) = c
        .frame(json!({"id": "i1", "type": "identify", "character_id": "ada"}))
        .await;
    assert_eq!(ok["result"]["identified"], true);
    let (_, refused) = c
        .frame(json!({"id": "i2", "type": "identify", "character_id": "bo"}))
        .await;
    assert_eq!(refused["error"]["status"], 400);
    assert!(
        refused["error"]["detail"]
            .as_str()
            .unwrap()
            .contains("already associated")
    );
    // Endpoints the 2026-01 release dropped are unknown in its dialect.
    let (status, _) = c.err("my_map", json!({"character_id": "ada"})).await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_leaves_at_once_and_is_answered_on_arrival() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let (mut c, _) = joined(server.addr, "ada").await;
    let (events, reply) = c
        .rpc("move", json!({"character_id": "ada", "to_sector": 1}))
        .await;
    assert_eq!(reply["result"], json!({"success": true}));
    let names: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["movement.start", "movement.complete", "map.local"]);
    let start = &events[0]["payload"];
    assert_eq!(start["sector"]["id"], 1);
    let secs = start["hyperspace_time"].as_f64().unwrap();
    assert!((secs - 0.06).abs() < 1e-9, "3 turns at 0.02 s: {secs}");
    let done = &events[1]["payload"];
    assert_eq!(done["first_visit"], true);
    assert_eq!(
        done["ship"]["warp_power"],
        done["ship"]["warp_power_capacity"].as_i64().unwrap() - 3
    );
    let (events, _) = c.rpc("my_status", json!({"character_id": "ada"})).await;
    assert_eq!(
        named(&events, "status.snapshot")[0]["payload"]["sector"]["id"],
        1
    );
    let (status, detail) = c
        .err("move", json!({"character_id": "ada", "to_sector": 7}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(detail, "Sector 7 is not adjacent to current sector 1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plot_course_answers_with_an_event_naming_the_request() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let (mut c, _) = joined(server.addr, "ada").await;
    let (events, reply) = c
        .frame(json!({"id": "p-9", "type": "rpc", "endpoint": "plot_course", "payload": {"character_id": "ada", "to_sector": 5}}))
        .await;
    assert_eq!(reply["result"], json!({"success": true}));
    let plot = &named(&events, "course.plot")[0]["payload"];
    assert_eq!(plot["source"]["request_id"], "p-9");
    assert_eq!(plot["path"], json!([0, 5]));
    assert_eq!(plot["distance"], 1);
    let (events, reply) = c
        .rpc(
            "plot_course",
            json!({"character_id": "ada", "to_sector": 99}),
        )
        .await;
    assert_eq!(reply["error"]["status"], 400);
    let error = &named(&events, "error")[0]["payload"];
    assert_eq!(error["endpoint"], "plot_course");
    assert_eq!(error["error"], reply["error"]["detail"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_character_is_seeded_from_its_files_when_it_first_joins() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let knowledge = json!({
        "character_id": "seeded", "current_sector": 3, "current_ship_id": "hull-7",
        "credits": 5, "credits_in_bank": 250,
        "sectors_visited": {"3": {"sector_id": 3, "adjacent_sectors": [1, 4, 7]}}
    });
    let ships = json!({"hull-7": {"ship_id": "hull-7", "ship_type": "sparrow_scout", "sector": 3,
        "state": {"fighters": 40, "shields": 30, "warp_power": 100, "credits": 777,
                  "cargo": {"quantum_foam": 4, "retro_organics": 0, "neuro_symbolics": 2}}}});
    seed(world.path(), "seeded", knowledge, Some(ships));
    let (_, events) = joined(server.addr, "seeded").await;
    let snap = &named(&events, "status.snapshot")[0]["payload"];
    assert_eq!(snap["sector"]["id"], 3);
    assert_eq!(snap["player"]["name"], "Seeded Sam");
    assert_eq!(snap["player"]["credits_in_bank"], 250);
    let ship = &snap["ship"];
    assert_eq!(ship["ship_id"], "hull-7");
    assert_eq!(ship["ship_type"], "sparrow_scout");
    assert_eq!(
        (ship["fighters"].as_i64(), ship["warp_power"].as_i64()),
        (Some(40), Some(100))
    );
    assert_eq!(ship["credits"], 777, "the credits aboard the ship");
    assert_eq!(ship["cargo"]["quantum_foam"], 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_dialects_play_in_one_world() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let mut old = Client::connect(server.addr).await;
    let joined_old = old
        .ok("join", json!({"character_id": "bo", "sector": 1}))
        .await;
    assert_eq!(
        joined_old["sector"], 1,
        "the seed's join answers with the status"
    );
    let (mut new, _) = joined(server.addr, "ada").await;
    new.ok("move", json!({"character_id": "ada", "to_sector": 1}))
        .await;
    let seen = old.drain(Duration::from_millis(300)).await;
    let arrive = named(&seen, "character.moved");
    assert_eq!(arrive.len(), 1, "{seen:?}");
    assert_eq!(
        arrive[0]["gg-action"], "character.moved",
        "framed in the seed's dialect"
    );
    assert_eq!(arrive[0]["payload"]["name"], "ada");
    assert_eq!(arrive[0]["payload"]["movement"], "arrive");
    let (events, _) = new.rpc("my_status", json!({"character_id": "ada"})).await;
    let players = &named(&events, "status.snapshot")[0]["payload"]["sector"]["players"];
    assert_eq!(players[0]["id"], "bo");
    assert_eq!(players[0]["name"], "Bo");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_2025_client_does_is_told_to_2026_clients_as_their_dialect_tells_it() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let mut old = Client::connect(server.addr).await;
    old.ok("join", json!({"character_id": "bo", "sector": 1}))
        .await;
    let (mut new, _) = joined(server.addr, "ada").await;
    new.ok("move", json!({"character_id": "ada", "to_sector": 1}))
        .await;
    new.drain(Duration::from_millis(200)).await;
    let buy = json!({"character_id": "bo", "commodity": "neuro_symbolics", "quantity": 2, "trade_type": "buy"});
    old.ok("trade", buy).await;
    let seen = new.drain(Duration::from_millis(300)).await;
    let port = named(&seen, "port.update");
    assert_eq!(port.len(), 1, "ada sees the port bo traded at: {seen:?}");
    assert_eq!(port[0]["payload"]["sector"]["id"], 1);
    let give = json!({"from_character_id": "bo", "to_character_id": "ada", "units": 5});
    let (mine, reply) = old.rpc("transfer_warp_power", give).await;
    let given = reply["result"].clone();
    assert!(given["units_transferred"].as_i64().unwrap() > 0, "{reply}");
    let seen = new.drain(Duration::from_millis(300)).await;
    let transfer = named(&seen, "warp.transfer");
    assert_eq!(transfer.len(), 1, "{seen:?}");
    assert_eq!(transfer[0]["payload"]["transfer_direction"], "received");
    assert_eq!(
        transfer[0]["payload"]["transfer_details"]["warp_power"],
        given["units_transferred"]
    );
    assert_eq!(named(&seen, "status.update").len(), 1, "{seen:?}");
    let own = named(&mine, "warp.transfer");
    assert_eq!(
        own.len(),
        1,
        "bo is told once, in its own dialect: {mine:?}"
    );
    assert!(own[0].get("gg-action").is_some(), "{mine:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_dialect_is_refused_at_the_upgrade() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let url = format!("ws://{}/ws?dialect=1999-01", server.addr);
    let err = tokio_tungstenite::connect_async(url).await.unwrap_err();
    match err {
        tokio_tungstenite::tungstenite::Error::Http(r) => assert_eq!(r.status(), 422),
        other => panic!("expected an HTTP refusal, got {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_mid_transit_lands_the_ship_and_keeps_its_id_and_bank() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let knowledge =
        json!({"current_sector": 0, "current_ship_id": "hull-1", "credits_in_bank": 90});
    seed(world.path(), "ada", knowledge, None);
    // Long enough that the jump is still under way when the server stops.
    let server = start_with_hyperspace(world.path(), data.path(), 30.0);
    let (mut c, events) = joined(server.addr, "ada").await;
    let warp = named(&events, "status.snapshot")[0]["payload"]["ship"]["warp_power"]
        .as_i64()
        .unwrap();
    let frame = json!({"id": "m", "type": "rpc", "endpoint": "move", "payload": {"character_id": "ada", "to_sector": 1}});
    c.send_text(&frame.to_string()).await;
    let start = c.next_frame().await;
    assert_eq!(start["event"], "movement.start", "{start}");
    let (_, refused) = c.rpc("my_status", json!({"character_id": "ada"})).await;
    assert_eq!(refused["error"]["status"], 409, "{refused}");
    drop(c);
    server.stop().unwrap();
    let server = start_with_hyperspace(world.path(), data.path(), 30.0);
    let (_, events) = joined(server.addr, "ada").await;
    let snap = &named(&events, "status.snapshot")[0]["payload"];
    assert_eq!(snap["sector"]["id"], 1, "the acknowledged departure landed");
    assert_eq!(
        snap["ship"]["warp_power"],
        warp - 3,
        "the jump was paid once"
    );
    assert_eq!(snap["ship"]["ship_id"], "hull-1");
    assert_eq!(snap["player"]["credits_in_bank"], 90);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn character_info_tells_a_registered_name() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let mut c = Client::connect_to(server.addr, D2026).await;
    let info = c
        .ok("character.info", json!({"character_id": "seeded"}))
        .await;
    assert_eq!(
        (info["name"].as_str(), info["success"].as_bool()),
        (Some("Seeded Sam"), Some(true))
    );
    let (code, detail) = c
        .err("character.info", json!({"character_id": "nobody"}))
        .await;
    assert_eq!(
        (code, detail.as_str()),
        (404, "Character not found: nobody")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joining_again_lands_a_jump_under_way_and_its_move_is_answered() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start_with_hyperspace(world.path(), data.path(), 30.0);
    let (mut first, _) = joined(server.addr, "ada").await;
    let jump = json!({"id": "m1", "type": "rpc", "endpoint": "move", "payload": {"character_id": "ada", "to_sector": 1}});
    first.send_text(&jump.to_string()).await;
    assert_eq!(first.next_frame().await["event"], "movement.start");
    let (_, events) = joined(server.addr, "ada").await;
    assert!(!events.is_empty());
    let (events, reply) = first.until_reply("m1").await;
    assert_eq!(
        reply["result"],
        json!({"success": true}),
        "answered long before 90 s"
    );
    assert_eq!(named(&events, "movement.complete").len(), 1);
    // A reset answers a jump still under way rather than forgetting it.
    let jump = json!({"id": "m2", "type": "rpc", "endpoint": "move", "payload": {"character_id": "ada", "to_sector": 3}});
    first.send_text(&jump.to_string()).await;
    first.next_frame().await;
    let mut admin = Client::connect_to(server.addr, D2026).await;
    admin.ok("test.reset", json!({"clear_files": false})).await;
    let (_, reply) = first.until_reply("m2").await;
    assert_eq!(reply["error"]["status"], 409, "{reply}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_known_character_s_file_changed_while_the_server_runs_seeds_it_again() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let (c, _) = joined(server.addr, "ada").await;
    drop(c);
    let knowledge =
        json!({"current_sector": 3, "current_ship_id": "hull-9", "credits_in_bank": 12});
    let ships = json!({"hull-9": {"ship_type": "sparrow_scout", "state": {"credits": 4242}}});
    seed(world.path(), "ada", knowledge, Some(ships));
    let (mut c, events) = joined(server.addr, "ada").await;
    let snap = &named(&events, "status.snapshot")[0]["payload"];
    assert_eq!(snap["sector"]["id"], 3, "{snap}");
    assert_eq!(
        (
            snap["ship"]["ship_id"].as_str(),
            snap["ship"]["ship_type"].as_str()
        ),
        (Some("hull-9"), Some("sparrow_scout"))
    );
    assert_eq!(
        (
            snap["ship"]["credits"].as_i64(),
            snap["player"]["credits_in_bank"].as_i64()
        ),
        (Some(4242), Some(12))
    );
    // The server's own writes of that file are not news: the game's state stands.
    c.ok("move", json!({"character_id": "ada", "to_sector": 1}))
        .await;
    drop(c);
    let (_, events) = joined(server.addr, "ada").await;
    assert_eq!(
        named(&events, "status.snapshot")[0]["payload"]["sector"]["id"],
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ship_in_hyperspace_cannot_be_jumped_again_from_the_seed_s_dialect() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start_with_hyperspace(world.path(), data.path(), 30.0);
    let (mut ada, _) = joined(server.addr, "ada").await;
    let frame = json!({"id": "m", "type": "rpc", "endpoint": "move", "payload": {"character_id": "ada", "to_sector": 1}});
    ada.send_text(&frame.to_string()).await;
    assert_eq!(ada.next_frame().await["event"], "movement.start");
    let mut old = Client::connect(server.addr).await;
    old.ok("join", json!({"character_id": "ada"})).await;
    let (status, detail) = old
        .err("move", json!({"character_id": "ada", "to_sector": 3}))
        .await;
    assert_eq!(
        (status, detail.as_str()),
        (400, "Character is in hyperspace, cannot initiate new move")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_hyperspace_rules_the_seed_s_move_also_takes_its_time_and_answers_on_arrival() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    // A Kestrel's jump: 3 turns of 0.3 s.
    let server = start_with_hyperspace(world.path(), data.path(), 0.3);
    let (mut ada, _) = joined(server.addr, "ada").await;
    let mut bo = Client::connect(server.addr).await;
    bo.ok("join", json!({"character_id": "bo"})).await;
    let sent = std::time::Instant::now();
    let frame = json!({"id": "m", "type": "rpc", "endpoint": "move", "payload": {"character_id": "bo", "to_sector": 1}});
    bo.send_text(&frame.to_string()).await;
    // Those left behind see the ship go at once.
    let (_, gone) = ada.until_event("character.moved").await;
    assert_eq!(gone["payload"]["movement"], "depart", "{gone}");
    let (_, reply) = bo.until_reply("m").await;
    assert!(
        sent.elapsed() >= Duration::from_millis(800),
        "answered on arrival: {:?}",
        sent.elapsed()
    );
    assert_eq!(reply["ok"], true, "{reply}");
    assert_eq!(
        reply["result"]["sector"], 1,
        "the seed's status, from the destination"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_world_data_found_by_default_is_never_written_to() {
    use std::io::BufRead;
    // A directory holding a ./world-data, as a checkout does; bang is started there unnamed.
    let (cwd, world) = (tempfile::tempdir().unwrap(), world_copy());
    let found = cwd.path().join("world-data");
    std::fs::create_dir(&found).unwrap();
    for f in std::fs::read_dir(world.path()).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, found.join(f.file_name().unwrap())).unwrap();
    }
    let before: Vec<_> = std::fs::read_dir(&found)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let data = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_bang"))
        .current_dir(cwd.path())
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--dialect",
            "2026-01",
            "--data",
        ])
        .arg(data.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr: std::net::SocketAddr = line
        .trim()
        .trim_start_matches("bang listening on ws://")
        .trim_end_matches("/ws")
        .parse()
        .unwrap();
    let (mut ada, _) = joined(addr, "ada").await;
    ada.ok("move", json!({"character_id": "ada", "to_sector": 1}))
        .await;
    ada.ok("my_status", json!({"character_id": "ada"})).await;
    child.kill().unwrap();
    child.wait().unwrap();
    let after: Vec<_> = std::fs::read_dir(&found)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(after, before, "nothing written into ./world-data");
}
