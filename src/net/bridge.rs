//! The ECS end of the network: ingest the inbox into messages at the start of an update, and
//! flush the update's frames to the connections' outboxes at the end (after the store commit).

use super::firehose::{self, Detail};
use super::frames::{encode_error, encode_event, encode_ok, encode_plain_event};
use super::inbox::FairQueue;
use super::{Inbound, OutboundBudget, Outbox, Role};
use crate::present::Dialect;
use crate::present::v2025_10::Seed2025;
use crate::present::v2026_01::Release2026;
use crate::store::plugin::{AfterCommitQueue, StoreFailed};
use axum::extract::ws::Utf8Bytes;
use bang_components::api::ApiError;
use bang_components::messages::{
    Audience, ConnectionClosed, ConnectionOpened, EventBody, FrameQueued, PresentAtOnce,
    RenderedEvent, ReplyBody,
};
use bang_components::session::{ConnectionId, Sessions, WireDialect};
use bang_systems::endpoints::RequestReceived;
use bang_systems::{FlushSystems, IngestSystems};
use bevy_app::prelude::*;
use bevy_ecs::prelude::*;
use prometheus_client::metrics::histogram::Histogram;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// The receiving end of the inbox, and what was read off it waiting for its turn.
#[derive(Resource)]
pub struct Inbox {
    pub rx: crossbeam_channel::Receiver<Inbound>,
    pub queued: FairQueue,
}

/// Every open connection's outbox.
#[derive(Resource)]
pub struct Outboxes {
    pub(super) map: HashMap<ConnectionId, Arc<Outbox>>,
    /// Firehose connections (also in `map`), in the order they opened: each gets every event.
    pub(super) firehose: Vec<(ConnectionId, Detail)>,
    /// The outbound byte budgets, shared with the network thread (frames are delivered on the
    /// store's writer thread, after their commit).
    pub budget: Arc<OutboundBudget>,
}

impl Outboxes {
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

pub struct BridgePlugin {
    pub inbox: crossbeam_channel::Receiver<Inbound>,
    pub metrics: std::sync::Arc<crate::metrics::Metrics>,
    pub budget: Arc<OutboundBudget>,
}

impl Plugin for BridgePlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(Inbox {
            rx: self.inbox.clone(),
            queued: FairQueue::default(),
        })
        .insert_resource(Outboxes {
            map: HashMap::new(),
            firehose: Vec::new(),
            budget: self.budget.clone(),
        })
        .insert_resource(crate::metrics::MetricsRes(self.metrics.clone()))
        .insert_resource(PresentAtOnce([Arc::new(Seed2025), Arc::new(Release2026)]))
        .add_systems(PreUpdate, ingest_inbox.in_set(IngestSystems))
        .add_systems(
            PostUpdate,
            (
                flush_frames,
                firehose::stream_firehose,
                crate::metrics::publish_metrics,
            )
                .chain()
                .in_set(FlushSystems),
        );
    }
}

/// Turns inbox items into this update's messages: each connection's in its order, connections
/// in turns (see [`FairQueue`]).
pub fn ingest_inbox(
    mut inbox: ResMut<Inbox>,
    mut outboxes: ResMut<Outboxes>,
    mut opened: MessageWriter<ConnectionOpened>,
    mut closed: MessageWriter<ConnectionClosed>,
    mut requests: MessageWriter<RequestReceived>,
    metrics: Option<Res<crate::metrics::MetricsRes>>,
) {
    let inbox = &mut *inbox;
    // Everything waiting is read at once: each connection has at most `max_in_flight` requests
    // out, so this is bounded.
    while let Ok(item) = inbox.rx.try_recv() {
        inbox.queued.push(item);
    }
    if let Some(m) = &metrics {
        m.0.inbox_depth.set(inbox.queued.len() as i64);
    }
    for item in inbox.queued.take_update() {
        match item {
            Inbound::Opened {
                conn,
                outbox,
                role,
                peer,
                token,
            } => {
                outboxes.map.insert(conn, Arc::new(outbox));
                match role {
                    Role::Player(dialect) => {
                        opened.write(ConnectionOpened {
                            conn,
                            dialect,
                            peer,
                            token,
                        });
                    }
                    // The game never hears of a firehose: it is not a session.
                    Role::Firehose(detail) => outboxes.firehose.push((conn, detail)),
                }
            }
            Inbound::Closed { conn } => {
                outboxes.map.remove(&conn);
                match outboxes.firehose.iter().position(|(c, _)| *c == conn) {
                    Some(i) => {
                        outboxes.firehose.remove(i);
                    }
                    None => {
                        closed.write(ConnectionClosed(conn));
                    }
                }
            }
            Inbound::Request(r) => {
                if let (Some(m), Some(at)) = (&metrics, r.received) {
                    m.0.inbox_wait.observe(at.elapsed().as_secs_f64());
                }
                requests.write(*r);
            }
        }
    }
}

/// A connection that has bound a character (or turned chat on, or logged in with a password) is
/// no longer held to the join deadline.
fn mark_joined(sessions: &Sessions, conn: ConnectionId, outbox: &Outbox) {
    if !outbox.link.joined.load(Ordering::Relaxed)
        && sessions
            .get(conn)
            .is_some_and(|s| !s.tracked.is_empty() || s.chat || s.proved_login)
    {
        outbox.link.joined.store(true, Ordering::Relaxed);
    }
}

/// Encodes each frame once and resolves its recipients; the frames leave once this update's
/// changes are committed (the store's writer delivers them, in update order), or at once when
/// there is no store. Nothing leaves if the store failed: those replies would acknowledge work
/// that is not on disk.
pub fn flush_frames(
    mut frames: MessageReader<FrameQueued>,
    outboxes: Res<Outboxes>,
    sessions: Res<Sessions>,
    failed: Option<Res<StoreFailed>>,
    after_commit: Option<ResMut<AfterCommitQueue>>,
    metrics: Option<Res<crate::metrics::MetricsRes>>,
    // Each endpoint's histogram, looked up once: the family lookup allocates its label set.
    mut latency: Local<HashMap<&'static str, Histogram>>,
) {
    if failed.is_some_and(|f| f.0.is_some()) {
        frames.clear();
        return;
    }
    let mut out = Deliveries::default();
    for frame in frames.read() {
        match frame {
            FrameQueued::Reply {
                conn,
                id,
                endpoint,
                body,
                received,
            } => {
                let Some(outbox) = outboxes.map.get(conn) else {
                    continue;
                };
                let text = reply_text(id, endpoint, body);
                mark_joined(&sessions, *conn, outbox);
                let timer = match (&metrics, received) {
                    (Some(m), Some(at)) => Some((
                        latency
                            .entry(*endpoint)
                            .or_insert_with(|| {
                                let labels = vec![("endpoint".to_string(), endpoint.to_string())];
                                m.0.rpc_latency.get_or_create_owned(&labels)
                            })
                            .clone(),
                        *at,
                    )),
                    _ => None,
                };
                let reply = Some(Reply { latency: timer });
                out.frames
                    .push((*conn, outbox.clone(), Utf8Bytes::from(text), reply));
            }
            FrameQueued::Event { event, audience } => match renderings(event) {
                Ok(shown) => route_event(&mut out, &outboxes, &sessions, &shown, audience),
                Err(e) => tracing::error!(error = %e, "event failed to render"),
            },
        }
    }
    // A connection that went away (closed, or kicked for being slow) is forgotten when its socket
    // task reports it closed: frames queued for it until then are dropped.
    if let Some(m) = metrics {
        m.0.connections.set(outboxes.len() as i64);
        let budget = &outboxes.budget;
        m.0.outbound_queued_bytes
            .set(budget.queued.load(Ordering::Relaxed) as i64);
        let slow = budget.slow_disconnects.load(Ordering::Relaxed);
        let seen = m.0.slow_disconnects.get();
        if slow > seen {
            m.0.slow_disconnects.inc_by(slow - seen);
        }
    }
    out.send(&outboxes, after_commit);
}

/// A reply frame: the result as the dialect renders it, or the error. A result that fails to
/// render (a bug: results are strings and finite numbers) becomes a 500, not a lost reply.
fn reply_text(id: &str, endpoint: &str, body: &Result<ReplyBody, ApiError>) -> String {
    match body {
        Ok(ReplyBody::Rendered(result)) => encode_ok(id, endpoint, result),
        Ok(ReplyBody::Typed(result)) => match Seed2025.result(endpoint, result.as_ref()) {
            Ok(result) => encode_ok(id, endpoint, &result),
            Err(e) => {
                tracing::error!(endpoint, error = %e, "result failed to render");
                let error = ApiError::new(500, "Internal error: result failed to render");
                encode_error(id, endpoint, &error)
            }
        },
        Err(error) => encode_error(id, endpoint, error),
    }
}

/// An event as each dialect shows it (in the server they arrive rendered already: see
/// `PresentAtOnce`; a typed one is the harness's, shown in the seed's dialect).
fn renderings(event: &EventBody) -> Result<Cow<'_, [Option<RenderedEvent>; 2]>, serde_json::Error> {
    match event {
        EventBody::Rendered(shown) => Ok(Cow::Borrowed(shown)),
        EventBody::Typed(event) => Ok(Cow::Owned([Seed2025.event(event, None)?, None])),
    }
}

/// An event's name and payload for the firehose: the seed's dialect's, else the first dialect's
/// that shows it.
pub(super) fn rendered(
    event: &EventBody,
) -> Result<(&'static str, Cow<'_, RawValue>), serde_json::Error> {
    match event {
        EventBody::Rendered(shown) => match shown.iter().flatten().next() {
            Some(e) => Ok((e.name, Cow::Borrowed(e.payload.as_ref()))),
            None => Err(serde::ser::Error::custom("no dialect shows this event")),
        },
        EventBody::Typed(event) => match Seed2025.event(event, None)? {
            Some(e) => Ok((e.name, Cow::Owned(e.payload))),
            None => Err(serde::ser::Error::custom("no dialect shows this event")),
        },
    }
}

/// Queues an event for the connections its audience reaches, each in its dialect's rendering
/// (a connection whose dialect does not show the event gets nothing).
fn route_event(
    out: &mut Deliveries,
    outboxes: &Outboxes,
    sessions: &Sessions,
    shown: &[Option<RenderedEvent>; 2],
    audience: &Audience,
) {
    let (recipients, filter) = match audience {
        Audience::Everyone => (sessions.all(), None),
        Audience::Characters(ids) => (sessions.connections_for_characters(ids), Some(ids)),
        Audience::ChatNames(names) => (sessions.connections_for_chat(names), None),
        Audience::Connection(conn, ids) => (vec![*conn], Some(ids)),
    };
    // Each dialect's frame is encoded once, when its first recipient comes up.
    let mut texts: [Option<Utf8Bytes>; 2] = [None, None];
    // With nobody speaking 2026-01 (the seed's server), no per-recipient dialect look-up.
    let mixed = sessions.speaks(WireDialect::V2026_01);
    for conn in recipients {
        let dialect = if mixed {
            sessions.dialect(conn)
        } else {
            WireDialect::V2025_10
        };
        let (Some(event), Some(outbox)) = (&shown[dialect.index()], outboxes.map.get(&conn)) else {
            continue;
        };
        let text = match (dialect, filter) {
            // The seed's frames name the addressed characters; to each connection, only those it
            // is bound to: the whole list told every observer who else was there (reference
            // defect P6) and made frames grow with the crowd.
            (WireDialect::V2025_10, Some(ids)) if ids.len() > 1 => Utf8Bytes::from(encode_event(
                event.name,
                &event.payload,
                Some(&own_ids(sessions, conn, ids)),
            )),
            _ => texts[dialect.index()]
                .get_or_insert_with(|| frame_text(dialect, event, filter.map(Vec::as_slice)))
                .clone(),
        };
        out.frames.push((conn, outbox.clone(), text, None));
    }
}

/// The addressed characters a connection is bound to.
fn own_ids(sessions: &Sessions, conn: ConnectionId, ids: &[String]) -> Vec<String> {
    let addressed: HashSet<&str> = ids.iter().map(String::as_str).collect();
    sessions.get(conn).map_or_else(Vec::new, |s| {
        s.tracked
            .iter()
            .filter(|t| addressed.contains(t.as_str()))
            .cloned()
            .collect()
    })
}

/// An event frame as a dialect frames it: the seed's carries `gg-action` and the addressed
/// characters, the 2026-01 dialect's neither.
fn frame_text(dialect: WireDialect, event: &RenderedEvent, filter: Option<&[String]>) -> Utf8Bytes {
    Utf8Bytes::from(match dialect {
        WireDialect::V2025_10 => encode_event(event.name, &event.payload, filter),
        WireDialect::V2026_01 => encode_plain_event(event.name, &event.payload),
    })
}

/// A frame for one connection, and for a reply its endpoint's latency histogram and when the
/// request was read.
pub(super) type Delivery = (ConnectionId, Arc<Outbox>, Utf8Bytes, Option<Reply>);

/// What a delivery that is a reply carries: its endpoint's latency histogram and when the
/// request was read.
pub(super) struct Reply {
    latency: Option<(Histogram, Instant)>,
}

/// One update's frames, each with its connection's outbox (and, for a reply, the endpoint's
/// latency histogram and when the request was read).
#[derive(Default)]
pub(super) struct Deliveries {
    pub(super) frames: Vec<Delivery>,
    budget: Arc<OutboundBudget>,
}

impl Deliveries {
    /// Sends the frames once the update's changes are committed (or at once without a store).
    pub(super) fn send(
        mut self,
        outboxes: &Outboxes,
        after_commit: Option<ResMut<AfterCommitQueue>>,
    ) {
        if self.frames.is_empty() {
            return;
        }
        self.budget = outboxes.budget.clone();
        match after_commit {
            Some(mut queue) => queue.0.push(Box::new(move || self.deliver())),
            None => self.deliver(),
        }
    }

    fn deliver(self) {
        for (conn, outbox, frame, reply) in self.frames {
            if let Some((histogram, at)) = reply.as_ref().and_then(|r| r.latency.as_ref()) {
                histogram.observe(at.elapsed().as_secs_f64());
            }
            self.budget.deliver(conn, &outbox, frame, reply.is_some());
        }
    }
}
