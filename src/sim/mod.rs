//! The headless sim runner for designers: seeded batches of encounters on the real combat
//! systems (virtual time, many Worlds on worker threads), parameter sweeps, and reports.

pub mod html;
pub mod report;
pub mod round;
pub mod runner;
pub mod scenario;
pub mod strategy;

use bang_components::balance::Balance;
use bang_systems::combat::engine::RngKind;
use report::{PointReport, Report, summarise};
use runner::{EncounterResult, SimWorld};
use scenario::{Scenario, Sweep, apply, grid};
use std::sync::atomic::{AtomicU64, Ordering};

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
}

/// Runs `n` encounters of one configuration on `threads` workers. Encounter `i` always gets the
/// same seed, and results are put back in index order: the output is the same for any thread count.
pub fn run_batch(
    scenario: &Scenario,
    balance: &Balance,
    n: u64,
    seed: u64,
    threads: usize,
    rng: RngKind,
    progress: &indicatif::ProgressBar,
) -> Vec<EncounterResult> {
    const CHUNK: u64 = 256;
    let next = AtomicU64::new(0);
    let threads = threads.max(1);
    let mut parts: Vec<Vec<(u64, EncounterResult)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut world = SimWorld::new(balance, rng);
                    let mut out = Vec::new();
                    loop {
                        let start = next.fetch_add(CHUNK, Ordering::Relaxed);
                        if start >= n {
                            break;
                        }
                        let end = (start + CHUNK).min(n);
                        for i in start..end {
                            out.push((i, world.run(scenario, seed, i)));
                        }
                        progress.inc(end - start);
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("sim worker panicked"))
            .collect()
    });
    let mut all: Vec<(u64, EncounterResult)> = parts.drain(..).flatten().collect();
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

pub fn run(opts: &SimOptions) -> Result<Report, String> {
    let points = grid(&opts.sweeps);
    let total = opts.encounters * points.len() as u64;
    let bar = if opts.progress {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} encounters  {per_sec}  eta {eta}",
            )
            .map_err(|e| e.to_string())?,
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut reports = Vec::with_capacity(points.len());
    for point in points {
        let (scenario, balance) = apply(&opts.scenario, &opts.balance, &point)?;
        let results = run_batch(
            &scenario,
            &balance,
            opts.encounters,
            opts.seed,
            opts.threads,
            opts.rng,
            &bar,
        );
        reports.push(PointReport {
            params: point.into_iter().collect(),
            summary: summarise(&results),
        });
    }
    bar.finish_and_clear();
    Ok(Report {
        scenario: opts.scenario.name.clone(),
        seed: opts.seed,
        encounters_per_point: opts.encounters,
        rng: match opts.rng {
            RngKind::ChaCha => "chacha".into(),
            RngKind::Reference => "reference".into(),
        },
        points: reports,
    })
}
