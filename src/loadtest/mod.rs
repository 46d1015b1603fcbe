//! `bang loadtest`: thousands of simulated players, each a tokio task with its own WebSocket,
//! against a running server. They join, move, trade, chat, deploy toll garrisons and fight their
//! partner to the end; the run reports latencies, throughput, events and broken invariants.
//!
//! - [`player`]: one simulated player: its connection, its state and its loop.
//! - [`inbound`]: what a player reads: replies (timed, checked) and events.
//! - [`actions`]: what a player does next, and what it answers in a fight.
//! - [`stats`]: histograms, counters, combats and violations shared by all players.
//! - [`report`]: the JSON report and the human summary.
//! - [`server_metrics`]: the server's `/metrics` over the same window as the client's figures,
//!   and its gauges sampled through the run.
//! - [`non_reader`]: connections that pipeline requests and never read (`--non-readers`).
//! - [`wire`]: the parts of the server's frames the players read.

mod actions;
mod inbound;
mod non_reader;
mod player;
mod probe;
mod report;
mod server_metrics;
mod stats;
mod wire;

pub use report::Report;

use player::{Phase, PlayerSpec};
use stats::Shared;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, watch};

/// Options of `bang loadtest`.
#[derive(clap::Args, Debug, Clone)]
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
}

impl LoadtestArgs {
    /// Options as on the command line (without the subcommand), e.g. for tests:
    /// `LoadtestArgs::parse_from(["--addr", "127.0.0.1:9000", "--players", "20"])`.
    pub fn parse_from<I, T>(args: I) -> Result<LoadtestArgs, String>
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
        Wrapper::try_parse_from(argv)
            .map(|w| w.args)
            .map_err(|e| e.to_string())
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
    fn parse(s: &str) -> Result<Mix, String> {
        let mut weights = [0u32; 6];
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("--mix: expected KIND=WEIGHT, got {part:?}"))?;
            let i = ACTION_KINDS
                .iter()
                .position(|a| *a == k.trim())
                .ok_or_else(|| {
                    format!("--mix: unknown action {k:?} (move, trade, chat, fight, toll, status)")
                })?;
            weights[i] = v
                .trim()
                .parse()
                .map_err(|_| format!("--mix: weight of {k} is not a whole number: {v:?}"))?;
        }
        if weights.iter().all(|w| *w == 0) {
            return Err("--mix: at least one weight must be positive".into());
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
    fn for_run(given: Option<&str>, crowd: Option<u32>) -> Result<Mix, String> {
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
                return Err(format!(
                    "--mix: with --crowd, players stay in the crowd's sector; {} would take them \
                     out of it or start fights in it (use status, trade, chat)",
                    moving.join(", ")
                ));
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
}

fn parse_think(s: &str) -> Result<(u64, u64), String> {
    let parse = |v: &str| {
        v.trim()
            .parse::<u64>()
            .map_err(|_| format!("--think-ms: not a number of milliseconds: {v:?}"))
    };
    let (lo, hi) = match s.split_once(',') {
        Some((a, b)) => (parse(a)?, parse(b)?),
        None => {
            let v = parse(s)?;
            (v, v)
        }
    };
    if lo > hi {
        return Err(format!("--think-ms: MIN {lo} is above MAX {hi}"));
    }
    Ok((lo, hi))
}

/// `--combat-think-ms`, or half of `--think-ms` (at most 5 s).
fn combat_think(args: &LoadtestArgs) -> Result<(u64, u64), String> {
    let Some(text) = &args.combat_think_ms else {
        let (lo, hi) = parse_think(&args.think_ms)?;
        return Ok(((lo / 2).min(5_000), (hi / 2).min(5_000)));
    };
    let (lo, hi) = parse_think(text).map_err(|e| e.replace("--think-ms", "--combat-think-ms"))?;
    if hi > 14_000 {
        return Err(format!(
            "--combat-think-ms: MAX {hi} would miss the 15 s round deadline (at most 14000)"
        ));
    }
    Ok((lo, hi))
}

fn secs(name: &str, v: f64) -> Result<Duration, String> {
    if !v.is_finite() || !(0.0..=1e6).contains(&v) {
        return Err(format!("--{name}: expected seconds ≥ 0, got {v}"));
    }
    Ok(Duration::from_secs_f64(v))
}

fn random_prefix() -> String {
    let u = uuid::Uuid::new_v4().simple().to_string();
    format!("lt{}", &u[..6])
}

/// Runs the whole load against `args.addr` and returns the report (violations included; the
/// caller decides what they mean). Errors only if the run could not take place.
pub async fn run(args: &LoadtestArgs) -> Result<Report, String> {
    let (addr, cfg) = configure(args).await?;
    let progress = report::Progress::new(!args.quiet, cfg.players);
    let probe = probe::ProcessProbe::start(args.server_pid);
    // The server's gauges from before the first connection (the cut counter's starting point)
    // until everyone has gone.
    let mut gauges = server_metrics::Gauges::default();
    gauges.read(server_metrics::scrape(addr).await, 0.0, false);

    let t0 = Instant::now();
    // Everyone starts within the run, even with a ramp-up longer than it.
    let ramp = cfg.ramp_up.min(cfg.duration);
    let shared = Arc::new(Shared::new(t0, (ramp + cfg.settle).min(cfg.duration)));
    shared.live.busy.store(cfg.players, Ordering::SeqCst);
    let (phase_tx, phase_rx) = watch::channel(Phase::Run);
    let handles = spawn_players(&cfg, &shared, t0, ramp, &phase_rx);
    // The non-readers create their characters now and begin when the ramp-up (and the settling
    // time) ends.
    let non_readers = Arc::new(non_reader::NonReaders::new(cfg.non_readers));
    let silent: Vec<_> = (0..cfg.non_readers)
        .map(|i| {
            tokio::spawn(non_reader::run(
                i,
                cfg.clone(),
                non_readers.clone(),
                phase_rx.clone(),
                shared.steady_from,
            ))
        })
        .collect();
    let (sampler_stop, sampler_stopped) = watch::channel(false);
    let sampler = tokio::spawn(server_metrics::sample_gauges(
        addr,
        gauges,
        t0,
        shared.steady_from,
        phase_rx.clone(),
        sampler_stopped,
    ));
    drop(phase_rx);

    let run = Run {
        addr,
        cfg,
        shared,
        t0,
        progress,
        probe,
    };
    let end = run.clock(&phase_tx, &handles).await;
    for h in handles {
        let _ = h.await;
    }
    for h in silent {
        let _ = h.await;
    }
    if non_readers.failures() > 0 {
        let text = non_readers.to_json()["failures"][0].to_string();
        let n = non_readers.failures() as u64;
        run.shared
            .violation(stats::Violation::PlayerFailed, n, || text);
    }
    let _ = sampler_stop.send(true);
    let gauges = sampler.await.unwrap_or_default();
    Ok(run.report(end, gauges, &non_readers).await)
}

/// The options checked against each other and against the server's universe (which only the
/// server can tell), before anything connects for the load.
async fn configure(args: &LoadtestArgs) -> Result<(SocketAddr, Arc<Config>), String> {
    if args.players == 0 {
        return Err("--players must be at least 1".into());
    }
    let addr = resolve(&args.addr)?;
    let sectors = player::probe(addr).await?;
    if sectors == 0 {
        return Err("the server reports a universe of 0 sectors".into());
    }
    // The last 5 % of sectors (at most 500). Parking is a burst of joins into them, each answered
    // with everyone already there, so they are many: 50 held 260 players each in a 13,000-player
    // run, and those replies cost the server a third of its memory for the moment.
    let park_count = (sectors / 20).clamp(1, 500).min(sectors.saturating_sub(1));
    if let Some(c) = args.crowd
        && c >= sectors
    {
        return Err(format!(
            "--crowd {c}: the universe has sectors 0 to {}",
            sectors - 1
        ));
    }
    let cfg = Arc::new(Config {
        addr: addr.to_string(),
        players: args.players,
        ramp_up: secs("ramp-up", args.ramp_up)?,
        settle: secs("settle", args.settle)?,
        duration: secs("duration", args.duration)?,
        grace: secs("grace", args.grace)?,
        think_ms: parse_think(&args.think_ms)?,
        combat_think_ms: combat_think(args)?,
        mix: Mix::for_run(args.mix.as_deref(), args.crowd)?,
        seed: args.seed,
        prefix: args.prefix.clone().unwrap_or_else(random_prefix),
        sectors,
        park_from: sectors - park_count,
        connect_concurrency: args.connect_concurrency.max(1),
        crowd: args.crowd,
        non_readers: args.non_readers,
    });
    Ok((addr, cfg))
}

/// Starts every player's task at once; each waits for its own moment in the ramp-up, so the
/// spread does not depend on how fast they are spawned.
fn spawn_players(
    cfg: &Arc<Config>,
    shared: &Arc<Shared>,
    t0: Instant,
    ramp: Duration,
    phase_rx: &watch::Receiver<Phase>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let gate = Arc::new(Semaphore::new(cfg.connect_concurrency));
    let homes = cfg.park_from.max(1);
    let mut handles = Vec::with_capacity(cfg.players);
    for i in 0..cfg.players {
        let pair = i / 2;
        let partner = i ^ 1;
        let spec = PlayerSpec {
            index: i,
            id: format!("{}-{i}", cfg.prefix),
            partner: (partner < cfg.players).then(|| format!("{}-{partner}", cfg.prefix)),
            home: cfg
                .crowd
                .unwrap_or(((pair as u64 * 7919) % homes as u64) as u32),
            keeper: i % 2 == 0,
            start_at: t0 + ramp.mul_f64(i as f64 / cfg.players as f64),
            seed: cfg
                .seed
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .wrapping_add(i as u64),
        };
        handles.push(tokio::spawn(player::run(
            spec,
            cfg.clone(),
            shared.clone(),
            phase_rx.clone(),
            gate.clone(),
        )));
    }
    handles
}

/// What the clock and the report read of a run under way.
struct Run {
    addr: SocketAddr,
    cfg: Arc<Config>,
    shared: Arc<Shared>,
    t0: Instant,
    progress: report::Progress,
    probe: probe::ProcessProbe,
}

/// When the clock moved the run on, and the server's /metrics read at the ramp-up's end and
/// at the stop (read beside the load).
struct ClockEnd {
    stopped_at: Option<Instant>,
    drained_at: Option<Instant>,
    metrics_at_steady: server_metrics::Scrape,
    metrics_at_stop: server_metrics::Scrape,
}

impl Run {
    /// The clock: stop new actions at the end of the run, disconnect once every player is idle
    /// or the grace period is over, and return once the players have all finished (or been
    /// given up on).
    async fn clock(
        &self,
        phase_tx: &watch::Sender<Phase>,
        handles: &[tokio::task::JoinHandle<()>],
    ) -> ClockEnd {
        let (cfg, shared, addr) = (&self.cfg, &self.shared, self.addr);
        let stop_at = self.t0 + cfg.duration;
        let grace_end = stop_at + cfg.grace;
        let mut phase = Phase::Run;
        let mut stopped_at = None;
        let mut drained_at = None;
        let mut idle_since: Option<Instant> = None;
        let mut ticker = tokio::time::interval(Duration::from_millis(100));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let steady_from = shared.steady_from;
        let mut metrics_at_steady = None;
        let mut metrics_at_stop = None;
        loop {
            ticker.tick().await;
            let now = Instant::now();
            self.progress.update(shared, phase, now);
            self.probe.sample();
            if metrics_at_steady.is_none() && now >= steady_from && steady_from < stop_at {
                metrics_at_steady = Some((now, tokio::spawn(server_metrics::scrape(addr))));
                self.probe.ramp_up_ends();
            }
            match phase {
                Phase::Run if now >= stop_at => {
                    phase = Phase::Stop;
                    shared.live.stopped.store(true, Ordering::Relaxed);
                    stopped_at = Some(now);
                    metrics_at_stop = Some((now, tokio::spawn(server_metrics::scrape(addr))));
                    let _ = phase_tx.send(phase);
                }
                Phase::Stop => {
                    let idle = shared.live.busy.load(Ordering::SeqCst) == 0;
                    idle_since = if idle { idle_since.or(Some(now)) } else { None };
                    let settled = idle_since.is_some_and(|t| now - t >= Duration::from_millis(300));
                    if settled || now >= grace_end {
                        phase = Phase::Close;
                        drained_at = Some(now);
                        self.probe.cleanup_begins();
                        let _ = phase_tx.send(phase);
                    }
                }
                Phase::Close => {
                    if handles.iter().all(|h| h.is_finished()) {
                        break;
                    }
                    // Players give up on their own after their cleanup and close timeouts.
                    if now >= drained_at.unwrap_or(now) + Duration::from_secs(15) {
                        for h in handles {
                            h.abort();
                        }
                        break;
                    }
                }
                Phase::Run => {}
            }
        }
        ClockEnd {
            stopped_at,
            drained_at,
            metrics_at_steady,
            metrics_at_stop,
        }
    }

    /// The report, once every task has finished: the server's window needs both of its reads
    /// answered, and the total time runs to this moment.
    async fn report(
        self,
        end: ClockEnd,
        gauges: server_metrics::Gauges,
        non_readers: &non_reader::NonReaders,
    ) -> Report {
        let (cfg, t0) = (&self.cfg, self.t0);
        self.progress.finish();
        let server_metrics =
            server_metrics::server_window(end.metrics_at_steady, end.metrics_at_stop).await;
        let finished = Instant::now();
        let stopped_at = end.stopped_at;
        let load_secs = stopped_at
            .unwrap_or(finished)
            .duration_since(t0)
            .as_secs_f64();
        let drain_secs = end
            .drained_at
            .zip(stopped_at)
            .map_or(0.0, |(d, s)| (d - s).as_secs_f64());
        Report::build(
            cfg,
            &self.shared,
            report::Timing {
                load_secs,
                drain_secs,
                total_secs: (finished - t0).as_secs_f64(),
            },
            self.probe.finish(),
            report::ServerSide {
                window: server_metrics,
                gauges: gauges.to_json(server_metrics::GAUGES_EVERY),
                non_readers: (cfg.non_readers > 0).then(|| non_readers.to_json()),
            },
        )
    }
}

fn resolve(addr: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    addr.to_socket_addrs()
        .map_err(|e| format!("--addr {addr}: {e}"))?
        .next()
        .ok_or_else(|| format!("--addr {addr}: no address"))
}

/// `bang loadtest`: runs, writes the report, prints the summary; an error if an invariant broke.
pub fn run_cli(args: LoadtestArgs) -> Result<(), String> {
    probe::raise_open_files(args.players as u64 + 256);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let report = runtime.block_on(run(&args))?;
    let json = serde_json::to_string_pretty(&report.json).map_err(|e| e.to_string())? + "\n";
    let stdout_taken = args.report.as_ref().is_some_and(|p| p.as_os_str() == "-");
    if let Some(path) = &args.report {
        if stdout_taken {
            print!("{json}");
        } else {
            std::fs::write(path, json).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    let summary = report.summary();
    if stdout_taken {
        eprint!("{summary}");
    } else {
        print!("{summary}");
    }
    if report.ok() {
        Ok(())
    } else {
        Err(format!(
            "loadtest: {} invariant violation(s)",
            report.violations
        ))
    }
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
        assert_eq!(parse_think("100,300").unwrap(), (100, 300));
        assert_eq!(parse_think("50").unwrap(), (50, 50));
        assert!(parse_think("3,1").is_err());
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
        let refused = Mix::for_run(Some("status=1,move=1,toll=2"), Some(0)).unwrap_err();
        assert!(refused.contains("move, toll"), "{refused}");
        assert!(Mix::for_run(Some("move=1"), None).is_ok());
    }
}
