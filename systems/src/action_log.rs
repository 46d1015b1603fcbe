//! Recording state-changing actions for the action log (the store writes them in the update's
//! transaction and appends them to the day's JSONL file).

use bang_components::messages::ActionLogged;
use bang_components::session::ConnectionId;
use bang_components::time::GameClock;
use bevy_ecs::prelude::*;
use serde::Serialize;

/// Logs a successful action by `actor` (None for operator and system actions).
pub fn log_action<T: Serialize>(
    world: &mut World,
    event_type: &'static str,
    actor: Option<&str>,
    conn: Option<ConnectionId>,
    data: &T,
) {
    log_outcome(world, event_type, actor, conn, data, "success");
}

/// Logs an action with its result: `success`, `failure` (a failed login) or `rejected`.
pub fn log_outcome<T: Serialize>(
    world: &mut World,
    event_type: &'static str,
    actor: Option<&str>,
    conn: Option<ConnectionId>,
    data: &T,
    result: &'static str,
) {
    if crate::outbox::headless(world) {
        return;
    }
    let Ok(data) = serde_json::value::to_raw_value(data) else {
        tracing::error!(event_type, "action log data failed to serialise");
        return;
    };
    let timestamp = world.resource::<GameClock>().now();
    world.write_message(ActionLogged {
        timestamp,
        event_type,
        actor_id: actor.map(str::to_string),
        conn,
        data,
        result,
    });
}
