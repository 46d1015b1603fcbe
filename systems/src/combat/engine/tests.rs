//! Engine unit tests: two spec vectors inline, the balance knobs, and properties over random
//! rounds. The full golden set runs in the root package's `tests/golden.rs`.

use super::*;
use rand_chacha::ChaCha8Rng;

mod oracle;
use rand_chacha::rand_core::{Rng, SeedableRng};

fn fighter(id: &str, fighters: i64, shields: i64, tpw: i64) -> Fighter {
    Fighter {
        id: id.into(),
        fighters,
        shields,
        turns_per_warp: tpw,
    }
}

fn attack(commit: i64, target: &str) -> RoundAction {
    RoundAction {
        action: CombatAction::Attack,
        commit,
        target: Some(target.into()),
        destination: None,
        timed_out: false,
    }
}

fn flee(destination: u32) -> RoundAction {
    RoundAction {
        action: CombatAction::Flee,
        destination: Some(destination),
        ..RoundAction::brace()
    }
}

fn actions(list: &[(&str, RoundAction)]) -> BTreeMap<String, RoundAction> {
    list.iter()
        .map(|(id, a)| (id.to_string(), a.clone()))
        .collect()
}

fn map<T: Clone>(list: &[(&str, T)]) -> BTreeMap<String, T> {
    list.iter()
        .map(|(id, v)| (id.to_string(), v.clone()))
        .collect()
}

fn reference(
    parts: &[Fighter],
    acts: &BTreeMap<String, RoundAction>,
    seed: i64,
    round: u32,
) -> RoundOutcome {
    resolve_round(
        parts,
        acts,
        seed,
        round,
        RngKind::Reference,
        &CombatBalance::default(),
    )
}

#[test]
fn spec_v1_duel_both_attack() {
    let parts = [fighter("beta", 300, 150, 3), fighter("alpha", 300, 150, 3)];
    let acts = actions(&[("alpha", attack(50, "beta")), ("beta", attack(40, "alpha"))]);
    let out = reference(&parts, &acts, 1234, 1);
    assert_eq!(out.losses.hits, map(&[("alpha", 20), ("beta", 15)]));
    assert_eq!(
        out.losses.offensive_losses,
        map(&[("alpha", 30), ("beta", 25)])
    );
    assert_eq!(
        out.losses.defensive_losses,
        map(&[("alpha", 15), ("beta", 20)])
    );
    assert_eq!(out.losses.shield_loss, map(&[("alpha", 8), ("beta", 10)]));
    assert_eq!(
        out.standing.fighters_remaining,
        map(&[("alpha", 255), ("beta", 255)])
    );
    assert_eq!(
        out.standing.shields_remaining,
        map(&[("alpha", 142), ("beta", 140)])
    );
    assert_eq!(
        out.standing.flee_results,
        map(&[("alpha", false), ("beta", false)])
    );
    assert_eq!(out.end_state, None);
    assert_eq!(out.draws, 90);
}

#[test]
fn spec_v14_two_fleers() {
    let parts = [
        fighter("a", 100, 0, 4),
        fighter("b", 100, 0, 2),
        fighter("c", 150, 0, 3),
    ];
    let acts = actions(&[("a", flee(1)), ("b", flee(2)), ("c", RoundAction::brace())]);
    let out = reference(&parts, &acts, 77, 1);
    assert_eq!(
        out.standing.flee_results,
        map(&[("a", false), ("b", true), ("c", false)])
    );
    assert_eq!(out.end_state, Some(FightEnd::Fled("b".into())));
    assert_eq!(out.draws, 2);
    assert_eq!(out.effective_actions["a"], flee(1));
}

#[test]
fn normalisation_and_missing_actions() {
    let parts = [
        fighter("a", 10, 0, 3),
        fighter("b", 10, 0, 3),
        fighter("c", 10, 0, 3),
    ];
    let acts = actions(&[
        ("a", attack(50, "b")),
        ("b", attack(5, "b")),
        ("x", attack(5, "a")),
    ]);
    let out = reference(&parts, &acts, 3, 1);
    assert_eq!(
        out.effective_actions["a"].commit, 10,
        "commit clamped to fighters"
    );
    assert_eq!(
        out.effective_actions["b"],
        RoundAction::brace(),
        "self-attack is a brace"
    );
    assert_eq!(out.effective_actions["c"], RoundAction::timed_out());
    assert!(
        !out.losses.hits.contains_key("x"),
        "a non-participant's action is ignored"
    );
}

#[test]
fn balance_knobs_drive_the_hit_chance() {
    let parts = [fighter("a", 50, 0, 3), fighter("b", 50, 0, 3)];
    let acts = actions(&[("a", attack(20, "b")), ("b", RoundAction::brace())]);
    let always = CombatBalance {
        min_hit: 1.0,
        max_hit: 1.0,
        ..CombatBalance::default()
    };
    let out = resolve_round(&parts, &acts, 5, 1, RngKind::ChaCha, &always);
    assert_eq!(
        (out.losses.hits["a"], out.losses.offensive_losses["a"]),
        (20, 0)
    );
    assert_eq!(out.losses.shield_loss["b"], 8, "ceil(ceil(20 × 0.5) × 0.8)");
    let never = CombatBalance {
        min_hit: 0.0,
        max_hit: 0.0,
        ..CombatBalance::default()
    };
    let out = resolve_round(&parts, &acts, 5, 1, RngKind::ChaCha, &never);
    assert_eq!(
        (out.losses.hits["a"], out.losses.offensive_losses["a"]),
        (0, 20)
    );
}

/// A random round: 1–5 participants with random actions (some invalid, some missing).
fn random_round(src: &mut ChaCha8Rng) -> (Vec<Fighter>, BTreeMap<String, RoundAction>) {
    let below = |src: &mut ChaCha8Rng, n: u64| (src.next_u64() % n) as i64;
    let names = ["a", "b", "c", "garrison:1:a", "pod", "zz"];
    let count = 1 + below(src, 5) as usize;
    let parts: Vec<Fighter> = names[..count]
        .iter()
        .map(|&id| fighter(id, below(src, 120), below(src, 1500), below(src, 6)))
        .collect();
    let mut acts = BTreeMap::new();
    for f in &parts {
        let target = names[below(src, names.len() as u64) as usize];
        let action = match below(src, 6) {
            0 => continue,
            1 | 2 => attack(below(src, 150) - 10, target),
            3 => flee(1 + below(src, 9) as u32),
            4 => RoundAction {
                action: CombatAction::Pay,
                ..RoundAction::brace()
            },
            _ => RoundAction::brace(),
        };
        acts.insert(f.id.clone(), action);
    }
    (parts, acts)
}

#[test]
fn properties_over_random_rounds() {
    let mut src = ChaCha8Rng::seed_from_u64(0x5eed);
    let balance = CombatBalance::default();
    for case in 0..3000u32 {
        let (parts, acts) = random_round(&mut src);
        let seed = src.next_u64() as i64;
        let round = 1 + case % 50;
        for kind in [RngKind::Reference, RngKind::ChaCha] {
            let out = resolve_round(&parts, &acts, seed, round, kind, &balance);
            assert_eq!(
                out,
                resolve_round(&parts, &acts, seed, round, kind, &balance),
                "deterministic"
            );
            let ids: Vec<&String> = parts.iter().map(|f| &f.id).collect();
            assert!(
                out.standing
                    .fighters_remaining
                    .keys()
                    .eq(ids.iter().copied()),
                "keys are the participants"
            );
            assert_eq!(out.effective_actions.len(), parts.len());
            let mut shots = 0i64;
            for f in &parts {
                let id = &f.id;
                let lost = out.losses.offensive_losses[id] + out.losses.defensive_losses[id];
                assert!(
                    lost <= f.fighters,
                    "case {case}: {id} lost more than it had"
                );
                assert!(out.standing.fighters_remaining[id] >= 0);
                assert_eq!(out.standing.fighters_remaining[id], f.fighters - lost);
                assert!(out.standing.shields_remaining[id] >= 0);
                assert!(out.losses.shield_loss[id] <= out.losses.defensive_losses[id]);
                let eff = &out.effective_actions[id];
                assert!(eff.commit >= 0 && eff.commit <= f.fighters);
                if eff.action == CombatAction::Attack {
                    assert!(eff.commit > 0 && eff.target.as_deref() != Some(id.as_str()));
                    assert!(out.losses.hits[id] + out.losses.offensive_losses[id] <= eff.commit);
                } else {
                    assert_eq!(
                        (out.losses.hits[id], out.losses.offensive_losses[id]),
                        (0, 0)
                    );
                }
                shots += out.losses.hits[id] + out.losses.offensive_losses[id];
            }
            let hits: i64 = out.losses.hits.values().sum();
            let defensive: i64 = out.losses.defensive_losses.values().sum();
            assert_eq!(hits, defensive);
            let fleers = out
                .effective_actions
                .values()
                .filter(|a| a.action == CombatAction::Flee)
                .count() as i64;
            assert!(i64::from(out.draws) >= shots && i64::from(out.draws) <= shots + fleers);
            let attacks = out
                .effective_actions
                .values()
                .any(|a| a.action == CombatAction::Attack);
            if fleers == 0 && !attacks {
                assert_eq!(out.draws, 0, "case {case}: nobody attacks or flees");
                assert_eq!(out.end_state, Some(FightEnd::Stalemate));
            }
        }
    }
}

#[test]
fn chacha_rounds_differ_and_repeat() {
    let parts = [fighter("a", 300, 150, 3), fighter("b", 300, 150, 3)];
    let acts = actions(&[("a", attack(100, "b")), ("b", attack(100, "a"))]);
    let run = |seed, round| {
        resolve_round(
            &parts,
            &acts,
            seed,
            round,
            RngKind::ChaCha,
            &CombatBalance::default(),
        )
    };
    assert_eq!(run(9, 1), run(9, 1));
    let outcomes: Vec<_> = (1..=5).map(|r| run(9, r).losses.hits).collect();
    assert!(
        outcomes.windows(2).any(|w| w[0] != w[1]),
        "rounds draw differently"
    );
    assert_ne!(
        run(9, 1).losses.hits,
        reference(&parts, &acts, 9, 1).losses.hits
    );
}

/// An adversarial round for the oracle: 0–12 participants drawn with repeats from ids that share
/// prefixes, differ in case, are empty or not ASCII; negative and extreme numbers; actions for
/// non-participants, bad targets, stray destinations and targets, any `timed_out`.
fn wild_round(src: &mut ChaCha8Rng) -> (Vec<Fighter>, BTreeMap<String, RoundAction>) {
    const IDS: [&str; 12] = [
        "a",
        "b",
        "c",
        "ab",
        "a\0",
        "",
        "garrison:1:a",
        "pod",
        "zz",
        "Z",
        "\u{e9}",
        "b ",
    ];
    let below = |src: &mut ChaCha8Rng, n: u64| (src.next_u64() % n) as i64;
    let pick = |src: &mut ChaCha8Rng| IDS[(src.next_u64() % IDS.len() as u64) as usize];
    let count = below(src, 13);
    let parts = (0..count)
        .map(|_| {
            let shields = match below(src, 10) {
                0 => i64::MAX,
                1 => i64::MIN,
                _ => below(src, 2000) - 10,
            };
            let tpw = match below(src, 12) {
                0 => i64::MAX,
                1 => i64::MIN,
                _ => below(src, 10) - 2,
            };
            fighter(pick(src), below(src, 160) - 4, shields, tpw)
        })
        .collect();
    let mut acts = BTreeMap::new();
    for id in IDS {
        let target = match below(src, 8) {
            0 => None,
            _ => Some(pick(src).to_string()),
        };
        let action = match below(src, 7) {
            0 => continue,
            1..=3 => CombatAction::Attack,
            4 => CombatAction::Flee,
            5 => CombatAction::Pay,
            _ => CombatAction::Brace,
        };
        let action = RoundAction {
            action,
            commit: below(src, 220) - 20,
            target,
            destination: (below(src, 2) == 0).then(|| below(src, 9) as u32),
            timed_out: below(src, 4) == 0,
        };
        acts.insert(id.to_string(), action);
    }
    (parts, acts)
}

#[test]
fn agrees_with_the_original_engine() {
    let mut src = ChaCha8Rng::seed_from_u64(0x0dd_ba11);
    let certain = |p| CombatBalance {
        min_hit: p,
        max_hit: p,
        ..CombatBalance::default()
    };
    let balances = [
        CombatBalance::default(),
        certain(1.0),
        certain(0.0),
        CombatBalance {
            flee_min: 0.0,
            flee_max: 1.0,
            flee_step: 0.35,
            mitigation_cap: 0.9,
            ..CombatBalance::default()
        },
    ];
    for case in 0..12_000u32 {
        let (parts, acts) = if case % 4 == 0 {
            random_round(&mut src)
        } else {
            wild_round(&mut src)
        };
        let seed = src.next_u64() as i64;
        let round = (src.next_u64() % 1000) as u32;
        let balance = &balances[case as usize % balances.len()];
        for kind in [RngKind::Reference, RngKind::ChaCha] {
            let fast = resolve_round(&parts, &acts, seed, round, kind, balance);
            let slow = oracle::resolve_round(&parts, &acts, seed, round, kind, balance);
            assert_eq!(fast, slow, "case {case} {kind:?}: {parts:?} {acts:?}");
        }
    }
}
