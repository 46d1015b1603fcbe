//! bang's gameplay rules as bevy systems, and the one App builder that the server, the tests and
//! the sim runner share, so every caller runs the same rules on the same schedule.
//!
//! Schedule, per update:
//! - `PreUpdate` / [`IngestSystems`]: the server's bridge turns its inbox into messages;
//! - `Update` / [`RequestSystems`]: sessions open and close, then requests are answered in
//!   arrival order;
//! - `FixedUpdate` / [`TickSystems`]: timed rules on the fixed clock (20 Hz by default);
//! - `PostUpdate` / [`PersistSystems`] then [`FlushSystems`]: the store commits the update's
//!   changes, then replies and events leave. A reply therefore never acknowledges unsaved work.

pub mod accounts;
pub mod action_log;
pub mod characters;
pub mod chat;
pub mod clock;
pub mod combat;
pub mod dispatch;
pub mod endpoints;
pub mod follow_on;
pub mod harness;
pub mod jumps;
pub mod ledger;
pub mod maps;
pub mod movement;
pub mod operator;
pub mod outbox;
pub mod ownership;
pub mod ports;
pub mod rate_limits;
pub mod registration;
pub mod requests;
pub mod server_status;
pub mod sessions;
pub mod status;
pub mod trade;
pub mod v2026;
pub mod warp_power;
pub mod world_ops;

use bang_components::balance::Balance;
use bang_components::character::{CharacterIndex, SectorOccupants};
use bang_components::chat::ChatLog;
use bang_components::economy::PortStates;
use bang_components::messages::{
    ActionLogged, ChatRecorded, ConnectionClosed, ConnectionOpened, FrameQueued,
};
use bang_components::session::{AdminToken, Sessions};
use bang_components::time::GameClock;
use bang_components::universe::{Universe, UniverseRes};
use bevy_app::prelude::*;
use bevy_ecs::prelude::*;
use bevy_time::TimePlugin;
use bevy_time::prelude::*;
use endpoints::RequestReceived;
use std::sync::Arc;

/// Where the network bridge turns its inbox into messages.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct IngestSystems;

/// Session bookkeeping and request handling.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestSystems;

/// Rules that run on the fixed clock.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct TickSystems;

/// Where the store writes the update's changes (before anything leaves).
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersistSystems;

/// Where replies and events are handed to the network thread.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct FlushSystems;

/// What a game App is built from.
#[derive(Clone)]
pub struct GameSetup {
    pub universe: Arc<Universe>,
    pub clock: GameClock,
    /// Fixed-clock rate in Hz.
    pub tick_hz: f64,
    pub balance: Balance,
    pub admin_token: Option<String>,
    /// Character id → token; empty means joins need no token.
    pub character_tokens: std::collections::BTreeMap<String, String>,
    /// Seeds combat ids and encounter seeds (fixed in tests and sims, from the clock in a server).
    pub seed: u64,
    pub combat_rng: combat::engine::RngKind,
    /// The seed's rules or the 2026-01 release's (hyperspace, test endpoints).
    pub rules: bang_components::rules::WorldRules,
    /// Whether `join` admits only registered characters (the 2026-01 release's registry).
    pub registration_required: bool,
}

/// Builds the game App: time, the fixed clock, and every gameplay rule. Callers add their own
/// bridge (network, store) or drive it directly (tests, sim runner).
pub fn build_app(setup: GameSetup) -> App {
    let mut app = App::new();
    app.add_plugins(TimePlugin)
        .insert_resource(Time::<Fixed>::from_hz(setup.tick_hz))
        .add_plugins(GamePlugin { setup });
    app
}

/// Every gameplay rule and the resources they share.
pub struct GamePlugin {
    pub setup: GameSetup,
}

impl Plugin for GamePlugin {
    fn build(&self, app: &mut App) {
        accounts::install(app.world_mut());
        let universe = UniverseRes(self.setup.universe.clone());
        let ports = PortStates::new(universe.sectors.iter().map(|s| s.port.clone()).collect());
        app.add_message::<ConnectionOpened>()
            .add_message::<ConnectionClosed>()
            .add_message::<RequestReceived>()
            .add_message::<FrameQueued>()
            .add_message::<ActionLogged>()
            .add_message::<ChatRecorded>()
            .add_message::<bang_components::history::EventTold>()
            .add_message::<bang_components::history::HistoryCleared>()
            .insert_resource(self.setup.balance.clone())
            .insert_resource(AdminToken(self.setup.admin_token.clone()))
            .insert_resource(bang_components::session::CharacterTokens(
                self.setup.character_tokens.clone(),
            ))
            .init_resource::<ChatLog>()
            .init_resource::<bang_components::combat::EncounterIndex>()
            .init_resource::<bang_components::combat::GarrisonIndex>()
            .init_resource::<bang_components::combat::SalvageIndex>()
            .init_resource::<bang_components::unowned_ships::UnownedShips>()
            .init_resource::<bang_components::corporation::Corporations>()
            .init_resource::<follow_on::FollowOns>()
            .init_resource::<bang_components::combat::CombatStats>()
            .init_resource::<bang_components::ledger::CreditLedger>()
            .insert_resource(combat::CombatRng(self.setup.combat_rng))
            .insert_resource(combat::ids::CombatIds::seeded(self.setup.seed))
            .init_resource::<ports::PortRegenClock>()
            .insert_resource(universe)
            .insert_resource(ports)
            .insert_resource(self.setup.clock.clone())
            .init_resource::<CharacterIndex>()
            .init_resource::<SectorOccupants>()
            .init_resource::<Sessions>()
            .init_resource::<bang_components::messages::CurrentRequest>()
            .insert_resource(self.setup.rules.clone())
            .insert_resource(bang_components::registry::Registry::new(
                self.setup.registration_required,
            ))
            .init_resource::<clock::ServerTick>()
            .init_resource::<bang_components::account::AuthMode>()
            .configure_sets(PreUpdate, IngestSystems)
            .configure_sets(Update, RequestSystems)
            .configure_sets(FixedUpdate, TickSystems)
            .configure_sets(PostUpdate, (PersistSystems, FlushSystems).chain())
            .add_systems(
                Update,
                (
                    sessions::open_sessions,
                    requests::dispatch_requests,
                    accounts::finish_password_work,
                    sessions::close_sessions,
                )
                    .chain()
                    .in_set(RequestSystems),
            )
            .add_systems(First, clock::advance_manual_clock)
            .add_systems(
                PostUpdate,
                accounts::publish_operator_logins.before(PersistSystems),
            )
            .add_systems(
                FixedUpdate,
                (
                    clock::count_ticks,
                    v2026::movement::complete_due_arrivals,
                    ports::regenerate_ports_over_time,
                    combat::rounds::resolve_due_rounds,
                    combat::engage::run_follow_ons,
                    combat::salvage::expire_salvage,
                    accounts::ending::expire_logins,
                    v2026::leaderboard::refresh_leaderboard,
                )
                    .chain()
                    .in_set(TickSystems),
            );
    }
}
