//! Queueing replies and domain events for the presentation layer, which renders each once and
//! shares the frame among its recipients.

use bang_components::api::ApiError;
use bang_components::game_events::GameEvent;
use bang_components::messages::{
    Audience, EventBody, FrameQueued, PresentAtOnce, ReplyBody, ResultBody,
};
use bang_components::session::ConnectionId;
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
        Some(present) => match present.0.event(&event) {
            Ok((name, payload)) => EventBody::Rendered { name, payload },
            Err(e) => {
                tracing::error!(error = %e, "event failed to render");
                return;
            }
        },
    };
    world.write_message(FrameQueued::Event { event, audience });
}

/// Records a domain event for the connections of these characters.
pub fn record_to(world: &mut World, event: GameEvent, ids: Vec<String>) {
    record(world, event, Audience::Characters(ids));
}

/// A result as its reply carries it: rendered at once by the installed presenter (a result that
/// fails to render, a bug, becomes a 500), else typed.
pub fn reply_body(
    world: &World,
    endpoint: &'static str,
    result: Arc<dyn ResultBody>,
) -> Result<ReplyBody, ApiError> {
    let Some(present) = world.get_resource::<PresentAtOnce>() else {
        return Ok(ReplyBody::Typed(result));
    };
    present
        .0
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
