//! Events in the 2026-01 dialect: the ones it shares with the seed's dialect, and the ones only
//! it has (recorded by its own endpoints, already in its shapes).

use bang_components::game_events::GameEvent;
use bang_components::messages::{Cause, Presenter, RenderedEvent};
use serde::Serialize;
use serde_json::value::to_raw_value;

fn shown<T: Serialize + ?Sized>(
    name: &'static str,
    view: &T,
) -> Result<Option<RenderedEvent>, serde_json::Error> {
    Ok(Some(RenderedEvent {
        name,
        payload: to_raw_value(view)?,
    }))
}

/// The event as the 2026-01 dialect shows it, or `None` where that release had no such event.
pub fn render(
    event: &GameEvent,
    _cause: Option<&Cause>,
) -> Result<Option<RenderedEvent>, serde_json::Error> {
    match event {
        GameEvent::Release2026(e) => shown(e.name(), e),
        GameEvent::MessageSent(v) => shown("chat.message", v),
        GameEvent::SessionEnded(v) => shown(bang_components::api::events::SESSION_ENDED, v),
        GameEvent::PortsReset(v) => shown("port.reset", v),
        GameEvent::PortsRegenerated(v) => shown("port.regenerated", v),
        // That release announced no joins, and told a character its own status in its own shape
        // (recorded by its endpoints as `Release2026` events).
        GameEvent::CharacterJoined(_) | GameEvent::StatusChanged(_) => Ok(None),
        // Told in its own shapes by the endpoints of both dialects (`v2026::tell`).
        GameEvent::WarpPowerBought(_) | GameEvent::WarpPowerTransferred(_) => Ok(None),
        // That release dropped `sector.garrison_updated`: its garrison endpoints tell
        // `garrison.*` to the owner and `sector.update` to the sector instead.
        GameEvent::GarrisonsUpdated(_) => Ok(None),
        // That release had no `combat.started`, and told each participant its fight from where
        // it stands (recorded per viewer as `Release2026` events by `v2026::combat_told`).
        GameEvent::CombatStarted(_)
        | GameEvent::RoundOpened(_)
        | GameEvent::RoundResolved(_)
        | GameEvent::CombatEnded(_) => Ok(None),
        // Until the 2026-01 shapes of these exist, they go out as the seed's dialect has them.
        _ => crate::present::v2025_10::Seed2025.event(event, None),
    }
}
