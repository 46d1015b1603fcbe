//! One WebSocket connection: a reader that decodes frames and forwards requests to the inbox,
//! and a writer that drains the connection's outbox and keeps the peer alive with pings. Either
//! ending ends the connection; a close the server decides on goes out as a close frame with its
//! code (1008 too slow or never joined, 1009 too big, 1007 bad UTF-8, 1002 protocol error).

use super::frames::{Decoded, decode, encode_error};
use super::listener::Admission;
use super::outbox::{Close, Link, Outgoing};
use super::{Inbound, Outbox, Role, Shared};
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use bang_components::api::ApiError;
use bang_components::session::{ConnectionId, WireDialect};
use bang_systems::endpoints::RequestReceived;
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Error as WsError;

/// Hands a control message to the ECS. These must not be lost, so a full inbox is waited out.
pub(crate) async fn send_control(shared: &Shared, mut msg: Inbound) -> bool {
    loop {
        match shared.inbox.try_send(msg) {
            Ok(()) => return true,
            Err(crossbeam_channel::TrySendError::Full(m)) => {
                msg = m;
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            Err(crossbeam_channel::TrySendError::Disconnected(_)) => return false,
        }
    }
}

struct OpenGuard<'a>(&'a Shared);

impl Drop for OpenGuard<'_> {
    fn drop(&mut self) {
        self.0.open_connections.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Everything the reader and the writer of one connection share.
#[derive(Clone)]
struct Conn {
    id: ConnectionId,
    role: Role,
    shared: Arc<Shared>,
    link: Arc<Link>,
    /// Milliseconds since `started` when the peer was last heard from.
    last_heard: Arc<AtomicU64>,
    started: Instant,
}

impl Conn {
    fn heard(&self) {
        let now = self.started.elapsed().as_millis() as u64;
        self.last_heard.store(now, Ordering::Relaxed);
    }
}

pub(crate) async fn serve_socket(
    socket: WebSocket,
    shared: Arc<Shared>,
    role: Role,
    admission: Option<Arc<Admission>>,
    token: Option<String>,
) {
    shared.open_connections.fetch_add(1, Ordering::Relaxed);
    let _guard = OpenGuard(&shared);
    let id = ConnectionId(shared.next_conn.fetch_add(1, Ordering::Relaxed));
    let (frames_tx, frames_rx) = mpsc::channel(shared.config.outbox_frames);
    // A firehose never joins: it is not held to the join deadline.
    let (link, close_rx) = Link::new(matches!(role, Role::Firehose(_)));
    let conn = Conn {
        id,
        role,
        shared: shared.clone(),
        link: link.clone(),
        last_heard: Arc::new(AtomicU64::new(0)),
        started: Instant::now(),
    };
    if matches!(role, Role::Firehose(_)) {
        let now = bang_components::time::GameClock::System.now();
        conn.reply_here(&frames_tx, super::firehose::hello(now));
    }
    let outbox = Outbox {
        frames: frames_tx.clone(),
        link: link.clone(),
    };
    if !send_control(
        &shared,
        Inbound::Opened {
            conn: id,
            outbox,
            role,
            peer: admission.as_ref().map(|a| a.peer()),
            token,
        },
    )
    .await
    {
        return;
    }
    let (sink, stream) = socket.split();
    let mut writer = tokio::spawn(write_frames(
        sink,
        frames_rx,
        close_rx.clone(),
        conn.clone(),
    ));
    let writer_done = tokio::select! {
        _ = read_frames(stream, &conn, &frames_tx, close_rx) => false,
        _ = &mut writer => true,
    };
    drop(frames_tx);
    send_control(&shared, Inbound::Closed { conn: id }).await;
    // Let the writer send the close frame the reader asked for, briefly.
    link.close(Close::NORMAL);
    if !writer_done
        && tokio::time::timeout(Duration::from_secs(1), &mut writer)
            .await
            .is_err()
    {
        writer.abort();
    }
    shared.budget.forget(&link);
    drop(admission);
    tracing::debug!(conn = id.0, "connection closed");
}

/// A token bucket: `rate` tokens a second, at most `burst` saved up.
struct Bucket {
    tokens: f64,
    rate: f64,
    burst: f64,
    at: Instant,
}

impl Bucket {
    fn new(rate: f64, burst: f64) -> Bucket {
        Bucket {
            tokens: burst,
            rate,
            burst,
            at: Instant::now(),
        }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        self.tokens =
            (self.tokens + now.duration_since(self.at).as_secs_f64() * self.rate).min(self.burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The close a read error calls for, if the socket can still carry one.
fn close_for(error: axum::Error) -> Option<Close> {
    let inner = error.into_inner();
    match inner.downcast_ref::<WsError>()? {
        WsError::Capacity(_) => Some(Close::TOO_BIG),
        WsError::Utf8(_) => Some(Close::BAD_UTF8),
        WsError::Protocol(_) => Some(Close::PROTOCOL),
        _ => None,
    }
}

async fn read_frames(
    mut stream: futures_util::stream::SplitStream<WebSocket>,
    conn: &Conn,
    own_frames: &mpsc::Sender<Outgoing>,
    mut close: watch::Receiver<Option<Close>>,
) {
    let config = &conn.shared.config;
    let mut bucket = Bucket::new(config.requests_per_sec, config.request_burst);
    loop {
        // Pipelining is bounded: at the limit, wait for a reply before reading on.
        while conn.link.in_flight.load(Ordering::Relaxed) >= config.max_in_flight {
            tokio::select! {
                _ = conn.link.answered.notified() => {}
                _ = close.changed() => return,
            }
        }
        let msg = tokio::select! {
            m = stream.next() => m,
            _ = close.changed() => return,
        };
        let msg = match msg {
            Some(Ok(msg)) => msg,
            Some(Err(e)) => {
                if let Some(why) = close_for(e) {
                    conn.link.close(why);
                }
                return;
            }
            None => return,
        };
        conn.heard();
        if matches!(conn.role, Role::Firehose(_)) {
            // A firehose only listens; what its client sends (the viewers' "ping") is ignored.
            if matches!(msg, Message::Close(_)) {
                return;
            }
            continue;
        }
        if matches!(msg, Message::Text(_) | Message::Binary(_)) && !bucket.take() {
            refuse_over_rate(conn, &msg, own_frames);
            continue;
        }
        let text = match msg {
            Message::Text(t) => t,
            Message::Binary(_) => {
                let error =
                    ApiError::bad_request("Binary frames are not supported; send JSON text")
                        .with_code("invalid_frame");
                let id = uuid::Uuid::new_v4().to_string();
                conn.reply_here(own_frames, encode_error(&id, "unknown", &error));
                continue;
            }
            Message::Close(_) => return,
            Message::Ping(_) | Message::Pong(_) => continue,
        };
        if !forward(conn, text.as_str(), own_frames) {
            return;
        }
    }
}

/// Over the per-connection rate: answered here, the game loop never sees it.
fn refuse_over_rate(conn: &Conn, msg: &Message, own_frames: &mpsc::Sender<Outgoing>) {
    let rate = conn.shared.config.requests_per_sec;
    let id = match msg {
        Message::Text(t) => serde_json::from_str::<serde_json::Value>(t.as_str())
            .ok()
            .and_then(|v| v.get("id").and_then(|i| i.as_str().map(str::to_string))),
        _ => None,
    }
    .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let detail = format!("Too many requests: at most {rate} per second on one connection");
    let error = ApiError::new(429, detail).with_code("rate_limited");
    conn.reply_here(own_frames, encode_error(&id, "unknown", &error));
}

/// Decodes one text frame and hands its request to the game loop (or answers it here). Returns
/// false once the game loop is gone.
fn forward(conn: &Conn, text: &str, own_frames: &mpsc::Sender<Outgoing>) -> bool {
    let dialect = match conn.role {
        Role::Player(dialect) => dialect,
        Role::Firehose(_) => WireDialect::default(),
    };
    match decode(text, dialect) {
        Decoded::Refused {
            id,
            endpoint,
            error,
        } => {
            conn.reply_here(own_frames, encode_error(&id, &endpoint, &error));
        }
        Decoded::Request { id, request, actor } => {
            let endpoint = request.endpoint_name();
            let msg = Inbound::Request(Box::new(RequestReceived {
                conn: conn.id,
                id,
                request,
                actor,
                received: Some(Instant::now()),
            }));
            conn.link.in_flight.fetch_add(1, Ordering::Relaxed);
            match conn.shared.inbox.try_send(msg) {
                Ok(()) => {}
                Err(crossbeam_channel::TrySendError::Full(Inbound::Request(r))) => {
                    conn.link.in_flight.fetch_sub(1, Ordering::Relaxed);
                    let error = ApiError::new(503, "Server busy, retry shortly").with_code("busy");
                    conn.reply_here(own_frames, encode_error(&r.id, endpoint, &error));
                }
                Err(_) => return false,
            }
        }
    }
    true
}

impl Conn {
    /// Queues a frame made on the network thread (errors for frames that never reached the
    /// ECS), counted in the byte budget like any other. If even that does not fit, the client is
    /// far behind; the ECS side will cut it.
    fn reply_here(&self, frames: &mpsc::Sender<Outgoing>, text: String) {
        let size = text.len();
        self.link.queued_bytes.fetch_add(size, Ordering::Relaxed);
        self.shared.budget.queued.fetch_add(size, Ordering::Relaxed);
        let frame = Outgoing {
            text: Utf8Bytes::from(text),
            reply: false,
        };
        if frames.try_send(frame).is_err() {
            self.shared.budget.written(&self.link, size);
        }
    }
}

type Sink = futures_util::stream::SplitSink<WebSocket, Message>;

/// Writes everything already queued, then flushes once: one write for a burst of events and the
/// reply behind them. Replies written stop counting as in flight. Returns false if the socket
/// failed, or did not take the batch within the write timeout (the client is not reading: it is
/// cut as too slow).
async fn write_batch(
    sink: &mut Sink,
    first: Outgoing,
    frames: &mut mpsc::Receiver<Outgoing>,
    conn: &Conn,
) -> bool {
    let mut bytes = 0;
    let mut replies = 0;
    let write = async {
        let mut next = Some(first);
        let mut batched = 0;
        while let Some(frame) = next.take() {
            bytes += frame.text.len();
            replies += usize::from(frame.reply);
            if sink.feed(Message::Text(frame.text)).await.is_err() {
                return false;
            }
            batched += 1;
            if batched < 64 {
                next = frames.try_recv().ok();
            }
        }
        sink.flush().await.is_ok()
    };
    let timeout = conn.shared.config.write_timeout;
    let ok = match tokio::time::timeout(timeout, write).await {
        Ok(ok) => ok,
        Err(_) => {
            let backlog = conn.link.queued_bytes.load(Ordering::Relaxed);
            conn.shared.budget.cut(conn.id, &conn.link, backlog);
            false
        }
    };
    conn.shared.budget.written(&conn.link, bytes);
    for _ in 0..replies {
        conn.link.answered();
    }
    ok
}

/// Whether the peer has been silent for three ping intervals.
fn silent(conn: &Conn, ping_every: Duration) -> bool {
    let elapsed = conn.started.elapsed().as_millis() as u64;
    elapsed.saturating_sub(conn.last_heard.load(Ordering::Relaxed))
        > 3 * ping_every.as_millis() as u64
}

async fn write_frames(
    mut sink: Sink,
    mut frames: mpsc::Receiver<Outgoing>,
    mut close: watch::Receiver<Option<Close>>,
    conn: Conn,
) {
    let config = &conn.shared.config;
    let ping_every = config.ping_interval;
    let mut ping = tokio::time::interval(ping_every);
    ping.tick().await;
    let join_deadline = tokio::time::sleep(config.unjoined_timeout);
    tokio::pin!(join_deadline);
    let mut join_checked = false;
    loop {
        let why = tokio::select! {
            // A close asked for wins over frames still queued (and over the outbox going away
            // when the game loop forgets the connection).
            biased;
            _ = close.changed() => (*close.borrow()).unwrap_or(Close::NORMAL),
            frame = frames.recv() => {
                let Some(frame) = frame else { break };
                if !write_batch(&mut sink, frame, &mut frames, &conn).await {
                    return;
                }
                continue;
            }
            _ = &mut join_deadline, if !join_checked => {
                join_checked = true;
                if conn.link.joined.load(Ordering::Relaxed) {
                    continue;
                }
                conn.shared.metrics.unjoined_disconnects.inc();
                Close::NOT_JOINED
            }
            _ = ping.tick() => {
                if silent(&conn, ping_every) {
                    Close::SILENT
                } else if sink.send(Message::Ping(Default::default())).await.is_err() {
                    return;
                } else {
                    continue;
                }
            }
        };
        let frame = CloseFrame {
            code: why.code,
            reason: why.reason.into(),
        };
        let _ = sink.send(Message::Close(Some(frame))).await;
        return;
    }
    let _ = sink.close().await;
}
