//! The ship table. Maxima and costs always come from here for a ship's stored type; a ship's
//! current values live on the character (see `character::Ship`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Every hull a character can fly. The wire name is the snake_case `ship_type`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ShipType {
    KestrelCourier,
    SparrowScout,
    WayfarerFreighter,
    AtlasHauler,
    CorsairRaider,
    PikeFrigate,
    BulwarkDestroyer,
    AegisCruiser,
    PioneerLifter,
    SovereignStarcruiser,
    EscapePod,
    /// The 2026-01 release's corporation-only hulls.
    AutonomousProbe,
    AutonomousLightHauler,
}

/// The static numbers of one hull (world.md 3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShipStats {
    pub ship_type: ShipType,
    pub wire_name: &'static str,
    pub display_name: &'static str,
    pub role: &'static str,
    pub price: u64,
    pub trade_in: u64,
    pub cargo_holds: u32,
    pub max_fighters: u32,
    pub max_shields: u32,
    pub turns_per_warp: u32,
    pub warp_power_capacity: u32,
    pub slots: u32,
    pub built_in: &'static [&'static str],
}

macro_rules! ships {
    ($($variant:ident $wire:literal $name:literal $role:literal $price:literal $trade:literal
       $holds:literal $fighters:literal $shields:literal $tpw:literal $warp:literal $slots:literal
       [$($feature:literal),*];)*) => {
        /// The 2026-01 release's table, in its order (the seed's differs only where
        /// `ShipCatalog` says).
        const RELEASE_2026: &[ShipStats] = &[$(ShipStats {
            ship_type: ShipType::$variant, wire_name: $wire, display_name: $name, role: $role,
            price: $price, trade_in: $trade, cargo_holds: $holds, max_fighters: $fighters,
            max_shields: $shields, turns_per_warp: $tpw, warp_power_capacity: $warp,
            slots: $slots, built_in: &[$($feature),*],
        }),*];
    };
}

ships! {
    KestrelCourier "kestrel_courier" "Kestrel Courier" "starter" 25000 15000 30 300 150 3 500 2 [];
    SparrowScout "sparrow_scout" "Sparrow Scout" "recon" 35000 21000 20 200 120 2 280 2 ["scanner"];
    WayfarerFreighter "wayfarer_freighter" "Wayfarer Freighter" "main trader" 120000 72000 120 600 300 3 800 3 [];
    AtlasHauler "atlas_hauler" "Atlas Hauler" "bulk cargo" 260000 156000 300 500 250 4 1600 3 [];
    CorsairRaider "corsair_raider" "Corsair Raider" "pirate" 180000 108000 60 1500 400 3 700 3 [];
    PikeFrigate "pike_frigate" "Pike Frigate" "assault" 300000 180000 70 2000 600 3 900 3 [];
    BulwarkDestroyer "bulwark_destroyer" "Bulwark Destroyer" "line combat" 450000 270000 80 4000 1200 4 1500 3 [];
    AegisCruiser "aegis_cruiser" "Aegis Cruiser" "control/escort" 700000 420000 90 3500 1000 3 1300 4 [];
    PioneerLifter "pioneer_lifter" "Pioneer Lifter" "logistics" 220000 132000 180 500 200 4 1400 3 [];
    SovereignStarcruiser "sovereign_starcruiser" "Sovereign Starcruiser" "flagship" 2500000 1500000 140 6500 2000 3 3000 5 ["transwarp"];
    EscapePod "escape_pod" "Escape Pod" "lifeboat" 0 0 0 0 0 1 800 0 ["indestructible"];
    AutonomousProbe "autonomous_probe" "Autonomous Probe" "autonomous" 1000 0 0 10 0 1 500 0 [];
    AutonomousLightHauler "autonomous_light_hauler" "Autonomous Light Hauler" "autonomous" 5000 0 20 10 0 5 500 0 [];
}

/// The seed's Kestrel: the one row where the seed's table differs (a 300-unit tank).
const SEED_KESTREL: ShipStats = ShipStats {
    warp_power_capacity: 300,
    ..RELEASE_2026[0]
};

/// The seed's eleven hulls.
const SEED_HULLS: usize = 11;

/// Credits per fighter at the shipyard (the 2026-01 release prices hulls and trade-ins with it).
pub const FIGHTER_PRICE: u64 = 50;

/// Which ship table a world flies: the seed's, or the 2026-01 release's (a 500-unit Kestrel tank,
/// two autonomous hulls, trade-in by hull and fighters aboard).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ShipCatalog {
    #[default]
    Seed,
    Release2026,
}

impl ShipCatalog {
    /// The hull's numbers in this table. The autonomous hulls are not in the seed's table; asked
    /// there, they answer with the release's row (nothing in a seed world can hold one).
    pub fn stats(self, ship_type: ShipType) -> &'static ShipStats {
        match (self, ship_type) {
            (ShipCatalog::Seed, ShipType::KestrelCourier) => &SEED_KESTREL,
            // The table is in declaration order, so the discriminant is the index.
            _ => &RELEASE_2026[ship_type as usize],
        }
    }

    /// Every hull of this table, in order.
    pub fn hulls(self) -> impl Iterator<Item = &'static ShipStats> {
        let count = match self {
            ShipCatalog::Seed => SEED_HULLS,
            ShipCatalog::Release2026 => RELEASE_2026.len(),
        };
        RELEASE_2026[..count]
            .iter()
            .map(move |s| self.stats(s.ship_type))
    }

    /// A requested `ship_type` among this table's hulls: case-insensitive, otherwise exact.
    pub fn parse_requested(self, text: &str) -> Option<ShipType> {
        let lower = text.to_lowercase();
        self.hulls()
            .find(|s| s.wire_name == lower)
            .map(|s| s.ship_type)
    }

    /// What a ship with `fighters` aboard fetches in trade (the 2026-01 release: the hull's price
    /// without its fighters, plus the fighters aboard at shipyard price; the seed: the table's
    /// fixed trade-in value).
    pub fn trade_in_value(self, ship_type: ShipType, fighters: i64) -> u64 {
        let s = self.stats(ship_type);
        match self {
            ShipCatalog::Seed => s.trade_in,
            ShipCatalog::Release2026 => {
                let aboard = fighters.clamp(0, s.max_fighters as i64) as u64;
                hull_price(s) + aboard * FIGHTER_PRICE
            }
        }
    }
}

/// A hull's price without its fighters.
fn hull_price(s: &ShipStats) -> u64 {
    s.price
        .saturating_sub(s.max_fighters as u64 * FIGHTER_PRICE)
}

impl ShipType {
    /// The starting hull of a new character.
    pub const DEFAULT: ShipType = ShipType::KestrelCourier;

    /// The hull's numbers in the seed's table (the sims and the seed's tools); a world's ships
    /// look theirs up in the world's catalog (`Ship::stats`).
    pub fn stats(self) -> &'static ShipStats {
        ShipCatalog::Seed.stats(self)
    }

    /// The same in every table.
    pub fn wire_name(self) -> &'static str {
        RELEASE_2026[self as usize].wire_name
    }

    /// Parses a requested `ship_type` among the seed's hulls (see `ShipCatalog::parse_requested`).
    pub fn parse_requested(text: &str) -> Option<ShipType> {
        ShipCatalog::Seed.parse_requested(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_indexed_by_discriminant() {
        for (i, stats) in ShipCatalog::Release2026.hulls().enumerate() {
            assert_eq!(stats.ship_type as usize, i);
            assert_eq!(ShipCatalog::Release2026.stats(stats.ship_type), stats);
            let json = serde_json::to_string(&stats.ship_type).unwrap();
            assert_eq!(json, format!("\"{}\"", stats.wire_name));
        }
        assert_eq!(ShipCatalog::Seed.hulls().count(), 11);
        assert_eq!(ShipCatalog::Release2026.hulls().count(), 13);
    }

    #[test]
    fn the_tables_differ_in_the_kestrel_tank_and_the_autonomous_hulls() {
        let (seed, release) = (ShipCatalog::Seed, ShipCatalog::Release2026);
        let k = ShipType::KestrelCourier;
        assert_eq!(seed.stats(k).warp_power_capacity, 300);
        assert_eq!(release.stats(k).warp_power_capacity, 500);
        assert_eq!(seed.parse_requested("autonomous_probe"), None);
        assert_eq!(
            release.parse_requested("autonomous_probe"),
            Some(ShipType::AutonomousProbe)
        );
        for t in seed.hulls().map(|s| s.ship_type).filter(|t| *t != k) {
            assert_eq!(seed.stats(t), release.stats(t));
        }
    }

    #[test]
    fn trade_in_follows_each_table() {
        let k = ShipType::KestrelCourier;
        assert_eq!(ShipCatalog::Seed.trade_in_value(k, 0), 15000);
        // The release: hull 25,000 - 300 x 50 = 10,000, plus the fighters aboard.
        assert_eq!(ShipCatalog::Release2026.trade_in_value(k, 300), 25000);
        assert_eq!(ShipCatalog::Release2026.trade_in_value(k, 100), 15000);
        assert_eq!(ShipCatalog::Release2026.trade_in_value(k, 9999), 25000);
        assert_eq!(
            ShipCatalog::Release2026.trade_in_value(ShipType::AutonomousProbe, 10),
            1000
        );
    }

    #[test]
    fn kestrel_and_pod_match_the_spec() {
        let k = ShipType::DEFAULT.stats();
        assert_eq!(
            (
                k.cargo_holds,
                k.max_fighters,
                k.max_shields,
                k.turns_per_warp,
                k.warp_power_capacity
            ),
            (30, 300, 150, 3, 300)
        );
        let p = ShipType::EscapePod.stats();
        assert_eq!(
            (
                p.cargo_holds,
                p.max_fighters,
                p.max_shields,
                p.turns_per_warp,
                p.warp_power_capacity
            ),
            (0, 0, 0, 1, 800)
        );
    }

    #[test]
    fn requested_names_are_case_insensitive_but_exact() {
        assert_eq!(
            ShipType::parse_requested("Kestrel_Courier"),
            Some(ShipType::KestrelCourier)
        );
        assert_eq!(ShipType::parse_requested("Kestrel Courier"), None);
        assert_eq!(
            ShipType::parse_requested("escape_pod"),
            Some(ShipType::EscapePod)
        );
    }
}
