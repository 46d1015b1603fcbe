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
        /// The table, in the reference's order.
        pub const SHIPS: &[ShipStats] = &[$(ShipStats {
            ship_type: ShipType::$variant, wire_name: $wire, display_name: $name, role: $role,
            price: $price, trade_in: $trade, cargo_holds: $holds, max_fighters: $fighters,
            max_shields: $shields, turns_per_warp: $tpw, warp_power_capacity: $warp,
            slots: $slots, built_in: &[$($feature),*],
        }),*];
    };
}

ships! {
    KestrelCourier "kestrel_courier" "Kestrel Courier" "starter" 25000 15000 30 300 150 3 300 2 [];
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
}

impl ShipType {
    /// The starting hull of a new character.
    pub const DEFAULT: ShipType = ShipType::KestrelCourier;

    pub fn stats(self) -> &'static ShipStats {
        // The table is in declaration order, so the discriminant is the index.
        &SHIPS[self as usize]
    }

    pub fn wire_name(self) -> &'static str {
        self.stats().wire_name
    }

    /// Parses a requested `ship_type` the way `join` accepts it: case-insensitive, otherwise exact.
    pub fn parse_requested(text: &str) -> Option<ShipType> {
        let lower = text.to_lowercase();
        SHIPS
            .iter()
            .find(|s| s.wire_name == lower)
            .map(|s| s.ship_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_indexed_by_discriminant() {
        for (i, stats) in SHIPS.iter().enumerate() {
            assert_eq!(stats.ship_type as usize, i);
            assert_eq!(stats.ship_type.stats(), stats);
            let json = serde_json::to_string(&stats.ship_type).unwrap();
            assert_eq!(json, format!("\"{}\"", stats.wire_name));
        }
        assert_eq!(SHIPS.len(), 11);
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
