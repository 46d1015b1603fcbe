//! Answers the update's requests one at a time, in arrival order, so a connection's frames take
//! effect in the order it sent them and every request gets exactly one reply.

use crate::outbox::{emit, reply, to_raw};
use crate::{characters, chat, combat, maps, movement, ports, sessions, trade, warp_power};
use bang_components::api::events::STATUS_UPDATE;
use bang_components::api::payloads::ServerStatusResult;
use bang_components::api::{ApiError, Request};
use bang_components::messages::{Audience, RequestReceived};
use bang_components::session::ConnectionId;
use bang_components::universe::UniverseRes;
use bevy_ecs::message::Messages;
use bevy_ecs::prelude::*;
use serde_json::value::RawValue;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Handlers are plain functions on the World, run by this one exclusive system: each sees the
/// effects of the requests before it, with no locks and no check-then-act races.
pub fn dispatch_requests(world: &mut World) {
    let requests: Vec<RequestReceived> = world
        .resource_mut::<Messages<RequestReceived>>()
        .drain()
        .collect();
    for RequestReceived {
        conn,
        id,
        request,
        received,
    } in requests
    {
        let endpoint = request.endpoint_name();
        // A bug in one handler must cost one request, not the server.
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            handle(world, conn, &id, request, received)
        }));
        let body = outcome.unwrap_or_else(|_| {
            tracing::error!(endpoint, "request handler panicked");
            Some(Err(ApiError::new(500, "Internal error")))
        });
        if let Some(body) = body {
            reply(world, conn, id, endpoint, body, received);
        }
    }
}

/// Runs one request. Returns the reply body, or `None` when the handler already queued its reply
/// (`subscribe`, whose initial status must follow the reply).
fn handle(
    world: &mut World,
    conn: ConnectionId,
    id: &str,
    request: Request,
    received: Option<std::time::Instant>,
) -> Option<Result<Box<RawValue>, ApiError>> {
    if let Err(e) = crate::ownership::check(world, conn, &request) {
        return Some(Err(e));
    }
    let body = match request {
        Request::ServerStatus => {
            let sectors = world.resource::<UniverseRes>().sector_count();
            to_raw(&ServerStatusResult::new(sectors))
        }
        Request::Join(req) => characters::join(world, conn, req).and_then(|r| to_raw(&r)),
        Request::MyStatus(req) => characters::my_status(world, conn, req).and_then(|r| to_raw(&r)),
        Request::Move(req) => movement::move_character(world, conn, req).and_then(|r| to_raw(&r)),
        Request::PlotCourse(req) => movement::plot_course(world, req).and_then(|r| to_raw(&r)),
        Request::MyMap(req) => maps::my_map(world, req).and_then(|r| to_raw(&r)),
        Request::LocalMap(req) => maps::local_map(world, req).and_then(|r| to_raw(&r)),
        Request::CheckTrade(req) => trade::check_trade(world, req).and_then(|r| to_raw(&r)),
        Request::Trade(req) => trade::trade(world, conn, req).and_then(|r| to_raw(&r)),
        Request::RechargeWarpPower(req) => {
            warp_power::recharge_warp_power(world, conn, req).and_then(|r| to_raw(&r))
        }
        Request::TransferWarpPower(req) => {
            warp_power::transfer_warp_power(world, conn, req).and_then(|r| to_raw(&r))
        }
        Request::ResetPorts(req) => ports::reset_ports(world, conn, req).and_then(|r| to_raw(&r)),
        Request::RegeneratePorts(req) => {
            ports::regenerate_ports(world, conn, req).and_then(|r| to_raw(&r))
        }
        Request::SendMessage(req) => chat::send_message(world, conn, req).and_then(|r| to_raw(&r)),
        Request::CombatInitiate(req) => {
            combat::endpoints::initiate(world, conn, req).and_then(|r| to_raw(&r))
        }
        Request::CombatAction(req) => {
            combat::endpoints::act(world, conn, req).and_then(|r| to_raw(&r))
        }
        Request::CombatStatus(req) => {
            combat::endpoints::status(world, req).and_then(|r| to_raw(&r))
        }
        Request::LeaveFighters(req) => {
            combat::garrisons::leave_fighters(world, conn, req).and_then(|r| to_raw(&r))
        }
        Request::CollectFighters(req) => {
            combat::garrisons::collect_fighters(world, conn, req).and_then(|r| to_raw(&r))
        }
        Request::SetGarrisonMode(req) => {
            combat::garrisons::set_garrison_mode(world, conn, req).and_then(|r| to_raw(&r))
        }
        Request::SalvageCollect(req) => {
            combat::salvage::collect_salvage(world, conn, req).and_then(|r| to_raw(&r))
        }
        Request::Identify(req) => sessions::identify(world, conn, req).and_then(|r| to_raw(&r)),
        Request::Subscribe(req) => {
            let character = req.character_id.clone();
            match sessions::subscribe(world, conn, req) {
                Err(e) => Err(e),
                Ok((result, status)) => {
                    let body = to_raw(&result);
                    reply(world, conn, id.to_string(), "subscribe", body, received);
                    if let (Some(status), Some(character)) = (status, character) {
                        let audience = Audience::Connection(conn, vec![character]);
                        emit(world, STATUS_UPDATE, &status, audience);
                    }
                    return None;
                }
            }
        }
    };
    Some(body)
}
