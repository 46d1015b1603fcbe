//! The store on its own: rows written and read back (on SQLite and on a throwaway PostgreSQL
//! cluster alike), a commit written twice stored once, and the checkpoints that keep the WAL
//! bounded.

use super::*;
use bang_components::combat::{CombatAction, StoredAction};
use bang_components::ships::ShipCatalog;
use std::collections::BTreeMap;

// The integration tests' cluster: the machine's PostgreSQL server binaries, nothing mocked.
#[path = "../../tests/common/pg.rs"]
#[allow(dead_code)]
mod pg;

/// Opens the store a test runs on, in a data directory.
type Opener<'a> = &'a dyn Fn(&Path) -> Store;

/// Runs `test` on SQLite, then on PostgreSQL (a cluster of its own).
fn on_both_stores(test: impl Fn(Opener)) {
    test(&|dir| Store::open(dir, Durability::Normal).unwrap());
    let cluster = pg::PgCluster::start();
    test(&|dir| Store::open_postgres(&cluster.url(), dir).unwrap());
}

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
        ship: Ship::new(ShipType::AtlasHauler, ShipCatalog::Seed),
        credits: 1234,
        last_active: Timestamp(99),
        knowledge,
        trade_volume: 77,
        extras: None,
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
    let deadline = std::time::Instant::now() + super::checkpoint::Checkpointer::EVERY * 20;
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
    on_both_stores(characters_come_back);
}

fn characters_come_back(open: Opener) {
    let dir = tempfile::tempdir().unwrap();
    let mut a = row("alice", 1);
    let mut b = row("bob", 0);
    b.extras = Some(super::CharacterExtras {
        ship_id: "hull-b".into(),
        bank: 55,
        ship_name: Some("Bertha".into()),
    });
    {
        let mut store = open(dir.path());
        let mut changes = Changes {
            characters: vec![a.clone(), b.clone()],
            visits: vec![("alice".into(), 3, a.knowledge.visited()[&3].clone())],
            ports: vec![(7, [1, 2, 3])],
            ..Default::default()
        };
        store.commit(&mut changes).unwrap();
    }
    let mut store = open(dir.path());
    let loaded = store.load_characters(ShipCatalog::Seed).unwrap();
    assert_eq!(loaded.len(), 2);
    assert_eq!(
        loaded.iter().find(|r| r.id == "bob").unwrap().extras,
        Some(super::CharacterExtras {
            ship_id: "hull-b".into(),
            bank: 55,
            ship_name: Some("Bertha".into()),
        }),
        "the 2026-01 rules' ship id, bank and ship name come back"
    );
    assert_eq!(loaded[0].id, "bob", "rows come back in world order");
    a.knowledge.take_unsaved();
    assert_eq!(loaded[1], a);
    assert!(
        loaded[0].knowledge.visited().is_empty(),
        "bob's visit was never committed"
    );
    assert_eq!(store.load_ports().unwrap(), vec![(7, [1, 2, 3])]);
}

fn fight(round: u32, pending: &[(&str, CombatAction)]) -> StoredEncounter {
    let pending = pending
        .iter()
        .map(|(id, a)| (id.to_string(), stored(*a)))
        .collect();
    let encounter = Encounter {
        combat_id: "c1".into(),
        sector: 5,
        round,
        deadline: Timestamp(1_000),
        base_seed: 7,
        participants: vec![],
        logs: vec![],
        initiator: None,
        created_at: Timestamp(0),
        reason: "manual".into(),
        tolls: Default::default(),
        fled: vec![],
        last_hit_by: Default::default(),
        ended: false,
        end_state: None,
    };
    StoredEncounter { encounter, pending }
}

fn stored(action: CombatAction) -> StoredAction {
    StoredAction {
        action,
        commit: 0,
        target: None,
        destination: None,
        submitted_at: Timestamp(1),
        timed_out: false,
    }
}

fn whole(e: &StoredEncounter) -> Changes {
    let row = StoredEncounterRef {
        encounter: &e.encounter,
        pending: &e.pending,
    };
    Changes {
        encounters: vec![(
            e.encounter.combat_id.clone(),
            Some(EncounterRow {
                state: serde_json::to_string(&row).unwrap(),
                new_rounds: vec![],
            }),
        )],
        ..Default::default()
    }
}

fn action_only(round: u32, participant: &str, a: CombatAction) -> Changes {
    Changes {
        encounter_actions: vec![PendingActionRow {
            combat_id: "c1".into(),
            participant: participant.into(),
            round,
            action: serde_json::to_string(&stored(a)).unwrap(),
        }],
        ..Default::default()
    }
}

fn pending_after(open: Opener, batches: Vec<Changes>) -> BTreeMap<String, CombatAction> {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut store = open(dir.path());
        let mut batches = batches;
        store.commit_in_order(&mut batches).unwrap();
    }
    let mut store = open(dir.path());
    let (_, _, fights) = store.load_combat().unwrap();
    assert_eq!(fights.len(), 1);
    fights[0]
        .pending
        .iter()
        .map(|(k, v)| (k.clone(), v.action))
        .collect()
}

#[test]
fn pending_actions_and_whole_fights_land_in_the_order_they_were_made() {
    on_both_stores(pending_actions_land_in_order);
}

fn pending_actions_land_in_order(open: Opener) {
    use CombatAction::*;
    let r1 = |p: &[(&str, CombatAction)]| fight(1, p);
    // An action row on top of the saved fight.
    let got = pending_after(open, vec![whole(&r1(&[])), action_only(1, "b", Brace)]);
    assert_eq!(got, BTreeMap::from([("b".into(), Brace)]));
    // The same participant changes its mind: first as a row, then with a payment that saved the
    // whole fight; one commit holds both, and the later one wins.
    let got = pending_after(
        open,
        vec![
            whole(&r1(&[])),
            action_only(1, "b", Attack),
            whole(&r1(&[("b", Pay)])),
        ],
    );
    assert_eq!(got, BTreeMap::from([("b".into(), Pay)]));
    // And the other way round.
    let got = pending_after(
        open,
        vec![whole(&r1(&[("b", Pay)])), action_only(1, "b", Flee)],
    );
    assert_eq!(got, BTreeMap::from([("b".into(), Flee)]));
    // A row from a round that has since resolved is not an action in the new one.
    let got = pending_after(
        open,
        vec![
            whole(&r1(&[])),
            action_only(1, "a", Attack),
            whole(&fight(2, &[])),
            action_only(1, "b", Brace),
        ],
    );
    assert!(got.is_empty(), "{got:?}");
}

#[test]
fn pruning_deletes_what_is_past_its_age_or_count_and_keeps_the_newest() {
    on_both_stores(pruning_keeps_the_newest);
}

fn pruning_keeps_the_newest(open: Opener) {
    use super::retention::Retention;
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let day = 86_400_000_000i64;
    let message = |id: i64, t: i64| bang_components::api::events::ChatMessage {
        id,
        timestamp: Timestamp(t),
        message_type: "broadcast".into(),
        from_name: "a".into(),
        content: format!("m{id}"),
        to_name: None,
    };
    // Ten messages a day apart (days 0..9), ten log entries likewise.
    let mut changes = Changes {
        chat: (1..=10).map(|i| message(i, (i - 1) * day)).collect(),
        actions: (1..=10)
            .map(|i| crate::store::action_log::tests::entry(0, (i - 1) * day))
            .collect(),
        ..Default::default()
    };
    store.commit(&mut changes).unwrap();
    // At day 10, keep 5 days of chat and 3 log entries.
    let retention = Retention {
        chat_max_age_days: Some(5.5),
        chat_max_messages: None,
        action_log_max_age_days: None,
        action_log_max_entries: Some(3),
        ..Retention::default()
    };
    let mut prune = Changes {
        prune: Some(retention.prune_at(Timestamp(10 * day))),
        ..Default::default()
    };
    store.commit(&mut prune).unwrap();
    let chat: Vec<i64> = store
        .chat_messages()
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(
        chat,
        [6, 7, 8, 9, 10],
        "younger than 5.5 days at day 10: days 5 to 9"
    );
    let log: Vec<i64> = store
        .actions_after(0)
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(log, [8, 9, 10]);
    // However old everything is, the newest of each stays (ids continue from it).
    let all_old = Retention {
        chat_max_age_days: Some(0.001),
        action_log_max_age_days: Some(0.001),
        ..Retention::default()
    };
    let mut prune = Changes {
        prune: Some(all_old.prune_at(Timestamp(100 * day))),
        ..Default::default()
    };
    store.commit(&mut prune).unwrap();
    assert_eq!(store.chat_messages().unwrap().len(), 1);
    assert_eq!(store.actions_after(0).unwrap()[0].seq, 10);
}

#[test]
fn action_log_files_are_pruned_by_age_and_size_but_never_the_newest() {
    use super::action_log::ActionLogFiles;
    let dir = tempfile::tempdir().unwrap();
    // Four day files of 100 bytes each (complete lines: opening the log repairs torn ones).
    for (n, day) in ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"]
        .iter()
        .enumerate()
    {
        let line = format!("{{\"seq\":{n},\"pad\":\"{}\"}}\n", "x".repeat(81));
        assert_eq!(line.len(), 100);
        std::fs::write(dir.path().join(format!("{day}.jsonl")), line).unwrap();
    }
    let mut files = ActionLogFiles::open(dir.path()).unwrap();
    let names = || {
        let mut v: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        v.sort();
        v
    };
    // Older than 2026-01-02 00:00: only the first day goes.
    let jan2 = Timestamp::parse("2026-01-02T00:00:00+00:00").unwrap().0;
    files.prune(Some(jan2), None).unwrap();
    assert_eq!(
        names(),
        ["2026-01-02.jsonl", "2026-01-03.jsonl", "2026-01-04.jsonl"]
    );
    // At most 150 bytes: the oldest go until it fits.
    files.prune(None, Some(150)).unwrap();
    assert_eq!(names(), ["2026-01-04.jsonl"]);
    // The newest stays even past every limit.
    files.prune(Some(i64::MAX), Some(1)).unwrap();
    assert_eq!(names(), ["2026-01-04.jsonl"]);
}

#[test]
fn a_data_directory_made_before_a_column_was_added_gets_it_at_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = rusqlite::Connection::open(dir.path().join("bang.db")).unwrap();
        db.execute_batch(
            "CREATE TABLE character_extras (id TEXT PRIMARY KEY, ship_id TEXT NOT NULL,
             bank INTEGER NOT NULL) WITHOUT ROWID;
             INSERT INTO character_extras VALUES ('old', 'hull-o', 7);",
        )
        .unwrap();
    }
    let mut store = Store::open(dir.path(), Durability::Normal).unwrap();
    let extras = store.read(super::load::load_extras).unwrap();
    assert_eq!(
        extras.get("old"),
        Some(&super::CharacterExtras {
            ship_id: "hull-o".into(),
            bank: 7,
            ship_name: None,
        })
    );
}

/// The writer writes a commit again when the connection was lost before its outcome was known;
/// if the first one went through, the second must store nothing twice.
#[test]
fn a_commit_written_again_is_stored_once() {
    on_both_stores(a_replayed_commit_is_stored_once);
}

fn a_replayed_commit_is_stored_once(open: Opener) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let told = bang_components::history::EventTold {
        at: Timestamp(5),
        event: "status.update",
        sender: Some("alice".into()),
        receivers: vec!["alice".into(), "bob".into()],
        payload: serde_json::value::RawValue::from_string("{}".into()).unwrap(),
        sector: Some(3),
        corporation_id: None,
    };
    let message = bang_components::api::events::ChatMessage {
        id: 1,
        timestamp: Timestamp(5),
        message_type: "broadcast".into(),
        from_name: "alice".into(),
        content: "hello".into(),
        to_name: None,
    };
    let batch = || Changes {
        characters: vec![row("alice", 0)],
        actions: vec![crate::store::action_log::tests::entry(0, 5); 2],
        events: vec![told.clone()],
        chat: vec![message.clone()],
        ..Default::default()
    };
    let (actions, events) = (store.next_action, store.next_event);
    store.commit(&mut batch()).unwrap();
    // As the writer does after a lost connection: the same changes, the same numbers.
    (store.next_action, store.next_event) = (actions, events);
    store.commit(&mut batch()).unwrap();
    let seqs: Vec<i64> = store
        .actions_after(0)
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs, [1, 2]);
    assert_eq!(store.chat_messages().unwrap().len(), 1);
    let counts = store
        .read(|sql| {
            let n = |sql: &mut dyn Sql, q: &str| sql.row(q, &[]).map(|r| r.unwrap().int(0));
            Ok((
                n(sql, "SELECT COUNT(*) FROM event_history")??,
                n(sql, "SELECT COUNT(*) FROM history_receivers")??,
            ))
        })
        .unwrap();
    assert_eq!(counts, (1, 2));
    drop(store);
    // Reopened, numbering goes on after the stored rows.
    let store = open(dir.path());
    assert_eq!((store.next_action, store.next_event), (3, 2));
}
