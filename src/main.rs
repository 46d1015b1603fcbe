//! `bang`: the Gradient Bang server and its tools.

use bang::config::ConfigFile;
use bang::server::{BalanceSource, Server, ServerSettings, WorldSource};
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

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
    /// Write the JSON Schemas of every frame and payload.
    Schemas {
        #[arg(long, default_value = "schemas")]
        out: PathBuf,
    },
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

fn settings(args: ServeArgs) -> Result<ServerSettings, String> {
    let file = match &args.config {
        Some(path) => ConfigFile::load(path)?,
        None => ConfigFile::default(),
    };
    let mut s = ServerSettings::default();
    if let Some(listen) = args.listen.or(file.listen) {
        s.net.listen = listen;
    }
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
    if let Some(rng) = file.combat_rng {
        s.combat_rng = rng.into();
    }
    if let Some(data) = args.data.or(file.data) {
        s.data = data;
    }
    if let Some(hz) = args.tick_hz.or(file.tick_hz) {
        s.tick_hz = hz;
    }
    let l = &file.limits;
    if let Some(v) = l.max_connections {
        s.net.max_connections = v;
    }
    if let Some(v) = l.max_message_bytes {
        s.net.max_message_bytes = v;
    }
    if let Some(v) = l.outbox_frames {
        s.net.outbox_frames = v.max(1);
    }
    if let Some(v) = l.net_threads {
        s.net.worker_threads = v.max(1);
    }
    if let Some(v) = l.inbox_requests {
        s.inbox_requests = v.max(1);
    }
    if let Some(d) = file.store.durability {
        s.durability = d;
    }
    Ok(s)
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve(args) => {
            let settings = settings(args)?;
            let server = Server::start(settings, true)?;
            // One plain line on stdout for people and scripts (logs go to stderr).
            println!("bang listening on ws://{}/ws", server.local_addr());
            server.run()
        }
        Command::Universe(args) => {
            let (structure, contents) = bang::world::generate::generate(args.sectors, args.seed)
                .map_err(|e| e.to_string())?;
            std::fs::create_dir_all(&args.out).map_err(|e| e.to_string())?;
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
                let text = text.map_err(|e| e.to_string())? + "\n";
                std::fs::write(args.out.join(name), text).map_err(|e| e.to_string())?;
            }
            println!(
                "wrote a universe of {} sectors (seed {}) to {}",
                args.sectors,
                args.seed,
                args.out.display()
            );
            Ok(())
        }
        Command::Schemas { out } => {
            let n = bang::schema::write_all(&out).map_err(|e| e.to_string())?;
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
