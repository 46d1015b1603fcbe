//! Answering the update's requests: those the rate limits let through now, one at a time.

use crate::endpoints::RequestReceived;
use crate::rate_limits::take_turns;
use bevy_ecs::prelude::*;

/// Answers the update's requests one at a time, in the order they were taken in, so a
/// connection's frames take effect in the order it sent them and every request gets exactly one
/// reply.
pub fn dispatch_requests(world: &mut World) {
    let arrived: Vec<RequestReceived> = world
        .resource_mut::<bevy_ecs::message::Messages<RequestReceived>>()
        .drain()
        .collect();
    let requests = take_turns(world, arrived);
    for RequestReceived {
        conn,
        id,
        request,
        actor,
        received,
    } in requests
    {
        request.run(world, conn, id, actor, received);
    }
}
