//! The 2026-01 dialect's own payloads: the reshaped status (`player`, `ship`, `sector`,
//! `corporation`), the events its endpoints send instead of answering with data, and `source`,
//! which names the request an event answers. Commodity-keyed maps use the world's commodity
//! names, so they are maps here, not structs.

pub mod combat;
pub mod corporation;
mod events;
pub mod history;
pub mod leaderboard;

use crate::ships::ShipType;
use crate::time::Timestamp;
use crate::universe::SectorId;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Serialize;

pub use events::Event2026;

/// A bare acknowledgement: the data went out as events before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Success {
    pub success: bool,
}

impl Success {
    pub const YES: Success = Success { success: true };
}

/// The request an event answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Source {
    /// Always `rpc`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The endpoint (or, for `local_map_region`, the caller's own label).
    pub method: String,
    pub request_id: String,
    pub timestamp: Timestamp,
}

/// Units or prices per commodity, keyed by the world's commodity names.
pub type PerCommodity<T> = IndexMap<String, T>;

/// `player` of a status: the character itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct PlayerSelf {
    pub id: String,
    pub name: String,
    /// `human` or `corporation_ship`.
    pub player_type: &'static str,
    pub credits_in_bank: i64,
    pub sectors_visited: u32,
    pub universe_size: u32,
    /// Not for a corporation's ship.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_active: Option<Timestamp>,
}

/// `ship` of a status: the ship the character flies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ShipSelf {
    pub ship_id: String,
    pub ship_type: ShipType,
    pub ship_name: String,
    pub credits: i64,
    pub cargo: PerCommodity<i64>,
    pub cargo_capacity: i64,
    pub empty_holds: i64,
    pub warp_power: i64,
    pub warp_power_capacity: i64,
    pub shields: i64,
    pub max_shields: i64,
    pub fighters: i64,
    pub max_fighters: i64,
}

/// A port as a status shows it: prices and stock by commodity name; `observed_at` is null when
/// the viewer is there to see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct PortView {
    pub code: String,
    pub prices: IndexMap<String, serde_json::Value>,
    pub stock: PerCommodity<i64>,
    pub observed_at: Option<Timestamp>,
}

/// Another character in a sector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct PlayerPublic {
    pub created_at: Timestamp,
    pub id: String,
    pub name: String,
    pub player_type: &'static str,
    pub corporation: Option<corporation::CorporationBrief>,
    pub ship: ShipPublic,
}

/// A ship as others see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ShipPublic {
    pub ship_type: ShipType,
    pub ship_name: String,
}

/// The garrison of a sector as a status shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct GarrisonPublic {
    pub owner_name: String,
    pub fighters: i64,
    pub mode: String,
    pub toll_amount: i64,
    pub deployed_at: Timestamp,
    pub is_friendly: bool,
}

/// A sector as a character sees it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct SectorView {
    pub id: SectorId,
    pub adjacent_sectors: Vec<SectorId>,
    pub port: Option<PortView>,
    pub players: Vec<PlayerPublic>,
    pub garrison: Option<GarrisonPublic>,
    pub salvage: Vec<combat::SalvageTold>,
    pub unowned_ships: Vec<UnownedShipView>,
    pub scene_config: Option<serde_json::Value>,
}

/// A ship nobody owns, as a sector lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct UnownedShipView {
    pub ship_id: String,
    pub ship_type: ShipType,
    pub name: Option<String>,
    /// Always `unowned` (bang adds it, with the ship's fighters and shields: that release's
    /// own tests expect them; its server left them out).
    pub owner_type: &'static str,
    pub fighters: i64,
    pub shields: i64,
    pub became_unowned: Timestamp,
    pub former_owner_name: Option<String>,
}

/// `status.update` (and, with `source`, `status.snapshot`).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Status {
    pub player: PlayerSelf,
    pub ship: ShipSelf,
    pub sector: SectorView,
    pub corporation: Option<corporation::CorporationBrief>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

/// One lane of a map sector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Lane {
    pub to: SectorId,
    pub two_way: bool,
    pub hyperlane: bool,
}

/// One sector of a local map region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct MapSector {
    pub id: SectorId,
    pub visited: bool,
    pub hops_from_center: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjacent_sectors: Option<Vec<SectorId>>,
    pub port: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_visited: Option<Timestamp>,
    pub position: [i64; 2],
    pub lanes: Vec<Lane>,
}

/// `map.local` / `map.region`: what a character knows around a sector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct MapRegion {
    pub center_sector: SectorId,
    pub sectors: Vec<MapSector>,
    pub total_sectors: usize,
    pub total_visited: usize,
    pub total_unvisited: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

/// `movement.start`: the jump began; where it leads, and how long it takes.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct MovementStart {
    pub sector: SectorView,
    pub hyperspace_time: f64,
}

/// `movement.complete`: the ship arrived.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct MovementComplete {
    pub player: PlayerSelf,
    pub ship: ShipSelf,
    pub sector: SectorView,
    pub first_visit: bool,
}

/// `course.plot`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CoursePlot {
    pub source: Source,
    pub from_sector: SectorId,
    pub to_sector: SectorId,
    pub path: Vec<SectorId>,
    pub distance: usize,
}

/// `error`: a refusal, sent to the character just before the error reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ErrorEvent {
    pub source: Source,
    pub endpoint: String,
    pub error: String,
}

/// What a trade did, inside `trade.executed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct TradeDetails {
    pub trade_type: String,
    pub commodity: String,
    pub units: i64,
    pub price_per_unit: i64,
    pub total_price: i64,
    pub new_credits: i64,
    pub new_cargo: PerCommodity<i64>,
    pub new_prices: IndexMap<String, serde_json::Value>,
}

/// `trade.executed`: to the trader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct TradeExecuted {
    pub source: Source,
    pub player: PlayerSelf,
    pub ship: ShipSelf,
    pub trade: TradeDetails,
}

/// The sector part of `port.update`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct PortSector {
    pub id: SectorId,
    pub port: Option<PortView>,
}

/// `port.update`: a port's prices and stock changed; to everyone in its sector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct PortUpdate {
    pub sector: PortSector,
    pub updated_at: Timestamp,
}

/// A sector named by id alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SectorRef {
    pub id: SectorId,
}

/// `warp.purchase`: to the buyer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct WarpPurchased {
    pub source: Source,
    pub character_id: String,
    pub sector: SectorRef,
    pub units: i64,
    pub price_per_unit: i64,
    pub total_cost: i64,
    pub timestamp: Timestamp,
    pub new_warp_power: i64,
    pub warp_power_capacity: i64,
    pub new_credits: i64,
}

/// `warp.transfer` and `credits.transfer`: one copy to the sender (`sent`), one to the
/// receiver (`received`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Transfer {
    pub transfer_direction: &'static str,
    /// `{"warp_power": n}` or `{"credits": n}`.
    pub transfer_details: IndexMap<String, i64>,
    pub from: PlayerPublic,
    pub to: PlayerPublic,
    pub sector: SectorRef,
    pub timestamp: Timestamp,
    pub source: Source,
}

/// `bank.transaction`: a deposit (to the account's owner) or a withdrawal (to the character).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct BankTransaction {
    pub source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_character_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_character_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ship_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub character_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sector: Option<SectorRef>,
    pub direction: &'static str,
    pub amount: i64,
    pub timestamp: Timestamp,
    pub ship_credits_before: i64,
    pub ship_credits_after: i64,
    pub credits_in_bank_before: i64,
    pub credits_in_bank_after: i64,
}

/// What a deposit answers (a withdrawal answers a bare success).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Deposited {
    pub ship_id: String,
    pub target_character_id: String,
    pub ship_credits_after: i64,
    pub credits_in_bank_after: i64,
    /// Null for a corporation's ship.
    pub source_character_id: Option<String>,
}

/// `bank_transfer`'s result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct BankResult {
    pub success: bool,
    #[serde(flatten)]
    pub deposit: Option<Deposited>,
}

/// `fighter.purchase`: to the buyer.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct FighterPurchase {
    pub source: Source,
    pub character_id: String,
    pub timestamp: Timestamp,
    pub sector: SectorView,
    pub units: i64,
    pub price_per_unit: i64,
    pub total_cost: i64,
    pub fighters_before: i64,
    pub fighters_after: i64,
    pub max_fighters: i64,
    pub credits_before: i64,
    pub credits_after: i64,
    pub ship: ShipSelf,
    pub player: PlayerSelf,
}

/// A salvage container's contents as `salvage.created` tells them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SalvageDetails {
    pub salvage_id: String,
    pub cargo: PerCommodity<i64>,
    pub scrap: i64,
    pub credits: i64,
    pub expires_at: Timestamp,
}

/// `salvage.created`: to the one who left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SalvageCreated {
    pub action: &'static str,
    pub salvage_details: SalvageDetails,
    pub sector: SectorRef,
    pub timestamp: Timestamp,
    pub source: Source,
}

/// `sector.update`: a sector's contents as anyone there sees them.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct SectorUpdate(pub SectorView);

/// What a claim took from a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Collected {
    pub credits: i64,
    pub cargo: PerCommodity<i64>,
}

/// What a claim left in a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Remaining {
    pub cargo: PerCommodity<i64>,
    pub scrap: i64,
}

/// `salvage.collect`'s result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SalvageClaim {
    pub success: bool,
    pub collected: Collected,
    pub remaining: Remaining,
    pub fully_collected: bool,
}

/// The details of `salvage.collected`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ClaimDetails {
    pub salvage_id: String,
    pub collected: Collected,
    pub remaining: Remaining,
    pub fully_collected: bool,
}

/// `salvage.collected`: to the collector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SalvageCollected {
    pub action: &'static str,
    pub salvage_details: ClaimDetails,
    pub sector: SectorRef,
    pub timestamp: Timestamp,
    pub source: Source,
}

/// `ship.purchase`'s reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ShipPurchased {
    pub success: bool,
    pub ship_id: String,
    pub ship_type: ShipType,
    pub net_cost: u64,
    pub credits_after: i64,
}

/// `ship.purchase`'s reply, by what was bought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ShipBought {
    Personal(ShipPurchased),
    Corporation(corporation::CorporationShipBought),
}

/// `ship.traded_in`: the ship flown went in part-payment for a new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ShipTradedIn {
    pub character_id: String,
    pub old_ship_id: String,
    pub old_ship_type: ShipType,
    pub new_ship_id: String,
    pub new_ship_type: ShipType,
    pub trade_in_value: u64,
    pub price: u64,
    pub net_cost: u64,
    pub timestamp: Timestamp,
}

/// Where a known port is, as `ports.list` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct KnownPortSector {
    pub id: SectorId,
    pub port: PortView,
    pub position: [i64; 2],
}

/// One port of `ports.list`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct KnownPort {
    pub sector: KnownPortSector,
    pub updated_at: Timestamp,
    pub hops_from_start: u32,
    pub last_visited: Timestamp,
}

/// `ports.list`: the ports a character knows within some jumps of a visited sector.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct PortsList {
    pub from_sector: SectorId,
    pub ports: Vec<KnownPort>,
    pub total_ports_found: usize,
    pub searched_sectors: usize,
    pub source: Source,
}

/// One sector of `path.region`: a path sector, or a visited one near the path.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct PathRegionSector {
    pub sector_id: SectorId,
    pub on_path: bool,
    pub visited: bool,
    pub hops_from_path: u32,
    /// What is there, for a visited sector.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub contents: Option<SectorView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_visited: Option<Timestamp>,
    /// Off the path: the visited path sectors it is adjacent to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjacent_to_path_nodes: Option<Vec<SectorId>>,
    /// An unvisited path sector: always empty (that release's key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seen_from: Option<Vec<SectorId>>,
}

/// `path.region`: a course and the known sectors around it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct PathRegion {
    pub path: Vec<SectorId>,
    pub distance: usize,
    pub sectors: Vec<PathRegionSector>,
    pub total_sectors: usize,
    pub known_sectors: usize,
    pub unknown_sectors: usize,
    pub source: Source,
}
