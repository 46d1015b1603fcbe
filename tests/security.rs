//! Security and limits over real sockets: ownership of characters, character tokens, request
//! floods, and thousands of connections opened and dropped.

mod common;

use common::{Client, named, start_server};
use serde_json::json;
use std::time::Duration;

const QUIET: Duration = Duration::from_millis(150);

#[tokio::test]
async fn a_connection_reads_and_binds_only_the_characters_it_joined() {
    let (server, _data) = start_server(20.0);
    let mut a = Client::connect(server.addr).await;
    let mut watcher = Client::connect(server.addr).await;
    a.ok("join", json!({"character_id": "alice"})).await;
    watcher.drain(QUIET).await;
    // The reference let anyone read or listen in on anyone: bang refuses with 403.
    for (endpoint, payload) in [
        ("my_status", json!({"character_id": "alice"})),
        ("my_map", json!({"character_id": "alice"})),
        ("move", json!({"character_id": "alice", "to_sector": 1})),
        (
            "send_message",
            json!({"character_id": "alice", "type": "broadcast", "content": "spoof"}),
        ),
    ] {
        assert_eq!(watcher.err(endpoint, payload).await.0, 403, "{endpoint}");
    }
    let (_, reply) = watcher
        .frame(json!({"id": "i0", "type": "identify", "character_id": "alice"}))
        .await;
    assert_eq!(reply["error"]["status"], 403);
    let (_, reply) = watcher
        .frame(json!({"id": "s0", "type": "subscribe", "event": "status.update", "character_id": "alice"}))
        .await;
    assert_eq!(reply["error"]["status"], 403);

    // Joining is how a client takes its character over (for instance after a reconnect).
    watcher.ok("join", json!({"character_id": "alice"})).await;
    let status = watcher
        .ok("my_status", json!({"character_id": "alice"}))
        .await;
    assert!(status.get("character_id").is_none());
    assert_eq!(status["name"], "alice");
    assert_eq!(
        watcher.err("my_status", json!({})).await,
        (400, "Missing character_id".into())
    );
    assert_eq!(
        watcher
            .err("my_status", json!({"character_id": "zed"}))
            .await,
        (404, "Character 'zed' not found".into())
    );
    watcher.drain(QUIET).await;
    a.ok("move", json!({"character_id": "alice", "to_sector": 2}))
        .await;
    let seen = watcher.drain(QUIET).await;
    assert_eq!(named(&seen, "status.update").len(), 1);
    assert_eq!(named(&seen, "character.moved").len(), 1);

    let (_, reply) = watcher
        .frame(json!({"id": "s1", "type": "subscribe", "event": "status.update", "character_id": "alice"}))
        .await;
    assert_eq!(reply["endpoint"], "subscribe");
    assert_eq!(
        reply["result"],
        json!({"subscribed": "status.update", "character_id": "alice"})
    );
    let initial = watcher.next_frame().await;
    assert_eq!(initial["event"], "status.update");
    assert_eq!(initial["payload"]["name"], "alice");
    assert_eq!(initial["character_filter"], json!(["alice"]));
    let (_, reply) = watcher
        .frame(json!({"id": "s2", "type": "subscribe", "event": "status.update", "character_id": "ghost"}))
        .await;
    assert_eq!(
        reply["error"],
        json!({"status": 404, "detail": "Character 'ghost' not found"})
    );
    watcher.expect_silence(QUIET).await;

    subscriptions_without_a_character(server.addr).await;
}

#[tokio::test]
async fn a_flooding_connection_is_throttled_without_hurting_others() {
    let data = tempfile::tempdir().unwrap();
    let server = common::start_with(data.path(), |s| {
        s.net.requests_per_sec = 5.0;
        s.net.request_burst = 5.0;
    });
    let mut flood = Client::connect(server.addr).await;
    for i in 0..20 {
        flood
            .send_text(&json!({"id": format!("f{i}"), "endpoint": "server_status"}).to_string())
            .await;
    }
    let mut ok = 0;
    let mut limited = 0;
    for _ in 0..20 {
        let f = flood.next_frame().await;
        match f["ok"].as_bool() {
            Some(true) => ok += 1,
            _ => {
                assert_eq!(f["error"]["status"], 429);
                assert_eq!(f["error"]["code"], "rate_limited");
                limited += 1;
            }
        }
    }
    assert!(
        (5..=7).contains(&ok),
        "the burst passes, a little refill maybe: {ok}"
    );
    assert_eq!(ok + limited, 20, "every frame got exactly one answer");
    // Another connection is unaffected.
    let mut calm = Client::connect(server.addr).await;
    assert_eq!(
        calm.ok("server_status", json!({})).await["status"],
        "running"
    );
}

#[tokio::test]
async fn with_character_tokens_configured_join_needs_the_token() {
    let data = tempfile::tempdir().unwrap();
    let server = common::start_with(data.path(), |s| {
        s.character_tokens
            .insert("alice".into(), "open-sesame".into());
    });
    let mut c = Client::connect(server.addr).await;
    assert_eq!(c.err("join", json!({"character_id": "alice"})).await.0, 403);
    assert_eq!(
        c.err("join", json!({"character_id": "alice", "token": "guess"}))
            .await
            .0,
        403
    );
    assert_eq!(
        c.err("join", json!({"character_id": "mallory", "token": "x"}))
            .await
            .0,
        403
    );
    // A character with no configured token cannot be joined at all (tokenless used to pass).
    assert_eq!(
        c.err("join", json!({"character_id": "mallory"})).await.0,
        403
    );
    let status = c
        .ok(
            "join",
            json!({"character_id": "alice", "token": "open-sesame"}),
        )
        .await;
    assert_eq!(status["name"], "alice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_connections_opened_and_dropped_leave_the_server_serving() {
    let data = tempfile::tempdir().unwrap();
    let server = common::start_with(data.path(), |s| s.net.max_connections = 1500);
    let addr = server.addr;
    let attempts: Vec<_> = (0..2000)
        .map(|_| {
            tokio::spawn(async move {
                tokio_tungstenite::connect_async(format!("ws://{addr}/ws"))
                    .await
                    .ok()
            })
        })
        .collect();
    let mut open = Vec::new();
    let mut refused = 0;
    for a in attempts {
        match a.await.unwrap() {
            Some((ws, _)) => open.push(ws),
            None => refused += 1,
        }
    }
    assert!(open.len() <= 1500, "the limit holds: {}", open.len());
    assert!(open.len() >= 1000, "most got in: {}", open.len());
    assert_eq!(open.len() + refused, 2000);
    // While they are all open, someone else is still served... once a slot frees up.
    drop(open.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut c = Client::connect(addr).await;
    assert_eq!(c.ok("server_status", json!({})).await["status"], "running");
    // Drop them all abruptly (no close handshake).
    drop(open);
    let mut connections = u64::MAX;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (_, health) = common::http_get(addr, "/healthz".into()).await;
        connections = health["connections"].as_u64().unwrap();
        if connections <= 1 {
            break;
        }
    }
    assert!(
        connections <= 1,
        "dropped connections are cleaned up: {connections} left"
    );
    c.ok("join", json!({"character_id": "survivor"})).await;
}

#[tokio::test]
async fn a_join_is_announced_to_its_sector_not_to_everyone() {
    let (server, _data) = start_server(20.0);
    let mut far = Client::connect(server.addr).await;
    far.ok("join", json!({"character_id": "far", "sector": 5}))
        .await;
    let mut near = Client::connect(server.addr).await;
    near.ok("join", json!({"character_id": "near"})).await;
    far.drain(QUIET).await;
    near.drain(QUIET).await;
    let mut newcomer = Client::connect(server.addr).await;
    newcomer
        .ok("join", json!({"character_id": "newcomer"}))
        .await;
    let heard = near.drain(QUIET).await;
    assert_eq!(named(&heard, "character.joined").len(), 1);
    // The reference broadcast every join to every connection.
    far.expect_silence(QUIET).await;
}

/// A connection that joined nobody: what it may subscribe to and identify as.
async fn subscriptions_without_a_character(addr: std::net::SocketAddr) {
    let mut sub = Client::connect(addr).await;
    let (_, reply) = sub
        .frame(json!({"id": "s3", "type": "subscribe", "event": "chat.message"}))
        .await;
    assert_eq!(reply["result"], json!({"subscribed": "chat.message"}));
    let (_, reply) = sub
        .frame(json!({"id": "s4", "type": "subscribe", "event": "warp.transfer"}))
        .await;
    assert_eq!(
        reply["error"]["detail"],
        "Unknown event subscription: warp.transfer"
    );
    let (_, reply) = sub.frame(json!({"id": "s5", "type": "subscribe"})).await;
    assert_eq!(reply["error"]["detail"], "Unknown event subscription: None");
    let (_, reply) = sub
        .frame(json!({"id": "s6", "type": "subscribe", "event": "status.update"}))
        .await;
    assert_eq!(
        reply["error"],
        json!({"status": 400, "detail": "Missing character_id"})
    );
    let (_, reply) = sub.frame(json!({"id": "i1", "type": "identify"})).await;
    assert_eq!(reply["error"]["detail"], "Missing name or character_id");
    // A name that is nobody's character may be used for chat routing.
    let (_, reply) = sub
        .frame(json!({"id": "i2", "type": "identify", "name": "lurker"}))
        .await;
    assert_eq!(reply["result"], json!({"identified": true}));
}

#[tokio::test]
async fn names_that_would_rewrite_or_spoof_others_screens_are_refused() {
    let (server, _data) = start_server(20.0);
    let mut c = Client::connect(server.addr).await;
    let bad = [
        "nul\u{0}name",
        "\u{7}bell",
        "\u{1b}[2J\u{1b}[31mRED",
        "admin\u{202e}txt.exe",
        "two\nlines",
        " ",
        " padded",
        "zero\u{200b}width",
    ];
    for name in bad {
        let (status, detail) = c.err("join", json!({"character_id": name})).await;
        assert_eq!(status, 422, "{name:?}: {detail}");
        assert!(detail.contains("character_id"), "{name:?}: {detail}");
    }
    let identify = json!({"id": "i", "type": "identify", "name": "eve\u{1b}[0m"});
    let (_, reply) = c.frame(identify).await;
    assert_eq!(reply["error"]["status"], 422, "{reply}");
    assert!(
        reply["error"]["detail"].as_str().unwrap().contains("name"),
        "{reply}"
    );
    // Ordinary names, spaces inside and other scripts included, still join.
    for name in ["Trader Bob", "Zoë", "星際商人"] {
        c.ok("join", json!({"character_id": name})).await;
    }
}

#[tokio::test]
async fn a_name_bound_before_its_character_existed_is_taken_back_when_it_joins() {
    let data = tempfile::tempdir().unwrap();
    let server = common::start_with(data.path(), |s| {
        s.character_tokens.insert("trent".into(), "t-secret".into());
        s.character_tokens.insert("alice".into(), "a-secret".into());
    });
    // Mallory binds trent's name and id before trent ever joins.
    let mut mallory = Client::connect(server.addr).await;
    let bind = json!({"id": "i1", "type": "identify", "name": "trent", "character_id": "trent"});
    let (_, reply) = mallory.frame(bind).await;
    assert_eq!(reply["ok"], true, "{reply}");
    let mut trent = Client::connect(server.addr).await;
    trent
        .ok(
            "join",
            json!({"character_id": "trent", "token": "t-secret"}),
        )
        .await;
    let mut alice = Client::connect(server.addr).await;
    alice
        .ok(
            "join",
            json!({"character_id": "alice", "token": "a-secret"}),
        )
        .await;
    mallory.drain(QUIET).await;
    let dm =
        json!({"character_id": "alice", "type": "direct", "to_name": "trent", "content": "psst"});
    alice.ok("send_message", dm).await;
    let heard = mallory.drain(QUIET).await;
    assert!(named(&heard, "chat.message").is_empty(), "{heard:?}");
    assert!(named(&heard, "status.update").is_empty(), "{heard:?}");
    let dm = named(&trent.drain(QUIET).await, "chat.message").len();
    assert_eq!(dm, 1, "trent gets its own message");
    let spoof = json!({"character_id": "trent", "type": "broadcast", "content": "it's me"});
    assert_eq!(mallory.err("send_message", spoof).await.0, 403);
}

#[tokio::test]
async fn a_fight_is_shown_only_to_its_participants_and_those_in_its_sector() {
    let (server, _data) = common::combat_server(30.0);
    let mut a = common::joined(&server, "a", json!({"sector": 1})).await;
    let _b = common::joined(&server, "b", json!({"sector": 1})).await;
    let started = a.ok("combat.initiate", json!({"character_id": "a"})).await;
    let combat_id = started["combat_id"].as_str().unwrap().to_string();
    let ask = json!({"combat_id": combat_id});
    let mut stranger = Client::connect(server.addr).await;
    assert_eq!(stranger.err("combat.status", ask.clone()).await.0, 404);
    stranger
        .ok("join", json!({"character_id": "far", "sector": 3}))
        .await;
    assert_eq!(stranger.err("combat.status", ask.clone()).await.0, 404);
    let mut near = common::joined(&server, "near", json!({"sector": 1})).await;
    assert_eq!(
        near.ok("combat.status", ask.clone()).await["combat_id"],
        combat_id.as_str()
    );
    assert_eq!(
        a.ok("combat.status", ask).await["combat_id"],
        combat_id.as_str()
    );
}
