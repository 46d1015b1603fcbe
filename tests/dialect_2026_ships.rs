//! Ships in the 2026-01 dialect over real sockets: `ship.purchase` with its trade-in, the old
//! ship left unowned in the sector (seen there by others, kept over a restart), and refusals.

mod common;

use common::named;
use common::v2026::{joined, seed, start, world_copy};
use serde_json::json;

fn rich(world: &std::path::Path, id: &str, credits: i64) {
    let knowledge = json!({"current_sector": 1, "current_ship_id": format!("{id}-ship")});
    let ships = json!({format!("{id}-ship"): {"ship_id": format!("{id}-ship"),
        "ship_type": "kestrel_courier", "sector": 1, "state": {"credits": credits}}});
    seed(world, id, knowledge, Some(ships));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_purchase_trades_in_the_ship_flown_and_leaves_it_unowned_where_it_was() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    rich(world.path(), "ada", 300_000);
    let (mut ada, _) = joined(server.addr, "ada").await;
    let buy = json!({"character_id": "ada", "ship_type": "atlas_hauler", "purchase_type": "personal",
            "ship_name": "Big Bertha"});
    let (events, reply) = ada.rpc("ship.purchase", buy).await;
    let result = &reply["result"];
    // A full Kestrel fetches its list price: hull 10,000 and 300 fighters at 50.
    assert_eq!(result["net_cost"], 235_000, "{reply}");
    assert_eq!(result["credits_after"], 65_000);
    assert_eq!(result["ship_type"], "atlas_hauler");
    let new_id = result["ship_id"].as_str().unwrap().to_string();
    assert_ne!(new_id, "ada-ship");
    let names: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["status.update", "ship.traded_in"]);
    let ship = &events[0]["payload"]["ship"];
    assert_eq!(
        (ship["ship_id"].as_str(), ship["credits"].as_i64()),
        (Some(new_id.as_str()), Some(65_000))
    );
    assert_eq!(
        (ship["cargo_capacity"].as_i64(), ship["fighters"].as_i64()),
        (Some(300), Some(500))
    );
    let traded = &events[1]["payload"];
    assert_eq!(traded["old_ship_id"], "ada-ship");
    assert_eq!(traded["new_ship_id"], new_id.as_str());
    assert_eq!(
        (traded["trade_in_value"].as_u64(), traded["price"].as_u64()),
        (Some(25_000), Some(260_000))
    );
    assert!(
        traded.get("source").is_none(),
        "that release names no request here"
    );

    rich(world.path(), "bo", 0);
    let (bo, events) = joined(server.addr, "bo").await;
    drop(bo);
    let sector = &named(&events, "status.snapshot")[0]["payload"]["sector"];
    assert_eq!(sector["id"], 1);
    assert_eq!(
        sector["unowned_ships"][0]["ship_id"], "ada-ship",
        "{sector}"
    );
    drop(ada);
    server.stop().unwrap();

    let server = start(world.path(), data.path());
    let (mut ada, events) = joined(server.addr, "ada").await;
    let snap = &named(&events, "status.snapshot")[0]["payload"];
    assert_eq!(
        snap["ship"]["ship_id"],
        new_id.as_str(),
        "the new ship outlives a restart"
    );
    assert_eq!(snap["ship"]["ship_type"], "atlas_hauler");
    let parked = &snap["sector"]["unowned_ships"];
    assert_eq!(parked.as_array().map(Vec::len), Some(1), "{parked}");
    assert_eq!(parked[0]["ship_id"], "ada-ship");
    assert_eq!(parked[0]["ship_type"], "kestrel_courier");
    assert_eq!(parked[0]["former_owner_name"], "Ada");
    // Back to a Kestrel: the Atlas trades in above its price, and nothing is paid back.
    let back = json!({"character_id": "ada", "ship_type": "kestrel_courier"});
    let (_, reply) = ada.rpc("ship.purchase", back).await;
    assert_eq!(
        (
            reply["result"]["net_cost"].as_u64(),
            reply["result"]["credits_after"].as_i64()
        ),
        (Some(0), Some(65_000)),
        "{reply}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purchases_that_cannot_be_made_are_refused_with_that_release_s_words() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    rich(world.path(), "ada", 20_000);
    let (mut ada, _) = joined(server.addr, "ada").await;
    let cases = [
        (
            json!({"ship_type": "atlas_hauler"}),
            400,
            "Insufficient credits (need 235,000)",
        ),
        (
            json!({"ship_type": "Atlas_Hauler"}),
            400,
            "Unknown ship type: Atlas_Hauler",
        ),
        (
            json!({"ship_type": "escape_pod"}),
            400,
            "Escape pods are not for sale",
        ),
        (
            json!({"ship_type": "autonomous_probe"}),
            400,
            "Autonomous ship types may only be purchased for corporations",
        ),
        (
            json!({"ship_type": "atlas_hauler", "purchase_type": "lease"}),
            400,
            "purchase_type must be 'personal' or 'corporation'",
        ),
        (
            json!({"ship_type": "atlas_hauler", "purchase_type": "corporation"}),
            400,
            "Not in a corporation",
        ),
        (
            json!({"ship_type": "sparrow_scout", "trade_in_ship_id": "other"}),
            400,
            "Trade-in ship must match your current ship",
        ),
        (
            json!({"ship_type": "sparrow_scout", "actor_character_id": "bo"}),
            400,
            "actor_character_id must match character_id for ship.purchase",
        ),
        (json!({}), 400, "Missing character_id or ship_type"),
    ];
    for (mut payload, status, detail) in cases {
        payload["character_id"] = json!("ada");
        let (got, text) = ada.err("ship.purchase", payload.clone()).await;
        assert_eq!((got, text.as_str()), (status, detail), "{payload}");
    }
    let (got, text) = ada
        .err(
            "ship.purchase",
            json!({"character_id": "ada", "ship_type": 7}),
        )
        .await;
    assert_eq!(got, 422);
    assert!(text.contains("ship_type"), "{text}");
    // Nothing changed: still the Kestrel, with every credit.
    let (events, _) = ada.rpc("my_status", json!({"character_id": "ada"})).await;
    let ship = &named(&events, "status.snapshot")[0]["payload"]["ship"];
    assert_eq!(
        (ship["ship_type"].as_str(), ship["credits"].as_i64()),
        (Some("kestrel_courier"), Some(20_000))
    );
}

fn read_json(path: std::path::PathBuf) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_world_directory_s_files_follow_the_game_before_each_reply() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    rich(world.path(), "ada", 300_000);
    let (mut ada, _) = joined(server.addr, "ada").await;
    ada.ok("move", json!({"character_id": "ada", "to_sector": 3}))
        .await;
    let knowledge = read_json(world.path().join("character-map-knowledge/ada.json"));
    assert_eq!(knowledge["current_sector"], 3, "{knowledge}");
    assert_eq!(knowledge["sectors_visited"]["3"]["sector_id"], 3);
    assert_eq!(
        knowledge["total_sectors_visited"], 2,
        "1 from the seed, then 3"
    );
    let buy = json!({"character_id": "ada", "ship_type": "atlas_hauler"});
    let (_, reply) = ada.rpc("ship.purchase", buy).await;
    let new_id = reply["result"]["ship_id"].as_str().unwrap().to_string();
    let ships = read_json(world.path().join("ships.json"));
    let new = &ships[&new_id];
    assert_eq!(
        (new["owner_type"].as_str(), new["owner_id"].as_str()),
        (Some("character"), Some("ada")),
        "{ships}"
    );
    assert_eq!(new["state"]["credits"], 65_000);
    assert_eq!(
        new["state"]["cargo"]["quantum_foam"], 0,
        "the world's commodity names"
    );
    let old = &ships["ada-ship"];
    assert_eq!(old["owner_type"], "unowned");
    assert_eq!(old["owner_id"], serde_json::Value::Null);
    assert_eq!(old["former_owner_name"], "Ada");
    assert_eq!(old["sector"], 3);
    let knowledge = read_json(world.path().join("character-map-knowledge/ada.json"));
    assert_eq!(knowledge["current_ship_id"], new_id.as_str());
    assert_eq!(knowledge["credits"], 65_000);
    // A rejoin finds the new ship.
    drop(ada);
    let (_, events) = joined(server.addr, "ada").await;
    let snap = &common::named(&events, "status.snapshot")[0]["payload"];
    assert_eq!(snap["ship"]["ship_id"], new_id.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ship_keeps_the_name_it_was_bought_with() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    rich(world.path(), "ada", 600_000);
    let (mut ada, _) = joined(server.addr, "ada").await;
    let buy =
        json!({"character_id": "ada", "ship_type": "atlas_hauler", "ship_name": "Big Bertha"});
    let (events, reply) = ada.rpc("ship.purchase", buy).await;
    assert_eq!(reply["ok"], true, "{reply}");
    assert_eq!(events[0]["payload"]["ship"]["ship_name"], "Big Bertha");
    let bertha_id = reply["result"]["ship_id"].as_str().unwrap().to_string();
    let ships = read_json(world.path().join("ships.json"));
    assert_eq!(ships[&bertha_id]["name"], "Big Bertha");
    let back = json!({"character_id": "ada", "ship_type": "kestrel_courier"});
    ada.ok("ship.purchase", back).await;
    let (events, _) = ada.rpc("my_status", json!({"character_id": "ada"})).await;
    let snap = &named(&events, "status.snapshot")[0]["payload"];
    assert_eq!(
        snap["ship"]["ship_name"], "Kestrel Courier",
        "unnamed: the hull's name"
    );
    let parked = snap["sector"]["unowned_ships"].as_array().unwrap();
    let bertha = parked
        .iter()
        .find(|s| s["ship_id"] == bertha_id.as_str())
        .expect("left behind");
    assert_eq!(
        bertha["name"], "Big Bertha",
        "a ship keeps its name when left"
    );
}
