//! Who may act for whom: a connection acts only for the characters it joined on that connection
//! (the reference let any connection act as, read or eavesdrop on any character). Joining is the
//! way to take a character over; with character tokens configured, joining needs the token.

use bang_components::api::ApiError;
use bang_components::api::requests::given;
use bang_components::character::CharacterIndex;
use bang_components::session::{ConnectionId, Sessions};
use bevy_ecs::prelude::*;

/// Refuses (403) a request naming a character of the world that this connection did not join.
/// Names that are no character at all pass (chat may be sent under any free name, as clients do).
pub fn check(
    world: &World,
    conn: ConnectionId,
    acting_for: Vec<&Option<String>>,
) -> Result<(), ApiError> {
    let index = world.resource::<CharacterIndex>();
    let session = world.resource::<Sessions>().get(conn);
    for id in acting_for.into_iter().filter_map(given) {
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
    }
    Ok(())
}
