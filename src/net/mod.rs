//! The network side: the only module that knows about sockets. A tokio runtime on its own
//! thread serves HTTP and WebSocket, decodes frames into typed requests and hands them to the ECS
//! through a bounded crossbeam channel (the inbox); the ECS answers through a bounded per-
//! connection outbox that the connection's writer task drains.

mod account_routes;
pub mod auth;
pub mod bridge;
mod firehose;
pub mod frames;
mod http;
pub mod inbox;
mod listener;
pub mod outbox;
mod ws;

use bang_components::session::{ConnectionId, WireDialect};
use bang_components::universe::Universe;
use bang_systems::endpoints::RequestReceived;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize};
use std::time::Duration;

/// What crosses from the network thread to the ECS.
pub enum Inbound {
    Opened {
        conn: ConnectionId,
        outbox: Outbox,
        role: Role,
        /// The peer's address.
        peer: Option<std::net::IpAddr>,
        /// A session token presented when connecting.
        token: Option<String>,
    },
    Closed {
        conn: ConnectionId,
    },
    /// Boxed: a request is far larger than the other variants.
    Request(Box<RequestReceived>),
}

/// What a connection is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A client at `/ws`, speaking a dialect: requests in, replies and its events out.
    Player(WireDialect),
    /// An operator's `/api/firehose`: every event out, nothing in.
    Firehose(firehose::Detail),
}

pub use outbox::{OutboundBudget, Outbox};

/// Network limits and sizes.
#[derive(Debug, Clone)]
pub struct NetConfig {
    pub listen: SocketAddr,
    /// Open WebSockets at most; a further upgrade is answered 503.
    pub max_connections: usize,
    /// Sockets kept beyond `max_connections` for HTTP (the 503s, `/healthz`, `/metrics`); past
    /// both, a new socket is answered a bare 503 and closed.
    pub socket_reserve: usize,
    /// Sockets one address may hold at once (0: no limit).
    pub max_connections_per_address: usize,
    /// Whether the per-address limit applies to loopback too (local load tests open thousands).
    pub limit_loopback: bool,
    /// Time for a new socket to send its HTTP request headers (the WebSocket handshake).
    pub handshake_timeout: Duration,
    /// Time a WebSocket has to join, identify or subscribe before it is closed (1008).
    pub unjoined_timeout: Duration,
    /// Largest accepted WebSocket message, bytes.
    pub max_message_bytes: usize,
    /// Frames queued for one connection before it counts as too slow and is dropped.
    pub outbox_frames: usize,
    /// Bytes waiting for one connection before it counts as too slow and is dropped.
    pub outbox_bytes: usize,
    /// Bytes waiting in all outboxes together before connections with a backlog are dropped.
    pub outbound_bytes_total: usize,
    /// Longest a connection's socket may refuse to take queued frames before the client is cut
    /// as too slow (it is not reading).
    pub write_timeout: Duration,
    /// The kernel's send buffer of each socket, bytes (Linux otherwise grows it to 4 MiB, outside
    /// every budget).
    pub socket_send_buffer_bytes: usize,
    /// Socket read/write buffer sizes, bytes (tungstenite's defaults cost ~135 KiB per idle
    /// connection).
    pub socket_buffer_bytes: usize,
    /// A WebSocket ping goes out this often; a peer silent for three intervals is dropped.
    pub ping_interval: Duration,
    pub worker_threads: usize,
    /// Requests of one connection being handled at once; past it the connection is not read
    /// until replies go out.
    pub max_in_flight: usize,
    /// Requests per second one connection may send (token bucket), and the burst it may save up.
    pub requests_per_sec: f64,
    pub request_burst: f64,
    /// The operator's token; `/api/firehose` requires it when set.
    pub admin_token: Option<String>,
    /// The dialect of a `/ws` connection that does not name one (`?dialect=`).
    pub dialect: WireDialect,
    /// Whether operators are accounts (their logins open `/metrics` and the firehose) or hold
    /// the shared admin token.
    pub auth: bang_components::account::AuthMode,
    /// In accounts mode, a token that opens `/metrics` alone.
    pub metrics_token: Option<String>,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8000)),
            max_connections: 20_000,
            socket_reserve: 64,
            max_connections_per_address: 256,
            limit_loopback: false,
            handshake_timeout: Duration::from_secs(10),
            unjoined_timeout: Duration::from_secs(60),
            max_message_bytes: 64 * 1024,
            outbox_frames: 1024,
            outbox_bytes: 4 * 1024 * 1024,
            outbound_bytes_total: 256 * 1024 * 1024,
            socket_buffer_bytes: 8 * 1024,
            write_timeout: Duration::from_secs(10),
            socket_send_buffer_bytes: 256 * 1024,
            ping_interval: Duration::from_secs(20),
            worker_threads: 1,
            max_in_flight: 16,
            requests_per_sec: 1000.0,
            request_burst: 2000.0,
            admin_token: None,
            dialect: WireDialect::default(),
            auth: Default::default(),
            metrics_token: None,
        }
    }
}

/// State shared by every connection task.
pub(crate) struct Shared {
    pub config: NetConfig,
    pub inbox: crossbeam_channel::Sender<Inbound>,
    pub universe: Arc<Universe>,
    pub metrics: Arc<crate::metrics::Metrics>,
    pub next_conn: AtomicU64,
    pub open_connections: AtomicUsize,
    pub budget: Arc<OutboundBudget>,
    pub sockets: listener::SocketCount,
    /// The leaderboard's last standings (built by the game loop).
    pub standings: bang_systems::v2026::leaderboard::Published,
    /// Operators' logins (published by the game loop).
    pub operators: auth::OperatorLogins,
    /// Whether the store's database can be reached (`/healthz`).
    pub store_health: Option<Arc<crate::store::StoreHealth>>,
}

/// What the game loop publishes for the routes the network thread answers alone.
#[derive(Clone, Default)]
pub struct ReadModels {
    /// The leaderboard's last standings.
    pub standings: bang_systems::v2026::leaderboard::Published,
    /// Operators' logins (`/metrics`, the firehose).
    pub operators: auth::OperatorLogins,
    /// Whether the store's database can be reached (`/healthz`).
    pub store_health: Option<Arc<crate::store::StoreHealth>>,
}

/// The running network thread.
pub struct NetHandle {
    pub local_addr: SocketAddr,
    /// Set by the network thread when the process is asked to stop (Ctrl-C, SIGTERM).
    pub stop_requested: Arc<AtomicBool>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl NetHandle {
    /// Stops accepting and closes every connection.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for NetHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Binds the listener (so the address is known, also for port 0) and starts the network thread.
pub fn spawn_network(
    mut config: NetConfig,
    inbox: crossbeam_channel::Sender<Inbound>,
    universe: Arc<Universe>,
    metrics: Arc<crate::metrics::Metrics>,
    budget: Arc<OutboundBudget>,
    read_models: ReadModels,
    watch_signals: bool,
) -> std::io::Result<NetHandle> {
    listener::fit_descriptor_limit(&mut config);
    let listener = std::net::TcpListener::bind(config.listen)?;
    listener.set_nonblocking(true)?;
    let local_addr = listener.local_addr()?;
    let stop_requested = Arc::new(AtomicBool::new(false));
    let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.worker_threads.max(1))
        .thread_name("bang-net")
        .enable_all()
        .build()?;
    let shared = Arc::new(Shared {
        config,
        inbox,
        universe,
        metrics,
        next_conn: AtomicU64::new(1),
        open_connections: AtomicUsize::new(0),
        budget,
        sockets: Default::default(),
        standings: read_models.standings,
        operators: read_models.operators,
        store_health: read_models.store_health,
    });
    let stop = stop_requested.clone();
    let thread = std::thread::Builder::new()
        .name("bang-net-main".into())
        .spawn(move || {
            runtime.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(listener) {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::error!(error = %e, "cannot use the listening socket");
                        stop.store(true, std::sync::atomic::Ordering::SeqCst);
                        return;
                    }
                };
                let router = http::router(shared.clone());
                let stopped = async move {
                    let signals = async {
                        if watch_signals {
                            wait_for_signal().await;
                            stop.store(true, std::sync::atomic::Ordering::SeqCst);
                        } else {
                            std::future::pending::<()>().await;
                        }
                    };
                    tokio::select! {
                        _ = shutdown_rx => {}
                        _ = signals => {}
                    }
                };
                listener::serve(listener, router, shared, stopped).await;
            });
            runtime.shutdown_timeout(Duration::from_millis(500));
        })?;
    Ok(NetHandle {
        local_addr,
        stop_requested,
        shutdown: Some(shutdown_tx),
        thread: Some(thread),
    })
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
