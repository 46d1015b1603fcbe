//! The 2026-01 dialect's maps over real sockets: map regions, known ports and paths, each built
//! from what the character has visited.

mod common;

use common::named;
use common::v2026::{joined, start, world_copy};

use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_map_region_is_what_the_character_has_visited_around_a_visited_sector() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let (mut c, _) = joined(server.addr, "ada").await;
    c.ok("move", json!({"character_id": "ada", "to_sector": 1}))
        .await;
    let ask = json!({"character_id": "ada", "center_sector": 0, "max_hops": 2, "source": "nav"});
    let (events, reply) = c.rpc("local_map_region", ask).await;
    assert_eq!(reply["result"], json!({"success": true}));
    let map = &named(&events, "map.region")[0]["payload"];
    assert_eq!(map["center_sector"], 0);
    assert_eq!(map["source"]["method"], "nav");
    assert_eq!(map["total_visited"], 2, "{map}");
    let ids: Vec<u64> = map["sectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_u64().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "sorted by id");
    let one = map["sectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == 1)
        .unwrap();
    assert_eq!(
        (one["visited"].as_bool(), one["hops_from_center"].as_u64()),
        (Some(true), Some(1))
    );
    let (events, reply) = c
        .rpc(
            "local_map_region",
            json!({"character_id": "ada", "center_sector": 7}),
        )
        .await;
    assert_eq!(
        reply["error"]["detail"],
        "Center sector 7 must be a visited sector"
    );
    assert_eq!(named(&events, "error").len(), 1);
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn known_ports_come_from_what_was_visited() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let (mut c, _) = joined(server.addr, "ada").await;
    c.ok("move", json!({"character_id": "ada", "to_sector": 1}))
        .await;
    let (events, reply) = c
        .rpc(
            "list_known_ports",
            json!({"character_id": "ada", "max_hops": 10}),
        )
        .await;
    assert_eq!(reply["result"], json!({"success": true}), "{reply}");
    let listed = &named(&events, "ports.list")[0]["payload"];
    assert_eq!(listed["from_sector"], 1);
    assert_eq!(
        listed["searched_sectors"], 2,
        "sectors 1 and 0, both visited"
    );
    let ports = listed["ports"].as_array().unwrap();
    assert_eq!(listed["total_ports_found"], ports.len());
    let here = ports
        .iter()
        .find(|p| p["sector"]["id"] == 1)
        .expect("sector 1's port");
    assert_eq!(here["hops_from_start"], 0);
    assert_eq!(
        here["sector"]["port"]["observed_at"],
        serde_json::Value::Null,
        "seen now"
    );
    assert!(
        here["sector"]["port"]["prices"]
            .get("quantum_foam")
            .is_some(),
        "{here}"
    );
    let code = here["sector"]["port"]["code"].as_str().unwrap().to_string();
    // A filter that excludes it, and one that keeps it.
    let other = json!({"character_id": "ada", "port_type": "ZZZ"});
    let (events, _) = c.rpc("list_known_ports", other).await;
    assert_eq!(
        named(&events, "ports.list")[0]["payload"]["total_ports_found"],
        0
    );
    let same = json!({"character_id": "ada", "port_type": code});
    let (events, _) = c.rpc("list_known_ports", same).await;
    assert!(named(&events, "ports.list")[0]["payload"]["total_ports_found"].as_u64() >= Some(1));
    for (bad, detail) in [
        (
            json!({"max_hops": 11}),
            "max_hops must be an integer between 0 and 10",
        ),
        (
            json!({"from_sector": 9}),
            "Starting sector 9 must be a visited sector",
        ),
        (
            json!({"trade_type": "buy"}),
            "commodity required when trade_type is specified",
        ),
        (
            json!({"commodity": "quantum_foam"}),
            "trade_type required when commodity is specified",
        ),
        (
            json!({"commodity": "gold", "trade_type": "buy"}),
            "Unknown commodity: gold",
        ),
    ] {
        let mut ask = bad.clone();
        ask["character_id"] = json!("ada");
        let (status, text) = c.err("list_known_ports", ask).await;
        assert_eq!((status, text.as_str()), (400, detail), "{bad}");
    }
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_comes_with_the_visited_sectors_around_it() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let (mut c, _) = joined(server.addr, "ada").await;
    c.ok("move", json!({"character_id": "ada", "to_sector": 1}))
        .await;
    let ask = json!({"character_id": "ada", "to_sector": 5, "region_hops": 1});
    let (events, reply) = c.rpc("path_with_region", ask).await;
    assert_eq!(reply["result"], json!({"success": true}), "{reply}");
    let region = &named(&events, "path.region")[0]["payload"];
    let path: Vec<u64> = region["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(
        (path.first(), path.last()),
        (Some(&1), Some(&5)),
        "{region}"
    );
    assert_eq!(region["distance"], path.len() - 1);
    let sectors = region["sectors"].as_array().unwrap();
    let start = sectors.iter().find(|s| s["sector_id"] == 1).unwrap();
    assert_eq!(
        (start["on_path"].as_bool(), start["visited"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(start["id"], 1, "a visited sector carries its contents");
    let end = sectors.iter().find(|s| s["sector_id"] == 5).unwrap();
    assert_eq!(end["visited"], false);
    assert_eq!(end["seen_from"], json!([]));
    assert_eq!(
        region["known_sectors"].as_u64().unwrap() + region["unknown_sectors"].as_u64().unwrap(),
        sectors.len() as u64
    );
    let (status, text) = c
        .err(
            "path_with_region",
            json!({"character_id": "ada", "to_sector": 999}),
        )
        .await;
    assert_eq!((status, text.as_str()), (400, "Invalid to_sector: 999"));
}
