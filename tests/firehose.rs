//! `/api/firehose`: every event, as the seed-era viewers read it, with the admin token when one
//! is configured.

mod common;

use common::{joined, start_with};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error, Message};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a firehose frame arrives")
            .expect("the stream is open")
            .expect("a frame");
        if let Message::Text(t) = msg {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

/// The next firehose frame of the given type (others are skipped).
async fn next_of(ws: &mut Ws, kind: &str) -> Value {
    for _ in 0..50 {
        let f = next_json(ws).await;
        if f["type"] == kind {
            return f;
        }
    }
    panic!("no {kind} frame");
}

async fn open(url: String, auth: Option<&str>) -> Result<Ws, Error> {
    let mut request = url.into_client_request().unwrap();
    if let Some(value) = auth {
        request
            .headers_mut()
            .insert("authorization", value.parse().unwrap());
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(ws, _)| ws)
}

fn refused_with(result: Result<Ws, Error>) -> u16 {
    match result {
        Err(Error::Http(response)) => response.status().as_u16(),
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("the firehose opened without the token"),
    }
}

#[tokio::test]
async fn the_firehose_streams_joins_moves_and_every_other_event() {
    let data = tempfile::tempdir().unwrap();
    let server = start_with(data.path(), |_| {});
    let mut hose = open(
        format!("ws://{}/api/firehose?detail=full", server.addr),
        None,
    )
    .await
    .unwrap();
    // The viewers' default: one line per event, no payload.
    let mut brief = open(format!("ws://{}/api/firehose", server.addr), None)
        .await
        .unwrap();
    assert_eq!(next_json(&mut brief).await["type"], "connected");
    let hello = next_json(&mut hose).await;
    assert_eq!(hello["type"], "connected");
    assert!(hello["timestamp"].is_string());

    let mut alice = joined(&server, "alice", json!({})).await;
    let join = next_of(&mut hose, "join").await;
    assert_eq!(
        (&join["character_id"], &join["sector"]),
        (&json!("alice"), &json!(0))
    );
    assert_eq!(join["event"], "character.joined");
    // The viewers send a bare "ping" now and then: it is ignored, the stream goes on.
    hose.send(Message::text("ping")).await.unwrap();
    alice
        .ok("move", json!({"character_id": "alice", "to_sector": 1}))
        .await;
    let mut status = next_of(&mut hose, "status.update").await;
    while status["payload"]["sector"] != 1 {
        status = next_of(&mut hose, "status.update").await;
    }
    assert_eq!(status["to"], json!({"characters": ["alice"]}));
    let moved = next_of(&mut hose, "movement").await;
    assert_eq!(
        (
            &moved["character_id"],
            &moved["from_sector"],
            &moved["to_sector"]
        ),
        (&json!("alice"), &json!(0), &json!(1))
    );
    // Direct chat is in it too: the firehose is the operator's view of everything.
    alice
        .ok(
            "send_message",
            json!({"character_id": "alice", "type": "broadcast", "content": "hello"}),
        )
        .await;
    let chat = next_of(&mut hose, "chat.message").await;
    assert_eq!(chat["payload"]["content"], "hello");
    // A trade (sector 1 sells equipment) sends no event, but its action-log entry reaches the
    // firehose.
    let trade = json!({"character_id": "alice", "commodity": "equipment", "quantity": 1, "trade_type": "buy"});
    let (events, reply) = alice.rpc("trade", trade).await;
    assert!(events.is_empty() && reply["ok"] == true, "{reply}");
    let logged = next_of(&mut hose, "trade.executed").await;
    assert_eq!(logged["character_id"], "alice");
    assert_eq!(logged["data"]["commodity"], "equipment");
    let brief_status = next_of(&mut brief, "status.update").await;
    assert!(brief_status.get("payload").is_none(), "{brief_status}");
    assert_eq!(
        next_of(&mut brief, "trade.executed").await["data"]["quantity"],
        1
    );
}

#[tokio::test]
async fn with_an_admin_token_the_firehose_needs_it() {
    let data = tempfile::tempdir().unwrap();
    let server = start_with(data.path(), |s| s.admin_token = Some("s3cret".into()));
    let url = format!("ws://{}/api/firehose", server.addr);
    assert_eq!(refused_with(open(url.clone(), None).await), 403);
    assert_eq!(
        refused_with(open(format!("{url}?token=wrong"), None).await),
        403
    );
    assert_eq!(
        refused_with(open(url.clone(), Some("Bearer wrong")).await),
        403
    );
    for (url, auth) in [
        (format!("{url}?token=s3cret"), None),
        (url.clone(), Some("Bearer s3cret")),
        // What `firehose_viewer.py --server http://op:s3cret@host:port` sends.
        (url.clone(), Some("Basic b3A6czNjcmV0")),
    ] {
        let mut hose = open(url, auth).await.expect("the token opens it");
        assert_eq!(next_json(&mut hose).await["type"], "connected");
    }
    // A player's socket is not a firehose: it does not see others' events.
    let mut alice = joined(&server, "alice", json!({})).await;
    let _bob = joined(&server, "bob", json!({"sector": 2})).await;
    assert!(
        alice
            .next_frame_within(Duration::from_millis(200))
            .await
            .is_none_or(|f| f["payload"]["character_id"] != "bob")
    );
}
