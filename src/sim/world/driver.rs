//! One simulated world: the server's own App (headless, on a 1 s fixed clock of virtual time),
//! a connection per scripted player, and the loop that lets each player act when its thinking
//! time is up, answers its fights' rounds, and samples the economy.

use super::bots::{Bot, Ctx, Memory, Step};
use super::navigation::{Map, Search};
use super::observe::{self, FightWatch, Tally};
use super::population::{Behaviour, Population};
use bang_components::api::requests::JoinRequest;
use bang_components::balance::Balance;
use bang_components::character::Bank;
use bang_components::ledger::CreditLedger;
use bang_components::messages::FrameQueued;
use bang_components::rules::WorldRules;
use bang_components::session::ConnectionId;
use bang_systems::endpoints::{Request, RequestReceived};
use bang_systems::harness::{self, Game};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::Arc;

/// Why a world could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum WorldRunError {
    #[error("player {id} could not join: {why}")]
    Join { id: String, why: String },
}

/// One sample: the simulated second it was taken at and its figures by name.
pub type Sample = (u64, BTreeMap<String, f64>);

/// The scripted players and what they go by.
pub struct Players<'a> {
    pub bots: &'a mut [Bot],
    pub by_id: &'a HashMap<String, usize>,
    pub pop: &'a Population,
    pub map: &'a Map,
}

/// A world being run.
pub struct WorldRun {
    game: Game,
    pop: Arc<Population>,
    map: Arc<Map>,
    search: Search,
    bots: Vec<Bot>,
    by_id: HashMap<String, usize>,
    /// (second due, bot) for bots waiting to act.
    queue: BinaryHeap<Reverse<(u64, usize)>>,
    /// Units asked for by each bot's trade in flight (0 if none).
    asked_units: Vec<i64>,
    /// Simulated seconds since the players joined.
    pub now: u64,
    tally: Tally,
    fights: FightWatch,
    ledger_at_last_sample: CreditLedger,
    /// Escape pods at the last sample: ships destroyed since are the new ones.
    pods_at_last_sample: u32,
    pub samples: Vec<Sample>,
}

fn rules_of(pop: &Population) -> WorldRules {
    if pop.rules == "2026-01" {
        WorldRules::release_2026()
    } else {
        WorldRules::default()
    }
}

impl WorldRun {
    /// The world with every player joined, at second 0.
    pub fn new(
        pop: Arc<Population>,
        balance: &Balance,
        map: Arc<Map>,
        seed: u64,
    ) -> Result<WorldRun, WorldRunError> {
        let setup = bang_systems::GameSetup {
            balance: balance.clone(),
            seed,
            tick_hz: 1.0,
            rules: rules_of(&pop),
            ..harness::setup(map.universe.clone())
        };
        let mut run = WorldRun {
            game: Game::headless(setup),
            search: Search::new(map.sectors()),
            pop,
            map,
            bots: Vec::new(),
            by_id: HashMap::new(),
            queue: BinaryHeap::new(),
            asked_units: Vec::new(),
            now: 0,
            tally: Tally::default(),
            fights: FightWatch::default(),
            ledger_at_last_sample: CreditLedger::default(),
            pods_at_last_sample: 0,
            samples: Vec::new(),
        };
        run.join_everyone(seed)?;
        run.sample();
        Ok(run)
    }

    fn join_everyone(&mut self, seed: u64) -> Result<(), WorldRunError> {
        let pop = self.pop.clone();
        for (g, group) in pop.groups.iter().enumerate() {
            for k in 0..group.count {
                let conn = self.game.connect();
                let id = format!("{}-{k}", group.label());
                let memory = memory_for(&group.behaviour, &group.label(), k);
                self.by_id.insert(id.clone(), self.bots.len());
                self.bots.push(Bot::new(id, g, conn, seed, memory));
                self.asked_units.push(0);
            }
        }
        self.game.step();
        let sectors = self.map.sectors();
        for i in 0..self.bots.len() {
            let group = &pop.groups[self.bots[i].group];
            let bot = &mut self.bots[i];
            let sector = rand::RngExt::random_range(&mut bot.rng, 0..sectors);
            let join = Request::Join(JoinRequest {
                character_id: Some(bot.id.clone()),
                ship_type: group.ship_type.clone(),
                credits: group.credits,
                sector: Some(i64::from(sector)),
                token: None,
            });
            let conn = bot.conn;
            self.send(conn, "join", join);
        }
        for frame in self.game.step() {
            if let FrameQueued::Reply {
                conn, body: Err(e), ..
            } = frame
            {
                let id = self.bots[bot_of(conn)].id.clone();
                return Err(WorldRunError::Join {
                    id,
                    why: e.detail.clone(),
                });
            }
        }
        for i in 0..self.bots.len() {
            let g = self.bots[i].group;
            let wait = self.bots[i].think(&pop.groups[g]);
            self.queue.push(Reverse((wait, i)));
        }
        Ok(())
    }

    fn send(&mut self, conn: ConnectionId, kind: &str, request: Request) {
        self.tally.requests += 1;
        self.game.world().write_message(RequestReceived {
            conn,
            id: kind.to_string(),
            request,
            actor: None,
            received: None,
        });
    }

    /// Runs the world until simulated second `end`, sampling on the way.
    pub fn run_until(&mut self, end: u64) {
        let every = (self.pop.sample_minutes * 60.0).round().max(1.0) as u64;
        while self.now < end {
            self.advance();
            if self.now.is_multiple_of(every) || self.now == end {
                self.sample();
            }
        }
    }

    /// One second: fights answered, due players act, the App updates once.
    fn advance(&mut self) {
        let pop = self.pop.clone();
        self.answer_rounds();
        while let Some(&Reverse((due, i))) = self.queue.peek() {
            if due > self.now {
                break;
            }
            self.queue.pop();
            let group = &pop.groups[self.bots[i].group];
            let mut ctx = Ctx {
                map: &self.map,
                search: &mut self.search,
                now: self.now,
            };
            match self.bots[i].next(self.game.app.world(), group, &mut ctx) {
                Step::Ask(request) => {
                    if let Request::Trade(t) = &request {
                        self.asked_units[i] = t.quantity.unwrap_or(0);
                    }
                    let conn = self.bots[i].conn;
                    self.send(conn, "act", request);
                }
                Step::Idle(secs) => self.queue.push(Reverse((self.now + secs.max(1), i))),
            }
        }
        let frames = self.game.step();
        self.now += 1;
        for frame in frames {
            if let FrameQueued::Reply {
                conn,
                id,
                endpoint,
                body,
                ..
            } = frame
            {
                if let Err(e) = &body {
                    tracing::debug!(player = %self.bots[bot_of(conn)].id, endpoint, status = e.status, detail = %e.detail, "refused");
                    let what = format!("{endpoint}.{}", e.status);
                    *self.tally.refusals.entry(what).or_default() += 1;
                }
                self.on_reply(bot_of(conn), &id, endpoint, body.is_ok());
            }
        }
        self.fights.look(self.game.app.world(), &mut self.tally);
    }

    fn on_reply(&mut self, i: usize, kind: &str, endpoint: &str, ok: bool) {
        self.tally.refused += u64::from(!ok);
        if kind != "act" {
            return;
        }
        if ok && endpoint == "trade" {
            self.tally.trades += 1;
            self.tally.units_traded += self.asked_units[i].max(0) as u64;
        }
        self.asked_units[i] = 0;
        let g = self.bots[i].group;
        let wait = self.bots[i].think(&self.pop.groups[g]);
        self.queue.push(Reverse((self.now + wait, i)));
    }

    fn answer_rounds(&mut self) {
        let requests = super::fighting::round_actions(self);
        for (conn, request) in requests {
            self.send(conn, "combat", request);
        }
    }

    /// The World to read and the players to move, borrowed apart.
    pub(super) fn split(&mut self) -> (&bevy_ecs::world::World, Players<'_>) {
        (
            self.game.app.world(),
            Players {
                bots: &mut self.bots,
                by_id: &self.by_id,
                pop: &self.pop,
                map: &self.map,
            },
        )
    }

    /// The economy now, and the counts since the last sample.
    fn sample(&mut self) {
        let mut out = BTreeMap::new();
        let world = self.game.world();
        let held = bang_systems::ledger::holdings(world);
        out.insert("credits.total".into(), held.total() as f64);
        out.insert("credits.on_hand".into(), held.on_hand as f64);
        out.insert("credits.banked".into(), held.banked as f64);
        out.insert("credits.in_garrisons".into(), held.in_garrisons as f64);
        out.insert("credits.in_salvage".into(), held.in_salvage as f64);
        let ledger = world.resource::<CreditLedger>().clone();
        // Zero unless some rule made or destroyed credits without saying so.
        out.insert(
            "credits.unaccounted".into(),
            (held.total() - ledger.net()) as f64,
        );
        observe::ledger_figures(&ledger, &self.ledger_at_last_sample, &mut out);
        self.ledger_at_last_sample = ledger;
        observe::port_figures(world, &mut out);
        observe::garrison_figures(world, &mut out);
        self.player_figures(&mut out);
        std::mem::take(&mut self.tally).figures(&mut out);
        self.samples.push((self.now, out));
    }

    /// Wealth (credits on hand and banked) by group and its spread, who is still flying, and
    /// the ships destroyed since the last sample.
    fn player_figures(&mut self, out: &mut BTreeMap<String, f64>) {
        let world = self.game.app.world();
        let mut all = Vec::with_capacity(self.bots.len());
        let mut by_group = vec![(0i64, 0u32, 0u32); self.pop.groups.len()];
        for bot in &self.bots {
            let Some(me) = super::bots::Me::read(world, &bot.id) else {
                continue;
            };
            let wealth = me.credits + world.get::<Bank>(me.entity).map_or(0, |b| b.0);
            all.push(wealth);
            let g = &mut by_group[bot.group];
            g.0 += wealth;
            g.1 += u32::from(!me.is_pod());
            g.2 += u32::from(!me.is_pod() && me.is_stranded());
        }
        for (g, group) in self.pop.groups.iter().enumerate() {
            let label = group.label();
            out.insert(format!("wealth.{label}"), by_group[g].0 as f64);
            let mean = by_group[g].0 as f64 / f64::from(group.count.max(1));
            out.insert(format!("wealth_mean.{label}"), mean);
            out.insert(format!("flying.{label}"), f64::from(by_group[g].1));
            out.insert(format!("stranded.{label}"), f64::from(by_group[g].2));
        }
        out.insert("gini".into(), observe::gini(&mut all));
        let pods = self.bots.len() as u32 - by_group.iter().map(|g| g.1).sum::<u32>();
        out.insert(
            "deaths".into(),
            f64::from(pods.saturating_sub(self.pods_at_last_sample)),
        );
        self.pods_at_last_sample = pods;
    }
}

/// Connections are opened in bot order from 1.
fn bot_of(conn: ConnectionId) -> usize {
    conn.0 as usize - 1
}

fn memory_for(behaviour: &Behaviour, label: &str, k: u32) -> Memory {
    match behaviour {
        Behaviour::Explorer { .. } => Memory::Explored(Default::default()),
        Behaviour::GarrisonOwner { .. } => Memory::Garrison {
            home: None,
            next_collect: 0,
        },
        Behaviour::Corporation { size, .. } => Memory::Corporation {
            name: format!("{label} {}", k / size),
            founder: k.is_multiple_of(*size),
        },
        _ => Memory::None,
    }
}
