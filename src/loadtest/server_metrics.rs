//! The server's own view of the run: its `/metrics` read when the ramp-up ends and again when the
//! load stops, so its RPC latency and update times cover the same window as the client's
//! after-ramp-up figures. The client's latency adds the loopback and the client's own wait for a
//! core; the server's does not, and the difference says where the time went.

use super::error::LoadtestError;
use super::figures::round3;
use super::player::Phase;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How long one read of `/metrics` may take before the report goes without it.
const SCRAPE_TIMEOUT: Duration = Duration::from_secs(5);

/// Reads `http://addr/metrics` (Prometheus text).
pub(crate) async fn scrape(addr: SocketAddr) -> Result<String, LoadtestError> {
    tokio::time::timeout(SCRAPE_TIMEOUT, get_metrics(addr))
        .await
        .map_err(|_| LoadtestError::MetricsTimeout(SCRAPE_TIMEOUT.as_secs()))?
}

async fn get_metrics(addr: SocketAddr) -> Result<String, LoadtestError> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(LoadtestError::TcpConnect)?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(LoadtestError::MetricsHandshake)?;
    let driver = tokio::spawn(conn);
    let request = hyper::Request::get("/metrics")
        .header(hyper::header::HOST, addr.to_string())
        .body(http_body_util::Empty::<hyper::body::Bytes>::new())
        .map_err(LoadtestError::MetricsRequestBuild)?;
    let response = sender
        .send_request(request)
        .await
        .map_err(LoadtestError::MetricsRequest)?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(LoadtestError::MetricsBody)?
        .to_bytes();
    driver.abort();
    if !status.is_success() {
        return Err(LoadtestError::MetricsStatus(status));
    }
    String::from_utf8(body.to_vec()).map_err(LoadtestError::MetricsNotUtf8)
}

/// The value of a metric without labels (a gauge, or a counter's `_total` line).
pub(crate) fn value(text: &str, name: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        let rest = l.strip_prefix(name)?.strip_prefix(' ')?;
        rest.trim().parse().ok()
    })
}

/// The server's gauges read through the run: `outbound_queued_bytes` at its highest (overall and
/// after the ramp-up), and `slow_client_disconnects_total` at the first and last read.
#[derive(Debug, Default, Clone)]
pub(crate) struct Gauges {
    pub reads: u64,
    pub errors: u64,
    pub last_error: Option<String>,
    /// (bytes, seconds since the start of the run)
    pub max_queued: Option<(f64, f64)>,
    pub max_queued_after_ramp_up: Option<(f64, f64)>,
    pub slow_first: Option<f64>,
    pub slow_last: Option<f64>,
}

impl Gauges {
    /// One read of `/metrics`, taken `at` seconds into the run (`steady`: after the ramp-up and
    /// before the stop).
    pub fn read(&mut self, text: Result<String, LoadtestError>, at: f64, steady: bool) {
        let text = match text {
            Ok(t) => t,
            Err(e) => {
                self.errors += 1;
                self.last_error = Some(e.to_string());
                return;
            }
        };
        self.reads += 1;
        if let Some(q) = value(&text, "outbound_queued_bytes") {
            let higher = |m: Option<(f64, f64)>| m.is_none_or(|(b, _)| q > b);
            if higher(self.max_queued) {
                self.max_queued = Some((q, at));
            }
            if steady && higher(self.max_queued_after_ramp_up) {
                self.max_queued_after_ramp_up = Some((q, at));
            }
        }
        if let Some(n) = value(&text, "slow_client_disconnects_total") {
            self.slow_first.get_or_insert(n);
            self.slow_last = Some(n);
        }
    }

    pub fn to_json(&self, every: std::time::Duration) -> Value {
        let at = |m: Option<(f64, f64)>| {
            m.map(|(bytes, secs)| json!({"bytes": bytes, "at_secs": round3(secs)}))
        };
        json!({
            "reads": self.reads,
            "read_every_ms": every.as_millis() as u64,
            "errors": self.errors,
            "last_error": self.last_error,
            "outbound_queued_bytes_max": at(self.max_queued),
            "outbound_queued_bytes_max_after_ramp_up": at(self.max_queued_after_ramp_up),
            "slow_client_disconnects": self.slow_first.zip(self.slow_last).map(|(a, b)| b - a),
        })
    }
}

/// One histogram summed over its label sets: the cumulative count at each upper bound, in
/// increasing order of bound (the last is +Inf, whose count is the total).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Buckets(Vec<(f64, f64)>);

impl Buckets {
    /// The `NAME_bucket` lines of Prometheus text, summed by `le`. None if there are none.
    pub fn parse(text: &str, name: &str) -> Option<Buckets> {
        let prefix = format!("{name}_bucket{{");
        let mut by_bound: Vec<(f64, f64)> = Vec::new();
        for line in text.lines().filter(|l| l.starts_with(&prefix)) {
            let Some(le) = line.split("le=\"").nth(1).and_then(|r| r.split('"').next()) else {
                continue;
            };
            let bound = if le == "+Inf" {
                f64::INFINITY
            } else {
                match le.parse::<f64>() {
                    Ok(b) => b,
                    Err(_) => continue,
                }
            };
            let Some(count) = line
                .rsplit(' ')
                .next()
                .and_then(|v| v.trim().parse::<f64>().ok())
            else {
                continue;
            };
            match by_bound.iter_mut().find(|(b, _)| *b == bound) {
                Some((_, c)) => *c += count,
                None => by_bound.push((bound, count)),
            }
        }
        if by_bound.is_empty() {
            return None;
        }
        by_bound.sort_by(|a, b| a.0.total_cmp(&b.0));
        Some(Buckets(by_bound))
    }

    /// What was observed after `earlier` (a read of the same histogram).
    pub fn since(&self, earlier: &Buckets) -> Buckets {
        Buckets(
            self.0
                .iter()
                .map(|(bound, count)| {
                    let before = earlier
                        .0
                        .iter()
                        .find(|(b, _)| b == bound)
                        .map_or(0.0, |(_, c)| *c);
                    (*bound, (count - before).max(0.0))
                })
                .collect(),
        )
    }

    pub fn count(&self) -> f64 {
        self.0.last().map_or(0.0, |(_, c)| *c)
    }

    /// The share (%) of observations at or under `bound`, which must be one of the bounds.
    pub fn percent_within(&self, bound: f64) -> Option<f64> {
        let total = self.count();
        let within = self.0.iter().find(|(b, _)| *b == bound)?.1;
        (total > 0.0).then(|| 100.0 * within / total)
    }

    /// The `q` quantile, interpolated linearly inside its bucket as Prometheus's
    /// `histogram_quantile` does; the highest finite bound if it falls in the +Inf bucket.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total = self.count();
        if total <= 0.0 {
            return None;
        }
        let rank = q.clamp(0.0, 1.0) * total;
        let (mut lower, mut below) = (0.0, 0.0);
        for &(bound, count) in &self.0 {
            if count >= rank && count > below {
                if bound.is_infinite() {
                    return Some(lower);
                }
                return Some(lower + (bound - lower) * (rank - below) / (count - below));
            }
            if bound.is_finite() {
                lower = bound;
            }
            below = count;
        }
        Some(lower)
    }
}

/// The report's `server_metrics`: the window between two reads of `/metrics`.
pub(crate) fn window(start: &str, end: &str, secs: f64) -> Value {
    let read = |name: &str| -> Option<Buckets> {
        let end = Buckets::parse(end, name)?;
        Some(match Buckets::parse(start, name) {
            Some(start) => end.since(&start),
            None => end,
        })
    };
    let ms = |v: Option<f64>| v.map(|s| round3(s * 1000.0));
    let rpc = read("rpc_latency_seconds").map(|b| {
        json!({
            "count": b.count(),
            "p50_ms": ms(b.quantile(0.5)),
            "p99_ms": ms(b.quantile(0.99)),
            "within_10ms_pct": b.percent_within(0.01).map(round3),
        })
    });
    let ticks = read("tick_duration_seconds").map(|b| {
        json!({
            "count": b.count(),
            "p99_ms": ms(b.quantile(0.99)),
            "over_10ms_pct": b.percent_within(0.01).map(|p| round3(100.0 - p)),
        })
    });
    let inbox = read("rpc_inbox_wait_seconds").map(|b| json!({"p99_ms": ms(b.quantile(0.99))}));
    json!({
        "window": "after the ramp-up",
        "secs": round3(secs),
        "rpc_latency": rpc,
        "updates": ticks,
        "inbox_wait": inbox,
    })
}

/// How often the server's gauges are read during the run.
pub(super) const GAUGES_EVERY: Duration = Duration::from_millis(250);

/// Reads the server's `/metrics` every `GAUGES_EVERY` until told to stop, then once more.
pub(super) async fn sample_gauges(
    addr: SocketAddr,
    mut gauges: Gauges,
    t0: Instant,
    steady_from: Instant,
    phase: watch::Receiver<Phase>,
    mut stop: watch::Receiver<bool>,
) -> Gauges {
    let mut every = tokio::time::interval(GAUGES_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let stopping = tokio::select! {
            _ = every.tick() => false,
            _ = stop.wait_for(|s| *s) => true,
        };
        let steady = Instant::now() >= steady_from && *phase.borrow() == Phase::Run;
        let text = scrape(addr).await;
        gauges.read(text, t0.elapsed().as_secs_f64(), steady);
        if stopping {
            return gauges;
        }
    }
}

pub(super) type Scrape = Option<(
    Instant,
    tokio::task::JoinHandle<Result<String, LoadtestError>>,
)>;

/// The report's `server_metrics`: the window between the two reads, or why there is none.
pub(super) async fn server_window(start: Scrape, end: Scrape) -> Value {
    let (Some((from, start)), Some((to, end))) = (start, end) else {
        return json!({"error": "the run had no time after the ramp-up"});
    };
    let read = |r: Result<Result<String, LoadtestError>, tokio::task::JoinError>| {
        r.map_err(LoadtestError::MetricsTask).and_then(|r| r)
    };
    match (read(start.await), read(end.await)) {
        (Ok(start), Ok(end)) => window(&start, &end, (to - from).as_secs_f64()),
        (Err(e), _) | (_, Err(e)) => json!({"error": format!("/metrics not read: {e}")}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: &str = "\
# TYPE rpc_latency_seconds histogram
rpc_latency_seconds_bucket{le=\"0.005\",endpoint=\"move\"} 10
rpc_latency_seconds_bucket{le=\"0.01\",endpoint=\"move\"} 10
rpc_latency_seconds_bucket{le=\"+Inf\",endpoint=\"move\"} 10
rpc_latency_seconds_count{endpoint=\"move\"} 10
";
    const END: &str = "\
# TYPE rpc_latency_seconds histogram
rpc_latency_seconds_bucket{le=\"0.005\",endpoint=\"move\"} 60
rpc_latency_seconds_bucket{le=\"0.01\",endpoint=\"move\"} 100
rpc_latency_seconds_bucket{le=\"+Inf\",endpoint=\"move\"} 110
rpc_latency_seconds_bucket{le=\"0.005\",endpoint=\"trade\"} 40
rpc_latency_seconds_bucket{le=\"0.01\",endpoint=\"trade\"} 40
rpc_latency_seconds_bucket{le=\"+Inf\",endpoint=\"trade\"} 40
tick_duration_seconds_bucket{le=\"0.005\"} 3
tick_duration_seconds_bucket{le=\"0.01\"} 4
tick_duration_seconds_bucket{le=\"+Inf\"} 4
";

    #[test]
    fn buckets_sum_over_label_sets_and_subtract_an_earlier_read() {
        let end = Buckets::parse(END, "rpc_latency_seconds").unwrap();
        assert_eq!(
            end,
            Buckets(vec![(0.005, 100.0), (0.01, 140.0), (f64::INFINITY, 150.0)])
        );
        let start = Buckets::parse(START, "rpc_latency_seconds").unwrap();
        let window = end.since(&start);
        assert_eq!(window.count(), 140.0);
        assert_eq!(window.percent_within(0.01), Some(100.0 * 130.0 / 140.0));
        assert_eq!(window.percent_within(0.02), None, "not a bound");
        assert!(Buckets::parse(END, "no_such_metric").is_none());
    }

    #[test]
    fn quantiles_interpolate_inside_their_bucket() {
        // 100 observations: 50 up to 1 ms, 40 in (1, 5] ms, 10 over 5 ms.
        let b = Buckets(vec![(0.001, 50.0), (0.005, 90.0), (f64::INFINITY, 100.0)]);
        assert_eq!(b.quantile(0.5), Some(0.001));
        // Rank 70 is half-way through the (1, 5] ms bucket.
        assert!((b.quantile(0.7).unwrap() - 0.003).abs() < 1e-12);
        // In the +Inf bucket: the highest finite bound is all that is known.
        assert_eq!(b.quantile(0.99), Some(0.005));
        assert_eq!(Buckets(vec![(f64::INFINITY, 0.0)]).quantile(0.5), None);
    }

    #[test]
    fn gauges_keep_the_highest_queue_and_count_cuts_from_the_first_read() {
        let text = |queued: u64, slow: u64| {
            Ok(format!(
                "# TYPE outbound_queued_bytes gauge\noutbound_queued_bytes {queued}\n\
                 outbound_queued_bytes_other 99999999\n\
                 # TYPE slow_client_disconnects counter\nslow_client_disconnects_total {slow}\n"
            ))
        };
        let mut g = Gauges::default();
        g.read(text(10, 2), 0.5, false);
        g.read(text(5_000, 2), 1.0, false);
        g.read(text(300, 9), 2.0, true);
        g.read(Err(LoadtestError::MetricsTimeout(5)), 2.5, true);
        g.read(text(10, 12), 3.0, false);
        assert_eq!(g.max_queued, Some((5_000.0, 1.0)));
        assert_eq!(g.max_queued_after_ramp_up, Some((300.0, 2.0)));
        let j = g.to_json(std::time::Duration::from_millis(250));
        assert_eq!(j["slow_client_disconnects"], 10.0);
        assert_eq!(
            (j["reads"].as_u64(), j["errors"].as_u64()),
            (Some(4), Some(1))
        );
        assert_eq!(value("a 1\nab 2\n", "a"), Some(1.0));
        assert_eq!(value("ab 2\n", "a"), None);
    }

    #[test]
    fn the_window_reports_rpc_latency_and_updates() {
        let w = window(START, END, 20.0);
        assert_eq!(w["rpc_latency"]["count"], 140.0);
        assert_eq!(w["rpc_latency"]["within_10ms_pct"], 92.857);
        assert_eq!(w["updates"]["over_10ms_pct"], 0.0);
        assert_eq!(w["updates"]["p99_ms"], 9.8);
        assert!(w["inbox_wait"].is_null());
    }
}
