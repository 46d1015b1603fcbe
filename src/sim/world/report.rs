//! A world run's results: every figure's time series, averaged over the replicate worlds with
//! a 95 % confidence band, the run's totals, and each replicate's own figures.

use super::driver::Sample;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A figure over time across replicates: mean and the 95 % interval of the mean at each sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Band {
    pub mean: Vec<f64>,
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
}

/// One number across replicates: mean and the 95 % interval of the mean.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
}

/// One replicate world.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replicate {
    pub seed: u64,
    /// Each figure at each sample.
    pub series: BTreeMap<String, Vec<f64>>,
    /// The run's totals (counts summed over the run, levels at its end).
    pub totals: BTreeMap<String, f64>,
}

/// What `bang sim world` writes as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorldReport {
    /// Always "world" (a sweep's report says "sweep").
    pub kind: String,
    pub name: String,
    pub seed: u64,
    pub rules: String,
    pub players: u64,
    pub hours: f64,
    pub sample_minutes: f64,
    pub sectors: u32,
    pub ports: u32,
    /// The population file as read, defaults filled in.
    pub population: serde_json::Value,
    /// The balance values the run used.
    pub balance: serde_json::Value,
    /// Simulated seconds of each sample.
    pub times: Vec<u64>,
    pub series: BTreeMap<String, Band>,
    pub totals: BTreeMap<String, Estimate>,
    pub replicates: Vec<Replicate>,
}

/// Figures that count what happened since the previous sample (summed for a total); the rest
/// are levels (their last value is the total).
pub fn is_count(name: &str) -> bool {
    const COUNTS: [&str; 10] = [
        "requests",
        "refused",
        "trades",
        "trade.",
        "fights.",
        "deaths",
        "tolls.",
        "flows.",
        "garrisons.destroyed",
        "refusals.",
    ];
    COUNTS.iter().any(|c| {
        if c.ends_with('.') {
            name.starts_with(c)
        } else {
            name == *c
        }
    })
}

/// Six significant decimals: the JSON stays readable and the same on every machine.
pub fn tidy(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return 0.0;
    }
    (x * 1e6).round() / 1e6
}

/// A replicate's figures as series and totals.
pub fn replicate(seed: u64, samples: &[Sample]) -> Replicate {
    // Some figures first appear mid-run (a refusal, say): they were 0 before.
    let names: std::collections::BTreeSet<&String> =
        samples.iter().flat_map(|(_, f)| f.keys()).collect();
    let series: BTreeMap<String, Vec<f64>> = names
        .into_iter()
        .map(|name| {
            let values = samples
                .iter()
                .map(|(_, f)| tidy(f.get(name).copied().unwrap_or(0.0)))
                .collect();
            (name.clone(), values)
        })
        .collect();
    let totals = series
        .iter()
        .map(|(name, values)| {
            let total = if is_count(name) {
                // The first sample is the start (nothing counted yet).
                values.iter().sum()
            } else {
                values.last().copied().unwrap_or(0.0)
            };
            (name.clone(), tidy(total))
        })
        .collect();
    Replicate {
        seed,
        series,
        totals,
    }
}

/// Student's t quantile for a two-sided 95 % interval with `df` degrees of freedom.
pub fn t95(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    T.get(df.wrapping_sub(1)).copied().unwrap_or(1.96)
}

/// The mean of the values and its 95 % interval (a point when there is one value).
pub fn estimate(values: &[f64]) -> Estimate {
    let n = values.len();
    if n == 0 {
        return Estimate {
            mean: 0.0,
            lo: 0.0,
            hi: 0.0,
        };
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let half = if n < 2 {
        0.0
    } else {
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        t95(n - 1) * (var / n as f64).sqrt()
    };
    Estimate {
        mean: tidy(mean),
        lo: tidy(mean - half),
        hi: tidy(mean + half),
    }
}

/// Each figure's band and total across the replicates.
pub fn combine(reps: &[Replicate]) -> (BTreeMap<String, Band>, BTreeMap<String, Estimate>) {
    let mut series = BTreeMap::new();
    let mut totals = BTreeMap::new();
    let Some(first) = reps.first() else {
        return (series, totals);
    };
    // Every replicate's names (one may have seen a refusal another did not).
    let names: std::collections::BTreeSet<&String> =
        reps.iter().flat_map(|r| r.series.keys()).collect();
    let len = first.series.values().map(Vec::len).max().unwrap_or(0);
    for name in names {
        let mut band = Band {
            mean: Vec::new(),
            lo: Vec::new(),
            hi: Vec::new(),
        };
        for t in 0..len {
            let at: Vec<f64> = reps
                .iter()
                .map(|r| {
                    r.series
                        .get(name)
                        .and_then(|s| s.get(t))
                        .copied()
                        .unwrap_or(0.0)
                })
                .collect();
            let e = estimate(&at);
            band.mean.push(e.mean);
            band.lo.push(e.lo);
            band.hi.push(e.hi);
        }
        series.insert(name.clone(), band);
        let all: Vec<f64> = reps
            .iter()
            .map(|r| r.totals.get(name).copied().unwrap_or(0.0))
            .collect();
        totals.insert(name.clone(), estimate(&all));
    }
    (series, totals)
}

/// Every figure's series as CSV: one row per (figure, sample).
pub fn csv(r: &WorldReport) -> String {
    let mut out = String::from("figure,seconds,mean,lo,hi\n");
    for (name, band) in &r.series {
        for (i, t) in r.times.iter().enumerate() {
            let at = |v: &Vec<f64>| v.get(i).copied().unwrap_or(0.0);
            out.push_str(&format!(
                "{name},{t},{},{},{}\n",
                at(&band.mean),
                at(&band.lo),
                at(&band.hi)
            ));
        }
    }
    out
}

/// The terminal summary: the run's main totals with their intervals.
pub fn text(r: &WorldReport) -> String {
    let mut out = format!(
        "{} · {} players · {} h simulated · rules {} · {} replicate(s) · seed {}\n",
        r.name,
        r.players,
        r.hours,
        r.rules,
        r.replicates.len(),
        r.seed
    );
    let show = |name: &str| -> Option<String> {
        let e = r.totals.get(name)?;
        Some(if e.lo == e.hi {
            format!("  {name:<34} {:>16.2}\n", e.mean)
        } else {
            format!(
                "  {name:<34} {:>16.2}  [{:.2} – {:.2}]\n",
                e.mean, e.lo, e.hi
            )
        })
    };
    let wanted = [
        "credits.total",
        "credits.unaccounted",
        "gini",
        "trades",
        "trade.units",
        "fights.started",
        "deaths",
        "tolls.paid",
        "garrisons.standing",
    ];
    for name in wanted {
        out.extend(show(name));
    }
    for name in r.totals.keys() {
        if name.starts_with("flows.") || name.starts_with("wealth_mean.") {
            out.extend(show(name));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_estimate_has_a_t_interval_and_one_value_has_none() {
        let e = estimate(&[1.0, 2.0, 3.0]);
        assert_eq!(e.mean, 2.0);
        // sd 1, n 3: 4.303 / √3.
        assert!((e.hi - 2.0 - 4.303 / 3f64.sqrt()).abs() < 1e-5, "{e:?}");
        let one = estimate(&[5.0]);
        assert_eq!((one.lo, one.hi), (5.0, 5.0));
        assert!(is_count("flows.port_sales") && is_count("trades"));
        assert!(!is_count("credits.total") && !is_count("trades_x"));
    }
}
