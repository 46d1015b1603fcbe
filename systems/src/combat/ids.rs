//! Ids and seeds for new encounters and salvage containers.

use bevy_ecs::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A seeded ChaCha stream: the server seeds it from its start time, tests and the sim runner from
/// a fixed seed, so the same inputs make the same combat ids and encounter seeds.
#[derive(Resource, Debug)]
pub struct CombatIds(ChaCha8Rng);

impl CombatIds {
    pub fn seeded(seed: u64) -> CombatIds {
        CombatIds(ChaCha8Rng::seed_from_u64(seed))
    }

    /// 32 lowercase hex characters, the reference's id form.
    pub fn next_id(&mut self) -> String {
        format!(
            "{:016x}{:016x}",
            self.0.random::<u64>(),
            self.0.random::<u64>()
        )
    }

    /// The same id in the UUID form that release gave registry and corporation ids.
    pub fn next_uuid(&mut self) -> String {
        let hex = self.next_id();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )
    }

    /// Moves past one id without formatting it (what [`Self::next_id`] draws).
    pub fn skip_id(&mut self) {
        self.0.random::<u64>();
        self.0.random::<u64>();
    }

    /// A new encounter's seed for its round generator.
    pub fn next_seed(&mut self) -> i64 {
        self.0.random::<i64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_32_lowercase_hex_and_reproducible() {
        let mut a = CombatIds::seeded(7);
        let mut b = CombatIds::seeded(7);
        let id = a.next_id();
        assert_eq!(id.len(), 32);
        assert!(
            id.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(id, b.next_id());
        assert_ne!(a.next_id(), id);
    }
}
