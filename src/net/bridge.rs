//! The ECS end of the network: ingest the inbox into messages at the start of an update, and
//! flush the update's frames to the connections' outboxes at the end (after the store commit).

use super::frames::{encode_error, encode_event, encode_ok};
use super::{Inbound, Outbox};
use crate::store::plugin::StoreFailed;
use axum::extract::ws::Utf8Bytes;
use bang_components::messages::{
    Audience, ConnectionClosed, ConnectionOpened, FrameQueued, RequestReceived,
};
use bang_components::session::{ConnectionId, Sessions};
use bang_systems::{FlushSystems, IngestSystems};
use bevy_app::prelude::*;
use bevy_ecs::prelude::*;
use std::collections::{HashMap, VecDeque};
use tokio::sync::mpsc::error::TrySendError;

/// Most inbox items taken in one update, so one update (and its commit) stays short under load.
pub const MAX_INGEST_PER_UPDATE: usize = 4096;

/// The receiving end of the inbox, plus anything the main loop took off it while waiting.
#[derive(Resource)]
pub struct Inbox {
    pub rx: crossbeam_channel::Receiver<Inbound>,
    pub stashed: VecDeque<Inbound>,
}

/// Every open connection's outbox.
#[derive(Resource, Default)]
pub struct Outboxes {
    map: HashMap<ConnectionId, Outbox>,
    /// Connections dropped for not keeping up, since start.
    pub slow_disconnects: u64,
}

impl Outboxes {
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Queues a frame; a client whose outbox is full is told to close and forgotten.
    fn send(&mut self, conn: ConnectionId, frame: &Utf8Bytes) {
        let Some(outbox) = self.map.get(&conn) else {
            return;
        };
        match outbox.frames.try_send(frame.clone()) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                tracing::warn!(conn = conn.0, "client too slow; disconnecting it");
                let _ = outbox.kick.send(true);
                self.map.remove(&conn);
                self.slow_disconnects += 1;
            }
            Err(TrySendError::Closed(_)) => {
                self.map.remove(&conn);
            }
        }
    }
}

pub struct BridgePlugin {
    pub inbox: crossbeam_channel::Receiver<Inbound>,
    pub metrics: std::sync::Arc<crate::metrics::Metrics>,
}

impl Plugin for BridgePlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(Inbox {
            rx: self.inbox.clone(),
            stashed: VecDeque::new(),
        })
        .init_resource::<Outboxes>()
        .insert_resource(crate::metrics::MetricsRes(self.metrics.clone()))
        .add_systems(PreUpdate, ingest_inbox.in_set(IngestSystems))
        .add_systems(
            PostUpdate,
            (flush_frames, crate::metrics::publish_metrics)
                .chain()
                .in_set(FlushSystems),
        );
    }
}

/// Turns inbox items into this update's messages, in arrival order.
pub fn ingest_inbox(
    mut inbox: ResMut<Inbox>,
    mut outboxes: ResMut<Outboxes>,
    mut opened: MessageWriter<ConnectionOpened>,
    mut closed: MessageWriter<ConnectionClosed>,
    mut requests: MessageWriter<RequestReceived>,
    metrics: Option<Res<crate::metrics::MetricsRes>>,
) {
    let inbox = &mut *inbox;
    if let Some(m) = &metrics {
        m.0.inbox_depth.set(inbox.rx.len() as i64);
    }
    for _ in 0..MAX_INGEST_PER_UPDATE {
        let item = match inbox.stashed.pop_front() {
            Some(item) => item,
            None => match inbox.rx.try_recv() {
                Ok(item) => item,
                Err(_) => break,
            },
        };
        match item {
            Inbound::Opened { conn, outbox } => {
                outboxes.map.insert(conn, outbox);
                opened.write(ConnectionOpened(conn));
            }
            Inbound::Closed { conn } => {
                outboxes.map.remove(&conn);
                closed.write(ConnectionClosed(conn));
            }
            Inbound::Request(r) => {
                requests.write(r);
            }
        }
    }
}

/// Encodes each frame once and queues it for its recipients. Nothing leaves if the store failed
/// to commit this update: those replies would acknowledge work that is not on disk.
pub fn flush_frames(
    mut frames: MessageReader<FrameQueued>,
    mut outboxes: ResMut<Outboxes>,
    sessions: Res<Sessions>,
    failed: Option<Res<StoreFailed>>,
    metrics: Option<Res<crate::metrics::MetricsRes>>,
    // Each endpoint's histogram, looked up once: the family lookup allocates its label set.
    mut latency: Local<HashMap<&'static str, prometheus_client::metrics::histogram::Histogram>>,
) {
    if failed.is_some_and(|f| f.0.is_some()) {
        frames.clear();
        return;
    }
    for frame in frames.read() {
        match frame {
            FrameQueued::Reply {
                conn,
                id,
                endpoint,
                body,
                received,
            } => {
                if let (Some(m), Some(at)) = (&metrics, received) {
                    latency
                        .entry(*endpoint)
                        .or_insert_with(|| {
                            let labels = vec![("endpoint".to_string(), endpoint.to_string())];
                            m.0.rpc_latency.get_or_create_owned(&labels)
                        })
                        .observe(at.elapsed().as_secs_f64());
                }
                let text = match body {
                    Ok(result) => encode_ok(id, endpoint, result),
                    Err(error) => encode_error(id, endpoint, error),
                };
                outboxes.send(*conn, &Utf8Bytes::from(text));
            }
            FrameQueued::Event {
                event,
                payload,
                audience,
            } => {
                let (recipients, filter) = match audience {
                    Audience::Everyone => (sessions.all(), None),
                    Audience::Characters(ids) => (
                        sessions.connections_for_characters(ids),
                        Some(ids.as_slice()),
                    ),
                    Audience::ChatNames(names) => (sessions.connections_for_chat(names), None),
                    Audience::Connection(conn, ids) => (vec![*conn], Some(ids.as_slice())),
                };
                if recipients.is_empty() {
                    continue;
                }
                let text = Utf8Bytes::from(encode_event(event, payload, filter));
                for conn in recipients {
                    outboxes.send(conn, &text);
                }
            }
        }
    }
    if let Some(m) = metrics {
        m.0.connections.set(outboxes.len() as i64);
        let slow = outboxes.slow_disconnects;
        let seen = m.0.slow_disconnects.get();
        if slow > seen {
            m.0.slow_disconnects.inc_by(slow - seen);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::{mpsc, watch};

    #[test]
    fn a_client_whose_outbox_is_full_is_kicked_and_forgotten() {
        let (tx, mut rx) = mpsc::channel(2);
        let (kick, kicked) = watch::channel(false);
        let mut outboxes = Outboxes::default();
        let conn = ConnectionId(1);
        outboxes.map.insert(conn, Outbox { frames: tx, kick });
        let frame = Utf8Bytes::from("{}");
        outboxes.send(conn, &frame);
        outboxes.send(conn, &frame);
        assert_eq!(outboxes.len(), 1, "two frames fit");
        assert!(!*kicked.borrow());
        outboxes.send(conn, &frame);
        assert!(
            *kicked.borrow(),
            "the third frame does not fit: the client is told to go"
        );
        assert!(outboxes.is_empty());
        assert_eq!(outboxes.slow_disconnects, 1);
        // Later frames for it are dropped quietly; the two queued ones are still there.
        outboxes.send(conn, &frame);
        assert_eq!(outboxes.slow_disconnects, 1);
        assert!(rx.try_recv().is_ok() && rx.try_recv().is_ok() && rx.try_recv().is_err());
    }

    #[test]
    fn a_closed_outbox_is_forgotten_without_counting_as_slow() {
        let (tx, rx) = mpsc::channel(2);
        let (kick, _kicked) = watch::channel(false);
        let mut outboxes = Outboxes::default();
        outboxes
            .map
            .insert(ConnectionId(1), Outbox { frames: tx, kick });
        drop(rx);
        outboxes.send(ConnectionId(1), &Utf8Bytes::from("{}"));
        assert!(outboxes.is_empty());
        assert_eq!(outboxes.slow_disconnects, 0);
    }
}
