//! The report's figures from what the players measured ([`Stats`]): rates, percentiles of the
//! HDR histograms, the per-second timeline and the combats' part.

use super::stats::Stats;
use hdrhistogram::Histogram;
use serde_json::{Value, json};

impl Stats {
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
pub(super) fn latency_row(h: &Histogram<u64>) -> [u64; 3] {
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
