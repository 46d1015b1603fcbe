//! `leaderboard.resources` and `GET /leaderboard/resources` over real sockets: wealth (bank,
//! aboard, hull, garrisons), territory, trading and exploration per player, corporations with
//! their fleets, ranked; built by the game loop and cached, so a request between rebuilds gets
//! the standing as it was.

mod common;

use common::http_get;
use common::v2026::{joined, seed, start_configured, world_copy};
use serde_json::{Value, json};

fn player<'a>(board: &'a Value, name: &str) -> &'a Value {
    board["players"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} not on the board: {board}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standings_count_wealth_territory_trading_exploration_and_corporations() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let knowledge = json!({"character_id": "ada", "current_sector": 1, "credits": 20_000,
        "credits_in_bank": 300_000});
    seed(world.path(), "ada", knowledge, None);
    let server = start_configured(world.path(), data.path(), |s| {
        s.leaderboard_refresh_secs = 0.0
    });
    let (mut ada, _) = joined(server.addr, "ada").await;
    let (_bo, _) = joined(server.addr, "bo").await;
    let buy = json!({"character_id": "ada", "commodity": "neuro_symbolics", "quantity": 5, "trade_type": "buy"});
    ada.ok("trade", buy).await;
    let deploy = json!({"character_id": "ada", "sector": 1, "quantity": 50, "mode": "defensive"});
    ada.ok("combat.leave_fighters", deploy).await;
    let corp = ada
        .ok(
            "corporation.create",
            json!({"character_id": "ada", "name": "Rich Co"}),
        )
        .await;
    let order = json!({"character_id": "ada", "ship_type": "autonomous_probe",
        "purchase_type": "corporation", "initial_ship_credits": 700});
    ada.ok("ship.purchase", order).await;

    let board = ada
        .ok("leaderboard.resources", json!({"character_id": "ada"}))
        .await;
    let a = player(&board, "Ada");
    let status = {
        let (events, _) = ada.rpc("my_status", json!({"character_id": "ada"})).await;
        common::named(&events, "status.snapshot")[0]["payload"].clone()
    };
    let credits = status["ship"]["credits"].as_i64().unwrap();
    assert_eq!(a["ship_credits"], credits);
    assert_eq!(a["bank_credits"], 300_000 - 1_000 - 700);
    assert_eq!(a["garrison_fighter_value"], 50 * 50);
    assert_eq!(a["garrisoned_sectors"], 1);
    assert!(a["trade_volume"].as_i64().unwrap() > 0, "{a}");
    let total = [
        "bank_credits",
        "ship_credits",
        "ship_trade_in_value",
        "garrison_fighter_value",
    ]
    .iter()
    .map(|k| a[k].as_i64().unwrap())
    .sum::<i64>();
    assert_eq!(a["total_resources"], total);
    assert_eq!(a["rank"], 1, "the richest: {board}");
    assert_eq!(player(&board, "Bo")["rank"], 2);
    assert!(a["exploration_percent"].as_f64().unwrap() > 0.0);
    assert_eq!(
        board["players"].as_array().unwrap().len(),
        2,
        "the probe is no player"
    );
    let c = &board["corporations"][0];
    assert_eq!(c["corp_id"], corp["corp_id"]);
    assert_eq!(
        (
            c["corp_ship_count"].as_i64(),
            c["corp_ship_credits"].as_i64()
        ),
        (Some(1), Some(700))
    );
    assert_eq!(c["member_total_resources"], total);

    let (code, over_http) = http_get(server.addr, "/leaderboard/resources".into()).await;
    assert_eq!(code, 200);
    assert_eq!(over_http["players"][0]["name"], "Ada");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_between_rebuilds_reads_the_cached_standings() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start_configured(world.path(), data.path(), |s| {
        s.leaderboard_refresh_secs = 3600.0
    });
    let (mut ada, _) = joined(server.addr, "ada").await;
    let first = ada.ok("leaderboard.resources", json!({})).await;
    ada.ok("move", json!({"character_id": "ada", "to_sector": 1}))
        .await;
    let buy = json!({"character_id": "ada", "commodity": "neuro_symbolics", "quantity": 1, "trade_type": "buy"});
    ada.ok("trade", buy).await;
    let cached = ada.ok("leaderboard.resources", json!({})).await;
    assert_eq!(cached, first, "no rebuild inside the interval");
    assert_eq!(player(&cached, "Ada")["trade_volume"], 0);
}
