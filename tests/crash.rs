//! Crash safety: drive load, `kill -9` the server at random moments, restart it, and check from a
//! client-side ledger that everything acknowledged is there, fights resumed, and the action log
//! agrees with the store. CI runs 3 kills; `BANG_CRASH_KILLS=20 cargo test --test crash` (or
//! `scripts/crash-test`) runs the long version.

mod common;

use bang::store::{Durability, Store};
use common::{Client, spawn_bang};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A trader's route: it shuttles between two sectors and keeps a garrison in the second.
struct Route {
    id: &'static str,
    a: u32,
    b: u32,
}

const ROUTES: [Route; 3] = [
    Route {
        id: "t0",
        a: 0,
        b: 1,
    },
    Route {
        id: "t1",
        a: 0,
        b: 2,
    },
    Route {
        id: "t2",
        a: 1,
        b: 3,
    },
];

/// What the client knows was acknowledged, and the one request that may be in flight.
#[derive(Debug, Clone, Default)]
struct Ledger {
    sector: u32,
    warp: i64,
    fighters: i64,
    garrison: i64,
    /// (sector, warp, fighters, garrison) if the in-flight request succeeds.
    in_flight: Option<(u32, i64, i64, i64)>,
    messages: Vec<i64>,
}

async fn trader(
    addr: std::net::SocketAddr,
    route: &'static Route,
    ledger: Arc<Mutex<Ledger>>,
    seed: u64,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let Ok((ws, _)) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await else {
        return;
    };
    drop(ws);
    let mut c = Client::connect(addr).await;
    let (_, reply) = c
        .rpc("join", json!({"character_id": route.id, "sector": route.a}))
        .await;
    if reply["ok"] != true {
        return;
    }
    {
        let s = &reply["result"];
        let mut l = ledger.lock().unwrap();
        l.sector = s["sector"].as_u64().unwrap() as u32;
        l.warp = s["ship"]["warp_power"].as_i64().unwrap();
        l.fighters = s["ship"]["fighters"].as_i64().unwrap();
        // A request in flight at the last kill may have landed: the join shows the ship as
        // stored, and if it matches what that request would have made, so does the garrison.
        if let Some((sector, warp, fighters, garrison)) = l.in_flight.take()
            && (sector, warp, fighters) == (l.sector, l.warp, l.fighters)
        {
            l.garrison = garrison;
        }
    }
    loop {
        let (sector, warp, fighters, garrison) = {
            let l = ledger.lock().unwrap();
            (l.sector, l.warp, l.fighters, l.garrison)
        };
        let roll = rng.random_range(0..10u32);
        let (endpoint, payload, expect) = if roll < 5 && warp >= 3 {
            let to = if sector == route.a { route.b } else { route.a };
            (
                "move",
                json!({"character_id": route.id, "to_sector": to}),
                Some((to, warp - 3, fighters, garrison)),
            )
        } else if roll < 8 && sector == route.b && fighters > 0 {
            let p = json!({"character_id": route.id, "sector": sector, "quantity": 1, "mode": "defensive"});
            (
                "combat.leave_fighters",
                p,
                Some((sector, warp, fighters - 1, garrison + 1)),
            )
        } else {
            let p = json!({"character_id": route.id, "type": "broadcast", "content": format!("{} at {sector}", route.id)});
            ("send_message", p, None)
        };
        ledger.lock().unwrap().in_flight = expect;
        let (_, reply) = c.rpc_or_lost(endpoint, payload).await;
        let Some(reply) = reply else { return }; // the server died under us
        {
            let mut l = ledger.lock().unwrap();
            if reply["ok"] == true {
                if let Some((s, w, f, g)) = expect {
                    (l.sector, l.warp, l.fighters, l.garrison) = (s, w, f, g);
                } else if let Some(id) = reply["result"]["id"].as_i64() {
                    l.messages.push(id);
                }
            }
            l.in_flight = None;
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..15))).await;
    }
}

/// Two fighters in sector 7 trade small volleys, so a fight is always under way.
async fn duelists(addr: std::net::SocketAddr, state: Arc<Mutex<Option<(String, u32)>>>) {
    let mut x = Client::connect(addr).await;
    let mut y = Client::connect(addr).await;
    let _ = x
        .rpc("join", json!({"character_id": "dx", "sector": 7}))
        .await;
    let _ = y
        .rpc("join", json!({"character_id": "dy", "sector": 7}))
        .await;
    let combat_id = match x
        .rpc_or_lost("combat.status", json!({"character_id": "dx"}))
        .await
        .1
    {
        Some(r) if r["ok"] == true => r["result"]["combat_id"].as_str().unwrap().to_string(),
        Some(_) => match x
            .rpc_or_lost("combat.initiate", json!({"character_id": "dx"}))
            .await
            .1
        {
            Some(r) if r["ok"] == true => r["result"]["combat_id"].as_str().unwrap().to_string(),
            _ => return,
        },
        None => return,
    };
    loop {
        let a = json!({"character_id": "dx", "combat_id": combat_id, "action": "attack", "commit": 1, "target_id": "dy"});
        let Some(r) = x.rpc_or_lost("combat.action", a).await.1 else {
            return;
        };
        if r["ok"] != true {
            return;
        }
        let b = json!({"character_id": "dy", "combat_id": combat_id, "action": "attack", "commit": 1, "target_id": "dx"});
        let Some(r) = y.rpc_or_lost("combat.action", b).await.1 else {
            return;
        };
        if r["ok"] != true || r["result"]["ended"] == true {
            return;
        }
        *state.lock().unwrap() = Some((
            combat_id.clone(),
            r["result"]["round"].as_u64().unwrap() as u32,
        ));
    }
}

fn kills() -> usize {
    std::env::var("BANG_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_work_survives_repeated_kill_9() {
    let data = tempfile::tempdir().unwrap();
    let ledgers: Vec<Arc<Mutex<Ledger>>> = ROUTES
        .iter()
        .map(|_| Arc::new(Mutex::new(Ledger::default())))
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(20251125);
    for round in 0..kills() {
        let (mut child, addr) = spawn_bang(data.path());
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
        assert_acknowledged_stored(data.path(), round, &ledgers, &fight);
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
    let (mut child, addr) = spawn_bang(data.path());
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
    let mut store = Store::open(data.path(), Durability::Normal).unwrap();
    let rows = store.actions_after(0).unwrap();
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

/// After kill `round`, the store read directly: every change a client was told of is there
/// (or the one in flight at the kill), and the fight is at the acknowledged round or the next.
fn assert_acknowledged_stored(
    data: &std::path::Path,
    round: usize,
    ledgers: &[Arc<Mutex<Ledger>>],
    fight: &Mutex<Option<(String, u32)>>,
) {
    let mut store = Store::open(data, Durability::Normal).unwrap();
    let rows = store
        .load_characters(bang_components::ships::ShipCatalog::Seed)
        .unwrap();
    let (garrisons, _, encounters) = store.load_combat().unwrap();
    let messages: Vec<i64> = store
        .chat_messages()
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    for (i, route) in ROUTES.iter().enumerate() {
        let l = ledgers[i].lock().unwrap().clone();
        let row = rows
            .iter()
            .find(|r| r.id == route.id)
            .expect("the trader was stored");
        let garrison = garrisons
            .iter()
            .find(|g| g.owner == route.id)
            .map_or(0, |g| g.fighters);
        let stored = (row.sector, row.ship.warp_power, row.ship.fighters, garrison);
        let acked = (l.sector, l.warp, l.fighters, l.garrison);
        assert!(
            stored == acked || Some(stored) == l.in_flight,
            "kill {round}, {}: store has {stored:?}, the client was told {acked:?} (in flight {:?})",
            route.id,
            l.in_flight
        );
        for id in &l.messages {
            assert!(
                messages.contains(id),
                "kill {round}: acknowledged message {id} is missing"
            );
        }
    }
    if let Some((combat_id, acked_round)) = fight.lock().unwrap().clone() {
        let e = encounters
            .iter()
            .map(|stored| &stored.encounter)
            .find(|e| e.combat_id == combat_id);
        if let Some(e) = e {
            assert!(
                e.round == acked_round || e.round == acked_round + 1,
                "kill {round}: round {} vs acked {acked_round}",
                e.round
            );
        }
    }
    drop(store);
}
