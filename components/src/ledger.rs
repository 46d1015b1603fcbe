//! Where credits enter the game and where they leave it. Credits moving between holders (a toll,
//! a bank deposit, a transfer, salvage changing hands) are not flows: only what creates or
//! destroys them is, so the credits held anywhere always equal everything minted less everything
//! burned. The whole-world sim reports these flows and tests that balance.

use bevy_ecs::prelude::Resource;
use serde::Serialize;
use std::collections::BTreeMap;

/// A cause of credits appearing (minted) or vanishing (burned).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditFlow {
    /// A new character's (or a new corporation ship's) purse.
    StartingCredits,
    /// Credits set by hand: `join`'s `credits` in open play or for an operator, a character
    /// seeded from the world's files, an operator's `character.modify`.
    Granted,
    /// Ports paying for what they buy.
    PortSales,
    /// Ports taking payment for what they sell.
    PortPurchases,
    WarpPower,
    Fighters,
    /// Hulls bought (net of the trade-in), for oneself or a corporation.
    Ships,
    CorporationFounding,
    /// Salvage left to expire with credits in it.
    SalvageExpired,
    /// A character deleted (or a disbanded corporation's ship) with credits aboard or banked.
    CharacterRemoved,
    /// A destroyed garrison's toll bank with nobody left to inherit it.
    Unclaimed,
}

impl CreditFlow {
    pub const ALL: [CreditFlow; 11] = [
        CreditFlow::StartingCredits,
        CreditFlow::Granted,
        CreditFlow::PortSales,
        CreditFlow::PortPurchases,
        CreditFlow::WarpPower,
        CreditFlow::Fighters,
        CreditFlow::Ships,
        CreditFlow::CorporationFounding,
        CreditFlow::SalvageExpired,
        CreditFlow::CharacterRemoved,
        CreditFlow::Unclaimed,
    ];

    /// The flow's name in reports (as serialised).
    pub fn name(self) -> &'static str {
        match self {
            CreditFlow::StartingCredits => "starting_credits",
            CreditFlow::Granted => "granted",
            CreditFlow::PortSales => "port_sales",
            CreditFlow::PortPurchases => "port_purchases",
            CreditFlow::WarpPower => "warp_power",
            CreditFlow::Fighters => "fighters",
            CreditFlow::Ships => "ships",
            CreditFlow::CorporationFounding => "corporation_founding",
            CreditFlow::SalvageExpired => "salvage_expired",
            CreditFlow::CharacterRemoved => "character_removed",
            CreditFlow::Unclaimed => "unclaimed",
        }
    }
}

/// Credits minted and burned since the World began, by flow.
#[derive(Resource, Debug, Clone, Default, PartialEq, Serialize)]
pub struct CreditLedger {
    pub minted: BTreeMap<CreditFlow, i64>,
    pub burned: BTreeMap<CreditFlow, i64>,
}

impl CreditLedger {
    /// Records `delta` credits created (positive) or destroyed (negative) by `flow`.
    pub fn record(&mut self, flow: CreditFlow, delta: i64) {
        if delta > 0 {
            *self.minted.entry(flow).or_default() += delta;
        } else if delta < 0 {
            *self.burned.entry(flow).or_default() -= delta;
        }
    }

    /// Everything minted less everything burned.
    pub fn net(&self) -> i64 {
        self.minted.values().sum::<i64>() - self.burned.values().sum::<i64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flows_add_up_by_sign() {
        let mut l = CreditLedger::default();
        l.record(CreditFlow::PortSales, 500);
        l.record(CreditFlow::PortPurchases, -200);
        l.record(CreditFlow::PortSales, 0);
        l.record(CreditFlow::Granted, -50);
        assert_eq!(l.minted[&CreditFlow::PortSales], 500);
        assert_eq!(l.burned[&CreditFlow::PortPurchases], 200);
        assert_eq!(l.burned[&CreditFlow::Granted], 50);
        assert_eq!(l.net(), 250);
        assert_eq!(CreditFlow::ALL.map(CreditFlow::name).len(), 11);
    }
}
