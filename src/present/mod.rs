//! The presentation layer: domain events and endpoint results rendered into what a wire dialect
//! sends. The rules record typed events (`bang_components::game_events::GameEvent`) and return
//! typed results; nothing before this layer names a wire event or builds JSON (one exception,
//! said where it is: a fight's round history is rendered once per round and kept, because
//! rendering it again every round would cost O(rounds²)).
//!
//! One dialect today, the seed's (`2025-10`, [`v2025_10`]); the next one sits beside it and the
//! bridge picks a connection's dialect when it encodes its frames.

pub mod v2025_10;

use bang_components::game_events::GameEvent;
use bang_components::messages::ResultBody;
use serde_json::value::RawValue;

/// A rendered event: its wire name and payload.
pub struct RenderedEvent {
    pub name: &'static str,
    pub payload: Box<RawValue>,
}

/// What a wire dialect makes of the game's events and results.
pub trait Dialect {
    /// The event as this dialect names and shapes it.
    fn event(&self, event: &GameEvent) -> Result<RenderedEvent, serde_json::Error>;

    /// An endpoint's result as this dialect's reply carries it.
    fn result(
        &self,
        endpoint: &str,
        body: &dyn ResultBody,
    ) -> Result<Box<RawValue>, serde_json::Error>;
}
