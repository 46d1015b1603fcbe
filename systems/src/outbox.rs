//! Queueing replies and domain events for the presentation layer, which renders each once and
//! shares the frame among its recipients.

use bang_components::api::ApiError;
use bang_components::game_events::GameEvent;
use bang_components::messages::{
    Audience, CurrentRequest, EventBody, FrameQueued, PresentAtOnce, RenderedEvent, ReplyBody,
    ResultBody,
};
use bang_components::session::{ConnectionId, Sessions, WireDialect};
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
            Ok(renderings) => EventBody::Rendered(renderings),
            Err(e) => {
                tracing::error!(error = %e, "event failed to render");
                return;
            }
        },
    };
    world.write_message(FrameQueued::Event { event, audience });
}

/// An event in each dialect: always the seed's (the default, and what the firehose shows), the
/// others only while a connection speaks them.
fn render(
    world: &World,
    present: &PresentAtOnce,
    event: &GameEvent,
) -> Result<[Option<RenderedEvent>; 2], serde_json::Error> {
    let cause = world
        .get_resource::<CurrentRequest>()
        .and_then(|c| c.0.as_ref());
    let sessions = world.get_resource::<Sessions>();
    let mut out = [None, None];
    for dialect in WireDialect::ALL {
        let spoken =
            dialect == WireDialect::V2025_10 || sessions.is_some_and(|s| s.speaks(dialect));
        if spoken {
            out[dialect.index()] = present.0[dialect.index()].event(event, cause)?;
        }
    }
    Ok(out)
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
