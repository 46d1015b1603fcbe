//! `leaderboard.resources` (the 2026-01 release's), and what bang adds to it: every player's
//! wealth (credits in the bank and aboard, its ship at trade-in value, its garrisons' fighters at
//! shipyard price), territory (sectors its garrisons hold), trading (credits that changed hands
//! at ports) and exploration; every corporation's wealth. Ranked by wealth.

use crate::time::Timestamp;
use schemars::JsonSchema;
use serde::Serialize;

/// One player's standing.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct PlayerStanding {
    pub name: String,
    pub bank_credits: i64,
    pub ship_credits: i64,
    pub ship_trade_in_value: i64,
    pub ship_count: u32,
    pub garrison_fighter_value: i64,
    pub sectors_visited: u32,
    /// Of the universe, to two decimals.
    pub exploration_percent: f64,
    /// The wealth: bank + aboard + trade-in + garrison fighters.
    pub total_resources: i64,
    /// (bang) Sectors its garrisons hold.
    pub garrisoned_sectors: u32,
    /// (bang) Credits paid and received at ports.
    pub trade_volume: i64,
    /// 1 for the wealthiest.
    pub rank: usize,
}

/// A member as its corporation's standing lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct MemberStanding {
    pub name: String,
    pub total_resources: i64,
}

/// One corporation's standing: its members' wealth and its fleet's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CorporationStanding {
    pub corp_id: String,
    pub name: String,
    pub member_count: usize,
    pub members: Vec<MemberStanding>,
    pub corp_ship_count: usize,
    pub corp_ship_credits: i64,
    pub corp_ship_trade_in_value: i64,
    pub member_total_resources: i64,
    pub total_resources: i64,
    pub rank: usize,
}

/// The leaderboard as last built (at most a refresh interval old).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Leaderboard {
    pub schema_version: u32,
    pub as_of: Timestamp,
    pub sector_count: u32,
    pub players: Vec<PlayerStanding>,
    pub corporations: Vec<CorporationStanding>,
}
