//! Turning encounter results into summaries: terminal text, JSON, CSV, and the HTML report.

use super::runner::EncounterResult;
use super::scenario::Scenario;
use bang_components::balance::Balance;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A proportion with its 95% Wilson score interval.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
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

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RoundsStats {
    pub mean: f64,
    /// Standard deviation of the rounds (population form, from the exact histogram).
    pub sd: f64,
    /// 95 % interval on the mean (normal approximation: mean ± 1.96 sd / √n).
    pub ci95: [f64; 2],
    pub median: f64,
    pub p90: f64,
    pub min: u32,
    pub max: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SideStats {
    pub fighters_lost_mean: f64,
    /// Encounters by the fighters this side lost in them.
    pub fighters_lost_histogram: BTreeMap<i64, u64>,
    pub shields_lost_mean: f64,
    pub flee_attempts: u64,
    pub flee_successes: u64,
    pub flee_success_rate: f64,
}

/// The statistics of one grid point.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub encounters: u64,
    pub outcomes: BTreeMap<String, Rate>,
    pub rounds: RoundsStats,
    /// Encounters by the number of rounds they played.
    pub rounds_histogram: BTreeMap<u32, u64>,
    pub sides: BTreeMap<String, SideStats>,
    pub tolls_paid: Rate,
    pub toll_credits_mean: f64,
}

/// One side's running totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SideTotals {
    /// Whether the side had anything in the fight (ships or garrisons) in some encounter.
    pub fought: bool,
    pub fighters_lost: i64,
    pub shields_lost: i64,
    pub flee_attempts: u64,
    pub flee_successes: u64,
}

/// The running totals of one grid point. Only integers, so encounters added in any order (by any
/// number of threads, on any number of machines) give the same summary, bit for bit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    pub encounters: u64,
    pub outcomes: BTreeMap<String, u64>,
    /// Encounters by the number of rounds they played.
    pub rounds: BTreeMap<u32, u64>,
    pub sides: BTreeMap<String, SideTotals>,
    /// Encounters where at least one toll was paid, and the credits paid in all.
    pub with_tolls: u64,
    pub toll_credits: i64,
    /// Per side, encounters by the fighters the side lost in them (exact values: counts add).
    #[serde(default)]
    pub fighters_lost: BTreeMap<String, BTreeMap<i64, u64>>,
}

impl Totals {
    pub fn add(&mut self, r: &EncounterResult) {
        self.encounters += 1;
        *self.outcomes.entry(r.outcome.clone()).or_default() += 1;
        *self.rounds.entry(r.rounds).or_default() += 1;
        for (side, lost) in &r.fighters_lost {
            let t = self.sides.entry(side.clone()).or_default();
            t.fought = true;
            t.fighters_lost += lost;
            self.lost(side, *lost, 1);
        }
        for (name, lost) in &r.shields_lost {
            self.side(name).shields_lost += lost;
        }
        for (name, n) in &r.flee_attempts {
            self.side(name).flee_attempts += u64::from(*n);
        }
        for (name, n) in &r.flee_successes {
            self.side(name).flee_successes += u64::from(*n);
        }
        self.with_tolls += u64::from(r.tolls_paid > 0);
        self.toll_credits += r.toll_credits;
    }

    /// Counts `n` more encounters where `side` lost `lost` fighters.
    pub fn lost(&mut self, side: &str, lost: i64, n: u64) {
        let hist = match self.fighters_lost.get_mut(side) {
            Some(h) => h,
            None => self.fighters_lost.entry(side.to_string()).or_default(),
        };
        *hist.entry(lost).or_default() += n;
    }

    fn side(&mut self, name: &str) -> &mut SideTotals {
        self.sides.entry(name.to_string()).or_default()
    }

    pub fn merge(&mut self, other: Totals) {
        self.encounters += other.encounters;
        for (k, n) in other.outcomes {
            *self.outcomes.entry(k).or_default() += n;
        }
        for (k, n) in other.rounds {
            *self.rounds.entry(k).or_default() += n;
        }
        for (k, o) in other.sides {
            let t = self.sides.entry(k).or_default();
            t.fought |= o.fought;
            t.fighters_lost += o.fighters_lost;
            t.shields_lost += o.shields_lost;
            t.flee_attempts += o.flee_attempts;
            t.flee_successes += o.flee_successes;
        }
        self.with_tolls += other.with_tolls;
        self.toll_credits += other.toll_credits;
        for (side, hist) in other.fighters_lost {
            for (lost, n) in hist {
                self.lost(&side, lost, n);
            }
        }
    }
}

/// Mean, spread and percentiles of the rounds, read off their exact histogram (integer sums,
/// so the figures do not depend on the order encounters were added in).
pub fn rounds_stats(hist: &BTreeMap<u32, u64>) -> RoundsStats {
    let n: u64 = hist.values().sum();
    if n == 0 {
        return RoundsStats {
            mean: 0.0,
            sd: 0.0,
            ci95: [0.0, 0.0],
            median: 0.0,
            p90: 0.0,
            min: 0,
            max: 0,
        };
    }
    // The value at sorted position round((n − 1) × q).
    let pick = |q: f64| -> f64 {
        let at = ((n - 1) as f64 * q).round() as u64;
        let mut seen = 0;
        for (&rounds, &count) in hist {
            seen += count;
            if seen > at {
                return f64::from(rounds);
            }
        }
        0.0
    };
    let sum: u128 = hist
        .iter()
        .map(|(r, c)| u128::from(*r) * u128::from(*c))
        .sum();
    let sq: u128 = hist
        .iter()
        .map(|(r, c)| u128::from(*r) * u128::from(*r) * u128::from(*c))
        .sum();
    let nf = n as f64;
    let mean = sum as f64 / nf;
    // n·Σx² − (Σx)² is exact in integers; only the last division is floating point.
    let spread = (u128::from(n) * sq - sum * sum) as f64;
    let sd = (spread / (nf * nf)).sqrt();
    let half = 1.959_963_984_540_054 * sd / nf.sqrt();
    RoundsStats {
        mean: round6(mean),
        sd: round6(sd),
        ci95: [round6((mean - half).max(0.0)), round6(mean + half)],
        median: pick(0.5),
        p90: pick(0.9),
        min: hist.keys().next().copied().unwrap_or(0),
        max: hist.keys().next_back().copied().unwrap_or(0),
    }
}

pub fn summarise(t: &Totals) -> Summary {
    let n = t.encounters;
    let mean = |sum: f64| -> f64 { if n == 0 { 0.0 } else { round6(sum / n as f64) } };
    let sides = t
        .sides
        .iter()
        .filter(|(_, s)| s.fought)
        .map(|(name, s)| {
            let stats = SideStats {
                fighters_lost_mean: mean(s.fighters_lost as f64),
                fighters_lost_histogram: t.fighters_lost.get(name).cloned().unwrap_or_default(),
                shields_lost_mean: mean(s.shields_lost as f64),
                flee_attempts: s.flee_attempts,
                flee_successes: s.flee_successes,
                flee_success_rate: if s.flee_attempts == 0 {
                    0.0
                } else {
                    round6(s.flee_successes as f64 / s.flee_attempts as f64)
                },
            };
            (name.clone(), stats)
        })
        .collect();
    Summary {
        encounters: n,
        outcomes: t
            .outcomes
            .iter()
            .map(|(k, c)| (k.clone(), wilson(*c, n)))
            .collect(),
        rounds: rounds_stats(&t.rounds),
        rounds_histogram: t.rounds.clone(),
        sides,
        tolls_paid: wilson(t.with_tolls, n),
        toll_credits_mean: mean(t.toll_credits as f64),
    }
}

/// The values a grid point sets, by key.
pub type Params = BTreeMap<String, toml::Value>;

/// One grid point: the values set for it, and its statistics.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PointReport {
    pub params: Params,
    pub summary: Summary,
}

/// One `--sweep` as given: its key and values, in the grid's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepEcho {
    pub key: String,
    pub values: Vec<toml::Value>,
}

/// A sweep run's results, with everything that made them (so a report can be read, and two
/// compared, without the files they came from).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// `"sweep"`: tells `bang sim compare` this from other runs' JSON (a world run says `"world"`).
    pub kind: String,
    /// The scenario's name.
    pub scenario: String,
    pub seed: u64,
    pub encounters_per_point: u64,
    pub rng: String,
    /// How the encounters were played (`auto`, `app`, `batched`: the same results either way).
    pub path: String,
    pub sweeps: Vec<SweepEcho>,
    /// The scenario as parsed (before any swept value is set).
    pub scenario_spec: Scenario,
    /// The balance the run used (before any swept value is set).
    pub balance: Balance,
    pub points: Vec<PointReport>,
}

/// What [`Report::kind`] says for a sweep.
pub const SWEEP_KIND: &str = "sweep";

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
            "  rounds: mean {:.2} [{:.2}–{:.2}], sd {:.2}, median {}, p90 {}, range {}–{}\n",
            s.rounds.mean,
            s.rounds.ci95[0],
            s.rounds.ci95[1],
            s.rounds.sd,
            s.rounds.median,
            s.rounds.p90,
            s.rounds.min,
            s.rounds.max
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
