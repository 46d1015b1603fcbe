//! `identify` as the 2026-01 dialect has it: a connection belongs to one character, named by id.

use bang_components::api::endpoint::ONLY_2026_01;
use bang_components::api::payloads::IdentifyResult;
use bang_components::api::requests::{IdentifyRequest, given};
use bang_components::api::{ApiError, Endpoint, Framing, error::ApiResult};
use bang_components::session::{ConnectionId, Sessions, WireDialect};
use bevy_ecs::prelude::*;

/// Binds the connection to one character's events (a second, different one is refused).
pub fn bind_one(world: &mut World, conn: ConnectionId, id: &str) -> ApiResult<()> {
    let mut sessions = world.resource_mut::<Sessions>();
    if let Some(bound) = sessions.get(conn).and_then(|s| s.tracked.iter().next())
        && bound != id
    {
        return Err(ApiError::bad_request(format!(
            "Connection already associated with character '{bound}', cannot change to '{id}'"
        )));
    }
    sessions
        .track(conn, id)
        .map_err(|_| ApiError::new(429, "Too many bindings on this connection"))
}

fn identify(
    world: &mut World,
    conn: ConnectionId,
    req: IdentifyRequest,
) -> ApiResult<IdentifyResult> {
    let id =
        given(&req.character_id).ok_or_else(|| ApiError::bad_request("Missing character_id"))?;
    crate::accounts::authority::check_listen(world, conn, id)?;
    bind_one(world, conn, id)?;
    Ok(IdentifyResult { identified: true })
}

/// `identify` (2026-01): receive one character's events here.
pub struct Identify2026;

impl Endpoint for Identify2026 {
    const NAME: &'static str = crate::sessions::Identify::NAME;
    const FRAMING: Framing = Framing::Control;
    const DIALECTS: &'static [WireDialect] = ONLY_2026_01;
    type Request = IdentifyRequest;
    type Result = IdentifyResult;

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: IdentifyRequest,
    ) -> ApiResult<IdentifyResult> {
        identify(world, conn, request)
    }
}
