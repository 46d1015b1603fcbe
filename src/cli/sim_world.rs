//! `bang sim world`: a whole-world run from a population file.

use super::sim::{SimFileError, write_out};
use super::{CliError, balance_source, world_source};
use bang::sim::world::population::Population;
use bang::sim::world::report::WorldReport;
use std::path::PathBuf;

#[derive(clap::Args)]
pub(crate) struct WorldArgs {
    /// Population file (TOML): the players' groups and behaviours; see world-data/worlds/
    population: PathBuf,
    /// Simulated hours [default: the file's `hours`]
    #[arg(long)]
    hours: Option<f64>,
    /// Scale every group so the players number about N in all
    #[arg(long)]
    players: Option<u64>,
    /// Independent worlds to run (each its own seed); their spread gives the confidence bands
    #[arg(long, short = 'r', default_value_t = 4)]
    replicates: u32,
    /// Base seed: the same file, seed and arguments give byte-identical output
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Worker threads, each running whole worlds [default: the machine's cores]
    #[arg(long)]
    threads: Option<usize>,
    /// Balance file [default: ./world-data/balance.toml if present, else built in]
    #[arg(long)]
    balance: Option<PathBuf>,
    /// Universe directory [default: ./world-data if it holds one, else the built-in universe]
    #[arg(long)]
    world: Option<PathBuf>,
    /// The world's rules: 2025-10 or 2026-01 [default: the file's `rules`]
    #[arg(long)]
    rules: Option<String>,
    /// Write the results as JSON to this file (`-` for stdout)
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write every figure's series (mean and 95 % band per sample) as CSV to this file
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Write a self-contained HTML report with the time series to this file
    #[arg(long)]
    report: Option<PathBuf>,
    /// No progress bar
    #[arg(long)]
    quiet: bool,
}

fn read_population(path: &PathBuf) -> Result<Population, CliError> {
    let text = std::fs::read_to_string(path).map_err(|source| SimFileError::Read {
        path: path.clone(),
        source,
    })?;
    Population::parse(&text).map_err(|e| format!("{}: {e}", path.display()).into())
}

/// The file's population with the command line's overrides.
fn population(args: &WorldArgs) -> Result<Population, CliError> {
    let mut pop = read_population(&args.population)?;
    if let Some(h) = args.hours {
        pop.hours = h;
    }
    if let Some(r) = &args.rules {
        pop.rules = r.clone();
    }
    if let Some(n) = args.players {
        let total = pop.players() as f64;
        for g in &mut pop.groups {
            g.count = ((f64::from(g.count) * n as f64 / total).round() as u32).max(1);
        }
    }
    pop.validate()
        .map_err(|e| format!("{}: {e}", args.population.display()))?;
    Ok(pop)
}

pub(crate) fn run_world(args: WorldArgs) -> Result<(), CliError> {
    if !(1..=1000).contains(&args.replicates) {
        return Err("--replicates must be between 1 and 1000".into());
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 256);
    let opts = bang::sim::world::WorldOptions {
        population: population(&args)?,
        balance: balance_source(args.balance.clone()).load()?,
        universe: std::sync::Arc::new(world_source(args.world.clone()).load()?),
        seed: args.seed,
        replicates: args.replicates,
        threads,
        progress: !args.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()),
    };
    let started = std::time::Instant::now();
    let report = bang::sim::world::run(&opts)?;
    let wall = started.elapsed().as_secs_f64();
    let stdout_taken = write_outputs(&args, &report)?;
    let simulated = report.hours * 3600.0 * f64::from(args.replicates);
    let speed = format!(
        "{} world(s) of {} players × {} h in {wall:.1} s: {:.0} simulated s per wall s ({threads} threads)\n",
        args.replicates,
        report.players,
        report.hours,
        simulated / wall.max(1e-9)
    );
    let summary = bang::sim::world::report::text(&report);
    if stdout_taken {
        eprint!("{summary}{speed}");
    } else {
        print!("{summary}{speed}");
    }
    Ok(())
}

/// Writes each output asked for; returns whether standard output took the JSON.
fn write_outputs(args: &WorldArgs, report: &WorldReport) -> Result<bool, CliError> {
    if let Some(p) = &args.json {
        write_out(p, &(serde_json::to_string_pretty(report)? + "\n"))?;
    }
    if let Some(p) = &args.csv {
        write_out(p, &bang::sim::world::report::csv(report))?;
    }
    if let Some(p) = &args.report {
        write_out(p, &bang::sim::world::html::render(report))?;
    }
    Ok(args.json.as_ref().is_some_and(|p| p.as_os_str() == "-"))
}
