//! The random numbers of one combat round: a fresh generator per (encounter seed, round), drawing
//! doubles in `[0, 1)`.
//!
//! Two kinds (see [`RngKind`]):
//! - [`RngKind::Reference`] reproduces the reference server bit for bit (spec `combat.md` §3.9): the
//!   generator is CPython's `random.Random(hash((base_seed or 0, round)))`, i.e. MT19937 seeded with
//!   `init_by_array` over the 32-bit words of the absolute value of CPython's 64-bit tuple hash, and
//!   each draw is Python's 53-bit `random()`.
//! - [`RngKind::ChaCha`] is bang's own: `ChaCha8Rng::seed_from_u64(base_seed as u64)` on stream
//!   `round`, each draw the top 53 bits of one `next_u64()` scaled by 2^-53, so every double in
//!   `[0, 1)` with a 2^-53 grid is equally likely. Portable and stable across platforms and
//!   processes (`rand_chacha` documents its output as reproducible).
//!
//! Both generators live inline (no box, no dynamic dispatch). The engine is monomorphised over
//! [`UnitDraws`], so a draw in its shot loop is a direct, inlinable call.
//!

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// Which random generator draws the rolls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RngKind {
    /// bang's: ChaCha8 seeded from the encounter seed, one stream per round.
    #[default]
    ChaCha,
    /// The reference's: CPython `random.Random(hash((base_seed, round)))` (MT19937), bit for bit.
    Reference,
}

/// 2^-53: scaling a 53-bit integer by it is exact, the same as dividing by 2^53.
const TWO_POW_MINUS_53: f64 = 1.0 / 9_007_199_254_740_992.0;

/// A source of the round's doubles in `[0, 1)`. Both generators' doubles are `k × 2^-53` for a
/// 53-bit integer `k`, so a caller comparing many draws with one probability can compare `k` with
/// [`grid_threshold`] instead, with the same result.
pub(crate) trait UnitDraws {
    /// The next `k`, below 2^53.
    fn next_k53(&mut self) -> u64;

    #[inline]
    fn next_f64(&mut self) -> f64 {
        // Below 2^53 the signed conversion is exact and one instruction (the unsigned one is not).
        (self.next_k53() as i64) as f64 * TWO_POW_MINUS_53
    }
}

/// The `t` with `k < t ⇔ k × 2^-53 < p` for every 53-bit `k` (`p × 2^53` is exact, and `k` is
/// an integer, so rounding up is the whole conversion; NaN and negatives give 0: never).
#[inline]
pub(crate) fn grid_threshold(p: f64) -> u64 {
    (p * 9_007_199_254_740_992.0).ceil() as u64
}

/// [`RngKind::Reference`]'s generator for one round.
///
/// [`RngKind::Reference`]: RngKind::Reference
pub(crate) struct ReferenceDraws(Mt19937);

impl ReferenceDraws {
    pub(crate) fn new(base_seed: i64, round: u32) -> ReferenceDraws {
        ReferenceDraws(Mt19937::python_seeded(reference_round_seed(
            base_seed, round,
        )))
    }
}

impl UnitDraws for ReferenceDraws {
    #[inline]
    fn next_k53(&mut self) -> u64 {
        self.0.python_k53()
    }

    #[inline]
    fn next_f64(&mut self) -> f64 {
        self.0.python_random()
    }
}

/// [`RngKind::ChaCha`]'s generator for one round.
///
/// [`RngKind::ChaCha`]: RngKind::ChaCha
pub(crate) struct ChaChaDraws(ChaCha8Rng);

impl ChaChaDraws {
    pub(crate) fn new(base_seed: i64, round: u32) -> ChaChaDraws {
        let mut rng = ChaCha8Rng::seed_from_u64(base_seed as u64);
        rng.set_stream(u64::from(round));
        ChaChaDraws(rng)
    }
}

impl UnitDraws for ChaChaDraws {
    #[inline]
    fn next_k53(&mut self) -> u64 {
        self.0.next_u64() >> 11
    }
}

/// Either generator behind one type, counting what it hands out: the tests compare the two draw
/// by draw with it. (The engine is generic over [`UnitDraws`] instead: no match per draw.)
#[cfg(test)]
pub(crate) struct RoundRng {
    source: Source,
    draws: u32,
}

#[cfg(test)]
#[expect(
    clippy::large_enum_variant,
    reason = "one per test round, built in place"
)]
enum Source {
    Reference(ReferenceDraws),
    ChaCha(ChaChaDraws),
}

#[cfg(test)]
impl RoundRng {
    /// The generator for round `round` of the encounter seeded `base_seed`.
    pub fn new(base_seed: i64, round: u32, kind: RngKind) -> RoundRng {
        let source = match kind {
            RngKind::Reference => Source::Reference(ReferenceDraws::new(base_seed, round)),
            RngKind::ChaCha => Source::ChaCha(ChaChaDraws::new(base_seed, round)),
        };
        RoundRng { source, draws: 0 }
    }

    /// The next double in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        self.draws = self.draws.saturating_add(1);
        match &mut self.source {
            Source::Reference(mt) => mt.next_f64(),
            Source::ChaCha(rng) => rng.next_f64(),
        }
    }

    /// How many doubles were drawn so far.
    pub fn draws(&self) -> u32 {
        self.draws
    }
}

/// The reference's per-round seed: CPython `hash((base_seed or 0, round))`. (A `base_seed` of 0
/// stands for the reference's null seed too, which it also maps to 0.)
pub fn reference_round_seed(base_seed: i64, round: u32) -> i64 {
    python_tuple_hash(&[base_seed, i64::from(round)])
}

/// The Mersenne prime CPython reduces integer hashes by.
const HASH_MODULUS: u64 = (1 << 61) - 1;

/// CPython's `hash(int)` on a 64-bit build, for any `i64`.
pub fn python_int_hash(n: i64) -> i64 {
    let reduced = (n.unsigned_abs() % HASH_MODULUS) as i64;
    let h = if n < 0 { -reduced } else { reduced };
    if h == -1 { -2 } else { h }
}

const XXPRIME_1: u64 = 11_400_714_785_074_694_791;
const XXPRIME_2: u64 = 14_029_467_366_897_019_727;
const XXPRIME_5: u64 = 2_870_177_450_012_600_261;

/// CPython's (3.8 and later, 64-bit) `hash()` of a tuple of ints.
pub fn python_tuple_hash(items: &[i64]) -> i64 {
    let mut acc = XXPRIME_5;
    for &item in items {
        let lane = python_int_hash(item) as u64;
        acc = acc.wrapping_add(lane.wrapping_mul(XXPRIME_2));
        acc = acc.rotate_left(31);
        acc = acc.wrapping_mul(XXPRIME_1);
    }
    acc = acc.wrapping_add((items.len() as u64) ^ (XXPRIME_5 ^ 3_527_539));
    if acc == u64::MAX {
        1_546_275_796
    } else {
        acc as i64
    }
}

const MT_N: usize = 624;
const MT_M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// `init_genrand(19650218)`, where every `init_by_array` starts: a constant, so computed at compile
/// time rather than once per round.
const INIT_GENRAND_19650218: [u32; MT_N] = {
    let mut state = [0u32; MT_N];
    state[0] = 19_650_218;
    let mut i = 1;
    while i < MT_N {
        let prev = state[i - 1];
        state[i] = 1_812_433_253u32
            .wrapping_mul(prev ^ (prev >> 30))
            .wrapping_add(i as u32);
        i += 1;
    }
    state
};

/// MT19937 as CPython's `random.Random` runs it.
pub struct Mt19937 {
    state: [u32; MT_N],
    index: usize,
}

impl Mt19937 {
    /// Seeded like `random.Random(seed)` for an int `seed`: the sign is dropped and the absolute
    /// value's 32-bit words, least significant first (at least one), feed `init_by_array`.
    pub fn python_seeded(seed: i64) -> Mt19937 {
        let magnitude = seed.unsigned_abs();
        let low = magnitude as u32;
        let high = (magnitude >> 32) as u32;
        if high == 0 {
            Mt19937::by_array([low])
        } else {
            Mt19937::by_array([low, high])
        }
    }

    /// The reference `init_by_array` for a key of `K` words (`1 <= K < MT_N`, so the key loop
    /// runs `MT_N` times). The reference's index wrap-arounds (`i` back to 1 after copying the
    /// last word to the first) fall at fixed steps, so they are unrolled out of the loops.
    fn by_array<const K: usize>(key: [u32; K]) -> Mt19937 {
        const { assert!(K >= 1 && K < MT_N) };
        // Step `t` of the key loop, with `j = t mod K`.
        let keyed = |word: u32, prev: u32, t: usize| {
            let j = t % K;
            (word ^ (prev ^ (prev >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32)
        };
        let mixed = |word: u32, prev: u32, i: usize| {
            (word ^ (prev ^ (prev >> 30)).wrapping_mul(1_566_083_941)).wrapping_sub(i as u32)
        };
        let mut s = INIT_GENRAND_19650218;
        // Key loop: steps 0..MT_N-1 write words 1..MT_N, then the wrap, then the last step writes
        // word 1 again.
        let mut prev = s[0];
        for (t, word) in s[1..].iter_mut().enumerate() {
            prev = keyed(*word, prev, t);
            *word = prev;
        }
        s[0] = prev;
        s[1] = keyed(s[1], prev, MT_N - 1);
        // Second loop (MT_N - 1 steps): words 2..MT_N, the wrap, then word 1.
        prev = s[1];
        for (i, word) in s.iter_mut().enumerate().skip(2) {
            prev = mixed(*word, prev, i);
            *word = prev;
        }
        s[0] = prev;
        s[1] = mixed(s[1], prev, 1);
        s[0] = 0x8000_0000;
        Mt19937 {
            state: s,
            index: MT_N,
        }
    }

    /// The next 624 words, in place (the reference's loop, split so no index wraps).
    #[inline(never)]
    fn twist(&mut self) {
        #[inline(always)]
        fn word(current: u32, next: u32, far: u32) -> u32 {
            let y = (current & UPPER_MASK) | (next & LOWER_MASK);
            far ^ (y >> 1) ^ ((y & 1).wrapping_neg() & MATRIX_A)
        }
        let s = &mut self.state;
        for k in 0..MT_N - MT_M {
            s[k] = word(s[k], s[k + 1], s[k + MT_M]);
        }
        for k in MT_N - MT_M..MT_N - 1 {
            s[k] = word(s[k], s[k + 1], s[k + MT_M - MT_N]);
        }
        s[MT_N - 1] = word(s[MT_N - 1], s[0], s[MT_M - 1]);
        self.index = 0;
    }

    /// The next tempered 32-bit output.
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        if self.index >= MT_N {
            self.twist();
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// Python's `random()`: 53 random bits from two outputs, as a double in `[0, 1)`.
    #[inline]
    /// The 53-bit integer behind [`Self::python_random`]: `(a >> 5) × 2^26 + (b >> 6)`.
    pub fn python_k53(&mut self) -> u64 {
        let a = u64::from(self.next_u32() >> 5);
        let b = u64::from(self.next_u32() >> 6);
        (a << 26) | b
    }

    pub fn python_random(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        // Exact in doubles (a 53-bit integer), so scaling by 2^-53 equals Python's division.
        (a * 67_108_864.0 + b) * TWO_POW_MINUS_53
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(a: i64, b: i64) -> i64 {
        python_tuple_hash(&[a, b])
    }

    #[test]
    fn tuple_hash_matches_cpython() {
        assert_eq!(h(0, 1), -1_950_498_447_580_522_560);
        assert_eq!(h((1 << 61) - 1, 1), -1_950_498_447_580_522_560);
        assert_eq!(reference_round_seed(0, 1), -1_950_498_447_580_522_560);
        assert_eq!(h(1234, 1), -4_096_173_648_647_126_692);
        assert_eq!(h(-5, 3), -4_407_243_991_241_898_740);
        assert_eq!(h(-1, 1), 9_083_154_820_904_886_697);
        assert_eq!(h(1 << 61, 2), -3_550_055_125_485_641_917);
    }

    #[test]
    fn round_seeds_of_the_golden_vectors() {
        // Spec §12: V1, V2, V3, V6, V7, V15.
        assert_eq!(reference_round_seed(1234, 2), 2_411_467_107_454_871_733);
        assert_eq!(reference_round_seed(42, 3), -8_684_333_065_875_421_337);
        assert_eq!(reference_round_seed(1, 1), 8_389_048_192_121_911_274);
        assert_eq!(reference_round_seed(1, 2), -3_550_055_125_485_641_917);
        assert_eq!(reference_round_seed(52, 3), 790_509_290_529_389_715);
    }

    #[test]
    fn int_hash_edges() {
        assert_eq!(python_int_hash(-1), -2);
        assert_eq!(python_int_hash(-2), -2);
        assert_eq!(python_int_hash(1 << 61), 1);
        assert_eq!(python_int_hash(i64::MIN), -4);
        assert_eq!(python_int_hash(i64::MAX), 3);
    }

    #[test]
    fn python_random_matches_cpython() {
        let mut mt = Mt19937::python_seeded(0);
        assert_eq!(mt.python_random(), 0.844_421_851_525_048_1);
        assert_eq!(mt.python_random(), 0.757_954_402_940_302_5);
        let mut mt = Mt19937::python_seeded(-4_096_173_648_647_126_692);
        assert_eq!(mt.python_random(), 0.331_849_907_973_384_3);
    }

    #[test]
    fn reference_round_rng_first_draws() {
        let mut rng = RoundRng::new(1234, 1, RngKind::Reference);
        assert_eq!(rng.next_f64(), 0.331_849_907_973_384_3);
        assert_eq!(rng.next_f64(), 0.791_623_412_102_751_8);
        assert_eq!(rng.next_f64(), 0.877_684_403_557_831_3);
        assert_eq!(rng.draws(), 3);
        let mut rng = RoundRng::new(1, 2, RngKind::Reference);
        assert_eq!(rng.next_f64(), 0.994_205_465_508_036_2);
        assert_eq!(rng.next_f64(), 0.125_302_414_466_676_34);
    }

    fn chacha_draws(seed: i64, round: u32) -> Vec<f64> {
        let mut rng = RoundRng::new(seed, round, RngKind::ChaCha);
        (0..16).map(|_| rng.next_f64()).collect()
    }

    #[test]
    fn chacha_is_deterministic_per_seed_and_round() {
        for seed in [0, 1, -1, 1234, i64::MIN, i64::MAX] {
            for round in [1, 2, 1000] {
                let a = chacha_draws(seed, round);
                assert_eq!(a, chacha_draws(seed, round));
                assert!(a.iter().all(|u| (0.0..1.0).contains(u)));
            }
            assert_ne!(chacha_draws(seed, 1), chacha_draws(seed, 2));
            assert_ne!(chacha_draws(seed, 2), chacha_draws(seed, 3));
        }
        assert_ne!(chacha_draws(1, 1), chacha_draws(2, 1));
    }

    #[test]
    fn draws_stay_in_unit_interval() {
        for kind in [RngKind::Reference, RngKind::ChaCha] {
            let mut rng = RoundRng::new(99, 7, kind);
            for _ in 0..10_000 {
                let u = rng.next_f64();
                assert!((0.0..1.0).contains(&u));
            }
            assert_eq!(rng.draws(), 10_000);
        }
    }

    /// First draws and a checksum of 5000 (several MT twists, many ChaCha blocks) per generator,
    /// pinned from the original boxed implementation (the Reference ones equal CPython's).
    #[test]
    fn draws_are_pinned() {
        let pins: [(RngKind, i64, u32, [f64; 3], u64); 8] = [
            (
                RngKind::Reference,
                0,
                1,
                [
                    0.6530580220413663,
                    0.5109083674124909,
                    0.0024877555329230194,
                ],
                0x25f9_3c09_8311_a274,
            ),
            (
                RngKind::Reference,
                1234,
                2,
                [0.8659339681777345, 0.936020625056528, 0.902324955978402],
                0x6e6a_612d_5d5b_7f78,
            ),
            (
                RngKind::Reference,
                -7,
                900,
                [0.0200897439779697, 0.5189623161531804, 0.3226213791314134],
                0xbc19_5e48_7c2f_7a95,
            ),
            (
                RngKind::Reference,
                i64::MIN,
                3,
                [0.61689860794213, 0.0730189824141887, 0.7267702063017883],
                0x44de_2172_15fd_5e51,
            ),
            (
                RngKind::ChaCha,
                0,
                1,
                [0.755531016687046, 0.7381167640990809, 0.5899972116915172],
                0x9441_0d12_4780_6637,
            ),
            (
                RngKind::ChaCha,
                1234,
                2,
                [0.6390375531053984, 0.8433399444031913, 0.7388263945000996],
                0xc580_96f2_0022_e880,
            ),
            (
                RngKind::ChaCha,
                -7,
                900,
                [0.04993211437060452, 0.896249968024676, 0.6530108225567667],
                0x361e_4ab8_bc93_f31c,
            ),
            (
                RngKind::ChaCha,
                i64::MIN,
                3,
                [0.28142821268087914, 0.7913891523981064, 0.8832043977698382],
                0x7e72_b819_15fd_50b8,
            ),
        ];
        for (kind, seed, round, first, checksum) in pins {
            let mut rng = RoundRng::new(seed, round, kind);
            let mut acc = 0u64;
            for i in 0..5000 {
                let u = rng.next_f64();
                if let Some(&expected) = first.get(i) {
                    assert_eq!(u, expected, "{kind:?} {seed} {round} draw {i}");
                }
                acc = acc.rotate_left(7) ^ u.to_bits();
            }
            assert_eq!(acc, checksum, "{kind:?} {seed} {round}");
        }
    }

    /// The ChaCha draw is its definition: the top 53 bits of `next_u64()` divided by 2^53.
    #[test]
    fn chacha_draw_matches_its_definition() {
        for (seed, round) in [(0i64, 1u32), (-1, 7), (i64::MAX, 65_000)] {
            let mut plain = ChaCha8Rng::seed_from_u64(seed as u64);
            plain.set_stream(u64::from(round));
            let mut rng = RoundRng::new(seed, round, RngKind::ChaCha);
            for _ in 0..1000 {
                let expected = (plain.next_u64() >> 11) as f64 / 9_007_199_254_740_992.0;
                assert_eq!(rng.next_f64().to_bits(), expected.to_bits());
            }
        }
    }
}
