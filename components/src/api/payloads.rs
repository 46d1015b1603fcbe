//! Result payloads of the RPCs, and the pieces they share (status, sector contents, maps).

use crate::ships::ShipType;
use crate::time::Timestamp;
use crate::universe::{Planet, SectorId};
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use super::cargo::Cargo;

/// The sector-0 warp power depot entry of `last_seen_prices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DepotPrice {
    pub price_per_unit: i64,
    pub note: String,
}

/// Displayed prices: `null` where the port does not trade that way right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Prices {
    pub fuel_ore: Option<i64>,
    pub organics: Option<i64>,
    pub equipment: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warp_power_depot: Option<DepotPrice>,
}

/// What a character sees of a port (also what its map remembers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PortSnapshot {
    /// The port's class number (1-8). Not in the reference's status; the seed-era clients show it
    /// (`Class N`). Maps stored before it was added have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<u8>,
    /// `class` again, under the name player_tui's port table reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_num: Option<u8>,
    pub code: String,
    pub last_seen_prices: Prices,
    pub last_seen_stock: Cargo,
    pub observed_at: Timestamp,
}

/// Another character present in a sector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct OtherPlayer {
    pub name: String,
    pub ship_type: ShipType,
}

/// Sector contents as one character sees them (keys in the reference's order).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct SectorContents {
    pub port: Option<PortSnapshot>,
    pub planets: Vec<Planet>,
    /// At most 200 of them, online players first (see `other_players_total`).
    pub other_players: Vec<OtherPlayer>,
    /// How many other players are in the sector, listed or not.
    pub other_players_total: usize,
    /// The sector's garrison (at most one), with `is_friendly` for the viewer.
    pub garrisons: Vec<super::combat::GarrisonView>,
    /// The same garrison alone, or null: the seed-era status bar reads this singular name.
    pub garrison: Option<super::combat::GarrisonView>,
    /// Unclaimed salvage containers in the sector.
    pub salvage: Vec<super::combat::SalvageView>,
    pub adjacent_sectors: Vec<SectorId>,
}

/// The ship block of a status payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ShipStatus {
    pub ship_type: ShipType,
    pub ship_name: String,
    pub cargo: Cargo,
    pub cargo_capacity: i64,
    pub cargo_used: i64,
    pub warp_power: i64,
    pub warp_power_capacity: i64,
    /// `warp_power_capacity` again, under the name the seed-era status bar reads.
    pub max_warp_power: i64,
    pub shields: i64,
    pub max_shields: i64,
    pub fighters: i64,
    pub max_fighters: i64,
    pub credits: i64,
}

/// The status payload: the result of `join` and `move`, and every `status.update`. `my_status`
/// sends it without `character_id`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct StatusPayload {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub character_id: Option<String>,
    pub name: String,
    pub sector: SectorId,
    pub last_active: Timestamp,
    pub sector_contents: SectorContents,
    pub ship: ShipStatus,
}

/// `server_status` result and the body of `GET /`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ServerStatusResult {
    pub name: String,
    pub version: String,
    pub status: String,
    pub sectors: u32,
}

impl ServerStatusResult {
    pub fn new(sectors: u32) -> ServerStatusResult {
        ServerStatusResult {
            name: "Gradient Bang".into(),
            version: "0.2.0".into(),
            status: "running".into(),
            sectors,
        }
    }
}

/// `plot_course` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct PlotCourseResult {
    pub from_sector: SectorId,
    pub to_sector: SectorId,
    pub path: Vec<SectorId>,
    pub distance: u32,
}

/// One visited sector in `my_map`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct VisitView {
    pub sector_id: SectorId,
    pub last_visited: Timestamp,
    pub port: Option<PortSnapshot>,
    pub planets: Vec<Planet>,
    pub adjacent_sectors: Vec<SectorId>,
}

/// The ship as `my_map` shows it (the reference's knowledge-file form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ShipConfig {
    pub ship_type: ShipType,
    pub cargo: Cargo,
    pub current_warp_power: i64,
    pub current_shields: i64,
    pub current_fighters: i64,
    pub equipped_modules: Vec<String>,
}

/// `my_map` result.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct MyMapResult {
    pub character_id: String,
    /// Keyed by the sector id as a decimal string.
    pub sectors_visited: IndexMap<String, VisitView>,
    pub total_sectors_visited: u32,
    pub first_visit: Option<Timestamp>,
    pub last_update: Option<Timestamp>,
    pub ship_config: ShipConfig,
    pub credits: i64,
    pub sector: SectorId,
}

/// One node of `local_map` (and of the HTTP debug map, which omits `is_leaf`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct MapNode {
    pub id: SectorId,
    pub visited: bool,
    pub port_type: Option<String>,
    pub adjacent: Vec<SectorId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_leaf: Option<bool>,
}

/// `local_map` result: the nodes, then the limit that was used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct LocalMapResult {
    pub node_list: Vec<MapNode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_sectors: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_hops: Option<i64>,
}

/// Reply to `identify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct IdentifyResult {
    pub identified: bool,
}

/// Reply to `subscribe`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SubscribeResult {
    pub subscribed: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub character_id: Option<String>,
}

/// `check_trade` result: a price on success, an `error` when the trade would be refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CheckTradeResult {
    pub can_trade: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_per_unit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_price: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub current_credits: i64,
    pub current_cargo: Cargo,
    pub cargo_capacity: i64,
    pub cargo_used: i64,
}

/// `trade` result. `new_prices` only after a purchase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct TradeResult {
    pub success: bool,
    pub trade_type: String,
    pub commodity: String,
    pub units: i64,
    pub price_per_unit: i64,
    pub total_price: i64,
    pub new_credits: i64,
    pub new_cargo: Cargo,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_prices: Option<Prices>,
}

/// `recharge_warp_power` result (also its refusals, with `success: false`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct RechargeWarpPowerResult {
    pub success: bool,
    pub units_bought: i64,
    pub price_per_unit: i64,
    pub total_cost: i64,
    pub new_warp_power: i64,
    pub warp_power_capacity: i64,
    pub new_credits: i64,
    pub message: String,
}

/// `transfer_warp_power` result (also its refusals, with `success: false`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct TransferWarpPowerResult {
    pub success: bool,
    pub units_transferred: i64,
    pub from_warp_power_remaining: i64,
    pub to_warp_power_current: i64,
    pub message: String,
}

/// `reset_ports` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ResetPortsResult {
    pub success: bool,
    pub message: String,
    pub ports_reset: u32,
}

/// `regenerate_ports` result.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct RegeneratePortsResult {
    pub success: bool,
    pub message: String,
    pub ports_regenerated: u32,
    pub fraction: f64,
}

/// `send_message` result: the message id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SendMessageResult {
    pub id: i64,
}
