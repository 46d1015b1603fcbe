//! What the players measure, shared by all of them: latency histograms per endpoint, counters,
//! combats seen, errors, invariant violations, a per-second timeline. [`super::figures`] makes
//! the report's figures of them.

use super::figures::latency_row;
use super::wire::{ErrorBody, detail_key, end_kind};
use hdrhistogram::Histogram;
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
                end: None,
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
        let started = match s.combats.get(combat_id) {
            Some(rec) if rec.end.is_some() => return,
            Some(rec) => rec.started,
            None => {
                // Ended before anyone saw it start (cannot happen with in-order delivery, but
                // must not be lost).
                let rec = CombatRec {
                    started: now,
                    end: None,
                };
                s.combats.insert(combat_id.to_string(), rec);
                s.tick(sec).combats_started += 1;
                self.live.combats_started.fetch_add(1, Ordering::Relaxed);
                now
            }
        };
        let (rounds, kind) = (rounds.max(1), end_kind(result));
        if let Some(rec) = s.combats.get_mut(combat_id) {
            let kind = kind.clone();
            rec.end = Some(CombatEnd {
                at: now,
                rounds,
                kind,
            });
        }
        s.ended += 1;
        s.tick(sec).combats_ended += 1;
        s.rounds.saturating_record(rounds as u64);
        s.durations_ms
            .saturating_record((now - started).as_millis().max(1) as u64);
        *s.end_states.entry(kind).or_default() += 1;
        drop(s);
        self.live.combats_ended.fetch_add(1, Ordering::Relaxed);
    }

    /// A broken invariant, with an example for the report.
    pub fn violation(&self, kind: Violation, n: u64, sample: impl FnOnce() -> String) {
        if n == 0 {
            return;
        }
        let mut s = self.stats();
        *s.violations.entry(kind.name().to_string()).or_default() += n;
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

pub(super) fn micros_histogram() -> Histogram<u64> {
    // 1 µs to 1 h at 3 significant figures.
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds")
}

pub(super) fn rounds_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 1_000_000, 3).expect("bounds")
}

pub(super) fn durations_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000, 3).expect("bounds")
}

pub(crate) struct CombatRec {
    /// When a player first saw it.
    pub(super) started: Instant,
    /// Its end as a player first saw it.
    pub(super) end: Option<CombatEnd>,
}

/// A combat's end: a shard report lists them, so that merging counts a fight seen by players of
/// two shards once.
pub(crate) struct CombatEnd {
    pub(super) at: Instant,
    pub(super) rounds: u32,
    pub(super) kind: String,
}

#[derive(Default, Clone, Copy)]
pub(crate) struct Tick {
    pub(super) replies: u64,
    pub(super) errors: u64,
    pub(super) combats_started: u64,
    pub(super) combats_ended: u64,
    /// Reply latency within the second, µs (p50, p99, max), once the second is over.
    pub(super) latency: Option<[u64; 3]>,
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
    pub(super) replies_in_load: u64,
    pub(super) combats: HashMap<String, CombatRec>,
    pub(super) ended: u64,
    pub(super) peak_open: u64,
    pub(super) rounds: Histogram<u64>,
    pub(super) durations_ms: Histogram<u64>,
    pub(super) end_states: BTreeMap<String, u64>,
    pub(super) timeline: Vec<Tick>,
    /// The second whose reply latencies `second_latency` is gathering.
    pub(super) second: usize,
    pub(super) second_latency: Histogram<u64>,
    /// Each second's latencies once it is over, serialized (a few hundred bytes each, where the
    /// histogram takes ~190 KiB): a shard report gives them, for the merged seconds.
    pub(super) seconds: BTreeMap<usize, Vec<u8>>,
    /// Replies after the ramp-up and before the stop.
    pub(super) steady: Histogram<u64>,
    pub violations: BTreeMap<String, u64>,
    pub samples: Vec<String>,
    pub events: BTreeMap<String, u64>,
    pub actions: BTreeMap<String, u64>,
    pub combat_actions: BTreeMap<String, u64>,
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
            rounds: rounds_histogram(),
            durations_ms: durations_histogram(),
            end_states: BTreeMap::new(),
            timeline: Vec::new(),
            second: 0,
            second_latency: micros_histogram(),
            seconds: BTreeMap::new(),
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

    pub(super) fn tick(&mut self, sec: usize) -> &mut Tick {
        if self.timeline.len() <= sec {
            self.timeline.resize(sec + 1, Tick::default());
        }
        &mut self.timeline[sec]
    }

    /// Gathers a reply's latency into its second's figures. Replies arrive in time order (a late
    /// one from another worker thread counts in the second being gathered).
    pub(super) fn record_in_second(&mut self, sec: usize, us: u64) {
        if sec > self.second {
            let done = self.second;
            if !self.second_latency.is_empty() {
                self.tick(done).latency = Some(latency_row(&self.second_latency));
                let bytes = super::state::serialize(&self.second_latency);
                self.seconds.insert(done, bytes);
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
            *self.actions.entry(k.to_string()).or_default() += n;
        }
        for (k, n) in t.combat_actions {
            *self.combat_actions.entry(k.to_string()).or_default() += n;
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
