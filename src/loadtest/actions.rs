//! What a player does: the next action from the mix (move, trade, chat, fight, toll, status),
//! the toll garrison a keeper tends, and its answer to each round of its fights.
//!
//! Players avoid every refusal they can foresee from what they know (their status, the fight's
//! participants), so the refusals left are races: a partner away, a round that timed out, a port
//! another player emptied first.

use super::ACTION_KINDS;
use super::player::{Fight, Phase, Player, Purpose};
use super::wire::{self, COMMODITIES};
use bang_components::api::Endpoint;
use bang_systems::characters::Join;
use bang_systems::characters::MyStatus;
use bang_systems::chat::SendMessage;
use bang_systems::combat::endpoints::Act;
use bang_systems::combat::endpoints::Initiate;
use bang_systems::combat::garrisons::CollectFighters;
use bang_systems::combat::garrisons::LeaveFighters;
use bang_systems::movement::Move;
use bang_systems::trade::CheckTrade;
use rand::RngExt;
use serde_json::json;

/// Chance to attack in round 1, 2, 3, 4, 5+ (otherwise brace or flee): fights last a few rounds
/// and end in a stalemate once nobody attacks, when nobody is destroyed or flees first.
const ATTACK_CHANCE: [f64; 5] = [0.85, 0.7, 0.5, 0.3, 0.1];
/// Chance to flee when not attacking (if a flight is possible).
const FLEE_CHANCE: f64 = 0.25;
/// Chance per round to pay a garrison's toll in a fight the player's arrival did not start.
const PAY_CHANCE: f64 = 0.2;
/// The chat rate limit is one message a second per sender, timed from the server's clock; a
/// player waits this long after the previous reply.
const CHAT_SPACING_MS: u64 = 1_100;

impl Player {
    fn count(&mut self, what: &'static str) {
        *self.tally.actions.entry(what).or_default() += 1;
    }

    fn away(&self) -> bool {
        self.status.sector != self.spec.home
    }

    /// Picks the next action by the mix's weights and starts it.
    pub(super) fn start_action(&mut self) {
        let weights = self.cfg.mix.weights;
        let total: u32 = weights.iter().sum();
        let mut roll = self.rng.random_range(0..total);
        let mut kind = 0;
        for (i, w) in weights.iter().enumerate() {
            if roll < *w {
                kind = i;
                break;
            }
            roll -= w;
        }
        self.count(ACTION_KINDS[kind]);
        self.in_action = true;
        match ACTION_KINDS[kind] {
            "move" => self.roam(),
            "trade" => self.trade(),
            "chat" => self.chat(),
            "fight" => self.fight(),
            "toll" => self.toll(),
            _ => self.ask_status(),
        }
    }

    /// `my_status`: what a player in a crowd does most (the reply lists up to 200 others).
    fn ask_status(&mut self) {
        let payload = json!({"character_id": self.spec.id});
        self.send(MyStatus::NAME, payload, Purpose::Status);
    }

    fn skip(&mut self, why: &'static str) {
        self.count(why);
        self.action_done();
    }

    /// Out to a neighbour, or back home if away.
    fn roam(&mut self) {
        if self.away() {
            self.go_home();
        } else {
            self.move_out();
        }
    }

    fn move_out(&mut self) {
        let ship = &self.status.ship;
        if ship.warp_power < ship.turns_per_warp() {
            return self.skip("skipped_no_warp_power");
        }
        let choices: Vec<u32> = self
            .status
            .sector_contents
            .adjacent_sectors
            .iter()
            .copied()
            .filter(|s| !self.cfg.is_park(*s) && *s != self.status.sector)
            .collect();
        if choices.is_empty() {
            return self.skip("skipped_no_exit");
        }
        let to = choices[self.rng.random_range(0..choices.len())];
        let payload = json!({"character_id": self.spec.id, "to_sector": to});
        self.send(Move::NAME, payload, Purpose::Plain);
    }

    /// Home by the warp if there is one back, else by a teleporting `join`.
    fn go_home(&mut self) {
        let home = self.spec.home;
        let ship = &self.status.ship;
        let adjacent = self.status.sector_contents.adjacent_sectors.contains(&home);
        if adjacent && ship.warp_power >= ship.turns_per_warp() {
            self.count("move_home");
            let payload = json!({"character_id": self.spec.id, "to_sector": home});
            self.send(Move::NAME, payload, Purpose::Plain);
        } else {
            self.count("teleport_home");
            let payload = json!({"character_id": self.spec.id, "sector": home});
            self.send(Join::NAME, payload, Purpose::Plain);
        }
    }

    fn trade(&mut self) {
        let Some(port) = self.status.sector_contents.port.clone() else {
            // Ports are elsewhere: travel instead (a crowd stays where it is).
            self.count("trade_no_port");
            if self.cfg.crowd.is_some() {
                return self.action_done();
            }
            return self.roam();
        };
        let ship = &self.status.ship;
        let free = ship.cargo_capacity - ship.cargo_used;
        let mut options: Vec<(&'static str, &'static str, i64)> = Vec::new();
        for (i, letter) in port.code.chars().take(3).enumerate() {
            let commodity = COMMODITIES[i];
            let held = ship.cargo.get(commodity);
            if letter == 'B' && held > 0 {
                options.push((commodity, "sell", held));
            } else if letter == 'S' && free > 0 && ship.credits >= 200 {
                options.push((commodity, "buy", free.min(5)));
            }
        }
        if options.is_empty() {
            return self.skip("skipped_nothing_to_trade");
        }
        let (commodity, trade_type, most) = options[self.rng.random_range(0..options.len())];
        let quantity = self.rng.random_range(1..=most);
        let payload = json!({"character_id": self.spec.id, "commodity": commodity,
            "quantity": quantity, "trade_type": trade_type});
        self.send(
            CheckTrade::NAME,
            payload,
            Purpose::CheckTrade {
                commodity,
                quantity,
                trade_type,
            },
        );
    }

    fn chat(&mut self) {
        let now = std::time::Instant::now();
        let spacing = std::time::Duration::from_millis(CHAT_SPACING_MS);
        if self.last_chat.is_some_and(|t| now < t + spacing) {
            return self.skip("skipped_chat_rate");
        }
        self.chats += 1;
        let content = format!("{} here, message {}", self.spec.id, self.chats);
        let payload =
            json!({"character_id": self.spec.id, "type": "broadcast", "content": content});
        self.send(SendMessage::NAME, payload, Purpose::Chat);
    }

    /// A fight at home with whoever is there (the partner, if it is home).
    fn fight(&mut self) {
        if self.away() {
            return self.go_home();
        }
        let ship = &self.status.ship;
        if ship.fighters <= 0 || ship.is_pod() {
            return self.skip("skipped_fight_no_fighters");
        }
        // Characters left idle here by another run would be pulled in and never answer.
        let ours = self.cfg.id_prefix();
        if self
            .status
            .sector_contents
            .other_players
            .iter()
            .any(|o| !o.name.starts_with(&ours))
        {
            return self.skip("skipped_fight_strangers_home");
        }
        let partner_home = self.spec.partner.as_ref().is_some_and(|partner| {
            let others = &self.status.sector_contents.other_players;
            others.iter().any(|o| &o.name == partner)
        });
        if !partner_home {
            // Someone else may be here; if not, the refusal is an expected 409.
            self.count("fight_partner_away");
        }
        let payload = json!({"character_id": self.spec.id});
        self.send(Initiate::NAME, payload, Purpose::Plain);
    }

    /// A keeper tends its toll garrison at home; its partner leaves home to come back through it.
    fn toll(&mut self) {
        if self.away() {
            return self.go_home();
        }
        if self.spec.keeper {
            if !self.fights.is_empty() {
                return self.skip("skipped_toll_garrison_fighting");
            }
            // Fresh numbers first: the garrison may have fought since the last status.
            let payload = json!({"character_id": self.spec.id});
            self.send(MyStatus::NAME, payload, Purpose::TollStatus);
        } else {
            let toll_here = self
                .status
                .sector_contents
                .garrisons
                .iter()
                .any(|g| g.mode == "toll" && g.owner_id != self.spec.id && g.fighters > 0);
            if toll_here {
                self.count("toll_run");
            }
            self.move_out();
        }
    }

    /// After a fresh status at home: collect the garrison if there is one, else deploy one.
    pub(super) fn tend_garrison(&mut self) {
        if self.away() {
            return self.skip("skipped_toll_not_home");
        }
        let me = self.spec.id.clone();
        let garrisons = &self.status.sector_contents.garrisons;
        let mine = garrisons
            .iter()
            .find(|g| g.owner_id == me)
            .map(|g| g.fighters);
        let foreign = garrisons.iter().any(|g| g.owner_id != me);
        let ship = self.status.ship.clone();
        match mine {
            Some(stationed) if stationed > 0 => {
                let room = ship.max_fighters - ship.fighters;
                let quantity = stationed.min(room);
                if quantity <= 0 || ship.is_pod() {
                    return self.skip("skipped_collect_no_room");
                }
                self.count("toll_collect");
                let payload =
                    json!({"character_id": me, "sector": self.spec.home, "quantity": quantity});
                self.send(CollectFighters::NAME, payload, Purpose::Plain);
            }
            _ if foreign => self.skip("skipped_deploy_foreign_garrison"),
            _ if ship.fighters < 30 || ship.is_pod() => self.skip("skipped_deploy_no_fighters"),
            _ => {
                self.count("toll_deploy");
                let quantity = self.rng.random_range(5..=15);
                let toll = self.rng.random_range(5..=20);
                let payload = json!({"character_id": me, "sector": self.spec.home,
                    "quantity": quantity, "mode": "toll", "toll_amount": toll});
                self.send(LeaveFighters::NAME, payload, Purpose::Plain);
            }
        }
    }

    /// At the end: a keeper at home takes its garrison back. False if there is nothing to take.
    pub(super) fn collect_for_cleanup(&mut self) -> bool {
        let me = self.spec.id.clone();
        let ship = &self.status.ship;
        let room = ship.max_fighters - ship.fighters;
        let Some(stationed) = self
            .status
            .sector_contents
            .garrisons
            .iter()
            .find(|g| g.owner_id == me)
            .map(|g| g.fighters)
        else {
            return false;
        };
        let quantity = stationed.min(room);
        if quantity <= 0 || ship.is_pod() || self.status.sector != self.spec.home {
            return false;
        }
        let payload = json!({"character_id": me, "sector": self.spec.home, "quantity": quantity});
        self.send(CollectFighters::NAME, payload, Purpose::CleanupCollect);
        true
    }

    /// Answers the open round of a fight.
    pub(super) fn act_in_fight(&mut self, combat_id: &str) {
        let Some(f) = self.fights.get_mut(combat_id) else {
            return;
        };
        f.act_at = None;
        if !f.active || f.acted_round >= f.round {
            return;
        }
        f.acted_round = f.round;
        let f = f.clone();
        let me_id = self.spec.id.clone();
        let Some(me) = f.participants.get(&me_id).cloned() else {
            return;
        };
        let stopping = self.phase != Phase::Run;
        let foreign_garrison = f
            .participants
            .iter()
            .find(|(_, p)| p.is_garrison() && p.owner != me_id && p.fighters > 0)
            .map(|(id, p)| (id.clone(), p.fighters));
        let own_garrison = f
            .participants
            .values()
            .any(|p| p.is_garrison() && p.owner == me_id);
        let opponents: Vec<(String, i64)> = f
            .participants
            .iter()
            .filter(|(id, p)| **id != me_id && p.owner != me_id && p.fighters > 0)
            .map(|(id, p)| (id.clone(), p.fighters))
            .collect();
        let mut payload = json!({"character_id": me_id, "combat_id": combat_id, "round": f.round});
        let can_attack = me.fighters > 0 && !me.is_escape_pod;
        // A toll garrison engaged this player on arrival: pay at once. In other fights with a
        // garrison, pay now and then (and always when winding down, so the demand is settled).
        let pay_now = f.by_my_arrival || stopping || self.rng.random_bool(PAY_CHANCE);
        // The keeper's partner (or anyone) just ran into the keeper's toll garrison: hold fire
        // in the first round so the payment settles the fight.
        let toll_run = own_garrison
            && f.round == 1
            && f.initiator
                .as_ref()
                .is_some_and(|i| self.arrivals.iter().any(|(name, _)| name == i));
        let action: &'static str = if let Some((garrison, _)) = foreign_garrison
            .as_ref()
            .filter(|_| f.paid.is_none() && !me.is_escape_pod && pay_now)
        {
            payload["target_id"] = json!(garrison);
            "pay"
        } else if !can_attack {
            "brace"
        } else if let Some((garrison, g_fighters)) =
            foreign_garrison.as_ref().filter(|_| f.paid == Some(false))
        {
            // Could not pay: fight the garrison off.
            payload["target_id"] = json!(garrison);
            payload["commit"] = json!(me.fighters.min(g_fighters * 2).max(1));
            "attack"
        } else if let Some(to) = self
            .flee_destination(f.sector, me.turns_per_warp)
            .filter(|_| stopping && own_garrison && opponents.is_empty())
        {
            // Winding down beside my own toll garrison with nobody left who can fight (a pod,
            // say): its unpaid demand would keep the fight open round after round (the
            // reference's rule), so I leave.
            payload["to_sector"] = json!(to);
            "flee"
        } else if stopping || toll_run {
            // Winding down (once nobody attacks, the fight ends), or letting a toll settle.
            "brace"
        } else {
            self.free_choice(&f, &me, &opponents, &mut payload)
        };
        payload["action"] = json!(action);
        *self.tally.combat_actions.entry(action).or_default() += 1;
        let purpose = Purpose::CombatAction {
            combat_id: combat_id.to_string(),
            pay: action == "pay",
        };
        self.send(Act::NAME, payload, purpose);
    }

    /// A round with nothing forcing the answer: attack (less likely as the fight drags on),
    /// else maybe flee, else brace. The draws stay in this order so a seed replays the same.
    fn free_choice(
        &mut self,
        f: &Fight,
        me: &wire::Participant,
        opponents: &[(String, i64)],
        payload: &mut serde_json::Value,
    ) -> &'static str {
        let chance = ATTACK_CHANCE[(f.round.max(1) as usize - 1).min(ATTACK_CHANCE.len() - 1)];
        if !opponents.is_empty() && self.rng.random_bool(chance) {
            let (target, _) = &opponents[self.rng.random_range(0..opponents.len())];
            let lo = (me.fighters / 20).max(1);
            let hi = (me.fighters / 8).max(lo);
            let commit = self.rng.random_range(lo..=hi).min(me.fighters);
            payload["target_id"] = json!(target);
            payload["commit"] = json!(commit);
            "attack"
        } else if let Some(to) = self
            .flee_destination(f.sector, me.turns_per_warp)
            .filter(|_| self.rng.random_bool(FLEE_CHANCE))
        {
            payload["to_sector"] = json!(to);
            "flee"
        } else {
            "brace"
        }
    }

    /// A neighbour to flee to, if the ship can jump from the fight's sector.
    fn flee_destination(&mut self, sector: u32, turns_per_warp: i64) -> Option<u32> {
        let ship = &self.status.ship;
        if ship.is_pod() || self.status.sector != sector {
            return None;
        }
        if ship.warp_power < turns_per_warp.max(ship.turns_per_warp()) {
            return None;
        }
        let choices: Vec<u32> = self
            .status
            .sector_contents
            .adjacent_sectors
            .iter()
            .copied()
            .filter(|s| !self.cfg.is_park(*s) && *s != sector)
            .collect();
        (!choices.is_empty()).then(|| choices[self.rng.random_range(0..choices.len())])
    }
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::super::config::Mix;
    use super::super::player::{Fight, PlayerSpec};
    use super::super::stats::Shared;
    use super::super::wire::{Contents, Participant, ShipView, Status};
    use super::*;
    use std::collections::BTreeMap;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    fn character(owner: &str, fighters: i64, pod: bool) -> Participant {
        Participant {
            combatant_type: "character".into(),
            fighters,
            is_escape_pod: pod,
            owner: owner.into(),
            turns_per_warp: 3,
        }
    }

    /// A keeper in its home sector 5 (neighbours 4 and 6), fighting beside its own toll garrison
    /// against a visitor with `visitor_fighters`, in round 2 of combat "c1".
    fn keeper_in_fight(phase: Phase, visitor_fighters: i64) -> Player {
        let now = Instant::now();
        let cfg = Config {
            addr: "127.0.0.1:1".into(),
            players: 2,
            ramp_up: Duration::ZERO,
            settle: Duration::ZERO,
            duration: Duration::from_secs(1),
            grace: Duration::from_secs(1),
            think_ms: (1, 1),
            combat_think_ms: (1, 1),
            mix: Mix::parse("toll=1").unwrap(),
            seed: 1,
            prefix: "k".into(),
            sectors: 100,
            park_from: 99,
            connect_concurrency: 1,
            crowd: None,
            non_readers: 0,
            shard: None,
            start_at: None,
        };
        let spec = PlayerSpec {
            index: 0,
            id: "k-0".into(),
            partner: Some("k-1".into()),
            home: 5,
            keeper: true,
            start_at: now,
            seed: 7,
        };
        let mut p = Player::new(
            spec,
            Arc::new(cfg),
            Arc::new(Shared::new(now, Duration::ZERO)),
        );
        p.phase = phase;
        p.status = Status {
            sector: 5,
            sector_contents: Contents {
                adjacent_sectors: vec![4, 6],
                ..Default::default()
            },
            ship: ShipView {
                ship_type: "kestrel_courier".into(),
                warp_power: 300,
                fighters: 200,
                ..Default::default()
            },
        };
        let garrison = Participant {
            combatant_type: "garrison".into(),
            fighters: 10,
            owner: "k-0".into(),
            ..Default::default()
        };
        let visitor = character("k-1", visitor_fighters, visitor_fighters == 0);
        let participants = BTreeMap::from([
            ("k-0".to_string(), character("k-0", 200, false)),
            ("garrison:5:k-0".to_string(), garrison),
            ("k-1".to_string(), visitor),
        ]);
        p.fights.insert(
            "c1".into(),
            Fight {
                sector: 5,
                round: 2,
                acted_round: 1,
                act_at: None,
                active: true,
                participants,
                paid: None,
                initiator: Some("k-1".into()),
                by_my_arrival: false,
            },
        );
        p
    }

    fn answered(mut p: Player) -> serde_json::Value {
        p.act_in_fight("c1");
        let frame: serde_json::Value = serde_json::from_str(p.outbox.last().unwrap()).unwrap();
        assert_eq!(frame["endpoint"], "combat.action");
        frame["payload"].clone()
    }

    #[test]
    fn a_keeper_winding_down_beside_its_garrison_with_nobody_to_fight_leaves() {
        // The visitor is an escape pod: nobody can fight, yet the garrison's unpaid toll would
        // keep the fight open round after round, so the keeper flees to a neighbour.
        let payload = answered(keeper_in_fight(Phase::Stop, 0));
        assert_eq!(payload["action"], "flee", "{payload}");
        let to = payload["to_sector"].as_u64().unwrap();
        assert!(to == 4 || to == 6, "{payload}");
        assert_eq!(payload["round"], 2);
    }

    #[test]
    fn a_keeper_winding_down_against_a_fighter_braces_until_the_fight_ends() {
        let payload = answered(keeper_in_fight(Phase::Stop, 50));
        assert_eq!(payload["action"], "brace", "{payload}");
    }
}
