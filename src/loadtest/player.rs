//! One simulated player: its connection, the requests it has in flight, what it knows of its ship
//! and its fights, and the loop that reads frames, answers rounds and starts actions.

use super::Config;
use super::error::LoadtestError;
use super::stats::{Shared, Tally, Violation};
use super::wire::{self, Head, Status};
use bang_components::api::Endpoint;
use bang_systems::characters::Join;
use bang_systems::characters::MyStatus;
use bang_systems::server_status::ServerStatus;
use futures_util::{SinkExt, StreamExt};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Where the run is: players act, then only finish their fights, then clean up and disconnect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Run,
    Stop,
    Close,
}

/// Who a player is.
#[derive(Debug, Clone)]
pub(crate) struct PlayerSpec {
    pub index: usize,
    pub id: String,
    pub partner: Option<String>,
    pub home: u32,
    /// Keepers deploy and collect the toll garrison at home; their partners run through it.
    pub keeper: bool,
    pub start_at: Instant,
    pub seed: u64,
}

/// Why a request was sent: what to do with its reply.
#[derive(Debug, Clone)]
pub(super) enum Purpose {
    Join,
    /// A one-step action: its reply ends it.
    Plain,
    /// `my_status`: its reply is the player's fresh status.
    Status,
    CheckTrade {
        commodity: &'static str,
        quantity: i64,
        trade_type: &'static str,
    },
    TollStatus,
    Chat,
    CombatAction {
        combat_id: String,
        pay: bool,
    },
    CleanupStatus,
    CleanupCollect,
    Park,
}

pub(super) struct Pending {
    pub(super) endpoint: &'static str,
    pub(super) sent: Instant,
    pub(super) purpose: Purpose,
}

/// A fight as one player sees it.
#[derive(Debug, Clone, Default)]
pub(super) struct Fight {
    pub sector: u32,
    /// The open round (from the latest round notice).
    pub round: u32,
    /// The last round this player answered.
    pub acted_round: u32,
    pub act_at: Option<Instant>,
    /// This player's ship takes part (not only its garrison; not after a flight).
    pub active: bool,
    pub participants: BTreeMap<String, wire::Participant>,
    /// A toll payment: not tried (None), accepted or refused.
    pub paid: Option<bool>,
    pub initiator: Option<String>,
    /// This player's own move set the fight off (a toll garrison engaged it on arrival).
    pub by_my_arrival: bool,
}

pub(crate) struct Player {
    pub(super) spec: PlayerSpec,
    pub(super) cfg: Arc<Config>,
    pub(super) shared: Arc<Shared>,
    pub(super) rng: ChaCha8Rng,
    pub(super) tally: Tally,
    pub(super) status: Status,
    pub(super) fights: HashMap<String, Fight>,
    pub(super) phase: Phase,
    /// A non-combat action is waiting for a reply.
    pub(super) in_action: bool,
    pub(super) next_action: Instant,
    pub(super) last_chat: Option<Instant>,
    pub(super) chats: u64,
    /// A flight succeeded: the move's status is still on its way, so no action before it.
    pub(super) awaiting_flight: bool,
    /// Characters seen arriving in this player's sector lately (name, when).
    pub(super) arrivals: Vec<(String, Instant)>,
    pub(super) next_req: u64,
    pub(super) pending: HashMap<u64, Pending>,
    /// Requests given up on (already counted missing): a late reply is not a stranger.
    pub(super) abandoned: HashSet<u64>,
    pub(super) outbox: Vec<String>,
    pub(super) joined: bool,
    pub(super) done: bool,
    pub(super) idle_reported: bool,
    pub(super) cleanup_deadline: Option<Instant>,
    pub(super) permit: Option<OwnedSemaphorePermit>,
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// Parking everyone at the end is a burst of joins (10,000 of them at once in the large runs):
/// give the server time to answer them all before counting a reply as missing.
const CLEANUP_TIMEOUT: Duration = Duration::from_secs(30);
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

pub(crate) async fn connect(addr: &str) -> Result<Ws, LoadtestError> {
    let config = WebSocketConfig::default()
        .read_buffer_size(16 * 1024)
        .write_buffer_size(0);
    let url = format!("ws://{addr}/ws");
    let connecting = tokio_tungstenite::connect_async_with_config(url, Some(config), true);
    match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
        Ok(Ok((ws, _))) => Ok(ws),
        Ok(Err(e)) => Err(LoadtestError::Connect(e)),
        Err(_) => Err(LoadtestError::ConnectTimeout),
    }
}

/// Asks the server how many sectors its universe has (and so that it is there at all).
pub(crate) async fn probe(addr: SocketAddr) -> Result<u32, LoadtestError> {
    let mut ws = connect(&addr.to_string())
        .await
        .map_err(|e| LoadtestError::Unreachable {
            addr,
            source: Box::new(e),
        })?;
    let frame =
        json!({"id": "probe", "type": "rpc", "endpoint": ServerStatus::NAME, "payload": {}});
    ws.send(Message::text(frame.to_string()))
        .await
        .map_err(LoadtestError::Send)?;
    let deadline = Instant::now() + CONNECT_TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let head: Head = serde_json::from_str(&t).map_err(LoadtestError::Frame)?;
                if head.frame_type == "rpc" && head.id.as_deref() == Some("probe") {
                    let _ = ws.close(None).await;
                    return wire::parse::<wire::ServerStatus>(head.result)
                        .map(|s| s.sectors)
                        .ok_or_else(|| LoadtestError::ServerStatusFailed(t.to_string()));
                }
            }
            Ok(Some(Ok(_))) => {}
            _ => return Err(LoadtestError::NoServerStatus { addr }),
        }
    }
}

/// One player from its start time to its disconnection.
pub(crate) async fn run(
    spec: PlayerSpec,
    cfg: Arc<Config>,
    shared: Arc<Shared>,
    mut phase: watch::Receiver<Phase>,
    gate: Arc<Semaphore>,
) {
    let start_at = spec.start_at;
    let mut p = Player::new(spec, cfg, shared.clone());
    let started = tokio::select! {
        _ = tokio::time::sleep_until(start_at.into()) => true,
        _ = phase.wait_for(|p| *p != Phase::Run) => false,
    };
    if started {
        p.permit = tokio::select! {
            permit = gate.acquire_owned() => permit.ok(),
            _ = phase.wait_for(|p| *p != Phase::Run) => None,
        };
    }
    if p.permit.is_some() {
        match connect(&p.cfg.addr).await {
            Ok(ws) => {
                shared.live.connected.fetch_add(1, Ordering::Relaxed);
                p.join();
                p.drive(ws, phase).await;
                shared.live.connected.fetch_sub(1, Ordering::Relaxed);
            }
            Err(e) => {
                let id = p.spec.id.clone();
                shared.violation(Violation::PlayerFailed, 1, || format!("{id}: {e}"));
            }
        }
    }
    if !p.idle_reported {
        shared.live.busy.fetch_sub(1, Ordering::SeqCst);
    }
    let tally = std::mem::take(&mut p.tally);
    shared.stats().merge(tally);
}

impl Player {
    pub(super) fn new(spec: PlayerSpec, cfg: Arc<Config>, shared: Arc<Shared>) -> Player {
        let rng = ChaCha8Rng::seed_from_u64(spec.seed);
        Player {
            spec,
            cfg,
            shared,
            rng,
            tally: Tally::default(),
            status: Status::default(),
            fights: HashMap::new(),
            phase: Phase::Run,
            in_action: false,
            next_action: Instant::now(),
            last_chat: None,
            chats: 0,
            awaiting_flight: false,
            arrivals: Vec::new(),
            next_req: 0,
            pending: HashMap::new(),
            abandoned: HashSet::new(),
            outbox: Vec::new(),
            joined: false,
            done: false,
            idle_reported: false,
            cleanup_deadline: None,
            permit: None,
        }
    }

    fn join(&mut self) {
        let payload = json!({"character_id": self.spec.id, "sector": self.spec.home});
        self.send(Join::NAME, payload, Purpose::Join);
    }

    /// Queues a request (sent at the top of the loop, microseconds later).
    pub(super) fn send(&mut self, endpoint: &'static str, payload: Value, purpose: Purpose) {
        self.next_req += 1;
        let id = self.next_req;
        let frame =
            json!({"id": id.to_string(), "type": "rpc", "endpoint": endpoint, "payload": payload});
        self.outbox.push(frame.to_string());
        self.pending.insert(
            id,
            Pending {
                endpoint,
                sent: Instant::now(),
                purpose,
            },
        );
        self.shared.live.sent.fetch_add(1, Ordering::Relaxed);
    }

    /// A pause between actions, drawn from the think range.
    pub(super) fn think(&mut self) -> Duration {
        let (lo, hi) = self.cfg.think_ms;
        Duration::from_millis(self.rng.random_range(lo..=hi))
    }

    /// The current action is over: the next one after a pause.
    pub(super) fn action_done(&mut self) {
        self.in_action = false;
        self.next_action = Instant::now() + self.think();
    }

    /// Taking part in a fight (or just out of one, with the flight's move still to come).
    pub(super) fn in_fight(&self) -> bool {
        self.awaiting_flight || self.fights.values().any(|f| f.active)
    }

    async fn drive(&mut self, mut ws: Ws, mut phase: watch::Receiver<Phase>) {
        let mut phase_open = true;
        let mut dropped = false;
        loop {
            if !self.outbox.is_empty() {
                let mut failed = false;
                for frame in self.outbox.drain(..) {
                    if ws.feed(Message::text(frame)).await.is_err() {
                        failed = true;
                        break;
                    }
                }
                if failed || ws.flush().await.is_err() {
                    dropped = true;
                    break;
                }
            }
            if self.done {
                break;
            }
            let wake = self.next_wake();
            tokio::select! {
                msg = ws.next() => match msg {
                    Some(Ok(Message::Text(t))) => self.on_text(&t),
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                        dropped = true;
                        break;
                    }
                    Some(Ok(_)) => {}
                },
                changed = phase.changed(), if phase_open => {
                    let next = match changed {
                        Ok(()) => *phase.borrow_and_update(),
                        Err(_) => {
                            phase_open = false;
                            Phase::Close
                        }
                    };
                    self.enter(next);
                }
                _ = tokio::time::sleep_until(wake.into()) => {}
            }
            self.step(Instant::now());
        }
        if dropped {
            let id = self.spec.id.clone();
            let phase = self.phase;
            self.shared.violation(Violation::ConnectionDropped, 1, || {
                format!("{id}: connection closed by the server or failed ({phase:?})")
            });
            self.give_up();
            return;
        }
        self.give_up();
        // Close politely; whatever still arrives is only counted.
        let _ = ws.close(None).await;
        let deadline = Instant::now() + CLOSE_TIMEOUT;
        while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(deadline.into(), ws.next()).await {
            if let Message::Text(t) = msg {
                self.on_text(&t);
            }
        }
    }

    /// Whatever is still open counts against the invariants.
    fn give_up(&mut self) {
        let id = self.spec.id.clone();
        let missing: Vec<(u64, &'static str)> =
            self.pending.iter().map(|(k, p)| (*k, p.endpoint)).collect();
        self.shared
            .violation(Violation::ReplyMissing, missing.len() as u64, || {
                format!("{id}: no reply to {:?}", missing.first().map(|m| m.1))
            });
        for (k, _) in missing {
            self.pending.remove(&k);
            self.abandoned.insert(k);
        }
        let open: Vec<String> = self.fights.keys().cloned().collect();
        self.shared
            .violation(Violation::CombatNotEnded, open.len() as u64, || {
                format!("{id}: combat {} never ended", open[0])
            });
        self.fights.clear();
    }

    fn enter(&mut self, next: Phase) {
        if next == self.phase {
            return;
        }
        self.phase = next;
        if next == Phase::Close {
            self.begin_cleanup();
        }
    }

    /// The run is over: requests and fights still open now are violations; then the keeper takes
    /// its garrison home and everyone parks out of the way of later runs.
    fn begin_cleanup(&mut self) {
        if !self.joined {
            self.give_up();
            self.done = true;
            return;
        }
        if !self.pending.is_empty() || !self.fights.is_empty() {
            // Forced by the grace period: no cleanup in the middle of a fight.
            self.give_up();
            self.done = true;
            return;
        }
        if self.cfg.crowd.is_some() {
            // A crowd does not park: each departure would be told to everyone left in it.
            self.done = true;
            return;
        }
        self.cleanup_deadline = Some(Instant::now() + CLEANUP_TIMEOUT);
        if self.spec.keeper && self.status.sector == self.spec.home {
            let payload = json!({"character_id": self.spec.id});
            self.send(MyStatus::NAME, payload, Purpose::CleanupStatus);
        } else {
            self.park();
        }
    }

    pub(super) fn park(&mut self) {
        let span = self.cfg.sectors - self.cfg.park_from;
        let sector = self.cfg.park_from + (self.spec.index as u32 % span.max(1));
        let payload = json!({"character_id": self.spec.id, "sector": sector});
        self.send(Join::NAME, payload, Purpose::Park);
    }

    fn next_wake(&self) -> Instant {
        let mut wake = Instant::now() + Duration::from_millis(500);
        for f in self.fights.values() {
            if let Some(t) = f.act_at {
                wake = wake.min(t);
            }
        }
        if self.phase == Phase::Run && self.joined && !self.in_action && !self.in_fight() {
            wake = wake.min(self.next_action);
        }
        if let Some(t) = self.cleanup_deadline {
            wake = wake.min(t);
        }
        wake
    }

    /// Does whatever is due.
    fn step(&mut self, now: Instant) {
        let due: Vec<String> = self
            .fights
            .iter()
            .filter(|(_, f)| f.act_at.is_some_and(|t| t <= now))
            .map(|(k, _)| k.clone())
            .collect();
        for combat_id in due {
            self.act_in_fight(&combat_id);
        }
        match self.phase {
            Phase::Run => {
                if self.joined && !self.in_action && !self.in_fight() && now >= self.next_action {
                    self.start_action();
                }
            }
            Phase::Stop => {
                let idle = self.pending.is_empty() && self.fights.is_empty();
                if idle && !self.idle_reported {
                    self.shared.live.busy.fetch_sub(1, Ordering::SeqCst);
                    self.idle_reported = true;
                } else if !idle && self.idle_reported {
                    self.shared.live.busy.fetch_add(1, Ordering::SeqCst);
                    self.idle_reported = false;
                }
            }
            Phase::Close => {
                if self.cleanup_deadline.is_some_and(|t| now >= t) {
                    self.done = true;
                }
            }
        }
    }
}
