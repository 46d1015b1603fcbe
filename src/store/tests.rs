//! The store on its own: rows written and read back, and the checkpoints that keep the WAL
//! bounded.

use super::*;

fn row(id: &str, order: u64) -> CharacterRow {
    let mut knowledge = MapKnowledge::default();
    knowledge.record_visit(
        3,
        Timestamp(10),
        Visit {
            last_visited: Timestamp(10),
            port: None,
            planets: vec![],
            adjacent: vec![1, 4],
        },
    );
    CharacterRow {
        id: id.into(),
        order: WorldOrder(order),
        sector: 3,
        ship: Ship::new(ShipType::AtlasHauler),
        credits: 1234,
        last_active: Timestamp(99),
        knowledge,
    }
}

#[test]
fn checkpoints_reach_the_database_file_without_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), Durability::Normal).unwrap();
    let db = dir.path().join("bang.db");
    let before = std::fs::metadata(&db).unwrap().len();
    let mut changes = Changes {
        characters: (0..500).map(|i| row(&format!("c{i}"), i)).collect(),
        ..Default::default()
    };
    store.commit(&mut changes).unwrap();
    // The writer never checkpoints (autocheckpoint is off); the checkpoint thread copies the
    // committed pages into the database file within a few of its periods.
    let deadline = std::time::Instant::now() + Checkpointer::EVERY * 20;
    while std::fs::metadata(&db).unwrap().len() <= before {
        assert!(
            std::time::Instant::now() < deadline,
            "no checkpoint reached {}",
            db.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn committed_characters_come_back_identical() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = row("alice", 1);
    let b = row("bob", 0);
    {
        let mut store = Store::open(dir.path(), Durability::Normal).unwrap();
        let mut changes = Changes {
            characters: vec![a.clone(), b.clone()],
            visits: vec![("alice".into(), 3, a.knowledge.visited[&3].clone())],
            ports: vec![(7, [1, 2, 3])],
            ..Default::default()
        };
        store.commit(&mut changes).unwrap();
    }
    let store = Store::open(dir.path(), Durability::Normal).unwrap();
    let loaded = store.load_characters().unwrap();
    assert_eq!(loaded.len(), 2);
    assert_eq!(loaded[0].id, "bob", "rows come back in world order");
    a.knowledge.unsaved.clear();
    assert_eq!(loaded[1], a);
    assert!(
        loaded[0].knowledge.visited.is_empty(),
        "bob's visit was never committed"
    );
    assert_eq!(store.load_ports().unwrap(), vec![(7, [1, 2, 3])]);
}
