//! Corporations as the 2026-01 dialect shows them: the replies of `corporation.*`,
//! `my.corporation` and a corporation's `ship.purchase`, and the `corporation.*` events.

use super::PerCommodity;
use crate::ships::ShipType;
use crate::time::Timestamp;
use crate::universe::SectorId;
use schemars::JsonSchema;
use serde::Serialize;

/// `corporation.create`'s reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CorporationCreated {
    pub success: bool,
    pub corp_id: String,
    pub name: String,
    pub invite_code: String,
    pub founder_id: String,
    pub member_count: usize,
}

/// `corporation.join`'s reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CorporationJoined {
    pub success: bool,
    pub corp_id: String,
    pub name: String,
    pub member_count: usize,
}

/// `corporation.regenerate_invite_code`'s reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct InviteCodeRegenerated {
    pub success: bool,
    pub new_invite_code: String,
}

/// A corporation as anyone may see it (`corporation.list`, `corporation.info` to outsiders).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CorporationPublic {
    pub corp_id: String,
    pub name: String,
    pub founded: Timestamp,
    pub member_count: usize,
}

/// A member as the corporation lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct MemberView {
    pub character_id: String,
    pub name: String,
}

/// One of a corporation's ships as its members see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CorporationShipView {
    pub ship_id: String,
    pub ship_type: ShipType,
    pub name: String,
    pub sector: SectorId,
    /// Always `corporation`.
    pub owner_type: &'static str,
    /// Whether a member can fly it now (in bang, always: the ship's character exists).
    pub control_ready: bool,
    pub cargo: PerCommodity<i64>,
    pub cargo_capacity: i64,
    pub warp_power: i64,
    pub warp_power_capacity: i64,
    pub shields: i64,
    pub max_shields: i64,
    pub fighters: i64,
    pub max_fighters: i64,
}

/// A corporation as its members see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CorporationView {
    #[serde(flatten)]
    pub public: CorporationPublic,
    pub founder_id: String,
    pub invite_code: String,
    pub invite_code_generated: Timestamp,
    pub invite_code_generated_by: String,
    pub members: Vec<MemberView>,
    pub ships: Vec<CorporationShipView>,
    /// When the asking member joined (`my.corporation` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub joined_at: Option<Timestamp>,
}

/// `corporation.info`'s reply: everything to a member, the public part to anyone else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum CorporationInfo {
    Member(Box<CorporationView>),
    Public(CorporationPublic),
}

/// `corporation.info`'s reply with its `success`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CorporationInfoReply {
    pub success: bool,
    #[serde(flatten)]
    pub info: CorporationInfo,
}

/// `corporation.list`'s reply: largest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CorporationList {
    pub success: bool,
    pub corporations: Vec<CorporationPublic>,
}

/// `my.corporation`'s reply (`corporation` null outside one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct MyCorporation {
    pub success: bool,
    pub corporation: Option<Box<CorporationView>>,
}

/// The `corporation` block of a status, and of a player others see: its id and name, with the
/// member count (and, in a status, the joining date) for a member, not for a corporation's ship.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CorporationBrief {
    pub corp_id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_count: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub joined_at: Option<Timestamp>,
}

/// `ship.purchase`'s reply for a corporation's ship.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CorporationShipBought {
    pub success: bool,
    pub corp_id: String,
    pub ship_id: String,
    pub ship_type: ShipType,
    pub initial_ship_credits: i64,
    pub bank_after: i64,
}

/// `corporation.created`, to the founder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CorporationFounded {
    pub corp_id: String,
    pub name: String,
    pub invite_code: String,
    pub founder_id: String,
    pub timestamp: Timestamp,
}

/// `corporation.member_joined`, to every member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct MemberJoined {
    pub corp_id: String,
    pub name: String,
    pub member_id: String,
    pub member_name: String,
    pub member_count: usize,
    pub timestamp: Timestamp,
}

/// `corporation.invite_code_regenerated`, to every member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct InviteCodeChanged {
    pub corp_id: String,
    pub name: String,
    pub new_invite_code: String,
    pub generated_by: String,
    pub timestamp: Timestamp,
}

/// `corporation.member_left`, to the members who stay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct MemberLeft {
    pub corp_id: String,
    pub corp_name: String,
    pub departed_member_id: String,
    pub departed_member_name: String,
    pub member_count: usize,
    pub timestamp: Timestamp,
}

/// `corporation.member_kicked`, to the members who stay and the one kicked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct MemberKicked {
    pub corp_id: String,
    pub corp_name: String,
    pub kicked_member_id: String,
    pub kicked_member_name: String,
    pub kicker_id: String,
    pub kicker_name: String,
    pub member_count: usize,
    pub timestamp: Timestamp,
}

/// `corporation.disbanded`, to the last member as it leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Disbanded {
    pub corp_id: String,
    pub corp_name: String,
    /// `last_member_left`.
    pub reason: &'static str,
    pub timestamp: Timestamp,
}

/// A ship a disbanded corporation left behind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct AbandonedShip {
    pub ship_id: String,
    pub ship_type: ShipType,
    pub sector: SectorId,
}

/// `corporation.ships_abandoned`, after `corporation.disbanded` when it had ships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ShipsAbandoned {
    pub corp_id: String,
    pub corp_name: String,
    pub ships: Vec<AbandonedShip>,
    pub timestamp: Timestamp,
}

/// `corporation.ship_purchased`, to every member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CorporationShipPurchased {
    pub corp_id: String,
    pub ship_id: String,
    pub ship_type: ShipType,
    pub ship_name: Option<String>,
    pub purchase_price: u64,
    pub buyer_id: String,
    pub buyer_name: String,
    pub sector: SectorId,
    pub timestamp: Timestamp,
}
