//! Connection sessions: opening and closing them, and the two control frames that bind
//! characters and names to a connection (`identify`, `subscribe`).

use crate::outbox::record;
use crate::status::status_payload;
use bang_components::api::events::{CHAT_MESSAGE, STATUS_UPDATE};
use bang_components::api::payloads::{IdentifyResult, SubscribeResult};
use bang_components::api::requests::{IdentifyRequest, SubscribeRequest, given};
use bang_components::api::{ApiError, error::ApiResult};
use bang_components::api::{Endpoint, Framing};
use bang_components::character::CharacterIndex;
use bang_components::game_events::GameEvent;
use bang_components::messages::Audience;
use bang_components::messages::{ConnectionClosed, ConnectionOpened};
use bang_components::session::{ConnectionId, MAX_BINDINGS_PER_CONNECTION, Sessions};
use bevy_ecs::prelude::*;

pub fn open_sessions(mut opened: MessageReader<ConnectionOpened>, mut sessions: ResMut<Sessions>) {
    for o in opened.read() {
        sessions.open(o.conn, o.dialect);
        if let Some(s) = sessions.get_mut(o.conn) {
            s.peer = o.peer;
            s.login = o.token.as_deref().map(crate::accounts::tokens::token_hash);
        }
    }
}

/// Runs after the update's requests, so a request that arrived before its connection closed is
/// still answered in order (its reply is then dropped by the bridge).
pub fn close_sessions(mut closed: MessageReader<ConnectionClosed>, mut sessions: ResMut<Sessions>) {
    for ConnectionClosed(conn) in closed.read() {
        sessions.close(*conn);
    }
}

fn too_many() -> ApiError {
    ApiError::new(
        429,
        format!("Too many bindings on this connection (max {MAX_BINDINGS_PER_CONNECTION})"),
    )
}

/// `identify`: receive a character's events and/or a name's direct messages here.
pub fn identify(
    world: &mut World,
    conn: ConnectionId,
    req: IdentifyRequest,
) -> ApiResult<IdentifyResult> {
    let id = given(&req.character_id);
    let name = given(&req.name);
    if id.is_none() && name.is_none() {
        return Err(ApiError::bad_request("Missing name or character_id"));
    }
    for bound in id.iter().chain(name.iter()) {
        crate::accounts::authority::check_listen(world, conn, bound)?;
    }
    let mut sessions = world.resource_mut::<Sessions>();
    if let Some(id) = id {
        sessions.track(conn, id).map_err(|_| too_many())?;
    }
    if let Some(name) = name {
        sessions.add_name(conn, name).map_err(|_| too_many())?;
    }
    sessions.enable_chat(conn);
    Ok(IdentifyResult { identified: true })
}

/// `subscribe`: `chat.message` turns chat on; `status.update` binds a character and is followed
/// by its current status (sent after the reply, to this connection only). An unknown character
/// gets one 404 reply and no binding (the reference sent an ok and then a 404 for one request).
pub fn subscribe(
    world: &mut World,
    conn: ConnectionId,
    req: SubscribeRequest,
) -> ApiResult<SubscribeResult> {
    match req.event.as_deref() {
        Some(CHAT_MESSAGE) => {
            world.resource_mut::<Sessions>().enable_chat(conn);
            Ok(SubscribeResult {
                subscribed: CHAT_MESSAGE.into(),
                character_id: None,
            })
        }
        Some(STATUS_UPDATE) => {
            let id = given(&req.character_id)
                .ok_or_else(|| ApiError::bad_request("Missing character_id"))?;
            if world.resource::<CharacterIndex>().get(id).is_none() {
                return Err(ApiError::not_found(format!("Character '{id}' not found")));
            }
            crate::accounts::authority::check_listen(world, conn, id)?;
            if let Some(name) = given(&req.name) {
                crate::accounts::authority::check_listen(world, conn, name)?;
            }
            let mut sessions = world.resource_mut::<Sessions>();
            sessions.track(conn, id).map_err(|_| too_many())?;
            if let Some(name) = given(&req.name) {
                sessions.add_name(conn, name).map_err(|_| too_many())?;
            }
            Ok(SubscribeResult {
                subscribed: STATUS_UPDATE.into(),
                character_id: Some(id.to_string()),
            })
        }
        other => Err(ApiError::not_found(format!(
            "Unknown event subscription: {}",
            other.unwrap_or("None")
        ))),
    }
}

/// `identify` (a control frame): receive a character's events and/or a name's direct messages
/// on this connection.
pub struct Identify;

impl Endpoint for Identify {
    const NAME: &'static str = "identify";
    const DIALECTS: &'static [bang_components::session::WireDialect] =
        bang_components::api::endpoint::ONLY_2025_10;
    const FRAMING: Framing = Framing::Control;
    type Request = IdentifyRequest;
    type Result = IdentifyResult;

    fn acting_for(request: &IdentifyRequest) -> Vec<&Option<String>> {
        vec![&request.character_id, &request.name]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: IdentifyRequest,
    ) -> ApiResult<IdentifyResult> {
        identify(world, conn, request)
    }
}

/// `subscribe` (a control frame): chat, or a character's status updates, on this connection.
pub struct Subscribe;

impl Endpoint for Subscribe {
    const NAME: &'static str = "subscribe";
    const FRAMING: Framing = Framing::Control;
    type Request = SubscribeRequest;
    type Result = SubscribeResult;

    fn acting_for(request: &SubscribeRequest) -> Vec<&Option<String>> {
        vec![&request.character_id, &request.name]
    }

    fn handle(
        world: &mut World,
        conn: ConnectionId,
        request: SubscribeRequest,
    ) -> ApiResult<SubscribeResult> {
        subscribe(world, conn, request)
    }

    /// A status subscription is followed by the character's status, after the reply.
    fn after_reply(world: &mut World, conn: ConnectionId, result: &SubscribeResult) {
        let Some(character) = &result.character_id else {
            return;
        };
        let Some(entity) = world.resource::<CharacterIndex>().get(character) else {
            return;
        };
        let status = status_payload(world, entity);
        let audience = Audience::Connection(conn, vec![character.clone()]);
        record(world, GameEvent::StatusChanged(Box::new(status)), audience);
    }
}
