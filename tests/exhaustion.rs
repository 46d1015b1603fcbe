//! Exhausting the server from outside, against a real `bang serve` process: clients that never
//! read hold memory only up to the configured byte budgets, running out of file descriptors
//! turns into 503s (not hung handshakes), and a second server cannot share a data directory.

mod common;

use common::{Client, crowd, http_raw, spawn_bang, spawn_bang_with};
use futures_util::SinkExt;
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::Message;

/// A /proc/PID/status field, in KiB.
fn proc_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok()))
        .unwrap_or(0.0)
}

#[tokio::test]
async fn clients_that_never_read_hold_no_more_than_the_byte_budget() {
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("bang.toml");
    // 256 KiB per connection, 4 MiB in all.
    std::fs::write(
        &config,
        "[limits]\noutbox_bytes = 262144\noutbound_bytes_total = 4194304\n",
    )
    .unwrap();
    let store = data.path().join("store");
    let (mut child, addr) = spawn_bang_with(&store, &["--config", config.to_str().unwrap()], None);
    crowd(addr, 200).await;
    let mut reader = Client::connect(addr).await;
    reader.ok("join", json!({"character_id": "reader"})).await;
    let status = reader
        .ok("my_status", json!({"character_id": "reader"}))
        .await;
    let reply_bytes = status.to_string().len();
    assert!(
        reply_bytes > 20_000,
        "each my_status reply is {reply_bytes} bytes"
    );
    let before = proc_kib(child.id(), "VmHWM:");

    // 8 connections with tiny receive buffers, each pipelining 1,100 my_status and reading
    // nothing: 8 x 1,100 x ~26 KB = ~230 MB of replies if they were all kept.
    let hogs = open_hogs(addr, child.id()).await;
    // The server cuts them as their backlogs pass the budget.
    let started = Instant::now();
    let mut cut = 0.0;
    while started.elapsed() < Duration::from_secs(20) {
        cut = metric(
            &http_raw(addr, "/metrics").await,
            "slow_client_disconnects_total",
        );
        if cut >= 8.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let m = http_raw(addr, "/metrics").await;
    for l in m.lines().filter(|l| {
        l.contains("my_status") && l.contains("count")
            || l.contains("outbound")
            || l.contains("inbox_depth")
    }) {
        eprintln!("DEBUG {l}");
    }
    eprintln!(
        "DEBUG after cut: rss {} hwm {} before {before}",
        proc_kib(child.id(), "VmRSS:"),
        proc_kib(child.id(), "VmHWM:")
    );
    assert!(cut >= 8.0, "only {cut} of 8 non-readers were cut");
    // A request stays in flight until its reply is written, so a client that does not read gets
    // at most 16 requests handled beyond what its socket buffers took: the server did not build
    // hundreds of replies nobody reads.
    let handled = metric(
        &http_raw(addr, "/metrics").await,
        "rpc_latency_seconds_count{endpoint=\"my_status\"}",
    );
    assert!(
        handled < 8.0 * 60.0,
        "{handled} my_status answered for 8 non-readers"
    );
    let grown_kib = proc_kib(child.id(), "VmHWM:").saturating_sub(before);
    // The budgets allow 4 MiB of frames; the rest is requests in flight and the allocator.
    assert!(grown_kib < 64 * 1024, "peak memory grew by {grown_kib} KiB");
    // Everyone else is still served.
    let again = reader
        .ok("my_status", json!({"character_id": "reader"}))
        .await;
    assert_eq!(again["name"], "reader");
    drop(hogs);
    child.kill().unwrap();
    let _ = child.wait();
}

#[tokio::test]
async fn short_of_descriptors_the_server_answers_503_instead_of_hanging() {
    let data = tempfile::tempdir().unwrap();
    // 300 descriptors: bang lowers its WebSocket limit to fit them with its reserve.
    let (mut child, addr) = spawn_bang_with::<&str>(data.path(), &[], Some(300));
    let mut open = Vec::new();
    let mut refused = 0;
    for _ in 0..320 {
        match tokio::time::timeout(
            Duration::from_secs(5),
            tokio_tungstenite::connect_async(format!("ws://{addr}/ws")),
        )
        .await
        .expect("every handshake is answered, none hangs")
        {
            Ok((ws, _)) => open.push(ws),
            Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
                assert_eq!(r.status(), 503);
                refused += 1;
            }
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    assert!(
        refused > 0,
        "all 320 were accepted under a limit of 300 descriptors"
    );
    assert!(open.len() >= 100, "only {} accepted", open.len());
    let health = http_raw(addr, "/healthz").await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    drop(open);
    child.kill().unwrap();
    let _ = child.wait();
}

#[tokio::test]
async fn a_second_server_on_the_same_data_directory_refuses_to_start() {
    let data = tempfile::tempdir().unwrap();
    let (mut first, addr) = spawn_bang(data.path());
    let second = std::process::Command::new(env!("CARGO_BIN_EXE_bang"))
        .args(["serve", "--listen", "127.0.0.1:0", "--world-data"])
        .arg(common::small_world_dir())
        .arg("--data")
        .arg(data.path())
        .output()
        .unwrap();
    assert!(!second.status.success());
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(
        said.contains("in use by another bang process") && said.contains(&first.id().to_string()),
        "{said}"
    );
    // The first one is untouched.
    let mut c = Client::connect(addr).await;
    c.ok("join", json!({"character_id": "alice"})).await;
    first.kill().unwrap();
    let _ = first.wait();
    // Once it is gone (even by kill -9), the directory is free again.
    let (mut third, _) = spawn_bang(data.path());
    third.kill().unwrap();
    let _ = third.wait();
}

/// The non-readers, kept open by the caller until the checks are done.
async fn open_hogs(
    addr: std::net::SocketAddr,
    pid: u32,
) -> Vec<tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>> {
    let mut hogs = Vec::new();
    for i in 0..8 {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let stream = socket.connect(addr).await.unwrap();
        let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/ws"), stream)
            .await
            .unwrap();
        let id = format!("hog{i}");
        let join =
            json!({"id": "j", "type": "rpc", "endpoint": "join", "payload": {"character_id": id}});
        ws.send(Message::text(join.to_string())).await.unwrap();
        for n in 0..1100 {
            let frame = json!({"id": format!("s{n}"), "type": "rpc", "endpoint": "my_status", "payload": {"character_id": id}});
            if ws.feed(Message::text(frame.to_string())).await.is_err() {
                break;
            }
        }
        let _ = ws.flush().await;
        hogs.push(ws);
        eprintln!(
            "DEBUG hog {i}: rss {} hwm {}",
            proc_kib(pid, "VmRSS:"),
            proc_kib(pid, "VmHWM:")
        );
    }
    hogs
}
