//! Queueing replies and domain events for the presentation layer, which renders each once and
//! shares the frame among its recipients.

use bang_components::api::ApiError;
use bang_components::game_events::GameEvent;
use bang_components::messages::{Audience, FrameQueued, ResultBody};
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
    world.write_message(FrameQueued::Event { event, audience });
}

/// Records a domain event for the connections of these characters.
pub fn record_to(world: &mut World, event: GameEvent, ids: Vec<String>) {
    record(world, event, Audience::Characters(ids));
}

/// Queues the reply to one request.
pub fn reply(
    world: &mut World,
    conn: ConnectionId,
    id: String,
    endpoint: &'static str,
    body: Result<Arc<dyn ResultBody>, ApiError>,
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
