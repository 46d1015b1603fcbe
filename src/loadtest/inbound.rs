//! What a player reads: replies (matched to their requests, timed, checked) and events (its
//! status, its fights).

use super::player::{Fight, Pending, Phase, Player, Purpose};
use super::stats::Violation;
use super::wire::{self, ErrorBody, Head, Status};
use bang_components::api::Endpoint;
use bang_systems::movement::Move;
use bang_systems::trade::Trade;
use rand::RngExt;
use serde_json::json;
use serde_json::value::RawValue;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

impl Player {
    pub(super) fn on_text(&mut self, text: &str) {
        let head: Head = match serde_json::from_str(text) {
            Ok(h) => h,
            Err(_) => {
                self.tally.event("(unparsable frame)");
                return;
            }
        };
        match head.frame_type.as_ref() {
            "rpc" => self.on_reply(head),
            "event" => self.on_event(head),
            other => self.tally.event(&format!("(frame_type {other})")),
        }
    }

    fn on_reply(&mut self, head: Head) {
        let now = Instant::now();
        let id_text = head.id.as_deref().unwrap_or("");
        let Some(pending) =
            id_text
                .parse::<u64>()
                .ok()
                .and_then(|id| match self.pending.remove(&id) {
                    Some(p) => Some(p),
                    None => {
                        if !self.abandoned.remove(&id) {
                            None
                        } else {
                            Some(Pending {
                                endpoint: "",
                                sent: now,
                                purpose: Purpose::Plain,
                            })
                        }
                    }
                })
        else {
            let who = self.spec.id.clone();
            let endpoint = head.endpoint.as_deref().unwrap_or("?").to_string();
            let id_text = id_text.to_string();
            self.shared.violation(Violation::ReplyUnexpected, 1, || {
                format!("{who}: reply id {id_text:?} ({endpoint}) matches no request in flight")
            });
            return;
        };
        if pending.endpoint.is_empty() {
            return; // a late reply to a request already counted missing
        }
        if head.endpoint.as_deref() != Some(pending.endpoint) {
            let who = self.spec.id.clone();
            let got = head.endpoint.as_deref().unwrap_or("?").to_string();
            self.shared.violation(Violation::ReplyMismatched, 1, || {
                format!("{who}: {} reply named {got}", pending.endpoint)
            });
        }
        let ok = head.ok == Some(true);
        let error = (!ok).then(|| {
            head.error.clone().unwrap_or(ErrorBody {
                status: 0,
                detail: "error reply without an error object".into(),
                code: None,
            })
        });
        let expected = error
            .as_ref()
            .is_some_and(|e| wire::expected_refusal(pending.endpoint, e));
        let cleanup = matches!(
            pending.purpose,
            Purpose::CleanupStatus | Purpose::CleanupCollect | Purpose::Park
        );
        self.shared.reply(
            pending.endpoint,
            cleanup,
            now - pending.sent,
            error.as_ref().map(|e| (e, expected)),
        );
        if let Some(e) = error.as_ref().filter(|_| !expected) {
            let who = self.spec.id.clone();
            self.shared.violation(Violation::UnexpectedError, 1, || {
                format!("{who}: {} → {} {}", pending.endpoint, e.status, e.detail)
            });
        }
        self.on_result(pending.purpose, ok, head.result);
    }

    fn on_result(&mut self, purpose: Purpose, ok: bool, result: Option<&RawValue>) {
        match purpose {
            Purpose::Join => {
                if !ok {
                    self.done = true;
                    let id = self.spec.id.clone();
                    self.shared
                        .violation(Violation::PlayerFailed, 1, || format!("{id}: join refused"));
                    return;
                }
                if let Some(s) = wire::parse::<Status>(result) {
                    self.status = s;
                }
                self.joined = true;
                self.permit = None;
                self.shared.live.joined.fetch_add(1, Ordering::Relaxed);
                self.action_done();
            }
            Purpose::Plain => self.action_done(),
            Purpose::Status => {
                if let Some(s) = wire::parse::<Status>(result) {
                    self.status = s;
                }
                self.action_done();
            }
            Purpose::CheckTrade {
                commodity,
                quantity,
                trade_type,
            } => {
                let can = ok
                    && wire::parse::<wire::CheckTradeResult>(result).is_some_and(|r| r.can_trade);
                if can && self.phase == Phase::Run && !self.in_fight() {
                    let payload = json!({"character_id": self.spec.id, "commodity": commodity,
                        "quantity": quantity, "trade_type": trade_type});
                    self.send(Trade::NAME, payload, Purpose::Plain);
                } else {
                    *self
                        .tally
                        .actions
                        .entry("trade_refused_by_check")
                        .or_default() += 1;
                    self.action_done();
                }
            }
            Purpose::TollStatus => {
                if let Some(s) = wire::parse::<Status>(result) {
                    self.status = s;
                }
                if ok && self.phase == Phase::Run && self.fights.is_empty() {
                    self.tend_garrison();
                } else {
                    self.action_done();
                }
            }
            Purpose::Chat => {
                self.last_chat = Some(Instant::now());
                self.action_done();
            }
            Purpose::CombatAction { combat_id, pay } => {
                if pay
                    && ok
                    && let Some(f) = self.fights.get_mut(&combat_id)
                {
                    let paid = wire::parse::<wire::ActionResult>(result)
                        .and_then(|r| r.pay_processed)
                        .unwrap_or(false);
                    f.paid = Some(paid);
                }
            }
            Purpose::CleanupStatus => {
                if let Some(s) = wire::parse::<Status>(result) {
                    self.status = s;
                }
                if !self.collect_for_cleanup() {
                    self.park();
                }
            }
            Purpose::CleanupCollect => self.park(),
            Purpose::Park => self.done = true,
        }
    }

    fn on_event(&mut self, head: Head) {
        self.shared.live.events.fetch_add(1, Ordering::Relaxed);
        let kind = head.event.as_deref().unwrap_or("(unnamed)");
        self.tally.event(kind);
        match kind {
            "status.update" => {
                if let Some(s) = wire::parse::<Status>(head.payload) {
                    if self.awaiting_flight
                        && !self
                            .fights
                            .values()
                            .any(|f| !f.active && f.sector == s.sector)
                    {
                        self.awaiting_flight = false;
                    }
                    self.status = s;
                }
            }
            "combat.started" | "combat.round_waiting" | "round_waiting" => {
                if let Some(e) = wire::parse::<wire::Encounter>(head.payload) {
                    self.on_round_waiting(e);
                }
            }
            "character.moved" => {
                if let Some(m) = wire::parse::<wire::Moved>(head.payload)
                    && m.movement.as_deref() == Some("arrive")
                    && let Some(name) = m.name
                {
                    let now = Instant::now();
                    self.arrivals
                        .retain(|(_, t)| now.duration_since(*t) < Duration::from_secs(5));
                    if self.arrivals.len() >= 16 {
                        self.arrivals.remove(0);
                    }
                    self.arrivals.push((name, now));
                }
            }
            "combat.round_resolved" => {
                if let Some(r) = wire::parse::<wire::RoundResult>(head.payload)
                    && let Some(f) = self.fights.get_mut(&r.combat_id)
                {
                    let fled = r.flee_results.get(&self.spec.id) == Some(&true);
                    if fled {
                        self.awaiting_flight = true;
                    }
                    if fled
                        || (!r.participants.is_empty()
                            && !r.participants.contains_key(&self.spec.id))
                    {
                        f.active = false;
                        f.act_at = None;
                    }
                    if !r.participants.is_empty() {
                        f.participants = r.participants;
                    }
                }
            }
            "combat.ended" => {
                if let Some(r) = wire::parse::<wire::RoundResult>(head.payload) {
                    self.fights.remove(&r.combat_id);
                    self.awaiting_flight = false;
                    self.shared
                        .combat_ended(&r.combat_id, r.round, r.result.as_deref());
                    if !self.in_fight() {
                        self.next_action = self.next_action.max(Instant::now() + self.think());
                    }
                }
            }
            _ => {}
        }
    }

    fn on_round_waiting(&mut self, e: wire::Encounter) {
        if e.combat_id.is_empty() {
            return;
        }
        let now = Instant::now();
        if !self.fights.contains_key(&e.combat_id) {
            self.shared.combat_seen(&e.combat_id);
            let moving = self.pending.values().any(|p| p.endpoint == Move::NAME);
            let fight = Fight {
                by_my_arrival: moving && e.initiator.as_deref() == Some(self.spec.id.as_str()),
                initiator: e.initiator.clone(),
                ..Fight::default()
            };
            self.fights.insert(e.combat_id.clone(), fight);
        }
        let me_in = e
            .participants
            .get(&self.spec.id)
            .is_some_and(|p| p.is_character());
        let delay = self.combat_think();
        let f = self.fights.get_mut(&e.combat_id).expect("just inserted");
        f.sector = e.sector;
        f.round = f.round.max(e.round);
        f.participants = e.participants;
        f.active = me_in;
        if f.active && f.acted_round < f.round && f.act_at.is_none() {
            f.act_at = Some(now + delay);
        }
    }

    /// How long a player takes to answer a round (`--combat-think-ms`).
    fn combat_think(&mut self) -> Duration {
        let (lo, hi) = self.cfg.combat_think_ms;
        Duration::from_millis(self.rng.random_range(lo..=hi))
    }
}
