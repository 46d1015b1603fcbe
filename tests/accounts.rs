//! Accounts mode, tried as an attacker would over real sockets: taking over another account's
//! character, reusing expired or revoked tokens, guessing passwords, minting credits through
//! `join`, operator endpoints and `admin_override` without the role, names with control
//! characters or that pass for another. Each is refused with its status; each is a test.

mod common;

use bang::server::RunningServer;
use bang_components::account::{AccountRole, AccountSettings, AuthMode};
use common::{Client, named, start_with};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;

const QUIET: Duration = Duration::from_millis(150);
const OPERATOR_PASSWORD: &str = "operator-password";

/// An accounts-mode server with an operator `root` (added offline, as `bang account add` does).
fn accounts_server(
    adjust: impl FnOnce(&mut AccountSettings),
) -> (RunningServer, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    bang::store::accounts::add_account(
        data.path(),
        "root",
        OPERATOR_PASSWORD,
        AccountRole::Operator,
        false,
    )
    .unwrap();
    let mut settings = AccountSettings {
        metrics_token: Some("metrics-secret".into()),
        ..AccountSettings::default()
    };
    adjust(&mut settings);
    let server = start_with(data.path(), |s| {
        s.auth = AuthMode::Accounts;
        s.accounts = settings;
        s.admin_token = Some("shared-admin-token".into());
    });
    (server, data)
}

/// A connection logged in as a new account; returns it and the session token.
async fn registered(addr: SocketAddr, username: &str) -> (Client, String) {
    let mut c = Client::connect(addr).await;
    let r = c
        .ok(
            "account.register",
            json!({"username": username, "password": "a long password"}),
        )
        .await;
    assert_eq!(r["account"]["username"], username);
    (c, r["token"].as_str().unwrap().to_string())
}

async fn operator(addr: SocketAddr) -> (Client, String) {
    let mut c = Client::connect(addr).await;
    let r = c
        .ok(
            "account.login",
            json!({"username": "root", "password": OPERATOR_PASSWORD}),
        )
        .await;
    assert_eq!(r["account"]["role"], "operator");
    (c, r["token"].as_str().unwrap().to_string())
}

/// A minimal HTTP request; (status, headers, JSON body).
async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Value,
) -> (u16, String, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = body.to_string();
    let auth = bearer
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8(buf).unwrap();
    let status = text.split(' ').nth(1).unwrap().parse().unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (
        status,
        head.to_lowercase(),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn another_accounts_character_cannot_be_joined_listened_to_or_named() {
    let (server, _data) = accounts_server(|_| {});
    let (mut alice, _) = registered(server.addr, "alice").await;
    alice.ok("join", json!({"character_id": "rover"})).await;
    let (mut mallory, _) = registered(server.addr, "mallory").await;
    let (status, detail) = mallory.err("join", json!({"character_id": "rover"})).await;
    assert_eq!(status, 403, "{detail}");
    assert!(detail.contains("another account"), "{detail}");
    for frame in [
        json!({"id": "i1", "type": "identify", "character_id": "rover"}),
        json!({"id": "i2", "type": "identify", "name": "rover"}),
        // A name nobody has yet cannot be bound either: it could become someone's.
        json!({"id": "i3", "type": "identify", "name": "future-rover"}),
    ] {
        let (_, reply) = mallory.frame(frame.clone()).await;
        assert_eq!(reply["error"]["status"], 403, "{frame}: {reply}");
    }
    // No login at all: 401, whatever is claimed.
    let mut anonymous = Client::connect(server.addr).await;
    let (status, _) = anonymous
        .err("join", json!({"character_id": "rover"}))
        .await;
    assert_eq!(status, 401);
    let (status, _) = anonymous
        .err(
            "join",
            json!({"character_id": "rover", "token": "bang_not-a-real-token"}),
        )
        .await;
    assert_eq!(status, 401);
    // The owner still plays.
    alice
        .ok("move", json!({"character_id": "rover", "to_sector": 1}))
        .await;
}

#[tokio::test]
async fn a_new_join_ends_the_earlier_session_and_says_why() {
    let (server, _data) = accounts_server(|_| {});
    let (mut first, token) = registered(server.addr, "ada").await;
    first.ok("join", json!({"character_id": "lovelace"})).await;
    first.drain(QUIET).await;
    // Reconnecting with the token in the URL, as an unchanged client can.
    let mut second = Client::connect_to(server.addr, &format!("/ws?token={token}")).await;
    second.ok("join", json!({"character_id": "lovelace"})).await;
    let told = first.drain(QUIET).await;
    let ended = named(&told, "session.ended");
    assert_eq!(ended.len(), 1, "{told:?}");
    assert_eq!(ended[0]["payload"]["reason"], "joined_elsewhere");
    let (status, _) = first
        .err("move", json!({"character_id": "lovelace", "to_sector": 1}))
        .await;
    assert_eq!(status, 403);
    second
        .ok("move", json!({"character_id": "lovelace", "to_sector": 1}))
        .await;
}

#[tokio::test]
async fn expired_and_revoked_tokens_are_refused() {
    let (server, _data) = accounts_server(|s| s.session_ttl_secs = 1.0);
    let (mut c, token) = registered(server.addr, "brief").await;
    c.ok("join", json!({"character_id": "mayfly"})).await;
    c.drain(QUIET).await;
    // The login expires (1 s here): the connection is told and loses the character.
    let told = c.drain(Duration::from_millis(2500)).await;
    let ended = named(&told, "session.ended");
    assert_eq!(ended.len(), 1, "{told:?}");
    assert_eq!(ended[0]["payload"]["reason"], "login_expired");
    let mut again = Client::connect(server.addr).await;
    let (status, detail) = again
        .err("join", json!({"character_id": "mayfly", "token": token}))
        .await;
    assert_eq!(
        (status, detail.contains("expired")),
        (401, true),
        "{detail}"
    );

    // Revoked: logged out on one connection, refused on another.
    let r = again
        .ok(
            "account.login",
            json!({"username": "brief", "password": "a long password"}),
        )
        .await;
    let fresh = r["token"].as_str().unwrap().to_string();
    again.ok("account.logout", json!({})).await;
    let mut third = Client::connect(server.addr).await;
    let (status, _) = third
        .err("join", json!({"character_id": "mayfly", "token": fresh}))
        .await;
    assert_eq!(status, 401);
    let (status, _) = again.err("account.info", json!({})).await;
    assert_eq!(
        status, 401,
        "the logged-out connection is no longer logged in"
    );
}

#[tokio::test]
async fn a_password_change_ends_every_other_login() {
    let (server, _data) = accounts_server(|_| {});
    let (mut a, old_token) = registered(server.addr, "carol").await;
    a.ok("join", json!({"character_id": "carol-1"})).await;
    let mut b = Client::connect_to(server.addr, &format!("/ws?token={old_token}")).await;
    b.ok("join", json!({"character_id": "carol-2"})).await;
    b.drain(QUIET).await;
    let (status, _) = a
        .err(
            "account.change_password",
            json!({"password": "wrong one!", "new_password": "another long one"}),
        )
        .await;
    assert_eq!(status, 401);
    let r = a
        .ok(
            "account.change_password",
            json!({"password": "a long password", "new_password": "another long one"}),
        )
        .await;
    let new_token = r["token"].as_str().unwrap();
    assert_ne!(new_token, old_token);
    let told = b.drain(QUIET).await;
    assert_eq!(
        named(&told, "session.ended")[0]["payload"]["reason"],
        "logged_out"
    );
    a.ok("move", json!({"character_id": "carol-1", "to_sector": 1}))
        .await;
    let mut c = Client::connect(server.addr).await;
    assert_eq!(
        c.err(
            "join",
            json!({"character_id": "carol-2", "token": old_token})
        )
        .await
        .0,
        401
    );
    c.ok(
        "join",
        json!({"character_id": "carol-2", "token": new_token}),
    )
    .await;
}

#[tokio::test]
async fn guessing_passwords_is_held_back_per_account_and_per_address() {
    let (server, _data) = accounts_server(|s| {
        s.login_failures_per_account = 3;
        s.login_failures_per_address = 5;
    });
    registered(server.addr, "target").await;
    let mut attacker = Client::connect(server.addr).await;
    for guess in ["password1", "letmein!!", "trustno1!"] {
        let (status, _) = attacker
            .err(
                "account.login",
                json!({"username": "target", "password": guess}),
            )
            .await;
        assert_eq!(status, 401);
    }
    // Now even the right password waits, and the reply says how long.
    let (_, reply) = attacker
        .rpc(
            "account.login",
            json!({"username": "target", "password": "a long password"}),
        )
        .await;
    assert_eq!(reply["error"]["status"], 429, "{reply}");
    assert!(reply["error"]["retry_after"].as_u64().unwrap() > 0);
    // Over HTTP the same, with Retry-After.
    let (status, head, _) = http(
        server.addr,
        "POST",
        "/api/account/login",
        None,
        json!({"username": "target", "password": "a long password"}),
    )
    .await;
    assert_eq!(status, 429);
    assert!(head.contains("retry-after:"), "{head}");
    // Other accounts from this address: two more failures, then the address is held back.
    for name in ["x1", "x2"] {
        let (status, _) = attacker
            .err(
                "account.login",
                json!({"username": name, "password": "whatever!"}),
            )
            .await;
        assert_eq!(status, 401, "unknown accounts fail like wrong passwords");
    }
    let (status, detail) = attacker
        .err(
            "account.login",
            json!({"username": "x3", "password": "whatever!"}),
        )
        .await;
    assert_eq!(status, 429);
    assert!(detail.contains("address"), "{detail}");
}

#[tokio::test]
async fn registration_is_rate_limited_per_address() {
    let (server, _data) = accounts_server(|s| s.registrations_per_address = 2);
    registered(server.addr, "one").await;
    registered(server.addr, "two").await;
    let mut c = Client::connect(server.addr).await;
    let (status, _) = c
        .err(
            "account.register",
            json!({"username": "three", "password": "a long password"}),
        )
        .await;
    assert_eq!(status, 429);
}

#[tokio::test]
async fn credits_and_sector_are_set_through_join_only_by_an_operator() {
    let (server, _data) = accounts_server(|_| {});
    let (mut p, _) = registered(server.addr, "minter").await;
    for extra in [
        json!({"credits": 1_000_000_000_000_i64}),
        json!({"sector": 5}),
        json!({"ship_type": "atlas_hauler"}),
    ] {
        let mut payload = json!({"character_id": "mint"});
        payload
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let (status, detail) = p.err("join", payload).await;
        assert_eq!(status, 403, "{detail}");
        assert!(detail.contains("operator"), "{detail}");
    }
    let status = p.ok("join", json!({"character_id": "mint"})).await;
    assert_eq!(status["ship"]["credits"], 1000);
    let (mut op, _) = operator(server.addr).await;
    let status = op
        .ok("join", json!({"character_id": "mint", "credits": 5}))
        .await;
    assert_eq!(status["ship"]["credits"], 5, "an operator may");
}

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
async fn names_with_control_characters_or_that_pass_for_another_are_refused() {
    let (server, _data) = accounts_server(|_| {});
    let mut c = Client::connect(server.addr).await;
    for bad in [
        "bell\u{7}",
        "esc\u{1b}[31m",
        "rtl\u{202e}",
        " ",
        "new\nline",
        "Zoe\u{301}",
    ] {
        let (status, detail) = c
            .err(
                "account.register",
                json!({"username": bad, "password": "a long password"}),
            )
            .await;
        assert_eq!(status, 422, "{bad:?}: {detail}");
        assert!(detail.contains("username"), "{detail}");
    }
    let (mut trent, _) = registered(server.addr, "trent").await;
    let (status, _) = c
        .err(
            "account.register",
            json!({"username": "TRENT", "password": "a long password"}),
        )
        .await;
    assert_eq!(status, 409);
    let (status, _) = c
        .err(
            "account.register",
            json!({"username": "tr\u{0435}nt", "password": "a long password"}),
        )
        .await;
    assert_eq!(status, 409, "a Cyrillic e passes for a Latin one");
    trent.ok("join", json!({"character_id": "Trent"})).await;
    let (status, _) = trent.err("join", json!({"character_id": "trent"})).await;
    assert_eq!(status, 409, "a second character that looks like the first");
    let (status, _) = trent
        .err("join", json!({"character_id": "ctl\u{1b}"}))
        .await;
    assert_eq!(status, 422);
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

#[tokio::test]
async fn accounts_and_logins_survive_a_restart() {
    let (server, data) = accounts_server(|_| {});
    let (mut c, token) = registered(server.addr, "keeper").await;
    c.ok("join", json!({"character_id": "kept"})).await;
    drop(c);
    drop(server);
    let server = start_with(data.path(), |s| s.auth = AuthMode::Accounts);
    let mut c = Client::connect(server.addr).await;
    c.ok("join", json!({"character_id": "kept", "token": token}))
        .await;
    let (mut other, _) = registered(server.addr, "other").await;
    assert_eq!(
        other.err("join", json!({"character_id": "kept"})).await.0,
        403
    );
}

#[tokio::test]
async fn the_account_routes_answer_over_http() {
    let (server, _data) = accounts_server(|_| {});
    let body = json!({"username": "http-user", "password": "a long password"});
    let (status, _, r) = http(
        server.addr,
        "POST",
        "/api/account/register",
        None,
        body.clone(),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    let (status, _, r) = http(server.addr, "POST", "/api/account/login", None, body).await;
    assert_eq!(status, 200, "{r}");
    let token = r["token"].as_str().unwrap().to_string();
    let (status, _, r) = http(
        server.addr,
        "POST",
        "/api/account/info",
        Some(&token),
        Value::Null,
    )
    .await;
    assert_eq!((status, r["username"].as_str()), (200, Some("http-user")));
    let (status, _, r) = http(
        server.addr,
        "POST",
        "/api/account/logout",
        Some(&token),
        json!({}),
    )
    .await;
    assert_eq!((status, r["logged_out"].as_u64()), (200, Some(1)));
    let (status, _, _) = http(
        server.addr,
        "POST",
        "/api/account/info",
        Some(&token),
        Value::Null,
    )
    .await;
    assert_eq!(status, 401);
    let (status, _, r) = http(
        server.addr,
        "POST",
        "/api/account/register",
        None,
        json!({"username": 5}),
    )
    .await;
    assert_eq!(status, 422, "{r}");
    assert!(r["detail"].as_str().unwrap().contains("username"), "{r}");
    let (status, _, _) = http(server.addr, "POST", "/api/account/steal", None, json!({})).await;
    assert_eq!(status, 404);
}

#[test]
fn open_play_refuses_to_listen_beyond_loopback_without_insecure_open() {
    let data = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bang"))
        .args(["serve", "--listen", "0.0.0.0:0", "--data"])
        .arg(data.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--insecure-open") && err.contains("auth"),
        "{err}"
    );
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

/// Every action-log line written to the data directory's day files.
fn action_log(data: &std::path::Path) -> Vec<Value> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(data.join("action-log")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        out.extend(text.lines().filter_map(|l| serde_json::from_str(l).ok()));
    }
    out
}

/// Seeds a rich 2026-01 character (the registry learns it from the files).
fn rich_2026(world: &std::path::Path, id: &str) {
    let knowledge = json!({"character_id": id, "current_sector": 1,
        "credits": 20_000, "credits_in_bank": 500_000});
    common::v2026::seed(world, id, knowledge, None);
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
async fn an_account_keeps_at_most_sixteen_logins_and_the_oldest_goes_first() {
    let (server, _data) = accounts_server(|_| {});
    let (_first, oldest) = registered(server.addr, "often").await;
    let mut c = Client::connect(server.addr).await;
    let login = json!({"username": "often", "password": "a long password"});
    let mut newest = String::new();
    for _ in 0..16 {
        newest = c.ok("account.login", login.clone()).await["token"]
            .as_str()
            .unwrap()
            .to_string();
    }
    let mut probe = Client::connect(server.addr).await;
    let join = |token: &str| json!({"character_id": "often-1", "token": token});
    assert_eq!(
        probe.err("join", join(&oldest)).await.0,
        401,
        "the oldest ended"
    );
    probe.ok("join", join(&newest)).await;
}

#[tokio::test]
async fn logging_in_as_another_account_leaves_the_first_accounts_characters() {
    let (server, _data) = accounts_server(|_| {});
    let (mut c, _) = registered(server.addr, "first").await;
    c.ok("join", json!({"character_id": "first-ship"})).await;
    registered(server.addr, "second").await;
    c.drain(QUIET).await;
    let (events, reply) = c
        .rpc(
            "account.login",
            json!({"username": "second", "password": "a long password"}),
        )
        .await;
    assert_eq!(reply["ok"], true, "{reply}");
    assert_eq!(
        named(&events, "session.ended")[0]["payload"]["reason"],
        "logged_out"
    );
    let (status, _) = c
        .err(
            "move",
            json!({"character_id": "first-ship", "to_sector": 1}),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        c.err("join", json!({"character_id": "first-ship"})).await.0,
        403
    );
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

#[tokio::test]
async fn a_password_login_passes_the_join_deadline_and_a_presented_token_does_not() {
    let data = tempfile::tempdir().unwrap();
    let server = start_with(data.path(), |s| {
        s.auth = AuthMode::Accounts;
        s.net.unjoined_timeout = Duration::from_millis(300);
    });
    let (mut player, _) = registered(server.addr, "slow-chooser").await;
    let path = "/ws?token=bang_made-up";
    let (mut idle, _) = tokio_tungstenite::connect_async(format!("ws://{}{path}", server.addr))
        .await
        .unwrap();
    use futures_util::StreamExt;
    let closed = loop {
        match tokio::time::timeout(Duration::from_secs(5), idle.next()).await {
            Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Close(frame)))) => break frame,
            Ok(Some(Ok(_))) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(
        closed.unwrap().code,
        1008.into(),
        "a made-up token binds nothing"
    );
    // Past the deadline, the player who logged in is still there and picks a character.
    tokio::time::sleep(Duration::from_millis(400)).await;
    player.ok("join", json!({"character_id": "finally"})).await;
}
