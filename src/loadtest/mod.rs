//! `bang loadtest`: thousands of simulated players, each a tokio task with its own WebSocket,
//! against a running server. They join, move, trade, chat, deploy toll garrisons and fight their
//! partner to the end; the run reports latencies, throughput, events and broken invariants.
//!
//! - [`config`]: the options, checked against each other and against the server's universe.
//! - [`player`]: one simulated player: its connection, its state and its loop.
//! - [`inbound`]: what a player reads: replies (timed, checked) and events.
//! - [`actions`]: what a player does next, and what it answers in a fight.
//! - [`stats`]: histograms, counters, combats and violations shared by all players.
//! - [`figures`]: the report's figures of them (rates, percentiles, the timeline).
//! - [`report`]: the JSON report and the human summary.
//! - [`shard`]: `--shard I/N` (which players this process drives) and `--start-at`.
//! - [`state`]: what a shard's report adds for the merge (histograms, raw counters, combats).
//! - [`merge`]: `bang loadtest merge`, the shards' reports added up into one.
//! - [`server_metrics`]: the server's `/metrics` over the same window as the client's figures,
//!   and its gauges sampled through the run.
//! - [`non_reader`]: connections that pipeline requests and never read (`--non-readers`).
//! - [`wire`]: the parts of the server's frames the players read.
//! - [`error`]: [`LoadtestError`], why a run, a connection or a read of `/metrics` failed.

mod actions;
mod config;
mod error;
mod figures;
mod inbound;
mod merge;
mod non_reader;
mod player;
pub mod probe;
mod report;
mod server_metrics;
mod shard;
mod state;
mod stats;
mod wire;

pub(crate) use config::{ACTION_KINDS, Config};
pub use config::{LoadtestArgs, LoadtestCommand, MergeArgs};
pub use error::LoadtestError;
pub use merge::{merge, merge_files};
pub use report::Report;
pub use shard::{Shard, StartAt};

use config::configure;

use player::{Phase, PlayerSpec};
use stats::Shared;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::{Semaphore, watch};

/// Runs the whole load against `args.addr` and returns the report (violations included; the
/// caller decides what they mean). Errors only if the run could not take place.
pub async fn run(args: &LoadtestArgs) -> Result<Report, LoadtestError> {
    let (addr, cfg) = configure(args).await?;
    let progress = report::Progress::new(!args.quiet, cfg.my_players().len());
    let probe = probe::ProcessProbe::start(args.server_pid);
    // The server's gauges from before the first connection (the cut counter's starting point)
    // until everyone has gone.
    let mut gauges = server_metrics::Gauges::default();
    gauges.read(server_metrics::scrape(addr).await, 0.0, false);

    let (t0, started_at) = start(&cfg, args.quiet).await?;
    // Everyone starts within the run, even with a ramp-up longer than it.
    let ramp = cfg.ramp_up.min(cfg.duration);
    let shared = Arc::new(Shared::new(t0, (ramp + cfg.settle).min(cfg.duration)));
    shared
        .live
        .busy
        .store(cfg.my_players().len(), Ordering::SeqCst);
    let (phase_tx, phase_rx) = watch::channel(Phase::Run);
    let handles = spawn_players(&cfg, &shared, t0, ramp, &phase_rx);
    // The non-readers create their characters now and begin when the ramp-up (and the settling
    // time) ends.
    let non_readers = Arc::new(non_reader::NonReaders::new(cfg.my_non_readers().len()));
    let silent: Vec<_> = cfg
        .my_non_readers()
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
        started_at,
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

/// Waits for `--start-at`, if given, and starts the clock: the run's t0, and the same moment on
/// the wall clock (by which the merge lines shards up).
async fn start(cfg: &Config, quiet: bool) -> Result<(Instant, SystemTime), LoadtestError> {
    if let Some(start) = &cfg.start_at {
        let wait = start.wait_from(SystemTime::now())?;
        if !quiet && !wait.is_zero() {
            let who = cfg
                .shard
                .map(|s| format!("shard {s}: "))
                .unwrap_or_default();
            eprintln!(
                "loadtest: {who}waiting {:.1} s for --start-at {}",
                wait.as_secs_f64(),
                start.given
            );
        }
        tokio::time::sleep(wait).await;
    }
    Ok((Instant::now(), SystemTime::now()))
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
    let mut handles = Vec::with_capacity(cfg.my_players().len());
    // A shard's players keep the index (and so id, home, seed and start) they have among all.
    for i in cfg.my_players() {
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
    started_at: SystemTime,
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
        let timing = report::Timing {
            load_secs,
            drain_secs,
            total_secs: (finished - t0).as_secs_f64(),
        };
        let server = report::ServerSide {
            window: server_metrics,
            gauges: gauges.to_json(server_metrics::GAUGES_EVERY),
            non_readers: (cfg.non_readers > 0).then(|| non_readers.to_json()),
        };
        let mut report = Report::build(cfg, &self.shared, timing, self.probe.finish(), server);
        if let Some(shard) = cfg.shard {
            let live = &self.shared.live;
            let run = state::ShardRun {
                shard,
                players: cfg.my_players(),
                non_readers: cfg.my_non_readers(),
                start_at: cfg.start_at.as_ref().map(|s| s.given.clone()),
                started_at: self.started_at,
                t0,
                ramp_secs: self.shared.steady_from.duration_since(t0).as_secs_f64(),
                timing: &timing,
                joined: live.joined.load(Ordering::Relaxed) as u64,
                requests_sent: live.sent.load(Ordering::Relaxed),
                non_reader_state: (cfg.non_readers > 0).then(|| non_readers.to_state()),
            };
            let state = state::ShardState::of(run, &self.shared.stats());
            report.json["shard"] = serde_json::to_value(state)
                .unwrap_or_else(|e| serde_json::json!({"error": e.to_string()}));
        }
        report
    }
}

/// `bang loadtest`: runs (or merges, with `merge`), writes the report, prints the summary; an
/// error if an invariant broke.
pub fn run_cli(args: LoadtestArgs) -> Result<(), LoadtestError> {
    if let Some(LoadtestCommand::Merge(m)) = &args.command {
        return merge::run_cli(m);
    }
    probe::raise_open_files(args.players as u64 + 256);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()
        .map_err(LoadtestError::Runtime)?;
    let report = runtime.block_on(run(&args))?;
    let note = args.shard.map(|s| {
        let mine = s.players(args.players);
        format!(
            "shard {s}: players {} to {} of {}; `bang loadtest merge` adds the {} reports up\n",
            mine.start,
            mine.end.saturating_sub(1),
            args.players,
            s.count
        )
    });
    emit(&report, args.report.as_deref(), note.as_deref())
}

/// Writes the JSON report to `path` (`-`: stdout) and prints `note` and the summary (to stderr
/// when stdout has the report); an error if an invariant broke.
pub(crate) fn emit(
    report: &Report,
    path: Option<&std::path::Path>,
    note: Option<&str>,
) -> Result<(), LoadtestError> {
    let json =
        serde_json::to_string_pretty(&report.json).map_err(LoadtestError::ReportJson)? + "\n";
    let stdout_taken = path.is_some_and(|p| p.as_os_str() == "-");
    if let Some(path) = path {
        if stdout_taken {
            print!("{json}");
        } else {
            std::fs::write(path, json).map_err(|source| LoadtestError::WriteReport {
                path: path.to_path_buf(),
                source,
            })?;
        }
    }
    let summary = format!("{}{}", note.unwrap_or_default(), report.summary());
    if stdout_taken {
        eprint!("{summary}");
    } else {
        print!("{summary}");
    }
    if report.ok() {
        Ok(())
    } else {
        Err(LoadtestError::Violations(report.violations))
    }
}
