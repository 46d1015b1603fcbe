//! Wire types of combat, garrisons and salvage: requests, results and event payloads. Combat
//! payloads are a superset of the reference's and the seed's forms (both name sets are sent), so
//! clients written against either read them.

use super::fields::{IntArg, MAX_ID_LEN, MAX_SHORT_TEXT, Validate, check_len};
use crate::combat::{FightEnd, RoundLosses, RoundStanding};
use crate::ships::ShipType;
use crate::time::Timestamp;
use crate::universe::SectorId;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::sync::Arc;

pub const COMBAT_STARTED: &str = "combat.started";
pub const COMBAT_ROUND_WAITING: &str = "combat.round_waiting";
pub const COMBAT_ROUND_RESOLVED: &str = "combat.round_resolved";
pub const COMBAT_ENDED: &str = "combat.ended";
pub const SECTOR_GARRISON_UPDATED: &str = "sector.garrison_updated";

/// A participant in every combat payload: the seed's names and the reference's short ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ParticipantView {
    pub combatant_id: String,
    pub combatant_type: String,
    /// Same as `combatant_type` (the reference's name).
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub fighters: i64,
    pub shields: i64,
    pub max_fighters: i64,
    pub max_shields: i64,
    pub turns_per_warp: i64,
    pub is_escape_pod: bool,
    pub owner_character_id: String,
    /// Same as `owner_character_id` (the reference's name).
    pub owner: String,
    pub ship_type: Option<ShipType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fighters_delta: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shields_delta: Option<i64>,
}

/// An action in round payloads and logs (`target` and `target_id` carry the same value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ActionView {
    pub action: String,
    pub commit: i64,
    pub timed_out: bool,
    pub submitted_at: Timestamp,
    pub target: Option<String>,
    pub target_id: Option<String>,
    pub destination_sector: Option<SectorId>,
}

/// The encounter form: `combat.started`, `combat.round_waiting`, `combat.initiate`, `combat.status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct EncounterView {
    pub combat_id: String,
    pub sector: SectorId,
    pub round: u32,
    pub deadline: Timestamp,
    pub participants: IndexMap<String, ParticipantView>,
}

/// `combat.started` and the `combat.initiate` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CombatStarted {
    #[serde(flatten)]
    pub encounter: EncounterView,
    pub initiator: Option<String>,
    pub target: Option<String>,
    pub target_type: Option<String>,
}

/// One resolved round as history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct RoundLogView {
    pub round: u32,
    pub actions: BTreeMap<String, ActionView>,
    #[serde(flatten)]
    pub losses: RoundLosses,
    pub result: Option<FightEnd>,
    pub timestamp: Timestamp,
}

/// A salvage container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SalvageView {
    pub salvage_id: String,
    pub sector: SectorId,
    pub victor_id: Option<String>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub cargo: BTreeMap<String, i64>,
    pub scrap: i64,
    pub credits: i64,
    pub claimed: bool,
    pub claimed_by: Option<String>,
    pub metadata: SalvageMetadata,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SalvageMetadata {
    pub loser: String,
    pub ship_type: ShipType,
    pub combat_id: String,
}

/// `combat.round_resolved` and `combat.ended` (and the `outcome` of `combat.action`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct RoundPayload {
    pub combat_id: String,
    pub round: u32,
    #[serde(flatten)]
    pub losses: RoundLosses,
    #[serde(flatten)]
    pub standing: RoundStanding,
    /// Whether the fight ended with this round (the seed's boolean).
    pub end: bool,
    /// The terminal result, or null while the fight goes on.
    pub result: Option<FightEnd>,
    /// The next round's deadline while the fight goes on; this round's once it ended.
    pub deadline: Timestamp,
    pub participants: IndexMap<String, ParticipantView>,
    pub actions: BTreeMap<String, ActionView>,
    pub sector: SectorId,
    /// Every round so far, this one included.
    #[schemars(with = "Vec<RoundLogView>")]
    pub logs: RenderedLogs,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub salvage: Option<Vec<SalvageView>>,
}

/// Round logs (`RoundLogView`s) already rendered as JSON, each once, when its round resolved:
/// every round event carries the fight's whole history, and rendering it all again each round
/// cost the game loop more than resolving the round.
#[derive(Debug, Clone, Default)]
pub struct RenderedLogs(pub Vec<Arc<RawValue>>);

impl PartialEq for RenderedLogs {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self.0.iter().zip(&other.0).all(|(a, b)| a.get() == b.get())
    }
}

impl Eq for RenderedLogs {}

impl Serialize for RenderedLogs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for log in &self.0 {
            seq.serialize_element(&**log)?;
        }
        seq.end()
    }
}

/// A garrison as the store and `sector.garrison_updated` show it; sector contents add `is_friendly`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct GarrisonView {
    pub owner_id: String,
    pub fighters: i64,
    pub mode: String,
    pub toll_amount: i64,
    pub toll_balance: i64,
    pub deployed_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_friendly: Option<bool>,
}

/// `sector.garrison_updated`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct GarrisonUpdated {
    pub sector: SectorId,
    pub garrisons: Vec<GarrisonView>,
}

/// `combat.action` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CombatActionResult {
    pub accepted: bool,
    pub combat_id: String,
    pub round: u32,
    pub ended: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pay_processed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub round_resolved: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<RoundPayload>,
}

/// `combat.status` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CombatStatusResult {
    #[serde(flatten)]
    pub encounter: EncounterView,
    pub ended: bool,
    pub end_state: Option<FightEnd>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logs: Option<Vec<RoundLogView>>,
}

/// `combat.leave_fighters` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct LeaveFightersResult {
    pub sector: SectorId,
    pub garrison: GarrisonView,
    pub fighters_remaining: i64,
}

/// `combat.collect_fighters` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CollectFightersResult {
    pub sector: SectorId,
    pub credits_collected: i64,
    pub garrison: Option<GarrisonView>,
    pub fighters_on_ship: i64,
}

/// `combat.set_garrison_mode` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SetGarrisonModeResult {
    pub sector: SectorId,
    pub garrison: GarrisonView,
}

/// What one claim took out of a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema, Default)]
pub struct Loot {
    pub cargo: BTreeMap<String, i64>,
    pub scrap: i64,
    pub credits: i64,
}

/// `salvage.collect` result: the container after the claim, the claimer's totals, and the loot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SalvageCollectResult {
    pub salvage: SalvageView,
    pub cargo: super::cargo::Cargo,
    pub credits: i64,
    pub collected: Loot,
    /// True when the container still holds what did not fit in the holds.
    pub remaining: bool,
}

/// `combat.initiate`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct CombatInitiateRequest {
    pub character_id: Option<String>,
    pub target_id: Option<String>,
    pub target_type: Option<String>,
}

impl Validate for CombatInitiateRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("character_id", &self.character_id, MAX_ID_LEN)?;
        check_len("target_id", &self.target_id, MAX_ID_LEN + 32)?;
        check_len("target_type", &self.target_type, MAX_SHORT_TEXT)
    }
}

/// `combat.action`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct CombatActionRequest {
    pub character_id: Option<String>,
    pub combat_id: Option<String>,
    /// `attack`, `brace`, `flee` or `pay` (case-insensitive).
    pub action: Option<String>,
    pub commit: Option<i64>,
    pub target_id: Option<String>,
    pub to_sector: Option<IntArg>,
    /// Legacy alias of `to_sector`.
    pub to: Option<IntArg>,
    /// The round the client believes is open.
    pub round: Option<i64>,
}

impl Validate for CombatActionRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("character_id", &self.character_id, MAX_ID_LEN)?;
        check_len("combat_id", &self.combat_id, MAX_SHORT_TEXT)?;
        check_len("action", &self.action, MAX_SHORT_TEXT)?;
        check_len("target_id", &self.target_id, MAX_ID_LEN + 32)
    }
}

/// `combat.status`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct CombatStatusRequest {
    pub combat_id: Option<String>,
    pub character_id: Option<String>,
    pub include_logs: Option<bool>,
}

impl Validate for CombatStatusRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("combat_id", &self.combat_id, MAX_SHORT_TEXT)?;
        check_len("character_id", &self.character_id, MAX_ID_LEN)
    }
}

/// `combat.leave_fighters`, `combat.collect_fighters` and `combat.set_garrison_mode`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct GarrisonRequest {
    pub character_id: Option<String>,
    pub sector: Option<i64>,
    /// Fighters to deploy or collect.
    pub quantity: Option<i64>,
    /// `offensive`, `defensive` or `toll`.
    pub mode: Option<String>,
    pub toll_amount: Option<i64>,
}

impl Validate for GarrisonRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("character_id", &self.character_id, MAX_ID_LEN)?;
        check_len("mode", &self.mode, MAX_SHORT_TEXT)
    }
}

/// `salvage.collect`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct SalvageCollectRequest {
    pub character_id: Option<String>,
    pub salvage_id: Option<String>,
}

impl Validate for SalvageCollectRequest {
    fn validate(&self) -> Result<(), String> {
        check_len("character_id", &self.character_id, MAX_ID_LEN)?;
        check_len("salvage_id", &self.salvage_id, MAX_SHORT_TEXT)
    }
}
