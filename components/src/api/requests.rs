//! Typed RPC requests (each endpoint names its own in its declaration, see `endpoint.rs`). The
//! network thread turns a frame's `payload` into one of these; wrong JSON types fail there (422
//! naming the field). Presence ("falsy" = missing, as the reference treats
//! it) and game-state checks happen in the systems, in the reference's order, so the first
//! failure a client sees is the one the reference would report.

use schemars::JsonSchema;
use serde::Deserialize;

pub use super::fields::{IntArg, MAX_ID_LEN, MAX_SHORT_TEXT, Validate, given};
use super::fields::{check_len, check_name};

/// `join`: create or load a character and place it in the world.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct JoinRequest {
    pub character_id: Option<String>,
    /// A hull from the ship table (case-insensitive); only used for a brand-new character.
    pub ship_type: Option<String>,
    /// Overrides the credit balance (≥ 0).
    pub credits: Option<i64>,
    /// Start sector for a new character, or a teleport target for a known one.
    pub sector: Option<i64>,
    /// The character's token, when the server requires character tokens.
    pub token: Option<String>,
}

impl Validate for JoinRequest {
    fn validate(&self) -> Result<(), String> {
        check_name("character_id", &self.character_id, MAX_ID_LEN)?;
        check_len("ship_type", &self.ship_type, MAX_SHORT_TEXT)?;
        check_len("token", &self.token, 256)
    }
}

/// Endpoints that only name a character (`my_status`, `my_map`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct CharacterRequest {
    pub character_id: Option<String>,
}

impl Validate for CharacterRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("character_id", &self.character_id, MAX_ID_LEN)
    }
}

/// `move`: jump to an adjacent sector.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct MoveRequest {
    pub character_id: Option<String>,
    pub to_sector: Option<IntArg>,
    /// Legacy alias of `to_sector`, used only when `to_sector` is absent or null.
    pub to: Option<IntArg>,
}

impl Validate for MoveRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("character_id", &self.character_id, MAX_ID_LEN)
    }
}

/// `plot_course`: shortest path over the whole universe.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct PlotCourseRequest {
    pub from_sector: Option<i64>,
    pub to_sector: Option<i64>,
}

impl Validate for PlotCourseRequest {
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

/// `local_map`: the part of the map a character knows around a sector.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct LocalMapRequest {
    pub character_id: Option<String>,
    pub max_hops: Option<IntArg>,
    /// Wins over `max_hops` when present.
    pub max_sectors: Option<IntArg>,
    pub current_sector: Option<i64>,
}

impl Validate for LocalMapRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("character_id", &self.character_id, MAX_ID_LEN)
    }
}

/// `check_trade` and `trade`: buy from or sell to the port in the character's sector.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct TradeRequest {
    pub character_id: Option<String>,
    /// `fuel_ore`, `organics` or `equipment`.
    pub commodity: Option<String>,
    /// Units, a positive integer.
    pub quantity: Option<i64>,
    /// `buy` (from the port) or `sell` (to the port).
    pub trade_type: Option<String>,
}

impl Validate for TradeRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("character_id", &self.character_id, MAX_ID_LEN)?;
        check_len("commodity", &self.commodity, MAX_SHORT_TEXT)?;
        check_len("trade_type", &self.trade_type, MAX_SHORT_TEXT)
    }
}

/// `recharge_warp_power`: buy warp power at the sector-0 depot.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct RechargeWarpPowerRequest {
    pub character_id: Option<String>,
    pub units: Option<i64>,
}

impl Validate for RechargeWarpPowerRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("character_id", &self.character_id, MAX_ID_LEN)
    }
}

/// `transfer_warp_power`: give warp power to a character in the same sector.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct TransferWarpPowerRequest {
    pub from_character_id: Option<String>,
    pub to_character_id: Option<String>,
    pub units: Option<i64>,
}

impl Validate for TransferWarpPowerRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("from_character_id", &self.from_character_id, MAX_ID_LEN)?;
        check_len("to_character_id", &self.to_character_id, MAX_ID_LEN)
    }
}

/// Operator endpoints without arguments (`reset_ports`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct AdminRequest {
    /// Required once the server config sets an admin token.
    pub admin_token: Option<String>,
}

impl Validate for AdminRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("admin_token", &self.admin_token, 256)
    }
}

/// `regenerate_ports`: restock every port by a fraction of its capacity.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct RegeneratePortsRequest {
    /// 0.0 – 1.0; default 0.25.
    pub fraction: Option<f64>,
    pub admin_token: Option<String>,
}

impl Validate for RegeneratePortsRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("admin_token", &self.admin_token, 256)
    }
}

/// `send_message`: broadcast or direct chat.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct SendMessageRequest {
    pub character_id: Option<String>,
    /// `broadcast` or `direct`.
    #[serde(rename = "type")]
    pub message_type: Option<String>,
    pub content: Option<String>,
    /// The recipient's name (direct messages).
    pub to_name: Option<String>,
}

impl Validate for SendMessageRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("character_id", &self.character_id, MAX_ID_LEN)?;
        check_len("type", &self.message_type, MAX_SHORT_TEXT)?;
        check_len("to_name", &self.to_name, MAX_ID_LEN)?;
        // Content length is a game rule (balance, 400); this only bounds what is decoded.
        check_len("content", &self.content, 16_384)
    }
}

/// The `identify` control frame: bind a character id and/or name to the connection.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct IdentifyRequest {
    pub character_id: Option<String>,
    pub name: Option<String>,
}

impl Validate for IdentifyRequest {
    fn validate(&self) -> Result<(), String> {
        check_name("character_id", &self.character_id, MAX_ID_LEN)?;
        check_name("name", &self.name, MAX_ID_LEN)
    }
}

/// The `subscribe` control frame (`status.update` or `chat.message`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct SubscribeRequest {
    pub event: Option<String>,
    pub character_id: Option<String>,
    pub name: Option<String>,
}

impl Validate for SubscribeRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("event", &self.event, MAX_SHORT_TEXT)?;
        check_len("character_id", &self.character_id, MAX_ID_LEN)?;
        check_len("name", &self.name, MAX_ID_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(json: &str) -> IntArg {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn int_args_accept_integers_and_digit_strings_only() {
        assert_eq!(arg("5"), IntArg::Int(5));
        assert_eq!(arg("-3"), IntArg::Int(-3));
        assert_eq!(arg("5.0"), IntArg::Int(5));
        assert_eq!(arg("\" 42 \""), IntArg::Int(42));
        assert_eq!(arg("5.5"), IntArg::Invalid);
        assert_eq!(arg("\"abc\""), IntArg::Invalid);
        assert_eq!(arg("true"), IntArg::Invalid);
        assert_eq!(arg("[1,2]"), IntArg::Invalid);
        assert_eq!(arg("{\"a\":1}"), IntArg::Invalid);
        assert_eq!(arg("18446744073709551615"), IntArg::Invalid);
    }

    #[test]
    fn over_long_ids_are_refused_naming_the_field() {
        let req = CharacterRequest {
            character_id: Some("x".repeat(MAX_ID_LEN + 1)),
        };
        assert!(req.validate().unwrap_err().contains("character_id"));
        let ok = CharacterRequest {
            character_id: Some("é".repeat(MAX_ID_LEN)),
        };
        assert!(ok.validate().is_ok());
    }
}
