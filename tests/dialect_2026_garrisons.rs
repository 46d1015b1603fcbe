//! Garrisons and `combat.initiate` in the 2026-01 dialect over real sockets: acknowledgements,
//! `garrison.*` to the owner, `sector.update` to the sector, that release's refusals.

mod common;

use common::named;
use common::v2026::{joined, start, world_copy};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_garrison_is_deployed_re_moded_and_collected_as_that_release_tells_it() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let (mut ada, _) = joined(server.addr, "ada").await;
    let (mut bo, _) = joined(server.addr, "bo").await;
    let leave = json!({"character_id": "ada", "sector": 0, "quantity": 20, "mode": "defensive"});
    let (events, reply) = ada.rpc("combat.leave_fighters", leave).await;
    assert_eq!(reply["result"], json!({"success": true}), "{reply}");
    let deployed = &named(&events, "garrison.deployed")[0]["payload"];
    assert_eq!(deployed["sector"], json!({"id": 0}));
    assert_eq!(deployed["garrison"]["fighters"], 20);
    assert_eq!(deployed["garrison"]["mode"], "defensive");
    assert_eq!(deployed["garrison"]["is_friendly"], true);
    assert_eq!(deployed["garrison"]["owner_name"], "Ada");
    assert_eq!(deployed["fighters_remaining"], 280);
    assert_eq!(deployed["source"]["method"], "combat.leave_fighters");
    assert!(
        named(&events, "sector.garrison_updated").is_empty(),
        "gone in that release"
    );
    let mine = &named(&events, "sector.update")[0]["payload"];
    assert_eq!(mine["garrison"]["is_friendly"], true);
    // Bo, in the same sector, is told the sector as Bo sees it.
    let (_, theirs) = bo.until_event("sector.update").await;
    assert_eq!(
        theirs["payload"]["garrison"]["is_friendly"], false,
        "{theirs}"
    );
    let (status, detail) = bo
        .err(
            "combat.leave_fighters",
            json!({"character_id": "bo", "sector": 0, "quantity": 5}),
        )
        .await;
    assert_eq!(status, 409);
    assert!(detail.contains("another player's garrison"), "{detail}");

    let toll = json!({"character_id": "ada", "sector": 0, "mode": "toll", "toll_amount": 30});
    let (events, reply) = ada.rpc("combat.set_garrison_mode", toll).await;
    assert_eq!(reply["result"], json!({"success": true}));
    let changed = &named(&events, "garrison.mode_changed")[0]["payload"]["garrison"];
    assert_eq!(
        (changed["mode"].as_str(), changed["toll_amount"].as_i64()),
        (Some("toll"), Some(30))
    );

    let take = json!({"character_id": "ada", "sector": 0, "quantity": 20});
    let (events, reply) = ada.rpc("combat.collect_fighters", take).await;
    assert_eq!(reply["result"], json!({"success": true}));
    let collected = &named(&events, "garrison.collected")[0]["payload"];
    assert_eq!(collected["fighters_on_ship"], 300);
    assert_eq!(collected["credits_collected"], 0);
    assert_eq!(
        collected["garrison"],
        serde_json::Value::Null,
        "all aboard: no garrison left"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn combat_initiate_answers_with_the_fight_s_id() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let (mut ada, _) = joined(server.addr, "ada").await;
    let (status, detail) = ada
        .err("combat.initiate", json!({"character_id": "ada"}))
        .await;
    assert_eq!(status, 409, "{detail}");
    let (_bo, _) = joined(server.addr, "bo").await;
    let (_, reply) = ada
        .rpc("combat.initiate", json!({"character_id": "ada"}))
        .await;
    let result = &reply["result"];
    assert_eq!(result["success"], true, "{reply}");
    let id = result["combat_id"].as_str().unwrap();
    assert!(!id.is_empty());
    assert_eq!(result.as_object().unwrap().len(), 2, "{result}");
}
