//! The parts of the server's frames a simulated player reads. Every frame is first read as a
//! [`Head`] that borrows from the text and leaves the payload unparsed, so the many frames nobody
//! looks into (other players' joins, chat) cost one scan and no allocation.

use bang_components::api::Endpoint;
use bang_components::combat::FightEnd;
use bang_systems::chat::SendMessage;
use bang_systems::combat::endpoints::Act;
use bang_systems::trade::Trade;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A server frame: a reply (`frame_type` "rpc") or an event.
#[derive(Deserialize)]
pub(crate) struct Head<'a> {
    #[serde(borrow)]
    pub frame_type: Cow<'a, str>,
    #[serde(borrow, default)]
    pub id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub endpoint: Option<Cow<'a, str>>,
    #[serde(default)]
    pub ok: Option<bool>,
    #[serde(borrow, default)]
    pub event: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub payload: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub result: Option<&'a RawValue>,
    #[serde(default)]
    pub error: Option<ErrorBody>,
}

#[derive(Deserialize, Debug, Clone, Default)]
#[serde(default)]
pub(crate) struct ErrorBody {
    pub status: u16,
    pub detail: String,
    pub code: Option<String>,
}

/// The status payload (`join`, `move`, `my_status`, `status.update`), as far as players care.
#[derive(Deserialize, Debug, Clone, Default)]
#[serde(default)]
pub(crate) struct Status {
    pub sector: u32,
    pub sector_contents: Contents,
    pub ship: ShipView,
}

#[derive(Deserialize, Debug, Clone, Default)]
#[serde(default)]
pub(crate) struct Contents {
    pub port: Option<PortView>,
    pub other_players: Vec<Named>,
    pub garrisons: Vec<GarrisonView>,
    pub adjacent_sectors: Vec<u32>,
}

#[derive(Deserialize, Debug, Clone, Default)]
#[serde(default)]
pub(crate) struct PortView {
    pub code: String,
}

#[derive(Deserialize, Debug, Clone, Default)]
#[serde(default)]
pub(crate) struct Named {
    pub name: String,
}

#[derive(Deserialize, Debug, Clone, Default)]
#[serde(default)]
pub(crate) struct GarrisonView {
    pub owner_id: String,
    pub fighters: i64,
    pub mode: String,
}

#[derive(Deserialize, Debug, Clone, Default)]
#[serde(default)]
pub(crate) struct ShipView {
    pub ship_type: String,
    pub cargo: Cargo,
    pub cargo_capacity: i64,
    pub cargo_used: i64,
    pub warp_power: i64,
    pub fighters: i64,
    pub max_fighters: i64,
    pub credits: i64,
}

impl ShipView {
    pub fn is_pod(&self) -> bool {
        self.ship_type == "escape_pod"
    }

    /// Warp power one jump costs (the hull table of `components/src/ships.rs`).
    pub fn turns_per_warp(&self) -> i64 {
        match self.ship_type.as_str() {
            "escape_pod" => 1,
            "sparrow_scout" => 2,
            "atlas_hauler" | "bulwark_destroyer" | "pioneer_lifter" => 4,
            _ => 3,
        }
    }
}

#[derive(Deserialize, Debug, Clone, Copy, Default)]
#[serde(default)]
pub(crate) struct Cargo {
    pub fuel_ore: i64,
    pub organics: i64,
    pub equipment: i64,
}

impl Cargo {
    pub fn get(&self, commodity: &str) -> i64 {
        match commodity {
            "fuel_ore" => self.fuel_ore,
            "organics" => self.organics,
            "equipment" => self.equipment,
            _ => 0,
        }
    }
}

/// The commodities in the order of a port code's letters.
pub(crate) const COMMODITIES: [&str; 3] = ["fuel_ore", "organics", "equipment"];

/// `combat.started` and `combat.round_waiting`: the encounter.
#[derive(Deserialize, Debug, Clone, Default)]
#[serde(default)]
pub(crate) struct Encounter {
    pub combat_id: String,
    pub sector: u32,
    pub round: u32,
    pub participants: BTreeMap<String, Participant>,
    /// Who started it (`combat.started` only): the caller of `combat.initiate`, or the arrival
    /// that set a garrison off.
    pub initiator: Option<String>,
}

/// `character.moved` as others see it (the mover's own form has no `movement`).
#[derive(Deserialize, Debug, Clone, Default)]
#[serde(default)]
pub(crate) struct Moved {
    pub name: Option<String>,
    pub movement: Option<String>,
}

#[derive(Deserialize, Debug, Clone, Default)]
#[serde(default)]
pub(crate) struct Participant {
    pub combatant_type: String,
    pub fighters: i64,
    pub is_escape_pod: bool,
    pub owner: String,
    pub turns_per_warp: i64,
}

impl Participant {
    pub fn is_character(&self) -> bool {
        self.combatant_type == "character"
    }

    pub fn is_garrison(&self) -> bool {
        self.combatant_type == "garrison"
    }
}

/// `combat.round_resolved` and `combat.ended`.
#[derive(Deserialize, Debug, Clone, Default)]
#[serde(default)]
pub(crate) struct RoundResult {
    pub combat_id: String,
    pub round: u32,
    pub result: Option<String>,
    pub flee_results: BTreeMap<String, bool>,
    pub participants: BTreeMap<String, Participant>,
}

/// The reply to `combat.action`.
#[derive(Deserialize, Debug, Clone, Default)]
#[serde(default)]
pub(crate) struct ActionResult {
    pub pay_processed: Option<bool>,
}

/// The reply to `check_trade`.
#[derive(Deserialize, Debug, Clone, Default)]
#[serde(default)]
pub(crate) struct CheckTradeResult {
    pub can_trade: bool,
}

/// The reply to `server_status`.
#[derive(Deserialize, Debug, Clone, Default)]
#[serde(default)]
pub(crate) struct ServerStatus {
    pub sectors: u32,
}

pub(crate) fn parse<'a, T: Deserialize<'a> + Default>(raw: Option<&'a RawValue>) -> Option<T> {
    serde_json::from_str(raw?.get()).ok()
}

/// The end state's kind: `bob_defeated` → `defeated`, `bob_fled` → `fled`, others as they are.
pub(crate) fn end_kind(result: Option<&str>) -> String {
    match result.map(str::parse::<FightEnd>) {
        None => "none".into(),
        Some(Ok(FightEnd::Defeated(_))) => "defeated".into(),
        Some(Ok(FightEnd::Fled(_))) => "fled".into(),
        Some(Ok(end)) => end.to_string(),
        Some(Err(_)) => result.unwrap_or_default().to_string(),
    }
}

/// Whether an error reply is one of the refusals a player cannot foresee (races with other
/// players and with round deadlines), rather than a fault.
pub(crate) fn expected_refusal(endpoint: &str, e: &ErrorBody) -> bool {
    let d = e.detail.as_str();
    match e.status {
        409 => {
            d.starts_with("No opponents available")
                || e.code.as_deref() == Some("in_combat")
                || d.contains("during combat")
                || d.contains("during a fight")
                || d.starts_with("Round mismatch")
        }
        429 => endpoint == SendMessage::NAME,
        400 => endpoint == Trade::NAME,
        404 => {
            endpoint == Act::NAME
                && (d.starts_with("Target combatant not found")
                    || d.starts_with("Combat encounter not found"))
        }
        _ => false,
    }
}

/// An error detail with its numbers replaced by `N`, so counts group by kind of refusal.
pub(crate) fn detail_key(detail: &str) -> String {
    let mut out = String::with_capacity(detail.len().min(120));
    let mut in_number = false;
    for c in detail.chars().take(120) {
        if c.is_ascii_digit() {
            if !in_number {
                out.push('N');
            }
            in_number = true;
        } else {
            in_number = false;
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_borrow_and_skip_payloads() {
        let t = r#"{"frame_type":"event","event":"chat.message","payload":{"id":1,"content":"x"}}"#;
        let h: Head = serde_json::from_str(t).unwrap();
        assert_eq!(h.frame_type, "event");
        assert_eq!(h.event.as_deref(), Some("chat.message"));
        assert!(h.payload.is_some());
        let t = r#"{"frame_type":"rpc","id":"7","endpoint":"move","ok":false,"error":{"status":409,"detail":"No opponents available to engage","code":"x"}}"#;
        let h: Head = serde_json::from_str(t).unwrap();
        assert_eq!(h.id.as_deref(), Some("7"));
        let e = h.error.unwrap();
        assert!(expected_refusal("combat.initiate", &e));
        assert!(!expected_refusal(
            "move",
            &ErrorBody {
                status: 500,
                ..e.clone()
            }
        ));
    }

    #[test]
    fn details_group_numbers() {
        assert_eq!(
            detail_key("Port only has 12 units of fuel_ore"),
            "Port only has N units of fuel_ore"
        );
        assert_eq!(end_kind(Some("p-1_defeated")), "defeated");
        assert_eq!(end_kind(Some("stalemate")), "stalemate");
    }
}
