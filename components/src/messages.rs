//! The messages that flow through one update: requests in from the network thread, frames out to
//! it. Data flows one way: socket → inbox → `RequestReceived` (in the systems' endpoint table) → systems → `FrameQueued` → socket.

use crate::api::ApiError;
use crate::api::events::ChatMessage;
use crate::game_events::GameEvent;
use crate::session::{ConnectionId, WireDialect};
use crate::time::Timestamp;
use bevy_ecs::prelude::Message;
use serde_json::value::RawValue;
use std::sync::Arc;

/// A connection opened, speaking a dialect; its session starts empty.
#[derive(Message, Debug, Clone)]
pub struct ConnectionOpened {
    pub conn: ConnectionId,
    pub dialect: WireDialect,
    /// The peer's address (per-address limits on logins and registrations).
    pub peer: Option<std::net::IpAddr>,
    /// A session token given when connecting (`/ws?token=`, `Authorization: Bearer`): the
    /// connection starts logged in with it, if it is valid when used.
    pub token: Option<String>,
}

impl ConnectionOpened {
    pub fn new(conn: ConnectionId, dialect: WireDialect) -> Self {
        ConnectionOpened {
            conn,
            dialect,
            peer: None,
            token: None,
        }
    }
}

/// A connection closed (or was dropped for being too slow).
#[derive(Message, Debug, Clone)]
pub struct ConnectionClosed(pub ConnectionId);

/// One entry of the action log: a state-changing action and its outcome. Written to the store in
/// the same transaction as the change, then appended to the day's JSONL file.
#[derive(Message, Debug, Clone)]
pub struct ActionLogged {
    pub timestamp: Timestamp,
    /// Namespaced: `trade.executed`, `movement.moved`, `chat.message_sent`, …
    pub event_type: &'static str,
    pub actor_id: Option<String>,
    pub conn: Option<ConnectionId>,
    pub data: Box<RawValue>,
    /// `success`, `failure` or `rejected`.
    pub result: &'static str,
}

/// A chat message was accepted; the store keeps it as history.
#[derive(Message, Debug, Clone)]
pub struct ChatRecorded(pub ChatMessage);

/// Who receives an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Every open connection.
    Everyone,
    /// Connections bound to any of these characters; sent with `character_filter`.
    Characters(Vec<String>),
    /// Chat: all chat-on connections when empty, else those that bound one of the names.
    ChatNames(Vec<String>),
    /// One connection only, still labelled with a `character_filter`.
    Connection(ConnectionId, Vec<String>),
}

/// A frame for the network thread: a reply to one request, or an event. Frames leave in the order
/// they were queued, after the update's changes are on disk.
#[derive(Message, Debug, Clone)]
pub enum FrameQueued {
    Reply {
        conn: ConnectionId,
        id: String,
        endpoint: &'static str,
        /// The endpoint's result, typed or already rendered by the dialect.
        body: Result<ReplyBody, ApiError>,
        /// When the request was read off the socket.
        received: Option<std::time::Instant>,
    },
    Event {
        event: EventBody,
        audience: Audience,
    },
}

/// A reply's result: rendered as it is queued when a presenter is installed (the server), typed
/// otherwise (the harness, whose tests read it).
#[derive(Debug, Clone)]
pub enum ReplyBody {
    Typed(Arc<dyn ResultBody>),
    Rendered(Box<RawValue>),
}

/// An event: rendered as it is recorded when presenters are installed, typed otherwise.
#[derive(Debug, Clone)]
pub enum EventBody {
    Typed(GameEvent),
    /// One rendering per dialect (indexed by `WireDialect::index`): `None` where that dialect
    /// does not show the event, or where no connection speaks it.
    Rendered([Option<RenderedEvent>; 2]),
}

/// An event as one dialect sends it.
#[derive(Debug, Clone)]
pub struct RenderedEvent {
    pub name: &'static str,
    pub payload: Box<RawValue>,
}

/// A request that set events off; a dialect may name it in them (the 2026-01 dialect's
/// `source`).
#[derive(Debug, Clone)]
pub struct Cause {
    pub id: String,
    pub endpoint: &'static str,
    pub at: Timestamp,
    pub conn: ConnectionId,
    /// Who acts for the request's character, as the request says (`actor_character_id`).
    pub actor: Option<String>,
    /// Set by a handler that answers later (a `move` through hyperspace answers on arrival).
    pub deferred: bool,
}

/// A reply owed to a request whose handler deferred it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingReply {
    pub conn: ConnectionId,
    pub id: String,
    pub endpoint: &'static str,
}

/// The request being answered while its rules record events (none between requests).
#[derive(bevy_ecs::prelude::Resource, Debug, Clone, Default)]
pub struct CurrentRequest(pub Option<Cause>);

/// What a wire dialect makes of the game's events and results. Installed per dialect
/// (`PresentAtOnce`), so the rules render at once without knowing any dialect.
pub trait Presenter: Send + Sync {
    fn result(
        &self,
        endpoint: &str,
        body: &dyn ResultBody,
    ) -> Result<Box<RawValue>, serde_json::Error>;

    /// The event as this dialect shows it (`cause`: the request that set it off, if any), or
    /// `None` where the dialect does not show it.
    fn event(
        &self,
        event: &GameEvent,
        cause: Option<&Cause>,
    ) -> Result<Option<RenderedEvent>, serde_json::Error>;
}

/// The presenters results and events are rendered with as they are queued, one per dialect
/// (indexed by `WireDialect::index`). A typed view kept until the update's flush would pin its
/// many small allocations (a crowded sector's status holds hundreds) across two updates and be
/// serialised cold; rendered at once, it is one buffer, and the view is dropped while still in
/// cache.
#[derive(bevy_ecs::prelude::Resource, Clone)]
pub struct PresentAtOnce(pub [Arc<dyn Presenter>; 2]);

/// An endpoint's result, kept typed until a dialect renders it.
pub trait ResultBody: Send + Sync + std::fmt::Debug {
    /// The result as JSON, as the seed's dialect sends it.
    fn to_json(&self) -> Result<Box<RawValue>, serde_json::Error>;
}

impl<T: serde::Serialize + Send + Sync + std::fmt::Debug> ResultBody for T {
    fn to_json(&self) -> Result<Box<RawValue>, serde_json::Error> {
        serde_json::value::to_raw_value(self)
    }
}
