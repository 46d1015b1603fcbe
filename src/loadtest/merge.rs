//! `bang loadtest merge REPORT…`: the reports of the N shards of one run (`--shard I/N`) added up
//! into the report one process driving every player would have written.
//!
//! What is exact: the HDR histograms are added (`Histogram::add`), so every percentile comes from
//! all the replies, not an average of the shards' percentiles; counters are summed; a combat seen
//! by players of two shards counts once (by its id, from when it was first seen to start and to
//! end); each second's latencies are the added histograms of that second. The shards' seconds are
//! lined up by their starts on the wall clock, to the nearest second (with `--start-at` they start
//! within milliseconds of each other); a combat's duration across two machines relies on their
//! clocks agreeing. Rates are over the union of the shards' windows: from the first start to the
//! last stop.
//!
//! The server's side is taken from shard 0, not summed: `/metrics` is the whole server's, so each
//! shard's reads already count every shard's load, and a sum would count it N times. Shard 0's
//! window (its ramp-up's end to its stop) is the run's when the shards start together. The
//! server's CPU and memory (`--server-pid`, which only a shard on the server's machine can read)
//! come from the first shard that has them. The clients' CPU and peak memory are summed over the
//! shards (the whole load generator; each shard's own are under `processes.client.shards`).

use super::config::MergeArgs;
use super::error::LoadtestError;
use super::figures::{latency_row, round2};
use super::non_reader::NonReaders;
use super::report::{Parts, Report, ServerSide, Timing};
use super::shard::Shard;
use super::state::{FORMAT, ShardState, decode};
use super::stats::{self, CombatEnd, CombatRec, EndpointStats, Stats};
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[cfg(test)]
mod tests;

/// One shard's report: where it came from, its body and its `shard` object.
struct Input {
    path: PathBuf,
    body: Value,
    state: ShardState,
    /// Nanoseconds after the earliest shard's start that this one started.
    offset_ns: u64,
}

impl Input {
    /// Its start, in whole seconds after the earliest shard's: how far its seconds shift.
    fn offset_secs(&self) -> usize {
        ((self.offset_ns + 500_000_000) / 1_000_000_000) as usize
    }

    fn bad(&self, why: impl Into<String>) -> LoadtestError {
        LoadtestError::NotAShard {
            path: self.path.clone(),
            why: why.into(),
        }
    }

    fn histogram(&self, text: &str) -> Result<Histogram<u64>, LoadtestError> {
        decode(text).map_err(|why| self.bad(why))
    }
}

/// Reads the shards' JSON reports and merges them ([`merge`]).
pub fn merge_files(paths: &[PathBuf]) -> Result<Report, LoadtestError> {
    let mut shards = Vec::with_capacity(paths.len());
    for path in paths {
        let text = std::fs::read_to_string(path).map_err(|source| LoadtestError::ReadReport {
            path: path.clone(),
            source,
        })?;
        let body = serde_json::from_str(&text).map_err(|source| LoadtestError::ReportNotJson {
            path: path.clone(),
            source,
        })?;
        shards.push((path.clone(), body));
    }
    merge(shards)
}

/// Merges the JSON reports of the shards of one run, each named by where it came from (for the
/// errors): every shard `0..N` exactly once, all with the same options. The result is the report
/// one process of all the players would have written, with `merged_from` listing the shards.
pub fn merge(reports: Vec<(PathBuf, Value)>) -> Result<Report, LoadtestError> {
    let mut shards = reports
        .into_iter()
        .map(|(path, body)| read(path, body))
        .collect::<Result<Vec<_>, _>>()?;
    check(&shards)?;
    shards.sort_by_key(|s| s.state.index);
    let base = shards
        .iter()
        .map(|s| s.state.started_at_unix_ns)
        .min()
        .unwrap_or(0);
    for s in &mut shards {
        s.offset_ns = s.state.started_at_unix_ns - base;
    }
    let stats = merge_stats(&shards)?;
    let first = &shards[0];
    let parts = Parts {
        config: first.body["config"].clone(),
        players: shards
            .iter()
            .map(|s| s.state.players[1] - s.state.players[0])
            .sum(),
        joined: shards.iter().map(|s| s.state.joined).sum(),
        requests_sent: shards.iter().map(|s| s.state.requests_sent).sum(),
        ramp_secs: first.state.ramp_secs,
        stats: &stats,
    };
    let non_readers = shards
        .iter()
        .filter_map(|s| s.state.non_reader_state.as_ref())
        .collect::<Vec<_>>();
    let server = ServerSide {
        window: first.body["server_metrics"].clone(),
        gauges: first.body["server_gauges"].clone(),
        non_readers: (!non_readers.is_empty()).then(|| NonReaders::merged(non_readers).to_json()),
    };
    let mut report = Report::assemble(parts, union_time(&shards), processes(&shards), server);
    report.json["merged_from"] = shards
        .iter()
        .map(|s| {
            json!({
                "shard": format!("{}/{}", s.state.index, s.state.count),
                "report": s.path.display().to_string(),
                "players": s.state.players,
                "started_after_secs": s.offset_ns as f64 / 1e9,
                "start_at": s.state.start_at,
            })
        })
        .collect();
    Ok(report)
}

/// A report's `shard` object, or why it has none that this version can merge.
fn read(path: PathBuf, mut body: Value) -> Result<Input, LoadtestError> {
    let bad = |why: String| LoadtestError::NotAShard {
        path: path.clone(),
        why,
    };
    let Some(shard) = body.as_object_mut().and_then(|o| o.remove("shard")) else {
        return Err(bad(
            "not a shard's report (no `shard`: run with --shard I/N)".into(),
        ));
    };
    if shard["format"].as_u64() != Some(FORMAT as u64) {
        return Err(bad(format!(
            "its shard format is {}, this version merges {FORMAT}",
            shard["format"]
        )));
    }
    let state: ShardState = serde_json::from_value(shard)
        .map_err(|e| bad(format!("its `shard` is unreadable: {e}")))?;
    Ok(Input {
        path,
        body,
        state,
        offset_ns: 0,
    })
}

/// Every shard of one run, each once: the same N, options, seed and players.
fn check(shards: &[Input]) -> Result<(), LoadtestError> {
    let Some(first) = shards.first() else {
        return Err(LoadtestError::MergeNothing);
    };
    let count = first.state.count;
    let mismatch = |s: &Input, what: String| LoadtestError::ShardMismatch {
        path: s.path.clone(),
        first: first.path.clone(),
        what,
    };
    let mut seen: Vec<Option<&Path>> = vec![None; count];
    for s in shards {
        if s.state.count != count {
            let what = format!(
                "it is shard {}/{}, not of {count}",
                s.state.index, s.state.count
            );
            return Err(mismatch(s, what));
        }
        if let Some(what) = config_difference(&first.body["config"], &s.body["config"]) {
            return Err(mismatch(s, what));
        }
        let total = s.body["config"]["players"].as_u64().unwrap_or(0) as usize;
        let shard = Shard {
            index: s.state.index,
            count,
        };
        let mine = shard.players(total);
        if s.state.index >= count || s.state.players != [mine.start, mine.end] {
            return Err(s.bad(format!(
                "its players {:?} are not those of shard {shard} of {total}",
                s.state.players
            )));
        }
        if let Some(earlier) = seen[s.state.index].replace(&s.path) {
            return Err(LoadtestError::ShardTwice {
                index: s.state.index,
                first: earlier.to_path_buf(),
                second: s.path.clone(),
            });
        }
    }
    let list = |have: bool| {
        let v: Vec<String> = (0..count)
            .filter(|i| seen[*i].is_some() == have)
            .map(|i| i.to_string())
            .collect();
        v.join(", ")
    };
    if seen.iter().any(Option::is_none) {
        return Err(LoadtestError::ShardsMissing {
            missing: list(false),
            count,
            have: list(true),
        });
    }
    Ok(())
}

/// The first option in which two shards' `config` differ, if any, as the report names it. The address may differ (each
/// machine may reach the server by another name).
fn config_difference(a: &Value, b: &Value) -> Option<String> {
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return (a != b).then(|| "`config` is missing".to_string());
    };
    let keys = a.keys().chain(b.keys().filter(|k| !a.contains_key(*k)));
    keys.filter(|k| *k != "addr")
        .find(|k| a.get(*k) != b.get(*k))
        .map(|k| {
            let show = |v: Option<&Value>| v.map_or("absent".to_string(), Value::to_string);
            format!("config.{k} is {}, not {}", show(b.get(k)), show(a.get(k)))
        })
}

/// The shards' figures as one [`Stats`].
fn merge_stats(shards: &[Input]) -> Result<Stats, LoadtestError> {
    let mut m = Stats::default();
    for s in shards {
        let st = &s.state.stats;
        for (name, e) in &st.endpoints {
            let ep = m
                .endpoints
                .entry(name.clone())
                .or_insert_with(EndpointStats::default);
            add(&mut ep.latency, &s.histogram(&e.latency)?, s)?;
            ep.ok += e.ok;
            ep.errors += e.errors;
            ep.in_load += e.in_load;
        }
        add(&mut m.all, &s.histogram(&st.all)?, s)?;
        add(&mut m.steady, &s.histogram(&st.steady)?, s)?;
        sum(&mut m.errors_by_status, &st.errors_by_status);
        sum(&mut m.expected, &st.expected);
        sum(&mut m.unexpected, &st.unexpected);
        sum(&mut m.violations, &st.violations);
        sum(&mut m.events, &st.events);
        sum(&mut m.actions, &st.actions);
        sum(&mut m.combat_actions, &st.combat_actions);
        m.replies_in_load += st.replies_in_load;
        // One process keeps its first 20 examples.
        let room = 20usize.saturating_sub(m.samples.len());
        m.samples.extend(st.samples.iter().take(room).cloned());
        for (sec, [replies, errors]) in st.timeline.iter().enumerate() {
            let tick = m.tick(sec + s.offset_secs());
            tick.replies += replies;
            tick.errors += errors;
        }
    }
    merge_seconds(&mut m, shards)?;
    merge_combats(&mut m, shards);
    Ok(m)
}

fn add(into: &mut Histogram<u64>, h: &Histogram<u64>, s: &Input) -> Result<(), LoadtestError> {
    into.add(h)
        .map_err(|e| s.bad(format!("a histogram does not fit: {e:?}")))
}

fn sum<K: Ord + Clone>(into: &mut BTreeMap<K, u64>, from: &BTreeMap<K, u64>) {
    for (k, n) in from {
        *into.entry(k.clone()).or_default() += n;
    }
}

/// Each second's latency from the shards' histograms of that second, added one second at a time
/// (a histogram takes ~190 KiB: a long run's seconds all at once would take hundreds of MiB).
fn merge_seconds(m: &mut Stats, shards: &[Input]) -> Result<(), LoadtestError> {
    let mut by_second: BTreeMap<usize, Vec<(&Input, &str)>> = BTreeMap::new();
    for s in shards {
        for (sec, text) in &s.state.stats.seconds {
            let at = sec + s.offset_secs();
            by_second.entry(at).or_default().push((s, text));
        }
    }
    let mut h = stats::micros_histogram();
    for (sec, parts) in by_second {
        h.reset();
        for (s, text) in parts {
            add(&mut h, &s.histogram(text)?, s)?;
        }
        if !h.is_empty() {
            m.tick(sec).latency = Some(latency_row(&h));
        }
    }
    Ok(())
}

/// A combat as all the shards saw it, in nanoseconds after the earliest shard's start.
struct Fight {
    start: u64,
    end: Option<(u64, u32, String)>,
}

/// The combats, each once: first seen to start and first seen to end over all the shards; then
/// the figures one process gathers as it goes (per second, rounds, durations, ends, peak open).
fn merge_combats(m: &mut Stats, shards: &[Input]) {
    let mut fights: HashMap<&str, Fight> = HashMap::new();
    for s in shards {
        for c in &s.state.stats.combats {
            let start = c.1 + s.offset_ns;
            let end = c.2.map(|e| (e + s.offset_ns, c.3, c.4.clone()));
            let f = fights
                .entry(c.0.as_str())
                .or_insert(Fight { start, end: None });
            f.start = f.start.min(start);
            if let Some(e) = end
                && f.end.as_ref().is_none_or(|old| e.0 < old.0)
            {
                f.end = Some(e);
            }
        }
    }
    // Any instant serves as the origin: only the differences count.
    let origin = Instant::now();
    let at = |ns: u64| origin + Duration::from_nanos(ns);
    let second = |ns: u64| (ns / 1_000_000_000) as usize;
    let mut moments = Vec::new();
    for (id, f) in fights {
        m.tick(second(f.start)).combats_started += 1;
        let end = f.end.map(|(ns, rounds, kind)| {
            // Another machine's clock may put its end before this one's start.
            let ns = ns.max(f.start);
            m.ended += 1;
            m.tick(second(ns)).combats_ended += 1;
            m.rounds.saturating_record(rounds.max(1) as u64);
            m.durations_ms
                .saturating_record(((ns - f.start) / 1_000_000).max(1));
            *m.end_states.entry(kind.clone()).or_default() += 1;
            (
                ns,
                CombatEnd {
                    at: at(ns),
                    rounds,
                    kind,
                },
            )
        });
        // One process never counts a fight it first saw end as open.
        match &end {
            Some((ns, _)) if *ns == f.start => {}
            Some((ns, _)) => moments.extend([(f.start, 1), (*ns, -1)]),
            None => moments.push((f.start, 1)),
        }
        let rec = CombatRec {
            started: at(f.start),
            end: end.map(|(_, e)| e),
        };
        m.combats.insert(id.to_string(), rec);
    }
    m.peak_open = peak(moments);
}

/// The most combats open at once, from their starts (+1) and ends (-1); an end at the moment of
/// another's start comes first.
fn peak(mut moments: Vec<(u64, i64)>) -> u64 {
    moments.sort();
    let (mut open, mut top) = (0i64, 0i64);
    for (_, d) in moments {
        open += d;
        top = top.max(open);
    }
    top as u64
}

/// The union of the shards' windows: load from the first start to the last stop, the drain from
/// there to the last fight's end, the total to the last shard's end.
fn union_time(shards: &[Input]) -> Timing {
    let secs = |s: &Input| s.offset_ns as f64 / 1e9;
    let latest = |f: &dyn Fn(&Input) -> f64| shards.iter().map(f).fold(0.0, f64::max);
    let stop = latest(&|s| secs(s) + s.state.load_secs);
    let drained = latest(&|s| secs(s) + s.state.load_secs + s.state.drain_secs);
    Timing {
        load_secs: stop,
        drain_secs: (drained - stop).max(0.0),
        total_secs: latest(&|s| secs(s) + s.state.total_secs),
    }
}

/// The clients' CPU and peak memory summed (each shard's kept beside), the server's from the first
/// shard that measured it.
fn processes(shards: &[Input]) -> Value {
    let clients: Vec<&Value> = shards
        .iter()
        .map(|s| &s.body["processes"]["client"])
        .collect();
    let total = |key: &str| {
        let v: Vec<f64> = clients.iter().filter_map(|c| c[key].as_f64()).collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>())
    };
    let server = shards
        .iter()
        .map(|s| &s.body["processes"]["server"])
        .find(|v| !v.is_null())
        .cloned()
        .unwrap_or(Value::Null);
    json!({
        "client": {
            "cpu_pct_of_one_core": total("cpu_pct_of_one_core").map(round2),
            "rss_peak_kib": total("rss_peak_kib").map(|k| k as u64),
            "shards": clients,
        },
        "server": server,
    })
}

/// `bang loadtest merge`: merges, writes the report, prints the summary; an error if a shard is
/// missing or of another run, or if an invariant broke.
pub(crate) fn run_cli(args: &MergeArgs) -> Result<(), LoadtestError> {
    let report = merge_files(&args.reports)?;
    let spread = report.json["merged_from"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["started_after_secs"].as_f64())
        .fold(0.0, f64::max);
    let note = format!(
        "merged {} shard reports (started at most {spread:.3} s apart)\n",
        args.reports.len()
    );
    super::emit(&report, args.report.as_deref(), Some(&note))
}
