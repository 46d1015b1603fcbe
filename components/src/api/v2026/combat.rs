//! Combat as the 2026-01 dialect shows it: each participant is told the fight from where it
//! stands (its own ship in full, the others by name, hull and shield integrity), the garrison as
//! one object, and its own actions acknowledged by `combat.action_accepted`; the replies of the
//! combat endpoints and the `garrison.*` events of the garrison ones.

use super::{GarrisonPublic, PerCommodity, SectorRef, ShipSelf, Source};
use crate::combat::FightEnd;
use crate::ships::ShipType;
use crate::time::Timestamp;
use crate::universe::SectorId;
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeMap;

/// A ship in a fight as the others see it. Percentages are of the hull's full shields.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct CombatShip {
    pub ship_type: ShipType,
    pub ship_name: String,
    pub shield_integrity: f64,
    /// Shield change this round, in percent (negative: damage); null when none.
    pub shield_damage: Option<f64>,
    /// Fighters lost this round; null when none.
    pub fighter_loss: Option<i64>,
}

/// A character in a fight (garrisons are told apart, as `garrison`).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Combatant {
    pub created_at: Timestamp,
    /// Display name.
    pub name: String,
    pub player_type: &'static str,
    pub ship: CombatShip,
}

/// The garrison in a fight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CombatGarrison {
    /// The owner's character id (that release named it so).
    pub owner_name: String,
    pub fighters: i64,
    pub fighter_loss: Option<i64>,
    pub mode: String,
    pub toll_amount: i64,
    pub deployed_at: Timestamp,
}

/// `combat.round_waiting`, to one participant.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct RoundWaiting {
    pub combat_id: String,
    pub sector: SectorRef,
    pub round: u32,
    pub current_time: Timestamp,
    pub deadline: Timestamp,
    pub participants: Vec<Combatant>,
    pub garrison: Option<CombatGarrison>,
    /// Round 1 only: who started the fight (display name; null for a garrison's own attack).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initiator: Option<Option<String>>,
    /// The viewer's own ship, with the fight's numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ship: Option<Box<ShipSelf>>,
}

/// An action as round payloads list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct RoundAction {
    pub action: String,
    pub commit: i64,
    pub timed_out: bool,
    pub submitted_at: Timestamp,
    pub target: Option<String>,
    pub destination_sector: Option<SectorId>,
}

/// `combat.round_resolved` and `combat.ended`, to one participant.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct RoundTold {
    pub combat_id: String,
    pub sector: SectorRef,
    pub round: u32,
    pub hits: BTreeMap<String, i64>,
    pub offensive_losses: BTreeMap<String, i64>,
    pub defensive_losses: BTreeMap<String, i64>,
    pub shield_loss: BTreeMap<String, i64>,
    pub flee_results: BTreeMap<String, bool>,
    /// How the fight ended with this round, or null while it goes on.
    pub end: Option<FightEnd>,
    pub result: Option<FightEnd>,
    pub deadline: Timestamp,
    pub actions: BTreeMap<String, RoundAction>,
    pub participants: Vec<Combatant>,
    pub garrison: Option<CombatGarrison>,
    /// `combat.ended` only: what the fight left behind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub salvage: Option<Vec<SalvageTold>>,
    /// `combat.ended` only (that release always sent it empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logs: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ship: Option<Box<ShipSelf>>,
}

/// `combat.ended` to a ship that fled, as it leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct FledFight {
    pub combat_id: String,
    /// Where it fled from.
    pub sector: SectorRef,
    /// Always `fled`.
    pub result: &'static str,
    pub round: u32,
    pub fled_to_sector: SectorId,
    pub salvage: Vec<SalvageTold>,
}

/// Where salvage came from: the wreck's name and hull, never its pilot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SalvageSource {
    pub ship_name: String,
    pub ship_type: ShipType,
}

/// A salvage container as that release shows it (no victor, no claimant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SalvageTold {
    pub salvage_id: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub cargo: PerCommodity<i64>,
    pub scrap: i64,
    pub credits: i64,
    pub claimed: bool,
    pub source: SalvageSource,
    pub metadata: BTreeMap<String, String>,
}

/// `combat.action_accepted`, to the one who acted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ActionAccepted {
    pub source: Source,
    pub combat_id: String,
    /// The round open after the action (the next one, if it resolved the round).
    pub round: u32,
    pub action: String,
    pub round_resolved: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_sector: Option<SectorId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pay_processed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The fight in a `garrison.combat_alert`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct AlertFight {
    pub combat_id: String,
    pub round: u32,
    pub initiator_id: Option<String>,
    pub initiator_name: Option<String>,
    pub reason: String,
}

/// The garrison in a `garrison.combat_alert`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct AlertGarrison {
    pub owner_id: String,
    pub owner_name: String,
    pub corporation_id: Option<String>,
    pub mode: String,
    pub fighters: i64,
    pub toll_amount: i64,
    pub deployed_at: Timestamp,
}

/// The mover in a `garrison.character_moved`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct MoverRef {
    pub id: String,
    pub name: String,
}

/// `garrison.character_moved`: someone arrived at or left a sector where a corporation member's
/// garrison stands; to the owner and its corporation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct GarrisonCharacterMoved {
    pub player: MoverRef,
    pub ship: super::ShipPublic,
    pub timestamp: Timestamp,
    pub move_type: crate::api::events::MoveType,
    /// The mover's id (that release's older key).
    pub name: String,
    pub ship_type: crate::ships::ShipType,
    pub movement: crate::api::events::Movement,
    pub garrison: AlertGarrison,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct AlertMeta {
    pub alert_type: &'static str,
}

/// `garrison.combat_alert`: a garrison was drawn into a fight; told once per fight to its
/// owner and the owner's corporation members online.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct GarrisonCombatAlert {
    pub source: Source,
    pub sector: SectorRef,
    pub combat: AlertFight,
    pub garrison: AlertGarrison,
    pub summary: String,
    pub meta: AlertMeta,
}

/// `combat.initiate`'s and `combat.action`'s reply: the fight's id (the rest is told as events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CombatReply {
    pub success: bool,
    pub combat_id: String,
}

/// `garrison.deployed`: fighters left in a sector, told to their owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct GarrisonDeployed {
    pub source: Source,
    pub sector: SectorRef,
    pub garrison: Option<GarrisonPublic>,
    pub fighters_remaining: i64,
}

/// `garrison.collected`: fighters (and the toll they banked) taken back aboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct GarrisonCollected {
    pub source: Source,
    pub sector: SectorRef,
    pub credits_collected: i64,
    /// None once the last fighter is aboard.
    pub garrison: Option<GarrisonPublic>,
    pub fighters_on_ship: i64,
}

/// `garrison.mode_changed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct GarrisonModeChanged {
    pub source: Source,
    pub sector: SectorRef,
    pub garrison: Option<GarrisonPublic>,
}
