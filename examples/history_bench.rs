//! `event.query`'s latency over a large history: fills a fresh store with synthetic told events
//! (1,000 characters, 5,000 sectors, 50 corporations, 1–3 receivers each, one event every 10 ms),
//! then times the queries `event.query` makes through the same reader, by kind.
//!
//! ```sh
//! cargo run --release --example history_bench -- --events 1000000 --queries 200
//! ```

use bang::store::{Changes, Durability, HistoryDb, Store};
use bang_components::history::{EventTold, HistoryQuery, HistoryReader};
use bang_components::time::Timestamp;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::value::RawValue;
use std::time::Instant;

const CHARACTERS: u32 = 1_000;
const SECTORS: u32 = 5_000;
const STEP_MICROS: i64 = 10_000;
const START: i64 = 1_780_000_000_000_000;
const NAMES: [&str; 6] = [
    "status.update",
    "character.moved",
    "trade.executed",
    "chat.message",
    "combat.round_resolved",
    "port.update",
];

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| v.parse().expect("a number"))
}

fn character(n: u32) -> String {
    format!("c{n:04}")
}

/// One in five characters is in one of 50 corporations.
fn corporation(n: u32) -> Option<String> {
    n.is_multiple_of(5).then(|| format!("corp-{:02}", n % 50))
}

fn event(rng: &mut ChaCha8Rng, i: usize) -> EventTold {
    let sender = rng.random_range(0..CHARACTERS);
    let receivers = (0..rng.random_range(1..=3))
        .map(|_| character(rng.random_range(0..CHARACTERS)))
        .collect();
    let sector = rng.random_range(0..SECTORS);
    let name = NAMES[rng.random_range(0..NAMES.len())];
    // About 200 bytes, as a status or trade event; one in 100,000 carries a rare word.
    let note = if i % 100_000 == 7 {
        "quasar"
    } else {
        "routine"
    };
    let payload = format!(
        "{{\"source\":{{\"type\":\"rpc\",\"method\":\"{name}\",\"request_id\":\"r{i}\"}},\
         \"player\":{{\"id\":\"{}\"}},\"sector\":{{\"id\":{sector}}},\"value\":{i},\
         \"note\":\"{note}\",\"padding\":\"{}\"}}",
        character(sender),
        "x".repeat(60)
    );
    EventTold {
        at: Timestamp(START + i as i64 * STEP_MICROS),
        event: name,
        payload: RawValue::from_string(payload).expect("JSON"),
        sender: Some(character(sender)),
        receivers,
        sector: Some(sector),
        corporation_id: corporation(sender),
    }
}

fn fill(dir: &std::path::Path, events: usize) {
    let mut store = Store::open(dir, Durability::Normal).expect("store");
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let started = Instant::now();
    let mut i = 0;
    while i < events {
        let n = 10_000.min(events - i);
        let mut changes = Changes {
            events: (i..i + n).map(|k| event(&mut rng, k)).collect(),
            ..Default::default()
        };
        store.commit(&mut changes).expect("commit");
        i += n;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "filled {events} events in {secs:.1} s ({:.0} events/s); bang.db {:.0} MiB",
        events as f64 / secs,
        std::fs::metadata(dir.join("bang.db")).map_or(0, |m| m.len()) as f64 / 1048576.0
    );
}

/// Times `queries` queries made by `make`; prints the median, p99 and worst, and rows answered.
fn time(reader: &HistoryDb, label: &str, queries: usize, mut make: impl FnMut() -> HistoryQuery) {
    let mut micros = Vec::with_capacity(queries);
    let mut rows = 0;
    for _ in 0..queries {
        let q = make();
        let t = Instant::now();
        let page = reader.query(&q).expect("query");
        micros.push(t.elapsed().as_micros() as u64);
        rows += page.records.len();
    }
    micros.sort_unstable();
    let at = |p: f64| micros[((micros.len() - 1) as f64 * p).round() as usize] as f64 / 1000.0;
    println!(
        "| {label} | {:.2} | {:.2} | {:.2} | {} |",
        at(0.5),
        at(0.99),
        at(1.0),
        rows / queries
    );
}

/// The whole history's window, and a random hour inside it.
struct Window {
    end: Timestamp,
}

impl Window {
    fn all(&self, limit: usize) -> HistoryQuery {
        HistoryQuery {
            start: Timestamp(START),
            end: self.end,
            limit,
            ..Default::default()
        }
    }

    fn hour(&self, rng: &mut ChaCha8Rng, limit: usize) -> HistoryQuery {
        let span = (self.end.0 - START - 3_600_000_000).max(1);
        let from = START + rng.random_range(0..span);
        HistoryQuery {
            start: Timestamp(from),
            end: Timestamp(from + 3_600_000_000),
            limit,
            ..Default::default()
        }
    }
}

/// What a player asks: its own events, whole, newest first, or within an hour.
fn player_queries(reader: &HistoryDb, w: &Window, queries: usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let someone = |rng: &mut ChaCha8Rng| Some(character(rng.random_range(0..CHARACTERS)));
    time(reader, "a player's, whole history (1000)", queries, || {
        HistoryQuery {
            character: someone(&mut rng),
            ..w.all(1000)
        }
    });
    time(reader, "a player's, newest first (100)", queries, || {
        HistoryQuery {
            character: someone(&mut rng),
            reverse: true,
            ..w.all(100)
        }
    });
    time(reader, "a player's, one hour (1000)", queries, || {
        HistoryQuery {
            character: someone(&mut rng),
            ..w.hour(&mut rng, 1000)
        }
    });
}

/// What a sector, a corporation, an operator and a text search ask.
fn other_queries(reader: &HistoryDb, w: &Window, queries: usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    time(reader, "a sector's, whole history (1000)", queries, || {
        HistoryQuery {
            sector: Some(rng.random_range(0..SECTORS)),
            ..w.all(1000)
        }
    });
    time(
        reader,
        "a corporation's, whole history (1000)",
        queries,
        || HistoryQuery {
            corporation: Some(format!("corp-{:02}", rng.random_range(0..10) * 5)),
            ..w.all(1000)
        },
    );
    time(
        reader,
        "everyone's, one hour (operator, 1000)",
        queries,
        || w.hour(&mut rng, 1000),
    );
    time(reader, "a word, one hour (100)", queries, || HistoryQuery {
        text: Some("quasar".into()),
        ..w.hour(&mut rng, 100)
    });
    time(
        reader,
        "a rare word, whole history (100)",
        queries.min(20),
        || HistoryQuery {
            text: Some("quasar".into()),
            ..w.all(100)
        },
    );
}

fn main() {
    let events = arg("--events", 1_000_000);
    let queries = arg("--queries", 200);
    let dir = tempfile::tempdir().expect("temp dir");
    fill(dir.path(), events);
    let reader = HistoryDb::open(&bang::store::StoreUrl::Sqlite, dir.path()).expect("reader");
    let window = Window {
        end: Timestamp(START + events as i64 * STEP_MICROS),
    };
    println!("| query (max_rows) | median ms | p99 ms | worst ms | records answered |");
    println!("|---|---|---|---|---|");
    player_queries(&reader, &window, queries);
    other_queries(&reader, &window, queries);
}
