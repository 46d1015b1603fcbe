//! The seed's dialect (`2025-10`): event names as the seed's server sends them, payloads as the
//! views serialise (the views were shaped after this dialect), results as they are.

use bang_components::api::combat::{
    COMBAT_ENDED, COMBAT_ROUND_RESOLVED, COMBAT_ROUND_WAITING, COMBAT_STARTED,
    SECTOR_GARRISON_UPDATED,
};
use bang_components::api::events::{
    CHARACTER_JOINED, CHARACTER_MOVED, CHAT_MESSAGE, PORT_REGENERATED, PORT_RESET, STATUS_UPDATE,
    WARP_PURCHASE, WARP_TRANSFER,
};
use bang_components::game_events::GameEvent;
use bang_components::messages::{Cause, Presenter, RenderedEvent, ResultBody};
use serde::Serialize;
use serde_json::value::{RawValue, to_raw_value};

/// The seed's dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct Seed2025;

/// The wire name of an event in this dialect.
pub fn event_name(event: &GameEvent) -> &'static str {
    match event {
        GameEvent::StatusChanged(_) => STATUS_UPDATE,
        GameEvent::CharacterJoined(_) => CHARACTER_JOINED,
        GameEvent::CharacterMoved(_) | GameEvent::MoveObserved(_) => CHARACTER_MOVED,
        GameEvent::CombatStarted(_) => COMBAT_STARTED,
        GameEvent::RoundOpened(_) => COMBAT_ROUND_WAITING,
        GameEvent::RoundResolved(_) => COMBAT_ROUND_RESOLVED,
        GameEvent::CombatEnded(_) => COMBAT_ENDED,
        GameEvent::GarrisonsUpdated(_) => SECTOR_GARRISON_UPDATED,
        GameEvent::WarpPowerBought(_) => WARP_PURCHASE,
        GameEvent::WarpPowerTransferred(_) => WARP_TRANSFER,
        GameEvent::PortsReset(_) => PORT_RESET,
        GameEvent::PortsRegenerated(_) => PORT_REGENERATED,
        GameEvent::MessageSent(_) => CHAT_MESSAGE,
        GameEvent::SessionEnded(_) => bang_components::api::events::SESSION_ENDED,
        GameEvent::Release2026(e) => e.name(),
    }
}

fn payload(event: &GameEvent) -> Result<Box<RawValue>, serde_json::Error> {
    fn raw<T: Serialize + ?Sized>(view: &T) -> Result<Box<RawValue>, serde_json::Error> {
        to_raw_value(view)
    }
    match event {
        GameEvent::StatusChanged(v) => raw(v),
        GameEvent::CharacterJoined(v) => raw(v),
        GameEvent::CharacterMoved(v) => raw(v),
        GameEvent::MoveObserved(v) => raw(v),
        GameEvent::CombatStarted(v) => raw(v),
        GameEvent::RoundOpened(v) => raw(v),
        GameEvent::RoundResolved(v) | GameEvent::CombatEnded(v) => raw(v),
        GameEvent::GarrisonsUpdated(v) => raw(v),
        GameEvent::WarpPowerBought(v) => raw(v),
        GameEvent::WarpPowerTransferred(v) => raw(v),
        GameEvent::PortsReset(v) => raw(v),
        GameEvent::PortsRegenerated(v) => raw(v),
        GameEvent::MessageSent(v) => raw(v),
        GameEvent::SessionEnded(v) => raw(v),
        GameEvent::Release2026(v) => raw(v),
    }
}

impl Presenter for Seed2025 {
    fn result(
        &self,
        _endpoint: &str,
        body: &dyn ResultBody,
    ) -> Result<Box<RawValue>, serde_json::Error> {
        body.to_json()
    }

    fn event(
        &self,
        event: &GameEvent,
        _cause: Option<&Cause>,
    ) -> Result<Option<RenderedEvent>, serde_json::Error> {
        if let GameEvent::Release2026(_) = event {
            return Ok(None);
        }
        Ok(Some(RenderedEvent {
            name: event_name(event),
            payload: payload(event)?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bang_components::api::events::PortReset;
    use bang_components::time::Timestamp;

    #[test]
    fn events_take_the_seed_s_names_and_their_views_as_payloads() {
        let reset = GameEvent::PortsReset(PortReset {
            ports_reset: 3,
            timestamp: Timestamp(0),
        });
        let shown = Seed2025.event(&reset, None).unwrap().unwrap();
        assert_eq!(shown.name, "port.reset");
        let payload: serde_json::Value = serde_json::from_str(shown.payload.get()).unwrap();
        assert_eq!(payload["ports_reset"], 3);
    }
}
