//! JSON Schema of every frame, request, result and event, generated from the Rust types. The
//! files in `schemas/` are this output; a test fails when they drift (`bang schemas` rewrites them).

use bang_components::api::combat::{
    CollectFightersResult, CombatActionRequest, CombatActionResult, CombatInitiateRequest,
    CombatStarted, CombatStatusRequest, CombatStatusResult, EncounterView, GarrisonRequest,
    GarrisonUpdated, LeaveFightersResult, RoundPayload, SalvageCollectRequest,
    SalvageCollectResult, SetGarrisonModeResult,
};
use bang_components::api::error::ApiError;
use bang_components::api::events::{
    CharacterJoined, CharacterMoved, CharacterMovedObserved, ChatMessage, PortRegenerated,
    PortReset, WarpPurchase, WarpTransfer,
};
use bang_components::api::frames::{ClientFrame, EventFrame, RpcErrorFrame, RpcOkFrame};
use bang_components::api::payloads::{
    CheckTradeResult, IdentifyResult, LocalMapResult, MyMapResult, PlotCourseResult,
    RechargeWarpPowerResult, RegeneratePortsResult, ResetPortsResult, SendMessageResult,
    ServerStatusResult, StatusPayload, SubscribeResult, TradeResult, TransferWarpPowerResult,
};
use bang_components::api::requests::{
    AdminRequest, CharacterRequest, IdentifyRequest, JoinRequest, LocalMapRequest, MoveRequest,
    PlotCourseRequest, RechargeWarpPowerRequest, RegeneratePortsRequest, SendMessageRequest,
    SubscribeRequest, TradeRequest, TransferWarpPowerRequest,
};
use schemars::{JsonSchema, schema_for};
use std::path::Path;

fn entry<T: JsonSchema>(name: &str) -> (String, String) {
    let schema = schema_for!(T);
    let text = serde_json::to_string_pretty(&schema).expect("schema serialises") + "\n";
    (format!("{name}.json"), text)
}

/// Every schema file: (file name, contents).
pub fn all() -> Vec<(String, String)> {
    vec![
        entry::<ClientFrame>("frame.client"),
        entry::<RpcOkFrame>("frame.rpc_ok"),
        entry::<RpcErrorFrame>("frame.rpc_error"),
        entry::<EventFrame>("frame.event"),
        entry::<ApiError>("error"),
        entry::<IdentifyRequest>("request.identify"),
        entry::<SubscribeRequest>("request.subscribe"),
        entry::<JoinRequest>("request.join"),
        entry::<CharacterRequest>("request.my_status"),
        entry::<MoveRequest>("request.move"),
        entry::<PlotCourseRequest>("request.plot_course"),
        entry::<CharacterRequest>("request.my_map"),
        entry::<LocalMapRequest>("request.local_map"),
        entry::<TradeRequest>("request.check_trade"),
        entry::<TradeRequest>("request.trade"),
        entry::<RechargeWarpPowerRequest>("request.recharge_warp_power"),
        entry::<TransferWarpPowerRequest>("request.transfer_warp_power"),
        entry::<AdminRequest>("request.reset_ports"),
        entry::<RegeneratePortsRequest>("request.regenerate_ports"),
        entry::<SendMessageRequest>("request.send_message"),
        entry::<CombatInitiateRequest>("request.combat.initiate"),
        entry::<CombatActionRequest>("request.combat.action"),
        entry::<CombatStatusRequest>("request.combat.status"),
        entry::<GarrisonRequest>("request.combat.leave_fighters"),
        entry::<GarrisonRequest>("request.combat.collect_fighters"),
        entry::<GarrisonRequest>("request.combat.set_garrison_mode"),
        entry::<SalvageCollectRequest>("request.salvage.collect"),
        entry::<IdentifyResult>("result.identify"),
        entry::<SubscribeResult>("result.subscribe"),
        entry::<ServerStatusResult>("result.server_status"),
        entry::<StatusPayload>("result.join"),
        entry::<StatusPayload>("result.my_status"),
        entry::<StatusPayload>("result.move"),
        entry::<PlotCourseResult>("result.plot_course"),
        entry::<MyMapResult>("result.my_map"),
        entry::<LocalMapResult>("result.local_map"),
        entry::<CheckTradeResult>("result.check_trade"),
        entry::<TradeResult>("result.trade"),
        entry::<RechargeWarpPowerResult>("result.recharge_warp_power"),
        entry::<TransferWarpPowerResult>("result.transfer_warp_power"),
        entry::<ResetPortsResult>("result.reset_ports"),
        entry::<RegeneratePortsResult>("result.regenerate_ports"),
        entry::<SendMessageResult>("result.send_message"),
        entry::<CombatStarted>("result.combat.initiate"),
        entry::<CombatActionResult>("result.combat.action"),
        entry::<CombatStatusResult>("result.combat.status"),
        entry::<LeaveFightersResult>("result.combat.leave_fighters"),
        entry::<CollectFightersResult>("result.combat.collect_fighters"),
        entry::<SetGarrisonModeResult>("result.combat.set_garrison_mode"),
        entry::<SalvageCollectResult>("result.salvage.collect"),
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
    ]
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
