//! `bang sim … --target OUTCOME=RATE --search KEY=LO..HI`: the value of one key at which an
//! outcome's rate reaches a target, found by a noisy bisection (each probe plays encounters until
//! its Wilson interval leaves the target or its budget is spent) and a logistic fit of the probes
//! around the crossing, with a 95 % interval on the value.

use super::SimOptions;
use super::report::{Rate, wilson};
use super::scenario::{Scenario, ScenarioError, apply};
use bang_components::balance::Balance;
use serde::Serialize;

/// Why a `--target` search could not run or could not answer.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("--target {0:?}: expected OUTCOME=RATE, e.g. win:red=0.5")]
    TargetForm(String),
    #[error("--target {0:?}: the rate must be a number strictly between 0 and 1")]
    TargetRate(String),
    #[error("--target: no outcome {outcome:?} in this scenario; it can be one of: {known}")]
    UnknownOutcome { outcome: String, known: String },
    #[error("--search {0:?}: expected KEY=LO..HI with KEY `scenario.<path>` or `balance.<path>`")]
    SearchForm(String),
    #[error("--search {key}: LO must be below HI (got {lo} and {hi})")]
    Bounds { key: String, lo: String, hi: String },
    #[error("--search {key}: the key holds {found}, not a number")]
    NotNumeric { key: String, found: String },
    #[error("--search {0}: the key holds an integer; give integer bounds")]
    IntegerBounds(String),
    /// The rates at both ends are on one side of the target (the message gives them).
    #[error("{0}")]
    NotBracketed(String),
    #[error(
        "--target-budget {budget} is too small: give at least {need} (4 probes of --probe-encounters)"
    )]
    Budget { budget: u64, need: u64 },
    #[error("{0}")]
    Point(#[from] ScenarioError),
}

/// `OUTCOME=RATE`.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub outcome: String,
    pub rate: f64,
}

impl Target {
    pub fn parse(text: &str) -> Result<Target, TargetError> {
        let (outcome, rate) = text
            .rsplit_once('=')
            .filter(|(o, _)| !o.trim().is_empty())
            .ok_or_else(|| TargetError::TargetForm(text.into()))?;
        let rate: f64 = rate
            .trim()
            .parse()
            .map_err(|_| TargetError::TargetRate(text.into()))?;
        if !(rate > 0.0 && rate < 1.0) {
            return Err(TargetError::TargetRate(text.into()));
        }
        Ok(Target {
            outcome: outcome.trim().into(),
            rate,
        })
    }

    /// Refuses an outcome this scenario cannot have, listing those it can.
    pub fn check(&self, scenario: &Scenario) -> Result<(), TargetError> {
        let known = outcomes(scenario);
        if known.contains(&self.outcome) {
            return Ok(());
        }
        Err(TargetError::UnknownOutcome {
            outcome: self.outcome.clone(),
            known: known.join(", "),
        })
    }
}

/// Every outcome a scenario's encounters can end in.
pub fn outcomes(scenario: &Scenario) -> Vec<String> {
    let mut sides: Vec<String> = scenario.sides.iter().map(|s| s.name.clone()).collect();
    // A garrison owned by one of the ships fights for its side; any other owner is a side alone.
    let is_ship = |owner: &str| {
        owner.rsplit_once('.').is_some_and(|(side, n)| {
            n.parse::<u32>().is_ok() && scenario.sides.iter().any(|s| s.name == side)
        })
    };
    for g in &scenario.garrisons {
        if !is_ship(&g.owner) {
            sides.push(format!("garrison:{}", g.owner));
        }
    }
    let mut out: Vec<String> = sides.iter().map(|s| format!("win:{s}")).collect();
    out.extend(sides.iter().map(|s| format!("fled:{s}")));
    out.extend(["stalemate", "toll_satisfied", "unfinished", "no_fight"].map(String::from));
    out
}

/// `KEY=LO..HI`: the key searched and its range.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRange {
    pub key: String,
    pub lo: f64,
    pub hi: f64,
    /// Whether the key takes integers (the probes are then whole numbers).
    pub integer: bool,
}

impl SearchRange {
    /// Integer when the key holds an integer, float when it holds a float; a key not set in the
    /// files (say an optional `commit`) is integer when both bounds are.
    pub fn parse(
        text: &str,
        scenario: &Scenario,
        balance: &Balance,
    ) -> Result<SearchRange, TargetError> {
        let form = || TargetError::SearchForm(text.into());
        let (key, range) = text.split_once('=').ok_or_else(form)?;
        let (lo_s, hi_s) = range.split_once("..").ok_or_else(form)?;
        let (lo_s, hi_s) = (lo_s.trim(), hi_s.trim());
        let (lo, hi): (f64, f64) = match (lo_s.parse(), hi_s.parse()) {
            (Ok(lo), Ok(hi)) => (lo, hi),
            _ => return Err(form()),
        };
        let both_int = lo_s.parse::<i64>().is_ok() && hi_s.parse::<i64>().is_ok();
        let integer = match current(key, scenario, balance).ok_or_else(form)? {
            Some(toml::Value::Integer(_)) if !both_int => {
                return Err(TargetError::IntegerBounds(key.into()));
            }
            Some(toml::Value::Integer(_)) => true,
            Some(toml::Value::Float(_)) => false,
            Some(other) => {
                return Err(TargetError::NotNumeric {
                    key: key.into(),
                    found: format!("{other}"),
                });
            }
            None => both_int,
        };
        if lo >= hi || !lo.is_finite() || !hi.is_finite() {
            return Err(TargetError::Bounds {
                key: key.into(),
                lo: lo_s.into(),
                hi: hi_s.into(),
            });
        }
        Ok(SearchRange {
            key: key.into(),
            lo,
            hi,
            integer,
        })
    }

    /// The key's value for a probe at `x`.
    pub fn value(&self, x: f64) -> toml::Value {
        if self.integer {
            toml::Value::Integer(x.round() as i64)
        } else {
            toml::Value::Float(x)
        }
    }
}

/// The value a key holds now: `None` for a bad root, `Some(None)` when it is not set.
fn current(key: &str, scenario: &Scenario, balance: &Balance) -> Option<Option<toml::Value>> {
    let (root, path) = key.split_once('.')?;
    let tree = match root {
        "scenario" => toml::Value::try_from(scenario).ok()?,
        "balance" => toml::Value::try_from(balance).ok()?,
        _ => return None,
    };
    let mut node = &tree;
    for part in path.split('.') {
        let next = match node {
            toml::Value::Table(t) => t.get(part),
            toml::Value::Array(a) => part.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => return Some(None),
        }
    }
    Some(Some(node.clone()))
}

/// How much a search may play.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Encounters in all (probes and the final measurement).
    pub total: u64,
    /// At most this many encounters per probe (and exactly this many for the final one).
    pub per_probe: u64,
}

/// One probe: a value and what its encounters came to.
#[derive(Debug, Clone, Serialize)]
pub struct Probe {
    pub value: f64,
    pub encounters: u64,
    pub rate: Rate,
    /// Whether the rate's interval left the target (the probe says which side it is on).
    pub decided: bool,
}

/// A search's answer.
#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    /// `"target"`.
    pub kind: String,
    pub scenario: String,
    pub key: String,
    pub outcome: String,
    pub target: f64,
    pub range: [f64; 2],
    pub integer: bool,
    pub seed: u64,
    pub rng: String,
    /// `increasing` or `decreasing`: how the rate moves with the key.
    pub direction: String,
    /// The value at which the rate reaches the target, and its 95 % interval.
    pub value: f64,
    pub ci95: [f64; 2],
    /// `logistic` (fit of the probes near the crossing) or `interpolation` (when no fit exists,
    /// e.g. the outcome flips sharply between two probes).
    pub method: String,
    /// A fresh measurement at the value (rounded for an integer key).
    pub measured: Probe,
    pub probes: Vec<Probe>,
    pub encounters: u64,
}

/// Plays encounters for probe `number` at `x` (its own seed, derived from the base seed):
/// batches of growing size until the interval leaves the target or `most` encounters are played.
fn probe(
    opts: &SimOptions,
    range: &SearchRange,
    target: &Target,
    (number, x): (u64, f64),
    (first, most): (u64, u64),
) -> Result<Probe, TargetError> {
    let value = range.value(x);
    let (scenario, balance) = apply(
        &opts.scenario,
        &opts.balance,
        &[(range.key.clone(), value.clone())],
    )?;
    let seed = super::runner::encounter_seed(opts.seed ^ 0x7461_7267_6574, number);
    let bar = indicatif::ProgressBar::hidden();
    let mut totals = super::report::Totals::default();
    let mut step = first.min(most);
    loop {
        let at = totals.encounters;
        let more = super::run_range(opts, &scenario, &balance, seed, (at, at + step), &bar);
        totals.merge(more);
        let rate = wilson(
            totals.outcomes.get(&target.outcome).copied().unwrap_or(0),
            totals.encounters,
        );
        let decided = rate.ci95[1] < target.rate || rate.ci95[0] > target.rate;
        if decided || totals.encounters >= most {
            return Ok(Probe {
                value: super::chart::number(&value).unwrap_or(x),
                encounters: totals.encounters,
                rate,
                decided,
            });
        }
        step = totals.encounters.min(most - totals.encounters);
    }
}

/// The search's state: the probes so far and the encounters they cost.
struct Probing<'a> {
    opts: &'a SimOptions,
    range: &'a SearchRange,
    target: &'a Target,
    budget: Budget,
    probes: Vec<Probe>,
    spent: u64,
}

impl Probing<'_> {
    /// A sequential probe (stopping once decided), recorded.
    fn at(&mut self, x: f64) -> Result<Probe, TargetError> {
        let first = (self.budget.per_probe / 16).max(50);
        let number = self.probes.len() as u64;
        let p = probe(
            self.opts,
            self.range,
            self.target,
            (number, x),
            (first, self.budget.per_probe),
        )?;
        self.spent += p.encounters;
        self.probes.push(p.clone());
        Ok(p)
    }

    fn room(&self) -> bool {
        // Keep a probe's worth for the final measurement.
        self.spent + 2 * self.budget.per_probe <= self.budget.total
    }
}

fn not_bracketed(t: &Target, r: &SearchRange, lo: &Probe, hi: &Probe) -> TargetError {
    let show = |p: &Probe| {
        format!(
            "{:.3} [{:.3}–{:.3}]",
            p.rate.rate, p.rate.ci95[0], p.rate.ci95[1]
        )
    };
    TargetError::NotBracketed(format!(
        "the target {} is not between the rates at the ends: {} is {} at {}={} and {} at {}={}; widen the range or change the target",
        t.rate,
        t.outcome,
        show(lo),
        r.key,
        super::chart::trim(lo.value),
        show(hi),
        r.key,
        super::chart::trim(hi.value),
    ))
}

/// Finds where `target.outcome`'s rate crosses `target.rate` as `range.key` moves over its range
/// (assumed monotone). Deterministic: every probe's encounters have fixed seeds.
pub fn search(
    opts: &SimOptions,
    target: &Target,
    range: &SearchRange,
    budget: Budget,
) -> Result<TargetReport, TargetError> {
    if budget.total < 4 * budget.per_probe {
        return Err(TargetError::Budget {
            budget: budget.total,
            need: 4 * budget.per_probe,
        });
    }
    let mut s = Probing {
        opts,
        range,
        target,
        budget,
        probes: Vec::new(),
        spent: 0,
    };
    let (lo, hi) = (s.at(range.lo)?, s.at(range.hi)?);
    let side = |p: &Probe| p.rate.rate < target.rate;
    if lo.decided && hi.decided && side(&lo) == side(&hi) {
        return Err(not_bracketed(target, range, &lo, &hi));
    }
    let increasing = hi.rate.rate >= lo.rate.rate;
    // u: the value last seen below the target, v: above; d*: the same among decided probes.
    let (mut cu, mut cv) = if increasing {
        (range.lo, range.hi)
    } else {
        (range.hi, range.lo)
    };
    let (mut du, mut dv) = (cu, cv);
    let mut undecided = 0;
    while s.room() && undecided < 3 {
        let mid = (cu + cv) / 2.0;
        let m = if range.integer { mid.floor() } else { mid };
        if (range.integer && (m == cu || m == cv))
            || (cv - cu).abs() <= (range.hi - range.lo) * 1e-4
        {
            break;
        }
        let p = s.at(m)?;
        if side(&p) {
            cu = m;
            du = if p.decided { m } else { du };
        } else {
            cv = m;
            dv = if p.decided { m } else { dv };
        }
        undecided += usize::from(!p.decided);
    }
    let (value, ci95, method) = estimate(&s.probes, target.rate, (cu, cv), (du, dv));
    let ci95 = if range.integer {
        [ci95[0].floor(), ci95[1].ceil()]
    } else {
        ci95
    };
    let per = budget.per_probe;
    let number = s.probes.len() as u64;
    let measured = probe(opts, range, target, (number, value), (per, per))?;
    Ok(TargetReport {
        kind: "target".into(),
        scenario: opts.scenario.name.clone(),
        key: range.key.clone(),
        outcome: target.outcome.clone(),
        target: target.rate,
        range: [range.lo, range.hi],
        integer: range.integer,
        seed: opts.seed,
        rng: super::rng_name(opts.rng).into(),
        direction: if increasing {
            "increasing"
        } else {
            "decreasing"
        }
        .into(),
        value: round4(value),
        ci95: [round4(ci95[0]), round4(ci95[1])],
        method: method.into(),
        encounters: s.spent + measured.encounters,
        measured,
        probes: s.probes,
    })
}

fn round4(x: f64) -> f64 {
    let scale = 10f64.powi(4 - x.abs().max(1e-9).log10().ceil() as i32);
    (x * scale).round() / scale
}

/// The crossing from the probes inside the decided bracket: a logistic fit inverted at the
/// target, with its Fieller interval (kept inside the bracket); without a fit, a straight line
/// between the last probes either side, with the bracket as the interval.
fn estimate(
    probes: &[Probe],
    target: f64,
    (cu, cv): (f64, f64),
    (du, dv): (f64, f64),
) -> (f64, [f64; 2], &'static str) {
    let (blo, bhi) = (du.min(dv), du.max(dv));
    let obs: Vec<super::fit::Obs> = probes
        .iter()
        .filter(|p| p.value >= blo && p.value <= bhi)
        .map(|p| (p.value, p.rate.count, p.encounters))
        .collect();
    let fitted = super::fit::fit(&obs).and_then(|f| {
        let x = f.invert(target).filter(|x| *x >= blo && *x <= bhi)?;
        let ci = f.crossing_interval(target, blo, bhi)?;
        Some((x, [ci[0].min(x), ci[1].max(x)]))
    });
    if let Some((x, ci)) = fitted {
        return (x, ci, "logistic");
    }
    let rate_at = |v: f64| {
        probes
            .iter()
            .rev()
            .find(|p| p.value == v)
            .map_or(target, |p| p.rate.rate)
    };
    let (ru, rv) = (rate_at(cu), rate_at(cv));
    let x = if rv > ru {
        cu + (target - ru) / (rv - ru) * (cv - cu)
    } else {
        (cu + cv) / 2.0
    };
    (x, [blo, bhi], "interpolation")
}

fn show(p: &Probe) -> String {
    format!(
        "{:>12}  {:>7}  {:6.2}% [{:5.2}–{:6.2}]{}",
        super::chart::trim(p.value),
        p.encounters,
        p.rate.rate * 100.0,
        p.rate.ci95[0] * 100.0,
        p.rate.ci95[1] * 100.0,
        if p.decided { "" } else { "  (undecided)" }
    )
}

/// The terminal summary of a search.
pub fn text(r: &TargetReport) -> String {
    let mut out = format!(
        "{} reaches {}% at {} = {} [95% CI {} – {}] ({}; the rate is {} in the key)\n",
        r.outcome,
        super::chart::trim(r.target * 100.0),
        r.key,
        super::chart::trim(r.value),
        super::chart::trim(r.ci95[0]),
        super::chart::trim(r.ci95[1]),
        r.method,
        r.direction
    );
    out.push_str(&format!(
        "measured there: {}\nprobes ({} encounters in all, seed {}):\n       value  encounters  rate [95% CI]\n",
        show(&r.measured).trim_start(),
        r.encounters,
        r.seed
    ));
    for p in &r.probes {
        out.push_str(&show(p));
        out.push('\n');
    }
    out
}
