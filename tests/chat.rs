//! Chat routing and limits, and the action log agreeing with the store after a kill -9.

mod common;

use common::{Client, spawn_bang, start_server};
use serde_json::{Value, json};
use std::time::Duration;

const QUIET: Duration = Duration::from_millis(150);

fn read_log(dir: &std::path::Path) -> Vec<Value> {
    let mut files: Vec<_> = std::fs::read_dir(dir.join("action-log"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect::<Vec<Value>>()
        })
        .collect()
}

#[tokio::test]
async fn chat_reaches_exactly_the_right_connections() {
    let (server, _data) = start_server(20.0);
    let mut alice = Client::connect(server.addr).await;
    let mut bob = Client::connect(server.addr).await;
    let mut carol = Client::connect(server.addr).await;
    let mut listener = Client::connect(server.addr).await;
    let mut deaf = Client::connect(server.addr).await;
    alice.ok("join", json!({"character_id": "alice"})).await;
    bob.ok("join", json!({"character_id": "bob"})).await;
    carol.ok("join", json!({"character_id": "carol"})).await;
    listener
        .frame(json!({"id": "s", "type": "subscribe", "event": "chat.message"}))
        .await;
    for c in [&mut alice, &mut bob, &mut carol, &mut listener, &mut deaf] {
        c.drain(QUIET).await;
    }
    // A broadcast from a sender that never joined still reaches every chat-on connection.
    let (events, reply) = listener
        .rpc(
            "send_message",
            json!({"character_id": "ghost", "type": "broadcast", "content": "hello all"}),
        )
        .await;
    let id = reply["result"]["id"].as_i64().unwrap();
    assert_eq!(id, 1);
    let msg = &events[0];
    assert_eq!(msg["event"], "chat.message");
    assert!(msg.get("character_filter").is_none());
    let p = msg["payload"].as_object().unwrap();
    assert_eq!(
        p.keys().collect::<Vec<_>>(),
        ["id", "timestamp", "type", "from_name", "content"]
    );
    for c in [&mut alice, &mut bob, &mut carol] {
        assert_eq!(c.next_frame().await["payload"]["content"], "hello all");
    }
    deaf.expect_silence(QUIET).await;

    // A direct message: the recipient and the sender's own connection, nobody else.
    let (events, reply) = alice
        .rpc(
            "send_message",
            json!({"character_id": "alice", "type": "direct", "content": "psst", "to_name": "bob"}),
        )
        .await;
    assert_eq!(reply["result"]["id"], 2);
    assert_eq!(events[0]["payload"]["to_name"], "bob");
    let got = bob.next_frame().await;
    assert_eq!(
        (
            got["payload"]["type"].clone(),
            got["payload"]["from_name"].clone()
        ),
        (json!("direct"), json!("alice"))
    );
    carol.expect_silence(QUIET).await;
    listener.expect_silence(QUIET).await;

    assert_eq!(
        alice
            .err(
                "send_message",
                json!({"character_id": "alice", "type": "broadcast", "content": "again"})
            )
            .await,
        (429, "Rate limit 1 msg/sec".into())
    );
    refused_messages(&mut bob).await;
    // Refusals did not count against bob's rate limit; 512 code points are fine.
    let long = "é".repeat(512);
    let ok = bob
        .ok(
            "send_message",
            json!({"character_id": "bob", "type": "broadcast", "content": long}),
        )
        .await;
    assert_eq!(ok["id"], 3);
}

#[tokio::test]
async fn kill_9_after_trades_and_chat_loses_nothing_and_the_log_agrees() {
    let data = tempfile::tempdir().unwrap();
    let (mut child, addr) = spawn_bang(data.path());
    let mut c = Client::connect(addr).await;
    c.ok("join", json!({"character_id": "k", "sector": 1}))
        .await;
    let bought = c
        .ok("trade", json!({"character_id": "k", "commodity": "equipment", "quantity": 5, "trade_type": "buy"}))
        .await;
    let sent = c
        .ok(
            "send_message",
            json!({"character_id": "k", "type": "broadcast", "content": "before the crash"}),
        )
        .await;
    child.kill().unwrap();
    child.wait().unwrap();

    let log = read_log(data.path());
    let seqs: Vec<i64> = log.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "seq is 1, 2, 3…"
    );
    let kinds: Vec<&str> = log
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["character.joined", "trade.executed", "chat.message_sent"]
    );
    let trade = &log[1];
    assert_eq!(trade["actor_id"], "k");
    assert_eq!(trade["data"]["total_price"], bought["total_price"]);
    assert!(trade["session_id"].as_str().unwrap().starts_with("ws_"));
    assert!(trade["timestamp"].as_str().unwrap().ends_with('Z'));
    assert_eq!(log[2]["data"]["message_id"], sent["id"]);

    let (mut child, addr) = spawn_bang(data.path());
    let mut c = Client::connect(addr).await;
    let status = c.ok("join", json!({"character_id": "k"})).await;
    assert_eq!(status["ship"]["credits"], bought["new_credits"]);
    assert_eq!(status["ship"]["cargo"]["equipment"], 5);
    assert_eq!(
        status["sector_contents"]["port"]["last_seen_stock"]["equipment"],
        695
    );
    // Message ids and log sequence numbers continue across the restart.
    let next = c
        .ok(
            "send_message",
            json!({"character_id": "k2", "type": "broadcast", "content": "after"}),
        )
        .await;
    assert_eq!(next["id"], sent["id"].as_i64().unwrap() + 1);
    child.kill().unwrap();
    child.wait().unwrap();
    let log = read_log(data.path());
    // The rejoin and the new message followed, numbered on.
    assert_eq!(log.len(), 5);
    assert_eq!(log[3]["event_type"], "character.joined");
    assert_eq!(log[4]["seq"], 5);
    let mut store = bang::store::Store::open(data.path(), bang::store::Durability::Normal).unwrap();
    let history = store.chat_messages().unwrap();
    assert_eq!(
        history
            .iter()
            .map(|m| m.content.as_str())
            .collect::<Vec<_>>(),
        ["before the crash", "after"]
    );
}

#[tokio::test]
async fn a_connection_cannot_pass_the_rate_limit_under_new_names() {
    let (server, _data) = start_server(20.0);
    let mut spammer = Client::connect(server.addr).await;
    spammer
        .frame(json!({"id": "s", "type": "subscribe", "event": "chat.message"}))
        .await;
    let mut other = Client::connect(server.addr).await;
    let say = |name: &str| json!({"character_id": name, "type": "broadcast", "content": "buy now"});
    spammer.ok("send_message", say("n1")).await;
    // Names that are not characters count against the connection: a fresh one does not pass.
    for name in ["n2", "n3", "n4"] {
        assert_eq!(
            spammer.err("send_message", say(name)).await,
            (429, "Rate limit 1 msg/sec".into()),
            "{name}"
        );
    }
    // Another connection is not held back by it.
    other.ok("send_message", say("n5")).await;
}

/// Messages refused for what they are (not for the rate limit), each with its reason.
async fn refused_messages(bob: &mut Client) {
    for (payload, detail) in [
        (
            json!({"character_id": "bob", "type": "shout", "content": "x"}),
            "Invalid parameters",
        ),
        (
            json!({"type": "broadcast", "content": "x"}),
            "Invalid parameters",
        ),
        (
            json!({"character_id": "bob", "type": "broadcast", "content": "   "}),
            "Empty content",
        ),
        (
            json!({"character_id": "bob", "type": "broadcast", "content": "x".repeat(513)}),
            "Content too long (max 512)",
        ),
        (
            json!({"character_id": "bob", "type": "direct", "content": "x"}),
            "Missing to_name for direct message",
        ),
        (
            json!({"character_id": "bob", "type": "broadcast", "content": "bell\u{7}"}),
            "Content contains control characters",
        ),
    ] {
        assert_eq!(
            bob.err("send_message", payload.clone()).await,
            (400, detail.to_string()),
            "{payload}"
        );
    }
}
