//! World rules that differ between the seed's game and the 2026-01 release's, so one server can
//! run either (`--rules`). The dialect a client speaks is separate: both dialects play in a world
//! of either rules.

use crate::ships::ShipCatalog;
use bevy_ecs::prelude::Resource;

#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct WorldRules {
    /// Seconds a jump spends in hyperspace per turn of the ship's `turns_per_warp` (the 2026-01
    /// release: 2/3; the seed: 0, jumps are instant).
    pub hyperspace_secs_per_turn: f64,
    /// The hulls ships are built from and measured by.
    pub ship_catalog: ShipCatalog,
    /// Whether `test.reset` is served (a test deployment only, never a real one).
    pub test_endpoints: bool,
}

impl WorldRules {
    /// The 2026-01 release's rules.
    pub fn release_2026() -> WorldRules {
        WorldRules {
            hyperspace_secs_per_turn: 2.0 / 3.0,
            ship_catalog: ShipCatalog::Release2026,
            test_endpoints: false,
        }
    }

    /// Whether every told event is kept for `event.query` unless configured otherwise: under
    /// that release's rules (it logged every event); not under the seed's, whose clients have no
    /// `event.query` and whose action log is its history (keeping every event costs a busy
    /// server a sixth more CPU: docs/BENCHMARKS.md).
    pub fn keeps_event_history(&self) -> bool {
        self.ship_catalog == ShipCatalog::Release2026
    }
}
