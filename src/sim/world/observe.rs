//! What a world run measures: fights as they start and end (read off the encounters), and a
//! sample of the whole economy every few simulated minutes.

use bang_components::combat::{CombatantKind, Encounter, EncounterIndex, FightEnd, Garrison};
use bang_components::economy::{Commodity, PortSide, PortStates};
use bang_components::ledger::{CreditFlow, CreditLedger};
use bevy_ecs::prelude::*;
use std::collections::BTreeMap;

/// Counts over the time since the last sample (reset by each sample).
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub requests: u64,
    pub refused: u64,
    pub trades: u64,
    pub units_traded: u64,
    pub fights_started: u64,
    pub fight_ends: BTreeMap<&'static str, u64>,
    pub rounds: u64,
    pub tolls_paid: i64,
    pub garrisons_destroyed: u64,
    /// Refusals by `endpoint.status`: what the players tried that the rules turned down.
    pub refusals: BTreeMap<String, u64>,
}

/// Fights under way, by id, so each one's start and end are counted once.
#[derive(Default)]
pub struct FightWatch {
    live: BTreeMap<String, Entity>,
}

impl FightWatch {
    /// Counts fights begun since the last look, and those that ended.
    pub fn look(&mut self, world: &World, tally: &mut Tally) {
        for e in world.resource::<EncounterIndex>().by_sector.values() {
            if let Some(enc) = world.get::<Encounter>(*e)
                && !self.live.contains_key(&enc.combat_id)
            {
                self.live.insert(enc.combat_id.clone(), *e);
                tally.fights_started += 1;
            }
        }
        let mut over = Vec::new();
        for (id, e) in &self.live {
            match world.get::<Encounter>(*e) {
                Some(enc) if !enc.ended => {}
                Some(enc) => {
                    count_end(enc, tally);
                    over.push(id.clone());
                }
                None => over.push(id.clone()),
            }
        }
        for id in over {
            self.live.remove(&id);
        }
    }
}

fn count_end(e: &Encounter, tally: &mut Tally) {
    let end = match &e.end_state {
        Some(FightEnd::Victory) => "victory",
        Some(FightEnd::MutualDefeat) => "mutual_defeat",
        Some(FightEnd::Stalemate) | None => "stalemate",
        Some(FightEnd::TollSatisfied) => "toll_satisfied",
        Some(FightEnd::Defeated(_)) => "defeated",
        Some(FightEnd::Fled(_)) => "fled",
    };
    *tally.fight_ends.entry(end).or_default() += 1;
    tally.rounds += e.logs.len() as u64;
    for p in &e.participants {
        let beaten = p.fighters <= 0 && !e.fled.contains(&p.id);
        match p.kind {
            // Ships destroyed are counted as escape pods appear (`deaths`): a ship beaten to no
            // fighters in a fight a toll ended is not destroyed.
            CombatantKind::Garrison if beaten => tally.garrisons_destroyed += 1,
            _ => {}
        }
    }
    tally.tolls_paid += e
        .tolls
        .values()
        .flat_map(|d| d.payments.iter().map(|(_, amount, _)| amount))
        .sum::<i64>();
}

/// Wealth inequality: 0 when everyone holds the same, towards 1 when one holds everything.
pub fn gini(wealth: &mut [i64]) -> f64 {
    let n = wealth.len();
    let total: i128 = wealth.iter().map(|w| i128::from((*w).max(0))).sum();
    if n == 0 || total == 0 {
        return 0.0;
    }
    wealth.sort_unstable();
    // Σ (2i − n − 1)·w_i over ascending wealth, divided by n·Σw.
    let weighted: i128 = wealth
        .iter()
        .enumerate()
        .map(|(i, w)| (2 * i as i128 - n as i128 + 1) * i128::from((*w).max(0)))
        .sum();
    weighted as f64 / (n as f64 * total as f64)
}

/// The ports' side of a sample: how full they are and what they charge and pay, by commodity.
pub fn port_figures(world: &World, out: &mut BTreeMap<String, f64>) {
    for c in Commodity::ALL {
        let name = c.key();
        let (mut stock, mut cap, mut empty, mut sellers) = (0i64, 0i64, 0u32, 0u32);
        let (mut asks, mut bids) = (Vec::new(), Vec::new());
        for (_, port) in world.resource::<PortStates>().iter() {
            let i = c.index();
            if port.max_capacity[i] <= 0 {
                continue;
            }
            if port.side(c) == PortSide::Sells {
                stock += port.stock[i];
                cap += port.max_capacity[i];
                sellers += 1;
                empty += u32::from(port.stock[i] == 0);
                asks.extend(port.displayed_price(c));
            } else {
                bids.extend(port.displayed_price(c));
            }
        }
        let share = |a: i64, b: i64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let mean = |v: &[i64]| share(v.iter().sum(), v.len() as i64);
        out.insert(format!("ports.stock.{name}"), share(stock, cap));
        out.insert(
            format!("ports.sold_out.{name}"),
            share(i64::from(empty), i64::from(sellers)),
        );
        out.insert(format!("prices.sell.{name}"), mean(&asks));
        out.insert(format!("prices.buy.{name}"), mean(&bids));
    }
}

/// Garrisons standing and the fighters in them.
pub fn garrison_figures(world: &mut World, out: &mut BTreeMap<String, f64>) {
    let (mut n, mut fighters) = (0u32, 0i64);
    for g in world.query::<&Garrison>().iter(world) {
        n += 1;
        fighters += g.fighters;
    }
    out.insert("garrisons.standing".into(), f64::from(n));
    out.insert("garrisons.fighters".into(), fighters as f64);
}

/// The ledger's flows since `before`, by flow (minted positive, burned negative).
pub fn ledger_figures(now: &CreditLedger, before: &CreditLedger, out: &mut BTreeMap<String, f64>) {
    for flow in CreditFlow::ALL {
        let get = |l: &CreditLedger| {
            l.minted.get(&flow).copied().unwrap_or(0) - l.burned.get(&flow).copied().unwrap_or(0)
        };
        out.insert(
            format!("flows.{}", flow.name()),
            (get(now) - get(before)) as f64,
        );
    }
}

impl Tally {
    /// The interval's counts as sample figures.
    pub fn figures(&self, out: &mut BTreeMap<String, f64>) {
        out.insert("requests".into(), self.requests as f64);
        out.insert("refused".into(), self.refused as f64);
        out.insert("trades".into(), self.trades as f64);
        out.insert("trade.units".into(), self.units_traded as f64);
        out.insert("fights.started".into(), self.fights_started as f64);
        for end in [
            "victory",
            "mutual_defeat",
            "stalemate",
            "toll_satisfied",
            "defeated",
            "fled",
        ] {
            let n = self.fight_ends.get(end).copied().unwrap_or(0);
            out.insert(format!("fights.ended.{end}"), n as f64);
        }
        out.insert("fights.rounds".into(), self.rounds as f64);
        out.insert("tolls.paid".into(), self.tolls_paid as f64);
        out.insert(
            "garrisons.destroyed".into(),
            self.garrisons_destroyed as f64,
        );
        for (what, n) in &self.refusals {
            out.insert(format!("refusals.{what}"), *n as f64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::gini;

    #[test]
    fn gini_is_zero_for_equals_and_near_one_for_a_monopoly() {
        assert_eq!(gini(&mut [5, 5, 5, 5]), 0.0);
        let g = gini(&mut [0, 0, 0, 100]);
        assert!((g - 0.75).abs() < 1e-12, "{g}");
        assert_eq!(gini(&mut []), 0.0);
        assert!((gini(&mut [1, 2, 3, 4]) - 0.25).abs() < 1e-12);
    }
}
