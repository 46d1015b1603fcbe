//! Who may act for whom: a connection acts only for the characters it joined on that connection
//! (the reference let any connection act as, read or eavesdrop on any character). Joining is the
//! way to take a character over; with character tokens configured, joining needs the token.

use bang_components::api::requests::given;
use bang_components::api::{ApiError, Request};
use bang_components::character::CharacterIndex;
use bang_components::session::{ConnectionId, Sessions};
use bevy_ecs::prelude::*;

/// The characters a request acts for or reads.
fn acting_for(request: &Request) -> Vec<&Option<String>> {
    match request {
        Request::ServerStatus | Request::Join(_) | Request::PlotCourse(_) => vec![],
        Request::ResetPorts(_) | Request::RegeneratePorts(_) => vec![],
        Request::MyStatus(r) | Request::MyMap(r) => vec![&r.character_id],
        Request::Move(r) => vec![&r.character_id],
        Request::LocalMap(r) => vec![&r.character_id],
        Request::CheckTrade(r) | Request::Trade(r) => vec![&r.character_id],
        Request::RechargeWarpPower(r) => vec![&r.character_id],
        Request::TransferWarpPower(r) => vec![&r.from_character_id],
        Request::SendMessage(r) => vec![&r.character_id],
        Request::CombatInitiate(r) => vec![&r.character_id],
        Request::CombatAction(r) => vec![&r.character_id],
        Request::CombatStatus(r) => vec![&r.character_id],
        Request::LeaveFighters(r) | Request::CollectFighters(r) | Request::SetGarrisonMode(r) => {
            vec![&r.character_id]
        }
        Request::SalvageCollect(r) => vec![&r.character_id],
        Request::Identify(r) => vec![&r.character_id, &r.name],
        Request::Subscribe(r) => vec![&r.character_id, &r.name],
    }
}

/// Refuses (403) a request naming a character of the world that this connection did not join.
/// Names that are no character at all pass (chat may be sent under any free name, as clients do).
pub fn check(world: &World, conn: ConnectionId, request: &Request) -> Result<(), ApiError> {
    let index = world.resource::<CharacterIndex>();
    let session = world.resource::<Sessions>().get(conn);
    for id in acting_for(request).into_iter().filter_map(given) {
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
