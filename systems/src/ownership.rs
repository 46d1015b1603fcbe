//! Who may act for whom: a connection acts only for the characters it joined on that connection
//! (the reference let any connection act as, read or eavesdrop on any character). Joining is the
//! way to take a character over; with character tokens configured, joining needs the token. A
//! corporation's ship is flown by whichever member names itself as the request's actor.

use bang_components::api::ApiError;
use bang_components::api::requests::given;
use bang_components::character::CharacterIndex;
use bang_components::corporation::Corporations;
use bang_components::session::{ConnectionId, Sessions};
use bevy_ecs::prelude::*;

/// Refuses (403) a request naming a character of the world that this connection did not join,
/// or a corporation's ship without a member of it as the `actor`. Names that are no character
/// at all pass (chat may be sent under any free name, as clients do).
pub fn check(
    world: &World,
    conn: ConnectionId,
    acting_for: &[&Option<String>],
    actor: Option<&str>,
) -> Result<(), ApiError> {
    let index = world.resource::<CharacterIndex>();
    let session = world.resource::<Sessions>().get(conn);
    for id in acting_for.iter().copied().filter_map(given) {
        if index.get(id).is_none() {
            continue;
        }
        if !session.is_some_and(|s| s.controlled.contains(id)) {
            return Err(ApiError::new(
                403,
                format!("Character '{id}' is not joined on this connection; join it first"),
            )
            .with_code("not_your_character"));
        }
        authorize_actor(world, conn, id, actor)?;
    }
    Ok(())
}

/// Refuses to let anyone but a member of the owning corporation act for a corporation's ship:
/// the request must name its actor (400), a member (403), and in accounts mode a character of
/// the connection's own account (403: the actor is proved, not claimed). Other characters pass.
pub fn authorize_actor(
    world: &World,
    conn: ConnectionId,
    character: &str,
    actor: Option<&str>,
) -> Result<(), ApiError> {
    let Some(corps) = world.get_resource::<Corporations>() else {
        return Ok(());
    };
    let Some(owner) = corps.owning_ship(character) else {
        return Ok(());
    };
    let Some(actor) = actor else {
        return Err(ApiError::bad_request(
            "actor_character_id is required when controlling a corporation ship",
        ));
    };
    let member = corps.of(actor) == Some(owner) && corps.owning_ship(actor).is_none();
    if !member {
        return Err(ApiError::new(
            403,
            "Actor is not authorized to control this corporation ship",
        ));
    }
    crate::accounts::authority::check_actor(world, conn, actor)
}
