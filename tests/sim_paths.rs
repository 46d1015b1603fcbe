//! The sim runner's two paths agree: the batched one (many fights per World, the engine's indexed
//! core) gives every encounter the same result as the App path (a game App per worker, each action
//! through `combat.action`), over scenarios that reach every ending and every strategy.

use bang::sim::batch::{BatchWorld, supports};
use bang::sim::runner::SimWorld;
use bang::sim::scenario::{Scenario, Sweep};
use bang::sim::{SimOptions, SimPath, run};
use bang_components::balance::Balance;
use bang_systems::combat::engine::RngKind;
use std::path::PathBuf;
use std::process::Command;

fn example(name: &str) -> Scenario {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("world-data/scenarios")
        .join(name);
    Scenario::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Ship-only scenarios between them reaching kills, victories over several ships, flights,
/// stalemates, unfinished fights, escape pods and more than eight participants.
fn scenarios() -> Vec<Scenario> {
    let mut out = vec![example("kestrel-duel.toml"), example("raid.toml")];
    for text in [
        // Three sides, random choices (attack, brace or flee), an escape pod among them.
        r#"
        name = "melee"
        max_rounds = 40
        [[sides]]
        name = "a"
        strategy = { kind = "random", commit_fraction = 0.3 }
        ships = [{ ship_type = "kestrel_courier", fighters = 60, shields = 20 }, { ship_type = "escape_pod" }]
        [[sides]]
        name = "b"
        strategy = { kind = "cautious", commit = 15 }
        ships = [{ ship_type = "corsair_raider", fighters = 80 }]
        [[sides]]
        name = "c"
        strategy = { kind = "runner", flee_below = 0.9, commit_fraction = 0.5 }
        phases = [{ from_round = 4, strategy = { kind = "random" } }]
        ships = [{ ship_type = "pike_frigate", fighters = 70, count = 2 }]
        "#,
        // Both run at once: fled endings and stalemates.
        r#"
        name = "runners"
        [[sides]]
        name = "x"
        strategy = { kind = "runner", flee_below = 2.0 }
        ships = [{ ship_type = "kestrel_courier" }]
        [[sides]]
        name = "y"
        strategy = { kind = "runner", flee_below = 2.0 }
        ships = [{ ship_type = "corsair_raider" }]
        "#,
        // Cut short: unfinished; a toll payer with no toll to pay braces.
        r#"
        name = "short"
        max_rounds = 2
        [[sides]]
        name = "p"
        strategy = { kind = "toll_payer" }
        ships = [{ ship_type = "kestrel_courier" }]
        [[sides]]
        name = "q"
        strategy = { kind = "aggressive", commit = 5 }
        ships = [{ ship_type = "kestrel_courier" }]
        "#,
        // Five against five: ten participants, past the engine's stack buffers.
        r#"
        name = "fleet"
        [[sides]]
        name = "north"
        strategy = { kind = "aggressive", commit_fraction = 0.6 }
        ships = [{ ship_type = "corsair_raider", count = 5, fighters = 40 }]
        [[sides]]
        name = "south"
        strategy = { kind = "cautious", commit_fraction = 0.4 }
        phases = [{ from_round = 3, strategy = { kind = "aggressive", commit = 25 } }]
        ships = [{ ship_type = "kestrel_courier", count = 5, fighters = 45, shields = 10 }]
        "#,
    ] {
        out.push(Scenario::parse(text).unwrap());
    }
    out
}

#[test]
fn both_paths_give_every_encounter_the_same_result() {
    let balance = Balance::default();
    let mut outcomes = std::collections::BTreeSet::new();
    for rng in [RngKind::ChaCha, RngKind::Reference] {
        for scenario in scenarios() {
            assert!(supports(&scenario), "{}", scenario.name);
            let n = 150;
            let mut app = SimWorld::new(&balance, rng);
            let mut batch = BatchWorld::new(&scenario, &balance.combat, rng, 11);
            let batched = batch.results(0, n);
            for (i, b) in (0..n).zip(&batched) {
                let a = app.run(&scenario, 11, i);
                assert_eq!(&a, b, "{} encounter {i} ({rng:?})", scenario.name);
                outcomes.insert(a.outcome.split(':').next().unwrap().to_string());
            }
        }
    }
    // The scenarios reach every kind of ending, so every branch of the mirroring was compared.
    let every: std::collections::BTreeSet<String> = ["win", "fled", "stalemate", "unfinished"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(outcomes, every);
}

#[test]
fn both_paths_write_the_same_report_with_sweeps() {
    let sweeps = vec![
        Sweep::parse("balance.combat.base_hit=0.4,0.6").unwrap(),
        Sweep::parse("scenario.sides.1.strategy.commit=20,60").unwrap(),
    ];
    let report = |path| {
        let opts = SimOptions {
            scenario: example("kestrel-duel.toml"),
            balance: Balance::default(),
            encounters: 400,
            seed: 3,
            threads: 2,
            sweeps: sweeps.clone(),
            rng: RngKind::ChaCha,
            progress: false,
            path,
            shard: None,
        };
        // The report names its path; the results must not differ.
        let mut report = run(&opts).unwrap();
        report.path = String::new();
        serde_json::to_string(&report).unwrap()
    };
    let app = report(SimPath::App);
    assert_eq!(app, report(SimPath::Batched));
    assert_eq!(app, report(SimPath::Auto));
}

#[test]
fn garrisons_keep_a_scenario_on_the_app_path() {
    let gate = example("toll-gate.toml");
    assert!(!supports(&gate));
    let out = Command::new(env!("CARGO_BIN_EXE_bang"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "sim",
            "world-data/scenarios/toll-gate.toml",
            "-n",
            "10",
            "--quiet",
            "--path",
            "batched",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("garrisons"), "{err}");
}
