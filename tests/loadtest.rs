//! `bang loadtest` against an in-process server on the small test world: a short run with
//! players that think fast, so fights start and end within seconds.

mod common;

use bang::loadtest::{LoadtestArgs, run};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_load_fights_to_the_end_with_every_reply_and_no_unexpected_error() {
    let (server, _data) = common::loadtest_server();
    let addr = server.addr.to_string();
    // The server runs in this process, so this process's id stands for the server's.
    let pid = std::process::id().to_string();
    let args = LoadtestArgs::parse_from([
        "--addr",
        addr.as_str(),
        "--server-pid",
        pid.as_str(),
        "--players",
        "20",
        "--ramp-up",
        "1",
        "--duration",
        "5",
        "--grace",
        "10",
        "--think-ms",
        "50,250",
        "--mix",
        "move=25,trade=20,chat=10,fight=35,toll=10",
        "--seed",
        "3",
        "--prefix",
        "t",
        "--quiet",
    ])
    .unwrap();
    let started = Instant::now();
    let report = tokio::time::timeout(Duration::from_secs(25), run(&args))
        .await
        .expect("the run stops by itself")
        .expect("the run takes place");
    let took = started.elapsed();
    let summary = report.summary();
    assert!(took < Duration::from_secs(20), "took {took:?}\n{summary}");
    assert_eq!(report.players_joined, 20, "{summary}");
    assert!(report.combats_started > 0, "{summary}");
    assert_eq!(report.combats_ended, report.combats_started, "{summary}");
    assert_eq!(report.combats_not_ended, 0, "{summary}");
    assert_eq!(report.replies, report.requests_sent, "{summary}");
    assert_eq!(report.replies_missing, 0, "{summary}");
    assert_eq!(report.replies_unexpected, 0, "{summary}");
    assert_eq!(report.unexpected_errors, 0, "{summary}");
    assert_eq!(report.connections_dropped, 0, "{summary}");
    assert!(report.ok(), "{summary}");
    // CPU and memory of both sides, and the server's peak before the end-of-run cleanup.
    assert!(
        summary.contains("\nprocesses: server ") && summary.contains("MiB before the cleanup"),
        "{summary}"
    );
    // The server's own figures over the same window, read from its /metrics.
    let m = &report.json["server_metrics"];
    assert!(m["rpc_latency"]["count"].as_f64().unwrap() > 0.0, "{m}");
    assert!(m["rpc_latency"]["p99_ms"].as_f64().unwrap() > 0.0, "{m}");
    assert!(m["updates"]["count"].as_f64().unwrap() > 0.0, "{m}");
    assert!(
        summary.contains("\nserver: after the ramp-up, from its /metrics: RPC p50 "),
        "{summary}"
    );
    let server_side = &report.json["processes"]["server"];
    let before = server_side["rss_peak_before_cleanup_kib"].as_u64().unwrap();
    assert!(
        before > 0 && before <= server_side["rss_peak_kib"].as_u64().unwrap(),
        "{server_side}"
    );
    assert_report_contents(&report.json);
    server.stop().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crowd_stays_in_its_sector_and_the_non_readers_are_cut() {
    let data = tempfile::tempdir().unwrap();
    // Small budgets, so that a connection that never reads passes them within a second or two
    // (after its socket's kernel buffer is full).
    let server = common::start_with(data.path(), |s| {
        s.net.outbox_bytes = 64 * 1024;
        s.net.outbound_bytes_total = 4 * 1024 * 1024;
        // A non-reader keeps at most 16 requests in flight, so its backlog may never reach the
        // budget: it is cut when its socket takes nothing for a second.
        s.net.write_timeout = Duration::from_secs(1);
    });
    let addr = server.addr.to_string();
    let args = LoadtestArgs::parse_from([
        "--addr",
        addr.as_str(),
        "--players",
        "60",
        "--crowd",
        "0",
        "--non-readers",
        "2",
        "--ramp-up",
        "1",
        "--settle",
        "0.5",
        "--duration",
        "8",
        "--grace",
        "2",
        "--think-ms",
        "50,150",
        "--prefix",
        "c",
        "--quiet",
    ])
    .unwrap();
    let report = tokio::time::timeout(Duration::from_secs(40), run(&args))
        .await
        .expect("the run stops by itself")
        .expect("the run takes place");
    let summary = report.summary();
    assert_eq!(report.players_joined, 60, "{summary}");
    assert_eq!(report.connections_dropped, 0, "{summary}");
    assert!(report.ok(), "{summary}");
    let j = &report.json;
    // Nothing that would take a player out of the crowd (or start a fight in it).
    let endpoints: Vec<&String> = j["endpoints"].as_object().unwrap().keys().collect();
    for e in &endpoints {
        assert!(
            ["join", "my_status", "check_trade", "trade"].contains(&e.as_str()),
            "{e} in a crowd: {endpoints:?}"
        );
    }
    assert!(j["endpoints"]["my_status"]["count"].as_u64().unwrap() > 0);
    // Both non-readers connected, and the server cut both for their backlog.
    let n = &j["non_readers"];
    assert_eq!(n["connected"], 2, "{n}");
    assert_eq!(n["cut_by_server"], 2, "{n}\n{summary}");
    assert_eq!(n["open_at_stop"], 0, "{n}");
    let g = &j["server_gauges"];
    assert!(g["slow_client_disconnects"].as_f64().unwrap() >= 2.0, "{g}");
    assert!(
        g["outbound_queued_bytes_max"]["bytes"].as_f64().unwrap() > 0.0,
        "{g}"
    );
    assert!(
        summary.contains("\nnon-readers: 2/2 connected")
            && summary.contains("2 cut by the server")
            && summary.contains("slow_client_disconnects_total +"),
        "{summary}"
    );
    assert!(summary.contains("\nmemory: "), "{summary}");
    // Everyone is still in the crowd's sector (a crowd does not park): a newcomer there is told
    // of the 60 players and the 2 non-readers' characters.
    let mut newcomer = common::Client::connect(server.addr).await;
    let status = newcomer
        .ok(
            "join",
            serde_json::json!({"character_id": "newcomer", "sector": 0}),
        )
        .await;
    assert_eq!(status["sector"], 0, "{status}");
    assert_eq!(
        status["sector_contents"]["other_players_total"], 62,
        "{status}"
    );
    server.stop().unwrap();
}

/// The report has what a load tester reads: per-endpoint figures, fights that ended, the
/// steady part of the run (after the ramp-up), and each second's latency.
fn assert_report_contents(j: &serde_json::Value) {
    for endpoint in ["join", "move", "combat.initiate", "combat.action"] {
        let e = &j["endpoints"][endpoint];
        assert!(e["count"].as_u64().unwrap_or(0) > 0, "{endpoint}: {e}");
        assert!(e["latency_ms"]["p99"].is_number(), "{endpoint}: {e}");
    }
    assert!(j["events"]["by_kind"]["combat.ended"].as_u64().unwrap_or(0) > 0);
    assert!(j["combats"]["started_per_sec"].as_f64().unwrap() > 0.0);
    assert_eq!(j["invariants"]["ok"], true);
    // The steady part of the run (after the ramp-up), and each second's latency.
    let steady = &j["requests"]["after_ramp_up"];
    assert!(steady["rps"].as_f64().unwrap() > 0.0, "{steady}");
    assert!(steady["latency_ms"]["p99"].is_number(), "{steady}");
    let rows = j["timeline"]["rows"].as_array().unwrap();
    let timed = rows
        .iter()
        .filter(|r| r[1].as_u64().unwrap() > 0)
        .filter(|r| {
            r[6].as_f64()
                .is_some_and(|p99| p99 > 0.0 && p99 <= r[7].as_f64().unwrap())
        })
        .count();
    assert!(
        timed >= 5,
        "a p99 and max in each second with replies: {rows:?}"
    );
}
