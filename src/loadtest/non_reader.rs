//! `--non-readers N`: connections that send and never read, the client a server's byte budgets
//! are for. Each one first creates its character over an ordinary connection (so its arrival in a
//! crowded sector is told to the crowd during the ramp-up, not during the measured window), then,
//! when the ramp-up (and `--settle`) ends, opens a socket with a small receive buffer, joins that character again
//! and pipelines `my_status` without ever reading, until the server cuts it or the load stops.

use super::Config;
use super::error::LoadtestError;
use super::figures::round3;
use super::player::{self, Phase};
use bang_components::api::Endpoint;
use bang_systems::characters::Join;
use bang_systems::characters::MyStatus;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// The socket's receive buffer: the kernel rounds it up (Linux doubles it), still a few KiB, so
/// the server's frames pile up on its side almost at once.
const RECV_BUFFER: u32 = 4096;
/// Requests written at a time, and how often: 16 every 16 ms is 1,000 a second, the server's
/// default per-connection rate (`requests_per_sec`), in batches of its default `max_in_flight`.
const BATCH: usize = 16;
const BATCH_EVERY: Duration = Duration::from_millis(16);
const TIMEOUT: Duration = Duration::from_secs(30);

/// [`NonReaders`] as a shard report gives them.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct NonReaderState {
    pub configured: usize,
    pub created: u64,
    pub connected: u64,
    pub requests_sent: u64,
    pub cut: u64,
    pub open_at_stop: u64,
    pub cut_after: Vec<f64>,
    pub failures: Vec<String>,
}

/// What the non-readers did, for the report.
#[derive(Default)]
pub(crate) struct NonReaders {
    pub configured: usize,
    /// Characters created (over a reading connection, before the non-reading one).
    pub created: AtomicU64,
    /// Non-reading connections opened (the WebSocket handshake done).
    pub connected: AtomicU64,
    /// Requests written to the socket (the join and the `my_status`es).
    pub requests_sent: AtomicU64,
    /// Connections the server ended: a write failed before the stop.
    pub cut: AtomicU64,
    /// Connections still open when the load stopped.
    pub open_at_stop: AtomicU64,
    /// After the non-readers began, seconds until each cut.
    cut_after: Mutex<Vec<f64>>,
    failures: Mutex<Vec<String>>,
}

impl NonReaders {
    pub fn new(configured: usize) -> NonReaders {
        NonReaders {
            configured,
            ..Default::default()
        }
    }

    fn failed(&self, what: String) {
        let mut f = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if f.len() < 10 {
            f.push(what);
        }
    }

    pub fn failures(&self) -> usize {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    /// The raw figures, for a shard report.
    pub fn to_state(&self) -> NonReaderState {
        let lock = |m: &Mutex<Vec<_>>| m.lock().unwrap_or_else(|p| p.into_inner()).clone();
        NonReaderState {
            configured: self.configured,
            created: self.created.load(Ordering::Relaxed),
            connected: self.connected.load(Ordering::Relaxed),
            requests_sent: self.requests_sent.load(Ordering::Relaxed),
            cut: self.cut.load(Ordering::Relaxed),
            open_at_stop: self.open_at_stop.load(Ordering::Relaxed),
            cut_after: lock(&self.cut_after),
            failures: self
                .failures
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        }
    }

    /// The shards' non-readers as one: counts summed, cut times and failures together (the
    /// failures kept to the first ten, as in one process).
    pub fn merged<'a>(shards: impl IntoIterator<Item = &'a NonReaderState>) -> NonReaders {
        let n = NonReaders::default();
        let mut configured = 0;
        for s in shards {
            configured += s.configured;
            n.created.fetch_add(s.created, Ordering::Relaxed);
            n.connected.fetch_add(s.connected, Ordering::Relaxed);
            n.requests_sent
                .fetch_add(s.requests_sent, Ordering::Relaxed);
            n.cut.fetch_add(s.cut, Ordering::Relaxed);
            n.open_at_stop.fetch_add(s.open_at_stop, Ordering::Relaxed);
            n.cut_after
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend(&s.cut_after);
            for f in &s.failures {
                n.failed(f.clone());
            }
        }
        NonReaders { configured, ..n }
    }

    pub fn to_json(&self) -> Value {
        let mut cuts = self
            .cut_after
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        cuts.sort_by(f64::total_cmp);
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        json!({
            "configured": self.configured,
            "characters_created": self.created.load(Ordering::Relaxed),
            "connected": self.connected.load(Ordering::Relaxed),
            "requests_sent": self.requests_sent.load(Ordering::Relaxed),
            "cut_by_server": self.cut.load(Ordering::Relaxed),
            "open_at_stop": self.open_at_stop.load(Ordering::Relaxed),
            "cut_after_secs": {
                "first": cuts.first().copied().map(round3),
                "median": cuts.get(cuts.len() / 2).copied().map(round3),
                "last": cuts.last().copied().map(round3),
            },
            "failures": *failures,
        })
    }
}

/// One non-reader: its character at once, its silent connection from `start_at`.
pub(crate) async fn run(
    index: usize,
    cfg: std::sync::Arc<Config>,
    stats: std::sync::Arc<NonReaders>,
    mut phase: watch::Receiver<Phase>,
    start_at: Instant,
) {
    let id = format!("{}-nr{index}", cfg.prefix);
    let sector = cfg.non_reader_sector();
    if let Err(e) = create(&cfg.addr, &id, sector).await {
        stats.failed(format!("{id}: creating the character: {e}"));
        return;
    }
    stats.created.fetch_add(1, Ordering::Relaxed);
    let running = tokio::select! {
        _ = tokio::time::sleep_until(start_at.into()) => true,
        _ = phase.wait_for(|p| *p != Phase::Run) => false,
    };
    if !running {
        return;
    }
    let mut ws = match open(&cfg.addr).await {
        Ok(ws) => ws,
        Err(e) => {
            stats.failed(format!("{id}: {e}"));
            return;
        }
    };
    stats.connected.fetch_add(1, Ordering::Relaxed);
    let began = Instant::now();
    let join = json!({"id": "join", "type": "rpc", "endpoint": Join::NAME,
        "payload": {"character_id": id, "sector": sector}});
    let status = json!({"type": "rpc", "endpoint": MyStatus::NAME,
        "payload": {"character_id": id}});
    let mut frames = vec![join.to_string()];
    let mut next_id = 0u64;
    let mut every = tokio::time::interval(BATCH_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        // Written whole or not at all: a write that waits (the server stopped reading) waits
        // here, and the stop still ends it.
        let sent = frames.len() as u64;
        let write = async {
            for f in frames.drain(..) {
                ws.feed(Message::text(f)).await?;
            }
            ws.flush().await
        };
        let outcome = tokio::select! {
            r = write => Some(r),
            _ = phase.wait_for(|p| *p != Phase::Run) => None,
        };
        match outcome {
            Some(Ok(())) => {
                stats.requests_sent.fetch_add(sent, Ordering::Relaxed);
            }
            Some(Err(_)) => {
                stats.cut.fetch_add(1, Ordering::Relaxed);
                stats
                    .cut_after
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(began.elapsed().as_secs_f64());
                return;
            }
            None => {
                stats.open_at_stop.fetch_add(1, Ordering::Relaxed);
                return;
            }
        }
        tokio::select! {
            _ = every.tick() => {}
            _ = phase.wait_for(|p| *p != Phase::Run) => {
                stats.open_at_stop.fetch_add(1, Ordering::Relaxed);
                return;
            }
        }
        for _ in 0..BATCH {
            next_id += 1;
            let mut frame = status.clone();
            frame["id"] = json!(format!("s{next_id}"));
            frames.push(frame.to_string());
        }
    }
}

/// Joins (creating) the character over an ordinary connection, reads the reply, closes.
async fn create(addr: &str, id: &str, sector: u32) -> Result<(), LoadtestError> {
    let mut ws = player::connect(addr).await?;
    let frame = json!({"id": "create", "type": "rpc", "endpoint": Join::NAME,
        "payload": {"character_id": id, "sector": sector}});
    ws.send(Message::text(frame.to_string()))
        .await
        .map_err(LoadtestError::Send)?;
    let deadline = Instant::now() + TIMEOUT;
    loop {
        match tokio::time::timeout_at(deadline.into(), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let head: super::wire::Head =
                    serde_json::from_str(&t).map_err(LoadtestError::Frame)?;
                if head.frame_type == "rpc" && head.id.as_deref() == Some("create") {
                    let _ = ws.close(None).await;
                    return if head.ok == Some(true) {
                        Ok(())
                    } else {
                        Err(LoadtestError::JoinRefused(t.to_string()))
                    };
                }
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => return Err(LoadtestError::Read(e)),
            Ok(None) => return Err(LoadtestError::ClosedBeforeJoinReply),
            Err(_) => return Err(LoadtestError::NoJoinReply),
        }
    }
}

type RawWs = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// A WebSocket over a socket with a small receive buffer. Only the handshake's answer is read.
async fn open(addr: &str) -> Result<RawWs, LoadtestError> {
    let target: SocketAddr = addr.parse().map_err(|source| LoadtestError::SocketAddr {
        addr: addr.to_string(),
        source,
    })?;
    let socket = if target.is_ipv4() {
        tokio::net::TcpSocket::new_v4()
    } else {
        tokio::net::TcpSocket::new_v6()
    }
    .map_err(LoadtestError::Socket)?;
    socket
        .set_recv_buffer_size(RECV_BUFFER)
        .map_err(LoadtestError::RecvBuffer)?;
    let connecting = async {
        let stream = socket
            .connect(target)
            .await
            .map_err(LoadtestError::TcpConnect)?;
        let _ = stream.set_nodelay(true);
        let config = WebSocketConfig::default().write_buffer_size(0);
        tokio_tungstenite::client_async_with_config(format!("ws://{addr}/ws"), stream, Some(config))
            .await
            .map(|(ws, _)| ws)
            .map_err(LoadtestError::Handshake)
    };
    tokio::time::timeout(TIMEOUT, connecting)
        .await
        .map_err(|_| LoadtestError::ConnectTimeout)?
}
