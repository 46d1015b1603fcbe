//! The event history and `event.query` in the 2026-01 dialect over real sockets: a player finds
//! what it sent and received and nothing of others', an operator finds everyone's, the history
//! survives a restart, and bad queries are refused naming the field.

mod common;

use common::Backing;
use common::v2026::{joined, start, start_on, world_copy};
use serde_json::{Value, json};

fn now() -> String {
    bang_components::time::GameClock::System.now().to_wire()
}

fn events_named<'a>(result: &'a Value, name: &str) -> Vec<&'a Value> {
    result["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == name)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_player_finds_its_own_events_and_an_operator_everyone_s_on_sqlite() {
    own_events_and_everyone_s(&Backing::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_player_finds_its_own_events_and_an_operator_everyone_s_on_postgresql() {
    own_events_and_everyone_s(&Backing::postgres()).await;
}

async fn own_events_and_everyone_s(backing: &Backing) {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start_on(world.path(), data.path(), backing);
    let start_at = now();
    let (mut ada, _) = joined(server.addr, "ada").await;
    let (mut bo, _) = joined(server.addr, "bo").await;
    ada.ok("my_status", json!({"character_id": "ada"})).await;
    bo.ok("my_status", json!({"character_id": "bo"})).await;
    let window = json!({"character_id": "ada", "start": start_at, "end": now()});
    let (events, reply) = ada.rpc("event.query", window.clone()).await;
    let mine = &reply["result"];

    assert_eq!(mine["success"], true, "{reply}");
    assert_eq!(mine["count"], mine["events"].as_array().unwrap().len());
    let snapshots = events_named(mine, "status.snapshot");
    assert!(!snapshots.is_empty(), "{mine}");
    for e in mine["events"].as_array().unwrap() {
        assert!(
            e["sender"] == "ada" || e["receiver"] == "ada",
            "not ada's: {e}"
        );
    }
    let received = snapshots
        .iter()
        .find(|e| e["direction"] == "received")
        .unwrap();
    assert_eq!(received["payload"]["player"]["id"], "ada");
    assert_eq!(received["sector"], 0);
    assert_eq!(
        events[0]["event"], "event.query",
        "the answer also comes as an event"
    );

    let mut all = window.clone();
    all["character_id"] = json!("bo");
    all["admin_password"] = json!("");
    let everyone = bo.ok("event.query", all).await;
    let senders: std::collections::BTreeSet<&str> = everyone["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["sender"].as_str())
        .collect();
    assert!(
        senders.contains("ada") && senders.contains("bo"),
        "{senders:?}"
    );
    let (_, again) = ada.rpc("event.query", window.clone()).await;
    assert!(
        events_named(&again["result"], "event.query").is_empty(),
        "event.query's own answers are not kept"
    );
    drop((ada, bo));
    server.stop().unwrap();
    let server = start_on(world.path(), data.path(), backing);
    let (mut ada, _) = joined(server.addr, "ada").await;
    let kept = ada.ok("event.query", window).await;
    assert!(
        !events_named(&kept, "status.snapshot").is_empty(),
        "kept across a restart"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_queries_are_refused_naming_the_field() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let (mut ada, _) = joined(server.addr, "ada").await;
    let base = json!({"character_id": "ada", "start": now(), "end": now()});
    let cases = [
        (json!({"start": null}), 400, "Missing start"),
        (json!({"end": "yesterday"}), 400, "Invalid end format"),
        (
            json!({"max_rows": 2000}),
            400,
            "max_rows cannot exceed 1024",
        ),
        (json!({"max_rows": 0}), 400, "max_rows must be positive"),
        (json!({"sort_direction": "sideways"}), 400, "sort_direction"),
        (json!({"event_scope": "galaxy"}), 400, "event_scope"),
        (json!({"corporation_id": "c1"}), 403, "corporation"),
        (
            json!({"start": "2030-01-01T00:00:00+00:00"}),
            400,
            "start must be before end",
        ),
    ];
    for (change, status, detail) in cases {
        let mut payload = base.clone();
        for (k, v) in change.as_object().unwrap() {
            payload[k] = v.clone();
        }
        let (got, text) = ada.err("event.query", payload).await;
        assert_eq!(got, status, "{change}: {text}");
        assert!(text.contains(detail), "{change}: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_observer_finds_a_departure_under_the_sector_it_was_seen_in() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let start_at = now();
    let (mut ada, _) = joined(server.addr, "ada").await;
    let (mut bo, _) = joined(server.addr, "bo").await;
    ada.ok("move", json!({"character_id": "ada", "to_sector": 1}))
        .await;
    let (_, seen) = bo.until_event("character.moved").await;
    assert_eq!(seen["payload"]["movement"], "depart", "{seen}");
    let query = json!({"character_id": "bo", "sector": 0, "start": start_at, "end": now()});
    let found = bo.ok("event.query", query).await;
    let moves = events_named(&found, "character.moved");
    assert!(
        moves
            .iter()
            .any(|e| e["receiver"] == "bo" && e["sector"] == 0),
        "the departure is kept under sector 0, where bo saw it: {found}"
    );
    let elsewhere = json!({"character_id": "bo", "sector": 1, "start": start_at, "end": now()});
    let found = bo.ok("event.query", elsewhere).await;
    assert!(
        events_named(&found, "character.moved").is_empty(),
        "{found}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fight_is_kept_once_in_each_dialect_s_shape_for_those_who_heard_it_so() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let start_at = now();
    let (mut ada, _) = joined(server.addr, "ada").await;
    let mut cy = common::Client::connect_to(server.addr, "/ws?dialect=2025-10").await;
    let (_, reply) = cy.rpc("join", json!({"character_id": "cy"})).await;
    assert_eq!(reply["ok"], true, "{reply}");
    ada.ok("combat.initiate", json!({"character_id": "ada"}))
        .await;
    let window = |who: &str| json!({"character_id": who, "start": start_at, "end": now()});
    let mine = ada.ok("event.query", window("ada")).await;
    assert!(
        !events_named(&mine, "combat.round_waiting").is_empty(),
        "ada's own telling of the fight is kept: {mine}"
    );
    assert!(
        events_named(&mine, "combat.started").is_empty(),
        "the seed's telling, which ada never heard, is not in ada's history: {mine}"
    );
    let mut everyone = window("ada");
    everyone["admin_password"] = json!("");
    everyone["character_id"] = json!("ada");
    let all = ada.ok("event.query", everyone).await;
    let started = events_named(&all, "combat.started");
    assert!(
        started.iter().any(|e| e["receiver"] == "cy"),
        "cy heard combat.started in its own dialect, and it is kept for cy: {all}"
    );
    assert!(started.iter().all(|e| e["receiver"] != "ada"), "{all}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_world_directory_mirrors_the_history_and_a_test_reset_empties_both() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let start_at = now();
    let (mut ada, _) = joined(server.addr, "ada").await;
    ada.ok("my_status", json!({"character_id": "ada"})).await;
    let log = world.path().join("event-log.jsonl");
    let text = std::fs::read_to_string(&log).expect("the mirror writes event-log.jsonl");
    let records: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        records.iter().any(|r| r["event"] == "status.snapshot"
            && r["direction"] == "received"
            && r["receiver"] == "ada"
            && r["payload"]["player"]["id"] == "ada"),
        "{text}"
    );
    ada.ok("test.reset", json!({})).await;
    let after = std::fs::read_to_string(&log).unwrap();
    assert!(
        !after.contains("status.snapshot"),
        "the reset emptied the log: {after}"
    );
    let (mut ada, _) = joined(server.addr, "ada").await;
    let window = json!({"character_id": "ada", "start": start_at, "end": now()});
    let found = ada.ok("event.query", window).await;
    let snapshots = events_named(&found, "status.snapshot");
    assert_eq!(
        snapshots.len(),
        2,
        "only the rejoin's snapshot, sent and received, is left: {found}"
    );
}
