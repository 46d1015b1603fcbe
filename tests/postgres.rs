//! The PostgreSQL store on a real, throwaway cluster (`common::pg`): the schema's numbered
//! migrations applied once, recorded, and refused when the database is from a newer bang; the
//! database going away under load. (The persistence and crash tests run on both stores.)

mod common;

use bang::store::StoreError;
use bang::store::postgres::{applied_version, connect, migrate};
use common::ledger::{Ledger, ROUTES, assert_acknowledged_stored, duelists, trader};
use common::pg::PgCluster;
use common::{Backing, http_get, http_text, spawn_bang_with};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[test]
fn the_schema_migrates_once_on_a_real_postgresql() {
    let cluster = PgCluster::start();
    let mut db = connect(&cluster.url()).unwrap();
    let latest = migrate(&mut db).unwrap();
    assert!(latest >= 5, "accounts are in the schema ({latest})");
    assert_eq!(migrate(&mut db).unwrap(), latest, "nothing applied twice");
    let rows: i64 = db
        .query_one("SELECT COUNT(*) FROM schema_migrations", &[])
        .unwrap()
        .get(0);
    assert_eq!(rows, latest);
    // The tables are PostgreSQL's own: identities where SQLite gives row ids, 64-bit integers.
    db.execute(
        "INSERT INTO action_log (timestamp, event_type, data, result, metadata)
         VALUES (1, 'test.logged', '{}', 'success', '{}')",
        &[],
    )
    .unwrap();
    let seq: i64 = db
        .query_one("SELECT seq FROM action_log", &[])
        .unwrap()
        .get(0);
    assert_eq!(seq, 1);
    db.execute(
        "INSERT INTO characters (id, world_order, sector, ship_type, fuel_ore, organics, equipment,
         warp_power, shields, fighters, credits, last_active, trade_volume)
         VALUES ('ada', 0, 1, 'kestrel_courier', 0, 0, 0, 300, 150, 300, 1000000000000, 0, 0)",
        &[],
    )
    .unwrap();
    let credits: i64 = db
        .query_one("SELECT credits FROM characters WHERE id = 'ada'", &[])
        .unwrap()
        .get(0);
    assert_eq!(credits, 1_000_000_000_000, "credits past 2^31 fit");
}

#[test]
fn a_database_from_a_newer_bang_is_refused_and_a_second_process_waits_its_turn() {
    let cluster = PgCluster::start();
    let url = cluster.url();
    // Two processes starting together: both succeed, the migrations applied once.
    let racers: Vec<_> = (0..2)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || migrate(&mut connect(&url).unwrap()).unwrap())
        })
        .collect();
    let versions: Vec<i64> = racers.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(versions[0], versions[1]);
    let mut db = connect(&url).unwrap();
    let latest = applied_version(&mut db).unwrap();
    db.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'future', 0)",
        &[&(latest + 1)],
    )
    .unwrap();
    match migrate(&mut db) {
        Err(StoreError::NewerSchema { found, known }) => {
            assert_eq!((found, known), (latest + 1, latest))
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The database stops (as a crash would) and comes back while players act: the server holds its
/// replies, says so on /healthz, reconnects, and everything it acknowledged is stored; the
/// players carry on after it without an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_under_load_holds_replies_and_loses_nothing() {
    let backing = Backing::postgres();
    let data = tempfile::tempdir().unwrap();
    let (mut child, addr) = spawn_bang_with(data.path(), &backing.serve_args(), None);
    let ledgers: Vec<Arc<Mutex<Ledger>>> = ROUTES
        .iter()
        .map(|_| Arc::new(Mutex::new(Ledger::default())))
        .collect();
    let fight = Arc::new(Mutex::new(None));
    let mut tasks: Vec<_> = ROUTES
        .iter()
        .zip(&ledgers)
        .enumerate()
        .map(|(i, (route, l))| tokio::spawn(trader(addr, route, l.clone(), i as u64)))
        .collect();
    tasks.push(tokio::spawn(duelists(addr, fight.clone())));
    tokio::time::sleep(Duration::from_millis(500)).await;

    backing.cluster().kill();
    let (status, health) = wait_for_health(addr, 503).await;
    assert_eq!(status, 503, "{health}");
    assert_eq!(health["status"], "degraded");
    assert_eq!(health["store"]["backend"], "postgres");
    assert_eq!(health["store"]["reachable"], false);
    let (_, metrics) = http_text(addr, "/metrics").await;
    assert!(
        metrics.lines().any(|l| l == "store_unreachable 1"),
        "{metrics}"
    );
    let acks = |ls: &[Arc<Mutex<Ledger>>]| -> Vec<u64> {
        ls.iter().map(|l| l.lock().unwrap().acks).collect()
    };
    // While the database is away, nothing is acknowledged.
    let during = acks(&ledgers);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(acks(&ledgers), during, "a reply left before its commit");

    backing.cluster().start_again();
    let (status, health) = wait_for_health(addr, 200).await;
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["store"]["reachable"], true);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = acks(&ledgers);
    for (i, (a, b)) in during.iter().zip(&after).enumerate() {
        assert!(
            b > a,
            "trader {i} made no progress after the outage ({a} → {b})"
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();
    for t in tasks {
        let _ = t.await;
    }
    assert_acknowledged_stored(&backing, data.path(), 0, &ledgers, &fight);
}

/// /healthz until it answers `want` (or 10 s pass): its last status and body.
async fn wait_for_health(addr: std::net::SocketAddr, want: u16) -> (u16, serde_json::Value) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = http_get(addr, "/healthz".into()).await;
        if status == want || std::time::Instant::now() > deadline {
            return (status, body);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
