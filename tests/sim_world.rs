//! `bang sim world`: reproducible for any thread count, every credit accounted for under both
//! rule sets, a report that renders with data in a real browser, and a comparison of two
//! balance files that finds the difference the change makes.

use bang::sim::world::population::Population;
use bang::sim::world::report::WorldReport;
use bang::sim::world::{WorldOptions, run};
use bang_components::balance::Balance;
use std::sync::Arc;

#[path = "common/browser.rs"]
mod browser;
#[path = "common/sim.rs"]
mod sim_common;
use browser::{attr_values, dump_dom, svg_of};
use sim_common::bang;

/// Every behaviour, a few of each; credits enough for the founders to found at once.
const MIXED: &str = r#"
name = "mixed"
hours = 2
sample_minutes = 20
[[groups]]
count = 16
think_secs = [10, 30]
behaviour = { kind = "trader", horizon = 4 }
[[groups]]
count = 4
think_secs = [10, 30]
behaviour = { kind = "explorer" }
[[groups]]
count = 6
think_secs = [5, 15]
combat = { kind = "aggressive" }
pays_tolls = false
behaviour = { kind = "pirate", aggression = 0.9, min_fighters = 20 }
[[groups]]
count = 4
think_secs = [10, 30]
credits = 5000
behaviour = { kind = "garrison_owner", fighters = 100, toll = 40, collect_every_minutes = 20, horizon = 3 }
[[groups]]
count = 4
credits = 20000
behaviour = { kind = "corporation", size = 2 }
"#;

fn universe() -> Arc<bang_components::universe::Universe> {
    Arc::new(bang::server::WorldSource::Bundled.load().unwrap())
}

fn options(population: &str, rules: &str, replicates: u32, threads: usize) -> WorldOptions {
    let mut population = Population::parse(population).unwrap();
    population.rules = rules.into();
    WorldOptions {
        population,
        balance: Balance::default(),
        universe: universe(),
        seed: 7,
        replicates,
        threads,
        progress: false,
    }
}

#[test]
fn a_world_run_is_byte_identical_for_any_thread_count_and_differs_by_seed() {
    let one = run(&options(MIXED, "2025-10", 3, 1)).unwrap();
    let two = run(&options(MIXED, "2025-10", 3, 2)).unwrap();
    let json = |r: &WorldReport| serde_json::to_string_pretty(r).unwrap();
    assert_eq!(json(&one), json(&two));
    assert!(one.totals["trades"].mean > 0.0, "nobody traded");
    let mut other = options(MIXED, "2025-10", 3, 2);
    other.seed = 8;
    assert_ne!(json(&run(&other).unwrap()), json(&one));
}

/// The credits held anywhere (aboard, banked, in garrisons' toll banks, in salvage) equal the
/// credits minted less those burned, at every sample, with every flow named — and the run
/// exercised the ways credits change hands (trades, tolls, fights, salvage).
fn assert_every_credit_accounted(r: &WorldReport) {
    for rep in &r.replicates {
        let unaccounted = &rep.series["credits.unaccounted"];
        assert!(unaccounted.iter().all(|v| *v == 0.0), "{unaccounted:?}");
        let total = &rep.series["credits.total"];
        let flows: f64 = rep
            .series
            .iter()
            .filter(|(k, _)| k.starts_with("flows."))
            .map(|(_, v)| v.iter().sum::<f64>())
            .sum();
        // The first sample holds the starting purses (minted at joining).
        assert_eq!(total.last().unwrap(), &flows, "held vs minted less burned");
        for flow in [
            "starting_credits",
            "port_sales",
            "port_purchases",
            "warp_power",
        ] {
            assert!(rep.totals[&format!("flows.{flow}")] != 0.0, "no {flow}");
        }
    }
    for figure in ["fights.started", "deaths", "tolls.paid", "trades"] {
        assert!(r.totals[figure].mean > 0.0, "no {figure} in the run");
    }
}

#[test]
fn every_credit_is_accounted_for_under_the_seeds_rules() {
    assert_every_credit_accounted(&run(&options(MIXED, "2025-10", 2, 2)).unwrap());
}

#[test]
fn every_credit_is_accounted_for_under_the_2026_rules_with_corporations_and_fighters() {
    let r = run(&options(MIXED, "2026-01", 2, 2)).unwrap();
    assert_every_credit_accounted(&r);
    assert!(
        r.totals["flows.corporation_founding"].mean < 0.0,
        "no corporation founded"
    );
}

#[test]
fn the_world_report_renders_its_time_series_with_bands_in_headless_chromium() {
    let Some(chromium) = browser::chromium() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let r = run(&options(MIXED, "2025-10", 2, 2)).unwrap();
    let dom = dump_dom(
        chromium,
        dir.path(),
        "world",
        &bang::sim::world::html::render(&r),
    );
    assert!(
        dom.matches("<svg class=\"chart line\"").count() >= 8,
        "{}",
        &dom[..dom.len().min(400)]
    );
    let credits = svg_of(&dom, "<svg class=\"chart line\"");
    assert!(credits.contains("Credits in the world"));
    // A line per figure with a point per sample, and a band where the replicates differ.
    assert!(credits.contains("<polyline class=\"series\""));
    assert!(dom.contains("class=\"band\""));
    let xs = attr_values(credits, "<circle", "cx");
    assert!(xs.len() >= r.times.len(), "{} points", xs.len());
    assert!(dom.contains("simulated hours"));
    assert!(dom.contains("combat.base_hit"), "the balance is echoed");
    assert!(dom.contains("garrison_owner"), "the population is echoed");
}

#[test]
fn the_cli_writes_reproducible_outputs_and_compares_two_balance_files() {
    let dir = tempfile::tempdir().unwrap();
    let pop = dir.path().join("mixed.toml");
    std::fs::write(&pop, MIXED).unwrap();
    let fast = dir.path().join("fast-regen.toml");
    let balance = std::fs::read_to_string("world-data/balance.toml").unwrap();
    let changed = balance.replace("port_regen_fraction = 0.02", "port_regen_fraction = 0.5");
    assert_ne!(balance, changed);
    std::fs::write(&fast, changed).unwrap();
    let world = |name: &str, threads: &str, extra: &[&std::path::Path]| {
        let json = dir.path().join(format!("{name}.json"));
        let mut c = bang();
        c.args([
            "sim",
            "world",
            "--quiet",
            "-r",
            "3",
            "--threads",
            threads,
            "--json",
        ])
        .arg(&json)
        .arg(&pop);
        if let Some(b) = extra.first() {
            c.arg("--balance").arg(b);
        }
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("simulated s per wall s"));
        std::fs::read_to_string(json).unwrap()
    };
    let a1 = world("a1", "1", &[]);
    assert_eq!(a1, world("a2", "2", &[]), "threads changed the output");
    world("b", "2", &[&fast]);
    let compare = |a: &str, b: &str| {
        let out = bang()
            .args(["sim", "compare", "--json", "-"])
            .arg(dir.path().join(a))
            .arg(dir.path().join(b))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let same = compare("a1.json", "a2.json");
    assert_eq!(same["significant"], 0);
    assert_eq!(same["settings"].as_array().unwrap().len(), 0);
    let c = compare("a1.json", "b.json");
    assert_eq!(
        c["settings"][0]["key"],
        "balance.economy.port_regen_fraction"
    );
    let trades = c["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["figure"] == "trade.units")
        .unwrap();
    assert_eq!(trades["significant"], true, "{trades}");
    assert!(trades["difference"].as_f64().unwrap() > 0.0);
    // A population file that is not one is named in the error.
    std::fs::write(
        &pop,
        "name = 'x'\n[[groups]]\ncount = 1\nbehaviour = { kind = 'wizard' }\n",
    )
    .unwrap();
    let out = bang().args(["sim", "world"]).arg(&pop).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("mixed.toml"));
}
