//! Queueing replies and events. Payloads are serialised once, here, and shared by every recipient.

use bang_components::api::ApiError;
use bang_components::messages::{Audience, FrameQueued};
use bang_components::session::ConnectionId;
use bevy_ecs::prelude::*;
use serde::Serialize;
use serde_json::value::RawValue;

/// Serialises a payload. Our payload types always serialise (string keys, finite numbers), so a
/// failure is a bug: it becomes an internal error reply instead of a panic.
pub fn to_raw<T: Serialize>(value: &T) -> Result<Box<RawValue>, ApiError> {
    serde_json::value::to_raw_value(value).map_err(|e| {
        tracing::error!(error = %e, "payload failed to serialise");
        ApiError::new(500, "Internal error: payload failed to serialise")
    })
}

/// Present in a World that nobody listens to (the sim runner): events and the action log are
/// skipped, and so is building their payloads. The rules themselves run unchanged.
#[derive(Resource, Debug, Default, Clone, Copy)]
pub struct Headless;

/// Whether events and logs would go nowhere in this World.
pub fn headless(world: &World) -> bool {
    world.contains_resource::<Headless>()
}

/// Queues an event for the given audience.
pub fn emit<T: Serialize>(world: &mut World, event: &'static str, payload: &T, audience: Audience) {
    if headless(world) {
        return;
    }
    if let Ok(payload) = to_raw(payload) {
        world.write_message(FrameQueued::Event {
            event,
            payload,
            audience,
        });
    }
}

/// Queues an event addressed to characters.
pub fn emit_to<T: Serialize>(
    world: &mut World,
    event: &'static str,
    payload: &T,
    ids: Vec<String>,
) {
    emit(world, event, payload, Audience::Characters(ids));
}

/// Queues the reply to one request.
pub fn reply(
    world: &mut World,
    conn: ConnectionId,
    id: String,
    endpoint: &'static str,
    body: Result<Box<RawValue>, ApiError>,
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
