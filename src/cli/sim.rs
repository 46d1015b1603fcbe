//! `bang sim`: sweeps, shards and their merge, and single rounds.

use super::{CliError, balance_source};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct SimArgs {
    #[command(subcommand)]
    command: Option<SimCommand>,
    /// Scenario file (TOML); see world-data/scenarios/
    scenario: Option<PathBuf>,
    /// Encounters per grid point
    #[arg(long, short = 'n', default_value_t = 1000)]
    encounters: u64,
    /// Base seed: the same scenario, seed and arguments give the same results
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Worker threads [default: the machine's cores]
    #[arg(long)]
    threads: Option<usize>,
    /// Sweep a value: KEY=V1,V2,… with KEY `scenario.<path>` or `balance.<path>` (repeatable: grid)
    #[arg(long = "sweep", value_name = "KEY=VALUES")]
    sweeps: Vec<String>,
    /// Balance file [default: ./world-data/balance.toml if present, else built in]
    #[arg(long)]
    balance: Option<PathBuf>,
    /// Random generator: chacha (bang's) or reference (the reference server's)
    #[arg(long, default_value = "chacha")]
    rng: RngArg,
    #[command(flatten)]
    outputs: SimOutputs,
    /// No progress bar
    #[arg(long)]
    quiet: bool,
    /// Play only slice I of N of every grid point's encounters (0 <= I < N) and write its totals
    /// to `--partial`; `bang sim merge` adds the slices up into the single run's outputs
    #[arg(long, value_name = "I/N", value_parser = bang::sim::shard::Shard::parse)]
    shard: Option<bang::sim::shard::Shard>,
    /// Where a `--shard` run writes its totals
    #[arg(long, requires = "shard")]
    partial: Option<PathBuf>,
    /// How encounters are played: `app` (a game App per worker, every action through
    /// `combat.action`), `batched` (many encounters per World; ship-only scenarios), or `auto`
    /// (batched when possible). Both give the same results.
    #[arg(long, value_enum, default_value_t = bang::sim::SimPath::Auto)]
    path: bang::sim::SimPath,
    /// Find the value of the `--search` key at which an outcome's rate reaches RATE, e.g.
    /// `win:red=0.5` (assumes the rate moves one way with the key); writes `--json` if given
    #[arg(long, value_name = "OUTCOME=RATE", requires = "search", conflicts_with_all = ["sweeps", "shard"])]
    target: Option<String>,
    /// The key `--target` searches and its range: KEY=LO..HI (integer or float; KEY as for --sweep)
    #[arg(long, value_name = "KEY=LO..HI", requires = "target")]
    search: Option<String>,
    /// `--target`: encounters to play in all (probes and the final measurement)
    #[arg(long, default_value_t = 60_000, value_name = "N")]
    target_budget: u64,
    /// `--target`: most encounters per probe (a probe stops early once its 95% interval leaves
    /// the target); the final measurement at the value found plays exactly this many
    #[arg(long, default_value_t = 4_000, value_name = "N")]
    probe_encounters: u64,
}

#[derive(Subcommand)]
pub(crate) enum SimCommand {
    /// Add up the partial files of a sweep run with `--shard I/N` on several machines into the
    /// JSON, CSV and HTML report one process would have written (byte for byte).
    Merge {
        /// Every shard's `--partial` file
        #[arg(required = true)]
        parts: Vec<PathBuf>,
        #[command(flatten)]
        outputs: SimOutputs,
    },
    /// Run the whole game headless with scripted players (traders, explorers, pirates, garrison
    /// owners, corporations) for simulated hours or days, and sample its economy over time.
    World(Box<super::sim_world::WorldArgs>),
    /// Compare two runs' `--json` reports: each shared grid point's outcome rates in A and B with
    /// a significance test, mean rounds, and the settings that differ
    Compare {
        /// The first run's JSON
        a: PathBuf,
        /// The second run's JSON
        b: PathBuf,
        /// Write the comparison as a self-contained HTML page
        #[arg(long)]
        report: Option<PathBuf>,
        /// Write the comparison as JSON (`-` for stdout)
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Resolve one round described in JSON on stdin (the golden vectors' form); print the outcome.
    Round {
        #[arg(long, default_value = "chacha")]
        rng: RngArg,
        #[arg(long)]
        balance: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum RngArg {
    Chacha,
    Reference,
}

impl From<RngArg> for bang_systems::combat::engine::RngKind {
    fn from(r: RngArg) -> Self {
        match r {
            RngArg::Chacha => bang_systems::combat::engine::RngKind::ChaCha,
            RngArg::Reference => bang_systems::combat::engine::RngKind::Reference,
        }
    }
}

/// A file of `bang sim` that could not be read, taken as a scenario, or written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SimFileError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Scenario {
        path: PathBuf,
        source: bang::sim::scenario::ScenarioError,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub(crate) fn read_scenario(
    path: &std::path::Path,
) -> Result<bang::sim::scenario::Scenario, SimFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| SimFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    bang::sim::scenario::Scenario::parse(&text).map_err(|source| SimFileError::Scenario {
        path: path.to_path_buf(),
        source,
    })
}

pub(crate) fn write_out(path: &PathBuf, text: &str) -> Result<(), SimFileError> {
    if path.as_os_str() == "-" {
        print!("{text}");
        Ok(())
    } else {
        std::fs::write(path, text).map_err(|source| SimFileError::Write {
            path: path.clone(),
            source,
        })
    }
}

/// Where a sim's outputs go (`--json`, `--csv`, `--report`).
#[derive(clap::Args)]
pub(crate) struct SimOutputs {
    /// Write the results as JSON to this file (`-` for stdout)
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write one CSV row per grid point to this file
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Write a self-contained HTML report with plots to this file
    #[arg(long)]
    report: Option<PathBuf>,
}

impl SimOutputs {
    /// Writes each output asked for; returns whether standard output took the JSON.
    fn write(&self, report: &bang::sim::report::Report) -> Result<bool, CliError> {
        if let Some(p) = &self.json {
            let json = serde_json::to_string_pretty(report)? + "\n";
            write_out(p, &json)?;
        }
        if let Some(p) = &self.csv {
            write_out(p, &bang::sim::report::csv(report))?;
        }
        if let Some(p) = &self.report {
            write_out(p, &bang::sim::html::render(report))?;
        }
        Ok(self.json.as_ref().is_some_and(|p| p.as_os_str() == "-"))
    }
}

/// `bang sim … --shard I/N --partial FILE`: this slice's totals, for `bang sim merge`.
pub(crate) fn run_shard(
    opts: &bang::sim::SimOptions,
    shard: bang::sim::shard::Shard,
    path: &PathBuf,
) -> Result<(), CliError> {
    let started = std::time::Instant::now();
    let totals = bang::sim::run_totals(opts)?;
    let partial = bang::sim::shard::Partial::new(opts, shard, totals);
    write_out(path, &(serde_json::to_string(&partial)? + "\n"))?;
    let (start, end) = shard.range(opts.encounters);
    println!(
        "shard {}/{}: encounters {start}..{end} of each of {} points in {:.2} s, totals in {}",
        shard.index,
        shard.count,
        partial.points.len(),
        started.elapsed().as_secs_f64(),
        path.display()
    );
    Ok(())
}

/// `bang sim … --target OUTCOME=RATE --search KEY=LO..HI`: the value where the rate reaches the
/// target.
fn run_target(
    opts: &bang::sim::SimOptions,
    target: &str,
    search: &str,
    budget: bang::sim::target::Budget,
    outputs: &SimOutputs,
) -> Result<(), CliError> {
    use bang::sim::target;
    if outputs.csv.is_some() || outputs.report.is_some() {
        return Err("--target writes --json only (no --csv or --report)".into());
    }
    let t = target::Target::parse(target)?;
    t.check(&opts.scenario)?;
    let range = target::SearchRange::parse(search, &opts.scenario, &opts.balance)?;
    let started = std::time::Instant::now();
    let found = target::search(opts, &t, &range, budget)?;
    let summary = target::text(&found);
    let timing = format!("in {:.2} s\n", started.elapsed().as_secs_f64());
    let mut stdout_taken = false;
    if let Some(p) = &outputs.json {
        write_out(p, &(serde_json::to_string_pretty(&found)? + "\n"))?;
        stdout_taken = p.as_os_str() == "-";
    }
    match stdout_taken {
        true => eprint!("{summary}{timing}"),
        false => print!("{summary}{timing}"),
    }
    Ok(())
}

/// `bang sim compare A.json B.json`.
fn compare_sim(
    a: &PathBuf,
    b: &PathBuf,
    report: Option<&PathBuf>,
    json: Option<&PathBuf>,
) -> Result<(), CliError> {
    use bang::sim::compare;
    let read = |p: &PathBuf| -> Result<compare::Run, CliError> {
        let text = std::fs::read_to_string(p).map_err(|source| SimFileError::Read {
            path: p.clone(),
            source,
        })?;
        Ok(compare::parse(&p.display().to_string(), &text)?)
    };
    let names = (a.display().to_string(), b.display().to_string());
    let (ra, rb) = match (read(a)?, read(b)?) {
        (compare::Run::World(wa), compare::Run::World(wb)) => {
            return compare_worlds(*wa, *wb, &names, report, json);
        }
        (ra, rb) => compare::sweeps(ra, rb)?,
    };
    let c = compare::compare(&ra, &rb, (&names.0, &names.1));
    let page = report.map(|_| compare::html(&c, &ra, &rb));
    write_comparison(&c, &compare::text(&c), page, report, json)
}

/// Writes a comparison's page and JSON where asked, and its summary (to stderr when stdout
/// took the JSON).
fn write_comparison(
    c: &impl serde::Serialize,
    summary: &str,
    page: Option<String>,
    report: Option<&PathBuf>,
    json: Option<&PathBuf>,
) -> Result<(), CliError> {
    if let (Some(p), Some(page)) = (report, page) {
        write_out(p, &page)?;
    }
    let mut stdout_taken = false;
    if let Some(p) = json {
        write_out(p, &(serde_json::to_string_pretty(c)? + "\n"))?;
        stdout_taken = p.as_os_str() == "-";
    }
    match stdout_taken {
        true => eprint!("{summary}"),
        false => print!("{summary}"),
    }
    Ok(())
}

/// `bang sim compare` of two `bang sim world` reports.
fn compare_worlds(
    a: bang::sim::world::report::WorldReport,
    b: bang::sim::world::report::WorldReport,
    names: &(String, String),
    report: Option<&PathBuf>,
    json: Option<&PathBuf>,
) -> Result<(), CliError> {
    use bang::sim::world::compare;
    let c = compare::compare(&a, &b, (&names.0, &names.1));
    let page = report.map(|_| compare::html(&c, &a, &b));
    write_comparison(&c, &compare::text(&c), page, report, json)
}

/// `bang sim round`: one round described in JSON on stdin.
pub(crate) fn sim_round(rng: RngArg, balance: Option<PathBuf>) -> Result<(), CliError> {
    let balance = balance_source(balance).load()?;
    let mut input = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut input)?;
    let out = bang::sim::round::resolve_json(&input, rng.into(), &balance.combat)?;
    println!("{out}");
    Ok(())
}

/// `bang sim merge`: the shards' totals added up, written as the single run would have been.
pub(crate) fn merge_sim(parts: Vec<PathBuf>, outputs: SimOutputs) -> Result<(), CliError> {
    let mut read = Vec::with_capacity(parts.len());
    for path in parts {
        let text = std::fs::read_to_string(&path).map_err(|source| SimFileError::Read {
            path: path.clone(),
            source,
        })?;
        let partial: bang::sim::shard::Partial = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a bang sim partial file: {e}", path.display()))?;
        read.push((path.display().to_string(), partial));
    }
    let n = read.len();
    let (run, totals) = bang::sim::shard::merge(read)?;
    let report = bang::sim::shard::report(&run, totals);
    let summary = bang::sim::report::text(&report);
    let note = format!("merged {n} shards\n");
    match outputs.write(&report)? {
        true => eprint!("{summary}{note}"),
        false => print!("{summary}{note}"),
    }
    Ok(())
}

pub(crate) fn run_sim(args: SimArgs) -> Result<(), CliError> {
    match args.command {
        Some(SimCommand::Round { rng, balance }) => return sim_round(rng, balance),
        Some(SimCommand::Merge { parts, outputs }) => return merge_sim(parts, outputs),
        Some(SimCommand::World(world)) => return super::sim_world::run_world(*world),
        Some(SimCommand::Compare { a, b, report, json }) => {
            return compare_sim(&a, &b, report.as_ref(), json.as_ref());
        }
        None => {}
    }
    if args.shard.is_some() != args.partial.is_some() {
        return Err("--shard and --partial go together".into());
    }
    let path = args
        .scenario
        .ok_or("give a scenario file (or `sim round`)")?;
    let scenario = read_scenario(&path)?;
    let sweeps = args
        .sweeps
        .iter()
        .map(|s| bang::sim::scenario::Sweep::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    if args.encounters == 0 || args.encounters > 100_000_000 {
        return Err("--encounters must be between 1 and 100000000".into());
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 256);
    if args.path == bang::sim::SimPath::Batched && !bang::sim::batch::supports(&scenario) {
        return Err("--path batched plays ship-only scenarios; this one has garrisons".into());
    }
    let opts = bang::sim::SimOptions {
        path: args.path,
        scenario,
        balance: balance_source(args.balance).load()?,
        encounters: args.encounters,
        seed: args.seed,
        threads,
        sweeps,
        rng: args.rng.into(),
        progress: !args.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        shard: args.shard,
    };
    if let (Some(shard), Some(path)) = (args.shard, &args.partial) {
        return run_shard(&opts, shard, path);
    }
    if let (Some(target), Some(search)) = (&args.target, &args.search) {
        let budget = bang::sim::target::Budget {
            total: args.target_budget,
            per_probe: args.probe_encounters.max(1),
        };
        return run_target(&opts, target, search, budget, &args.outputs);
    }
    let started = std::time::Instant::now();
    let report = bang::sim::run(&opts)?;
    let secs = started.elapsed().as_secs_f64();
    let stdout_taken = args.outputs.write(&report)?;
    let total = opts.encounters * report.points.len() as u64;
    let summary = bang::sim::report::text(&report);
    let timing = format!(
        "{total} encounters in {secs:.2} s ({:.0}/s on {threads} threads)\n",
        total as f64 / secs.max(1e-9)
    );
    if stdout_taken {
        eprint!("{summary}{timing}");
    } else {
        print!("{summary}{timing}");
    }
    Ok(())
}
