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
}
