//! `bang sim --target`: a known answer found with its interval whatever the thread count, and a
//! sharp flip on an integer key bracketed.

#[path = "common/sim.rs"]
mod sim_common;
use sim_common::{fixture, opts, scenario};

#[test]
fn target_search_finds_a_known_flee_chance_whatever_the_threads() {
    use bang::sim::target::{Budget, SearchRange, Target, search};
    // One round of a ship fleeing a ship that braces: P(fled:red) = flee_base exactly.
    let o = opts(fixture("flee-odds.toml"), 1, 2, vec![]);
    let t = Target::parse("fled:red=0.3").unwrap();
    t.check(&o.scenario).unwrap();
    let range =
        SearchRange::parse("balance.combat.flee_base=0.2..0.9", &o.scenario, &o.balance).unwrap();
    assert!(!range.integer);
    let budget = Budget {
        total: 40_000,
        per_probe: 4_000,
    };
    let found = search(&o, &t, &range, budget).unwrap();
    assert!(found.ci95[0] <= 0.3 && 0.3 <= found.ci95[1], "{found:?}");
    assert!(found.ci95[1] - found.ci95[0] < 0.06, "{found:?}");
    assert_eq!(found.direction, "increasing");
    assert!(found.encounters <= 40_000);
    let m = &found.measured;
    assert!(m.rate.ci95[0] <= 0.3 && 0.3 <= m.rate.ci95[1], "{m:?}");
    let one = search(
        &opts(fixture("flee-odds.toml"), 1, 1, vec![]),
        &t,
        &range,
        budget,
    )
    .unwrap();
    assert_eq!(
        serde_json::to_string(&one).unwrap(),
        serde_json::to_string(&found).unwrap()
    );
    // Clear refusals.
    assert!(Target::parse("fled:red").is_err());
    assert!(Target::parse("fled:red=1.5").is_err());
    assert!(
        Target::parse("win:rde=0.5")
            .unwrap()
            .check(&o.scenario)
            .is_err()
    );
    let bad = |s: &str| {
        SearchRange::parse(s, &o.scenario, &o.balance)
            .unwrap_err()
            .to_string()
    };
    assert!(bad("balance.combat.flee_base=0.9..0.2").contains("below"));
    assert!(bad("scenario.name=1..2").contains("not a number"));
    assert!(bad("scenario.max_rounds=1.5..3").contains("integer"));
    let commit = SearchRange::parse(
        "scenario.sides.0.strategy.commit=10..300",
        &o.scenario,
        &o.balance,
    )
    .unwrap();
    assert!(commit.integer);
    let far = Target::parse("fled:red=0.95").unwrap();
    let err = search(&o, &far, &range, budget).unwrap_err().to_string();
    assert!(err.contains("not between") && err.contains("0.9"), "{err}");
}

#[test]
fn target_search_on_an_integer_key_brackets_a_sharp_flip() {
    use bang::sim::target::{Budget, SearchRange, Target, search};
    // Max hits, no misses: red committing c against blue's 50 wins iff it kills first. Whatever
    // the exact rule, the rate is 0 or 1 at each commit: the interval is two adjacent integers.
    let mut o = opts(scenario("kestrel-duel.toml"), 1, 2, vec![]);
    o.balance.combat.min_hit = 1.0;
    o.balance.combat.max_hit = 1.0;
    o.balance.combat.base_hit = 1.0;
    let t = Target::parse("win:red=0.5").unwrap();
    let range = SearchRange::parse(
        "scenario.sides.0.strategy.commit=1..300",
        &o.scenario,
        &o.balance,
    )
    .unwrap();
    let found = search(
        &o,
        &t,
        &range,
        Budget {
            total: 20_000,
            per_probe: 1_000,
        },
    )
    .unwrap();
    assert!(found.ci95[1] - found.ci95[0] <= 1.0, "{found:?}");
    let (lo, hi) = (found.ci95[0], found.ci95[1]);
    let at = |x: f64| {
        found
            .probes
            .iter()
            .find(|p| p.value == x)
            .map(|p| p.rate.rate)
    };
    assert!(at(lo).is_some() && at(hi).is_some(), "{found:?}");
    assert!(
        (at(lo).unwrap() - 0.5) * (at(hi).unwrap() - 0.5) < 0.0,
        "{found:?}"
    );
}
