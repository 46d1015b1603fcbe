//! The fixed clock's own bookkeeping.

use bevy_ecs::prelude::*;

/// How many fixed ticks have run since start. Timed rules schedule against it; tests assert it to
/// prove the fixed clock is stepped deterministically.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ServerTick(pub u64);

pub fn count_ticks(mut tick: ResMut<ServerTick>) {
    tick.0 += 1;
}

/// A manual clock (tests, the sim runner) follows the App's virtual time, so stepping the fixed
/// clock also moves deadlines and expiry; the system clock needs nothing.
pub fn advance_manual_clock(
    time: Res<bevy_time::Time<bevy_time::Virtual>>,
    mut clock: ResMut<bang_components::time::GameClock>,
) {
    let micros = time.delta().as_micros() as i64;
    if micros > 0 && matches!(*clock, bang_components::time::GameClock::Manual(_)) {
        clock.advance_micros(micros);
    }
}
