//! The presentation layer: domain events and endpoint results rendered into what a wire dialect
//! sends. The rules record typed events (`bang_components::game_events::GameEvent`) and return
//! typed results; nothing before this layer names a wire event or builds JSON (one exception,
//! said where it is: a fight's round history is rendered once per round and kept, because
//! rendering it again every round would cost O(rounds²)).
//!
//! Two dialects: the seed's (`2025-10`, [`v2025_10`]) and Gradient Bang's last WebSocket release
//! (`2026-01`, [`v2026_01`]). Each event is rendered once per dialect that someone speaks; the
//! bridge hands each connection its dialect's frame.

pub mod v2025_10;
pub mod v2026_01;

/// What a wire dialect makes of the game's events and results. The trait lives beside the
/// messages (`bang_components::messages::Presenter`) so the rules can render at once through the
/// installed one (`PresentAtOnce`) without knowing any dialect.
pub use bang_components::messages::Presenter as Dialect;
