//! `bang sim compare A.json B.json`: two runs side by side. For every grid point both have, each
//! outcome's rate in A and B with a two-proportion z test (pooled, two-sided, 5 %), and mean rounds
//! with a Welch z test; the settings that differ; charts overlaying the two runs.

use super::chart::label;
use super::echo::settings_flat;
use super::html::pct;
use super::report::{Params, Rate, Report, SWEEP_KIND};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// A run's JSON, by its `kind`.
pub enum Run {
    Sweep(Box<Report>),
    /// A whole-world simulation's report (compared by `sim::world::compare`).
    World(Box<crate::sim::world::report::WorldReport>),
}

#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("{0}: not JSON: {1}")]
    Json(String, serde_json::Error),
    #[error("{0}: not a bang sim sweep report: {1}")]
    NotSweep(String, serde_json::Error),
    #[error("{0}: not a bang sim world report: {1}")]
    NotWorld(String, serde_json::Error),
    #[error("{0}: a {1:?} report cannot be compared (give the --json of two sweep runs)")]
    Kind(String, String),
    #[error("one report is a sweep, the other a world run")]
    Mixed,
}

/// Reads one run's JSON (`name` for messages). A report without `kind` is taken as a sweep.
pub fn parse(name: &str, text: &str) -> Result<Run, CompareError> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| CompareError::Json(name.into(), e))?;
    match v.get("kind").and_then(|k| k.as_str()).unwrap_or(SWEEP_KIND) {
        SWEEP_KIND => serde_json::from_value(v)
            .map(|r| Run::Sweep(Box::new(r)))
            .map_err(|e| CompareError::NotSweep(name.into(), e)),
        "world" => serde_json::from_value(v)
            .map(|r| Run::World(Box::new(r)))
            .map_err(|e| CompareError::NotWorld(name.into(), e)),
        other => Err(CompareError::Kind(name.into(), other.into())),
    }
}

/// The two sweeps of a comparison, or why there are none.
pub fn sweeps(a: Run, b: Run) -> Result<(Report, Report), CompareError> {
    match (a, b) {
        (Run::Sweep(a), Run::Sweep(b)) => Ok((*a, *b)),
        _ => Err(CompareError::Mixed),
    }
}

/// Significance level of every test.
pub const ALPHA: f64 = 0.05;

#[derive(Debug, Clone, Serialize)]
pub struct OutcomeDiff {
    pub outcome: String,
    pub a: Rate,
    pub b: Rate,
    /// b − a.
    pub diff: f64,
    pub z: f64,
    pub p_value: f64,
    pub significant: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoundsDiff {
    pub a_mean: f64,
    pub a_ci95: [f64; 2],
    pub b_mean: f64,
    pub b_ci95: [f64; 2],
    pub diff: f64,
    pub z: f64,
    pub p_value: f64,
    pub significant: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PointDiff {
    pub params: Params,
    pub outcomes: Vec<OutcomeDiff>,
    pub rounds: RoundsDiff,
}

/// A setting whose values differ (`None`: not set in that run).
#[derive(Debug, Clone, Serialize)]
pub struct SettingDiff {
    pub key: String,
    pub a: Option<String>,
    pub b: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// `"comparison"`.
    pub kind: String,
    pub a: String,
    pub b: String,
    pub test: String,
    pub settings: Vec<SettingDiff>,
    pub points: Vec<PointDiff>,
    pub only_in_a: Vec<Params>,
    pub only_in_b: Vec<Params>,
    /// How many outcome rates differ significantly.
    pub significant: usize,
}

/// Two-sided p-value of a standard normal `z`.
fn p_two_sided(z: f64) -> f64 {
    erfc(z.abs() / std::f64::consts::SQRT_2)
}

/// The complementary error function (Numerical Recipes' Chebyshev fit, |error| < 1.2e-7).
fn erfc(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.5 * x.abs());
    let poly = [
        -1.265_512_23,
        1.000_023_68,
        0.374_091_96,
        0.096_784_18,
        -0.186_288_06,
        0.278_868_07,
        -1.135_203_98,
        1.488_515_87,
        -0.822_152_23,
        0.170_872_77,
    ];
    let sum = poly.iter().rev().fold(0.0, |acc, c| acc * t + c);
    let r = t * (-x * x + sum).exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Two-proportion z test with the pooled proportion.
fn proportions(outcome: &str, a: Rate, na: u64, b: Rate, nb: u64) -> OutcomeDiff {
    let (na, nb) = (na as f64, nb as f64);
    let pooled = (a.count + b.count) as f64 / (na + nb);
    let se = (pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb)).sqrt();
    let diff = b.rate - a.rate;
    let z = if se > 0.0 { diff / se } else { 0.0 };
    let p = if se > 0.0 { p_two_sided(z) } else { 1.0 };
    OutcomeDiff {
        outcome: outcome.into(),
        a,
        b,
        diff: round6(diff),
        z: round6(z),
        p_value: round6(p),
        significant: p < ALPHA,
    }
}

fn rounds(a: &super::report::Summary, b: &super::report::Summary) -> RoundsDiff {
    let (ra, rb) = (&a.rounds, &b.rounds);
    let var = |sd: f64, n: u64| if n == 0 { 0.0 } else { sd * sd / n as f64 };
    let se = (var(ra.sd, a.encounters) + var(rb.sd, b.encounters)).sqrt();
    let diff = rb.mean - ra.mean;
    let z = if se > 0.0 { diff / se } else { 0.0 };
    let p = if se > 0.0 {
        p_two_sided(z)
    } else if diff == 0.0 {
        1.0
    } else {
        0.0
    };
    RoundsDiff {
        a_mean: ra.mean,
        a_ci95: ra.ci95,
        b_mean: rb.mean,
        b_ci95: rb.ci95,
        diff: round6(diff),
        z: round6(z),
        p_value: round6(p),
        significant: p < ALPHA,
    }
}

/// Settings (run, sweeps, scenario, balance) whose values differ between the runs.
fn setting_diffs(a: &Report, b: &Report) -> Vec<SettingDiff> {
    differing(settings_flat(a), settings_flat(b))
}

/// The keys of two flat `key = value` lists whose values differ (or that one lacks), in order.
pub fn differing(a: Vec<(String, String)>, b: Vec<(String, String)>) -> Vec<SettingDiff> {
    let fa: BTreeMap<String, String> = a.into_iter().collect();
    let fb: BTreeMap<String, String> = b.into_iter().collect();
    let mut keys: Vec<&String> = fa.keys().chain(fb.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| fa.get(*k) != fb.get(*k))
        .map(|k| SettingDiff {
            key: k.clone(),
            a: fa.get(k).cloned(),
            b: fb.get(k).cloned(),
        })
        .collect()
}

pub fn compare(a: &Report, b: &Report, names: (&str, &str)) -> Comparison {
    let mut points = Vec::new();
    let mut only_in_a = Vec::new();
    for pa in &a.points {
        let Some(pb) = b.points.iter().find(|p| p.params == pa.params) else {
            only_in_a.push(pa.params.clone());
            continue;
        };
        let (sa, sb) = (&pa.summary, &pb.summary);
        let mut names: Vec<&String> = sa.outcomes.keys().chain(sb.outcomes.keys()).collect();
        names.sort();
        names.dedup();
        let zero = |n: u64| super::report::wilson(0, n);
        let outcomes = names
            .into_iter()
            .map(|o| {
                let ra = sa
                    .outcomes
                    .get(o)
                    .cloned()
                    .unwrap_or_else(|| zero(sa.encounters));
                let rb = sb
                    .outcomes
                    .get(o)
                    .cloned()
                    .unwrap_or_else(|| zero(sb.encounters));
                proportions(o, ra, sa.encounters, rb, sb.encounters)
            })
            .collect();
        points.push(PointDiff {
            params: pa.params.clone(),
            outcomes,
            rounds: rounds(sa, sb),
        });
    }
    let only_in_b = b
        .points
        .iter()
        .filter(|pb| !a.points.iter().any(|pa| pa.params == pb.params))
        .map(|p| p.params.clone())
        .collect();
    let significant = points
        .iter()
        .flat_map(|p| &p.outcomes)
        .filter(|o| o.significant)
        .count();
    Comparison {
        kind: "comparison".into(),
        a: names.0.into(),
        b: names.1.into(),
        test: format!(
            "rates: two-proportion z test (pooled), two-sided, alpha {ALPHA}; mean rounds: Welch z test; each point and outcome tested on its own (no correction for many tests)"
        ),
        settings: setting_diffs(a, b),
        points,
        only_in_a,
        only_in_b,
        significant,
    }
}

fn params_text(p: &Params) -> String {
    if p.is_empty() {
        return "(no sweep)".into();
    }
    let parts: Vec<String> = p.iter().map(|(k, v)| format!("{k}={}", label(v))).collect();
    parts.join("  ")
}

/// The terminal summary of a comparison.
pub fn text(c: &Comparison) -> String {
    let mut out = format!("A: {}\nB: {}\n", c.a, c.b);
    if c.settings.is_empty() {
        out.push_str("settings: the same\n");
    } else {
        out.push_str("settings that differ (A → B):\n");
        for s in &c.settings {
            let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(unset)".into());
            let _ = writeln!(out, "  {}: {} → {}", s.key, show(&s.a), show(&s.b));
        }
    }
    for p in &c.points {
        let _ = writeln!(out, "\n── {}", params_text(&p.params));
        out.push_str(
            "  outcome              A                      B                      B−A       p\n",
        );
        for o in &p.outcomes {
            let _ = writeln!(
                out,
                "  {:<18} {:<22} {:<22} {:+6.1}pt  {:.4}{}",
                o.outcome,
                pct(&o.a),
                pct(&o.b),
                o.diff * 100.0,
                o.p_value,
                if o.significant { "  *" } else { "" }
            );
        }
        let r = &p.rounds;
        let _ = writeln!(
            out,
            "  mean rounds        {:.2} [{:.2}–{:.2}]  {:.2} [{:.2}–{:.2}]  {:+.2}  {:.4}{}",
            r.a_mean,
            r.a_ci95[0],
            r.a_ci95[1],
            r.b_mean,
            r.b_ci95[0],
            r.b_ci95[1],
            r.diff,
            r.p_value,
            if r.significant { "  *" } else { "" }
        );
    }
    let _ = writeln!(
        out,
        "\n{} point(s) in both, {} only in A, {} only in B; {} outcome rate(s) differ significantly (* p < {ALPHA})",
        c.points.len(),
        c.only_in_a.len(),
        c.only_in_b.len(),
        c.significant
    );
    out
}

pub use super::compare_html::html;
