//! Shared test helpers: the small hand-made world, an in-memory App harness that steps the fixed
//! clock by hand, and a WebSocket client for tests over real sockets.
#![allow(dead_code)]

pub mod accounts;
pub mod backing;
pub mod ledger;
pub mod pg;
pub mod v2026;

pub use backing::Backing;

use bang::net::NetConfig;
use bang::server::{RunningServer, ServerSettings, WorldSource};
use bang_components::messages::{FrameQueued, ReplyBody};
use bang_components::time::Timestamp;
use bang_components::universe::Universe;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

pub fn small_world_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small-world")
}

pub fn small_universe() -> Arc<Universe> {
    Arc::new(bang::world::load_universe(&small_world_dir()).expect("test world loads"))
}

/// The tests' fixed "now" (the harness's).
pub const T0: Timestamp = bang_systems::harness::T0;

/// A game on the small world with a manual clock, stepping the fixed clock once per update: the
/// systems crate's harness, built from the real plugins.
pub type Harness = bang_systems::harness::Game;

/// The harness on the small world.
pub fn harness() -> Harness {
    Harness::new(bang_systems::harness::setup(small_universe()))
}

/// The reply body of the last frame (which must be a reply) as JSON, or its error.
pub fn reply_of(frames: &[FrameQueued]) -> Result<Value, (u16, String)> {
    match frames.last().expect("a reply") {
        FrameQueued::Reply { body, .. } => match body {
            Ok(ReplyBody::Typed(result)) => {
                Ok(serde_json::from_str(result.to_json().unwrap().get()).unwrap())
            }
            Ok(ReplyBody::Rendered(raw)) => Ok(serde_json::from_str(raw.get()).unwrap()),
            Err(e) => Err((e.status, e.detail.clone())),
        },
        other => panic!("last frame is not a reply: {other:?}"),
    }
}

/// A server on the small world with a fresh data directory (kept alive by the returned guard).
pub fn start_server(tick_hz: f64) -> (RunningServer, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let server = start_server_in(data.path(), tick_hz, NetConfig::default());
    (server, data)
}

pub fn start_server_in(data: &std::path::Path, tick_hz: f64, net: NetConfig) -> RunningServer {
    start_with(data, |s| {
        s.tick_hz = tick_hz;
        s.net = net;
    })
}

/// Starts a server on the small world, letting the test adjust the settings.
pub fn start_with(
    data: &std::path::Path,
    adjust: impl FnOnce(&mut ServerSettings),
) -> RunningServer {
    let mut settings = ServerSettings {
        world: WorldSource::Dir(small_world_dir()),
        data: data.to_path_buf(),
        ..ServerSettings::default()
    };
    adjust(&mut settings);
    settings.net.listen = "127.0.0.1:0".parse().unwrap();
    RunningServer::spawn(settings).expect("server starts")
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A protocol-level client: sends frames, collects what comes back.
pub struct Client {
    ws: Ws,
    next_id: u64,
}

/// How long a test waits for a frame that should come (never for game time to pass).
const FRAME_WAIT: Duration = Duration::from_secs(5);

impl Client {
    pub async fn connect(addr: std::net::SocketAddr) -> Client {
        Client::connect_to(addr, "/ws").await
    }

    /// Connects to `path` (e.g. `/ws?dialect=2026-01`).
    pub async fn connect_to(addr: std::net::SocketAddr, path: &str) -> Client {
        let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}{path}"))
            .await
            .expect("websocket connects");
        Client { ws, next_id: 1 }
    }

    pub async fn send_text(&mut self, text: &str) {
        self.ws.send(Message::text(text)).await.unwrap();
    }

    pub async fn send_raw(&mut self, msg: Message) {
        self.ws.send(msg).await.unwrap();
    }

    /// The next JSON frame, or None on close/timeout.
    pub async fn next_frame_within(&mut self, wait: Duration) -> Option<Value> {
        loop {
            match tokio::time::timeout(wait, self.ws.next()).await {
                Ok(Some(Ok(Message::Text(t)))) => return Some(serde_json::from_str(&t).unwrap()),
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
                _ => return None,
            }
        }
    }

    pub async fn next_frame(&mut self) -> Value {
        self.next_frame_within(FRAME_WAIT)
            .await
            .expect("a frame arrives")
    }

    /// Sends an RPC and returns (events received before the reply, the reply frame).
    pub async fn rpc(&mut self, endpoint: &str, payload: Value) -> (Vec<Value>, Value) {
        let id = format!("r{}", self.next_id);
        self.next_id += 1;
        let frame = json!({"id": id, "type": "rpc", "endpoint": endpoint, "payload": payload});
        self.send_text(&frame.to_string()).await;
        self.until_reply(&id).await
    }

    /// Sends a raw frame object and waits for the reply with its id.
    pub async fn frame(&mut self, frame: Value) -> (Vec<Value>, Value) {
        let id = frame["id"]
            .as_str()
            .expect("frame has a string id")
            .to_string();
        self.send_text(&frame.to_string()).await;
        self.until_reply(&id).await
    }

    pub async fn until_reply(&mut self, id: &str) -> (Vec<Value>, Value) {
        let mut events = Vec::new();
        loop {
            let f = self.next_frame().await;
            if f["frame_type"] == "rpc" && f["id"] == id {
                return (events, f);
            }
            events.push(f);
        }
    }

    /// The result of a successful RPC (panics with the error otherwise).
    pub async fn ok(&mut self, endpoint: &str, payload: Value) -> Value {
        let (_, reply) = self.rpc(endpoint, payload).await;
        assert_eq!(reply["ok"], true, "{endpoint} failed: {reply}");
        reply["result"].clone()
    }

    /// The (status, detail) of a failed RPC (panics if it succeeded).
    pub async fn err(&mut self, endpoint: &str, payload: Value) -> (u64, String) {
        let (_, reply) = self.rpc(endpoint, payload).await;
        assert_eq!(reply["ok"], false, "{endpoint} should fail: {reply}");
        (
            reply["error"]["status"].as_u64().unwrap(),
            reply["error"]["detail"].as_str().unwrap().to_string(),
        )
    }

    /// Asserts nothing arrives for a short while (used after the last expected frame).
    pub async fn expect_silence(&mut self, wait: Duration) {
        if let Some(f) = self.next_frame_within(wait).await {
            panic!("unexpected frame: {f}");
        }
    }

    /// Events in the queue right now (waits briefly for stragglers).
    pub async fn drain(&mut self, wait: Duration) -> Vec<Value> {
        let mut out = Vec::new();
        while let Some(f) = self.next_frame_within(wait).await {
            out.push(f);
        }
        out
    }
}

/// The events with this name.
pub fn named<'a>(events: &'a [Value], name: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["event"] == name).collect()
}

/// Starts the real binary and reads the address it prints.
pub fn spawn_bang(data: &std::path::Path) -> (Child, std::net::SocketAddr) {
    spawn_bang_with::<&str>(data, &[], None)
}

/// Starts the real binary with extra `serve` arguments, under an open-file limit if given.
pub fn spawn_bang_with<S: AsRef<std::ffi::OsStr>>(
    data: &std::path::Path,
    extra: &[S],
    open_files: Option<u64>,
) -> (Child, std::net::SocketAddr) {
    let mut command = match open_files {
        // The shell lowers the limit for itself, then becomes bang.
        Some(n) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!("ulimit -n {n} && exec \"$0\" \"$@\""))
                .arg(env!("CARGO_BIN_EXE_bang"));
            c
        }
        None => Command::new(env!("CARGO_BIN_EXE_bang")),
    };
    let mut child = command
        .args(["serve", "--listen", "127.0.0.1:0", "--world-data"])
        .arg(small_world_dir())
        .arg("--data")
        .arg(data)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("bang starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("bang listening on ws://")
        .and_then(|s| s.strip_suffix("/ws"))
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .parse()
        .unwrap();
    (child, addr)
}

impl Client {
    /// Reads frames until an event with this name arrives; returns it and everything before it.
    pub async fn until_event(&mut self, name: &str) -> (Vec<Value>, Value) {
        let mut before = Vec::new();
        loop {
            let f = self.next_frame().await;
            if f["frame_type"] == "event" && f["event"] == name {
                return (before, f);
            }
            before.push(f);
        }
    }
}

/// The event names in a list of frames, in order.
pub fn event_names(frames: &[Value]) -> Vec<String> {
    frames
        .iter()
        .filter(|f| f["frame_type"] == "event")
        .map(|f| f["event"].as_str().unwrap().to_string())
        .collect()
}

/// A minimal HTTP/1.1 GET, so the tests need no HTTP client crate.
pub async fn http_get(addr: std::net::SocketAddr, path: String) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8(buf).unwrap();
    let status: u16 = text.split(' ').nth(1).unwrap().parse().unwrap();
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// A minimal HTTP/1.1 GET returning the raw body.
pub async fn http_text(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8(buf).unwrap();
    let status: u16 = text.split(' ').nth(1).unwrap().parse().unwrap();
    (
        status,
        text.split("\r\n\r\n").nth(1).unwrap_or("").to_string(),
    )
}

impl Client {
    /// Like `rpc`, but `None` for the reply if the connection dies first.
    pub async fn rpc_or_lost(
        &mut self,
        endpoint: &str,
        payload: Value,
    ) -> (Vec<Value>, Option<Value>) {
        let id = format!("r{}", self.next_id);
        self.next_id += 1;
        let frame = json!({"id": id, "type": "rpc", "endpoint": endpoint, "payload": payload});
        if self
            .ws
            .send(Message::text(frame.to_string()))
            .await
            .is_err()
        {
            return (Vec::new(), None);
        }
        let mut events = Vec::new();
        loop {
            let Some(f) = self.next_frame_within(FRAME_WAIT).await else {
                return (events, None);
            };
            if f["frame_type"] == "rpc" && f["id"] == id {
                return (events, Some(f));
            }
            events.push(f);
        }
    }
}

/// A server for the load tester's tests: seed 7, and a fight round nobody finishes ends after
/// 3 s (players answer well within it).
pub fn loadtest_server() -> (RunningServer, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let mut balance = bang_components::balance::Balance::default();
    balance.combat.round_timeout_secs = 3.0;
    let server = start_with(data.path(), |s| {
        s.seed = Some(7);
        s.balance = bang::server::BalanceSource::Value(Box::new(balance));
    });
    (server, data)
}

/// A server on the small world with seed 42 and the given round timeout.
pub fn combat_server(round_timeout_secs: f64) -> (bang::server::RunningServer, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let mut balance = bang_components::balance::Balance::default();
    balance.combat.round_timeout_secs = round_timeout_secs;
    let s = start_with(data.path(), |s| {
        s.seed = Some(42);
        s.balance = bang::server::BalanceSource::Value(Box::new(balance));
    });
    (s, data)
}

/// A connection that joined `id` (with extra join fields).
pub async fn joined(server: &bang::server::RunningServer, id: &str, extra: Value) -> Client {
    let mut c = Client::connect(server.addr).await;
    let mut payload = json!({"character_id": id});
    for (k, v) in extra.as_object().unwrap() {
        payload[k] = v.clone();
    }
    c.ok("join", payload).await;
    c
}

/// Submits a combat action and returns (events before the reply, the result).
pub async fn act(c: &mut Client, id: &str, combat_id: &str, action: Value) -> (Vec<Value>, Value) {
    let mut payload = json!({"character_id": id, "combat_id": combat_id});
    for (k, v) in action.as_object().unwrap() {
        payload[k] = v.clone();
    }
    let (events, reply) = c.rpc("combat.action", payload).await;
    assert_eq!(reply["ok"], true, "combat.action failed: {reply}");
    (events, reply["result"].clone())
}

/// "keeper" stations `fighters` in sector 1 as a toll garrison (25 credits) and waits in sector 0.
pub async fn toll_gate(server: &bang::server::RunningServer, fighters: i64) -> Client {
    let mut keeper = joined(server, "keeper", json!({"sector": 1})).await;
    let deploy = json!({"character_id": "keeper", "sector": 1, "quantity": fighters, "mode": "toll", "toll_amount": 25});
    keeper.ok("combat.leave_fighters", deploy).await;
    keeper
        .ok("move", json!({"character_id": "keeper", "to_sector": 0}))
        .await;
    keeper
}

/// `GET path` on a fresh socket; the whole answer.
pub async fn http_raw(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    s.write_all(request.as_bytes()).await.unwrap();
    let mut out = String::new();
    let read = tokio::time::timeout(Duration::from_secs(5), s.read_to_string(&mut out)).await;
    assert!(read.is_ok(), "GET {path} got no answer in 5 s");
    out
}

/// Joins `n` characters with long names into sector 0, 30 to a connection, and lets them go.
pub async fn crowd(addr: std::net::SocketAddr, n: usize) {
    for chunk in (0..n).collect::<Vec<_>>().chunks(30) {
        let mut c = Client::connect(addr).await;
        for i in chunk {
            let name = format!("{i:04}-{}", "x".repeat(100));
            c.ok("join", json!({"character_id": name})).await;
        }
    }
}
