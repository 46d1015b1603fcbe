//! `bang sim compare` of two sweep runs: a real difference flagged, identical runs not, the page
//! drawn, and the command line reading the JSON files.

use bang::sim::run;
use bang::sim::scenario::Sweep;
use serde_json::Value;

#[path = "common/sim.rs"]
mod sim_common;
use sim_common::{bang, opts, scenario};

#[test]
fn compare_flags_a_real_difference_and_nothing_between_identical_runs() {
    let sweeps = || vec![Sweep::parse("scenario.sides.0.strategy.commit=10,50").unwrap()];
    let a = run(&opts(scenario("kestrel-duel.toml"), 400, 2, sweeps())).unwrap();
    let mut o = opts(scenario("kestrel-duel.toml"), 400, 2, sweeps());
    o.balance.combat.base_hit = 0.7;
    let b = run(&o).unwrap();
    let c = bang::sim::compare::compare(&a, &b, ("a", "b"));
    assert_eq!(c.points.len(), 2);
    let keys: Vec<&str> = c.settings.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys, ["balance.combat.base_hit"]);
    // Committing 10 against 50: at 50 % hits red mostly wins on blue's misses, at 70 % it loses.
    let low = &c.points[0];
    assert_eq!(
        low.params["scenario.sides.0.strategy.commit"].as_integer(),
        Some(10)
    );
    let red = low
        .outcomes
        .iter()
        .find(|o| o.outcome == "win:red")
        .unwrap();
    assert!(red.significant && red.diff < -0.3, "{red:?}");
    assert!(low.rounds.significant);
    // Equal commitments stay even: nothing to flag there.
    assert!(
        c.points[1].outcomes.iter().all(|o| !o.significant),
        "{:?}",
        c.points[1]
    );
    let same = bang::sim::compare::compare(&a, &a, ("a", "a"));
    assert_eq!(same.significant, 0);
    assert!(same.settings.is_empty());
    let page = bang::sim::compare::html(&c, &a, &b);
    assert!(page.contains("class=\"sig\"") && page.contains("stroke-dasharray"));
    // Through the command line, from the JSON files; a malformed world report is named.
    let dir = tempfile::tempdir().unwrap();
    let (pa, pb) = (dir.path().join("a.json"), dir.path().join("b.json"));
    std::fs::write(&pa, serde_json::to_string(&a).unwrap()).unwrap();
    std::fs::write(&pb, serde_json::to_string(&b).unwrap()).unwrap();
    let out = bang()
        .args(["sim", "compare"])
        .arg(&pa)
        .arg(&pb)
        .arg("--json")
        .arg("-")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["significant"].as_u64(), Some(c.significant as u64));
    let world = dir.path().join("w.json");
    std::fs::write(&world, r#"{"kind": "world"}"#).unwrap();
    let out = bang()
        .args(["sim", "compare"])
        .arg(&world)
        .arg(&world)
        .output()
        .unwrap();
    assert!(!out.status.success());
    // A world report missing its figures is named as such (tests/sim_world.rs compares real ones).
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a bang sim world report"));
}
