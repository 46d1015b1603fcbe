//! `bang import`: a reference world-data directory moves into bang's store.

mod common;

use common::{Client, small_world_dir, start_server_in};
use serde_json::json;
use std::process::Command;

fn write(path: std::path::PathBuf, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// `bang import` of the reference `r` into the data directory `data`, on the small universe.
fn import(r: &std::path::Path, data: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_bang"))
        .args(["import", "--from"])
        .arg(r)
        .arg("--data")
        .arg(data)
        .arg("--world-data")
        .arg(small_world_dir())
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_reference_world_is_imported_and_served() {
    let reference = tempfile::tempdir().unwrap();
    let r = reference.path();
    write_reference(r);

    let data = tempfile::tempdir().unwrap();
    let out = import(r, data.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("imported 1 characters, 1 ports, 1 garrisons, 2 messages, 2 trades"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ghost.json")
            && stdout.contains("broken.json")
            && stdout.contains("esc.json: character_id may not contain U+001B")
            && stdout.contains("character ALICE looks like character alice")
            && stdout.contains("zz-zoe.json: character_id must be in Unicode normalization form C")
            && stdout.contains("trade_history.jsonl line 3: no character_id"),
        "skips are reported: {stdout}"
    );
    // A second import into the same data directory is refused.
    let again = import(r, data.path());
    assert!(!again.status.success());

    let server = start_server_in(data.path(), 20.0, bang::net::NetConfig::default());
    assert_trades_logged(data.path());
    let mut c = Client::connect(server.addr).await;
    let status = c.ok("join", json!({"character_id": "alice"})).await;
    assert_eq!(status["sector"], 1);
    assert_eq!(status["ship"]["ship_type"], "wayfarer_freighter");
    assert_eq!(status["ship"]["credits"], 4321);
    assert_eq!(
        status["ship"]["cargo"],
        json!({"fuel_ore": 12, "organics": 3, "equipment": 0})
    );
    assert_eq!(status["ship"]["fighters"], 600, "clamped to the hull");
    assert_eq!(
        status["sector_contents"]["port"]["last_seen_stock"],
        json!({"fuel_ore": 900, "organics": 300, "equipment": 100})
    );
    let map = c.ok("my_map", json!({"character_id": "alice"})).await;
    assert_eq!(map["first_visit"], "2025-09-28T12:00:00+00:00");
    c.ok("move", json!({"character_id": "alice", "to_sector": 3}))
        .await;
    let here = c.ok("my_status", json!({"character_id": "alice"})).await;
    let g = &here["sector_contents"]["garrisons"][0];
    assert_eq!(
        (
            g["fighters"].clone(),
            g["toll_balance"].clone(),
            g["is_friendly"].clone()
        ),
        (json!(40), json!(75), json!(true))
    );
    // Message ids continue after the imported history.
    assert_eq!(
        c.ok(
            "send_message",
            json!({"character_id": "alice", "type": "broadcast", "content": "back"})
        )
        .await["id"],
        3
    );
}

/// A small reference world: a character (with values to coerce and clamp), two knowledge
/// files to skip, a port, a toll garrison, a broadcast and a direct message, and a trade log
/// with a line that is not a trade.
fn write_reference(r: &std::path::Path) {
    write(r.join("character-map-knowledge/alice.json"), &json!({
        "character_id": "alice",
        "sectors_visited": {"1": {"sector_id": 1, "last_visited": "2025-09-28T12:01:00.000001+00:00", "port": null, "planets": [], "adjacent_sectors": [0, 3, 4]}},
        "total_sectors_visited": 1,
        "first_visit": "2025-09-28T12:00:00+00:00",
        "last_update": "2025-09-28T12:01:00.000001+00:00",
        "ship_config": {"ship_type": "wayfarer_freighter", "cargo": {"fuel_ore": 12, "organics": "3", "equipment": 0},
                        "current_warp_power": 700, "current_shields": 250, "current_fighters": 9999, "equipped_modules": []},
        "credits": 4321,
        "current_sector": 1
    }).to_string());
    // Never finished a join: skipped, as the reference skipped it at start-up.
    write(
        r.join("character-map-knowledge/ghost.json"),
        &json!({"character_id": "ghost", "current_sector": null}).to_string(),
    );
    write(r.join("character-map-knowledge/broken.json"), "{not json");
    // A name that would rewrite others' terminals: skipped, with the reason.
    write(
        r.join("character-map-knowledge/esc.json"),
        &json!({"character_id": "\u{1b}[2Jevil", "current_sector": 1}).to_string(),
    );
    // One that passes for alice, and one spelt in decomposed form: skipped too.
    write(
        r.join("character-map-knowledge/zz-alice.json"),
        &json!({"character_id": "ALICE", "current_sector": 1}).to_string(),
    );
    write(
        r.join("character-map-knowledge/zz-zoe.json"),
        &json!({"character_id": "Zoe\u{301}", "current_sector": 1}).to_string(),
    );
    write(r.join("port-states/sector_1.json"), &json!({"sector_id": 1, "port_class": 1, "code": "BBS",
        "stock": {"FO": 900, "OG": 300, "EQ": 100}, "max_capacity": {"FO": 1000, "OG": 1000, "EQ": 1000},
        "last_updated": "2025-09-28T12:00:00+00:00"}).to_string());
    write(r.join("sector_garrisons.json"), &json!({"meta": {"version": 1}, "sectors": [{"sector": 3, "garrisons": [
        {"owner_id": "alice", "fighters": 40, "mode": "toll", "toll_amount": 25, "toll_balance": 75, "deployed_at": "2025-09-28T12:00:00+00:00"}]}]}).to_string());
    write(
        r.join("messages/broadcast.jsonl"),
        "{\"id\": 1, \"timestamp\": \"2025-09-28T12:00:00+00:00\", \"type\": \"broadcast\", \"from_character_id\": \"alice\", \"from_name\": \"alice\", \"content\": \"hi\"}\n",
    );
    write(
        r.join("messages/inbox/bob.jsonl"),
        "{\"id\": 2, \"timestamp\": \"2025-09-28T12:00:01+00:00\", \"type\": \"direct\", \"from_character_id\": \"alice\", \"from_name\": \"alice\", \"content\": \"psst\", \"to_name\": \"bob\"}\n",
    );
    // The trade log: a trade, a warp-power purchase, and a line that is not one.
    write(
        r.join("trade_history.jsonl"),
        &[
            json!({"timestamp": "2025-09-28T12:01:30.500000+00:00", "character_id": "alice", "sector": 1,
                "trade_type": "buy", "commodity": "equipment", "quantity": 10, "price_per_unit": 38,
                "total_price": 380, "credits_after": 620}).to_string(),
            json!({"timestamp": "2025-09-28T12:02:00+00:00", "character_id": "alice", "sector": 0,
                "trade_type": "buy", "commodity": "warp_power", "quantity": 50, "price_per_unit": 2,
                "total_price": 100, "credits_after": 520}).to_string(),
            "{\"timestamp\": \"2025-09-28T12:03:00+00:00\"}".to_string(),
        ]
        .join("\n"),
    );
}

/// The trade log is in the action log, as bang itself would have logged those actions.
fn assert_trades_logged(data: &std::path::Path) {
    let day = std::fs::read_to_string(data.join("action-log/2025-09-28.jsonl")).unwrap();
    let entries: Vec<serde_json::Value> = day
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 2, "{day}");
    assert_eq!(entries[0]["event_type"], "trade.executed");
    assert_eq!(entries[0]["actor_id"], "alice");
    assert_eq!(entries[0]["timestamp"], "2025-09-28T12:01:30.500000Z");
    assert_eq!(
        entries[0]["data"],
        json!({"sector": 1, "commodity": "equipment", "quantity": 10, "trade_type": "buy",
            "price_per_unit": 38, "total_price": 380, "credits_after": 620})
    );
    assert_eq!(entries[1]["event_type"], "warp.purchased");
    assert_eq!(
        entries[1]["data"],
        json!({"sector": 0, "units": 50, "price_per_unit": 2, "total_cost": 100})
    );
    assert!(entries[1]["seq"].as_i64() > entries[0]["seq"].as_i64());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2026_world_directory_is_imported_with_its_ships_banks_and_registry() {
    use common::v2026::{joined, seed, start, world_copy};
    let from = world_copy();
    let knowledge = json!({"character_id": "seeded", "current_sector": 3, "current_ship_id": "hull-7",
        "credits_in_bank": 250, "sectors_visited": {"3": {"adjacent_sectors": [1, 4, 7]}}});
    let ships = json!({
        "hull-7": {"ship_type": "sparrow_scout", "sector": 3, "owner_type": "character",
            "state": {"fighters": 40, "credits": 777, "cargo": {"quantum_foam": 4}}},
        "wreck-1": {"ship_type": "kestrel_courier", "sector": 1, "owner_type": "unowned",
            "former_owner_name": "Old Timer", "state": {"fighters": 10}},
    });
    seed(from.path(), "seeded", knowledge, Some(ships));
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_bang"))
        .args(["import", "--from"])
        .arg(from.path())
        .arg("--data")
        .arg(data.path())
        .arg("--world-data")
        .arg(from.path())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("imported 1 characters"), "{said}");
    assert!(
        said.contains("4 registered characters, 1 unowned ships"),
        "{said}"
    );

    // Served from a directory without those files: everything comes from the store.
    let bare = world_copy();
    let server = start(bare.path(), data.path());
    let (_, events) = joined(server.addr, "seeded").await;
    let snap = &common::named(&events, "status.snapshot")[0]["payload"];
    assert_eq!(snap["player"]["name"], "Seeded Sam", "{snap}");
    assert_eq!(snap["player"]["credits_in_bank"], 250);
    let ship = &snap["ship"];
    assert_eq!(
        (ship["ship_id"].as_str(), ship["ship_type"].as_str()),
        (Some("hull-7"), Some("sparrow_scout"))
    );
    assert_eq!(
        (ship["credits"].as_i64(), ship["fighters"].as_i64()),
        (Some(777), Some(40))
    );
    assert_eq!(ship["cargo"]["quantum_foam"], 4);
    let (mut c, _) = joined(server.addr, "ada").await;
    c.ok("move", json!({"character_id": "ada", "to_sector": 1}))
        .await;
    let (events, _) = c.rpc("my_status", json!({"character_id": "ada"})).await;
    let wreck =
        &common::named(&events, "status.snapshot")[0]["payload"]["sector"]["unowned_ships"][0];
    assert_eq!(
        (
            wreck["ship_id"].as_str(),
            wreck["former_owner_name"].as_str()
        ),
        (Some("wreck-1"), Some("Old Timer"))
    );
}
