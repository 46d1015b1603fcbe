//! What a shard's report carries besides the report itself (its `shard` object), so that
//! `bang loadtest merge` can add the shards up exactly: counters as raw sums, the HDR histograms
//! (hdrhistogram's V2 format, base64), each second's latencies, every combat's start and end (a
//! fight between players of two shards is one fight), and when the shard started on the wall
//! clock (to line the shards' seconds up).

use super::non_reader::NonReaderState;
use super::shard::{Shard, unix_nanos};
use super::stats::Stats;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::{Instant, SystemTime};

/// The version of this layout; the merge refuses another.
pub(crate) const FORMAT: u32 = 1;

/// A histogram in hdrhistogram's V2 format (compact: runs of empty buckets take a byte or two).
pub(super) fn serialize(h: &Histogram<u64>) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to memory fails only for a count above i64::MAX.
    V2Serializer::new()
        .serialize(h, &mut out)
        .expect("a histogram serializes to memory");
    out
}

pub(super) fn encode(h: &Histogram<u64>) -> String {
    B64.encode(serialize(h))
}

/// Reads back what [`encode`] wrote.
pub(super) fn decode(text: &str) -> Result<Histogram<u64>, String> {
    let bytes = B64
        .decode(text)
        .map_err(|e| format!("a histogram is not base64: {e}"))?;
    Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| format!("a histogram is not in the V2 format: {e}"))
}

/// A shard's `shard` object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ShardState {
    pub format: u32,
    pub index: usize,
    pub count: usize,
    /// The indices of the players it drove: [from, to).
    pub players: [usize; 2],
    pub non_readers: [usize; 2],
    /// `--start-at` as given.
    pub start_at: Option<String>,
    /// The shard's start of the run (its t0), nanoseconds since the Unix epoch.
    pub started_at_unix_ns: u64,
    /// From the start until the figures "after the ramp-up" begin.
    pub ramp_secs: f64,
    pub load_secs: f64,
    pub drain_secs: f64,
    pub total_secs: f64,
    pub joined: u64,
    pub requests_sent: u64,
    pub stats: StatsState,
    pub non_reader_state: Option<NonReaderState>,
}

/// [`Stats`] as a shard report gives it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct StatsState {
    pub endpoints: BTreeMap<String, EndpointState>,
    pub all: String,
    pub steady: String,
    pub errors_by_status: BTreeMap<u16, u64>,
    pub expected: BTreeMap<String, u64>,
    pub unexpected: BTreeMap<String, u64>,
    pub replies_in_load: u64,
    pub combats: Vec<CombatState>,
    /// Replies and errors of each second since the shard's start.
    pub timeline: Vec<[u64; 2]>,
    /// The reply latencies of each second that had replies.
    pub seconds: BTreeMap<usize, String>,
    pub violations: BTreeMap<String, u64>,
    pub samples: Vec<String>,
    pub events: BTreeMap<String, u64>,
    pub actions: BTreeMap<String, u64>,
    pub combat_actions: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct EndpointState {
    pub latency: String,
    pub ok: u64,
    pub errors: u64,
    pub in_load: u64,
}

/// One combat: its id, when it was first seen and first seen to end (nanoseconds after the
/// shard's start), its rounds and how it ended (0 and "" while open).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CombatState(pub String, pub u64, pub Option<u64>, pub u32, pub String);

impl StatsState {
    /// `s` as of now, its times counted from `t0`.
    pub fn of(s: &Stats, t0: Instant) -> StatsState {
        let ns = |at: Instant| u64::try_from(at.duration_since(t0).as_nanos()).unwrap_or(u64::MAX);
        let mut combats: Vec<CombatState> = s
            .combats
            .iter()
            .map(|(id, rec)| {
                let end = rec.end.as_ref();
                CombatState(
                    id.clone(),
                    ns(rec.started),
                    end.map(|e| ns(e.at)),
                    end.map_or(0, |e| e.rounds),
                    end.map(|e| e.kind.clone()).unwrap_or_default(),
                )
            })
            .collect();
        combats.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
        let mut seconds: BTreeMap<usize, String> =
            s.seconds.iter().map(|(k, v)| (*k, B64.encode(v))).collect();
        // The second still being gathered.
        if !s.second_latency.is_empty() {
            seconds.insert(s.second, encode(&s.second_latency));
        }
        StatsState {
            endpoints: s
                .endpoints
                .iter()
                .map(|(k, e)| {
                    let state = EndpointState {
                        latency: encode(&e.latency),
                        ok: e.ok,
                        errors: e.errors,
                        in_load: e.in_load,
                    };
                    (k.clone(), state)
                })
                .collect(),
            all: encode(&s.all),
            steady: encode(&s.steady),
            errors_by_status: s.errors_by_status.clone(),
            expected: s.expected.clone(),
            unexpected: s.unexpected.clone(),
            replies_in_load: s.replies_in_load,
            combats,
            timeline: s.timeline.iter().map(|t| [t.replies, t.errors]).collect(),
            seconds,
            violations: s.violations.clone(),
            samples: s.samples.clone(),
            events: s.events.clone(),
            actions: s.actions.clone(),
            combat_actions: s.combat_actions.clone(),
        }
    }
}

/// What a run knows of itself at its end, for its `shard` object.
pub(crate) struct ShardRun<'a> {
    pub shard: Shard,
    pub players: std::ops::Range<usize>,
    pub non_readers: std::ops::Range<usize>,
    pub start_at: Option<String>,
    pub started_at: SystemTime,
    pub t0: Instant,
    pub ramp_secs: f64,
    pub timing: &'a super::report::Timing,
    pub joined: u64,
    pub requests_sent: u64,
    pub non_reader_state: Option<NonReaderState>,
}

impl ShardState {
    pub fn of(run: ShardRun<'_>, stats: &Stats) -> ShardState {
        ShardState {
            format: FORMAT,
            index: run.shard.index,
            count: run.shard.count,
            players: [run.players.start, run.players.end],
            non_readers: [run.non_readers.start, run.non_readers.end],
            start_at: run.start_at,
            started_at_unix_ns: unix_nanos(run.started_at),
            ramp_secs: run.ramp_secs,
            load_secs: run.timing.load_secs,
            drain_secs: run.timing.drain_secs,
            total_secs: run.timing.total_secs,
            joined: run.joined,
            requests_sent: run.requests_sent,
            stats: StatsState::of(stats, run.t0),
            non_reader_state: run.non_reader_state,
        }
    }
}
