//! What an attacker found, each as a test over real sockets: frames of any size are delivered,
//! sockets that never speak or never join are closed, the per-address and connection limits
//! answer 503 while descriptors remain, protocol violations get close frames with their codes.

mod common;

use bang::net::NetConfig;
use common::{Client, crowd, http_raw, start_with};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

fn server(adjust: impl FnOnce(&mut NetConfig)) -> (bang::server::RunningServer, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let s = start_with(data.path(), |s| adjust(&mut s.net));
    (s, data)
}

/// Reads from a raw socket until the server closes it; returns what it sent and how long that
/// took (None if it stayed open for `wait`).
async fn until_closed(stream: &mut TcpStream, wait: Duration) -> Option<(String, Duration)> {
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(
            wait.saturating_sub(started.elapsed()),
            stream.read(&mut buf),
        )
        .await
        {
            Ok(Ok(0)) | Ok(Err(_)) => {
                return Some((String::from_utf8_lossy(&got).into(), started.elapsed()));
            }
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return None,
        }
    }
}

#[tokio::test]
async fn a_frame_bigger_than_any_write_buffer_is_delivered_and_the_connection_goes_on() {
    // Small buffers: the old write-buffer limit was 4 x 1 KiB here, and a bigger frame stalled
    // its connection for good (at the defaults the cut-off was 256 KiB).
    let (server, _data) = server(|n| {
        n.max_message_bytes = 1024;
        n.socket_buffer_bytes = 1024;
    });
    crowd(server.addr, 60).await;
    let mut c = Client::connect(server.addr).await;
    let (events, reply) = c.rpc("join", json!({"character_id": "late"})).await;
    assert_eq!(reply["ok"], true);
    let status = events
        .iter()
        .find(|e| e["event"] == "status.update")
        .unwrap();
    assert!(
        status.to_string().len() > 8 * 1024,
        "the status frame is big"
    );
    assert_eq!(
        reply["result"]["sector_contents"]["other_players_total"],
        60
    );
    // The connection still works.
    let again = c.ok("my_status", json!({"character_id": "late"})).await;
    assert_eq!(again["name"], "late");
}

#[tokio::test]
async fn a_crowded_sector_lists_two_hundred_players_and_counts_the_rest() {
    let (server, _data) = server(|_| {});
    crowd(server.addr, 230).await;
    let mut c = Client::connect(server.addr).await;
    let status = c.ok("join", json!({"character_id": "late"})).await;
    let contents = &status["sector_contents"];
    assert_eq!(contents["other_players"].as_array().unwrap().len(), 200);
    assert_eq!(contents["other_players_total"], 230);
}

#[tokio::test]
async fn sockets_that_send_nothing_or_dribble_their_headers_are_closed() {
    let (server, _data) = server(|n| n.handshake_timeout = Duration::from_millis(500));
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let (_, after) = until_closed(&mut silent, Duration::from_secs(5))
        .await
        .expect("a silent socket is closed");
    assert!(after < Duration::from_secs(3), "closed after {after:?}");
    // Headers one byte at a time, never finished in time.
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    let request = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    let started = Instant::now();
    let mut closed = false;
    for byte in request {
        if slow.write_all(&[*byte]).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if !closed {
        closed = until_closed(&mut slow, Duration::from_secs(5))
            .await
            .is_some();
    }
    assert!(closed && started.elapsed() < Duration::from_secs(6));
}

#[tokio::test]
async fn a_websocket_that_never_joins_is_closed_with_1008() {
    let (server, _data) = server(|n| n.unjoined_timeout = Duration::from_millis(300));
    let (mut idle, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", server.addr))
        .await
        .unwrap();
    let mut joined = Client::connect(server.addr).await;
    joined.ok("join", json!({"character_id": "alice"})).await;
    let close = loop {
        match tokio::time::timeout(Duration::from_secs(5), idle.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => break frame.expect("a close frame"),
            Ok(Some(Ok(_))) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(close.code, CloseCode::Policy);
    // The joined one stays.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let status = joined
        .ok("my_status", json!({"character_id": "alice"}))
        .await;
    assert_eq!(status["name"], "alice");
}

#[tokio::test]
async fn an_address_over_its_share_gets_503_and_others_are_untouched() {
    let (server, _data) = server(|n| {
        n.max_connections_per_address = 3;
        n.limit_loopback = true;
    });
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(Client::connect(server.addr).await);
    }
    let mut fourth = TcpStream::connect(server.addr).await.unwrap();
    let (answer, _) = until_closed(&mut fourth, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("Too many connections from this address"));
    // Closing one gives its place back.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut again = Client::connect(server.addr).await;
    again.ok("join", json!({"character_id": "alice"})).await;
}

#[tokio::test]
async fn at_the_connection_limit_upgrades_get_503_and_health_still_answers() {
    let (server, _data) = server(|n| {
        n.max_connections = 2;
        n.socket_reserve = 2;
    });
    let _a = Client::connect(server.addr).await;
    let _b = Client::connect(server.addr).await;
    match tokio_tungstenite::connect_async(format!("ws://{}/ws", server.addr)).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 503),
        other => panic!("expected 503, got {other:?}"),
    }
    assert!(
        http_raw(server.addr, "/healthz")
            .await
            .starts_with("HTTP/1.1 200")
    );
    // Past the reserve too, a socket is answered a bare 503 without being read.
    let _c = TcpStream::connect(server.addr).await.unwrap();
    let _d = TcpStream::connect(server.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        http_raw(server.addr, "/healthz")
            .await
            .starts_with("HTTP/1.1 503")
    );
}

async fn close_code_after(frame: Message, adjust: impl FnOnce(&mut NetConfig)) -> CloseCode {
    let (server, _data) = server(adjust);
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", server.addr))
        .await
        .unwrap();
    let _ = ws.send(frame).await;
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
            Ok(Some(Ok(Message::Close(Some(frame))))) => return frame.code,
            Ok(Some(Ok(_))) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn protocol_violations_are_closed_with_their_codes() {
    use tokio_tungstenite::tungstenite::protocol::frame::Frame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
    let big = Message::text("x".repeat(4096));
    let code = close_code_after(big, |n| n.max_message_bytes = 1024).await;
    assert_eq!(code, CloseCode::Size, "oversize: 1009");
    let bad_utf8 = Frame::message(vec![0xff, 0xfe, 0x41], OpCode::Data(Data::Text), true);
    let code = close_code_after(Message::Frame(bad_utf8), |_| {}).await;
    assert_eq!(code, CloseCode::Invalid, "invalid UTF-8: 1007");
    let mut reserved = Frame::message(b"{}".to_vec(), OpCode::Data(Data::Text), true);
    reserved.header_mut().rsv2 = true;
    let code = close_code_after(Message::Frame(reserved), |_| {}).await;
    assert_eq!(code, CloseCode::Protocol, "reserved bits: 1002");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_file_s_rate_limits_hold_a_character_s_requests_and_bad_ones_stop_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[rate_limits]\ntrade = { limit = 0, window = 1.0 }\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bang"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&bad)
        .arg("--data")
        .arg(dir.path().join("data-bad"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("rate_limits.trade"), "{said}");

    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        "[rate_limits]\nmy_status = { limit = 1, window = 0.4 }\n",
    )
    .unwrap();
    let data = dir.path().join("data");
    let (mut child, addr) =
        common::spawn_bang_with(&data, &["--config", good.to_str().unwrap()], None);
    let mut c = Client::connect(addr).await;
    c.ok("join", json!({"character_id": "a"})).await;
    let started = Instant::now();
    for id in ["s1", "s2"] {
        let frame = json!({"id": id, "type": "rpc", "endpoint": "my_status", "payload": {"character_id": "a"}});
        c.send_text(&frame.to_string()).await;
    }
    let (_, first) = c.until_reply("s1").await;
    let (_, second) = c.until_reply("s2").await;
    assert_eq!(
        (first["ok"].as_bool(), second["ok"].as_bool()),
        (Some(true), Some(true))
    );
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "the second waited for the window: {:?}",
        started.elapsed()
    );
    child.kill().unwrap();
}
