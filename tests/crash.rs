//! Crash safety: drive load, `kill -9` the server at random moments, restart it, and check from a
//! client-side ledger that everything acknowledged is there, fights resumed, and the action log
//! agrees with the store. CI runs 3 kills; `BANG_CRASH_KILLS=20 cargo test --test crash` (or
//! `scripts/crash-test`) runs the long version.

mod common;

use common::ledger::{Ledger, ROUTES, assert_acknowledged_stored, duelists, trader};
use common::{Backing, Client, spawn_bang_with};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn kills() -> usize {
    std::env::var("BANG_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_work_survives_repeated_kill_9_on_sqlite() {
    kill_repeatedly(&Backing::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_work_survives_repeated_kill_9_on_postgresql() {
    kill_repeatedly(&Backing::postgres()).await;
}

async fn kill_repeatedly(backing: &Backing) {
    let data = tempfile::tempdir().unwrap();
    let ledgers: Vec<Arc<Mutex<Ledger>>> = ROUTES
        .iter()
        .map(|_| Arc::new(Mutex::new(Ledger::default())))
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(20251125);
    for round in 0..kills() {
        let (mut child, addr) = spawn_bang_with(data.path(), &backing.serve_args(), None);
        let fight = Arc::new(Mutex::new(None));
        let mut tasks = Vec::new();
        for (i, route) in ROUTES.iter().enumerate() {
            tasks.push(tokio::spawn(trader(
                addr,
                route,
                ledgers[i].clone(),
                rng.random(),
            )));
        }
        tasks.push(tokio::spawn(duelists(addr, fight.clone())));
        tokio::time::sleep(Duration::from_millis(rng.random_range(200..700))).await;
        child.kill().unwrap(); // SIGKILL, requests in flight
        child.wait().unwrap();
        for t in tasks {
            let _ = t.await;
        }

        // The store, read directly: every acknowledged change is there.
        assert_acknowledged_stored(backing, data.path(), round, &ledgers, &fight);
    }
    // The load did real work between the kills.
    let moved = ledgers
        .iter()
        .filter(|l| l.lock().unwrap().warp < 300)
        .count();
    let said: usize = ledgers
        .iter()
        .map(|l| l.lock().unwrap().messages.len())
        .sum();
    assert!(moved > 0 && said > 0, "moved {moved}, messages {said}");
    // Restarted once more: the fight resumes, and the action log files agree with the store.
    let (mut child, addr) = spawn_bang_with(data.path(), &backing.serve_args(), None);
    let mut c = Client::connect(addr).await;
    c.ok("join", json!({"character_id": "dx"})).await;
    let status = c
        .rpc_or_lost("combat.status", json!({"character_id": "dx"}))
        .await
        .1
        .unwrap();
    if status["ok"] == true {
        assert_eq!(status["result"]["ended"], false);
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let rows = backing.with_store(data.path(), |store| store.actions_after(0).unwrap());
    let mut lines = 0;
    for entry in std::fs::read_dir(data.path().join("action-log")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        lines += text.lines().count();
    }
    // The last run's entries reach the files at the next start at the latest.
    assert!(
        lines <= rows.len() && rows.len() - lines <= 50,
        "files {lines}, store {}",
        rows.len()
    );
    let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
}
