//! JSON Schema of every frame, request, result and event, generated from the Rust types. The
//! files in `schemas/` are this output; a test fails when they drift (`bang schemas` rewrites them).

use bang_components::api::combat::{CombatStarted, EncounterView, GarrisonUpdated, RoundPayload};
use bang_components::api::error::ApiError;
use bang_components::api::events::{
    CharacterJoined, CharacterMoved, CharacterMovedObserved, ChatMessage, PortRegenerated,
    PortReset, WarpPurchase, WarpTransfer,
};
use bang_components::api::frames::{ClientFrame, EventFrame, RpcErrorFrame, RpcOkFrame};
use bang_components::api::payloads::StatusPayload;
use schemars::{JsonSchema, Schema, schema_for};
use std::path::Path;

fn entry<T: JsonSchema>(name: &str) -> (String, String) {
    file(name, &schema_for!(T))
}

fn file(name: &str, schema: &Schema) -> (String, String) {
    let text = serde_json::to_string_pretty(schema).expect("schema serialises") + "\n";
    (format!("{name}.json"), text)
}

/// Every schema file: (file name, contents). Requests and results come from the endpoint table.
pub fn all() -> Vec<(String, String)> {
    let mut files = vec![
        entry::<ClientFrame>("frame.client"),
        entry::<RpcOkFrame>("frame.rpc_ok"),
        entry::<RpcErrorFrame>("frame.rpc_error"),
        entry::<EventFrame>("frame.event"),
        entry::<ApiError>("error"),
    ];
    for (name, schema) in bang_systems::endpoints::schemas() {
        files.push(file(&name, &schema));
    }
    files.extend([
        entry::<CombatStarted>("event.combat.started"),
        entry::<EncounterView>("event.combat.round_waiting"),
        entry::<RoundPayload>("event.combat.round_resolved"),
        entry::<RoundPayload>("event.combat.ended"),
        entry::<GarrisonUpdated>("event.sector.garrison_updated"),
        entry::<StatusPayload>("event.status.update"),
        entry::<WarpPurchase>("event.warp.purchase"),
        entry::<WarpTransfer>("event.warp.transfer"),
        entry::<PortReset>("event.port.reset"),
        entry::<PortRegenerated>("event.port.regenerated"),
        entry::<ChatMessage>("event.chat.message"),
        entry::<CharacterJoined>("event.character.joined"),
        entry::<CharacterMoved>("event.character.moved.mover"),
        entry::<CharacterMovedObserved>("event.character.moved.observer"),
    ]);
    files
}

/// Writes every schema into `dir`, removing stale `*.json` files.
pub fn write_all(dir: &Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    let files = all();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if name.ends_with(".json") && !files.iter().any(|(f, _)| *f == name) {
            std::fs::remove_file(&path)?;
        }
    }
    for (name, text) in &files {
        std::fs::write(dir.join(name), text)?;
    }
    Ok(files.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checked-in schemas must be exactly what the types generate.
    #[test]
    fn checked_in_schemas_match_the_types() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
        let mut stale = Vec::new();
        for (name, text) in all() {
            match std::fs::read_to_string(dir.join(&name)) {
                Ok(on_disk) if on_disk == text => {}
                _ => stale.push(name),
            }
        }
        let expected: Vec<String> = all().into_iter().map(|(n, _)| n).collect();
        for entry in std::fs::read_dir(&dir).expect("schemas/ exists") {
            let name = entry.unwrap().file_name().to_string_lossy().to_string();
            if name.ends_with(".json") && !expected.contains(&name) {
                stale.push(format!("{name} (no longer generated)"));
            }
        }
        assert!(
            stale.is_empty(),
            "schemas/ has drifted from the Rust types: {stale:?}; run `cargo run -- schemas`"
        );
    }
}
