//! `bang sim world`: the whole game headless on virtual time, with scripted players (traders,
//! explorers, pirates, garrison owners, corporations) for simulated hours or days, sampled
//! into time series. Replicate worlds (one seed each) run on worker threads and are combined
//! into bands; each replicate is one thread's, so the output is the same for any thread count.

pub(crate) mod bots;
pub mod compare;
pub mod driver;
mod fighting;
pub mod html;
pub mod navigation;
pub mod observe;
pub mod population;
pub mod report;

use bang_components::balance::Balance;
use bang_components::universe::Universe;
use driver::{WorldRun, WorldRunError};
use navigation::Map;
use population::Population;
use report::{Replicate, WorldReport};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What a world run needs.
pub struct WorldOptions {
    pub population: Population,
    pub balance: Balance,
    pub universe: Arc<Universe>,
    pub seed: u64,
    pub replicates: u32,
    pub threads: usize,
    pub progress: bool,
}

/// Replicate `r`'s own seed.
pub fn replicate_seed(seed: u64, r: u32) -> u64 {
    crate::sim::runner::encounter_seed(seed, u64::from(r))
}

/// Runs one world to the end and returns its figures.
pub fn run_one(
    opts: &WorldOptions,
    pop: &Arc<Population>,
    map: &Arc<Map>,
    r: u32,
    bar: &indicatif::ProgressBar,
) -> Result<Replicate, WorldRunError> {
    let seed = replicate_seed(opts.seed, r);
    let mut world = WorldRun::new(pop.clone(), &opts.balance, map.clone(), seed)?;
    let end = (pop.hours * 3600.0).round() as u64;
    // An hour at a time, so the bar moves.
    while world.now < end {
        world.run_until((world.now + 3600).min(end));
        bar.set_position(bar.position() + 1);
    }
    Ok(report::replicate(seed, &world.samples))
}

/// Runs every replicate and combines them.
pub fn run(opts: &WorldOptions) -> Result<WorldReport, WorldRunError> {
    let pop = Arc::new(opts.population.clone());
    let map = Arc::new(Map::new(opts.universe.clone()));
    let hours = (pop.hours.ceil() as u64).max(1);
    let bar = progress_bar(opts.progress, hours * u64::from(opts.replicates));
    let next = AtomicUsize::new(0);
    let n = opts.replicates.max(1) as usize;
    let mut done: Vec<(usize, Result<Replicate, WorldRunError>)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..opts.threads.clamp(1, n))
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let r = next.fetch_add(1, Ordering::Relaxed);
                        if r >= n {
                            return mine;
                        }
                        mine.push((r, run_one(opts, &pop, &map, r as u32, &bar)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("world sim worker panicked"))
            .collect()
    });
    bar.finish_and_clear();
    done.sort_by_key(|(r, _)| *r);
    let reps = done
        .into_iter()
        .map(|(_, rep)| rep)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(assemble(opts, &map, reps))
}

fn progress_bar(on: bool, hours: u64) -> indicatif::ProgressBar {
    if !on {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(hours);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} simulated hours  {per_sec}  eta {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}

fn assemble(opts: &WorldOptions, map: &Map, reps: Vec<Replicate>) -> WorldReport {
    let pop = &opts.population;
    let (series, totals) = report::combine(&reps);
    let every = (pop.sample_minutes * 60.0).round().max(1.0) as u64;
    let end = (pop.hours * 3600.0).round() as u64;
    let mut times: Vec<u64> = (0..=end).step_by(every as usize).collect();
    if times.last() != Some(&end) {
        times.push(end);
    }
    WorldReport {
        kind: "world".into(),
        name: pop.name.clone(),
        seed: opts.seed,
        rules: pop.rules.clone(),
        players: pop.players(),
        hours: pop.hours,
        sample_minutes: pop.sample_minutes,
        sectors: map.sectors(),
        ports: map
            .universe
            .sectors
            .iter()
            .filter(|s| s.port.is_some())
            .count() as u32,
        population: serde_json::to_value(pop).unwrap_or_default(),
        balance: serde_json::to_value(&opts.balance).unwrap_or_default(),
        times,
        series,
        totals,
        replicates: reps,
    }
}
