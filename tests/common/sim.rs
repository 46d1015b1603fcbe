//! What the sim runner's test files share: the bundled scenarios and test fixtures, run
//! options, and the `bang` binary.
#![allow(dead_code)]

use bang::sim::scenario::{Scenario, Sweep};
use bang::sim::{SimOptions, SimPath};
use bang_components::balance::Balance;
use bang_systems::combat::engine::RngKind;
use std::path::PathBuf;
use std::process::Command;

pub fn scenario(name: &str) -> Scenario {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("world-data/scenarios")
        .join(name);
    Scenario::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
}

pub fn opts(s: Scenario, n: u64, threads: usize, sweeps: Vec<Sweep>) -> SimOptions {
    SimOptions {
        scenario: s,
        balance: Balance::default(),
        encounters: n,
        seed: 7,
        threads,
        sweeps,
        rng: RngKind::ChaCha,
        progress: false,
        path: SimPath::Auto,
        shard: None,
    }
}

pub fn fixture(name: &str) -> Scenario {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    Scenario::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The `bang` binary, run from the repository's root.
pub fn bang() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_bang"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}
