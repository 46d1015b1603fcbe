//! Commodities, live port inventories and the pricing formula (world.md 6).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The three tradeable goods, in code order (FO, OG, EQ).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Commodity {
    FuelOre,
    Organics,
    Equipment,
}

impl Commodity {
    pub const ALL: [Commodity; 3] = [
        Commodity::FuelOre,
        Commodity::Organics,
        Commodity::Equipment,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// The long name used on the wire and in cargo.
    pub fn wire_name(self) -> &'static str {
        ["fuel_ore", "organics", "equipment"][self.index()]
    }

    /// The two-letter key used in port files.
    pub fn key(self) -> &'static str {
        ["FO", "OG", "EQ"][self.index()]
    }

    pub fn base_price(self) -> f64 {
        [25.0, 10.0, 40.0][self.index()]
    }

    pub fn from_wire(name: &str) -> Option<Commodity> {
        Commodity::ALL.into_iter().find(|c| c.wire_name() == name)
    }
}

/// What a port does with one commodity, from its code letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortSide {
    /// `S`: the port sells it to players.
    Sells,
    /// `B`: the port buys it from players.
    Buys,
}

/// The price bands of the reference (world.md 6.3); kept as constants because clients rely on them.
pub const SELL_MIN: f64 = 0.75;
pub const SELL_MAX: f64 = 1.10;
pub const BUY_MIN: f64 = 0.90;
pub const BUY_MAX: f64 = 1.30;

/// The live inventory of one port. `stock` is units on hand for every commodity; for a bought
/// commodity `max_capacity - stock` is how much more the port will take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortState {
    pub class: u8,
    pub code: String,
    pub stock: [i64; 3],
    pub max_capacity: [i64; 3],
}

impl PortState {
    /// The side of a commodity from the code letter. Letters other than `B` count as selling,
    /// as the reference displays them.
    pub fn side(&self, commodity: Commodity) -> PortSide {
        match self.code.as_bytes().get(commodity.index()) {
            Some(b'B') => PortSide::Buys,
            _ => PortSide::Sells,
        }
    }

    /// The price shown to players in sector contents: the selling price of a sold commodity with
    /// capacity, the buying price of a bought one with room left, else `None`.
    pub fn displayed_price(&self, commodity: Commodity) -> Option<i64> {
        let i = commodity.index();
        let (stock, cap) = (self.stock[i], self.max_capacity[i]);
        match self.side(commodity) {
            PortSide::Sells if cap > 0 => price(commodity, PortSide::Sells, stock, cap),
            PortSide::Buys if cap > 0 && stock < cap => {
                price(commodity, PortSide::Buys, stock, cap)
            }
            _ => None,
        }
    }
}

/// The warp power depot: where it is and what a unit costs (world.md 7.1).
pub const WARP_DEPOT_SECTOR: u32 = 0;
pub const WARP_POWER_PRICE: i64 = 2;
pub const WARP_DEPOT_NOTE: &str = "Special warp power depot - recharge your ship";

/// Every port's live inventory, indexed by sector (`None` where a sector has no port). Every
/// change goes through [`PortStates::update`], which remembers the sector for the store: there is
/// no list for a rule to forget to push to.
#[derive(bevy_ecs::prelude::Resource, Debug, Clone, Default)]
pub struct PortStates {
    ports: Vec<Option<PortState>>,
    /// Sectors whose port changed since the store last took them.
    unsaved: Vec<u32>,
}

impl PortStates {
    /// The ports as the universe defines them, none of them changed yet.
    pub fn new(ports: Vec<Option<PortState>>) -> PortStates {
        PortStates {
            ports,
            unsaved: Vec::new(),
        }
    }

    pub fn get(&self, sector: u32) -> Option<&PortState> {
        self.ports.get(sector as usize).and_then(|p| p.as_ref())
    }

    /// Every sector's port, in sector order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &PortState)> {
        self.ports
            .iter()
            .enumerate()
            .filter_map(|(s, p)| p.as_ref().map(|p| (s as u32, p)))
    }

    /// Changes the port in `sector`, if it has one; `change` says whether it changed anything,
    /// and a changed port is saved with the update.
    pub fn update<R>(
        &mut self,
        sector: u32,
        change: impl FnOnce(&mut PortState) -> (bool, R),
    ) -> Option<R> {
        let port = self.ports.get_mut(sector as usize)?.as_mut()?;
        let (changed, out) = change(port);
        if changed && !self.unsaved.contains(&sector) {
            self.unsaved.push(sector);
        }
        Some(out)
    }

    /// Every sector that has a port, for [`PortStates::update`].
    pub fn sectors(&self) -> Vec<u32> {
        self.iter().map(|(s, _)| s).collect()
    }

    /// Sets a port's stock as the store had it (not a change to save again).
    pub fn restore(&mut self, sector: u32, stock: [i64; 3]) -> bool {
        match self.ports.get_mut(sector as usize).and_then(|p| p.as_mut()) {
            Some(port) => {
                port.stock = stock;
                true
            }
            None => false,
        }
    }

    /// The sectors changed since the last call, in sector order.
    pub fn take_unsaved(&mut self) -> Vec<u32> {
        let mut sectors = std::mem::take(&mut self.unsaved);
        sectors.sort_unstable();
        sectors
    }
}

/// The unit price of a trade at a port with `stock` of `max_capacity` on hand, rounded half to
/// even after binary64 arithmetic in the reference's order. `None` where the reference raises
/// (capacity ≤ 0, stock above capacity).
pub fn price(commodity: Commodity, side: PortSide, stock: i64, max_capacity: i64) -> Option<i64> {
    if max_capacity <= 0 || stock > max_capacity || stock < 0 {
        return None;
    }
    let fill = 1.0 - stock as f64 / max_capacity as f64;
    let (lo, hi) = match side {
        PortSide::Sells => (SELL_MIN, SELL_MAX),
        PortSide::Buys => (BUY_MIN, BUY_MAX),
    };
    let multiplier = lo + (hi - lo) * fill.sqrt();
    Some((commodity.base_price() * multiplier).round_ties_even() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(stock: i64) -> Option<PortState> {
        Some(PortState {
            class: 1,
            code: "BBS".into(),
            stock: [stock; 3],
            max_capacity: [1000; 3],
        })
    }

    #[test]
    fn only_ports_that_changed_are_left_for_the_store_once_each_in_sector_order() {
        let mut ports = PortStates::new(vec![port(10), None, port(20), port(30)]);
        assert_eq!(ports.sectors(), vec![0, 2, 3]);
        assert_eq!(ports.update(1, |_| (true, ())), None, "no port in sector 1");
        ports.update(3, |p| {
            p.stock[0] = 31;
            (true, ())
        });
        ports.update(2, |_| (false, ()));
        ports.update(0, |p| {
            p.stock[1] = 11;
            (true, ())
        });
        ports.update(3, |p| {
            p.stock[0] = 32;
            (true, ())
        });
        assert_eq!(ports.take_unsaved(), vec![0, 3]);
        assert_eq!(ports.get(3).unwrap().stock[0], 32);
        assert!(ports.take_unsaved().is_empty(), "taken once");
        assert!(ports.restore(2, [1, 2, 3]));
        assert!(!ports.restore(1, [1, 2, 3]));
        assert!(
            ports.take_unsaved().is_empty(),
            "a restored port is not a change"
        );
    }

    const STOCKS: [i64; 14] = [
        0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 950, 990, 999, 1000,
    ];

    fn row(c: Commodity, side: PortSide) -> Vec<i64> {
        STOCKS
            .iter()
            .map(|&s| price(c, side, s, 1000).unwrap())
            .collect()
    }

    #[test]
    fn golden_price_table() {
        use Commodity::*;
        use PortSide::*;
        assert_eq!(
            row(FuelOre, Sells),
            [28, 27, 27, 26, 26, 25, 24, 24, 23, 22, 21, 20, 19, 19]
        );
        assert_eq!(
            row(Organics, Sells),
            [11, 11, 11, 10, 10, 10, 10, 9, 9, 9, 8, 8, 8, 8]
        );
        assert_eq!(
            row(Equipment, Sells),
            [44, 43, 43, 42, 41, 40, 39, 38, 36, 34, 33, 31, 30, 30]
        );
        assert_eq!(
            row(FuelOre, Buys),
            [32, 32, 31, 31, 30, 30, 29, 28, 27, 26, 25, 24, 23, 22]
        );
        assert_eq!(
            row(Organics, Buys),
            [13, 13, 13, 12, 12, 12, 12, 11, 11, 10, 10, 9, 9, 9]
        );
        assert_eq!(
            row(Equipment, Buys),
            [52, 51, 50, 49, 48, 47, 46, 45, 43, 41, 40, 38, 37, 36]
        );
    }

    #[test]
    fn impossible_inventories_have_no_price() {
        assert_eq!(price(Commodity::FuelOre, PortSide::Sells, 0, 0), None);
        assert_eq!(price(Commodity::FuelOre, PortSide::Sells, 1001, 1000), None);
    }

    #[test]
    fn displayed_prices_hide_full_buyers() {
        let port = PortState {
            class: 1,
            code: "BBS".into(),
            stock: [1000, 300, 700],
            max_capacity: [1000, 1000, 1000],
        };
        assert_eq!(port.displayed_price(Commodity::FuelOre), None);
        assert_eq!(port.displayed_price(Commodity::Organics), Some(12));
        assert_eq!(port.displayed_price(Commodity::Equipment), Some(38));
    }
}
