//! CPU and memory of the load tester and of the server it drives, read from /proc over the run
//! (the bench clients read them the same way).

use super::figures::round2;
use serde_json::{Value, json};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// utime + stime of a process ("self" for this one), in clock ticks.
pub fn cpu_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// A KiB figure of /proc/PID/status (`VmRSS`, `VmHWM`).
fn status_kib(pid: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// Resident memory of a process, KiB.
pub fn rss_kib(pid: &str) -> Option<u64> {
    status_kib(pid, "VmRSS")
}

/// CPU and memory of this process and, if given, the server's, over the run.
pub(crate) struct ProcessProbe {
    server: Option<String>,
    started: Instant,
    cpu0: (Option<u64>, Option<u64>),
    peak_rss: Mutex<(u64, u64)>,
    /// The peaks when the cleanup began: the end-of-run burst (garrisons collected, everyone
    /// parked) can cost more memory than the load did.
    peak_before_cleanup: Mutex<Option<(u64, u64)>>,
    /// The server's resident memory when the ramp-up ended, and its peak from then until the
    /// cleanup: the load's own memory, apart from the burst of connections and joins.
    server_after_ramp_up: Mutex<Option<(u64, u64)>>,
    last_sample: Mutex<Instant>,
}

/// How often the resident memory is read: often enough to see a burst of a second or less.
const RSS_EVERY: Duration = Duration::from_millis(200);

/// Clock ticks per second of /proc/PID/stat on Linux.
const CLK_TCK: f64 = 100.0;

impl ProcessProbe {
    pub fn start(server_pid: Option<u32>) -> ProcessProbe {
        let server = server_pid.map(|p| p.to_string());
        let now = Instant::now();
        ProcessProbe {
            cpu0: (cpu_ticks("self"), server.as_deref().and_then(cpu_ticks)),
            server,
            started: now,
            peak_rss: Mutex::new((0, 0)),
            peak_before_cleanup: Mutex::new(None),
            server_after_ramp_up: Mutex::new(None),
            last_sample: Mutex::new(now),
        }
    }

    /// Reads the resident memory (at most every `RSS_EVERY`) to keep the peaks.
    pub fn sample(&self) {
        let mut last = self.last_sample.lock().unwrap_or_else(|p| p.into_inner());
        if last.elapsed() < RSS_EVERY {
            return;
        }
        *last = Instant::now();
        self.read_rss();
    }

    fn read_rss(&self) -> (u64, u64) {
        let mut peak = self.peak_rss.lock().unwrap_or_else(|p| p.into_inner());
        peak.0 = peak.0.max(rss_kib("self").unwrap_or(0));
        if let Some(s) = &self.server {
            let now = rss_kib(s).unwrap_or(0);
            peak.1 = peak.1.max(now);
            let cleanup = self
                .peak_before_cleanup
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_some();
            if !cleanup
                && let Some((_, top)) = self
                    .server_after_ramp_up
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .as_mut()
            {
                *top = (*top).max(now);
            }
        }
        *peak
    }

    /// Notes the server's memory as the ramp-up ends.
    pub fn ramp_up_ends(&self) {
        let now = self.server.as_deref().and_then(rss_kib).unwrap_or(0);
        *self
            .server_after_ramp_up
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some((now, now));
    }

    /// Notes the peaks so far, as the players begin their cleanup.
    pub fn cleanup_begins(&self) {
        let peaks = self.read_rss();
        *self
            .peak_before_cleanup
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(peaks);
    }

    pub fn finish(&self) -> Value {
        self.sample();
        let wall = self.started.elapsed().as_secs_f64().max(1e-3);
        let pct = |a: Option<u64>, b: Option<u64>| -> Option<f64> {
            Some(round2(
                (b?.checked_sub(a?)? as f64) / CLK_TCK / wall * 100.0,
            ))
        };
        let peak = *self.peak_rss.lock().unwrap_or_else(|p| p.into_inner());
        let before = *self
            .peak_before_cleanup
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let client = json!({
            "cpu_pct_of_one_core": pct(self.cpu0.0, cpu_ticks("self")),
            "rss_peak_kib": (peak.0 > 0).then_some(peak.0),
        });
        let after_ramp_up = *self
            .server_after_ramp_up
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let server = self.server.as_deref().map(|s| {
            json!({
                "pid": s,
                "cpu_pct_of_one_core": pct(self.cpu0.1, cpu_ticks(s)),
                "rss_peak_kib": (peak.1 > 0).then_some(peak.1),
                "rss_peak_before_cleanup_kib": before.map(|b| b.1).filter(|kib| *kib > 0),
                "rss_at_ramp_up_end_kib": after_ramp_up.map(|a| a.0).filter(|kib| *kib > 0),
                "rss_peak_after_ramp_up_kib": after_ramp_up.map(|a| a.1).filter(|kib| *kib > 0),
                // The kernel's high-water mark: the true peak, between two reads too.
                "rss_hwm_kib": status_kib(s, "VmHWM"),
                "rss_end_kib": rss_kib(s),
                "rss_read_every_ms": RSS_EVERY.as_millis() as u64,
            })
        });
        json!({"client": client, "server": server})
    }
}

/// Raises this process's open-file limit toward `want` (one socket per player), as far as the
/// hard limit allows (the `rlimit` crate, as the server does). Best effort: with too low a limit
/// the extra connections fail and are reported.
pub(crate) fn raise_open_files(want: u64) {
    match rlimit::increase_nofile_limit(want) {
        Ok(now) if now >= want => {}
        Ok(now) => eprintln!(
            "loadtest: open-file limit is {now}, below the {want} wanted; raise it (ulimit -n) or expect failed connections"
        ),
        Err(e) => eprintln!("loadtest: cannot raise the open-file limit: {e}"),
    }
}
