//! Merging synthetic shard reports: histograms added exactly, counters summed, combats counted
//! once, and shards of another run refused.

use super::super::report::{Parts, Report, ServerSide, Timing};
use super::super::shard::Shard;
use super::super::state::{ShardRun, ShardState};
use super::super::stats::{CombatEnd, CombatRec, Stats};
use super::*;
use std::time::{Instant, SystemTime};

/// Replies of one second (µs), recorded as a run records them: in the run, after the ramp-up,
/// for the endpoint `move` (odd values) or `trade` (even ones).
fn feed(s: &mut Stats, sec: usize, values: &[u64]) {
    for &us in values {
        let name = if us % 2 == 1 { "move" } else { "trade" };
        let ep = s.endpoints.entry(name.to_string()).or_default();
        ep.latency.record(us).unwrap();
        ep.ok += 1;
        ep.in_load += 1;
        s.all.record(us).unwrap();
        s.steady.record(us).unwrap();
        s.replies_in_load += 1;
        s.tick(sec).replies += 1;
        s.record_in_second(sec, us);
    }
}

/// Two shards' latencies: very unlike each other, so that an average of their percentiles is far
/// from the percentile of all of them.
fn values(shard: usize, sec: usize) -> Vec<u64> {
    match shard {
        0 => (1..=400).map(|i| 200 + i * 3 + sec as u64).collect(),
        _ => (1..=97).map(|i| 9_000 + i * 211 + sec as u64 * 7).collect(),
    }
}

fn combat(s: &mut Stats, t0: Instant, id: &str, from_ms: u64, end: Option<(u64, &str)>) {
    let at = |ms: u64| t0 + Duration::from_millis(ms);
    let rec = CombatRec {
        started: at(from_ms),
        end: end.map(|(ms, kind)| CombatEnd {
            at: at(ms),
            rounds: 3,
            kind: kind.to_string(),
        }),
    };
    s.combats.insert(id.to_string(), rec);
}

/// A shard's report as `bang loadtest --shard I/N` writes it (through JSON text and back), for a
/// shard that started `late` seconds after the first.
fn report(shard: Shard, seed: u64, stats: &Stats, t0: Instant, late: u64) -> Value {
    let config = json!({"addr": "127.0.0.1:1", "players": 20, "seed": seed, "prefix": "t"});
    let timing = Timing {
        load_secs: 3.0,
        drain_secs: 0.5,
        total_secs: 4.0,
    };
    let mine = shard.players(20);
    let parts = Parts {
        config,
        players: mine.len(),
        joined: mine.len() as u64,
        requests_sent: 1000 + shard.index as u64,
        ramp_secs: 1.0,
        stats,
    };
    let procs = json!({"client": {"cpu_pct_of_one_core": 10.5, "rss_peak_kib": 2048}});
    let server = ServerSide {
        window: json!({"error": "the run had no time after the ramp-up"}),
        gauges: json!({"reads": shard.index}),
        non_readers: None,
    };
    let mut r = Report::assemble(parts, timing, procs, server);
    let run = ShardRun {
        shard,
        players: mine.clone(),
        non_readers: 0..0,
        start_at: None,
        started_at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_772_366_400 + late),
        t0,
        ramp_secs: 1.0,
        timing: &timing,
        joined: mine.len() as u64,
        requests_sent: 1000 + shard.index as u64,
        non_reader_state: None,
    };
    r.json["shard"] = serde_json::to_value(ShardState::of(run, stats)).unwrap();
    serde_json::from_str(&r.json.to_string()).unwrap()
}

/// Shard `index` of two: three seconds of replies, some counters, and its combats.
fn shard_stats(index: usize, t0: Instant) -> Stats {
    let mut s = Stats::default();
    for sec in 0..3 {
        feed(&mut s, sec, &values(index, sec));
    }
    *s.events.entry("combat.ended".into()).or_default() += 5 + index as u64;
    *s.actions.entry("move".into()).or_default() += 7;
    *s.violations.entry("replies_missing".into()).or_default() += index as u64;
    *s.expected.entry("move 409 busy".into()).or_default() += 2;
    // One fight between players of both shards (each saw it start and end a little apart),
    // and one of each shard's own, the second still open.
    if index == 0 {
        combat(&mut s, t0, "both", 100, Some((1500, "stalemate")));
        combat(&mut s, t0, "a", 200, Some((2200, "fled")));
    } else {
        combat(&mut s, t0, "both", 120, Some((1490, "stalemate")));
        combat(&mut s, t0, "b", 300, None);
    }
    s
}

fn two_shards(seed_of_second: u64) -> Vec<(PathBuf, Value)> {
    shards_apart(seed_of_second, 0)
}

/// Two shards, the second started `late` seconds after the first.
fn shards_apart(seed_of_second: u64, late: u64) -> Vec<(PathBuf, Value)> {
    let t0 = Instant::now();
    (0..2)
        .map(|index| {
            let shard = Shard { index, count: 2 };
            let seed = if index == 0 { 3 } else { seed_of_second };
            let late = if index == 0 { 0 } else { late };
            let body = report(shard, seed, &shard_stats(index, t0), t0, late);
            (PathBuf::from(format!("shard{index}.json")), body)
        })
        .collect()
}

#[test]
fn merged_histograms_are_those_of_all_the_values() {
    let merged = merge(two_shards(3)).unwrap();
    // One histogram fed every value, second by second, as one process would have.
    let mut one = Stats::default();
    for sec in 0..3 {
        let all: Vec<u64> = [values(0, sec), values(1, sec)].concat();
        feed(&mut one, sec, &all);
    }
    let want = one.to_json(3.0, 2.0);
    let j = &merged.json;
    assert_eq!(j["requests"], want["requests"]);
    assert_eq!(j["endpoints"], want["endpoints"]);
    // Each second's p50, p99 and max too.
    let latency = |rows: &Value| -> Vec<Value> {
        let rows = rows.as_array().unwrap();
        rows.iter()
            .map(|r| json!([r[0], r[1], r[5], r[6], r[7]]))
            .collect()
    };
    assert_eq!(
        latency(&j["timeline"]["rows"]),
        latency(&want["timeline"]["rows"])
    );
    let count = j["requests"]["latency_ms"]["count"].as_u64().unwrap();
    assert_eq!(count, 3 * (400 + 97));
    // Not the mean of the shards' p50s (~0.8 and ~19 ms): the p50 of all is in shard 0's values.
    let p50 = j["requests"]["latency_ms"]["p50"].as_f64().unwrap();
    assert!(p50 < 1.5, "{p50}");
}

#[test]
fn counters_are_summed_and_a_fight_of_two_shards_counts_once() {
    let r = merge(two_shards(3)).unwrap();
    let j = &r.json;
    assert_eq!(r.players, 20);
    assert_eq!(r.players_joined, 20);
    assert_eq!(r.requests_sent, 2001);
    assert_eq!(r.replies, 3 * (400 + 97));
    assert_eq!(r.events, 11);
    assert_eq!(j["actions"]["move"], 14);
    assert_eq!(j["errors"]["expected"], 4);
    assert_eq!(r.replies_missing, 1);
    assert_eq!(r.violations, 1);
    let c = &j["combats"];
    assert_eq!((r.combats_started, r.combats_ended), (3, 2), "{c}");
    assert_eq!(c["open_at_end"], 1, "{c}");
    assert_eq!(c["peak_open"], 3, "{c}");
    assert_eq!(c["end_states"], json!({"fled": 1, "stalemate": 1}), "{c}");
    // The shared fight: from the first start seen (100 ms) to the first end seen (1490 ms).
    assert_eq!(c["duration_ms"]["p50"], 1390, "{c}");
    assert_eq!(c["duration_ms"]["max"], 2000, "{c}");
    // Per second: started 3 in second 0, ended one in second 1 and one in second 2.
    let rows = j["timeline"]["rows"].as_array().unwrap();
    let combats: Vec<(u64, u64)> = rows
        .iter()
        .map(|r| (r[3].as_u64().unwrap(), r[4].as_u64().unwrap()))
        .collect();
    assert_eq!(combats, vec![(3, 0), (0, 1), (0, 1)]);
    // The union window, the clients added up, the server's side from shard 0.
    assert_eq!(j["time"]["load_secs"], 3.0);
    assert_eq!(j["processes"]["client"]["cpu_pct_of_one_core"], 21.0);
    assert_eq!(j["processes"]["client"]["rss_peak_kib"], 4096);
    assert_eq!(j["server_gauges"]["reads"], 0);
    assert_eq!(j["merged_from"].as_array().unwrap().len(), 2);
    assert!(j.get("shard").is_none());
    assert!(
        r.summary()
            .starts_with("loadtest: 20/20 players joined; 3.0 s of load"),
        "{}",
        r.summary()
    );
}

#[test]
fn shards_of_another_run_are_refused_by_name() {
    let e = merge(two_shards(4)).unwrap_err().to_string();
    assert!(
        e.starts_with("shard1.json: not of the same run as shard0.json")
            && e.contains("config.seed is 4, not 3"),
        "{e}"
    );
    let mut one = two_shards(3);
    one.pop();
    let e = merge(one).unwrap_err().to_string();
    assert_eq!(e, "shard(s) 1 of 2 missing (have 0)");
    let mut twice = two_shards(3);
    twice[1] = (PathBuf::from("again.json"), twice[0].1.clone());
    let e = merge(twice).unwrap_err().to_string();
    assert_eq!(e, "shard 0 twice: shard0.json and again.json");
    let mut plain = two_shards(3);
    plain[1].1.as_object_mut().unwrap().remove("shard");
    let e = merge(plain).unwrap_err().to_string();
    assert!(e.starts_with("shard1.json: not a shard's report"), "{e}");
    let mut wrong = two_shards(3);
    wrong[1].1["shard"]["stats"]["all"] = json!("not a histogram");
    let e = merge(wrong).unwrap_err().to_string();
    assert!(
        e.starts_with("shard1.json: a histogram is not base64"),
        "{e}"
    );
}

#[test]
fn shards_that_started_apart_line_up_by_their_starts() {
    let r = merge(shards_apart(3, 2)).unwrap();
    let j = &r.json;
    // Shard 1's seconds 0, 1 and 2 are the run's 2, 3 and 4; the load ran until its stop.
    let rows = j["timeline"]["rows"].as_array().unwrap();
    let replies: Vec<u64> = rows.iter().map(|r| r[1].as_u64().unwrap()).collect();
    assert_eq!(replies, vec![400, 400, 497, 97, 97]);
    assert_eq!(j["time"]["load_secs"], 5.0);
    assert_eq!(j["time"]["total_secs"], 6.0);
    // Its second 0 shares the run's second 2 with shard 0's second 2.
    let mut two = Stats::default();
    feed(&mut two, 0, &[values(0, 2), values(1, 0)].concat());
    let want = two.to_json(1.0, 1.0)["timeline"]["rows"][0].clone();
    assert_eq!(
        rows[2].as_array().unwrap()[5..],
        want.as_array().unwrap()[5..]
    );
    // The shared fight began at 100 ms (shard 0) and was first seen to end at 1500 ms (shard 0:
    // shard 1 saw it end at 3490 ms).
    let c = &j["combats"];
    assert_eq!(c["duration_ms"]["p50"], 1400, "{c}");
    assert_eq!(j["merged_from"][1]["started_after_secs"], 2.0);
}

#[test]
fn non_readers_add_up() {
    use super::super::non_reader::NonReaderState;
    let a = NonReaderState {
        configured: 2,
        created: 2,
        connected: 2,
        requests_sent: 100,
        cut: 1,
        open_at_stop: 1,
        cut_after: vec![0.5],
        failures: vec![],
    };
    let b = NonReaderState {
        configured: 1,
        created: 1,
        connected: 1,
        requests_sent: 40,
        cut: 2,
        open_at_stop: 0,
        cut_after: vec![0.9, 0.2],
        failures: vec!["x-nr2: refused".into()],
    };
    let j = NonReaders::merged([&a, &b]).to_json();
    assert_eq!(j["configured"], 3);
    assert_eq!(j["requests_sent"], 140);
    assert_eq!(j["cut_by_server"], 3);
    assert_eq!(j["open_at_stop"], 1);
    assert_eq!(
        j["cut_after_secs"],
        json!({"first": 0.2, "median": 0.5, "last": 0.9})
    );
    assert_eq!(j["failures"], json!(["x-nr2: refused"]));
}
