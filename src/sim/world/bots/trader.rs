//! The trader: sells what the port here buys, buys what pays best within its horizon, and
//! carries it there; with nothing to do here, heads for a port that sells.

use super::{Bot, Ctx, Me};
use bang_components::economy::{Commodity, PortSide, PortStates};
use bang_components::universe::SectorId;
use bang_systems::endpoints::Request;
use bevy_ecs::prelude::*;
use rand::RngExt;

/// A purchase worth making: what, how much, and where to sell it.
struct Deal {
    commodity: Commodity,
    units: i64,
    to: SectorId,
}

impl Bot {
    pub(super) fn trade(
        &mut self,
        world: &World,
        ctx: &mut Ctx,
        me: &Me,
        horizon: u32,
        reserve: i64,
    ) -> Option<Request> {
        if let Some(r) = self.sell_here(world, me) {
            return Some(r);
        }
        if let Some(deal) = best_deal(world, ctx, me, horizon, reserve) {
            let r = self.trade_request(world, deal.commodity, deal.units, true);
            // Bought now, carried from the next action on.
            self.route = ctx.search.route(me.sector, deal.to);
            return Some(r);
        }
        if me.ship.cargo_used() > 0 {
            return self.head_for_buyer(world, ctx, me, horizon);
        }
        self.head_for_seller(world, ctx, me, horizon)
    }

    /// Off to the port within reach that pays best per jump for what is aboard (its buyer
    /// was filled up by others first, or it came from salvage).
    fn head_for_buyer(
        &mut self,
        world: &World,
        ctx: &mut Ctx,
        me: &Me,
        horizon: u32,
    ) -> Option<Request> {
        let ports = world.resource::<PortStates>();
        let mut best: Option<(i64, SectorId)> = None;
        for r in ctx.search.around(ctx.map, me.sector, horizon) {
            let Some(port) = ports.get(r.sector) else {
                continue;
            };
            for c in Commodity::ALL {
                let (i, have) = (c.index(), me.ship.cargo_of(c));
                let room = port.max_capacity[i] - port.stock[i];
                if have == 0 || port.side(c) != PortSide::Buys || room <= 0 {
                    continue;
                }
                let paid = port.displayed_price(c).unwrap_or(0) * have.min(room);
                let score = paid / i64::from(r.jumps + 1);
                if best.is_none_or(|(s, _)| score > s) {
                    best = Some((score, r.sector));
                }
            }
        }
        match best {
            Some((_, to)) => self.go(me, ctx, to),
            None => self.wander(me, ctx.map),
        }
    }

    /// Sells the first cargo the port here buys, as much as it has room for.
    pub(super) fn sell_here(&self, world: &World, me: &Me) -> Option<Request> {
        let port = world.resource::<PortStates>().get(me.sector)?;
        Commodity::ALL.into_iter().find_map(|c| {
            let i = c.index();
            let room = port.max_capacity[i] - port.stock[i];
            let have = me.ship.cargo_of(c);
            (have > 0 && port.side(c) == PortSide::Buys && room > 0)
                .then(|| self.trade_request(world, c, have.min(room), false))
        })
    }

    /// Off to a random port within reach that has something for sale.
    pub(super) fn head_for_seller(
        &mut self,
        world: &World,
        ctx: &mut Ctx,
        me: &Me,
        horizon: u32,
    ) -> Option<Request> {
        let ports = world.resource::<PortStates>();
        let sellers: Vec<SectorId> = ctx
            .search
            .around(ctx.map, me.sector, horizon)
            .iter()
            .filter(|r| ports.get(r.sector).is_some_and(sells_anything))
            .map(|r| r.sector)
            .collect();
        if sellers.is_empty() {
            return self.wander(me, ctx.map);
        }
        let to = sellers[self.rng.random_range(0..sellers.len())];
        self.go(me, ctx, to)
    }
}

fn sells_anything(port: &bang_components::economy::PortState) -> bool {
    Commodity::ALL
        .into_iter()
        .any(|c| port.side(c) == PortSide::Sells && port.stock[c.index()] > 0)
}

/// The purchase here whose resale within `horizon` jumps earns the most per jump travelled.
fn best_deal(world: &World, ctx: &mut Ctx, me: &Me, horizon: u32, reserve: i64) -> Option<Deal> {
    let ports = world.resource::<PortStates>();
    let port = ports.get(me.sector)?;
    let free = me.free_holds();
    // Half a tank's price always stays back: a trader that spent it all on cargo could not
    // buy the warp power to go on.
    let fuel = i64::from(me.ship.stats().warp_power_capacity) / 2
        * bang_components::economy::WARP_POWER_PRICE;
    let budget = me.credits - reserve - fuel;
    let fuel_per_jump =
        i64::from(me.ship.stats().turns_per_warp) * bang_components::economy::WARP_POWER_PRICE;
    if free <= 0 || budget <= 0 {
        return None;
    }
    let offers: Vec<(Commodity, i64, i64)> = Commodity::ALL
        .into_iter()
        .filter(|c| port.side(*c) == PortSide::Sells)
        .filter_map(|c| {
            let price = port.displayed_price(c)?;
            let units = free.min(port.stock[c.index()]).min(budget / price.max(1));
            (units > 0).then_some((c, price, units))
        })
        .collect();
    if offers.is_empty() {
        return None;
    }
    let mut best: Option<(i64, Deal)> = None;
    for r in ctx.search.around(ctx.map, me.sector, horizon) {
        let Some(buyer) = ports.get(r.sector) else {
            continue;
        };
        for &(c, cost, units) in &offers {
            let i = c.index();
            if buyer.side(c) != PortSide::Buys {
                continue;
            }
            let Some(paid) = buyer.displayed_price(c) else {
                continue;
            };
            let units = units.min(buyer.max_capacity[i] - buyer.stock[i]);
            // What the trip earns after the warp power it burns.
            let earned = (paid - cost) * units - i64::from(r.jumps) * fuel_per_jump;
            let score = earned / i64::from(r.jumps + 1);
            if score > 0 && best.as_ref().is_none_or(|(s, _)| score > *s) {
                let deal = Deal {
                    commodity: c,
                    units,
                    to: r.sector,
                };
                best = Some((score, deal));
            }
        }
    }
    best.map(|(_, d)| d)
}
