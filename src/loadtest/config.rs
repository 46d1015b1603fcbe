//! The options of `bang loadtest`, checked against each other and against the server's
//! universe before anything connects for the load.

use super::error::LoadtestError;
use super::player;
use super::shard::{Shard, StartAt};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Options of `bang loadtest`.
#[derive(clap::Args, Debug, Clone)]
// `bang loadtest --players 9 merge …` would otherwise drop the options without a word.
#[command(args_conflicts_with_subcommands = true)]
pub struct LoadtestArgs {
    /// Server address (host:port); players connect to ws://ADDR/ws
    #[arg(long, default_value = "127.0.0.1:8000")]
    pub addr: String,
    /// Number of simulated players (each with its own connection and character)
    #[arg(long, default_value_t = 100)]
    pub players: usize,
    /// Seconds over which the players connect, evenly spread
    #[arg(long, default_value_t = 10.0)]
    pub ramp_up: f64,
    /// Seconds after the ramp-up before the figures "after the ramp-up" are taken (and the
    /// non-readers begin): time for the server to tell everyone of the joins (in a crowd, each
    /// join goes to every player already there)
    #[arg(long, default_value_t = 0.0, value_name = "SECS")]
    pub settle: f64,
    /// Seconds from the first connection until players stop starting new actions
    #[arg(long, default_value_t = 60.0)]
    pub duration: f64,
    /// Seconds after the stop for running fights to finish before everyone disconnects
    #[arg(long, default_value_t = 20.0)]
    pub grace: f64,
    /// Pause between a player's actions, milliseconds: MIN,MAX (uniform)
    #[arg(long, default_value = "500,2000", value_name = "MIN,MAX")]
    pub think_ms: String,
    /// How long a player takes to answer a combat round, milliseconds: MIN,MAX (uniform; at most
    /// 14,000, under the 15 s round deadline) [default: half the think time, at most 5,000]
    #[arg(long, value_name = "MIN,MAX")]
    pub combat_think_ms: Option<String>,
    /// Action weights: move=W,trade=W,chat=W,fight=W,toll=W,status=W (kinds left out weigh 0)
    /// [default: move=30,trade=20,chat=5,fight=35,toll=10; with --crowd: status=50,trade=50]
    #[arg(long, value_name = "KIND=W,...")]
    pub mix: Option<String>,
    /// A crowded sector: every player joins SECTOR and stays there, doing only what does not
    /// move it (status, trade at the sector's port if it has one, chat); move, fight and toll are
    /// refused in the mix. Players do not park at the end (each departure would be told to
    /// everyone left in the crowd)
    #[arg(long, value_name = "SECTOR")]
    pub crowd: Option<u32>,
    /// Extra connections that never read: each joins its own character (in the --crowd sector,
    /// else in the first parking sector) when the ramp-up (and --settle) ends, then pipelines `my_status` at
    /// up to 1,000 a second (the server's default per-connection rate) with a 4 KiB receive
    /// buffer, until the server cuts it or the load stops. The report counts the cuts
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub non_readers: usize,
    /// Seed of the players' choices
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Character ids are PREFIX-0, PREFIX-1, … [default: a random short tag, so reruns against
    /// the same data directory use new characters]
    #[arg(long)]
    pub prefix: Option<String>,
    /// Write the JSON report to this file (`-` for stdout; the summary then goes to stderr)
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// No live progress
    #[arg(long)]
    pub quiet: bool,
    /// Connections being opened and joined at the same time
    #[arg(long, default_value_t = 64)]
    pub connect_concurrency: usize,
    /// The server's process id: its resident memory and CPU time (from /proc) go in the report
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Threads the players run on. One keeps the tool off the cores a server on the same
    /// machine needs (one thread drives tens of thousands of requests a second)
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Drive only shard I of N (0 ≤ I < N) of the --players: a contiguous run of the fighting
    /// pairs, each player as it would be in one process. Run N of these (on N machines) with the
    /// same options and --prefix, then `bang loadtest merge` their reports
    #[arg(long, value_name = "I/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,
    /// Wait until this wall-clock time before the load begins, so that shards start together:
    /// RFC 3339 (2026-03-01T12:00:00Z) or Unix seconds. Refused if more than 5 s in the past
    /// [default: begin at once]
    #[arg(long, value_name = "TIME", value_parser = StartAt::parse)]
    pub start_at: Option<StartAt>,
    #[command(subcommand)]
    pub command: Option<LoadtestCommand>,
}

/// What `bang loadtest` does besides a run.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum LoadtestCommand {
    /// Combine the reports of `--shard 0/N` … `--shard N-1/N` into the report one process
    /// would have written (histograms added, counters summed)
    Merge(MergeArgs),
}

/// Options of `bang loadtest merge`.
#[derive(clap::Args, Debug, Clone)]
pub struct MergeArgs {
    /// The shards' JSON reports (written with --shard and --report), one per shard
    #[arg(required = true, value_name = "REPORT")]
    pub reports: Vec<PathBuf>,
    /// Write the merged JSON report to this file (`-` for stdout; the summary then goes to stderr)
    #[arg(long)]
    pub report: Option<PathBuf>,
}

impl LoadtestArgs {
    /// Options as on the command line (without the subcommand), e.g. for tests:
    /// `LoadtestArgs::parse_from(["--addr", "127.0.0.1:9000", "--players", "20"])`.
    pub fn parse_from<I, T>(args: I) -> Result<LoadtestArgs, LoadtestError>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct Wrapper {
            #[command(flatten)]
            args: LoadtestArgs,
        }
        let argv = std::iter::once(std::ffi::OsString::from("loadtest"))
            .chain(args.into_iter().map(Into::into));
        Ok(Wrapper::try_parse_from(argv)?.args)
    }
}

/// Relative weights of the actions a player picks between.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Mix {
    pub weights: [u32; 6],
}

pub(crate) const ACTION_KINDS: [&str; 6] = ["move", "trade", "chat", "fight", "toll", "status"];

/// The mix without `--mix`.
const DEFAULT_MIX: &str = "move=30,trade=20,chat=5,fight=35,toll=10";
/// The mix without `--mix` in a crowded sector: no broadcast chat (each message would go to
/// every player in the crowd).
const DEFAULT_CROWD_MIX: &str = "status=50,trade=50";
/// The kinds that take a player out of its sector (or start fights there).
const MOVING_KINDS: [&str; 3] = ["move", "fight", "toll"];

impl Mix {
    pub(crate) fn parse(s: &str) -> Result<Mix, LoadtestError> {
        let mut weights = [0u32; 6];
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| LoadtestError::MixPart(part.to_string()))?;
            let i = ACTION_KINDS
                .iter()
                .position(|a| *a == k.trim())
                .ok_or_else(|| LoadtestError::MixKind(k.to_string()))?;
            weights[i] = v
                .trim()
                .parse()
                .map_err(|source| LoadtestError::MixWeight {
                    kind: k.to_string(),
                    value: v.to_string(),
                    source,
                })?;
        }
        if weights.iter().all(|w| *w == 0) {
            return Err(LoadtestError::MixAllZero);
        }
        Ok(Mix { weights })
    }

    fn weight(&self, kind: &str) -> u32 {
        ACTION_KINDS
            .iter()
            .position(|k| *k == kind)
            .map_or(0, |i| self.weights[i])
    }

    /// `--mix` (or its default) checked against `--crowd`: a crowd stays in its sector.
    fn for_run(given: Option<&str>, crowd: Option<u32>) -> Result<Mix, LoadtestError> {
        let default = if crowd.is_some() {
            DEFAULT_CROWD_MIX
        } else {
            DEFAULT_MIX
        };
        let mix = Mix::parse(given.unwrap_or(default))?;
        if crowd.is_some() {
            let moving: Vec<&str> = MOVING_KINDS
                .into_iter()
                .filter(|k| mix.weight(k) > 0)
                .collect();
            if !moving.is_empty() {
                return Err(LoadtestError::MixLeavesCrowd(moving.join(", ")));
            }
        }
        Ok(mix)
    }
}

/// The validated options.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub addr: String,
    pub players: usize,
    pub ramp_up: Duration,
    pub settle: Duration,
    pub duration: Duration,
    pub grace: Duration,
    pub think_ms: (u64, u64),
    pub combat_think_ms: (u64, u64),
    pub mix: Mix,
    pub seed: u64,
    pub prefix: String,
    pub sectors: u32,
    /// Sectors from here on are where characters go when they stop (never homes or destinations),
    /// so a later run against the same data finds no idle characters in its homes.
    pub park_from: u32,
    pub connect_concurrency: usize,
    /// Every player's home (`--crowd`): they join it and stay.
    pub crowd: Option<u32>,
    pub non_readers: usize,
    pub shard: Option<Shard>,
    pub start_at: Option<StartAt>,
}

impl Config {
    /// `prefix-`: ids of this run's characters start with it.
    pub fn id_prefix(&self) -> String {
        format!("{}-", self.prefix)
    }

    pub fn is_park(&self, sector: u32) -> bool {
        sector >= self.park_from
    }

    /// Where the non-readers' characters are: in the crowd, else in the first parking sector
    /// (never a home, so no fight pulls them in).
    pub fn non_reader_sector(&self) -> u32 {
        self.crowd.unwrap_or(self.park_from)
    }

    /// The indices of the players this process drives: all of them, or its shard's.
    pub fn my_players(&self) -> std::ops::Range<usize> {
        self.shard
            .map_or(0..self.players, |s| s.players(self.players))
    }

    /// The indices of this process's non-readers.
    pub fn my_non_readers(&self) -> std::ops::Range<usize> {
        self.shard
            .map_or(0..self.non_readers, |s| s.non_readers(self.non_readers))
    }
}

/// `MIN,MAX` (or one number for both) of the option `option` (`--think-ms`, `--combat-think-ms`).
fn parse_think(option: &'static str, s: &str) -> Result<(u64, u64), LoadtestError> {
    let parse = |v: &str| {
        v.trim()
            .parse::<u64>()
            .map_err(|source| LoadtestError::ThinkNotNumber {
                option,
                value: v.to_string(),
                source,
            })
    };
    let (lo, hi) = match s.split_once(',') {
        Some((a, b)) => (parse(a)?, parse(b)?),
        None => {
            let v = parse(s)?;
            (v, v)
        }
    };
    if lo > hi {
        return Err(LoadtestError::ThinkOrder { option, lo, hi });
    }
    Ok((lo, hi))
}

/// `--combat-think-ms`, or half of `--think-ms` (at most 5 s).
fn combat_think(args: &LoadtestArgs) -> Result<(u64, u64), LoadtestError> {
    let Some(text) = &args.combat_think_ms else {
        let (lo, hi) = parse_think("--think-ms", &args.think_ms)?;
        return Ok(((lo / 2).min(5_000), (hi / 2).min(5_000)));
    };
    let (lo, hi) = parse_think("--combat-think-ms", text)?;
    if hi > 14_000 {
        return Err(LoadtestError::CombatThinkTooLong(hi));
    }
    Ok((lo, hi))
}

fn secs(name: &'static str, v: f64) -> Result<Duration, LoadtestError> {
    if !v.is_finite() || !(0.0..=1e6).contains(&v) {
        return Err(LoadtestError::Seconds { name, value: v });
    }
    Ok(Duration::from_secs_f64(v))
}

fn random_prefix() -> String {
    let u = uuid::Uuid::new_v4().simple().to_string();
    format!("lt{}", &u[..6])
}

/// The options checked against each other and against the server's universe (which only the
/// server can tell), before anything connects for the load.
pub(super) async fn configure(
    args: &LoadtestArgs,
) -> Result<(SocketAddr, Arc<Config>), LoadtestError> {
    if args.players == 0 {
        return Err(LoadtestError::NoPlayers);
    }
    if let Some(shard) = args.shard {
        shard.check(args.players)?;
        if args.prefix.is_none() {
            return Err(LoadtestError::ShardWithoutPrefix);
        }
    }
    if let Some(start) = &args.start_at {
        start.wait_from(std::time::SystemTime::now())?;
    }
    let addr = resolve(&args.addr)?;
    let sectors = player::probe(addr).await?;
    if sectors == 0 {
        return Err(LoadtestError::EmptyUniverse);
    }
    // The last 5 % of sectors (at most 500). Parking is a burst of joins into them, each answered
    // with everyone already there, so they are many: 50 held 260 players each in a 13,000-player
    // run, and those replies cost the server a third of its memory for the moment.
    let park_count = (sectors / 20).clamp(1, 500).min(sectors.saturating_sub(1));
    if let Some(c) = args.crowd
        && c >= sectors
    {
        return Err(LoadtestError::CrowdOutside {
            crowd: c,
            last: sectors - 1,
        });
    }
    let cfg = Arc::new(Config {
        addr: addr.to_string(),
        players: args.players,
        ramp_up: secs("ramp-up", args.ramp_up)?,
        settle: secs("settle", args.settle)?,
        duration: secs("duration", args.duration)?,
        grace: secs("grace", args.grace)?,
        think_ms: parse_think("--think-ms", &args.think_ms)?,
        combat_think_ms: combat_think(args)?,
        mix: Mix::for_run(args.mix.as_deref(), args.crowd)?,
        seed: args.seed,
        prefix: args.prefix.clone().unwrap_or_else(random_prefix),
        sectors,
        park_from: sectors - park_count,
        connect_concurrency: args.connect_concurrency.max(1),
        crowd: args.crowd,
        non_readers: args.non_readers,
        shard: args.shard,
        start_at: args.start_at.clone(),
    });
    Ok((addr, cfg))
}

fn resolve(addr: &str) -> Result<SocketAddr, LoadtestError> {
    use std::net::ToSocketAddrs;
    addr.to_socket_addrs()
        .map_err(|source| LoadtestError::Addr {
            addr: addr.to_string(),
            source,
        })?
        .next()
        .ok_or_else(|| LoadtestError::NoAddr(addr.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse() {
        let m = Mix::parse("move=1, fight=3").unwrap();
        assert_eq!(m.weights, [1, 0, 0, 3, 0, 0]);
        assert!(Mix::parse("dance=1").is_err());
        assert!(Mix::parse("move=0").is_err());
        assert_eq!(parse_think("--think-ms", "100,300").unwrap(), (100, 300));
        assert_eq!(parse_think("--think-ms", "50").unwrap(), (50, 50));
        let e = parse_think("--combat-think-ms", "3,1").unwrap_err();
        assert_eq!(e.to_string(), "--combat-think-ms: MIN 3 is above MAX 1");
        let a = LoadtestArgs::parse_from(["--players", "4", "--prefix", "x"]).unwrap();
        assert_eq!((a.players, a.prefix.as_deref()), (4, Some("x")));
        assert_eq!((a.crowd, a.non_readers, a.settle), (None, 0, 0.0));
        let a = LoadtestArgs::parse_from(["--crowd", "7", "--non-readers", "3", "--settle", "2"])
            .unwrap();
        assert_eq!((a.crowd, a.non_readers, a.settle), (Some(7), 3, 2.0));
    }

    #[test]
    fn a_crowd_takes_only_what_keeps_it_in_its_sector() {
        let default = Mix::for_run(None, None).unwrap();
        assert_eq!(default.weights, [30, 20, 5, 35, 10, 0]);
        let crowd = Mix::for_run(None, Some(0)).unwrap();
        assert_eq!(crowd.weights, [0, 50, 0, 0, 0, 50], "status and trade");
        assert!(Mix::for_run(Some("status=1,chat=1,trade=1"), Some(0)).is_ok());
        let refused = Mix::for_run(Some("status=1,move=1,toll=2"), Some(0))
            .unwrap_err()
            .to_string();
        assert!(refused.contains("move, toll"), "{refused}");
        assert!(Mix::for_run(Some("move=1"), None).is_ok());
    }
}
