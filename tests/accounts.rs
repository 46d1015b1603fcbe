//! Accounts mode, tried as an attacker would over real sockets: taking over another account's
//! character, reusing expired or revoked tokens, guessing passwords, minting credits through
//! `join`, names with control characters or that pass for another. Each is refused with its
//! status; each is a test. Operators' side: `accounts_operators.rs`.

mod common;

use bang_components::account::AuthMode;
use common::accounts::*;
use common::{Backing, Client, named, start_with};
use serde_json::{Value, json};
use std::time::Duration;

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
async fn accounts_and_logins_survive_a_restart_on_sqlite() {
    accounts_survive_a_restart(&Backing::Sqlite).await;
}

#[tokio::test]
async fn accounts_and_logins_survive_a_restart_on_postgresql() {
    accounts_survive_a_restart(&Backing::postgres()).await;
}

async fn accounts_survive_a_restart(backing: &Backing) {
    let (server, data) = accounts_server_on(backing, |_| {});
    let (mut c, token) = registered(server.addr, "keeper").await;
    c.ok("join", json!({"character_id": "kept"})).await;
    drop(c);
    drop(server);
    let server = backing.start(data.path(), |s| s.auth = AuthMode::Accounts);
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
