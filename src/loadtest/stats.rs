//! What the players measure, shared by all of them: latency histograms per endpoint, counters,
//! combats seen, errors, invariant violations, a per-second timeline; and the report built from it.

use super::wire::{ErrorBody, detail_key, end_kind};
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Counters read by the live progress line (no lock).
#[derive(Default)]
pub(crate) struct Live {
    pub connected: AtomicUsize,
    pub joined: AtomicUsize,
    pub sent: AtomicU64,
    pub replies: AtomicU64,
    pub events: AtomicU64,
    pub combats_started: AtomicU64,
    pub combats_ended: AtomicU64,
    pub unexpected_errors: AtomicU64,
    /// Set at the stop: replies after it do not count toward the rates.
    pub stopped: std::sync::atomic::AtomicBool,
    /// Players that still have work (requests in flight, fights open) once the stop is given;
    /// every player counts until it reports itself idle.
    pub busy: AtomicUsize,
}

/// Everything the run shares.
pub(crate) struct Shared {
    pub t0: Instant,
    /// When the ramp-up is over: replies from then on make the steady-state figures.
    pub steady_from: Instant,
    pub live: Live,
    pub stats: Mutex<Stats>,
}

impl Shared {
    pub fn new(t0: Instant, ramp_up: Duration) -> Shared {
        Shared {
            t0,
            steady_from: t0 + ramp_up,
            live: Live::default(),
            stats: Mutex::new(Stats::default()),
        }
    }

    pub fn stats(&self) -> std::sync::MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn second(&self, at: Instant) -> usize {
        at.saturating_duration_since(self.t0).as_secs() as usize
    }

    /// One reply: its latency, and its error (with whether the player could not foresee it).
    /// Replies to the end-of-run cleanup are kept apart (they come in one burst).
    pub fn reply(
        &self,
        endpoint: &str,
        cleanup: bool,
        latency: Duration,
        error: Option<(&ErrorBody, bool)>,
    ) {
        let now = Instant::now();
        let in_load = !self.live.stopped.load(Ordering::Relaxed);
        self.live.replies.fetch_add(1, Ordering::Relaxed);
        if matches!(error, Some((_, false))) {
            self.live.unexpected_errors.fetch_add(1, Ordering::Relaxed);
        }
        let sec = self.second(now);
        let key = if cleanup {
            std::borrow::Cow::Owned(format!("{endpoint} (cleanup)"))
        } else {
            std::borrow::Cow::Borrowed(endpoint)
        };
        let us = (latency.as_micros() as u64).max(1);
        let mut s = self.stats();
        s.tick(sec).replies += 1;
        if !cleanup {
            s.all.saturating_record(us);
            s.record_in_second(sec, us);
            if in_load && now >= self.steady_from {
                s.steady.saturating_record(us);
            }
        }
        if in_load {
            s.replies_in_load += 1;
        }
        let ep = s.endpoint(&key);
        ep.latency.saturating_record(us);
        if in_load {
            ep.in_load += 1;
        }
        match error {
            None => ep.ok += 1,
            Some((e, expected)) => {
                ep.errors += 1;
                s.tick(sec).errors += 1;
                *s.errors_by_status.entry(e.status).or_default() += 1;
                let key = format!("{key} {} {}", e.status, detail_key(&e.detail));
                let map = if expected {
                    &mut s.expected
                } else {
                    &mut s.unexpected
                };
                *map.entry(key).or_default() += 1;
            }
        }
    }

    /// A player saw a fight (its start or a round notice); true the first time anyone did.
    pub fn combat_seen(&self, combat_id: &str) -> bool {
        let now = Instant::now();
        let sec = self.second(now);
        let mut s = self.stats();
        if s.combats.contains_key(combat_id) {
            return false;
        }
        s.combats.insert(
            combat_id.to_string(),
            CombatRec {
                started: now,
                ended: false,
            },
        );
        s.tick(sec).combats_started += 1;
        let open = s.combats.len() as u64 - s.ended;
        s.peak_open = s.peak_open.max(open);
        drop(s);
        self.live.combats_started.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// A player saw a fight end; counted the first time anyone did.
    pub fn combat_ended(&self, combat_id: &str, rounds: u32, result: Option<&str>) {
        let now = Instant::now();
        let sec = self.second(now);
        let mut s = self.stats();
        let started = match s.combats.get_mut(combat_id) {
            Some(rec) if rec.ended => return,
            Some(rec) => {
                rec.ended = true;
                rec.started
            }
            None => {
                // Ended before anyone saw it start (cannot happen with in-order delivery, but
                // must not be lost).
                s.combats.insert(
                    combat_id.to_string(),
                    CombatRec {
                        started: now,
                        ended: true,
                    },
                );
                s.tick(sec).combats_started += 1;
                self.live.combats_started.fetch_add(1, Ordering::Relaxed);
                now
            }
        };
        s.ended += 1;
        s.tick(sec).combats_ended += 1;
        s.rounds.saturating_record(rounds.max(1) as u64);
        s.durations_ms
            .saturating_record((now - started).as_millis().max(1) as u64);
        *s.end_states.entry(end_kind(result)).or_default() += 1;
        drop(s);
        self.live.combats_ended.fetch_add(1, Ordering::Relaxed);
    }

    /// A broken invariant, with an example for the report.
    pub fn violation(&self, kind: Violation, n: u64, sample: impl FnOnce() -> String) {
        if n == 0 {
            return;
        }
        let mut s = self.stats();
        *s.violations.entry(kind.name()).or_default() += n;
        if s.samples.len() < 20 {
            let text = format!("{}: {}", kind.name(), sample());
            s.samples.push(text);
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Violation {
    /// A request still unanswered when its player stopped.
    ReplyMissing,
    /// A reply whose id matches no request in flight (a duplicate or a stranger).
    ReplyUnexpected,
    /// A reply naming another endpoint than its request.
    ReplyMismatched,
    /// A fight a player saw start but not end before the grace period ran out.
    CombatNotEnded,
    /// A 5xx, a 422 or any other refusal a player should not have provoked.
    UnexpectedError,
    /// The server closed a player's connection.
    ConnectionDropped,
    /// A player could not connect or join.
    PlayerFailed,
}

impl Violation {
    pub fn name(self) -> &'static str {
        match self {
            Violation::ReplyMissing => "replies_missing",
            Violation::ReplyUnexpected => "replies_unexpected",
            Violation::ReplyMismatched => "replies_mismatched",
            Violation::CombatNotEnded => "combats_not_ended",
            Violation::UnexpectedError => "unexpected_errors",
            Violation::ConnectionDropped => "connections_dropped",
            Violation::PlayerFailed => "players_failed",
        }
    }

    pub const ALL: [Violation; 7] = [
        Violation::ReplyMissing,
        Violation::ReplyUnexpected,
        Violation::ReplyMismatched,
        Violation::CombatNotEnded,
        Violation::UnexpectedError,
        Violation::ConnectionDropped,
        Violation::PlayerFailed,
    ];
}

pub(crate) struct EndpointStats {
    pub latency: Histogram<u64>,
    pub ok: u64,
    pub errors: u64,
    /// Replies before the stop (the rate is over the load only).
    pub in_load: u64,
}

impl Default for EndpointStats {
    fn default() -> Self {
        EndpointStats {
            latency: micros_histogram(),
            ok: 0,
            errors: 0,
            in_load: 0,
        }
    }
}

fn micros_histogram() -> Histogram<u64> {
    // 1 µs to 1 h at 3 significant figures.
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds")
}

pub(crate) struct CombatRec {
    started: Instant,
    ended: bool,
}

#[derive(Default, Clone, Copy)]
pub(crate) struct Tick {
    replies: u64,
    errors: u64,
    combats_started: u64,
    combats_ended: u64,
    /// Reply latency within the second, µs (p50, p99, max), once the second is over.
    latency: Option<[u64; 3]>,
}

/// What one player counted on its own, merged when it stops.
#[derive(Default)]
pub(crate) struct Tally {
    pub events: HashMap<String, u64>,
    pub actions: BTreeMap<&'static str, u64>,
    pub combat_actions: BTreeMap<&'static str, u64>,
}

impl Tally {
    pub fn event(&mut self, kind: &str) {
        match self.events.get_mut(kind) {
            Some(n) => *n += 1,
            None => {
                self.events.insert(kind.to_string(), 1);
            }
        }
    }
}

pub(crate) struct Stats {
    pub endpoints: BTreeMap<String, EndpointStats>,
    pub all: Histogram<u64>,
    pub errors_by_status: BTreeMap<u16, u64>,
    pub expected: BTreeMap<String, u64>,
    pub unexpected: BTreeMap<String, u64>,
    replies_in_load: u64,
    combats: HashMap<String, CombatRec>,
    ended: u64,
    peak_open: u64,
    rounds: Histogram<u64>,
    durations_ms: Histogram<u64>,
    end_states: BTreeMap<String, u64>,
    timeline: Vec<Tick>,
    /// The second whose reply latencies `second_latency` is gathering.
    second: usize,
    second_latency: Histogram<u64>,
    /// Replies after the ramp-up and before the stop.
    steady: Histogram<u64>,
    pub violations: BTreeMap<&'static str, u64>,
    pub samples: Vec<String>,
    pub events: BTreeMap<String, u64>,
    pub actions: BTreeMap<&'static str, u64>,
    pub combat_actions: BTreeMap<&'static str, u64>,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            endpoints: BTreeMap::new(),
            all: micros_histogram(),
            errors_by_status: BTreeMap::new(),
            expected: BTreeMap::new(),
            unexpected: BTreeMap::new(),
            replies_in_load: 0,
            combats: HashMap::new(),
            ended: 0,
            peak_open: 0,
            rounds: Histogram::new_with_bounds(1, 1_000_000, 3).expect("bounds"),
            durations_ms: Histogram::new_with_bounds(1, 3_600_000, 3).expect("bounds"),
            end_states: BTreeMap::new(),
            timeline: Vec::new(),
            second: 0,
            second_latency: micros_histogram(),
            steady: micros_histogram(),
            violations: BTreeMap::new(),
            samples: Vec::new(),
            events: BTreeMap::new(),
            actions: BTreeMap::new(),
            combat_actions: BTreeMap::new(),
        }
    }
}

impl Stats {
    fn endpoint(&mut self, endpoint: &str) -> &mut EndpointStats {
        if !self.endpoints.contains_key(endpoint) {
            self.endpoints
                .insert(endpoint.to_string(), EndpointStats::default());
        }
        self.endpoints.get_mut(endpoint).expect("just inserted")
    }

    fn tick(&mut self, sec: usize) -> &mut Tick {
        if self.timeline.len() <= sec {
            self.timeline.resize(sec + 1, Tick::default());
        }
        &mut self.timeline[sec]
    }

    /// Gathers a reply's latency into its second's figures. Replies arrive in time order (a late
    /// one from another worker thread counts in the second being gathered).
    fn record_in_second(&mut self, sec: usize, us: u64) {
        if sec > self.second {
            let done = self.second;
            if !self.second_latency.is_empty() {
                self.tick(done).latency = Some(latency_row(&self.second_latency));
            }
            self.second_latency.reset();
            self.second = sec;
        }
        self.second_latency.saturating_record(us);
    }

    pub fn merge(&mut self, t: Tally) {
        for (k, n) in t.events {
            *self.events.entry(k).or_default() += n;
        }
        for (k, n) in t.actions {
            *self.actions.entry(k).or_default() += n;
        }
        for (k, n) in t.combat_actions {
            *self.combat_actions.entry(k).or_default() += n;
        }
    }

    pub fn combats_started(&self) -> u64 {
        self.combats.len() as u64
    }

    pub fn combats_ended(&self) -> u64 {
        self.ended
    }

    pub fn violation_count(&self, v: Violation) -> u64 {
        self.violations.get(v.name()).copied().unwrap_or(0)
    }

    /// The report's body; `secs` is the span the rates are taken over, the last `steady_secs` of
    /// it after the ramp-up.
    pub fn to_json(&self, secs: f64, steady_secs: f64) -> Value {
        let per_sec = |n: u64| round2(n as f64 / secs.max(1e-9));
        let endpoints: serde_json::Map<String, Value> = self
            .endpoints
            .iter()
            .map(|(k, e)| {
                let v = json!({
                    "count": e.ok + e.errors,
                    "ok": e.ok,
                    "errors": e.errors,
                    "rps": per_sec(e.in_load),
                    "latency_ms": latency_json(&e.latency),
                });
                (k.clone(), v)
            })
            .collect();
        let replies: u64 = self.endpoints.values().map(|e| e.ok + e.errors).sum();
        let events_total: u64 = self.events.values().sum();
        let expected_total: u64 = self.expected.values().sum();
        let unexpected_total: u64 = self.unexpected.values().sum();
        let timeline = self.timeline_rows();
        let steady_rps = if steady_secs > 0.0 {
            Some(round2(self.steady.len() as f64 / steady_secs))
        } else {
            None
        };
        json!({
            "requests": {
                "replies": replies,
                "replies_before_stop": self.replies_in_load,
                "rps": per_sec(self.replies_in_load),
                "latency_ms": latency_json(&self.all),
                "after_ramp_up": {
                    "secs": round2(steady_secs.max(0.0)),
                    "rps": steady_rps,
                    "latency_ms": latency_json(&self.steady),
                },
            },
            "endpoints": endpoints,
            "events": {
                "total": events_total,
                "per_sec": per_sec(events_total),
                "by_kind": self.events,
            },
            "combats": self.combats_json(secs),
            "actions": self.actions,
            "errors": {
                "expected": expected_total,
                "unexpected": unexpected_total,
                "by_status": self.errors_by_status.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
                "expected_by_endpoint": self.expected,
                "unexpected_by_endpoint": self.unexpected,
            },
            "timeline": {
                "columns": ["second", "replies", "errors", "combats_started", "combats_ended",
                    "latency_p50_ms", "latency_p99_ms", "latency_max_ms"],
                "rows": timeline,
            },
        })
    }

    /// One row a second (replies, errors, combats, latency), to see when in the run something
    /// happened rather than only how much of it.
    fn timeline_rows(&self) -> Vec<Value> {
        self.timeline
            .iter()
            .enumerate()
            .map(|(t, k)| {
                // The second still being gathered when the report was taken has no row yet.
                let latency = k.latency.or_else(|| {
                    (t == self.second && !self.second_latency.is_empty())
                        .then(|| latency_row(&self.second_latency))
                });
                let ms = |i: usize| latency.map(|l| round3(l[i] as f64 / 1000.0));
                json!([
                    t,
                    k.replies,
                    k.errors,
                    k.combats_started,
                    k.combats_ended,
                    ms(0),
                    ms(1),
                    ms(2)
                ])
            })
            .collect()
    }

    /// The combats' part of the report: counts, rates over `secs`, and how long fights lasted
    /// (rounds and wall time), to tell a slow server from long fights.
    fn combats_json(&self, secs: f64) -> Value {
        let per_sec = |n: u64| round2(n as f64 / secs.max(1e-9));
        let open_at_end = self.combats.len() as u64 - self.ended;
        json!({
            "started": self.combats.len(),
            "ended": self.ended,
            "open_at_end": open_at_end,
            "peak_open": self.peak_open,
            "started_per_sec": per_sec(self.combats.len() as u64),
            "ended_per_sec": per_sec(self.ended),
            "end_states": self.end_states,
            "rounds": {
                "p50": quantile(&self.rounds, 0.5),
                "p90": quantile(&self.rounds, 0.9),
                "max": (!self.rounds.is_empty()).then(|| self.rounds.max()),
                "mean": (!self.rounds.is_empty()).then(|| round2(self.rounds.mean())),
            },
            "duration_ms": {
                "p50": quantile(&self.durations_ms, 0.5),
                "p90": quantile(&self.durations_ms, 0.9),
                "p99": quantile(&self.durations_ms, 0.99),
                "max": (!self.durations_ms.is_empty()).then(|| self.durations_ms.max()),
            },
            "actions": self.combat_actions,
        })
    }
}

/// p50, p99 and max of a microsecond histogram.
fn latency_row(h: &Histogram<u64>) -> [u64; 3] {
    [h.value_at_quantile(0.5), h.value_at_quantile(0.99), h.max()]
}

fn quantile(h: &Histogram<u64>, q: f64) -> Option<u64> {
    (!h.is_empty()).then(|| h.value_at_quantile(q))
}

/// p50/p90/p99/max/mean of a microsecond histogram, in milliseconds.
pub(crate) fn latency_json(h: &Histogram<u64>) -> Value {
    if h.is_empty() {
        return json!({"count": 0});
    }
    let ms = |us: u64| round3(us as f64 / 1000.0);
    json!({
        "count": h.len(),
        "p50": ms(h.value_at_quantile(0.5)),
        "p90": ms(h.value_at_quantile(0.9)),
        "p99": ms(h.value_at_quantile(0.99)),
        "max": ms(h.max()),
        "mean": round3(h.mean() / 1000.0),
    })
}

pub(crate) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

pub(crate) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(shared: &Shared, ms: u64) {
        shared.reply("move", false, Duration::from_millis(ms), None);
    }

    #[test]
    fn each_second_and_the_time_after_the_ramp_up_get_their_own_latency() {
        // Started 2.5 s ago with a 2 s ramp-up: the replies below fall in second 2, after it.
        let t0 = Instant::now() - Duration::from_millis(2500);
        let shared = Shared::new(t0, Duration::from_secs(2));
        {
            // Two earlier seconds, gathered as if their replies had come then.
            let mut s = shared.stats();
            for (sec, ms) in [(0, 1), (0, 3), (1, 40)] {
                s.tick(sec).replies += 1;
                s.record_in_second(sec, ms * 1000);
            }
        }
        for ms in [2, 2, 2, 9] {
            reply(&shared, ms);
        }
        let j = shared.stats().to_json(2.5, 0.5);
        let rows = j["timeline"]["rows"].as_array().unwrap();
        let latency = |sec: usize| {
            let r = &rows[sec];
            (r[5].as_f64(), r[6].as_f64(), r[7].as_f64())
        };
        let near = |got: Option<f64>, want: f64| {
            let got = got.expect("a figure");
            (got - want).abs() <= want * 0.01
        };
        let (p50, p99, max) = latency(0);
        assert!(
            near(p50, 1.0) && near(p99, 3.0) && near(max, 3.0),
            "{:?}",
            rows[0]
        );
        let (p50, _, max) = latency(1);
        assert!(near(p50, 40.0) && near(max, 40.0), "{:?}", rows[1]);
        // The second still being gathered is in the report too.
        let (p50, _, max) = latency(2);
        assert!(near(p50, 2.0) && near(max, 9.0), "{:?}", rows[2]);
        let steady = &j["requests"]["after_ramp_up"];
        assert_eq!(steady["latency_ms"]["count"], 4, "{steady}");
        assert_eq!(
            steady["rps"], 8.0,
            "four replies in half a second: {steady}"
        );
        assert_eq!(j["requests"]["latency_ms"]["count"], 4);
    }
}
