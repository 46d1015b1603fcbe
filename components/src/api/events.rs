//! Event payloads pushed to clients, and the event names.

use crate::ships::ShipType;
use crate::time::Timestamp;
use crate::universe::SectorId;
use schemars::JsonSchema;
use serde::Serialize;

pub const STATUS_UPDATE: &str = "status.update";
pub const CHARACTER_JOINED: &str = "character.joined";
pub const CHARACTER_MOVED: &str = "character.moved";
pub const CHAT_MESSAGE: &str = "chat.message";
pub const SESSION_ENDED: &str = "session.ended";

/// `character.joined`: a character entered the world map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CharacterJoined {
    pub character_id: String,
    pub sector: SectorId,
    pub timestamp: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MoveType {
    Normal,
    Teleport,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Movement {
    Arrive,
    Depart,
}

/// `character.moved` as the mover receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CharacterMoved {
    pub character_id: String,
    pub from_sector: SectorId,
    pub to_sector: SectorId,
    pub timestamp: Timestamp,
    pub move_type: MoveType,
}

/// `character.moved` as observers in the origin or destination receive it: no id, no sectors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CharacterMovedObserved {
    pub name: String,
    pub ship_type: ShipType,
    pub timestamp: Timestamp,
    pub move_type: MoveType,
    pub movement: Movement,
    /// The mover's display name (the 2026-01 dialect shows it; the seed's shows the id only).
    #[serde(skip)]
    #[schemars(skip)]
    pub display_name: String,
    /// The sector left or entered, for a teleport (the 2026-01 dialect shows it).
    #[serde(skip)]
    #[schemars(skip)]
    pub sector: SectorId,
}

pub const WARP_PURCHASE: &str = "warp.purchase";
pub const WARP_TRANSFER: &str = "warp.transfer";
pub const PORT_RESET: &str = "port.reset";
pub const PORT_REGENERATED: &str = "port.regenerated";

/// `warp.purchase`: warp power bought at the depot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct WarpPurchase {
    pub character_id: String,
    pub sector: SectorId,
    pub units: i64,
    pub price_per_unit: i64,
    pub total_cost: i64,
    pub timestamp: Timestamp,
}

/// `warp.transfer`: warp power moved between two ships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct WarpTransfer {
    pub from_character_id: String,
    pub to_character_id: String,
    pub sector: SectorId,
    pub units: i64,
    pub timestamp: Timestamp,
}

/// `port.reset`: every port back to its starting stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct PortReset {
    pub ports_reset: u32,
    pub timestamp: Timestamp,
}

/// `port.regenerated`: every port restocked by a fraction.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct PortRegenerated {
    pub ports_regenerated: u32,
    pub fraction: f64,
    pub timestamp: Timestamp,
}

/// `chat.message`: one chat message (`to_name` only on direct messages).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, JsonSchema)]
pub struct ChatMessage {
    pub id: i64,
    pub timestamp: Timestamp,
    #[serde(rename = "type")]
    pub message_type: String,
    pub from_name: String,
    pub content: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub to_name: Option<String>,
}
