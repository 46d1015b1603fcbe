//! The 2026-01 operator endpoints over real sockets: `character.create`, `character.modify` and
//! `character.delete`, the registry they keep (over a restart), and the admin token they need.

mod common;

use common::named;
use common::v2026::{D2026, joined, start, start_configured, world_copy};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_creates_renames_re_ships_and_deletes_a_character() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let mut op = common::Client::connect_to(server.addr, D2026).await;
    let made = op
        .ok(
            "character.create",
            json!({"name": "Dora", "player": {"credits": 5000},
            "ship": {"ship_type": "Sparrow_Scout", "current_fighters": 50}}),
        )
        .await;
    let id = made["character_id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 36, "a UUID-shaped id: {id}");
    assert_eq!(made["ship"]["ship_type"], "sparrow_scout");
    assert_eq!(made["player"], json!({"credits": 5000}));
    let (mut dora, events) = joined(server.addr, &id).await;
    let snap = &named(&events, "status.snapshot")[0]["payload"];
    assert_eq!(snap["player"]["name"], "Dora");
    assert_eq!(
        (
            snap["ship"]["ship_type"].as_str(),
            snap["ship"]["fighters"].as_i64()
        ),
        (Some("sparrow_scout"), Some(50))
    );
    assert_eq!(snap["ship"]["credits"], 5000);

    let change = json!({"character_id": id, "name": "Dora the Bold", "ship": {"ship_type": "wayfarer_freighter"}});
    let changed = op.ok("character.modify", change).await;
    assert_eq!(changed["name"], "Dora the Bold");
    let (events, _) = dora.rpc("my_status", json!({"character_id": id})).await;
    let snap = &named(&events, "status.snapshot")[0]["payload"];
    assert_eq!(snap["player"]["name"], "Dora the Bold");
    assert_eq!(snap["ship"]["ship_type"], "wayfarer_freighter");
    assert_eq!(snap["ship"]["credits"], 5000, "credits carry over");
    let parked = &snap["sector"]["unowned_ships"][0];
    assert_eq!(parked["ship_type"], "sparrow_scout", "{snap}");
    assert_eq!(parked["former_owner_name"], "Dora the Bold");
    drop(dora);
    let (got, _) = op
        .err(
            "character.modify",
            json!({"character_id": "nobody", "name": "X"}),
        )
        .await;
    assert_eq!(got, 404);

    // The registry outlives a restart: Dora is still registered, under her new name.
    drop(op);
    server.stop().unwrap();
    let server = start(world.path(), data.path());
    let mut op = common::Client::connect_to(server.addr, D2026).await;
    let info = op.ok("character.info", json!({"character_id": id})).await;
    assert_eq!(info["name"], "Dora the Bold");
    let gone = op.ok("character.delete", json!({"character_id": id})).await;
    assert_eq!(
        gone,
        json!({"success": true, "character_id": id, "deleted": true})
    );
    let mut c = common::Client::connect_to(server.addr, D2026).await;
    let (got, text) = c.err("join", json!({"character_id": id})).await;
    assert_eq!((got, text.as_str()), (404, "Character is not registered"));
    drop((op, c));
    server.stop().unwrap();
    let server = start(world.path(), data.path());
    let mut c = common::Client::connect_to(server.addr, D2026).await;
    let (got, _) = c.err("join", json!({"character_id": id})).await;
    assert_eq!(got, 404, "the deletion outlived a restart too");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_endpoints_need_the_admin_token_and_nothing_else_will_do() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start_configured(world.path(), data.path(), |s| {
        s.admin_token = Some("sesame".into());
    });
    let mut c = common::Client::connect_to(server.addr, D2026).await;
    for ask in [
        json!({"name": "Mallory"}),
        json!({"name": "Mallory", "admin_override": true}),
        json!({"name": "Mallory", "admin_password": "guess"}),
    ] {
        let (got, _) = c.err("character.create", ask.clone()).await;
        assert_eq!(got, 403, "{ask}");
    }
    let (got, _) = c
        .err(
            "character.delete",
            json!({"character_id": "ada", "admin_override": true}),
        )
        .await;
    assert_eq!(got, 403);
    let made = c
        .ok(
            "character.create",
            json!({"name": "Mallory", "admin_password": "sesame"}),
        )
        .await;
    assert_eq!(made["name"], "Mallory");
    let info = c.ok("character.info", json!({"character_id": "ada"})).await;
    assert_eq!(
        info["name"], "Ada",
        "character.info stays open, as in that release"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_character_that_cannot_be_made_is_refused_in_that_release_s_words() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let mut op = common::Client::connect_to(server.addr, D2026).await;
    op.ok("character.create", json!({"name": "Dora"})).await;
    for (ask, status, detail) in [
        (
            json!({"name": "dora"}),
            409,
            "Character name already exists",
        ),
        (json!({"name": "  "}), 400, "name is required"),
        (
            json!({"name": "Eve", "player": {"gold": 1}}),
            400,
            "Unsupported player field: gold",
        ),
        (
            json!({"name": "Eve", "ship": {"ship_type": "yacht"}}),
            400,
            "Invalid ship type: yacht",
        ),
        (
            json!({"name": "Eve", "ship": {"current_shields": "lots"}}),
            400,
            "current_shields must be an integer",
        ),
    ] {
        let (got, text) = op.err("character.create", ask.clone()).await;
        assert_eq!((got, text.as_str()), (status, detail), "{ask}");
    }
}
