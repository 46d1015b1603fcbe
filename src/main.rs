//! `bang`: the Gradient Bang server and its tools.

use bang::config::ConfigFile;
use bang::server::{BalanceSource, Server, ServerSettings, WorldSource};
use bang_components::session::WireDialect;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

// The game loop builds and drops many short-lived buffers (JSON payloads, frames, rows), and
// some are freed on other threads: glibc's allocator took about a third of its time under load
// (perf). With mimalloc the server used ~10 % less CPU at 6,500 requests/s, p50 and p99 lower in
// each of three paired runs; idle connections take about half as much memory again
// (docs/BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "bang", version, about = "Gradient Bang game server and tools")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the game server.
    Serve(ServeArgs),
    /// Generate a universe (universe_structure.json and sector_contents.json) from a seed.
    Universe(UniverseArgs),
    /// Run seeded batches of encounters from a scenario file (headless, on the real combat
    /// systems), with parameter sweeps and reports; `sim round` resolves one round from stdin.
    Sim(SimArgs),
    /// Drive a server with simulated players over real WebSockets and report latencies,
    /// throughput, events and broken invariants.
    Loadtest(bang::loadtest::LoadtestArgs),
    /// Import a reference server's world-data directory (knowledge files, port states,
    /// garrisons, chat messages, trade log) into an empty bang data directory.
    Import {
        /// The reference's world-data directory
        #[arg(long)]
        from: PathBuf,
        /// The reference's trade log [default: FROM/trade_history.jsonl; the reference writes it
        /// to its repository's world-data/ whatever its WORLD_DATA_DIR]
        #[arg(long)]
        trade_history: Option<PathBuf>,
        /// bang's data directory to create [default: ./data]
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// The universe the world was played in [default: ./world-data if present, else built in]
        #[arg(long)]
        world_data: Option<PathBuf>,
    },
    /// Manage accounts while the server is stopped (the first operator, a lost password).
    #[command(subcommand)]
    Account(AccountCommand),
    /// Write the JSON Schemas of every frame and payload.
    Schemas {
        #[arg(long, default_value = "schemas")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Add an account to a data directory (the password is read from BANG_PASSWORD, else from
    /// the first line of standard input).
    Add {
        username: String,
        /// Make it an operator
        #[arg(long)]
        operator: bool,
        /// If the account exists, set its password (and role) and end its logins
        #[arg(long)]
        replace: bool,
        /// bang's data directory [default: ./data]
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
}

fn run_account(command: AccountCommand) -> Result<(), CliError> {
    let AccountCommand::Add {
        username,
        operator,
        replace,
        data,
    } = command;
    let password = match std::env::var("BANG_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let role = match operator {
        true => bang_components::account::AccountRole::Operator,
        false => bang_components::account::AccountRole::Player,
    };
    std::fs::create_dir_all(&data)?;
    let account = bang::store::accounts::add_account(&data, &username, &password, role, replace)?;
    println!(
        "account '{}' ({:?}) saved in {}",
        account.name,
        account.role,
        data.display()
    );
    Ok(())
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8000]
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Directory with universe_structure.json and sector_contents.json [default: ./world-data
    /// if present, else the universe built into the binary]
    #[arg(long)]
    world_data: Option<PathBuf>,
    /// Directory for the SQLite store [default: ./data]
    #[arg(long)]
    data: Option<PathBuf>,
    /// Configuration file (TOML)
    #[arg(long)]
    config: Option<PathBuf>,
    /// Fixed-clock rate in Hz [default: 20]
    #[arg(long)]
    tick_hz: Option<f64>,
    /// Balance file (TOML) [default: ./world-data/balance.toml if present, else built in]
    #[arg(long)]
    balance: Option<PathBuf>,
    /// Dialect of a connection that does not name one (`/ws?dialect=`): 2025-10 or 2026-01
    /// [default: 2025-10]
    #[arg(long)]
    dialect: Option<WireDialect>,
    /// World rules: 2025-10 (the seed's) or 2026-01 (registration required, hyperspace travel,
    /// seeding characters from the world-data directory's files) [default: the dialect's]
    #[arg(long)]
    rules: Option<WireDialect>,
    /// Serve `test.reset` (the 2026-01 integration suite's): for test deployments only
    #[arg(long)]
    test_endpoints: bool,
    /// Do not write characters' files back into a 2026-01-format world-data directory
    #[arg(long)]
    no_mirror_world_files: bool,
    /// `open` (anyone joins any character: local play, the reference clients) or `accounts`
    /// (characters belong to accounts; joining needs the owner's login) [default: open]
    #[arg(long, value_enum)]
    auth: Option<AuthArg>,
    /// Allow `auth = open` on an address other than loopback (anyone who can reach the port
    /// can play, and take over, every character)
    #[arg(long)]
    insecure_open: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum AuthArg {
    Open,
    Accounts,
}

impl From<AuthArg> for bang_components::account::AuthMode {
    fn from(a: AuthArg) -> Self {
        match a {
            AuthArg::Open => bang_components::account::AuthMode::Open,
            AuthArg::Accounts => bang_components::account::AuthMode::Accounts,
        }
    }
}

/// Refused at start: open play on an address others can reach, without `--insecure-open`.
#[derive(Debug, thiserror::Error)]
#[error(
    "refusing to serve auth = \"open\" on {0}: anyone who reaches it can join and play every \
     character. Use --auth accounts (see docs/security.md), listen on 127.0.0.1, or pass \
     --insecure-open if this network is trusted"
)]
struct OpenExposed(SocketAddr);

/// The auth mode and account settings, from the flags and the config file.
fn apply_auth(s: &mut ServerSettings, args: &ServeArgs, file: &ConfigFile) -> Result<(), CliError> {
    s.auth = args.auth.map(Into::into).or(file.auth).unwrap_or_default();
    if let Some(accounts) = &file.accounts {
        accounts
            .check()
            .map_err(|(key, must)| bang::config::ConfigError::out_of_range(key, must))?;
        s.accounts = accounts.clone();
    }
    let ip = s.net.listen.ip();
    if s.auth == bang_components::account::AuthMode::Open
        && !ip.is_loopback()
        && !args.insecure_open
    {
        return Err(Box::new(OpenExposed(s.net.listen)));
    }
    Ok(())
}

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
struct SimArgs {
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
    /// Write the results as JSON to this file (`-` for stdout)
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write one CSV row per grid point to this file
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Write a self-contained HTML report with plots to this file
    #[arg(long)]
    report: Option<PathBuf>,
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
}

#[derive(Subcommand)]
enum SimCommand {
    /// Add up the partial files of a sweep run with `--shard I/N` on several machines into the
    /// JSON, CSV and HTML report one process would have written (byte for byte).
    Merge {
        /// Every shard's `--partial` file
        #[arg(required = true)]
        parts: Vec<PathBuf>,
        #[arg(long)]
        json: Option<PathBuf>,
        #[arg(long)]
        csv: Option<PathBuf>,
        #[arg(long)]
        report: Option<PathBuf>,
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
enum RngArg {
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

fn balance_source(path: Option<PathBuf>) -> BalanceSource {
    match path {
        Some(p) => BalanceSource::File(p),
        None if PathBuf::from("world-data/balance.toml").exists() => {
            BalanceSource::File(PathBuf::from("world-data/balance.toml"))
        }
        None => BalanceSource::Bundled,
    }
}

/// Whatever stops a command, shown as `bang: …` on standard error.
type CliError = Box<dyn std::error::Error>;

/// A file of `bang sim` that could not be read, taken as a scenario, or written.
#[derive(Debug, thiserror::Error)]
enum SimFileError {
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

fn read_scenario(path: &std::path::Path) -> Result<bang::sim::scenario::Scenario, SimFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| SimFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    bang::sim::scenario::Scenario::parse(&text).map_err(|source| SimFileError::Scenario {
        path: path.to_path_buf(),
        source,
    })
}

fn write_out(path: &PathBuf, text: &str) -> Result<(), SimFileError> {
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
struct SimOutputs {
    json: Option<PathBuf>,
    csv: Option<PathBuf>,
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
fn run_shard(
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

/// `bang sim round`: one round described in JSON on stdin.
fn sim_round(rng: RngArg, balance: Option<PathBuf>) -> Result<(), CliError> {
    let balance = balance_source(balance).load()?;
    let mut input = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut input)?;
    let out = bang::sim::round::resolve_json(&input, rng.into(), &balance.combat)?;
    println!("{out}");
    Ok(())
}

/// `bang sim merge`: the shards' totals added up, written as the single run would have been.
fn merge_sim(parts: Vec<PathBuf>, outputs: SimOutputs) -> Result<(), CliError> {
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

fn run_sim(args: SimArgs) -> Result<(), CliError> {
    match args.command {
        Some(SimCommand::Round { rng, balance }) => return sim_round(rng, balance),
        Some(SimCommand::Merge {
            parts,
            json,
            csv,
            report,
        }) => return merge_sim(parts, SimOutputs { json, csv, report }),
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
    let started = std::time::Instant::now();
    let report = bang::sim::run(&opts)?;
    let secs = started.elapsed().as_secs_f64();
    let outputs = SimOutputs {
        json: args.json,
        csv: args.csv,
        report: args.report,
    };
    let stdout_taken = outputs.write(&report)?;
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

#[derive(clap::Args)]
struct UniverseArgs {
    /// Number of sectors
    #[arg(long, default_value_t = 5000)]
    sectors: u32,
    /// Seed; the same seed and size give the same files
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output directory
    #[arg(long, default_value = ".")]
    out: PathBuf,
}

fn settings(args: ServeArgs) -> Result<ServerSettings, CliError> {
    let file = match &args.config {
        Some(path) => ConfigFile::load(path)?,
        None => ConfigFile::default(),
    };
    let mut s = ServerSettings::default();
    if let Some(listen) = args.listen.or(file.listen) {
        s.net.listen = listen;
    }
    apply_auth(&mut s, &args, &file)?;
    let named_world = args.world_data.is_some() || file.world_data.is_some();
    s.world = match args.world_data.or(file.world_data) {
        Some(dir) => WorldSource::Dir(dir),
        None if PathBuf::from("world-data/universe_structure.json").exists() => {
            WorldSource::Dir(PathBuf::from("world-data"))
        }
        None => WorldSource::Bundled,
    };
    s.balance = match args.balance.or(file.balance) {
        Some(path) => BalanceSource::File(path),
        None if PathBuf::from("world-data/balance.toml").exists() => {
            BalanceSource::File(PathBuf::from("world-data/balance.toml"))
        }
        None => BalanceSource::Bundled,
    };
    s.admin_token = file.admin_token.filter(|t| !t.is_empty());
    if let Some(dialect) = args.dialect {
        s.net.dialect = dialect;
    } else if let Some(name) = &file.dialect {
        s.net.dialect = name.parse()?;
    }
    let rules = match (args.rules, &file.rules) {
        (Some(rules), _) => rules,
        (None, Some(name)) => name.parse()?,
        (None, None) => s.net.dialect,
    };
    if rules == WireDialect::V2026_01 {
        s.rules = bang_components::rules::WorldRules::release_2026();
        s.registration_required = true;
    }
    s.rules.test_endpoints = args.test_endpoints;
    // Files are written back only into a directory the operator named: the ./world-data found
    // by default is the bundled universe's, checked in, not a game's.
    s.mirror_world_files =
        !args.no_mirror_world_files && file.mirror_world_files.unwrap_or(named_world);
    s.keep_history = file.event_history;
    if let Some(secs) = file
        .leaderboard_refresh_secs
        .filter(|s| s.is_finite() && *s >= 0.0)
    {
        s.leaderboard_refresh_secs = secs;
    }
    s.character_tokens = file.character_tokens.clone();
    if let Some(rng) = file.combat_rng {
        s.combat_rng = rng.into();
    }
    if let Some(data) = args.data.or(file.data) {
        s.data = data;
    }
    if let Some(hz) = args.tick_hz.or(file.tick_hz) {
        s.tick_hz = hz;
    }
    file.limits.apply(&mut s.net)?;
    if let Some(v) = file.limits.inbox_requests {
        s.inbox_requests = v.max(1);
    }
    if let Some(retention) = file.retention {
        retention.validate()?;
        s.retention = retention;
    }
    if let Some(limits) = file.rate_limits {
        limits
            .check()
            .map_err(bang::config::ConfigError::RateLimits)?;
        s.rate_limits = limits;
    }
    if let Some(d) = file.store.durability {
        s.durability = d;
    }
    Ok(s)
}

fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Serve(args) => {
            let settings = settings(args)?;
            let server = Server::start(settings, true)?;
            // One plain line on stdout for people and scripts (logs go to stderr).
            println!("bang listening on ws://{}/ws", server.local_addr());
            Ok(server.run()?)
        }
        Command::Universe(args) => {
            let (structure, contents) = bang::world::generate::generate(args.sectors, args.seed)?;
            std::fs::create_dir_all(&args.out)?;
            for (name, text) in [
                (
                    "universe_structure.json",
                    serde_json::to_string_pretty(&structure),
                ),
                (
                    "sector_contents.json",
                    serde_json::to_string_pretty(&contents),
                ),
            ] {
                let text = text? + "\n";
                std::fs::write(args.out.join(name), text)?;
            }
            println!(
                "wrote a universe of {} sectors (seed {}) to {}",
                args.sectors,
                args.seed,
                args.out.display()
            );
            Ok(())
        }
        Command::Sim(args) => run_sim(args),
        Command::Account(command) => run_account(command),
        Command::Import {
            from,
            trade_history,
            data,
            world_data,
        } => {
            let world = match world_data {
                Some(dir) => WorldSource::Dir(dir),
                None if PathBuf::from("world-data/universe_structure.json").exists() => {
                    WorldSource::Dir(PathBuf::from("world-data"))
                }
                None => WorldSource::Bundled,
            };
            let universe = world.load()?;
            let trade_log = trade_history.unwrap_or_else(|| from.join("trade_history.jsonl"));
            let s = bang::import::import(&from, &data, &universe, &trade_log)?;
            println!(
                "imported {} characters, {} ports, {} garrisons, {} messages, {} trades into {}",
                s.characters,
                s.ports,
                s.garrisons,
                s.messages,
                s.trades,
                data.display()
            );
            if s.registered + s.unowned_ships > 0 {
                println!(
                    "  and {} registered characters, {} unowned ships (the 2026-01 format)",
                    s.registered, s.unowned_ships
                );
            }
            for line in &s.skipped {
                println!("  skipped {line}");
            }
            Ok(())
        }
        Command::Loadtest(args) => Ok(bang::loadtest::run_cli(args)?),
        Command::Schemas { out } => {
            let n = bang::schema::write_all(&out)?;
            println!("wrote {n} schemas to {}", out.display());
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bang: {e}");
            ExitCode::FAILURE
        }
    }
}
