//! The 2026-01 dialect (Gradient Bang's last WebSocket release): events it shares with the seed's
//! dialect, reshaped where that release reshaped them, and the events only it has. Replies are
//! the endpoints' results as they are: the 2026-01 endpoints' results are already that release's
//! shapes (often a bare `{"success": true}`, the data going out as events).

use bang_components::game_events::GameEvent;
use bang_components::messages::{Cause, Presenter, RenderedEvent, ResultBody};
use serde_json::value::RawValue;

mod events;

/// The 2026-01 dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct Release2026;

impl Presenter for Release2026 {
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
        cause: Option<&Cause>,
    ) -> Result<Option<RenderedEvent>, serde_json::Error> {
        events::render(event, cause)
    }
}
