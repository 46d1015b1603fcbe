//! Turning encounter results into summaries: terminal text, JSON, CSV, and the HTML report.

use super::runner::EncounterResult;
use serde::Serialize;
use std::collections::BTreeMap;

/// A proportion with its 95% Wilson score interval.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rate {
    pub count: u64,
    pub rate: f64,
    pub ci95: [f64; 2],
}

pub fn wilson(count: u64, n: u64) -> Rate {
    if n == 0 {
        return Rate {
            count,
            rate: 0.0,
            ci95: [0.0, 0.0],
        };
    }
    let (k, n) = (count as f64, n as f64);
    let z = 1.959_963_984_540_054_f64;
    let p = k / n;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
    Rate {
        count,
        rate: p,
        ci95: [
            round6((centre - half).max(0.0)),
            round6((centre + half).min(1.0)),
        ],
    }
}

/// Six decimals: plenty for designers, and it keeps the files readable.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RoundsStats {
    pub mean: f64,
    pub median: f64,
    pub p90: f64,
    pub min: u32,
    pub max: u32,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SideStats {
    pub fighters_lost_mean: f64,
    pub shields_lost_mean: f64,
    pub flee_attempts: u64,
    pub flee_successes: u64,
    pub flee_success_rate: f64,
}

/// The statistics of one grid point.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    pub encounters: u64,
    pub outcomes: BTreeMap<String, Rate>,
    pub rounds: RoundsStats,
    pub sides: BTreeMap<String, SideStats>,
    pub tolls_paid: Rate,
    pub toll_credits_mean: f64,
}

pub fn summarise(results: &[EncounterResult]) -> Summary {
    let n = results.len() as u64;
    let mut outcome_counts: BTreeMap<String, u64> = BTreeMap::new();
    for r in results {
        *outcome_counts.entry(r.outcome.clone()).or_default() += 1;
    }
    let mut rounds: Vec<u32> = results.iter().map(|r| r.rounds).collect();
    rounds.sort_unstable();
    let pick = |q: f64| -> f64 {
        if rounds.is_empty() {
            0.0
        } else {
            rounds[((rounds.len() - 1) as f64 * q).round() as usize] as f64
        }
    };
    let mean = |xs: &mut dyn Iterator<Item = f64>| -> f64 {
        let (s, c) = xs.fold((0.0, 0u64), |(s, c), x| (s + x, c + 1));
        if c == 0 { 0.0 } else { round6(s / c as f64) }
    };
    let mut side_names: Vec<String> = results
        .iter()
        .flat_map(|r| r.fighters_lost.keys().cloned())
        .collect();
    side_names.sort();
    side_names.dedup();
    let sides = side_names
        .into_iter()
        .map(|s| {
            let attempts: u64 = results
                .iter()
                .map(|r| *r.flee_attempts.get(&s).unwrap_or(&0) as u64)
                .sum();
            let successes: u64 = results
                .iter()
                .map(|r| *r.flee_successes.get(&s).unwrap_or(&0) as u64)
                .sum();
            let stats = SideStats {
                fighters_lost_mean: mean(
                    &mut results
                        .iter()
                        .map(|r| *r.fighters_lost.get(&s).unwrap_or(&0) as f64),
                ),
                shields_lost_mean: mean(
                    &mut results
                        .iter()
                        .map(|r| *r.shields_lost.get(&s).unwrap_or(&0) as f64),
                ),
                flee_attempts: attempts,
                flee_successes: successes,
                flee_success_rate: if attempts == 0 {
                    0.0
                } else {
                    round6(successes as f64 / attempts as f64)
                },
            };
            (s, stats)
        })
        .collect();
    Summary {
        encounters: n,
        outcomes: outcome_counts
            .into_iter()
            .map(|(k, c)| (k, wilson(c, n)))
            .collect(),
        rounds: RoundsStats {
            mean: mean(&mut rounds.iter().map(|r| *r as f64)),
            median: pick(0.5),
            p90: pick(0.9),
            min: rounds.first().copied().unwrap_or(0),
            max: rounds.last().copied().unwrap_or(0),
        },
        sides,
        tolls_paid: wilson(
            results.iter().filter(|r| r.tolls_paid > 0).count() as u64,
            n,
        ),
        toll_credits_mean: mean(&mut results.iter().map(|r| r.toll_credits as f64)),
    }
}

/// One grid point: the values set for it, and its statistics.
#[derive(Debug, Clone, Serialize)]
pub struct PointReport {
    pub params: BTreeMap<String, toml::Value>,
    pub summary: Summary,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub scenario: String,
    pub seed: u64,
    pub encounters_per_point: u64,
    pub rng: String,
    pub points: Vec<PointReport>,
}

fn pct(r: &Rate) -> String {
    format!(
        "{:5.1}% [{:4.1}–{:4.1}]",
        r.rate * 100.0,
        r.ci95[0] * 100.0,
        r.ci95[1] * 100.0
    )
}

/// The terminal summary.
pub fn text(report: &Report) -> String {
    let mut out = format!(
        "scenario {} · {} encounters per point · seed {} · rng {}\n",
        report.scenario, report.encounters_per_point, report.seed, report.rng
    );
    for p in &report.points {
        if !p.params.is_empty() {
            let params: Vec<String> = p.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            out.push_str(&format!("\n── {}\n", params.join("  ")));
        }
        let s = &p.summary;
        out.push_str("  outcome              rate   [95% CI]\n");
        for (name, r) in &s.outcomes {
            out.push_str(&format!("  {name:<18} {}\n", pct(r)));
        }
        out.push_str(&format!(
            "  rounds: mean {:.2}, median {}, p90 {}, range {}–{}\n",
            s.rounds.mean, s.rounds.median, s.rounds.p90, s.rounds.min, s.rounds.max
        ));
        for (side, st) in &s.sides {
            out.push_str(&format!(
                "  {side:<12} fighters lost {:8.1}  shields lost {:7.1}  flee {}/{}\n",
                st.fighters_lost_mean, st.shields_lost_mean, st.flee_successes, st.flee_attempts
            ));
        }
        if s.tolls_paid.count > 0 {
            out.push_str(&format!(
                "  tolls paid in {} of encounters (mean {:.1} credits)\n",
                pct(&s.tolls_paid),
                s.toll_credits_mean
            ));
        }
    }
    out
}

/// One CSV row per grid point; columns: swept keys, then the statistics.
pub fn csv(report: &Report) -> String {
    let keys: Vec<String> = report
        .points
        .first()
        .map(|p| p.params.keys().cloned().collect())
        .unwrap_or_default();
    let mut outcomes: Vec<String> = report
        .points
        .iter()
        .flat_map(|p| p.summary.outcomes.keys().cloned())
        .collect();
    outcomes.sort();
    outcomes.dedup();
    let mut sides: Vec<String> = report
        .points
        .iter()
        .flat_map(|p| p.summary.sides.keys().cloned())
        .collect();
    sides.sort();
    sides.dedup();
    let mut header: Vec<String> = keys.clone();
    header.push("encounters".into());
    for o in &outcomes {
        header.extend([
            format!("{o}_rate"),
            format!("{o}_ci_low"),
            format!("{o}_ci_high"),
        ]);
    }
    header.extend([
        "rounds_mean".into(),
        "rounds_median".into(),
        "rounds_p90".into(),
    ]);
    for s in &sides {
        header.extend([
            format!("{s}_fighters_lost"),
            format!("{s}_shields_lost"),
            format!("{s}_flee_success_rate"),
        ]);
    }
    header.push("tolls_paid_rate".into());
    let mut out = header.join(",") + "\n";
    for p in &report.points {
        let s = &p.summary;
        let mut row: Vec<String> = keys
            .iter()
            .map(|k| p.params[k].to_string().trim_matches('"').to_string())
            .collect();
        row.push(s.encounters.to_string());
        for o in &outcomes {
            match s.outcomes.get(o) {
                Some(r) => row.extend([
                    r.rate.to_string(),
                    r.ci95[0].to_string(),
                    r.ci95[1].to_string(),
                ]),
                None => row.extend(["0".into(), "0".into(), "0".into()]),
            }
        }
        row.extend([
            s.rounds.mean.to_string(),
            s.rounds.median.to_string(),
            s.rounds.p90.to_string(),
        ]);
        for side in &sides {
            match s.sides.get(side) {
                Some(st) => row.extend([
                    st.fighters_lost_mean.to_string(),
                    st.shields_lost_mean.to_string(),
                    st.flee_success_rate.to_string(),
                ]),
                None => row.extend(["0".into(), "0".into(), "0".into()]),
            }
        }
        row.push(s.tolls_paid.rate.to_string());
        out.push_str(&(row.join(",") + "\n"));
    }
    out
}
