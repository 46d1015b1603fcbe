//! Credits under the 2026-01 rules, over many random sequences of trades, transfers, bank
//! deposits and withdrawals, corporations founded, joined and left, ships bought for oneself and
//! for a corporation and flown, fighters bought, garrisons and fights:
//! - conserved: the credits in the World (on hand, in banks, in garrisons' toll banks, in salvage
//!   and aboard unowned ships) change only by what the action log says the rules took or paid
//!   (trades, founding fees, ship, fighter and warp purchases), so replaying the log from the
//!   start gives today's total;
//! - told: the last status each character was sent carries its credits and bank as they are.

mod common;

use bang_components::character::{Bank, CharacterId, Credits};
use bang_components::combat::{Encounter, EncounterIndex, Garrison, Salvage};
use bang_components::corporation::{Corporation, Corporations};
use bang_components::game_events::GameEvent;
use bang_components::messages::{ActionLogged, Audience, EventBody, FrameQueued};
use bang_components::rules::WorldRules;
use bang_components::session::{ConnectionId, WireDialect};
use bang_components::unowned_ships::UnownedShip;
use bang_systems::endpoints::Request;
use bevy_ecs::message::{MessageCursor, Messages};
use common::Harness;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const PEOPLE: usize = 3;

struct Case {
    h: Harness,
    rng: ChaCha8Rng,
    conns: Vec<ConnectionId>,
    /// A connection flying a corporation ship: (connection, ship id, actor).
    pilot: Option<(ConnectionId, String, String)>,
    log: MessageCursor<ActionLogged>,
    /// Credits the action log says the rules created (+) or took (−) so far.
    logged: i64,
    /// The last (credits, bank) each character was told in a status.
    told: BTreeMap<String, (i64, i64)>,
    /// How many of each action succeeded (so the test can tell the cases really play).
    done: BTreeMap<&'static str, usize>,
}

/// Every credit in the World, wherever it is.
fn money(h: &mut Harness) -> i64 {
    let w = h.world();
    let on_hand: i64 = w.query::<&Credits>().iter(w).map(|c| c.0).sum();
    let banked: i64 = w.query::<&Bank>().iter(w).map(|b| b.0).sum();
    let tolls: i64 = w.query::<&Garrison>().iter(w).map(|g| g.toll_balance).sum();
    let salvage: i64 = w.query::<&Salvage>().iter(w).map(|s| s.credits).sum();
    let parked: i64 = w.query::<&UnownedShip>().iter(w).map(|s| s.credits).sum();
    for c in w.query::<&Credits>().iter(w) {
        assert!(c.0 >= 0, "negative credits");
    }
    on_hand + banked + tolls + salvage + parked
}

/// What a logged action created (+) or took (−) from the World's credits.
fn logged_delta(event_type: &str, data: &Value) -> i64 {
    let n = |k: &str| {
        data[k]
            .as_i64()
            .unwrap_or_else(|| panic!("{event_type} {k}: {data}"))
    };
    match event_type {
        "trade.executed" if data["trade_type"] == "buy" => -n("total_price"),
        "trade.executed" => n("total_price"),
        "corporation.created" => -n("cost"),
        "ship.purchased" => -n("net_cost"),
        "corporation.ship_purchased" => -n("price"),
        "fighters.purchased" | "warp.purchased" => -n("total_cost"),
        _ => 0,
    }
}

impl Case {
    fn new(seed: u64) -> Case {
        let mut setup = bang_systems::harness::setup(common::small_universe());
        setup.rules = WorldRules {
            hyperspace_secs_per_turn: 0.0,
            ..WorldRules::release_2026()
        };
        let mut h = Harness::new(setup);
        let log = h.world().resource::<Messages<ActionLogged>>().get_cursor();
        let conns = (0..PEOPLE)
            .map(|_| h.connect_speaking(WireDialect::V2026_01))
            .collect();
        let mut case = Case {
            h,
            rng: ChaCha8Rng::seed_from_u64(seed),
            conns,
            pilot: None,
            log,
            logged: 0,
            told: BTreeMap::new(),
            done: BTreeMap::new(),
        };
        for i in 0..PEOPLE {
            let credits = case.rng.random_range(5_000..60_000);
            let join = json!({"character_id": format!("c{i}"), "sector": 1, "credits": credits});
            case.send(i, "join", join);
        }
        case
    }

    /// Reads what the last update logged and told.
    fn take(&mut self, frames: Vec<FrameQueued>) {
        let messages = self.h.world().resource::<Messages<ActionLogged>>();
        for a in self.log.read(messages) {
            let data: Value = serde_json::from_str(a.data.get()).unwrap();
            self.logged += logged_delta(a.event_type, &data);
            *self.done.entry(a.event_type).or_default() += 1;
        }
        for f in frames {
            let FrameQueued::Event {
                event: EventBody::Typed(GameEvent::Release2026(e)),
                audience: Audience::Characters(ids),
            } = f
            else {
                continue;
            };
            use bang_components::api::v2026::Event2026::{StatusSnapshot, StatusUpdate};
            if let StatusUpdate(s) | StatusSnapshot(s) = e {
                for id in ids {
                    self.told
                        .insert(id, (s.ship.credits, s.player.credits_in_bank));
                }
            }
        }
    }

    fn send_on(&mut self, conn: ConnectionId, name: &str, payload: Value, actor: Option<String>) {
        let request = Request::decode(
            WireDialect::V2026_01,
            bang_components::api::Framing::Rpc,
            name,
            payload,
        )
        .expect("an endpoint")
        .expect("a well-formed request");
        let frames = self.h.request_as(conn, request, actor);
        self.take(frames);
        // A jump lands at the next tick.
        let frames = self.h.step();
        self.take(frames);
    }

    fn send(&mut self, who: usize, name: &str, payload: Value) {
        self.send_on(self.conns[who], name, payload, None);
    }

    fn someone(&mut self) -> (usize, String) {
        let i = self.rng.random_range(0..PEOPLE);
        (i, format!("c{i}"))
    }

    fn corporation_of(&mut self, id: &str) -> Option<Corporation> {
        let w = self.h.world();
        let corps = w.resource::<Corporations>();
        let e = corps.get(corps.of(id)?)?;
        w.get::<Corporation>(e).cloned()
    }

    fn trade(&mut self) {
        let (i, id) = self.someone();
        let commodity = ["fuel_ore", "organics", "equipment"][self.rng.random_range(0..3)];
        let side = ["buy", "sell"][self.rng.random_range(0..2)];
        let q = self.rng.random_range(1..8);
        let t =
            json!({"character_id": id, "commodity": commodity, "quantity": q, "trade_type": side});
        self.send(i, "trade", t);
    }

    fn transfer(&mut self) {
        let (i, id) = self.someone();
        let (_, to) = self.someone();
        let amount = self.rng.random_range(1..3_000);
        let t = json!({"from_character_id": id, "to_player_name": to, "amount": amount});
        self.send(i, "transfer_credits", t);
    }

    fn bank(&mut self) {
        let (i, id) = self.someone();
        let (_, to) = self.someone();
        let amount = self.rng.random_range(1..20_000);
        let direction = ["deposit", "withdraw"][self.rng.random_range(0..2)];
        let t = json!({"character_id": id, "direction": direction, "amount": amount,
            "target_player_name": to});
        self.send(i, "bank_transfer", t);
    }

    fn wander(&mut self) {
        let (i, id) = self.someone();
        let to = self.rng.random_range(0..2);
        self.send(i, "move", json!({"character_id": id, "to_sector": to}));
    }

    fn corporations(&mut self) {
        let (i, id) = self.someone();
        match self.rng.random_range(0..4) {
            0 => {
                let name = format!("Corp {}", self.rng.random_range(0..1000));
                self.send(
                    i,
                    "corporation.create",
                    json!({"character_id": id, "name": name}),
                );
            }
            1 => {
                let (_, other) = self.someone();
                if let Some(c) = self.corporation_of(&other) {
                    let join = json!({"character_id": id, "corp_id": c.corp_id, "invite_code": c.invite_code});
                    self.send(i, "corporation.join", join);
                }
            }
            2 => self.send(i, "corporation.leave", json!({"character_id": id})),
            _ => {
                let initial = self.rng.random_range(0..3_000);
                let order = json!({"character_id": id, "ship_type": "autonomous_probe",
                    "purchase_type": "corporation", "initial_ship_credits": initial});
                self.send(i, "ship.purchase", order);
            }
        }
    }

    /// A member flies one of its corporation's ships and deposits from it to a member's bank.
    fn fly(&mut self) {
        let (_, actor) = self.someone();
        let Some(corp) = self.corporation_of(&actor) else {
            return;
        };
        let Some(ship) = corp.ships.first().cloned() else {
            return;
        };
        if self.pilot.as_ref().is_none_or(|p| p.1 != ship) {
            let conn = self.h.connect_speaking(WireDialect::V2026_01);
            self.send_on(
                conn,
                "join",
                json!({"character_id": ship}),
                Some(actor.clone()),
            );
            self.pilot = Some((conn, ship.clone(), actor.clone()));
        }
        let (conn, ship, _) = self.pilot.clone().unwrap();
        let (_, to) = self.someone();
        let amount = self.rng.random_range(1..2_000);
        let deposit = json!({"character_id": ship, "direction": "deposit", "amount": amount,
            "target_player_name": to});
        self.send_on(conn, "bank_transfer", deposit, Some(actor));
    }

    fn shop(&mut self) {
        let (i, id) = self.someone();
        if self.rng.random_bool(0.5) {
            let n = self.rng.random_range(1..40);
            self.send(
                i,
                "purchase_fighters",
                json!({"character_id": id, "units": n}),
            );
        } else {
            let hull =
                ["sparrow_scout", "kestrel_courier", "corsair_raider"][self.rng.random_range(0..3)];
            self.send(
                i,
                "ship.purchase",
                json!({"character_id": id, "ship_type": hull}),
            );
        }
    }

    fn garrison(&mut self) {
        let (i, id) = self.someone();
        let sector = self.rng.random_range(0..2);
        if self.rng.random_bool(0.6) {
            let mode = ["offensive", "defensive", "toll"][self.rng.random_range(0..3)];
            let toll = self.rng.random_range(0..500);
            let g = json!({"character_id": id, "sector": sector, "quantity": self.rng.random_range(1..30),
                "mode": mode, "toll_amount": toll});
            self.send(i, "combat.leave_fighters", g);
        } else {
            let g = json!({"character_id": id, "sector": sector, "quantity": self.rng.random_range(1..30)});
            self.send(i, "combat.collect_fighters", g);
        }
    }

    /// Someone starts a fight; everyone in it acts at random until it ends.
    fn fight(&mut self) {
        let (i, id) = self.someone();
        self.send(i, "combat.initiate", json!({"character_id": id}));
        for _ in 0..30 {
            let running = {
                let w = self.h.world();
                let index = w.resource::<EncounterIndex>();
                let found = index.by_sector.values().next().copied();
                found.and_then(|e| w.get::<Encounter>(e)).cloned()
            };
            let Some(e) = running else {
                return;
            };
            for p in 0..PEOPLE {
                let me = format!("c{p}");
                if e.participant(&me).is_none() {
                    continue;
                }
                let target = e
                    .participants
                    .iter()
                    .find(|q| q.id != me)
                    .map(|q| q.id.clone());
                let action = ["attack", "brace", "flee", "pay"][self.rng.random_range(0..4)];
                let commit = self.rng.random_range(1..50);
                let act = json!({"character_id": me, "combat_id": e.combat_id, "action": action,
                    "commit": commit, "target_id": target, "to_sector": 0});
                self.send(p, "combat.action", act);
            }
            let frames = self.h.step();
            self.take(frames);
        }
    }

    fn step(&mut self) {
        match self.rng.random_range(0..10) {
            0 | 1 => self.trade(),
            2 => self.transfer(),
            3 => self.bank(),
            4 => self.wander(),
            5 => self.corporations(),
            6 => self.fly(),
            7 => self.shop(),
            8 => self.garrison(),
            _ => self.fight(),
        }
    }

    /// Every character's last status told matches the World.
    fn check_told(&mut self, seed: u64) {
        let w = self.h.world();
        let mut now = BTreeMap::new();
        for (id, c, b) in w.query::<(&CharacterId, &Credits, Option<&Bank>)>().iter(w) {
            now.insert(id.0.clone(), (c.0, b.map_or(0, |b| b.0)));
        }
        for (id, told) in &self.told {
            if let Some(actual) = now.get(id) {
                assert_eq!(
                    told, actual,
                    "seed {seed}: {id} was last told {told:?}, has {actual:?}"
                );
            }
        }
    }
}

fn run_case(seed: u64, steps: usize) -> BTreeMap<&'static str, usize> {
    let mut case = Case::new(seed);
    let start = money(&mut case.h) - case.logged;
    for n in 0..steps {
        case.step();
        let now = money(&mut case.h);
        assert_eq!(
            now,
            start + case.logged,
            "seed {seed}, step {n}: the World holds {now}, the log accounts for {}",
            start + case.logged
        );
    }
    case.check_told(seed);
    let rounds = case
        .h
        .world()
        .resource::<bang_components::combat::CombatStats>()
        .rounds_resolved;
    case.done.insert("rounds resolved", rounds as usize);
    case.done
}

#[test]
fn credits_are_conserved_and_told_over_random_play() {
    let mut done: BTreeMap<&str, usize> = BTreeMap::new();
    for seed in 0..60 {
        for (what, n) in run_case(seed, 80) {
            *done.entry(what).or_default() += n;
        }
    }
    // Every kind of action the sequences draw really happened, many times over.
    for what in [
        "trade.executed",
        "credits.transferred",
        "bank.deposited",
        "bank.withdrawn",
        "corporation.created",
        "corporation.joined",
        "corporation.left",
        "corporation.ship_purchased",
        "ship.purchased",
        "fighters.purchased",
        "combat.garrison_deployed",
        "rounds resolved",
    ] {
        assert!(
            done.get(what).copied().unwrap_or(0) >= 5,
            "too few {what}: {done:?}"
        );
    }
}
