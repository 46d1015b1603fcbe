//! Micro-benchmark of the combat round engine: one Kestrel-vs-Kestrel round (300 fighters,
//! 150 shields, 3 turns per warp each, both attacking with 50) resolved over and over.
//!
//! `cargo run --release --example engine_bench [rounds] [chacha|reference]` (default a million
//! rounds with each generator).

use bang_components::balance::CombatBalance;
use bang_systems::combat::engine::{CombatAction, Fighter, RngKind, RoundAction, resolve_round};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

fn kestrel(id: &str) -> Fighter {
    Fighter {
        id: id.into(),
        fighters: 300,
        shields: 150,
        turns_per_warp: 3,
    }
}

fn attack(target: &str) -> RoundAction {
    RoundAction {
        action: CombatAction::Attack,
        commit: 50,
        target: Some(target.into()),
        destination: None,
        timed_out: false,
    }
}

fn main() {
    const USAGE: &str = "usage: engine_bench [rounds] [chacha|reference]";
    let mut args = std::env::args().skip(1);
    let rounds: u32 = args.next().map_or(1_000_000, |n| n.parse().expect(USAGE));
    let kinds = match args.next().as_deref() {
        None => vec![RngKind::ChaCha, RngKind::Reference],
        Some("chacha") => vec![RngKind::ChaCha],
        Some("reference") => vec![RngKind::Reference],
        Some(_) => panic!("{USAGE}"),
    };
    let participants = [kestrel("ship:red:0"), kestrel("ship:blue:0")];
    let actions: BTreeMap<String, RoundAction> = [
        ("ship:red:0".to_string(), attack("ship:blue:0")),
        ("ship:blue:0".to_string(), attack("ship:red:0")),
    ]
    .into();
    let balance = CombatBalance::default();
    for kind in kinds {
        let start = Instant::now();
        let mut draws = 0u64;
        for round in 0..rounds {
            // A different round each time, so every resolution seeds and draws afresh.
            let outcome = resolve_round(
                black_box(&participants),
                black_box(&actions),
                black_box(7),
                round,
                kind,
                &balance,
            );
            draws += u64::from(black_box(outcome).draws);
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{kind:?}: {rounds} rounds in {secs:.3} s = {:.0} rounds/s ({:.1} draws/round)",
            f64::from(rounds) / secs,
            draws as f64 / f64::from(rounds),
        );
    }
}
