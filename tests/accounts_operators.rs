//! Accounts mode for operators, tried as an attacker would and as an operator does: operator
//! endpoints, `/metrics` and the firehose without the role, `admin_override` and players' own
//! characters in the 2026-01 dialect, account administration and its audit, corporation ships
//! flown for one's own account, and the first operator added from the command line.

mod common;

use bang_components::account::{AccountRole, AuthMode};
use common::accounts::*;
use common::{Client, named, start_with};
use serde_json::{Value, json};
use std::net::SocketAddr;

#[tokio::test]
async fn operator_endpoints_need_an_operators_login() {
    let (server, _data) = accounts_server(|_| {});
    let (mut player, _) = registered(server.addr, "pleb").await;
    let mut anonymous = Client::connect(server.addr).await;
    // The shared admin token no longer opens anything in accounts mode.
    let payload = json!({"admin_token": "shared-admin-token"});
    assert_eq!(anonymous.err("reset_ports", payload.clone()).await.0, 401);
    assert_eq!(player.err("reset_ports", payload.clone()).await.0, 403);
    assert_eq!(
        player
            .err("regenerate_ports", json!({"fraction": 0.5}))
            .await
            .0,
        403
    );
    assert_eq!(
        player
            .err(
                "account.create",
                json!({"username": "sock", "password": "a long password", "role": "operator"})
            )
            .await
            .0,
        403
    );
    let (status, _) = player
        .err(
            "account.register",
            json!({"username": "sock2", "password": "a long password", "role": "operator"}),
        )
        .await;
    assert_eq!(status, 403, "a role cannot be claimed at registration");
    let (mut op, _) = operator(server.addr).await;
    op.ok("reset_ports", json!({})).await;
}
/// `/metrics` with a token (a Bearer): its status.
async fn metrics_status(addr: SocketAddr, token: Option<&str>) -> u16 {
    http(addr, "GET", "/metrics", token, Value::Null).await.0
}
#[tokio::test]
async fn metrics_and_the_firehose_need_an_operator_or_the_metrics_token() {
    let (server, _data) = accounts_server(|_| {});
    let (_player, player_token) = registered(server.addr, "pleb").await;
    let (_op, op_token) = operator(server.addr).await;
    assert_eq!(metrics_status(server.addr, None).await, 401);
    assert_eq!(metrics_status(server.addr, Some(&player_token)).await, 401);
    assert_eq!(
        metrics_status(server.addr, Some("metrics-secret")).await,
        200
    );
    assert_eq!(metrics_status(server.addr, Some(&op_token)).await, 200);
    let firehose = |token: &str| format!("ws://{}/api/firehose?token={token}", server.addr);
    let refused = tokio_tungstenite::connect_async(firehose(&player_token)).await;
    assert!(
        refused.is_err(),
        "a player's token does not open the firehose"
    );
    let refused = tokio_tungstenite::connect_async(firehose("shared-admin-token")).await;
    assert!(refused.is_err(), "nor does the shared admin token");
    assert!(
        tokio_tungstenite::connect_async(firehose(&op_token))
            .await
            .is_ok()
    );
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_override_grants_nothing_and_players_create_only_their_own_characters() {
    use common::v2026::{D2026, start_configured, world_copy};
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    let server = start_configured(world.path(), data.path(), |s| s.auth = AuthMode::Accounts);
    let mut eve = Client::connect_to(server.addr, D2026).await;
    eve.ok(
        "account.register",
        json!({"username": "eve", "password": "a long password"}),
    )
    .await;
    for claim in [
        json!({"name": "Mallory", "admin_override": true, "player": {"credits": 1_000_000}}),
        json!({"name": "Mallory", "admin_password": "shared-admin-token", "ship": {"current_fighters": 9999}}),
    ] {
        let (status, detail) = eve.err("character.create", claim).await;
        assert_eq!(status, 403, "{detail}");
    }
    assert_eq!(
        eve.err("character.delete", json!({"character_id": "ada"}))
            .await
            .0,
        403
    );
    // By name alone, a player makes a character of their own and plays it.
    let made = eve
        .ok("character.create", json!({"name": "Eve Online"}))
        .await;
    let id = made["character_id"].as_str().unwrap().to_string();
    eve.ok("join", json!({"character_id": id})).await;
    let mut mallory = Client::connect_to(server.addr, D2026).await;
    mallory
        .ok(
            "account.register",
            json!({"username": "mallory", "password": "a long password"}),
        )
        .await;
    assert_eq!(
        mallory.err("join", json!({"character_id": id})).await.0,
        403
    );
    let info = eve.ok("account.info", json!({})).await;
    assert_eq!(info["characters"], json!([id]));
    // Deleted (by an operator), it no longer counts as the account's.
    let role = AccountRole::Operator;
    drop((mallory, server));
    bang::store::accounts::add_account(data.path(), "root", OPERATOR_PASSWORD, role, false)
        .unwrap();
    let server = start_configured(world.path(), data.path(), |s| s.auth = AuthMode::Accounts);
    let mut op = Client::connect_to(server.addr, D2026).await;
    let root = json!({"username": "root", "password": OPERATOR_PASSWORD});
    op.ok("account.login", root).await;
    op.ok("character.delete", json!({"character_id": id})).await;
    let mut eve = Client::connect_to(server.addr, D2026).await;
    let login = json!({"username": "eve", "password": "a long password"});
    eve.ok("account.login", login).await;
    assert_eq!(
        eve.ok("account.info", json!({})).await["characters"],
        json!([])
    );
}
#[tokio::test]
async fn operators_create_accounts_reset_passwords_and_move_characters_and_it_is_audited() {
    let (server, data) = accounts_server(|s| s.max_characters = 1);
    let (mut op, _) = operator(server.addr).await;
    let made = op
        .ok(
            "account.create",
            json!({"username": "dana", "password": "a long password"}),
        )
        .await;
    assert_eq!(made["account"]["role"], "player");
    let mut dana = Client::connect(server.addr).await;
    dana.ok(
        "account.login",
        json!({"username": "dana", "password": "a long password"}),
    )
    .await;
    dana.ok("join", json!({"character_id": "dana-1"})).await;
    let (status, detail) = dana.err("join", json!({"character_id": "dana-2"})).await;
    assert_eq!(status, 403, "{detail}");
    dana.drain(QUIET).await;
    let (mut erin, _) = registered(server.addr, "erin").await;
    assert_eq!(
        erin.err("reset_ports", json!({})).await.0,
        403,
        "not an operator"
    );
    let moved = op
        .ok(
            "account.move_character",
            json!({"character_id": "dana-1", "username": "erin"}),
        )
        .await;
    assert_eq!(moved["account"]["characters"], json!(["dana-1"]));
    let told = dana.drain(QUIET).await;
    assert_eq!(
        named(&told, "session.ended")[0]["payload"]["reason"],
        "owner_changed"
    );
    erin.ok("join", json!({"character_id": "dana-1"})).await;
    op.ok(
        "account.reset_password",
        json!({"username": "dana", "password": "reset by root"}),
    )
    .await;
    let mut again = Client::connect(server.addr).await;
    again
        .ok(
            "account.login",
            json!({"username": "dana", "password": "reset by root"}),
        )
        .await;
    drop(server);
    assert_audited(&action_log(data.path()));
}
/// Each account and operator action is in the action log with who did it, and the refused
/// attempt with where it came from; no password is.
fn assert_audited(log: &[Value]) {
    for kind in [
        "operator.account_created",
        "operator.character_moved",
        "operator.password_reset",
        "account.registered",
        "account.logged_in",
    ] {
        let line = log
            .iter()
            .find(|l| l["event_type"] == kind)
            .unwrap_or_else(|| panic!("{kind} in the log"));
        assert!(line["data"]["by"].is_string(), "{line}");
    }
    let refused = log
        .iter()
        .find(|l| l["event_type"] == "access.refused")
        .expect("a refused attempt is logged");
    assert_eq!(refused["result"], "rejected");
    assert_eq!(refused["data"]["address"], "127.0.0.1");
    let moved = log
        .iter()
        .find(|l| l["event_type"] == "operator.character_moved")
        .unwrap();
    assert_eq!(moved["data"]["by"], "root");
    assert!(
        !log.iter()
            .any(|l| l.to_string().contains("a long password")),
        "no password is logged"
    );
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corporation_ship_is_flown_only_for_an_actor_of_ones_own_account() {
    use common::v2026::{D2026, start_configured, world_copy};
    let (world, data) = (world_copy(), tempfile::tempdir().unwrap());
    rich_2026(world.path(), "ada");
    let role = AccountRole::Operator;
    bang::store::accounts::add_account(data.path(), "root", OPERATOR_PASSWORD, role, false)
        .unwrap();
    let server = start_configured(world.path(), data.path(), |s| s.auth = AuthMode::Accounts);
    let mut ada = Client::connect_to(server.addr, D2026).await;
    let r = ada
        .ok(
            "account.register",
            json!({"username": "ada-account", "password": "a long password"}),
        )
        .await;
    let ada_token = r["token"].as_str().unwrap().to_string();
    // A character of the world's files is the operator's to give, not the first joiner's.
    let (status, detail) = ada.err("join", json!({"character_id": "ada"})).await;
    assert_eq!(status, 403, "{detail}");
    let (mut op, _) = operator(server.addr).await;
    let give = json!({"character_id": "ada", "username": "ada-account"});
    op.ok("account.move_character", give).await;
    ada.ok("join", json!({"character_id": "ada"})).await;
    ada.ok(
        "corporation.create",
        json!({"character_id": "ada", "name": "Fleet Co"}),
    )
    .await;
    let order = json!({"character_id": "ada", "ship_type": "atlas_hauler",
        "purchase_type": "corporation", "ship_name": "Big Atlas", "initial_ship_credits": 0});
    let bought = ada.ok("ship.purchase", order).await;
    let ship = bought["ship_id"].as_str().unwrap().to_string();

    let mut mallory = Client::connect_to(server.addr, D2026).await;
    mallory
        .ok(
            "account.register",
            json!({"username": "mallory", "password": "a long password"}),
        )
        .await;
    // Naming a member as the actor was enough in open play; here the actor must be one's own.
    let (status, detail) = mallory
        .err(
            "join",
            json!({"character_id": ship, "actor_character_id": "ada"}),
        )
        .await;
    assert_eq!(status, 403, "{detail}");
    assert!(
        detail.contains("not a character of your account"),
        "{detail}"
    );
    let mut pilot = Client::connect_to(server.addr, &format!("{D2026}&token={ada_token}")).await;
    pilot
        .ok(
            "join",
            json!({"character_id": ship, "actor_character_id": "ada"}),
        )
        .await;
}
#[tokio::test]
async fn the_first_operator_is_added_from_the_command_line() {
    let data = tempfile::tempdir().unwrap();
    let add = |extra: &[&str], password: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_bang"))
            .args(["account", "add", "boss", "--operator", "--data"])
            .arg(data.path())
            .args(extra)
            .env("BANG_PASSWORD", password)
            .output()
            .unwrap()
    };
    assert!(add(&[], "first password").status.success());
    let again = add(&[], "second password");
    assert!(
        !again.status.success(),
        "an existing account is not overwritten"
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("--replace"));
    assert!(!add(&[], "short").status.success(), "too short a password");
    assert!(add(&["--replace"], "second password").status.success());
    let server = start_with(data.path(), |s| s.auth = AuthMode::Accounts);
    let mut c = Client::connect(server.addr).await;
    let login = |p: &str| json!({"username": "boss", "password": p});
    assert_eq!(c.err("account.login", login("first password")).await.0, 401);
    let r = c.ok("account.login", login("second password")).await;
    assert_eq!(r["account"]["role"], "operator");
    c.ok("reset_ports", json!({})).await;
}
