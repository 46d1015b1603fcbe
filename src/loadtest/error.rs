//! Why `bang loadtest` could not run, or why one of its connections or reads failed.

use std::net::SocketAddr;
use std::path::PathBuf;
use tokio_tungstenite::tungstenite;

/// What went wrong in the load tester: its options, its connections to the server, its reads of
/// the server's `/metrics`, its report, and the run's verdict.
#[derive(Debug, thiserror::Error)]
pub enum LoadtestError {
    // The options.
    #[error("{0}")]
    Args(#[from] clap::Error),
    #[error("--mix: expected KIND=WEIGHT, got {0:?}")]
    MixPart(String),
    #[error("--mix: unknown action {0:?} (move, trade, chat, fight, toll, status)")]
    MixKind(String),
    #[error("--mix: weight of {kind} is not a whole number: {value:?}")]
    MixWeight {
        kind: String,
        value: String,
        source: std::num::ParseIntError,
    },
    #[error("--mix: at least one weight must be positive")]
    MixAllZero,
    #[error(
        "--mix: with --crowd, players stay in the crowd's sector; {0} would take them out of it \
         or start fights in it (use status, trade, chat)"
    )]
    MixLeavesCrowd(String),
    #[error("{option}: not a number of milliseconds: {value:?}")]
    ThinkNotNumber {
        option: &'static str,
        value: String,
        source: std::num::ParseIntError,
    },
    #[error("{option}: MIN {lo} is above MAX {hi}")]
    ThinkOrder {
        option: &'static str,
        lo: u64,
        hi: u64,
    },
    #[error("--combat-think-ms: MAX {0} would miss the 15 s round deadline (at most 14000)")]
    CombatThinkTooLong(u64),
    #[error("--{name}: expected seconds ≥ 0, got {value}")]
    Seconds { name: &'static str, value: f64 },
    #[error("--players must be at least 1")]
    NoPlayers,
    #[error("--addr {addr}: {source}")]
    Addr {
        addr: String,
        source: std::io::Error,
    },
    #[error("--addr {0}: no address")]
    NoAddr(String),
    #[error("the server reports a universe of 0 sectors")]
    EmptyUniverse,
    #[error("--crowd {crowd}: the universe has sectors 0 to {last}")]
    CrowdOutside { crowd: u32, last: u32 },
    #[error(
        "--shard: {shards} shards, but {players} players make {pairs} pair(s): one a shard at least"
    )]
    ShardsOverPairs {
        shards: usize,
        players: usize,
        pairs: usize,
    },
    #[error("--shard needs --prefix: every shard must name the same characters (PREFIX-0, …)")]
    ShardWithoutPrefix,
    #[error(
        "--start-at {given}: that was {ago:.1} s ago (more than {slack} s); give a time ahead, \
         for every shard to wait for"
    )]
    StartAtPast { given: String, ago: f64, slack: u64 },

    // The WebSocket connections.
    #[error("connect: {0}")]
    Connect(#[source] tungstenite::Error),
    #[error("connect: timed out")]
    ConnectTimeout,
    /// The server asked for its universe could not be reached.
    #[error("{addr}: {source}")]
    Unreachable {
        addr: SocketAddr,
        source: Box<LoadtestError>,
    },
    #[error("{addr}: no answer to server_status")]
    NoServerStatus { addr: SocketAddr },
    #[error("server_status failed: {0}")]
    ServerStatusFailed(String),
    #[error("send: {0}")]
    Send(#[source] tungstenite::Error),
    #[error("read: {0}")]
    Read(#[source] tungstenite::Error),
    #[error("unreadable frame: {0}")]
    Frame(#[source] serde_json::Error),
    #[error("join refused: {0}")]
    JoinRefused(String),
    #[error("closed before the join reply")]
    ClosedBeforeJoinReply,
    #[error("no join reply in time")]
    NoJoinReply,
    #[error("{addr}: {source}")]
    SocketAddr {
        addr: String,
        source: std::net::AddrParseError,
    },
    #[error("socket: {0}")]
    Socket(#[source] std::io::Error),
    #[error("SO_RCVBUF: {0}")]
    RecvBuffer(#[source] std::io::Error),
    #[error("connect: {0}")]
    TcpConnect(#[source] std::io::Error),
    #[error("handshake: {0}")]
    Handshake(#[source] tungstenite::Error),

    // The server's /metrics.
    #[error("no answer within {0} s")]
    MetricsTimeout(u64),
    #[error("handshake: {0}")]
    MetricsHandshake(#[source] hyper::Error),
    #[error("request: {0}")]
    MetricsRequestBuild(#[source] hyper::http::Error),
    #[error("request: {0}")]
    MetricsRequest(#[source] hyper::Error),
    #[error("body: {0}")]
    MetricsBody(#[source] hyper::Error),
    #[error("GET /metrics answered {0}")]
    MetricsStatus(hyper::StatusCode),
    #[error("the metrics are not UTF-8")]
    MetricsNotUtf8(#[source] std::string::FromUtf8Error),
    #[error("the read of /metrics did not finish: {0}")]
    MetricsTask(#[source] tokio::task::JoinError),

    // The run and its report.
    #[error("tokio runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("the report as JSON: {0}")]
    ReportJson(#[source] serde_json::Error),
    #[error("{}: {source}", path.display())]
    WriteReport {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("loadtest: {0} invariant violation(s)")]
    Violations(u64),

    // Merging shard reports.
    #[error("merge: no reports given")]
    MergeNothing,
    #[error("{}: {source}", path.display())]
    ReadReport {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not JSON: {source}", path.display())]
    ReportNotJson {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{}: {why}", path.display())]
    NotAShard { path: PathBuf, why: String },
    #[error("{}: not of the same run as {}: {what}", path.display(), first.display())]
    ShardMismatch {
        path: PathBuf,
        first: PathBuf,
        what: String,
    },
    #[error("shard {index} twice: {} and {}", first.display(), second.display())]
    ShardTwice {
        index: usize,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("shard(s) {missing} of {count} missing (have {have})")]
    ShardsMissing {
        missing: String,
        count: usize,
        have: String,
    },
}
