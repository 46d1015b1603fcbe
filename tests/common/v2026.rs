//! Helpers for tests of the 2026-01 dialect: a scratch copy of the 2026-format test world, a
//! server on it under that release's rules, a joined client, and seed files.

use super::Client;
use bang::server::{RunningServer, WorldSource};
use bang_components::rules::WorldRules;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

pub const D2026: &str = "/ws?dialect=2026-01";

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/world-2026")
}

/// A scratch copy of the 2026-format world (seeding writes files into it).
pub fn world_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "universe_structure.json",
        "sector_contents.json",
        "characters.json",
    ] {
        std::fs::copy(fixture().join(f), dir.path().join(f)).unwrap();
    }
    dir
}

/// A server on `world` under the 2026-01 rules, with `secs_per_turn` of hyperspace per turn.
pub fn start_with_hyperspace(world: &Path, data: &Path, secs_per_turn: f64) -> RunningServer {
    start_configured(world, data, |s| {
        s.rules.hyperspace_secs_per_turn = secs_per_turn
    })
}

/// A server on `world` under the 2026-01 rules (jumps of a few milliseconds), then `configure`.
pub fn start_configured(
    world: &Path,
    data: &Path,
    configure: impl FnOnce(&mut bang::server::ServerSettings),
) -> RunningServer {
    super::start_with(data, |s| {
        rules_2026(world, s);
        configure(s);
    })
}

/// The 2026-01 rules on `world`, jumps of a few milliseconds, the suite's test endpoints.
fn rules_2026(world: &Path, s: &mut bang::server::ServerSettings) {
    s.world = WorldSource::Dir(world.to_path_buf());
    s.rules = WorldRules {
        hyperspace_secs_per_turn: 0.02 / 3.0,
        test_endpoints: true,
        ..WorldRules::release_2026()
    };
    s.registration_required = true;
}

/// A server whose jumps take a few milliseconds, on the store `backing` names.
pub fn start_on(world: &Path, data: &Path, backing: &super::Backing) -> RunningServer {
    backing.start(data, |s| {
        rules_2026(world, s);
        s.rules.hyperspace_secs_per_turn = 0.02;
    })
}

/// A server whose jumps take a few milliseconds.
pub fn start(world: &Path, data: &Path) -> RunningServer {
    start_with_hyperspace(world, data, 0.02)
}

/// A 2026-01 connection that joined `id`, and the events the join sent.
pub async fn joined(addr: std::net::SocketAddr, id: &str) -> (Client, Vec<Value>) {
    let mut c = Client::connect_to(addr, D2026).await;
    let (events, reply) = c.rpc("join", json!({"character_id": id})).await;
    assert_eq!(reply["ok"], true, "{reply}");
    (c, events)
}

/// Writes a character's knowledge file and, if given, `ships.json`, as that release's suite does.
pub fn seed(world: &Path, id: &str, knowledge: Value, ships: Option<Value>) {
    std::fs::create_dir_all(world.join("character-map-knowledge")).unwrap();
    let file = world.join(format!("character-map-knowledge/{id}.json"));
    std::fs::write(file, knowledge.to_string()).unwrap();
    if let Some(ships) = ships {
        std::fs::write(world.join("ships.json"), ships.to_string()).unwrap();
    }
}
