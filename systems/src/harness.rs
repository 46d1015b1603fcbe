//! A game built from the real plugins, driven by hand: for unit tests (a bare `World` with every
//! resource the game has), app tests (`Game`: requests in, frames out, the fixed clock stepped
//! once per update) and the sim runner (a headless `Game`). Nothing here lists the game's
//! resources by hand, so a new resource reaches every test and the sim by itself.

use crate::endpoints::{Request, RequestReceived};
use crate::outbox::Headless;
use crate::{GameSetup, build_app};
use bang_components::messages::{ConnectionOpened, FrameQueued};
use bang_components::session::{ConnectionId, WireDialect};
use bang_components::time::{GameClock, Timestamp};
use bang_components::universe::{Sector, SectorId, Universe};
use bevy_app::App;
use bevy_ecs::message::{MessageCursor, Messages};
use bevy_ecs::world::World;
use bevy_time::TimeUpdateStrategy;
use std::sync::Arc;

/// 2025-09-28T12:00:00+00:00: the fixed "now" of tests and sims.
pub const T0: Timestamp = Timestamp(1_759_060_800_000_000);

/// The settings of a hand-driven game: the manual clock at [`T0`], the default balance and
/// generators, seed 1, no tokens.
pub fn setup(universe: Arc<Universe>) -> GameSetup {
    GameSetup {
        universe,
        clock: GameClock::Manual(T0),
        tick_hz: 20.0,
        balance: Default::default(),
        admin_token: None,
        character_tokens: Default::default(),
        seed: 1,
        combat_rng: Default::default(),
        rules: Default::default(),
        registration_required: false,
    }
}

/// A universe of sectors in a ring, each warping to the next (no ports): 0 → 1 → … → 0.
pub fn ring(sectors: SectorId) -> Arc<Universe> {
    let sectors = (0..sectors)
        .map(|s| Sector {
            warps: vec![(s + 1) % sectors],
            ..Default::default()
        })
        .collect();
    Arc::new(Universe::new(sectors))
}

/// A bare World holding every resource and message queue the game's plugins set up, and no
/// schedule: for unit tests that call rules and world operations directly.
pub fn world(setup: GameSetup) -> World {
    let mut app = build_app(setup);
    std::mem::take(app.world_mut())
}

/// A whole game App, updated by hand.
pub struct Game {
    pub app: App,
    frames: MessageCursor<FrameQueued>,
    next_conn: u64,
    next_id: u64,
}

impl Game {
    /// The game on `setup`, its clock started (each later update steps the fixed clock once).
    pub fn new(setup: GameSetup) -> Game {
        let mut app = build_app(setup);
        app.insert_resource(TimeUpdateStrategy::FixedTimesteps(1));
        // The first update only starts the clock; it advances no time.
        app.update();
        let frames = app.world().resource::<Messages<FrameQueued>>().get_cursor();
        Game {
            app,
            frames,
            next_conn: 1,
            next_id: 1,
        }
    }

    /// A game nobody listens to: no events or action log are built (the sim runner).
    pub fn headless(setup: GameSetup) -> Game {
        let mut game = Game::new(setup);
        game.app.insert_resource(Headless);
        game
    }

    pub fn world(&mut self) -> &mut World {
        self.app.world_mut()
    }

    /// Opens a connection speaking the seed's dialect (its session starts with the next update).
    pub fn connect(&mut self) -> ConnectionId {
        self.connect_speaking(WireDialect::V2025_10)
    }

    /// Opens a connection speaking `dialect`.
    pub fn connect_speaking(&mut self, dialect: WireDialect) -> ConnectionId {
        let conn = ConnectionId(self.next_conn);
        self.next_conn += 1;
        self.app
            .world_mut()
            .write_message(ConnectionOpened::new(conn, dialect));
        conn
    }

    /// Sends one request, runs one update, returns every frame the update queued.
    pub fn request(&mut self, conn: ConnectionId, request: Request) -> Vec<FrameQueued> {
        self.request_as(conn, request, None)
    }

    /// The same, naming who acts for the request's character (`actor_character_id`).
    pub fn request_as(
        &mut self,
        conn: ConnectionId,
        request: Request,
        actor: Option<String>,
    ) -> Vec<FrameQueued> {
        let id = self.next_id.to_string();
        self.next_id += 1;
        self.app.world_mut().write_message(RequestReceived {
            conn,
            id,
            request,
            actor,
            received: None,
        });
        self.step()
    }

    /// Runs one update and returns the frames it queued.
    pub fn step(&mut self) -> Vec<FrameQueued> {
        self.app.update();
        let messages = self.app.world().resource::<Messages<FrameQueued>>();
        self.frames.read(messages).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bang_components::character::CharacterIndex;

    #[test]
    fn a_bare_world_has_the_game_s_resources_and_a_game_answers_requests() {
        let w = world(setup(ring(3)));
        assert!(w.contains_resource::<CharacterIndex>());
        assert!(w.contains_resource::<Messages<FrameQueued>>());
        assert!(w.contains_resource::<crate::follow_on::FollowOns>());
        let mut game = Game::new(setup(ring(3)));
        let conn = game.connect();
        let frames = game.request(conn, Request::ServerStatus(Default::default()));
        assert!(matches!(
            frames.last(),
            Some(FrameQueued::Reply { body: Ok(_), .. })
        ));
    }
}
