//! World operations on the credit ledger: recording what a rule minted or burned, setting a
//! purse by hand (the difference is recorded), and counting every credit held in the World.

use bang_components::character::{Bank, Credits};
use bang_components::combat::{Garrison, Salvage};
use bang_components::ledger::{CreditFlow, CreditLedger};
use bevy_ecs::prelude::*;

/// Records `delta` credits created (positive) or destroyed (negative) by `flow`.
pub fn record(world: &mut World, flow: CreditFlow, delta: i64) {
    if delta != 0
        && let Some(mut ledger) = world.get_resource_mut::<CreditLedger>()
    {
        ledger.record(flow, delta);
    }
}

/// Sets an entity's credits on hand, recording the change as `flow`.
pub fn set_credits(world: &mut World, entity: Entity, credits: i64, flow: CreditFlow) {
    let before = world.get::<Credits>(entity).map_or(0, |c| c.0);
    world.entity_mut(entity).insert(Credits(credits));
    record(world, flow, credits - before);
}

/// Sets an entity's bank balance, recording the change as `flow`.
pub fn set_bank(world: &mut World, entity: Entity, bank: i64, flow: CreditFlow) {
    let before = world.get::<Bank>(entity).map_or(0, |b| b.0);
    world.entity_mut(entity).insert(Bank(bank));
    record(world, flow, bank - before);
}

/// Where the World's credits are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Holdings {
    pub on_hand: i64,
    pub banked: i64,
    /// Tolls collected and not yet taken by the garrisons' owners.
    pub in_garrisons: i64,
    pub in_salvage: i64,
}

impl Holdings {
    pub fn total(&self) -> i64 {
        self.on_hand + self.banked + self.in_garrisons + self.in_salvage
    }
}

/// Every credit held in the World.
pub fn holdings(world: &mut World) -> Holdings {
    Holdings {
        on_hand: world.query::<&Credits>().iter(world).map(|c| c.0).sum(),
        banked: world.query::<&Bank>().iter(world).map(|b| b.0).sum(),
        in_garrisons: world
            .query::<&Garrison>()
            .iter(world)
            .map(|g| g.toll_balance)
            .sum(),
        in_salvage: world
            .query::<&Salvage>()
            .iter(world)
            .map(|s| s.credits)
            .sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::{T0, ring, setup, world};
    use bang_components::combat::SalvageIndex;
    use bang_components::ships::ShipType;

    fn balanced(w: &mut World) -> bool {
        holdings(w).total() == w.resource::<CreditLedger>().net()
    }

    #[test]
    fn purses_and_expired_salvage_are_recorded_and_an_unrecorded_change_shows() {
        let mut w = world(setup(ring(2)));
        let a = crate::characters::spawn_character(&mut w, "a", ShipType::DEFAULT, 1000, 0, T0);
        assert!(balanced(&mut w));
        let salvage = Salvage {
            salvage_id: "s1".into(),
            sector: 1,
            victor_id: None,
            created_at: T0,
            expires_at: T0,
            cargo: Default::default(),
            scrap: 0,
            credits: 300,
            claimed: false,
            claimed_by: None,
            loser: "b".into(),
            ship_type: ShipType::DEFAULT,
            combat_id: "c1".into(),
        };
        // The loser's credits go into the container: a transfer, nothing recorded.
        w.get_mut::<Credits>(a).unwrap().0 -= 300;
        let s = w.spawn(salvage).id();
        w.resource_mut::<SalvageIndex>()
            .by_id
            .insert("s1".into(), s);
        assert_eq!(holdings(&mut w).in_salvage, 300);
        assert!(balanced(&mut w));
        crate::combat::salvage::expire_salvage(&mut w);
        assert_eq!(
            w.resource::<CreditLedger>().burned[&CreditFlow::SalvageExpired],
            300
        );
        assert_eq!(holdings(&mut w).total(), 700);
        assert!(balanced(&mut w));
        w.get_mut::<Credits>(a).unwrap().0 += 5;
        assert!(!balanced(&mut w), "a change no rule recorded must show");
    }
}
