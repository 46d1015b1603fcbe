//! The PostgreSQL store on a real, throwaway cluster (`common::pg`): the schema's numbered
//! migrations applied once, recorded, and refused when the database is from a newer bang.

mod common;

use bang::store::postgres::{PgError, applied_version, connect, migrate};
use common::pg::PgCluster;

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
        Err(PgError::Newer { found, known }) => assert_eq!((found, known), (latest + 1, latest)),
        other => panic!("expected a refusal, got {other:?}"),
    }
}
