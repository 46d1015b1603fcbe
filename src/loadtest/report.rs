//! The end of a run: the JSON report, the short human summary, the live progress line, and the
//! process figures read from /proc (this process, and the server's if its pid is given).

use super::Config;
use super::figures::round2;
use super::player::Phase;
use super::stats::{Shared, Stats, Violation};
use serde_json::{Value, json};
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// How long the parts of the run took.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    /// From the first connection to the stop (the rates are over this span).
    pub load_secs: f64,
    /// From the stop until every fight was over (or the grace period ran out).
    pub drain_secs: f64,
    pub total_secs: f64,
}

/// What the report has from the server's side and the non-readers.
pub(crate) struct ServerSide {
    /// `/metrics` over the after-ramp-up window (`server_metrics::window`).
    pub window: Value,
    /// `/metrics` read through the run (`server_metrics::Gauges`).
    pub gauges: Value,
    pub non_readers: Option<Value>,
}

/// The outcome of a run: the full JSON report and the figures tests and the exit status need.
#[derive(Debug, Clone)]
pub struct Report {
    pub json: Value,
    pub players: usize,
    pub players_joined: u64,
    pub requests_sent: u64,
    pub replies: u64,
    pub events: u64,
    pub combats_started: u64,
    pub combats_ended: u64,
    pub expected_errors: u64,
    pub unexpected_errors: u64,
    pub replies_missing: u64,
    pub replies_unexpected: u64,
    pub combats_not_ended: u64,
    pub connections_dropped: u64,
    /// Every broken invariant, counted.
    pub violations: u64,
    summary: String,
}

impl Report {
    /// No invariant broke.
    pub fn ok(&self) -> bool {
        self.violations == 0
    }

    /// A few lines for people.
    pub fn summary(&self) -> String {
        self.summary.clone()
    }

    /// The report of a run of this process, from its shared figures.
    pub(crate) fn build(
        cfg: &Config,
        shared: &Shared,
        t: Timing,
        procs: Value,
        server: ServerSide,
    ) -> Report {
        let s = shared.stats();
        let live = &shared.live;
        let parts = Parts {
            config: config_json(cfg),
            players: cfg.my_players().len(),
            joined: live.joined.load(Ordering::Relaxed) as u64,
            requests_sent: live.sent.load(Ordering::Relaxed),
            ramp_secs: shared.steady_from.duration_since(shared.t0).as_secs_f64(),
            stats: &s,
        };
        Report::assemble(parts, t, procs, server)
    }

    /// The report from its parts: a run's, or the shards' added up by `bang loadtest merge`.
    pub(crate) fn assemble(p: Parts<'_>, t: Timing, procs: Value, server: ServerSide) -> Report {
        let s = p.stats;
        let mut body = s.to_json(t.load_secs, t.load_secs - p.ramp_secs);
        let violations: serde_json::Map<String, Value> = Violation::ALL
            .iter()
            .map(|v| (v.name().to_string(), json!(s.violation_count(*v))))
            .collect();
        let total_violations: u64 = Violation::ALL.iter().map(|v| s.violation_count(*v)).sum();
        let obj = body.as_object_mut().expect("an object");
        obj.insert("config".into(), p.config);
        obj.insert(
            "time".into(),
            json!({
                "load_secs": round2(t.load_secs),
                "drain_secs": round2(t.drain_secs),
                "total_secs": round2(t.total_secs),
            }),
        );
        obj.insert(
            "players".into(),
            json!({
                "configured": p.players,
                "joined": p.joined,
                "requests_sent": p.requests_sent,
            }),
        );
        obj.insert(
            "invariants".into(),
            json!({
                "ok": total_violations == 0,
                "violations": total_violations,
                "by_kind": violations,
                "samples": s.samples,
            }),
        );
        obj.insert("processes".into(), procs);
        obj.insert("server_metrics".into(), server.window);
        obj.insert("server_gauges".into(), server.gauges);
        if let Some(n) = server.non_readers {
            obj.insert("non_readers".into(), n);
        }
        let mut r = Report {
            players: p.players,
            players_joined: p.joined,
            requests_sent: p.requests_sent,
            replies: s.endpoints.values().map(|e| e.ok + e.errors).sum(),
            events: s.events.values().sum(),
            combats_started: s.combats_started(),
            combats_ended: s.combats_ended(),
            expected_errors: s.expected.values().sum(),
            unexpected_errors: s.unexpected.values().sum(),
            replies_missing: s.violation_count(Violation::ReplyMissing),
            replies_unexpected: s.violation_count(Violation::ReplyUnexpected),
            combats_not_ended: s.violation_count(Violation::CombatNotEnded),
            connections_dropped: s.violation_count(Violation::ConnectionDropped),
            violations: total_violations,
            json: body,
            summary: String::new(),
        };
        r.summary = summarize(&r, &t);
        r
    }
}

/// What a report is made of besides its timing and the server's side.
pub(crate) struct Parts<'a> {
    /// The options, as [`config_json`] gives them.
    pub config: Value,
    /// The players driven (a shard's own, or all of them).
    pub players: usize,
    pub joined: u64,
    pub requests_sent: u64,
    /// From the start until the figures "after the ramp-up" begin.
    pub ramp_secs: f64,
    pub stats: &'a Stats,
}

/// The options the run actually used (defaults and the server's universe resolved), so a
/// report can be compared with another or rerun.
pub(crate) fn config_json(cfg: &Config) -> Value {
    json!({
        "addr": cfg.addr,
        "players": cfg.players,
        "ramp_up_secs": cfg.ramp_up.as_secs_f64(),
        "settle_secs": cfg.settle.as_secs_f64(),
        "duration_secs": cfg.duration.as_secs_f64(),
        "grace_secs": cfg.grace.as_secs_f64(),
        "think_ms": [cfg.think_ms.0, cfg.think_ms.1],
        "combat_think_ms": [cfg.combat_think_ms.0, cfg.combat_think_ms.1],
        "mix": super::ACTION_KINDS.iter().zip(cfg.mix.weights).map(|(k, w)| (k.to_string(), json!(w))).collect::<serde_json::Map<_, _>>(),
        "seed": cfg.seed,
        "prefix": cfg.prefix,
        "sectors": cfg.sectors,
        "park_sectors": [cfg.park_from, cfg.sectors - 1],
        "crowd": cfg.crowd,
        "non_readers": cfg.non_readers,
    })
}

fn ms(v: &Value) -> String {
    match v.as_f64() {
        Some(x) if x >= 100.0 => format!("{x:.0}"),
        Some(x) if x >= 10.0 => format!("{x:.1}"),
        Some(x) => format!("{x:.2}"),
        None => "-".into(),
    }
}

/// "server 68.2 % of a core, peak RSS 381 MiB; client …": whichever of the two was measured.
fn processes(p: &Value) -> String {
    let one = |name: &str, v: &Value| {
        let cpu = v["cpu_pct_of_one_core"].as_f64()?;
        let rss = v["rss_peak_kib"].as_f64()? / 1024.0;
        let before = v["rss_peak_before_cleanup_kib"]
            .as_f64()
            .map(|kib| format!(" ({:.0} MiB before the cleanup)", kib / 1024.0))
            .unwrap_or_default();
        Some(format!(
            "{name} {cpu:.1} % of a core, peak RSS {rss:.0} MiB{before}"
        ))
    };
    let parts: Vec<String> = [("server", &p["server"]), ("client", &p["client"])]
        .into_iter()
        .filter_map(|(name, v)| one(name, v))
        .collect();
    if parts.is_empty() {
        "not measured".into()
    } else {
        parts.join("; ")
    }
}

fn mib(kib: &Value) -> Option<String> {
    kib.as_f64().map(|k| format!("{:.0} MiB", k / 1024.0))
}

/// "server RSS 350 MiB when the ramp-up ended, at most 410 MiB after it (high-water mark
/// 420 MiB); outbound_queued_bytes at most 63.9 MiB (31.2 s into the run), 63.9 MiB after the
/// ramp-up (160 reads of /metrics)": whichever parts were measured.
fn memory(server: &Value, gauges: &Value) -> Option<String> {
    let mut parts = Vec::new();
    if let (Some(at), Some(top)) = (
        mib(&server["rss_at_ramp_up_end_kib"]),
        mib(&server["rss_peak_after_ramp_up_kib"]),
    ) {
        let hwm = mib(&server["rss_hwm_kib"])
            .map(|h| format!(" (high-water mark {h})"))
            .unwrap_or_default();
        parts.push(format!(
            "server RSS {at} when the ramp-up ended, at most {top} after it{hwm}"
        ));
    }
    let q = |v: &Value| {
        v["bytes"]
            .as_f64()
            .map(|b| format!("{:.1} MiB", b / (1024.0 * 1024.0)))
    };
    if let Some(max) = q(&gauges["outbound_queued_bytes_max"]) {
        let at = gauges["outbound_queued_bytes_max"]["at_secs"]
            .as_f64()
            .unwrap_or(0.0);
        let steady = q(&gauges["outbound_queued_bytes_max_after_ramp_up"])
            .map(|s| format!(", {s} after the ramp-up"))
            .unwrap_or_default();
        parts.push(format!(
            "outbound_queued_bytes at most {max} ({at:.1} s into the run){steady} ({} reads of /metrics)",
            gauges["reads"]
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// "100/100 connected, 7432 requests sent; 100 cut by the server (0.05 – 0.90 s after they
/// began), 0 open at the stop; slow_client_disconnects_total +100".
fn non_readers(n: &Value, gauges: &Value) -> String {
    let cut = &n["cut_after_secs"];
    let when = match (cut["first"].as_f64(), cut["last"].as_f64()) {
        (Some(a), Some(b)) => format!(" ({a:.2} – {b:.2} s after they began)"),
        _ => String::new(),
    };
    let slow = gauges["slow_client_disconnects"]
        .as_f64()
        .map_or("not read".into(), |d| format!("+{d:.0}"));
    let failed = n["failures"].as_array().map_or(0, Vec::len);
    let failed = if failed > 0 {
        format!("; {failed} failed (see the report)")
    } else {
        String::new()
    };
    format!(
        "{}/{} connected, {} requests sent; {} cut by the server{when}, {} open at the stop; \
         slow_client_disconnects_total {slow}{failed}",
        n["connected"], n["configured"], n["requests_sent"], n["cut_by_server"], n["open_at_stop"],
    )
}

/// "after the ramp-up, from its /metrics: RPC p50 0.9 ms p99 7.8 ms, 99.52 % within 10 ms; …".
fn server_side(m: &Value) -> String {
    if let Some(e) = m["error"].as_str() {
        return e.to_string();
    }
    let rpc = &m["rpc_latency"];
    let updates = &m["updates"];
    format!(
        "after the ramp-up, from its /metrics: RPC p50 {} ms p99 {} ms, {} % within 10 ms; \
         updates p99 {} ms, {} % over 10 ms",
        ms(&rpc["p50_ms"]),
        ms(&rpc["p99_ms"]),
        rpc["within_10ms_pct"],
        ms(&updates["p99_ms"]),
        updates["over_10ms_pct"]
    )
}

fn summarize(r: &Report, t: &Timing) -> String {
    use std::fmt::Write;
    let j = &r.json;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "loadtest: {}/{} players joined; {:.1} s of load, {:.1} s to finish the fights",
        r.players_joined, r.players, t.load_secs, t.drain_secs
    );
    write_requests(&mut out, r);
    let c = &j["combats"];
    let _ = writeln!(
        out,
        "combats: {} started, {} ended ({}/s), peak {} open; rounds p50 {} max {}; ends {}",
        r.combats_started,
        r.combats_ended,
        c["ended_per_sec"],
        c["peak_open"],
        c["rounds"]["p50"],
        c["rounds"]["max"],
        c["end_states"]
    );
    let _ = writeln!(
        out,
        "events: {} received ({}/s)",
        r.events, j["events"]["per_sec"]
    );
    let _ = writeln!(
        out,
        "errors: {} expected refusals, {} unexpected",
        r.expected_errors, r.unexpected_errors
    );
    if let Some(u) = j["errors"]["unexpected_by_endpoint"].as_object() {
        for (k, n) in u.iter().take(10) {
            let _ = writeln!(out, "  unexpected: {n} × {k}");
        }
    }
    let _ = writeln!(out, "processes: {}", processes(&j["processes"]));
    if let Some(line) = memory(&j["processes"]["server"], &j["server_gauges"]) {
        let _ = writeln!(out, "memory: {line}");
    }
    let _ = writeln!(out, "server: {}", server_side(&j["server_metrics"]));
    if j["non_readers"].is_object() {
        let _ = writeln!(
            out,
            "non-readers: {}",
            non_readers(&j["non_readers"], &j["server_gauges"])
        );
    }
    write_invariants(&mut out, r);
    out
}

/// The request lines: all replies, those after the ramp-up (when there was time after it),
/// then one line per endpoint.
fn write_requests(out: &mut String, r: &Report) {
    use std::fmt::Write;
    let j = &r.json;
    // "latency ms p50 … p90 … p99 … max …" of a latency object.
    let latency = |l: &Value| {
        format!(
            "latency ms p50 {} p90 {} p99 {} max {}",
            ms(&l["p50"]),
            ms(&l["p90"]),
            ms(&l["p99"]),
            ms(&l["max"])
        )
    };
    let _ = writeln!(
        out,
        "requests: {} sent, {} replies, {} replies/s; {}",
        r.requests_sent,
        r.replies,
        j["requests"]["rps"],
        latency(&j["requests"]["latency_ms"])
    );
    let steady = &j["requests"]["after_ramp_up"];
    if steady["rps"].is_number() {
        let _ = writeln!(
            out,
            "  after the ramp-up ({} s): {} replies/s; {}",
            steady["secs"],
            steady["rps"],
            latency(&steady["latency_ms"])
        );
    }
    if let Some(eps) = j["endpoints"].as_object() {
        for (name, e) in eps {
            let l = &e["latency_ms"];
            let _ = writeln!(
                out,
                "  {name:<34} {:>8} ({:>7}/s, {:>5} err)  p50 {:>6} p90 {:>6} p99 {:>6} max {:>6}",
                e["count"],
                e["rps"],
                e["errors"],
                ms(&l["p50"]),
                ms(&l["p90"]),
                ms(&l["p99"]),
                ms(&l["max"])
            );
        }
    }
}

/// The verdict line, with a few sample violations to start looking from when it is broken.
fn write_invariants(out: &mut String, r: &Report) {
    use std::fmt::Write;
    let j = &r.json;
    if r.ok() {
        let _ = writeln!(
            out,
            "invariants: OK (every reply arrived once, every combat ended, no unexpected error)"
        );
    } else {
        let _ = writeln!(
            out,
            "invariants: BROKEN, {} violation(s): {}",
            r.violations, j["invariants"]["by_kind"]
        );
        if let Some(samples) = j["invariants"]["samples"].as_array() {
            for s in samples.iter().take(5) {
                let _ = writeln!(out, "  e.g. {}", s.as_str().unwrap_or(""));
            }
        }
    }
}

/// The live progress line on stderr: an indicatif spinner on a terminal, a plain line every
/// five seconds otherwise.
pub(crate) struct Progress {
    bar: Option<indicatif::ProgressBar>,
    plain: bool,
    players: usize,
    last: Mutex<(Instant, u64, Instant)>,
}

impl Progress {
    pub fn new(enabled: bool, players: usize) -> Progress {
        let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
        let bar = (enabled && terminal).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
                    .expect("valid template"),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        let now = Instant::now();
        Progress {
            bar,
            plain: enabled && !terminal,
            players,
            last: Mutex::new((now, 0, now)),
        }
    }

    pub fn update(&self, shared: &Shared, phase: Phase, now: Instant) {
        if self.bar.is_none() && !self.plain {
            return;
        }
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        let every = if self.plain {
            Duration::from_secs(5)
        } else {
            Duration::from_millis(500)
        };
        if now - last.0 < every {
            return;
        }
        let l = &shared.live;
        let replies = l.replies.load(Ordering::Relaxed);
        let rps = (replies - last.1) as f64 / (now - last.0).as_secs_f64().max(1e-3);
        *last = (now, replies, last.2);
        let started = l.combats_started.load(Ordering::Relaxed);
        let ended = l.combats_ended.load(Ordering::Relaxed);
        let msg = format!(
            "{phase:?}: {}/{} connected ({} joined) | {rps:.0} replies/s | {} open combats ({started} started, {ended} ended) | {} events | {} unexpected errors",
            l.connected.load(Ordering::Relaxed),
            self.players,
            l.joined.load(Ordering::Relaxed),
            started.saturating_sub(ended),
            l.events.load(Ordering::Relaxed),
            l.unexpected_errors.load(Ordering::Relaxed),
        );
        match &self.bar {
            Some(bar) => bar.set_message(msg),
            None => eprintln!("[{:>5.1} s] {msg}", (now - last.2).as_secs_f64()),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::processes;
    use serde_json::json;

    #[test]
    fn the_processes_line_names_what_was_measured() {
        let both = json!({
            "client": {"cpu_pct_of_one_core": 31.96, "rss_peak_kib": 389_076},
            "server": {"pid": "7", "cpu_pct_of_one_core": 68.17, "rss_peak_kib": 390_484,
                "rss_peak_before_cleanup_kib": 307_200},
        });
        assert_eq!(
            processes(&both),
            "server 68.2 % of a core, peak RSS 381 MiB (300 MiB before the cleanup); \
             client 32.0 % of a core, peak RSS 380 MiB"
        );
        let client_only = json!({"client": {"cpu_pct_of_one_core": 5.0, "rss_peak_kib": 10_240}});
        assert_eq!(
            processes(&client_only),
            "client 5.0 % of a core, peak RSS 10 MiB"
        );
        assert_eq!(processes(&json!({})), "not measured");
    }
}
