//! Ports, trade, warp power, chat and the action log over real sockets.

mod common;

use common::{Client, named, start_server, start_with};
use serde_json::json;
use std::time::Duration;

const QUIET: Duration = Duration::from_millis(150);

#[tokio::test]
async fn buying_and_selling_move_credits_cargo_and_stock() {
    let (server, _data) = start_server(20.0);
    let mut c = Client::connect(server.addr).await;
    c.ok("join", json!({"character_id": "trader", "sector": 1}))
        .await;
    // Sector 1 is BBS: it sells equipment (700/1000 on hand: 38 a unit).
    let quote = c
        .ok("check_trade", json!({"character_id": "trader", "commodity": "equipment", "quantity": 10, "trade_type": "buy"}))
        .await;
    assert_eq!(
        quote,
        json!({"can_trade": true, "price_per_unit": 38, "total_price": 380, "current_credits": 1000,
               "current_cargo": {"fuel_ore": 0, "organics": 0, "equipment": 0},
               "cargo_capacity": 30, "cargo_used": 0})
    );
    let (events, reply) = c
        .rpc("trade", json!({"character_id": "trader", "commodity": "equipment", "quantity": 10, "trade_type": "buy"}))
        .await;
    let r = &reply["result"];
    assert_eq!(r["success"], true);
    assert_eq!(r["trade_type"], "buy");
    assert_eq!(
        (
            r["units"].clone(),
            r["price_per_unit"].clone(),
            r["total_price"].clone()
        ),
        (json!(10), json!(38), json!(380))
    );
    assert_eq!(r["new_credits"], 620);
    assert_eq!(
        r["new_cargo"],
        json!({"fuel_ore": 0, "organics": 0, "equipment": 10})
    );
    assert_eq!(r["new_prices"]["equipment"], 38);
    // A trade is answered by its reply alone, as the reference does: the seed-era clients build
    // their trade summary from the status they cached before the trade.
    assert!(events.is_empty(), "trade sent events: {events:?}");
    let (_, status) = c.rpc("my_status", json!({"character_id": "trader"})).await;
    let status = &status["result"];
    assert_eq!(status["ship"]["credits"], 620);
    assert_eq!(
        status["sector_contents"]["port"]["last_seen_stock"]["equipment"],
        690
    );

    // Sell it back: BBS buys fuel ore and organics only.
    assert_eq!(
        c.err("trade", json!({"character_id": "trader", "commodity": "equipment", "quantity": 5, "trade_type": "sell"})).await,
        (400, "Port does not buy equipment".into())
    );
    // Sector 3 (BSS) buys fuel ore; sector 5 (SBS) sells it.
    c.ok("join", json!({"character_id": "trader", "sector": 5}))
        .await;
    let bought = c
        .ok("trade", json!({"character_id": "trader", "commodity": "fuel_ore", "quantity": 20, "trade_type": "buy"}))
        .await;
    assert_eq!(
        (
            bought["price_per_unit"].clone(),
            bought["total_price"].clone()
        ),
        (json!(24), json!(480))
    );
    c.ok("join", json!({"character_id": "trader", "sector": 3}))
        .await;
    let sold = c
        .ok("trade", json!({"character_id": "trader", "commodity": "fuel_ore", "quantity": 20, "trade_type": "sell"}))
        .await;
    assert_eq!(sold["trade_type"], "sell");
    // BSS holds 300 of 1000 fuel ore: it pays 31 a unit.
    assert_eq!(sold["price_per_unit"], 31);
    assert_eq!(sold["new_credits"], 620 - 480 + 20 * 31);
    assert!(sold.get("new_prices").is_none());
    let map = c.ok("my_map", json!({"character_id": "trader"})).await;
    assert_eq!(
        map["sectors_visited"]["3"]["port"]["last_seen_stock"]["fuel_ore"],
        320
    );
}

/// A trade request by character "t".
fn trade_by_t(commodity: &str, quantity: i64, trade_type: &str) -> serde_json::Value {
    json!({"character_id": "t", "commodity": commodity, "quantity": quantity, "trade_type": trade_type})
}

#[tokio::test]
async fn trade_refusals_are_400_with_the_check_trade_text() {
    let (server, _data) = start_server(20.0);
    let mut c = Client::connect(server.addr).await;
    c.ok(
        "join",
        json!({"character_id": "t", "sector": 1, "credits": 100}),
    )
    .await;
    let t = trade_by_t;
    for (payload, detail) in [
        (t("gold", 1, "buy"), "Invalid commodity: gold"),
        (t("fuel_ore", 1, "buy"), "Port does not sell fuel_ore"),
        (
            t("equipment", 1, "Buy"),
            "Invalid trade_type: Buy (expected buy or sell)",
        ),
        (t("equipment", -1, "buy"), "Quantity must be positive"),
        (
            t("equipment", 31, "buy"),
            "Not enough cargo space. Available: 30",
        ),
        (
            t("equipment", 3, "buy"),
            "Insufficient credits. Need 114, have 100",
        ),
        (
            t("equipment", 701, "buy"),
            "Port only has 700 units of equipment",
        ),
        (
            t("organics", 1, "sell"),
            "Not enough organics to sell. Have 0",
        ),
    ] {
        let preview = c.ok("check_trade", payload.clone()).await;
        assert_eq!(preview["can_trade"], false, "{payload}");
        assert_eq!(preview["error"], detail, "{payload}");
        assert_eq!(preview["current_credits"], 100);
        assert_eq!(
            c.err("trade", payload.clone()).await,
            (400, detail.to_string()),
            "{payload}"
        );
    }
    malformed_trades(&mut c).await;
    c.ok("join", json!({"character_id": "t", "sector": 0}))
        .await;
    assert_eq!(
        c.ok("check_trade", t("equipment", 1, "buy")).await["error"],
        "No port at current location"
    );
}

#[tokio::test]
async fn many_clients_buying_at_one_port_never_overdraw_it() {
    let (server, _data) = start_server(20.0);
    let mut clients = Vec::new();
    for i in 0..24 {
        let mut c = Client::connect(server.addr).await;
        // Atlas haulers hold 300: together they want far more than the port's 700.
        c.ok("join", json!({"character_id": format!("h{i}"), "sector": 1, "ship_type": "atlas_hauler", "credits": 100_000})).await;
        clients.push(c);
    }
    let tasks: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(i, mut c)| {
            tokio::spawn(async move {
                let mut spent = 0i64;
                let mut units = 0i64;
                for _ in 0..8 {
                    let (_, reply) = c
                        .rpc("trade", json!({"character_id": format!("h{i}"), "commodity": "equipment", "quantity": 7, "trade_type": "buy"}))
                        .await;
                    if reply["ok"] == true {
                        spent += reply["result"]["total_price"].as_i64().unwrap();
                        units += 7;
                        assert_eq!(reply["result"]["new_credits"], 100_000 - spent);
                    } else {
                        assert_eq!(reply["error"]["status"], 400);
                    }
                }
                (c, spent, units)
            })
        })
        .collect();
    let mut total_spent = 0;
    let mut total_units = 0;
    let mut clients = Vec::new();
    for t in tasks {
        let (c, spent, units) = t.await.unwrap();
        total_spent += spent;
        total_units += units;
        clients.push(c);
    }
    let c = &mut clients[0];
    let status = c.ok("my_status", json!({"character_id": "h0"})).await;
    let stock = status["sector_contents"]["port"]["last_seen_stock"]["equipment"]
        .as_i64()
        .unwrap();
    assert!(stock >= 0);
    assert_eq!(
        stock + total_units,
        700,
        "every unit sold left the port exactly once"
    );
    assert!(total_units > 600, "the port sold out: {total_units}");
    let mut credits = 0;
    for (i, c) in clients.iter_mut().enumerate() {
        credits += c
            .ok("my_status", json!({"character_id": format!("h{i}")}))
            .await["ship"]["credits"]
            .as_i64()
            .unwrap();
    }
    assert_eq!(
        24 * 100_000 - credits,
        total_spent,
        "no credit made or lost"
    );
}

#[tokio::test]
async fn warp_power_is_bought_at_the_depot_and_given_in_the_same_sector() {
    let (server, _data) = start_server(20.0);
    let mut a = Client::connect(server.addr).await;
    let mut b = Client::connect(server.addr).await;
    a.ok("join", json!({"character_id": "a"})).await;
    b.ok("join", json!({"character_id": "b", "credits": 0}))
        .await;
    a.ok("move", json!({"character_id": "a", "to_sector": 1}))
        .await;
    a.ok("move", json!({"character_id": "a", "to_sector": 0}))
        .await;
    a.drain(QUIET).await;
    recharge_at_depot(&mut a).await;

    // b is broke: give it warp power room first by moving, then it cannot pay.
    b.ok("move", json!({"character_id": "b", "to_sector": 2}))
        .await;
    b.ok("move", json!({"character_id": "b", "to_sector": 0}))
        .await;
    let broke = b
        .ok(
            "recharge_warp_power",
            json!({"character_id": "b", "units": 6}),
        )
        .await;
    assert_eq!(
        broke["message"],
        "Insufficient credits. Need 12 but only have 0"
    );
    assert_eq!(broke["units_bought"], 0);
    b.drain(QUIET).await;
    a.drain(QUIET).await;

    let (events, reply) = a
        .rpc(
            "transfer_warp_power",
            json!({"from_character_id": "a", "to_character_id": "b", "units": 50}),
        )
        .await;
    assert_eq!(
        reply["result"],
        json!({"success": true, "units_transferred": 6, "from_warp_power_remaining": 294, "to_warp_power_current": 300,
               "message": "Successfully transferred 6 warp power units from a to b"})
    );
    assert_eq!(events[0]["event"], "warp.transfer");
    // Each connection is told only of its own character (the reference listed both).
    assert_eq!(events[0]["character_filter"], json!(["a"]));
    let seen_by_b = b.drain(QUIET).await;
    assert_eq!(
        named(&seen_by_b, "warp.transfer")[0]["character_filter"],
        json!(["b"])
    );
    assert_eq!(named(&seen_by_b, "warp.transfer").len(), 1);
    assert_eq!(named(&seen_by_b, "status.update").len(), 1);
    transfer_refusals(&mut a, &mut b).await;
}

#[tokio::test]
async fn operator_port_endpoints_restock_and_reset_and_tell_everyone() {
    let (server, _data) = start_server(20.0);
    let mut a = Client::connect(server.addr).await;
    let mut bystander = Client::connect(server.addr).await;
    a.ok(
        "join",
        json!({"character_id": "a", "sector": 1, "credits": 10_000}),
    )
    .await;
    a.ok(
        "trade",
        json!({"character_id": "a", "commodity": "equipment", "quantity": 30, "trade_type": "buy"}),
    )
    .await;
    for bad in [json!(1.5), json!(-0.0), json!(-0.1)] {
        assert_eq!(
            a.err("regenerate_ports", json!({"fraction": bad})).await,
            (400, "Fraction must be between 0.0 and 1.0".into()),
            "{bad}"
        );
    }
    let (events, reply) = a.rpc("regenerate_ports", json!({})).await;
    assert_eq!(
        reply["result"],
        json!({"success": true, "message": "Regenerated 4 ports with 25.0% of max capacity", "ports_regenerated": 4, "fraction": 0.25})
    );
    assert_eq!(named(&events, "port.regenerated").len(), 1);
    assert!(
        named(&events, "port.regenerated")[0]
            .get("character_filter")
            .is_none()
    );
    let seen = bystander.drain(QUIET).await;
    assert_eq!(
        named(&seen, "port.regenerated")[0]["payload"]["ports_regenerated"],
        4
    );
    let port =
        a.ok("my_status", json!({"character_id": "a"})).await["sector_contents"]["port"].clone();
    // 670 + 250, and the bought commodities' stock fell by 250 (more room to buy).
    assert_eq!(
        port["last_seen_stock"],
        json!({"fuel_ore": 50, "organics": 50, "equipment": 920})
    );
    let reset = a.ok("reset_ports", json!({})).await;
    assert_eq!(
        reset,
        json!({"success": true, "message": "Reset 4 ports to initial state", "ports_reset": 4})
    );
    let port =
        a.ok("my_status", json!({"character_id": "a"})).await["sector_contents"]["port"].clone();
    assert_eq!(
        port["last_seen_stock"],
        json!({"fuel_ore": 300, "organics": 300, "equipment": 700})
    );
    assert_eq!(named(&bystander.drain(QUIET).await, "port.reset").len(), 1);
}

#[tokio::test]
async fn operator_endpoints_need_the_admin_token_once_configured() {
    let data = tempfile::tempdir().unwrap();
    let server = start_with(data.path(), |s| s.admin_token = Some("s3cret".into()));
    let mut c = Client::connect(server.addr).await;
    assert_eq!(c.err("reset_ports", json!({})).await.0, 403);
    assert_eq!(
        c.err("regenerate_ports", json!({"admin_token": "nope"}))
            .await,
        (403, "Invalid admin_token".into())
    );
    assert_eq!(
        c.ok("reset_ports", json!({"admin_token": "s3cret"})).await["ports_reset"],
        4
    );
}

/// Requests that are not trades at all: a zero quantity, an unknown character, a quantity of
/// the wrong type; the same answer from both endpoints.
async fn malformed_trades(c: &mut Client) {
    for endpoint in ["check_trade", "trade"] {
        assert_eq!(
            c.err(endpoint, json!({"character_id": "t", "commodity": "equipment", "quantity": 0, "trade_type": "buy"})).await,
            (400, "Missing required parameters".into())
        );
        assert_eq!(
            c.err(
                endpoint,
                trade_by_t("equipment", 1, "buy")
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (
                        k.clone(),
                        if k == "character_id" {
                            json!("ghost")
                        } else {
                            v.clone()
                        }
                    ))
                    .collect::<serde_json::Map<_, _>>()
                    .into()
            )
            .await,
            (404, "Character not found".into())
        );
        let (status, detail) = c
            .err(endpoint, json!({"character_id": "t", "commodity": "equipment", "quantity": "3", "trade_type": "buy"}))
            .await;
        assert_eq!(status, 422);
        assert!(detail.contains("quantity"), "{detail}");
        let (status, _) = c
            .err(endpoint, json!({"character_id": "t", "commodity": "equipment", "quantity": 1.5, "trade_type": "buy"}))
            .await;
        assert_eq!(status, 422);
    }
}

/// a tops up at the sector 0 depot (only the 6 units it lacks), then the refusals.
async fn recharge_at_depot(a: &mut Client) {
    let (events, reply) = a
        .rpc(
            "recharge_warp_power",
            json!({"character_id": "a", "units": 100}),
        )
        .await;
    assert_eq!(
        reply["result"],
        json!({"success": true, "units_bought": 6, "price_per_unit": 2, "total_cost": 12, "new_warp_power": 300,
               "warp_power_capacity": 300, "new_credits": 988,
               "message": "Successfully bought 6 warp power units for 12 credits at sector 0 depot"})
    );
    assert_eq!(
        events
            .iter()
            .map(|e| e["event"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["warp.purchase", "status.update"]
    );
    assert_eq!(events[0]["payload"]["units"], 6);
    let full = a
        .ok(
            "recharge_warp_power",
            json!({"character_id": "a", "units": 5}),
        )
        .await;
    assert_eq!(
        (full["success"].clone(), full["message"].clone()),
        (json!(false), json!("Warp power is already at maximum"))
    );
    assert_eq!(
        a.err(
            "recharge_warp_power",
            json!({"character_id": "a", "units": -5})
        )
        .await,
        (400, "Units must be positive".into())
    );
    assert_eq!(
        a.err("recharge_warp_power", json!({"character_id": "a"}))
            .await,
        (400, "Missing character_id or units".into())
    );
    assert_eq!(
        a.err(
            "recharge_warp_power",
            json!({"character_id": "zz", "units": 1})
        )
        .await,
        (404, "Character not found: zz".into())
    );
}

/// Transfers that move nothing (full tank, not enough to give) and those refused outright,
/// then the depot refusing a ship outside sector 0.
async fn transfer_refusals(a: &mut Client, b: &mut Client) {
    let t = |from: &str, to: &str, units: i64| json!({"from_character_id": from, "to_character_id": to, "units": units});
    assert_eq!(
        a.ok("transfer_warp_power", t("a", "b", 5)).await["message"],
        "b's warp power is already at maximum"
    );
    assert_eq!(
        b.ok("transfer_warp_power", t("b", "a", 500)).await["message"],
        "Insufficient warp power. b only has 300 units"
    );
    assert_eq!(
        a.err("transfer_warp_power", t("a", "a", 5)).await,
        (400, "Cannot transfer warp power to yourself".into())
    );
    assert_eq!(
        a.err("transfer_warp_power", t("a", "b", 0)).await,
        (400, "Missing required parameters".into())
    );
    assert_eq!(
        a.err("transfer_warp_power", t("a", "b", -3)).await,
        (400, "Units must be positive".into())
    );
    a.ok("move", json!({"character_id": "a", "to_sector": 1}))
        .await;
    assert_eq!(
        a.err("transfer_warp_power", t("a", "b", 5)).await,
        (400, "Characters must be in the same sector".into())
    );
    assert_eq!(
        a.err(
            "recharge_warp_power",
            json!({"character_id": "a", "units": 1})
        )
        .await,
        (
            400,
            "Warp power depot is only available in sector 0. You are in sector 1".into()
        )
    );
}
