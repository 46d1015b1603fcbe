//! Queueing replies and domain events for the presentation layer, which renders each once and
//! shares the frame among its recipients.

use bang_components::api::ApiError;
use bang_components::character::{CharacterIndex, Position};
use bang_components::game_events::GameEvent;
use bang_components::history::{EventTold, KeepHistory};
use bang_components::messages::{
    Audience, CurrentRequest, EventBody, FrameQueued, PresentAtOnce, RenderedEvent, ReplyBody,
    ResultBody,
};
use bang_components::session::{ConnectionId, Sessions, WireDialect};
use bang_components::time::GameClock;
use bevy_ecs::prelude::*;
use std::sync::Arc;

/// Present in a World that nobody listens to (the sim runner): events and the action log are
/// skipped, and so is building their views. The rules themselves run unchanged.
#[derive(Resource, Debug, Default, Clone, Copy)]
pub struct Headless;

/// Whether events and logs would go nowhere in this World.
pub fn headless(world: &World) -> bool {
    world.contains_resource::<Headless>()
}

/// Records a domain event for the given audience (nothing in a headless World).
pub fn record(world: &mut World, event: GameEvent, audience: Audience) {
    if headless(world) {
        return;
    }
    let event = match world.get_resource::<PresentAtOnce>() {
        None => EventBody::Typed(event),
        Some(present) => match render(world, present, &event) {
            Ok(renderings) => {
                keep_in_history(world, &event, &renderings, &audience);
                EventBody::Rendered(renderings)
            }
            Err(e) => {
                tracing::error!(error = %e, "event failed to render");
                return;
            }
        },
    };
    world.write_message(FrameQueued::Event { event, audience });
}

/// An event in each dialect: always the seed's (the default, and what the firehose shows), the
/// 2026-01 dialect's while a connection speaks it or the history keeps it.
fn render(
    world: &World,
    present: &PresentAtOnce,
    event: &GameEvent,
) -> Result<[Option<RenderedEvent>; 2], serde_json::Error> {
    let cause = world
        .get_resource::<CurrentRequest>()
        .and_then(|c| c.0.as_ref());
    let sessions = world.get_resource::<Sessions>();
    let kept = world.contains_resource::<KeepHistory>();
    let mut out = [None, None];
    for dialect in WireDialect::ALL {
        let spoken = dialect == WireDialect::V2025_10
            || (dialect == WireDialect::V2026_01 && kept)
            || sessions.is_some_and(|s| s.speaks(dialect));
        if spoken {
            out[dialect.index()] = present.0[dialect.index()].event(event, cause)?;
        }
    }
    Ok(out)
}

/// Keeps an event in the history (when the World keeps one): as the 2026-01 dialect shows it
/// where it does, with the character it concerns and its sector (the event's own, else where
/// that character is). `event.query`'s own answer is not kept, as in that release.
fn keep_in_history(
    world: &mut World,
    event: &GameEvent,
    renderings: &[Option<RenderedEvent>; 2],
    audience: &Audience,
) {
    if !world.contains_resource::<KeepHistory>() {
        return;
    }
    let mut receivers = match audience {
        Audience::Characters(ids) | Audience::Connection(_, ids) | Audience::ChatNames(ids) => {
            ids.clone()
        }
        Audience::Everyone => Vec::new(),
    };
    let shown = match &renderings[WireDialect::V2026_01.index()] {
        Some(r) => r,
        // An event the 2026-01 dialect tells its own way (or not at all) is kept as the seed's
        // dialect told it, for those who heard it so: not twice over for the others.
        None => {
            let Some(r) = &renderings[WireDialect::V2025_10.index()] else {
                return;
            };
            if !receivers.is_empty() {
                let sessions = world.resource::<Sessions>();
                receivers.retain(|id| sessions.hears(id, WireDialect::V2025_10));
                if receivers.is_empty() {
                    return;
                }
            }
            r
        }
    };
    if shown.name == "event.query" {
        return;
    }
    let sender = match receivers.as_slice() {
        [only] => Some(only.clone()),
        _ => acting_character(world),
    };
    let sector = event.sector().or_else(|| {
        let c = world.resource::<CharacterIndex>().get(sender.as_ref()?)?;
        world.get::<Position>(c).map(|p| p.0)
    });
    // A corporation event is filed under its corporation (its sender may have just left it);
    // anything else under the sender's, if it has one.
    let corporation_id = match event {
        GameEvent::Release2026(e) => e.corporation().map(str::to_string),
        _ => None,
    }
    .or_else(|| {
        let corps = world.get_resource::<bang_components::corporation::Corporations>()?;
        corps.of(sender.as_deref()?).map(str::to_string)
    });
    let told = EventTold {
        at: world.resource::<GameClock>().now(),
        event: shown.name,
        payload: shown.payload.clone(),
        sender,
        receivers,
        sector,
        corporation_id,
    };
    world.write_message(told);
}

/// The character the request being answered acts for (the one its connection joined).
fn acting_character(world: &World) -> Option<String> {
    let conn = world.get_resource::<CurrentRequest>()?.0.as_ref()?.conn;
    let session = world.get_resource::<Sessions>()?.get(conn)?;
    session.controlled.iter().next().cloned()
}

/// Records a domain event for the connections of these characters.
pub fn record_to(world: &mut World, event: GameEvent, ids: Vec<String>) {
    record(world, event, Audience::Characters(ids));
}

/// A result as its reply to `conn` carries it: rendered at once by the presenter of the
/// connection's dialect (a result that fails to render, a bug, becomes a 500), else typed.
pub fn reply_body(
    world: &World,
    conn: ConnectionId,
    endpoint: &'static str,
    result: Arc<dyn ResultBody>,
) -> Result<ReplyBody, ApiError> {
    let Some(present) = world.get_resource::<PresentAtOnce>() else {
        return Ok(ReplyBody::Typed(result));
    };
    let dialect = world
        .get_resource::<Sessions>()
        .map(|s| s.dialect(conn))
        .unwrap_or_default();
    present.0[dialect.index()]
        .result(endpoint, result.as_ref())
        .map(ReplyBody::Rendered)
        .map_err(|e| {
            tracing::error!(endpoint, error = %e, "result failed to render");
            ApiError::new(500, "Internal error: result failed to render")
        })
}

/// Queues the reply to one request.
pub fn reply(
    world: &mut World,
    conn: ConnectionId,
    id: String,
    endpoint: &'static str,
    body: Result<ReplyBody, ApiError>,
    received: Option<std::time::Instant>,
) {
    world.write_message(FrameQueued::Reply {
        conn,
        id,
        endpoint,
        body,
        received,
    });
}
