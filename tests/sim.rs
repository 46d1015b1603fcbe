//! The sim runner: reproducibility across thread counts, sweeps, `sim round` against the golden
//! vectors, the command line end to end, and the HTML report in a real browser.

use bang::sim::scenario::Sweep;
use bang::sim::{SimOptions, run};
use bang_components::balance::CombatBalance;
use bang_systems::combat::engine::RngKind;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

#[path = "common/browser.rs"]
mod browser;
#[path = "common/sim.rs"]
mod sim_common;
use browser::{BROWSER_FLAGS, attr_values, dump_dom, svg_of};
use sim_common::{bang, opts, scenario};

fn json(o: &SimOptions) -> String {
    serde_json::to_string_pretty(&run(o).unwrap()).unwrap()
}

#[test]
fn results_are_byte_identical_whatever_the_thread_count() {
    for name in ["kestrel-duel.toml", "raid.toml", "toll-gate.toml"] {
        let one = json(&opts(scenario(name), 300, 1, vec![]));
        assert_eq!(one, json(&opts(scenario(name), 300, 2, vec![])), "{name}");
        assert_eq!(one, json(&opts(scenario(name), 300, 3, vec![])), "{name}");
        let report = run(&opts(scenario(name), 300, 2, vec![])).unwrap();
        let csv_a = bang::sim::report::csv(&report);
        let csv_b = bang::sim::report::csv(&run(&opts(scenario(name), 300, 1, vec![])).unwrap());
        assert_eq!(csv_a, csv_b);
    }
    // A different seed gives different fights.
    let mut other = opts(scenario("kestrel-duel.toml"), 300, 2, vec![]);
    other.seed = 8;
    assert_ne!(
        json(&opts(scenario("kestrel-duel.toml"), 300, 2, vec![])),
        json(&other)
    );
}

#[test]
fn the_duel_is_symmetric_and_always_ends_in_a_kill() {
    let report = run(&opts(scenario("kestrel-duel.toml"), 2000, 2, vec![])).unwrap();
    let s = &report.points[0].summary;
    let red = s.outcomes["win:red"].rate;
    let blue = s.outcomes["win:blue"].rate;
    assert!((red + blue - 1.0).abs() < 1e-9, "{:?}", s.outcomes);
    // Identical ships: each side's interval covers one half.
    for side in ["win:red", "win:blue"] {
        let ci = s.outcomes[side].ci95;
        assert!(ci[0] < 0.5 && 0.5 < ci[1], "{side}: {ci:?}");
    }
    // 300 fighters at 50 a round: at least 6 rounds.
    assert!(s.rounds.min >= 6, "{:?}", s.rounds);
}

#[test]
fn toll_gates_are_paid_and_runners_flee() {
    let report = run(&opts(scenario("toll-gate.toml"), 200, 2, vec![])).unwrap();
    let s = &report.points[0].summary;
    assert_eq!(s.outcomes["toll_satisfied"].count, 200);
    assert_eq!(s.tolls_paid.count, 200);
    assert_eq!(s.toll_credits_mean, 100.0);
    let raid = run(&opts(scenario("raid.toml"), 300, 2, vec![])).unwrap();
    let convoy = &raid.points[0].summary.sides["convoy"];
    assert!(
        convoy.flee_attempts > 0,
        "the runner strategy flees when outgunned"
    );
}

#[test]
fn sweeps_cover_the_grid_and_move_the_numbers() {
    let sweeps = vec![
        Sweep::parse("scenario.sides.0.strategy.commit=10,100").unwrap(),
        Sweep::parse("balance.combat.base_hit=0.3,0.7").unwrap(),
    ];
    let report = run(&opts(scenario("kestrel-duel.toml"), 200, 2, sweeps)).unwrap();
    assert_eq!(report.points.len(), 4);
    let red_wins = |commit: i64, hit: f64| -> f64 {
        let p = report
            .points
            .iter()
            .find(|p| {
                p.params["scenario.sides.0.strategy.commit"].as_integer() == Some(commit)
                    && p.params["balance.combat.base_hit"].as_float() == Some(hit)
            })
            .unwrap();
        p.summary.outcomes.get("win:red").map_or(0.0, |r| r.rate)
    };
    // Committing more than the enemy's 50 wins when hits are likely, and loses when they are not
    // (each miss costs the shooter a fighter).
    assert!(
        red_wins(100, 0.7) > red_wins(10, 0.7),
        "{} vs {}",
        red_wins(100, 0.7),
        red_wins(10, 0.7)
    );
    assert!(Sweep::parse("nonsense").is_err());
    assert!(Sweep::parse("scenario.sides.0.strategy.commit=").is_err());
    assert!(Sweep::parse("scenario.sides.0.strategy.commit=5,,6").is_err());
    assert_eq!(
        Sweep::parse("balance.combat.base_hit=0.3,1")
            .unwrap()
            .values
            .len(),
        2
    );
    let bad = vec![Sweep::parse("scenario.sides.9.strategy.commit=1").unwrap()];
    assert!(run(&opts(scenario("kestrel-duel.toml"), 10, 1, bad)).is_err());
}

#[test]
fn sim_round_reproduces_every_golden_vector() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/combat_vectors.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 15);
    for v in vectors {
        let out = bang::sim::round::resolve_json(
            &v.to_string(),
            RngKind::Reference,
            &CombatBalance::default(),
        )
        .unwrap();
        let out: Value = serde_json::from_str(&out).unwrap();
        let want = &v["expected"];
        for key in [
            "hits",
            "offensive_losses",
            "defensive_losses",
            "shield_loss",
            "fighters_remaining",
            "shields_remaining",
            "flee_results",
            "end_state",
            "draws",
            "effective_actions",
        ] {
            assert_eq!(out[key], want[key], "{}: {key}", v["name"]);
        }
    }
}

#[test]
fn the_command_line_writes_json_csv_and_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = bang()
        .args([
            "sim",
            "world-data/scenarios/kestrel-duel.toml",
            "-n",
            "50",
            "--seed",
            "3",
            "--quiet",
            "--json",
            "-",
        ])
        .arg("--csv")
        .arg(dir.path().join("r.csv"))
        .arg("--report")
        .arg(dir.path().join("r.html"))
        .args(["--sweep", "scenario.sides.1.strategy.commit=25,75"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["points"].as_array().unwrap().len(), 2);
    assert_eq!(report["encounters_per_point"], 50);
    let csv = std::fs::read_to_string(dir.path().join("r.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3);
    assert!(csv.starts_with("scenario.sides.1.strategy.commit,encounters,"));
    let html = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    assert!(html.contains("<svg class=\"chart line"));
    // sim round over stdin, with the reference generator: V1 of the spec.
    let mut child = bang()
        .args(["sim", "round", "--rng", "reference"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(br#"{"base_seed":1234,"round":1,"participants":[{"id":"alpha","fighters":300,"shields":150,"turns_per_warp":3},{"id":"beta","fighters":300,"shields":150,"turns_per_warp":3}],"actions":{"alpha":{"action":"attack","commit":50,"target":"beta"},"beta":{"action":"attack","commit":40,"target":"alpha"}}}"#).unwrap();
    let out = child.wait_with_output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["hits"], serde_json::json!({"alpha": 20, "beta": 15}));
    assert_eq!(
        v["fighters_remaining"],
        serde_json::json!({"alpha": 255, "beta": 255})
    );
    // Bad input is a clear error, not a panic.
    let out = bang().args(["sim", "no-such-file.toml"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-file.toml"));
}

/// A toll sweep spanning decades: a logarithmic axis with unevenly spaced points, bands,
/// histograms with bars, and the scenario and balance echoed.
fn a_toll_sweep_gets_a_log_axis_bands_histograms_and_its_settings(
    chromium: &str,
    dir: &std::path::Path,
) {
    let toll = run(&opts(
        scenario("toll-gate.toml"),
        100,
        2,
        vec![Sweep::parse("scenario.garrisons.0.toll_amount=50,100,500,1000").unwrap()],
    ))
    .unwrap();
    let dom = dump_dom(chromium, dir, "toll", &bang::sim::html::render(&toll));
    let log_chart = svg_of(&dom, "<svg class=\"chart line log\"");
    assert!(log_chart.contains("(log scale)"), "{log_chart}");
    let xs = attr_values(log_chart, "<circle class=\"point\" data-series=\"0\"", "cx");
    assert_eq!(xs.len(), 4, "{log_chart}");
    assert!(xs.windows(2).all(|w| w[0] < w[1]), "{xs:?}");
    let gaps: Vec<f64> = xs.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps[1] > gaps[0] * 1.5, "not log spaced: {xs:?}");
    assert!(log_chart.contains("class=\"band\""));
    let bars = attr_values(&dom, "<rect class=\"bar\"", "data-count");
    assert!(!bars.is_empty() && bars.iter().all(|n| *n > 0.0));
    assert!(dom.contains("toll_amount") && dom.contains("Scenario “toll-gate”"));
    assert!(dom.contains("combat.base_hit"), "the balance is echoed");
}

/// The HTML report renders in headless Chromium and shows its plots. CI installs Debian's
/// `chromium` (see `.ci/run`); set BANG_SKIP_BROWSER=1 to skip on a machine without it.
#[test]
fn the_html_report_renders_in_headless_chromium() {
    let Some(chromium) = browser::chromium() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    a_toll_sweep_gets_a_log_axis_bands_histograms_and_its_settings(chromium, dir.path());
    // Two keys: a heatmap per outcome, a cell per grid point.
    let report = run(&opts(
        scenario("kestrel-duel.toml"),
        100,
        2,
        vec![
            Sweep::parse("balance.combat.base_hit=0.3,0.5,0.7").unwrap(),
            Sweep::parse("scenario.sides.0.strategy.commit=25,50").unwrap(),
        ],
    ))
    .unwrap();
    let page = dir.path().join("report.html");
    let dom = dump_dom(
        chromium,
        dir.path(),
        "grid",
        &bang::sim::html::render(&report),
    );
    let heat = svg_of(&dom, "<svg class=\"chart heatmap\"");
    let cells = attr_values(heat, "<rect class=\"cell\"", "data-value");
    assert_eq!(cells.len(), report.points.len());
    assert!(cells.iter().all(|v| (0.0..=1.0).contains(v)));
    assert!(heat.contains("class=\"legend\""));
    std::fs::write(&page, bang::sim::html::render(&report)).unwrap();
    let profile = dir.path().join("profile");
    let flags = BROWSER_FLAGS;
    // The browser parsed the page into a DOM with the charts and their lines.
    assert!(
        dom.matches("<svg class=\"chart line\"").count() >= 2,
        "no charts in the rendered DOM: {}",
        &dom[..dom.len().min(500)]
    );
    assert!(dom.contains("<polyline class=\"series\""));
    let shot = dir.path().join("shot.png");
    let out = Command::new(chromium)
        .args(flags)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=900,1400")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        shot.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::metadata(&shot).unwrap().len() > 10_000,
        "the screenshot is nearly empty"
    );
}

#[test]
fn a_penniless_pod_at_a_toll_gate_is_let_go_unless_the_reference_rule_is_chosen() {
    let sweep = Sweep::parse("balance.combat.toll_hold_needs_means=true,false").unwrap();
    let report = run(&opts(scenario("pod-at-toll-gate.toml"), 50, 2, vec![sweep])).unwrap();
    let (now, reference) = (&report.points[0].summary, &report.points[1].summary);
    // The pod cannot pay, flee or be shot: the first all-brace round ends the fight...
    assert_eq!(now.outcomes["stalemate"].count, 50, "{:?}", now.outcomes);
    assert_eq!(now.rounds.max, 1);
    // ...where the reference's rule holds it until the scenario's round cap.
    assert_eq!(
        reference.outcomes["unfinished"].count, 50,
        "{:?}",
        reference.outcomes
    );
}

/// Runs `bang sim` with these arguments (in the repository), panicking with its error output.
fn sim(args: &[&str], paths: &[(&str, &std::path::Path)]) -> std::process::Output {
    let mut c = bang();
    c.arg("sim").args(args);
    for (flag, path) in paths {
        c.arg(flag).arg(path);
    }
    c.output().unwrap()
}

/// Runs a sweep whole and in three shards merged; asserts the outputs are the same bytes and
/// returns the shards' partial files.
fn whole_and_sharded(d: &std::path::Path, scenario: &str, sweep: &str) -> Vec<std::path::PathBuf> {
    let common = [
        scenario, "-n", "301", "--seed", "9", "--quiet", "--sweep", sweep,
    ];
    let outputs = |stem: &str| ["json", "csv", "html"].map(|ext| d.join(format!("{stem}.{ext}")));
    let [json, csv, html] = outputs("single");
    let single = sim(
        &common,
        &[("--json", &json), ("--csv", &csv), ("--report", &html)],
    );
    assert!(
        single.status.success(),
        "{}",
        String::from_utf8_lossy(&single.stderr)
    );
    // Three shards, run out of order, each on its own (as on three machines).
    let part = |i: u32| d.join(format!("part{i}.json"));
    for i in [2, 0, 1] {
        let shard = format!("{i}/3");
        let mut args = common.to_vec();
        args.extend(["--shard", shard.as_str(), "--threads", "1"]);
        let out = sim(&args, &[("--partial", &part(i))]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let [mjson, mcsv, mhtml] = outputs("merged");
    let mut merge = bang();
    merge
        .args(["sim", "merge"])
        .args([part(0), part(1), part(2)]);
    merge
        .arg("--json")
        .arg(&mjson)
        .arg("--csv")
        .arg(&mcsv)
        .arg("--report")
        .arg(&mhtml);
    let merged = merge.output().unwrap();
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    for (a, b) in [(&json, &mjson), (&csv, &mcsv), (&html, &mhtml)] {
        assert_eq!(
            std::fs::read(a).unwrap(),
            std::fs::read(b).unwrap(),
            "{}",
            b.display()
        );
    }
    // The terminal summary is the same too, but for its last line (timing; shards merged).
    let but_last = |out: &[u8]| {
        let text = String::from_utf8_lossy(out).to_string();
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines[..lines.len() - 1].to_vec()
    };
    assert_eq!(but_last(&single.stdout), but_last(&merged.stdout));
    assert!(String::from_utf8_lossy(&merged.stdout).ends_with("merged 3 shards\n"));
    (0..3).map(part).collect()
}

#[test]
fn a_sweep_split_over_shards_merges_into_the_single_run_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let scenario = "world-data/scenarios/toll-gate.toml";
    let sweep = "scenario.garrisons.0.toll_amount=50,500";
    let parts = whole_and_sharded(d, scenario, sweep);
    // A shard missing, given twice, or from another run is refused, saying which.
    let refused = |parts: &[std::path::PathBuf]| {
        let out = bang().args(["sim", "merge"]).args(parts).output().unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let (p0, p1) = (parts[0].clone(), parts[1].clone());
    assert!(refused(&[p0.clone(), p1.clone()]).contains("shard 2 of 3 is missing"));
    assert!(refused(&[p0.clone(), p1.clone(), p1.clone()]).contains("given twice"));
    let stray = d.join("stray.json");
    let other = [
        scenario, "-n", "301", "--seed", "10", "--quiet", "--sweep", sweep, "--shard", "2/3",
    ];
    assert!(sim(&other, &[("--partial", &stray)]).status.success());
    assert!(refused(&[p0, p1, stray]).contains("another run"));
}

#[test]
fn batched_encounters_cut_anywhere_merge_the_same() {
    // Ship-only: the batched path, whose batches a shard starts in the middle of.
    let dir = tempfile::tempdir().unwrap();
    let sweep = "scenario.sides.1.strategy.commit=20,60";
    whole_and_sharded(dir.path(), "world-data/scenarios/kestrel-duel.toml", sweep);
}
