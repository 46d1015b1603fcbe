//! Answering one request of an endpoint: the ownership check, the handler, the reply. Handlers
//! are plain functions on the World, run one at a time by one exclusive system (see
//! `requests::dispatch_requests`): each sees the effects of the requests before it, with no
//! locks and no check-then-act races.

use crate::outbox::{reply, reply_body};
use bang_components::api::{ApiError, Endpoint};
use bang_components::messages::{Cause, CurrentRequest, PendingReply};
use bang_components::session::ConnectionId;
use bang_components::time::GameClock;
use bevy_ecs::prelude::*;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

/// Answers one request of endpoint `E` with exactly one reply.
pub fn run<E: Endpoint>(
    world: &mut World,
    conn: ConnectionId,
    id: String,
    request: E::Request,
    actor: Option<String>,
    received: Option<std::time::Instant>,
) {
    let acting_for = E::acting_for(&request);
    if let Err(e) = crate::ownership::check(world, conn, &acting_for, actor.as_deref()) {
        audit_refusal(world, conn, E::NAME, &e);
        reply(world, conn, id, E::NAME, Err(e), received);
        return;
    }
    let at = world.resource::<GameClock>().now();
    world.resource_mut::<CurrentRequest>().0 = Some(Cause {
        id: id.clone(),
        endpoint: E::NAME,
        at,
        conn,
        actor,
        deferred: false,
    });
    // A bug in one handler must cost one request, not the server.
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let outcome = E::handle(world, conn, request);
        // What the request set off happens before its reply, as a direct call would have.
        crate::combat::engage::run_follow_ons(world);
        outcome
    }));
    let cause = world.resource_mut::<CurrentRequest>().0.take();
    match outcome {
        // The handler owes the reply and will send it (`answer_later`).
        Ok(Ok(_)) if cause.is_some_and(|c| c.deferred) => {}
        Ok(Ok(result)) => {
            let result = Arc::new(result);
            let body = reply_body(world, conn, E::NAME, result.clone());
            reply(world, conn, id, E::NAME, body, received);
            E::after_reply(world, conn, &result);
        }
        Ok(Err(error)) => {
            audit_refusal(world, conn, E::NAME, &error);
            reply(world, conn, id, E::NAME, Err(error), received)
        }
        Err(_) => {
            tracing::error!(endpoint = E::NAME, "request handler panicked");
            let error = ApiError::new(500, "Internal error");
            reply(world, conn, id, E::NAME, Err(error), received);
        }
    }
}

/// Writes a request refused for who made it (no login, another's character, not an operator)
/// to the action log, with the address it came from: the attempts an operator watches for.
fn audit_refusal(world: &mut World, conn: ConnectionId, endpoint: &'static str, e: &ApiError) {
    let code = e.code.as_deref();
    if !matches!(
        code,
        Some("unauthenticated" | "not_your_character" | "not_operator")
    ) {
        return;
    }
    let peer = world
        .resource::<bang_components::session::Sessions>()
        .get(conn)
        .and_then(|s| s.peer);
    let data = serde_json::json!({
        "endpoint": endpoint, "status": e.status, "code": code, "address": peer,
    });
    crate::action_log::log_outcome(world, "access.refused", None, Some(conn), &data, "rejected");
}

/// Called by a handler that will answer later: no reply is sent when it returns; the returned
/// handle is what `answer` needs then.
pub fn answer_later(world: &mut World) -> Option<PendingReply> {
    let mut current = world.resource_mut::<CurrentRequest>();
    let cause = current.0.as_mut()?;
    cause.deferred = true;
    Some(PendingReply {
        conn: cause.conn,
        id: cause.id.clone(),
        endpoint: cause.endpoint,
    })
}

/// Sends a deferred reply.
pub fn answer<T: bang_components::messages::ResultBody + 'static>(
    world: &mut World,
    pending: PendingReply,
    result: Result<T, ApiError>,
) {
    let body = result.and_then(|r| reply_body(world, pending.conn, pending.endpoint, Arc::new(r)));
    reply(
        world,
        pending.conn,
        pending.id,
        pending.endpoint,
        body,
        None,
    );
}

/// Who the request being answered says acts for its character (`actor_character_id`).
pub fn current_actor(world: &World) -> Option<String> {
    world
        .get_resource::<CurrentRequest>()?
        .0
        .as_ref()?
        .actor
        .clone()
}
