//! Corporations in the 2026-01 dialect over real sockets: founding, joining by invite code,
//! kicking and leaving until the last member disbands it; a corporation's ship bought from the
//! bank and flown by a member naming itself as the actor; no friendly fire between members; the
//! corporation's events found by its members in `event.query`; everything kept across a restart.

mod common;

use common::named;
use common::v2026::{D2026, joined, seed, start, start_on, world_copy};
use common::{Backing, Client};
use serde_json::{Value, json};
use std::path::Path;

/// Seeds a character in `sector` with credits on hand and in the bank.
fn rich(world: &Path, id: &str, sector: u32, credits: i64, bank: i64) {
    let knowledge = json!({"character_id": id, "current_sector": sector,
        "credits": credits, "credits_in_bank": bank});
    seed(world, id, knowledge, None);
}

async fn status(c: &mut Client, id: &str) -> Value {
    let (events, _) = c.rpc("my_status", json!({"character_id": id})).await;
    named(&events, "status.snapshot")[0]["payload"].clone()
}

/// Ada founds "Star Traders" (checked) and Bo joins it by its code in capitals; the clients of
/// Ada, Bo and Cy, and the corporation as founded.
async fn founded(addr: std::net::SocketAddr) -> (Client, Client, Client, Value) {
    let (mut ada, _) = joined(addr, "ada").await;
    let (mut bo, _) = joined(addr, "bo").await;
    let (cy, _) = joined(addr, "cy").await;
    let poor = json!({"character_id": "bo", "name": "Poor Co"});
    let (status_code, detail) = bo.err("corporation.create", poor).await;
    assert_eq!(
        (status_code, detail.as_str()),
        (400, "Insufficient credits (need 10,000)")
    );
    let create = json!({"character_id": "ada", "name": "Star Traders"});
    let (events, reply) = ada.rpc("corporation.create", create).await;
    let corp = reply["result"].clone();
    assert_eq!(corp["member_count"], 1, "{reply}");
    let code = corp["invite_code"].as_str().unwrap().to_string();
    assert!(
        code.len() == 8 && code.chars().all(|c| c.is_ascii_hexdigit()),
        "{code}"
    );
    assert_eq!(
        named(&events, "corporation.created")[0]["payload"]["name"],
        "Star Traders"
    );
    assert_eq!(status(&mut ada, "ada").await["ship"]["credits"], 15_000);
    let join = json!({"character_id": "bo", "corp_id": corp["corp_id"],
        "invite_code": code.to_uppercase()});
    let joined_bo = bo.ok("corporation.join", join.clone()).await;
    assert_eq!(joined_bo["member_count"], 2);
    let (again, detail) = bo.err("corporation.join", join).await;
    assert_eq!((again, detail.as_str()), (400, "Already in a corporation"));
    let told = ada.drain(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        named(&told, "corporation.member_joined")[0]["payload"]["member_id"],
        "bo"
    );
    (ada, bo, cy, corp)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_see_their_corporation_whole_and_outsiders_its_public_face() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    rich(world.path(), "ada", 1, 25_000, 0);
    let server = start(world.path(), data.path());
    let (_ada, mut bo, mut cy, corp) = founded(server.addr).await;
    let spoof = json!({"character_id": "cy", "name": "Star\u{202e}Traders"});
    assert_eq!(
        cy.err("corporation.create", spoof).await.0,
        422,
        "no invisible characters"
    );
    let taken = json!({"character_id": "cy", "name": "star traders"});
    assert_eq!(cy.err("corporation.create", taken).await.0, 400);
    let block = &status(&mut bo, "bo").await["corporation"];
    assert_eq!(
        (block["name"].as_str(), block["member_count"].as_i64()),
        (Some("Star Traders"), Some(2))
    );
    assert!(block["joined_at"].is_string(), "{block}");
    let ask = json!({"character_id": "cy", "corp_id": corp["corp_id"]});
    let outside = cy.ok("corporation.info", ask).await;
    assert!(
        outside.get("invite_code").is_none(),
        "outsiders see no code: {outside}"
    );
    assert_eq!(outside["member_count"], 2);
    let inside = bo.ok("my.corporation", json!({"character_id": "bo"})).await;
    let names: Vec<&str> = inside["corporation"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ada", "Bo"]);
    let regenerate = json!({"character_id": "bo"});
    let fresh = bo
        .ok("corporation.regenerate_invite_code", regenerate)
        .await;
    assert_ne!(fresh["new_invite_code"], corp["invite_code"]);
    let stale = json!({"character_id": "cy", "corp_id": corp["corp_id"], "invite_code": corp["invite_code"]});
    assert_eq!(
        cy.err("corporation.join", stale).await.1,
        "Invalid invite code"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kicked_member_is_told_and_the_last_one_out_disbands_it() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    rich(world.path(), "ada", 1, 25_000, 0);
    let server = start(world.path(), data.path());
    let (mut ada, mut bo, mut cy, _) = founded(server.addr).await;
    let (own, detail) = ada
        .err(
            "corporation.kick",
            json!({"character_id": "ada", "target_id": "ada"}),
        )
        .await;
    assert_eq!(
        (own, detail.as_str()),
        (400, "Use leave to exit your corporation")
    );
    ada.ok(
        "corporation.kick",
        json!({"character_id": "ada", "target_id": "bo"}),
    )
    .await;
    let told = bo.drain(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        named(&told, "corporation.member_kicked")[0]["payload"]["kicker_id"],
        "ada"
    );
    let none = bo.ok("my.corporation", json!({"character_id": "bo"})).await;
    assert!(none["corporation"].is_null());
    let (events, reply) = ada
        .rpc("corporation.leave", json!({"character_id": "ada"}))
        .await;
    assert_eq!(reply["ok"], true, "{reply}");
    assert_eq!(
        named(&events, "corporation.disbanded")[0]["payload"]["reason"],
        "last_member_left"
    );
    let list = cy.ok("corporation.list", json!({})).await;
    assert_eq!(list["corporations"], json!([]));
}

/// Ada's corporation and its ship (bought with `initial` credits aboard); the ship's id.
async fn corporation_with_ship(ada: &mut Client, initial: i64) -> (Value, String) {
    let corp = ada
        .ok(
            "corporation.create",
            json!({"character_id": "ada", "name": "Fleet Co"}),
        )
        .await;
    let order = json!({"character_id": "ada", "ship_type": "atlas_hauler", "purchase_type": "corporation",
        "ship_name": "Big Atlas", "initial_ship_credits": initial});
    let (events, reply) = ada.rpc("ship.purchase", order).await;
    let bought = &reply["result"];
    assert_eq!(bought["corp_id"], corp["corp_id"], "{reply}");
    assert_eq!(bought["bank_after"], 500_000 - 260_000 - initial);
    let purchased = &named(&events, "corporation.ship_purchased")[0]["payload"];
    assert_eq!(purchased["ship_name"], "Big Atlas");
    (corp, bought["ship_id"].as_str().unwrap().to_string())
}

/// A connection flying the ship for `actor`.
async fn pilot(addr: std::net::SocketAddr, ship: &str, actor: &str) -> (Client, Value) {
    let mut c = Client::connect_to(addr, D2026).await;
    let (events, reply) = c
        .rpc(
            "join",
            json!({"character_id": ship, "actor_character_id": actor}),
        )
        .await;
    assert_eq!(reply["ok"], true, "{reply}");
    let snapshot = named(&events, "status.snapshot")[0]["payload"].clone();
    (c, snapshot)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corporation_ship_is_flown_by_members_only_and_left_unowned_when_it_disbands() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    rich(world.path(), "ada", 1, 20_000, 500_000);
    let server = start(world.path(), data.path());
    let (mut ada, _) = joined(server.addr, "ada").await;
    let (mut cy, _) = joined(server.addr, "cy").await;
    let (_, ship) = corporation_with_ship(&mut ada, 1_000).await;

    let mut stranger = Client::connect_to(server.addr, D2026).await;
    let (code, detail) = stranger.err("join", json!({"character_id": ship})).await;
    assert_eq!(
        (code, detail.as_str()),
        (
            400,
            "actor_character_id is required when controlling a corporation ship"
        )
    );
    let outsider = json!({"character_id": ship, "actor_character_id": "cy"});
    assert_eq!(stranger.err("join", outsider).await.0, 403);

    let (mut flyer, snap) = pilot(server.addr, &ship, "ada").await;
    assert_eq!(snap["player"]["player_type"], "corporation_ship");
    assert!(snap["player"].get("created_at").is_none(), "{snap}");
    assert_eq!(snap["ship"]["ship_name"], "Big Atlas");
    assert_eq!(snap["ship"]["credits"], 1_000);
    assert_eq!(snap["corporation"]["name"], "Fleet Co");
    assert!(snap["corporation"].get("member_count").is_none());
    let seen = status(&mut ada, "ada").await;
    let listed: Vec<&Value> = seen["sector"]["players"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["id"] == ship.as_str())
        .collect();
    assert_eq!(listed[0]["player_type"], "corporation_ship");

    // A member other than the actor may not act through it; the actor may.
    let hijack = json!({"character_id": ship, "actor_character_id": "cy", "amount": 10,
        "direction": "deposit", "target_player_name": "Ada"});
    assert_eq!(flyer.err("bank_transfer", hijack).await.0, 403);
    let to_cy = json!({"character_id": ship, "actor_character_id": "ada", "amount": 10,
        "direction": "deposit", "target_player_name": "Cy"});
    let (code, detail) = flyer.err("bank_transfer", to_cy).await;
    assert_eq!(
        (code, detail.as_str()),
        (
            403,
            "Corporation ship may only deposit to members of the same corporation"
        )
    );
    let to_ada = json!({"character_id": ship, "actor_character_id": "ada", "amount": 400,
        "direction": "deposit", "target_player_name": "Ada"});
    let deposit = flyer.ok("bank_transfer", to_ada).await;
    assert_eq!(
        deposit["credits_in_bank_after"],
        500_000 - 260_000 - 1_000 + 400
    );
    assert!(deposit["source_character_id"].is_null());
    assert_eq!(snap["sector"]["id"], 1, "{snap}");
    let next = snap["sector"]["adjacent_sectors"][0].clone();
    let moved = json!({"character_id": ship, "actor_character_id": "ada", "to_sector": next});
    flyer.ok("move", moved).await;
    let here = json!({"character_id": ship, "actor_character_id": "ada"});
    assert_eq!(flyer.ok("my_status", here).await["success"], true);

    let (told, _) = ada
        .rpc("corporation.leave", json!({"character_id": "ada"}))
        .await;
    let abandoned = &named(&told, "corporation.ships_abandoned")[0]["payload"]["ships"][0];
    assert_eq!(abandoned["ship_id"], ship.as_str());
    assert_eq!(abandoned["sector"], next);
    let ship_gone = flyer
        .err(
            "my_status",
            json!({"character_id": ship, "actor_character_id": "ada"}),
        )
        .await;
    assert_eq!(ship_gone.0, 404, "its character went with the corporation");
    if next != 0 {
        cy.ok("move", json!({"character_id": "cy", "to_sector": next}))
            .await;
    }
    let parked = status(&mut cy, "cy").await["sector"]["unowned_ships"].clone();
    assert_eq!(parked[0]["ship_id"], ship.as_str(), "{parked}");
    assert_eq!(parked[0]["former_owner_name"], "Fleet Co");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_do_not_fight_each_other_and_read_their_corporation_s_events() {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    rich(world.path(), "ada", 1, 20_000, 0);
    let server = start(world.path(), data.path());
    let (mut ada, _) = joined(server.addr, "ada").await;
    let (mut bo, _) = joined(server.addr, "bo").await;
    let (mut cy, _) = joined(server.addr, "cy").await;
    let corp = ada
        .ok(
            "corporation.create",
            json!({"character_id": "ada", "name": "Peace Co"}),
        )
        .await;
    let join = json!({"character_id": "bo", "corp_id": corp["corp_id"], "invite_code": corp["invite_code"]});
    bo.ok("corporation.join", join).await;
    let deploy = json!({"character_id": "ada", "sector": 1, "quantity": 20, "mode": "offensive"});
    ada.ok("combat.leave_fighters", deploy).await;
    let (events, reply) = bo
        .rpc("move", json!({"character_id": "bo", "to_sector": 1}))
        .await;
    let more = bo.drain(std::time::Duration::from_millis(300)).await;
    assert_eq!(reply["ok"], true, "{reply}");
    assert!(
        named(&events, "combat.round_waiting").is_empty()
            && named(&more, "combat.round_waiting").is_empty(),
        "a member's garrison lets a member pass"
    );
    let watched = ada.drain(std::time::Duration::from_millis(200)).await;
    let seen = &named(&watched, "garrison.character_moved")[0]["payload"];
    assert_eq!(
        (seen["player"]["id"].as_str(), seen["movement"].as_str()),
        (Some("bo"), Some("arrive"))
    );
    assert_eq!(seen["garrison"]["corporation_id"], corp["corp_id"]);
    let garrison = &status(&mut bo, "bo").await["sector"]["garrison"];
    assert_eq!(garrison["is_friendly"], true, "{garrison}");
    let (code, _) = bo
        .err("combat.initiate", json!({"character_id": "bo"}))
        .await;
    assert_eq!(code, 409, "nobody here is an enemy");

    let scope = json!({"character_id": "bo", "event_scope": "corporation",
        "start": "2000-01-01T00:00:00+00:00", "end": "2100-01-01T00:00:00+00:00"});
    let found = bo.ok("event.query", scope).await;
    let kinds: Vec<&str> = found["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"corporation.created"), "{kinds:?}");
    assert!(kinds.contains(&"corporation.member_joined"), "{kinds:?}");
    assert_eq!(found["scope"], "corporation");
    // That release's client names its filters `filter_*`; an event type narrows the answer.
    let joins = json!({"character_id": "bo", "event_scope": "corporation",
        "filter_event_type": "corporation.member_joined",
        "start": "2000-01-01T00:00:00+00:00", "end": "2100-01-01T00:00:00+00:00"});
    let only = bo.ok("event.query", joins).await;
    let names: Vec<&str> = only["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert!(
        !names.is_empty() && names.iter().all(|n| *n == "corporation.member_joined"),
        "{names:?}"
    );
    let prying = json!({"character_id": "cy", "corporation_id": corp["corp_id"],
        "start": "2000-01-01T00:00:00+00:00", "end": "2100-01-01T00:00:00+00:00"});
    assert_eq!(cy.err("event.query", prying).await.0, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corporations_and_their_ships_survive_a_restart_on_sqlite() {
    corporations_survive_a_restart(&Backing::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corporations_and_their_ships_survive_a_restart_on_postgresql() {
    corporations_survive_a_restart(&Backing::postgres()).await;
}

async fn corporations_survive_a_restart(backing: &Backing) {
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    rich(world.path(), "ada", 1, 20_000, 500_000);
    let server = start_on(world.path(), data.path(), backing);
    let (mut ada, _) = joined(server.addr, "ada").await;
    let (corp, ship) = corporation_with_ship(&mut ada, 0).await;
    let buy = json!({"character_id": "ada", "commodity": "neuro_symbolics", "quantity": 2, "trade_type": "buy"});
    ada.ok("trade", buy).await;
    drop(ada);
    server.stop().unwrap();

    let server = start_on(world.path(), data.path(), backing);
    let (mut ada, _) = joined(server.addr, "ada").await;
    let mine = ada
        .ok("my.corporation", json!({"character_id": "ada"}))
        .await;
    let kept = &mine["corporation"];
    assert_eq!(kept["invite_code"], corp["invite_code"]);
    assert_eq!(kept["ships"][0]["ship_id"], ship.as_str(), "{kept}");
    assert_eq!(kept["ships"][0]["name"], "Big Atlas");
    let (_, snap) = pilot(server.addr, &ship, "ada").await;
    assert_eq!(snap["player"]["player_type"], "corporation_ship");
    let board = ada.ok("leaderboard.resources", json!({})).await;
    let traded = board["players"][0]["trade_volume"].as_i64().unwrap();
    assert!(traded > 0, "the trade volume is kept: {board}");
}
