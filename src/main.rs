//! `bang`: the Gradient Bang server and its tools.

use bang::server::Server;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

mod cli;
use cli::CliError;
use cli::account::AccountCommand;
use cli::serve::{ServeArgs, settings};
use cli::sim::{SimArgs, run_sim};

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
        Command::Account(command) => cli::account::run_account(command),
        Command::Import {
            from,
            trade_history,
            data,
            world_data,
        } => {
            let universe = cli::world_source(world_data).load()?;
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
