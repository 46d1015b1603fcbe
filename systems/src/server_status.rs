//! `server_status`: what the server is, for a client that has not joined.

use bang_components::api::Endpoint;
use bang_components::api::endpoint::NoPayload;
use bang_components::api::error::ApiResult;
use bang_components::api::payloads::ServerStatusResult;
use bang_components::session::ConnectionId;
use bang_components::universe::UniverseRes;
use bevy_ecs::prelude::*;

/// `server_status`: the universe's size; takes no payload (any payload is ignored).
pub struct ServerStatus;

impl Endpoint for ServerStatus {
    const NAME: &'static str = "server_status";
    const IGNORES_PAYLOAD: bool = true;
    type Request = NoPayload;
    type Result = ServerStatusResult;

    fn handle(
        world: &mut World,
        _conn: ConnectionId,
        _request: NoPayload,
    ) -> ApiResult<ServerStatusResult> {
        let sectors = world.resource::<UniverseRes>().sector_count();
        Ok(ServerStatusResult::new(sectors))
    }
}
