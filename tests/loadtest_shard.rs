//! `bang loadtest --shard I/N` and `bang loadtest merge`: two shards of one run against one
//! in-process server, started together by `--start-at`, merged into one report.

mod common;

use bang::loadtest::{LoadtestArgs, Report, merge_files, run};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The options of shard `shard` ("0/2") against `addr`, starting at `start` (Unix seconds).
fn shard_args(addr: &str, shard: &str, start: &str) -> LoadtestArgs {
    LoadtestArgs::parse_from([
        "--addr",
        addr,
        "--players",
        "20",
        "--ramp-up",
        "1",
        "--duration",
        "4",
        "--grace",
        "10",
        "--think-ms",
        "50,250",
        "--mix",
        "move=25,trade=20,chat=10,fight=35,toll=10",
        "--seed",
        "3",
        "--prefix",
        "s",
        "--quiet",
        "--shard",
        shard,
        "--start-at",
        start,
    ])
    .unwrap()
}

fn write(dir: &Path, name: &str, json: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(json).unwrap()).unwrap();
    path
}

/// `bang loadtest merge ARGS…` as a command: its exit status and stderr.
fn merge_command(args: &[&Path]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bang"))
        .args(["loadtest", "merge"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn count(j: &Value, endpoint: &str) -> u64 {
    j["endpoints"][endpoint]["count"].as_u64().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_shards_run_together_and_merge_into_one_report() {
    let (server, _data) = common::loadtest_server();
    let addr = server.addr.to_string();
    let start = SystemTime::now() + Duration::from_millis(1500);
    let start = format!(
        "{:.3}",
        start.duration_since(UNIX_EPOCH).unwrap().as_secs_f64()
    );
    let (a, b) = (
        shard_args(&addr, "0/2", &start),
        shard_args(&addr, "1/2", &start),
    );
    let both = async { tokio::join!(run(&a), run(&b)) };
    let (r0, r1) = tokio::time::timeout(Duration::from_secs(30), both)
        .await
        .expect("the shards stop by themselves");
    let (r0, r1) = (r0.expect("shard 0 runs"), r1.expect("shard 1 runs"));
    for (r, players) in [(&r0, [0, 10]), (&r1, [10, 20])] {
        assert_eq!(r.players, 10, "{}", r.summary());
        assert_eq!(r.players_joined, 10, "{}", r.summary());
        assert!(r.ok(), "{}", r.summary());
        assert_eq!(r.json["shard"]["players"], serde_json::json!(players));
        assert_eq!(r.json["config"]["players"], 20);
    }
    let dir = tempfile::tempdir().unwrap();
    let p0 = write(dir.path(), "shard0.json", &r0.json);
    let p1 = write(dir.path(), "shard1.json", &r1.json);
    let merged = merge_files(&[p1.clone(), p0.clone()]).expect("the shards merge");
    assert_merged(&merged, &r0, &r1);

    // The command writes the same report.
    let out = dir.path().join("merged.json");
    let status = Command::new(env!("CARGO_BIN_EXE_bang"))
        .args(["loadtest", "merge"])
        .args([&p1, &p0])
        .arg("--report")
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&status.stdout);
    assert!(status.status.success(), "{stdout}");
    assert!(stdout.starts_with("merged 2 shard reports"), "{stdout}");
    assert!(
        stdout.contains("\nloadtest: 20/20 players joined"),
        "{stdout}"
    );
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(written, merged.json);
    assert_refusals(dir.path(), &p0, &r1.json);
    server.stop().unwrap();
}

/// Every player, the shards' requests added up, fights counted once, nothing broken.
fn assert_merged(m: &Report, r0: &Report, r1: &Report) {
    let summary = m.summary();
    assert_eq!(m.players, 20, "{summary}");
    assert_eq!(m.players_joined, 20, "{summary}");
    assert_eq!(m.requests_sent, r0.requests_sent + r1.requests_sent);
    assert_eq!(m.replies, r0.replies + r1.replies);
    assert_eq!(m.replies, m.requests_sent, "{summary}");
    assert_eq!(m.events, r0.events + r1.events);
    assert_eq!(m.violations, 0, "{summary}");
    assert!(m.ok(), "{summary}");
    let (j, j0, j1) = (&m.json, &r0.json, &r1.json);
    for endpoint in j["endpoints"].as_object().unwrap().keys() {
        assert_eq!(
            count(j, endpoint),
            count(j0, endpoint) + count(j1, endpoint),
            "{endpoint}"
        );
    }
    let latencies = |j: &Value| j["requests"]["latency_ms"]["count"].as_u64().unwrap();
    assert_eq!(latencies(j), latencies(j0) + latencies(j1));
    // A fight between players of both shards is one fight.
    assert!(m.combats_started > 0, "{summary}");
    assert!(m.combats_started <= r0.combats_started + r1.combats_started);
    assert_eq!(m.combats_ended, m.combats_started, "{summary}");
    let rows = j["timeline"]["rows"].as_array().unwrap();
    let replies: u64 = rows.iter().map(|r| r[1].as_u64().unwrap()).sum();
    assert_eq!(replies, m.replies);
    // --start-at: the shards began within a moment of each other.
    for s in j["merged_from"].as_array().unwrap() {
        assert!(s["started_after_secs"].as_f64().unwrap() < 0.5, "{s}");
    }
    assert_eq!(j["config"], j0["config"]);
    assert!(j.get("shard").is_none());
}

/// `bang loadtest merge` refuses a missing shard and a shard of another run, naming them.
fn assert_refusals(dir: &Path, p0: &Path, shard1: &Value) {
    let (ok, err) = merge_command(&[p0]);
    assert!(
        !ok && err.contains("shard(s) 1 of 2 missing (have 0)"),
        "{err}"
    );
    let mut other = shard1.clone();
    other["config"]["seed"] = 4.into();
    let p = write(dir, "other-seed.json", &other);
    let (ok, err) = merge_command(&[p0, &p]);
    assert!(
        !ok && err.contains("other-seed.json: not of the same run as")
            && err.contains("config.seed is 4, not 3"),
        "{err}"
    );
    let (ok, err) = merge_command(&[p0, p0]);
    assert!(!ok && err.contains("shard 0 twice"), "{err}");
}

#[tokio::test]
async fn a_shard_needs_a_prefix_and_a_start_ahead() {
    let mut args = shard_args("127.0.0.1:9", "0/2", "1772366400");
    let e = run(&args).await.unwrap_err().to_string();
    assert!(e.contains("--start-at 1772366400: that was"), "{e}");
    args.start_at = None;
    args.prefix = None;
    let e = run(&args).await.unwrap_err().to_string();
    assert!(e.starts_with("--shard needs --prefix"), "{e}");
    args.prefix = Some("s".into());
    args.players = 2;
    let e = run(&args).await.unwrap_err().to_string();
    assert!(e.contains("2 shards, but 2 players make 1 pair(s)"), "{e}");
}
