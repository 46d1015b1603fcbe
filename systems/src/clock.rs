//! The fixed clock's own bookkeeping.

use bevy_ecs::prelude::*;

/// How many fixed ticks have run since start. Timed rules schedule against it; tests assert it to
/// prove the fixed clock is stepped deterministically.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ServerTick(pub u64);

pub fn count_ticks(mut tick: ResMut<ServerTick>) {
    tick.0 += 1;
}
