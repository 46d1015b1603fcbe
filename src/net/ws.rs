//! One WebSocket connection: a reader that decodes frames and forwards requests to the inbox,
//! and a writer that drains the connection's outbox and keeps the peer alive with pings.

use super::frames::{Decoded, decode, encode_error};
use super::{Inbound, Outbox, Role, Shared};
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use bang_components::api::ApiError;
use bang_components::messages::RequestReceived;
use bang_components::session::ConnectionId;
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// Close code sent to a client that could not keep up with its events.
const CLOSE_TOO_SLOW: u16 = 1008;

/// Hands a control message to the ECS. These must not be lost, so a full inbox is waited out.
async fn send_control(shared: &Shared, mut msg: Inbound) -> bool {
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

pub(crate) async fn serve_socket(socket: WebSocket, shared: Arc<Shared>, role: Role) {
    shared.open_connections.fetch_add(1, Ordering::Relaxed);
    let _guard = OpenGuard(&shared);
    let conn = ConnectionId(shared.next_conn.fetch_add(1, Ordering::Relaxed));
    let (frames_tx, frames_rx) = mpsc::channel(shared.config.outbox_frames);
    let (kick_tx, kick_rx) = watch::channel(false);
    let outbox = Outbox {
        frames: frames_tx.clone(),
        kick: kick_tx,
    };
    if role == Role::Firehose {
        let now = bang_components::time::GameClock::System.now();
        reply_here(&frames_tx, super::firehose::hello(now));
    }
    if !send_control(&shared, Inbound::Opened { conn, outbox, role }).await {
        return;
    }
    let started = Instant::now();
    let last_heard = Arc::new(AtomicU64::new(0));
    let (sink, stream) = socket.split();
    let writer = tokio::spawn(write_frames(
        sink,
        frames_rx,
        kick_rx.clone(),
        shared.config.ping_interval,
        last_heard.clone(),
        started,
    ));
    let peer = Peer {
        conn,
        role,
        last_heard: &last_heard,
        started,
    };
    read_frames(stream, peer, &shared, &frames_tx, kick_rx).await;
    drop(frames_tx);
    send_control(&shared, Inbound::Closed { conn }).await;
    writer.abort();
    tracing::debug!(conn = conn.0, "connection closed");
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

/// Who is on the other end of a socket, and when it was last heard from.
struct Peer<'a> {
    conn: ConnectionId,
    role: Role,
    last_heard: &'a AtomicU64,
    started: Instant,
}

async fn read_frames(
    mut stream: futures_util::stream::SplitStream<WebSocket>,
    peer: Peer<'_>,
    shared: &Shared,
    own_frames: &mpsc::Sender<Utf8Bytes>,
    mut kick: watch::Receiver<bool>,
) {
    let Peer {
        conn,
        role,
        last_heard,
        started,
    } = peer;
    let mut bucket = Bucket::new(shared.config.requests_per_sec, shared.config.request_burst);
    loop {
        let msg = tokio::select! {
            m = stream.next() => m,
            _ = kick.changed() => return,
        };
        let Some(Ok(msg)) = msg else { return };
        last_heard.store(started.elapsed().as_millis() as u64, Ordering::Relaxed);
        if role == Role::Firehose {
            // A firehose only listens; what its client sends (the viewers' "ping") is ignored.
            if matches!(msg, Message::Close(_)) {
                return;
            }
            continue;
        }
        if matches!(msg, Message::Text(_) | Message::Binary(_)) && !bucket.take() {
            // Over the per-connection rate: answered here, the game loop never sees it.
            let id = match &msg {
                Message::Text(t) => serde_json::from_str::<serde_json::Value>(t.as_str())
                    .ok()
                    .and_then(|v| v.get("id").and_then(|i| i.as_str().map(str::to_string))),
                _ => None,
            }
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
            let detail = format!(
                "Too many requests: at most {} per second on one connection",
                shared.config.requests_per_sec
            );
            let error = ApiError::new(429, detail).with_code("rate_limited");
            reply_here(own_frames, encode_error(&id, "unknown", &error));
            continue;
        }
        let text = match msg {
            Message::Text(t) => t,
            Message::Binary(_) => {
                let error =
                    ApiError::bad_request("Binary frames are not supported; send JSON text")
                        .with_code("invalid_frame");
                let id = uuid::Uuid::new_v4().to_string();
                reply_here(own_frames, encode_error(&id, "unknown", &error));
                continue;
            }
            Message::Close(_) => return,
            Message::Ping(_) | Message::Pong(_) => continue,
        };
        match decode(text.as_str()) {
            Decoded::Refused {
                id,
                endpoint,
                error,
            } => {
                reply_here(own_frames, encode_error(&id, &endpoint, &error));
            }
            Decoded::Request { id, request } => {
                let endpoint = request.endpoint_name();
                let received = Some(std::time::Instant::now());
                let msg = Inbound::Request(RequestReceived {
                    conn,
                    id,
                    request,
                    received,
                });
                match shared.inbox.try_send(msg) {
                    Ok(()) => {}
                    Err(crossbeam_channel::TrySendError::Full(Inbound::Request(r))) => {
                        let error =
                            ApiError::new(503, "Server busy, retry shortly").with_code("busy");
                        reply_here(own_frames, encode_error(&r.id, endpoint, &error));
                    }
                    Err(_) => return,
                }
            }
        }
    }
}

/// Queues a frame produced on the network thread (errors for frames that never reached the ECS).
/// If even that does not fit, the client is far behind; the ECS side will drop it.
fn reply_here(frames: &mpsc::Sender<Utf8Bytes>, text: String) {
    let _ = frames.try_send(Utf8Bytes::from(text));
}

async fn write_frames(
    mut sink: futures_util::stream::SplitSink<WebSocket, Message>,
    mut frames: mpsc::Receiver<Utf8Bytes>,
    mut kick: watch::Receiver<bool>,
    ping_every: Duration,
    last_heard: Arc<AtomicU64>,
    started: Instant,
) {
    let mut ping = tokio::time::interval(ping_every);
    ping.tick().await;
    loop {
        tokio::select! {
            frame = frames.recv() => {
                let Some(frame) = frame else { break };
                // Write everything already queued, then flush once: one write for a burst of
                // events and the reply behind them.
                if sink.feed(Message::Text(frame)).await.is_err() {
                    return;
                }
                let mut batched = 1;
                while batched < 64 {
                    let Ok(more) = frames.try_recv() else { break };
                    if sink.feed(Message::Text(more)).await.is_err() {
                        return;
                    }
                    batched += 1;
                }
                if sink.flush().await.is_err() {
                    return;
                }
            }
            _ = kick.changed() => {
                let close = CloseFrame { code: CLOSE_TOO_SLOW, reason: "client too slow".into() };
                let _ = sink.send(Message::Close(Some(close))).await;
                return;
            }
            _ = ping.tick() => {
                let silent_ms = (started.elapsed().as_millis() as u64)
                    .saturating_sub(last_heard.load(Ordering::Relaxed));
                if silent_ms > 3 * ping_every.as_millis() as u64 {
                    let _ = sink.send(Message::Close(None)).await;
                    return;
                }
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    return;
                }
            }
        }
    }
    let _ = sink.close().await;
}
