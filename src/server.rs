//! Putting it together: load the world, open the store, start the network thread, and run the
//! ECS loop — an update whenever the inbox has work or the next fixed tick is due, and sleep
//! otherwise, so an idle server costs nothing and a request never waits for a tick.

use crate::net::bridge::{BridgePlugin, Inbox};
use crate::net::{Inbound, NetConfig, NetHandle, OutboundBudget, spawn_network};
use crate::store::plugin::StoreFailed;
use crate::store::restore::restore_world;
use crate::store::retention::Retention;
use crate::store::{Durability, Store, StorePlugin};
use crate::world::files::{SectorContentsFile, UniverseStructureFile};
use crate::world::{load_universe, universe_from_files};
use bang_components::balance::Balance;
use bang_components::time::GameClock;
use bang_components::universe::Universe;
use bang_systems::v2026::leaderboard::{LeaderboardCache, Published};
use bang_systems::{GameSetup, build_app};
use bevy_app::App;
use bevy_time::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The bundled default universe, compiled in so the binary runs from anywhere.
const BUNDLED_STRUCTURE: &str = include_str!("../world-data/universe_structure.json");
const BUNDLED_CONTENTS: &str = include_str!("../world-data/sector_contents.json");
const BUNDLED_BALANCE: &str = include_str!("../world-data/balance.toml");

/// Where the balance constants come from.
#[derive(Debug, Clone)]
pub enum BalanceSource {
    File(PathBuf),
    Bundled,
    /// Already loaded (tests, tools).
    Value(Box<Balance>),
}

/// Why the server could not start, or why it stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("tick_hz must be in (0, 1000], got {0}")]
    TickRate(f64),
    #[error("cannot read balance {path}: {source}")]
    BalanceUnreadable {
        path: String,
        source: std::io::Error,
    },
    #[error("{name}: {reason}")]
    BalanceInvalid { name: String, reason: String },
    #[error("{0}")]
    World(#[from] crate::world::WorldDataError),
    #[error("the bundled universe: {0}")]
    BundledWorld(#[from] serde_json::Error),
    #[error("cannot open the store in {path}: {source}")]
    Store {
        path: String,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("cannot open the action log in {path}: {source}")]
    ActionLog {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Restore(#[from] crate::store::restore::RestoreError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("store failure: {0}")]
    StoreFailed(#[source] crate::store::writer::StoreWriteError),
    #[error("cannot start the server thread: {0}")]
    Thread(std::io::Error),
    #[error("the server thread ended before it started")]
    ThreadEnded,
    #[error("server thread panicked")]
    Panicked,
}

impl BalanceSource {
    pub fn load(&self) -> Result<Balance, ServerError> {
        let (name, text) = match self {
            BalanceSource::File(path) => (
                path.display().to_string(),
                std::fs::read_to_string(path).map_err(|source| ServerError::BalanceUnreadable {
                    path: path.display().to_string(),
                    source,
                })?,
            ),
            BalanceSource::Bundled => ("built-in balance.toml".into(), BUNDLED_BALANCE.to_string()),
            BalanceSource::Value(b) => {
                let invalid = |reason| ServerError::BalanceInvalid {
                    name: "balance".into(),
                    reason,
                };
                b.validate().map_err(invalid)?;
                return Ok((**b).clone());
            }
        };
        let invalid = |reason: String| ServerError::BalanceInvalid {
            name: name.clone(),
            reason,
        };
        let balance: Balance = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        balance.validate().map_err(invalid)?;
        Ok(balance)
    }
}

/// Where the universe comes from.
#[derive(Debug, Clone)]
pub enum WorldSource {
    Dir(PathBuf),
    Bundled,
}

impl WorldSource {
    pub fn load(&self) -> Result<Universe, ServerError> {
        match self {
            WorldSource::Dir(dir) => Ok(load_universe(dir)?),
            WorldSource::Bundled => {
                let s: UniverseStructureFile = serde_json::from_str(BUNDLED_STRUCTURE)?;
                let c: SectorContentsFile = serde_json::from_str(BUNDLED_CONTENTS)?;
                Ok(universe_from_files(&s, &c)?)
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub net: NetConfig,
    pub world: WorldSource,
    pub balance: BalanceSource,
    pub admin_token: Option<String>,
    pub character_tokens: std::collections::BTreeMap<String, String>,
    /// Seed of combat ids and encounter seeds; None draws one from the clock.
    pub seed: Option<u64>,
    pub combat_rng: bang_systems::combat::engine::RngKind,
    /// The data directory: the SQLite store, the action log's files, the lock.
    pub data: PathBuf,
    /// Where the tables are: SQLite in `data`, or PostgreSQL.
    pub store: crate::store::StoreUrl,
    pub tick_hz: f64,
    pub durability: Durability,
    pub inbox_requests: usize,
    pub retention: Retention,
    /// The seed's world rules or the 2026-01 release's.
    pub rules: bang_components::rules::WorldRules,
    /// Whether `join` needs a registered character (the 2026-01 rules).
    pub registration_required: bool,
    /// Whether a 2026-01-format world directory that seeds characters also gets their files
    /// written back after each commit (that release's tools read them).
    pub mirror_world_files: bool,
    /// Per-character, per-endpoint rate limits (none by default).
    pub rate_limits: bang_components::rate_limits::RateLimits,
    /// Whether told events are kept as the history `event.query` reads (default: under the
    /// 2026-01 rules only, `WorldRules::keeps_event_history`).
    pub keep_history: Option<bool>,
    /// How old the leaderboard's standings may grow before they are rebuilt (seconds).
    pub leaderboard_refresh_secs: f64,
    /// Open play, or characters owned by accounts.
    pub auth: bang_components::account::AuthMode,
    /// Account rules and limits.
    pub accounts: bang_components::account::AccountSettings,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            net: NetConfig::default(),
            world: WorldSource::Bundled,
            balance: BalanceSource::Bundled,
            admin_token: None,
            character_tokens: Default::default(),
            seed: None,
            combat_rng: Default::default(),
            data: PathBuf::from("data"),
            store: Default::default(),
            tick_hz: 20.0,
            durability: Durability::Normal,
            inbox_requests: 65_536,
            retention: Retention::default(),
            rules: Default::default(),
            registration_required: false,
            mirror_world_files: true,
            rate_limits: Default::default(),
            keep_history: None,
            leaderboard_refresh_secs: 10.0,
            auth: Default::default(),
            accounts: Default::default(),
        }
    }
}

/// A started server: the network thread is accepting, the App is built and restored.
pub struct Server {
    pub app: App,
    metrics: Arc<crate::metrics::Metrics>,
    net: NetHandle,
    inbox: crossbeam_channel::Receiver<Inbound>,
    stop: Arc<AtomicBool>,
}

/// What players read besides their own state: the event history and the leaderboard (whose
/// standings the network thread also serves); and the accounts' settings, with the operators'
/// logins the network thread checks `/metrics` and the firehose against.
fn install_read_models(
    app: &mut App,
    settings: &ServerSettings,
    store_health: Arc<crate::store::StoreHealth>,
) -> Result<crate::net::ReadModels, ServerError> {
    install_history(app, settings)?;
    let board = LeaderboardCache::new(settings.leaderboard_refresh_secs);
    let standings: Published = board.published.clone();
    app.insert_resource(board);
    let operators = bang_systems::accounts::PublishedOperators::default();
    app.insert_resource(settings.auth)
        .insert_resource(settings.accounts.clone())
        .insert_resource(operators.clone());
    Ok(crate::net::ReadModels {
        standings,
        operators,
        store_health: Some(store_health),
    })
}

fn install_history(app: &mut App, settings: &ServerSettings) -> Result<(), ServerError> {
    let keep = settings
        .keep_history
        .unwrap_or_else(|| settings.rules.keeps_event_history());
    if !keep {
        return Ok(());
    }
    let reader =
        crate::store::HistoryDb::open(&settings.store, &settings.data).map_err(|source| {
            ServerError::Store {
                path: settings.data.display().to_string(),
                source: Box::new(source),
            }
        })?;
    app.insert_resource(bang_components::history::KeepHistory)
        .insert_resource(bang_components::history::History(Arc::new(reader)));
    Ok(())
}

/// A 2026-01-format world directory under registration seeds characters from its files and,
/// unless told not to, has them written back after each commit.
fn install_world_files(app: &mut App, settings: &ServerSettings, universe: &Universe) {
    let (WorldSource::Dir(dir), true) = (&settings.world, settings.registration_required) else {
        return;
    };
    let files = Arc::new(crate::world::seeds::WorldDataSeeds::new(
        dir,
        universe.commodities.clone(),
        settings.rules.ship_catalog,
    ));
    app.insert_resource(bang_components::registry::Seeds(files.clone()));
    if settings.mirror_world_files {
        let mirror = crate::world::mirror::WorldFileMirror::new(files);
        app.insert_resource(crate::store::plugin::CommitObserverRes(Arc::new(mirror)));
    }
}

impl ServerSettings {
    /// The network thread's settings, with the operators' credentials it checks itself.
    fn net_config(&self) -> NetConfig {
        let mut net = self.net.clone();
        net.admin_token = self.admin_token.clone();
        net.auth = self.auth;
        net.metrics_token = self.accounts.metrics_token.clone();
        net
    }
}

impl Server {
    pub fn start(settings: ServerSettings, watch_signals: bool) -> Result<Server, ServerError> {
        if !(settings.tick_hz > 0.0 && settings.tick_hz <= 1000.0) {
            return Err(ServerError::TickRate(settings.tick_hz));
        }
        let universe = Arc::new(settings.world.load()?);
        let balance = settings.balance.load()?;
        let store = Store::open_url(&settings.store, &settings.data, settings.durability).map_err(
            |source| ServerError::Store {
                path: settings.data.display().to_string(),
                source: Box::new(source),
            },
        )?;
        let store_health = store.health();
        let (inbox_tx, inbox_rx) = crossbeam_channel::bounded(settings.inbox_requests.max(1));
        let metrics = Arc::new(crate::metrics::Metrics::new());
        let mut app = build_app(GameSetup {
            universe: universe.clone(),
            clock: GameClock::System,
            tick_hz: settings.tick_hz,
            balance,
            admin_token: settings.admin_token.clone(),
            character_tokens: settings.character_tokens.clone(),
            seed: settings
                .seed
                .unwrap_or_else(|| GameClock::System.now().micros() as u64),
            combat_rng: settings.combat_rng,
            rules: settings.rules.clone(),
            registration_required: settings.registration_required,
        });
        install_world_files(&mut app, &settings, &universe);
        app.insert_resource(settings.rate_limits.clone());
        let boot = format!("{:x}", GameClock::System.now().micros() / 1000);
        let log_dir = settings.data.join("action-log");
        let store_plugin = StorePlugin::new(store, &log_dir, boot, settings.retention.clone())
            .map_err(|source| ServerError::ActionLog {
                path: settings.data.display().to_string(),
                source,
            })?;
        let budget = Arc::new(OutboundBudget::new(
            settings.net.outbox_bytes,
            settings.net.outbound_bytes_total,
        ));
        let read_models = install_read_models(&mut app, &settings, store_health)?;
        app.add_plugins((
            store_plugin,
            BridgePlugin {
                inbox: inbox_rx.clone(),
                metrics: metrics.clone(),
                budget: budget.clone(),
            },
        ));
        let restored = restore_world(app.world_mut())?;
        tracing::info!(
            sectors = universe.sector_count(),
            characters = restored,
            data = %settings.data.display(),
            "world loaded"
        );
        let net = spawn_network(
            settings.net_config(),
            inbox_tx,
            universe,
            metrics.clone(),
            budget,
            read_models,
            watch_signals,
        )
        .map_err(|source| ServerError::Listen {
            addr: settings.net.listen,
            source,
        })?;
        tracing::info!(addr = %net.local_addr, "listening (WebSocket at /ws)");
        let stop = net.stop_requested.clone();
        Ok(Server {
            app,
            metrics,
            net,
            inbox: inbox_rx,
            stop,
        })
    }

    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.net.local_addr
    }

    /// A flag that makes `run` return at its next wake-up.
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    /// Runs until stopped. Returns an error if the store failed (nothing after it was acknowledged).
    pub fn run(mut self) -> Result<(), ServerError> {
        self.app.finish();
        self.app.cleanup();
        loop {
            if self.stop.load(Ordering::SeqCst) {
                break;
            }
            let fixed = self.app.world().resource::<Time<Fixed>>();
            let until_tick = fixed.timestep().saturating_sub(fixed.overstep());
            // Wake at the next tick at the latest, and at least every 50 ms to notice a stop.
            let deadline = Instant::now() + until_tick.min(Duration::from_millis(50));
            let waiting = !self.app.world().resource::<Inbox>().queued.is_empty();
            // With requests still waiting their turn, the next update starts at once.
            if !waiting && let Ok(item) = self.inbox.recv_deadline(deadline) {
                self.app
                    .world_mut()
                    .resource_mut::<Inbox>()
                    .queued
                    .push(item);
            }
            let started = Instant::now();
            self.app.update();
            let took = started.elapsed();
            self.metrics.tick_duration.observe(took.as_secs_f64());
            if took > Duration::from_millis(50) {
                tracing::warn!(
                    ms = took.as_millis() as u64,
                    "update overran the tick budget"
                );
            }
            if let Some(reason) = &self.app.world().resource::<StoreFailed>().0 {
                return Err(ServerError::StoreFailed(reason.clone()));
            }
        }
        tracing::info!("stopping");
        self.net.shutdown();
        Ok(())
    }
}

/// A server running on its own thread (tests, tools).
pub struct RunningServer {
    pub addr: std::net::SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<Result<(), ServerError>>>,
}

impl RunningServer {
    pub fn spawn(settings: ServerSettings) -> Result<RunningServer, ServerError> {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("bang-ecs".into())
            .spawn(move || {
                // The App is not Send, so it is built on the thread that runs it.
                let server = match Server::start(settings, false) {
                    Ok(s) => s,
                    Err(e) => {
                        // The caller is told why; the thread has nothing more to report.
                        let _ = tx.send(Err(e));
                        return Ok(());
                    }
                };
                let _ = tx.send(Ok((server.local_addr(), server.stop_flag())));
                server.run()
            })
            .map_err(ServerError::Thread)?;
        let (addr, stop) = rx.recv().map_err(|_| ServerError::ThreadEnded)??;
        Ok(RunningServer {
            addr,
            stop,
            thread: Some(thread),
        })
    }

    /// Stops the server and waits for it.
    pub fn stop(mut self) -> Result<(), ServerError> {
        self.stop.store(true, Ordering::SeqCst);
        match self.thread.take() {
            Some(t) => t.join().map_err(|_| ServerError::Panicked)?,
            None => Ok(()),
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
