//! The 2026-01 dialect's money and cargo endpoints over real sockets: trade, warp power,
//! credits, the bank, fighters, dumped cargo and salvage, each told as that release tells it.

mod common;

use common::named;
use common::v2026::{joined, seed, start, world_copy};
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trade_is_told_as_events_with_the_world_s_commodity_names() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let (mut c, _) = joined(server.addr, "ada").await;
    c.ok("move", json!({"character_id": "ada", "to_sector": 1}))
        .await;
    let buy = json!({"character_id": "ada", "commodity": "neuro_symbolics", "quantity": 5, "trade_type": "buy"});
    let (events, reply) = c.rpc("trade", buy).await;
    assert_eq!(reply["result"], json!({"success": true}), "{reply}");
    let names: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["trade.executed", "status.update", "port.update"]);
    let trade = &events[0]["payload"]["trade"];
    assert_eq!(trade["units"], 5);
    assert_eq!(trade["new_cargo"]["neuro_symbolics"], 5);
    assert_eq!(events[0]["payload"]["source"]["method"], "trade");
    assert!(
        events[1]["payload"].get("source").is_none(),
        "status.update names no request"
    );
    assert_eq!(events[2]["payload"]["sector"]["id"], 1);
    let (status, detail) = c
        .err("trade", json!({"character_id": "ada", "commodity": "fuel_ore", "quantity": 1, "trade_type": "buy"}))
        .await;
    assert_eq!(
        (status, detail.as_str()),
        (400, "Invalid commodity: fuel_ore")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warp_power_is_bought_at_the_depot_and_given_by_display_name() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let (mut ada, _) = joined(server.addr, "ada").await;
    let (mut bo, _) = joined(server.addr, "bo").await;
    for to in [1, 0] {
        bo.ok("move", json!({"character_id": "bo", "to_sector": to}))
            .await;
        ada.ok("move", json!({"character_id": "ada", "to_sector": to}))
            .await;
    }
    let (events, reply) = ada
        .rpc(
            "recharge_warp_power",
            json!({"character_id": "ada", "units": 10}),
        )
        .await;
    assert_eq!(reply["result"], json!({"success": true}), "{reply}");
    let bought = &named(&events, "warp.purchase")[0]["payload"];
    assert_eq!(bought["units"], 6, "only the room in the tank");
    assert_eq!(bought["sector"], json!({"id": 0}));
    assert_eq!(bought["new_warp_power"], bought["warp_power_capacity"]);
    let (events, reply) = ada
        .rpc(
            "recharge_warp_power",
            json!({"character_id": "ada", "units": 1}),
        )
        .await;
    assert_eq!(reply["error"]["detail"], "Warp power is already at maximum");
    assert_eq!(
        named(&events, "error").len(),
        1,
        "the refusal is told as an event too"
    );
    let give = json!({"from_character_id": "ada", "to_player_name": "bo", "units": 4});
    let (events, reply) = ada.rpc("transfer_warp_power", give).await;
    assert_eq!(reply["result"], json!({"success": true}), "{reply}");
    let sent = &named(&events, "warp.transfer")[0]["payload"];
    assert_eq!(sent["transfer_direction"], "sent");
    assert_eq!(sent["transfer_details"], json!({"warp_power": 4}));
    assert_eq!(sent["to"]["name"], "Bo");
    let got = bo.drain(Duration::from_millis(200)).await;
    assert_eq!(
        named(&got, "warp.transfer")[0]["payload"]["transfer_direction"],
        "received"
    );
    let give = json!({"from_character_id": "ada", "to_player_name": "Nobody", "units": 1});
    let (status, detail) = ada.err("transfer_warp_power", give).await;
    assert_eq!(
        (status, detail.as_str()),
        (404, "No player named 'Nobody' in your sector")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credits_are_given_by_display_name_and_refused_beyond_the_balance() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let (mut ada, _) = joined(server.addr, "ada").await;
    let (mut bo, _) = joined(server.addr, "bo").await;
    let give = json!({"from_character_id": "ada", "to_player_name": "BO", "amount": 250});
    let (events, reply) = ada.rpc("transfer_credits", give).await;
    assert_eq!(reply["result"], json!({"success": true}), "{reply}");
    let sent = &named(&events, "credits.transfer")[0]["payload"];
    assert_eq!(sent["transfer_details"], json!({"credits": 250}));
    assert!(sent.get("amount").is_none());
    let mine = &named(&events, "status.update")[0]["payload"];
    assert_eq!(mine["ship"]["credits"], 1000 - 250);
    let got = bo.drain(Duration::from_millis(200)).await;
    assert_eq!(
        named(&got, "status.update")[0]["payload"]["ship"]["credits"],
        1250
    );
    let much = json!({"from_character_id": "ada", "to_player_name": "Bo", "amount": 5000});
    let (events, reply) = ada.rpc("transfer_credits", much).await;
    assert_eq!(
        reply["error"]["detail"],
        "Insufficient credits. ada only has 750"
    );
    assert_eq!(named(&events, "error").len(), 1);
    let zero = json!({"from_character_id": "ada", "to_player_name": "Bo", "amount": -3});
    let (status, detail) = ada.err("transfer_credits", zero).await;
    assert_eq!(
        (status, detail.as_str()),
        (400, "Amount must be a positive integer")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credits_go_into_the_bank_anywhere_and_come_out_at_sector_zero() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let (mut ada, _) = joined(server.addr, "ada").await;
    ada.ok("move", json!({"character_id": "ada", "to_sector": 1}))
        .await;
    let put = json!({"direction": "deposit", "amount": 400, "character_id": "ada", "target_player_name": "ada"});
    let (events, reply) = ada.rpc("bank_transfer", put).await;
    assert_eq!(reply["result"]["credits_in_bank_after"], 400, "{reply}");
    assert_eq!(reply["result"]["ship_credits_after"], 600);
    let tx = &named(&events, "bank.transaction")[0]["payload"];
    assert_eq!(
        (tx["direction"].as_str(), tx["amount"].as_i64()),
        (Some("deposit"), Some(400))
    );
    let status = &named(&events, "status.update")[0]["payload"];
    assert_eq!(status["player"]["credits_in_bank"], 400);
    let take = json!({"direction": "withdraw", "amount": 100, "character_id": "ada"});
    let (code, detail) = ada.err("bank_transfer", take.clone()).await;
    assert_eq!(
        (code, detail.as_str()),
        (400, "Banking operations are only available in sector 0")
    );
    ada.ok("move", json!({"character_id": "ada", "to_sector": 0}))
        .await;
    assert_eq!(
        ada.ok("bank_transfer", take).await,
        json!({"success": true})
    );
    let (events, _) = ada.rpc("my_status", json!({"character_id": "ada"})).await;
    let snap = &named(&events, "status.snapshot")[0]["payload"];
    assert_eq!(
        (
            snap["player"]["credits_in_bank"].as_i64(),
            snap["ship"]["credits"].as_i64()
        ),
        (Some(300), Some(700))
    );
    let bad = json!({"direction": "sideways", "amount": 1, "character_id": "ada"});
    let (code, detail) = ada.err("bank_transfer", bad).await;
    assert_eq!(
        (code, detail.as_str()),
        (400, "direction must be 'deposit' or 'withdraw'")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fighters_are_bought_at_the_armory_up_to_the_hull_s_capacity() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let knowledge = json!({"current_sector": 0, "current_ship_id": "ada-ship"});
    let ships = json!({"ada-ship": {"ship_type": "kestrel_courier", "state": {"fighters": 290, "credits": 10000}}});
    seed(world.path(), "ada", knowledge, Some(ships));
    let server = start(world.path(), data.path());
    let (mut c, _) = joined(server.addr, "ada").await;
    let (events, reply) = c
        .rpc(
            "purchase_fighters",
            json!({"character_id": "ada", "units": 25}),
        )
        .await;
    assert_eq!(reply["result"], json!({"success": true}), "{reply}");
    let bought = &named(&events, "fighter.purchase")[0]["payload"];
    assert_eq!(bought["units"], 10, "only what the hull holds");
    assert_eq!(
        (
            bought["total_cost"].as_i64(),
            bought["credits_after"].as_i64()
        ),
        (Some(500), Some(9500))
    );
    assert_eq!(bought["fighters_after"], bought["max_fighters"]);
    let (events, reply) = c
        .rpc(
            "purchase_fighters",
            json!({"character_id": "ada", "units": 1}),
        )
        .await;
    assert_eq!(
        reply["error"]["detail"],
        "Fighter capacity is already at maximum"
    );
    assert_eq!(named(&events, "error").len(), 1);
    c.ok("move", json!({"character_id": "ada", "to_sector": 1}))
        .await;
    let (code, detail) = c
        .err(
            "purchase_fighters",
            json!({"character_id": "ada", "units": 1}),
        )
        .await;
    assert_eq!(code, 400);
    assert_eq!(
        detail,
        "Fighter armory is only available in sector 0. You are in sector 1"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dumped_cargo_becomes_salvage_that_everyone_there_sees() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start(world.path(), data.path());
    let (mut ada, _) = joined(server.addr, "ada").await;
    ada.ok("move", json!({"character_id": "ada", "to_sector": 1}))
        .await;
    let buy = json!({"character_id": "ada", "commodity": "neuro_symbolics", "quantity": 5, "trade_type": "buy"});
    ada.ok("trade", buy).await;
    let (mut bo, _) = joined(server.addr, "bo").await;
    bo.ok("move", json!({"character_id": "bo", "to_sector": 1}))
        .await;
    let arrived = ada.drain(Duration::from_millis(200)).await;
    assert_eq!(
        named(&arrived, "character.moved").len(),
        1,
        "ada saw bo arrive"
    );
    let dump = json!({"character_id": "ada", "items": [{"commodity": "neuro_symbolics", "units": 3}, {"commodity": "quantum_foam", "units": 2}]});
    let (events, reply) = ada.rpc("dump_cargo", dump).await;
    assert_eq!(reply["result"], json!({"success": true}), "{reply}");
    let names: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    assert_eq!(names, ["salvage.created", "status.update", "sector.update"]);
    let created = &events[0]["payload"];
    assert_eq!(created["action"], "dumped");
    assert_eq!(
        created["salvage_details"]["cargo"],
        json!({"neuro_symbolics": 3}),
        "only what was held"
    );
    assert!(created.get("dumped_cargo").is_none());
    assert_eq!(events[1]["payload"]["ship"]["cargo"]["neuro_symbolics"], 2);
    let seen = bo.drain(Duration::from_millis(200)).await;
    let update = &named(&seen, "sector.update")[0]["payload"];
    assert_eq!(
        update["salvage"][0]["salvage_id"],
        created["salvage_details"]["salvage_id"]
    );
    let again = json!({"character_id": "ada", "cargo": {"quantum_foam": 1}});
    let (events, reply) = ada.rpc("dump_cargo", again).await;
    assert_eq!(reply["error"]["detail"], "No cargo available to dump");
    assert_eq!(named(&events, "error").len(), 1);
    let bad = json!({"character_id": "ada", "cargo": {"fuel_ore": 1}});
    let (code, detail) = ada.err("dump_cargo", bad).await;
    assert_eq!(
        (code, detail.as_str()),
        (400, "Invalid commodity: fuel_ore")
    );
}
