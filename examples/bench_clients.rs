//! Load clients for docs/BENCHMARKS.md (run by `scripts/bench-foundation`).
//!
//! - `idle`: opens N WebSocket connections (optionally joining one character each), holds them
//!   open while reading whatever arrives, and, given the server's pid, reports the server's
//!   resident memory and CPU while they are held.
//! - `rtt`: N connections, each joined as its own character, send `my_status` back to back (one
//!   request outstanding per connection) and report throughput and round-trip latency.
//!
//! Each prints a one-line JSON summary on stdout; progress goes to stderr. Linux only for the
//! `/proc` figures.
//!
//! ```text
//! cargo run --release --example bench_clients -- idle --addr 127.0.0.1:8765 --connections 1000 --hold-secs 20
//! cargo run --release --example bench_clients -- rtt --addr 127.0.0.1:8765 --connections 50 --secs 20
//! ```

use bang::loadtest::probe::{self, cpu_ticks};
use clap::{Args, Parser, Subcommand};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, watch};
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;
type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Parser)]
#[command(about = "WebSocket load clients for the bang server benchmarks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Hold N idle connections open and report the server's memory and CPU meanwhile.
    Idle(IdleArgs),
    /// Round-trip latency of back-to-back `my_status` on N joined connections.
    Rtt(RttArgs),
}

#[derive(Args)]
struct Common {
    /// Server address (host:port); the client connects to ws://ADDR/ws
    #[arg(long)]
    addr: SocketAddr,
    /// Number of WebSocket connections
    #[arg(long)]
    connections: usize,
    /// Connections being opened (and joined) at the same time
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Server process id: report its VmRSS and CPU time from /proc
    #[arg(long)]
    server_pid: Option<u32>,
    /// Clock ticks per second of /proc/PID/stat (`getconf CLK_TCK`)
    #[arg(long, default_value_t = 100)]
    clk_tck: u64,
    /// Character ids are PREFIX-0, PREFIX-1, ...
    #[arg(long, default_value = "bench")]
    prefix: String,
    /// Wire dialect the connections ask for (`/ws?dialect=`): 2025-10 or 2026-01 (in 2026-01,
    /// `join` and `my_status` answer `{"success": true}` after the status event; the latency is
    /// to that reply)
    #[arg(long, default_value = "2025-10")]
    dialect: String,
}

impl Common {
    fn url(&self) -> String {
        format!("ws://{}/ws?dialect={}", self.addr, self.dialect)
    }
}

#[derive(Args)]
struct IdleArgs {
    #[command(flatten)]
    common: Common,
    /// Join one character per connection (otherwise only connect)
    #[arg(long)]
    join: bool,
    /// With --join: character i starts in sector i % N instead of the default start sector (every
    /// reply then lists everyone in that sector, which grows with the number of characters)
    #[arg(long, value_name = "N")]
    spread: Option<u32>,
    /// Seconds to wait after the last connection is ready before the first reading
    #[arg(long, default_value_t = 3.0)]
    settle_secs: f64,
    /// Seconds to hold the connections open (server CPU is measured over this span)
    #[arg(long, default_value_t = 20.0)]
    hold_secs: f64,
}

#[derive(Args)]
struct RttArgs {
    #[command(flatten)]
    common: Common,
    /// Seconds of measured load
    #[arg(long, default_value_t = 20.0)]
    secs: f64,
    /// Seconds of load before measuring starts (not counted)
    #[arg(long, default_value_t = 2.0)]
    warmup_secs: f64,
}

/// The parts of a frame the clients look at; everything else is skipped unparsed.
#[derive(Deserialize)]
struct FrameHead {
    frame_type: String,
    id: Option<String>,
    ok: Option<bool>,
}

fn rpc_frame(id: &str, endpoint: &str, character_id: &str) -> String {
    rpc_frame_with(id, endpoint, json!({"character_id": character_id}))
}

fn rpc_frame_with(id: &str, endpoint: &str, payload: serde_json::Value) -> String {
    json!({"id": id, "type": "rpc", "endpoint": endpoint, "payload": payload}).to_string()
}

async fn connect(url: &str) -> Result<Ws, BoxError> {
    let (ws, _) = tokio_tungstenite::connect_async(url).await?;
    Ok(ws)
}

/// Sends one RPC and reads until its reply, skipping events. Returns the reply's `ok`, and
/// counts the other frames read into `skipped`.
async fn rpc(ws: &mut Ws, frame: String, id: &str, skipped: &AtomicU64) -> Result<bool, BoxError> {
    ws.send(Message::text(frame)).await?;
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => {
                let head: FrameHead = serde_json::from_str(&text)?;
                if head.frame_type == "rpc" && head.id.as_deref() == Some(id) {
                    return Ok(head.ok == Some(true));
                }
                skipped.fetch_add(1, Ordering::Relaxed);
            }
            Some(Ok(Message::Close(_))) | None => return Err("connection closed".into()),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e.into()),
        }
    }
}

/// Resident set size of a process, KiB.
fn rss_kib(pid: u32) -> Option<u64> {
    probe::rss_kib(&pid.to_string())
}

/// CPU use between two tick readings as a percentage of one core.
fn cpu_pct(before: Option<u64>, after: Option<u64>, clk_tck: u64, wall: Duration) -> Option<f64> {
    let ticks = after?.checked_sub(before?)?;
    Some(round2(
        ticks as f64 / clk_tck as f64 / wall.as_secs_f64() * 100.0,
    ))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s.max(0.0))
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Idle(args) => idle(args).await,
        Command::Rtt(args) => rtt(args).await,
    };
    match result {
        Ok(summary) => println!("{summary}"),
        Err(e) => {
            eprintln!("bench_clients: {e}");
            std::process::exit(1);
        }
    }
}

/// Where a connection says whether it is ready (opened, and joined if asked), or why not.
type ReadyRx = tokio::sync::oneshot::Receiver<Result<(), String>>;

/// What the idle connections count between them.
#[derive(Default)]
struct IdleCounts {
    ready: AtomicUsize,
    closed_by_server: AtomicUsize,
    frames_read: AtomicU64,
}

async fn idle(args: IdleArgs) -> Result<serde_json::Value, BoxError> {
    let c = &args.common;
    let server = c.server_pid.map(|p| p.to_string());
    let rss_empty = c.server_pid.and_then(rss_kib);
    let gate = Arc::new(Semaphore::new(c.concurrency.max(1)));
    let counts = Arc::new(IdleCounts::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(c.connections);
    for i in 0..c.connections {
        let character = format!("{}-{i}", c.prefix);
        let join = args.join.then(|| match args.spread {
            Some(n) => json!({"character_id": character, "sector": i as u64 % n.max(1) as u64}),
            None => json!({"character_id": character}),
        });
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<Result<(), String>>();
        let task = hold(
            c.url(),
            character,
            join,
            gate.clone(),
            counts.clone(),
            stop_rx.clone(),
            ready_tx,
        );
        tasks.push((ready_rx, tokio::spawn(task)));
    }
    let (failures, handles) = ready_all(tasks).await;
    let open_secs = started.elapsed().as_secs_f64();
    let opened = counts.ready.load(Ordering::Relaxed);
    eprintln!(
        "idle: {opened}/{} connections ready in {open_secs:.1} s{}",
        c.connections,
        if args.join { " (joined)" } else { "" }
    );
    if let Some(first) = failures.first() {
        eprintln!("idle: {} failed, first: {first}", failures.len());
    }
    tokio::time::sleep(secs(args.settle_secs)).await;
    let rss_loaded = c.server_pid.and_then(rss_kib);
    let cpu_before = server.as_deref().and_then(cpu_ticks);
    let hold_started = Instant::now();
    tokio::time::sleep(secs(args.hold_secs)).await;
    let cpu_after = server.as_deref().and_then(cpu_ticks);
    let held = hold_started.elapsed();
    let rss_end = c.server_pid.and_then(rss_kib);
    let _ = stop_tx.send(true);
    for h in handles {
        let _ = h.await;
    }
    let delta = match (rss_empty, rss_loaded) {
        (Some(a), Some(b)) => Some(b as i64 - a as i64),
        _ => None,
    };
    Ok(json!({
        "mode": "idle",
        "joined": args.join,
        "spread": args.spread,
        "connections": c.connections,
        "opened": opened,
        "failed": failures.len(),
        "closed_by_server": counts.closed_by_server.load(Ordering::Relaxed),
        "open_secs": round2(open_secs),
        "frames_read": counts.frames_read.load(Ordering::Relaxed),
        "server_rss_empty_kib": rss_empty,
        "server_rss_loaded_kib": rss_loaded,
        "server_rss_end_kib": rss_end,
        "server_rss_delta_kib": delta,
        "server_rss_per_conn_kib": delta.filter(|_| opened > 0).map(|d| round2(d as f64 / opened as f64)),
        "hold_secs": round2(held.as_secs_f64()),
        "server_cpu_pct_held": cpu_pct(cpu_before, cpu_after, c.clk_tck, held),
    }))
}

/// Waits until every connection is ready or has failed (in connection order); returns the
/// failures and the tasks to stop later.
async fn ready_all(
    tasks: Vec<(ReadyRx, tokio::task::JoinHandle<()>)>,
) -> (Vec<String>, Vec<tokio::task::JoinHandle<()>>) {
    let mut failures = Vec::new();
    let mut handles = Vec::with_capacity(tasks.len());
    for (ready_rx, handle) in tasks {
        match ready_rx.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failures.push(e),
            Err(_) => failures.push("task ended early".to_string()),
        }
        handles.push(handle);
    }
    (failures, handles)
}

/// One idle connection: opened (and joined) under the gate, then held, reading whatever
/// arrives (so pings are answered and events drained) until `stop`.
async fn hold(
    url: String,
    character: String,
    join: Option<serde_json::Value>,
    gate: Arc<Semaphore>,
    counts: Arc<IdleCounts>,
    mut stop: watch::Receiver<bool>,
    ready_tx: tokio::sync::oneshot::Sender<Result<(), String>>,
) {
    let permit = gate.acquire_owned().await;
    let mut ws = match connect(&url).await {
        Ok(ws) => ws,
        Err(e) => {
            let _ = ready_tx.send(Err(format!("connect: {e}")));
            return;
        }
    };
    if let Some(payload) = join {
        let frame = rpc_frame_with("join", "join", payload);
        match rpc(&mut ws, frame, "join", &counts.frames_read).await {
            Ok(true) => {}
            Ok(false) => {
                let _ = ready_tx.send(Err(format!("join {character} refused")));
                return;
            }
            Err(e) => {
                let _ = ready_tx.send(Err(format!("join {character}: {e}")));
                return;
            }
        }
    }
    drop(permit);
    counts.ready.fetch_add(1, Ordering::Relaxed);
    let _ = ready_tx.send(Ok(()));
    // Hold: read (and so answer pings, and drain events) until told to stop.
    loop {
        tokio::select! {
            msg = ws.next() => match msg {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                    counts.closed_by_server.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                Some(Ok(_)) => {
                    counts.frames_read.fetch_add(1, Ordering::Relaxed);
                }
            },
            _ = stop.changed() => break,
        }
    }
    let _ = ws.close(None).await;
}

/// One connection's measured latencies (microseconds) and failed replies.
struct RttResult {
    latencies_us: Vec<u32>,
    errors: u64,
}

async fn rtt(args: RttArgs) -> Result<serde_json::Value, BoxError> {
    let c = &args.common;
    let server = c.server_pid.map(|p| p.to_string());
    let gate = Arc::new(Semaphore::new(c.concurrency.max(1)));
    let skipped = Arc::new(AtomicU64::new(0));
    // Everyone starts together once all have joined.
    let (go_tx, go_rx) = watch::channel::<Option<(Instant, Instant)>>(None);
    let mut joined = Vec::with_capacity(c.connections);
    let mut handles = Vec::with_capacity(c.connections);
    for i in 0..c.connections {
        let character = format!("{}-{i}", c.prefix);
        let (joined_tx, joined_rx) = tokio::sync::oneshot::channel::<Result<(), String>>();
        joined.push(joined_rx);
        handles.push(tokio::spawn(round_trips(
            c.url(),
            character,
            gate.clone(),
            skipped.clone(),
            go_rx.clone(),
            joined_tx,
        )));
    }
    let failures = join_failures(joined).await;
    if failures == c.connections {
        return Err("no connection could join".into());
    }
    eprintln!(
        "rtt: {} connections joined; warm-up {} s, then {} s measured",
        c.connections - failures,
        args.warmup_secs,
        args.secs
    );
    // Let the join broadcasts drain before the clock starts.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let now = Instant::now();
    let measure_from = now + secs(args.warmup_secs);
    let until = measure_from + secs(args.secs);
    let _ = go_tx.send(Some((measure_from, until)));
    tokio::time::sleep_until(measure_from.into()).await;
    let server_before = server.as_deref().and_then(cpu_ticks);
    let self_before = cpu_ticks("self");
    let window_started = Instant::now();
    tokio::time::sleep_until(until.into()).await;
    let server_after = server.as_deref().and_then(cpu_ticks);
    let self_after = cpu_ticks("self");
    let measured = window_started.elapsed();
    let mut latencies: Vec<u32> = Vec::new();
    let mut errors = 0u64;
    for h in handles {
        if let Ok(Some(r)) = h.await {
            latencies.extend_from_slice(&r.latencies_us);
            errors += r.errors;
        }
    }
    latencies.sort_unstable();
    Ok(json!({
        "mode": "rtt",
        "dialect": c.dialect,
        "connections": c.connections,
        "joined": c.connections - failures,
        "secs": round2(args.secs),
        "requests": latencies.len(),
        "errors": errors,
        "rps": round2(latencies.len() as f64 / args.secs.max(f64::MIN_POSITIVE)),
        "latency_ms": latency_ms(&latencies),
        "frames_skipped": skipped.load(Ordering::Relaxed),
        "server_cpu_pct": cpu_pct(server_before, server_after, c.clk_tck, measured),
        "client_cpu_pct": cpu_pct(self_before, self_after, c.clk_tck, measured),
    }))
}

/// One joined connection sending `my_status` back to back once `go` gives the window; only
/// requests sent inside it are measured (the warm-up's are not).
async fn round_trips(
    url: String,
    character: String,
    gate: Arc<Semaphore>,
    skipped: Arc<AtomicU64>,
    mut go: watch::Receiver<Option<(Instant, Instant)>>,
    joined_tx: tokio::sync::oneshot::Sender<Result<(), String>>,
) -> Option<RttResult> {
    let permit = gate.acquire_owned().await;
    let mut ws = match connect(&url).await {
        Ok(ws) => ws,
        Err(e) => {
            let _ = joined_tx.send(Err(format!("connect: {e}")));
            return None;
        }
    };
    match rpc(&mut ws, rpc_frame("j", "join", &character), "j", &skipped).await {
        Ok(true) => {}
        other => {
            let _ = joined_tx.send(Err(format!("join {character}: {other:?}")));
            return None;
        }
    }
    drop(permit);
    let _ = joined_tx.send(Ok(()));
    let (measure_from, until) = loop {
        if let Some(window) = *go.borrow_and_update() {
            break window;
        }
        if go.changed().await.is_err() {
            return None;
        }
    };
    let mut out = RttResult {
        latencies_us: Vec::with_capacity(32 * 1024),
        errors: 0,
    };
    let mut n: u64 = 0;
    loop {
        let sent = Instant::now();
        if sent >= until {
            break;
        }
        n += 1;
        let id = n.to_string();
        let frame = rpc_frame(&id, "my_status", &character);
        match rpc(&mut ws, frame, &id, &skipped).await {
            Ok(ok) => {
                if sent >= measure_from {
                    let us = sent.elapsed().as_micros().min(u32::MAX as u128) as u32;
                    out.latencies_us.push(us);
                    if !ok {
                        out.errors += 1;
                    }
                }
            }
            Err(_) => {
                out.errors += 1;
                break;
            }
        }
    }
    let _ = ws.close(None).await;
    Some(out)
}

/// Waits for every connection's join, in order, and counts those that failed (printing the
/// first failure's reason).
async fn join_failures(joined: Vec<tokio::sync::oneshot::Receiver<Result<(), String>>>) -> usize {
    let mut failures = 0usize;
    for rx in joined {
        match rx.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                if failures == 0 {
                    eprintln!("rtt: first failure: {e}");
                }
                failures += 1;
            }
            Err(_) => failures += 1,
        }
    }
    failures
}

/// p50/p90/p99/max/mean of the sorted latencies (µs), in milliseconds; nulls when there are
/// none.
fn latency_ms(latencies: &[u32]) -> serde_json::Value {
    let pct = |p: f64| -> Option<f64> {
        if latencies.is_empty() {
            return None;
        }
        // Nearest rank.
        let rank = ((p * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len());
        Some(round3(latencies[rank - 1] as f64 / 1000.0))
    };
    let mean_ms = if latencies.is_empty() {
        None
    } else {
        Some(round3(
            latencies.iter().map(|&l| l as f64).sum::<f64>() / latencies.len() as f64 / 1000.0,
        ))
    };
    json!({
        "p50": pct(0.50),
        "p90": pct(0.90),
        "p99": pct(0.99),
        "max": latencies.last().map(|&l| round3(l as f64 / 1000.0)),
        "mean": mean_ms,
    })
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
