//! The headless sim runner for designers: seeded batches of encounters on the real combat
//! systems (virtual time, many Worlds on worker threads), parameter sweeps, and reports.

pub mod batch;
pub mod chart;
pub mod compare;
pub mod compare_html;
pub mod echo;
pub mod fit;
pub mod html;
pub mod plots;
pub mod report;
pub mod round;
pub mod runner;
pub mod scenario;
pub mod shard;
pub mod strategy;
pub mod target;
pub mod world;

use bang_components::balance::Balance;
use bang_systems::combat::engine::RngKind;
use report::{PointReport, Report, Totals, summarise};
use runner::SimWorld;
use scenario::{Scenario, Sweep, apply, grid};
use std::sync::atomic::{AtomicU64, Ordering};

/// Why a `bang sim` run could not take place.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("progress bar: {0}")]
    Progress(#[from] indicatif::style::TemplateError),
    /// A grid point's scenario or balance was refused.
    #[error("{0}")]
    Point(#[from] scenario::ScenarioError),
}

/// What a `bang sim` run needs.
pub struct SimOptions {
    pub scenario: Scenario,
    pub balance: Balance,
    pub encounters: u64,
    pub seed: u64,
    pub threads: usize,
    pub sweeps: Vec<Sweep>,
    pub rng: RngKind,
    pub progress: bool,
    pub path: SimPath,
    /// This process's share of every grid point's encounters (all of them when `None`).
    pub shard: Option<shard::Shard>,
}

/// Which machinery plays the encounters (both give the same results; `tests/sim_paths.rs`
/// checks it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SimPath {
    /// Batched when the scenario allows it (no garrisons), else the App.
    #[default]
    Auto,
    /// One game App per worker, a fresh fight per encounter, every action through `combat.action`.
    App,
    /// Many encounters per World, advanced together (ship-only scenarios).
    Batched,
}

/// Runs this process's share of `opts.encounters` encounters of one configuration (the scenario
/// and balance of one grid point) on `opts.threads` workers and totals them. Encounter `i` always
/// gets the same seed and the totals are integers: the output is the same for any thread count,
/// and shards' totals add up to the whole run's.
pub fn run_batch(
    opts: &SimOptions,
    scenario: &Scenario,
    balance: &Balance,
    progress: &indicatif::ProgressBar,
) -> Totals {
    // Encounters `first..n` of the point: this shard's (all of them for a whole run).
    let range = opts
        .shard
        .map_or((0, opts.encounters), |s| s.range(opts.encounters));
    run_range(opts, scenario, balance, opts.seed, range, progress)
}

/// Plays encounters `first..n` (by index, under `seed`) of one configuration on
/// `opts.threads` workers and totals them.
pub fn run_range(
    opts: &SimOptions,
    scenario: &Scenario,
    balance: &Balance,
    seed: u64,
    (first, n): (u64, u64),
    progress: &indicatif::ProgressBar,
) -> Totals {
    let rng = opts.rng;
    let batched = match opts.path {
        SimPath::App => false,
        SimPath::Auto | SimPath::Batched => batch::supports(scenario),
    };
    let chunk: u64 = if batched { batch::BATCH } else { 256 };
    let next = AtomicU64::new(first);
    let threads = opts.threads.max(1);
    let parts: Vec<Totals> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut totals = Totals::default();
                    let claim = || {
                        let start = next.fetch_add(chunk, Ordering::Relaxed);
                        (start < n).then(|| (start, (start + chunk).min(n)))
                    };
                    if batched {
                        let mut world =
                            batch::BatchWorld::new(scenario, &balance.combat, rng, seed);
                        while let Some((start, end)) = claim() {
                            world.run(start, end, &mut totals);
                            progress.inc(end - start);
                        }
                    } else {
                        let mut world = SimWorld::new(balance, rng);
                        while let Some((start, end)) = claim() {
                            for i in start..end {
                                totals.add(&world.run(scenario, seed, i));
                            }
                            progress.inc(end - start);
                        }
                    }
                    totals
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("sim worker panicked"))
            .collect()
    });
    // Integer totals: the merge order cannot change the sums.
    let mut all = Totals::default();
    for part in parts {
        all.merge(part);
    }
    all
}

pub fn run(opts: &SimOptions) -> Result<Report, SimError> {
    let totals = run_totals(opts)?;
    let settings = RunSettings {
        scenario: &opts.scenario,
        balance: &opts.balance,
        seed: opts.seed,
        encounters: opts.encounters,
        rng: rng_name(opts.rng),
        path: path_name(opts.path),
        sweeps: sweep_echo(&opts.sweeps),
    };
    Ok(settings.report(totals))
}

/// What a report echoes of the run that made it.
pub struct RunSettings<'a> {
    pub scenario: &'a Scenario,
    pub balance: &'a Balance,
    pub seed: u64,
    pub encounters: u64,
    pub rng: &'a str,
    pub path: &'a str,
    pub sweeps: Vec<report::SweepEcho>,
}

impl RunSettings<'_> {
    /// The report of these settings' grid points and their totals.
    pub fn report(self, totals: Vec<(report::Params, Totals)>) -> Report {
        let points = totals
            .into_iter()
            .map(|(params, totals)| PointReport {
                params,
                summary: summarise(&totals),
            })
            .collect();
        Report {
            kind: report::SWEEP_KIND.into(),
            scenario: self.scenario.name.clone(),
            seed: self.seed,
            encounters_per_point: self.encounters,
            rng: self.rng.into(),
            path: self.path.into(),
            sweeps: self.sweeps,
            scenario_spec: self.scenario.clone(),
            balance: self.balance.clone(),
            points,
        }
    }
}

pub fn sweep_echo(sweeps: &[Sweep]) -> Vec<report::SweepEcho> {
    sweeps
        .iter()
        .map(|s| report::SweepEcho {
            key: s.key.clone(),
            values: s.values.clone(),
        })
        .collect()
}

pub fn path_name(path: SimPath) -> &'static str {
    match path {
        SimPath::Auto => "auto",
        SimPath::App => "app",
        SimPath::Batched => "batched",
    }
}

pub fn rng_name(rng: RngKind) -> &'static str {
    match rng {
        RngKind::ChaCha => "chacha",
        RngKind::Reference => "reference",
    }
}

/// Each grid point's parameters and this process's totals for it.
pub fn run_totals(opts: &SimOptions) -> Result<Vec<(report::Params, Totals)>, SimError> {
    let points = grid(&opts.sweeps);
    let (first, end) = opts
        .shard
        .map_or((0, opts.encounters), |s| s.range(opts.encounters));
    let total = (end - first) * points.len() as u64;
    let bar = if opts.progress {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} encounters  {per_sec}  eta {eta}",
        )?);
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut out = Vec::with_capacity(points.len());
    for point in points {
        let (scenario, balance) = apply(&opts.scenario, &opts.balance, &point)?;
        let totals = run_batch(opts, &scenario, &balance, &bar);
        out.push((point.into_iter().collect(), totals));
    }
    bar.finish_and_clear();
    Ok(out)
}
