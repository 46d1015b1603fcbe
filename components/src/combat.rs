//! Combat state: encounters, garrisons and salvage containers are entities with these components;
//! a character in a fight carries `InCombat`. All of it is plain, serialisable data so the store can
//! keep it and a restarted server can resume every fight where it stood.

use crate::ships::ShipType;
use crate::time::Timestamp;
use crate::universe::SectorId;
use bevy_ecs::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CombatantKind {
    Character,
    Garrison,
}

/// A member of an encounter: a snapshot taken when it joined, updated after every round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    /// The character id, or `garrison:{sector}:{owner}`.
    pub id: String,
    pub kind: CombatantKind,
    pub name: String,
    pub fighters: i64,
    pub shields: i64,
    pub max_fighters: i64,
    pub max_shields: i64,
    pub turns_per_warp: i64,
    pub is_escape_pod: bool,
    /// The character itself, or the garrison's owner.
    pub owner: String,
    pub ship_type: Option<ShipType>,
}

/// A combat action: what a participant does in a round. The one type for it, from the wire (its
/// name, case-insensitive) through the engine to the store and the sim's strategies.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum CombatAction {
    Attack,
    /// What a missing action becomes.
    #[default]
    Brace,
    Flee,
    Pay,
}

impl CombatAction {
    pub const ALL: [CombatAction; 4] = [
        CombatAction::Attack,
        CombatAction::Brace,
        CombatAction::Flee,
        CombatAction::Pay,
    ];

    pub fn wire_name(self) -> &'static str {
        match self {
            CombatAction::Attack => "attack",
            CombatAction::Brace => "brace",
            CombatAction::Flee => "flee",
            CombatAction::Pay => "pay",
        }
    }
}

impl std::fmt::Display for CombatAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.wire_name())
    }
}

/// A name that is no combat action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownAction;

impl std::str::FromStr for CombatAction {
    type Err = UnknownAction;

    /// Case-insensitive, as clients send it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CombatAction::ALL
            .into_iter()
            .find(|a| a.wire_name().eq_ignore_ascii_case(s))
            .ok_or(UnknownAction)
    }
}

/// How a round ended the fight. Spelled on the wire and in the store as the seed spells it:
/// `victory`, `mutual_defeat`, `stalemate`, `toll_satisfied`, `<id>_defeated`, `<id>_fled`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FightEnd {
    /// One side stands; several participants lost.
    Victory,
    /// Every side lost its fighters.
    MutualDefeat,
    /// The fight stops with nobody beaten: the others fled, or it could not go on.
    Stalemate,
    /// A toll was paid: the garrison lets the payer go.
    TollSatisfied,
    /// The one participant that lost.
    Defeated(String),
    /// A participant fled, and with it the fight ended.
    Fled(String),
}

impl FightEnd {
    /// The participant a `Defeated` or `Fled` names.
    pub fn participant(&self) -> Option<&str> {
        match self {
            FightEnd::Defeated(id) | FightEnd::Fled(id) => Some(id),
            _ => None,
        }
    }
}

impl std::fmt::Display for FightEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FightEnd::Victory => f.write_str("victory"),
            FightEnd::MutualDefeat => f.write_str("mutual_defeat"),
            FightEnd::Stalemate => f.write_str("stalemate"),
            FightEnd::TollSatisfied => f.write_str("toll_satisfied"),
            FightEnd::Defeated(id) => write!(f, "{id}_defeated"),
            FightEnd::Fled(id) => write!(f, "{id}_fled"),
        }
    }
}

impl std::str::FromStr for FightEnd {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "victory" => FightEnd::Victory,
            "mutual_defeat" => FightEnd::MutualDefeat,
            "stalemate" => FightEnd::Stalemate,
            "toll_satisfied" => FightEnd::TollSatisfied,
            _ => match (s.strip_suffix("_defeated"), s.strip_suffix("_fled")) {
                (Some(id), _) => FightEnd::Defeated(id.to_string()),
                (None, Some(id)) => FightEnd::Fled(id.to_string()),
                (None, None) => return Err(format!("unknown fight end: {s}")),
            },
        })
    }
}

impl Serialize for FightEnd {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FightEnd {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// On the wire it is a string.
impl schemars::JsonSchema for FightEnd {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        String::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        String::json_schema(generator)
    }

    fn inline_schema() -> bool {
        true
    }
}

/// An action submitted for the open round (or substituted for a missing one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAction {
    pub action: CombatAction,
    pub commit: i64,
    pub target: Option<String>,
    pub destination: Option<SectorId>,
    pub submitted_at: Timestamp,
    pub timed_out: bool,
}

/// What one round did to each participant, keyed by id: the one type for it, from the engine's
/// outcome through the stored history to every payload that shows a round (flattened there).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RoundLosses {
    /// Fighters of the other side each participant destroyed.
    pub hits: BTreeMap<String, i64>,
    /// Fighters each participant lost attacking.
    pub offensive_losses: BTreeMap<String, i64>,
    /// Fighters each participant lost to others' attacks.
    pub defensive_losses: BTreeMap<String, i64>,
    pub shield_loss: BTreeMap<String, i64>,
}

/// Where each participant stands after a round, keyed by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RoundStanding {
    pub fighters_remaining: BTreeMap<String, i64>,
    pub shields_remaining: BTreeMap<String, i64>,
    /// Whether each participant that tried to flee got away (false for the others).
    pub flee_results: BTreeMap<String, bool>,
}

/// One resolved round, as `combat.status` and the round events show history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundLog {
    pub round: u32,
    pub actions: BTreeMap<String, StoredAction>,
    #[serde(flatten)]
    pub losses: RoundLosses,
    pub result: Option<FightEnd>,
    pub timestamp: Timestamp,
}

/// A toll garrison's demand in one encounter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TollDemand {
    pub owner: String,
    pub toll_amount: i64,
    pub target: Option<String>,
    pub paid: bool,
    pub paid_round: Option<u32>,
    pub demand_round: u32,
    /// (payer, amount, round)
    pub payments: Vec<(String, i64, u32)>,
}

/// One fight in one sector.
#[derive(Component, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Encounter {
    pub combat_id: String,
    pub sector: SectorId,
    pub round: u32,
    pub deadline: Timestamp,
    pub base_seed: i64,
    /// In joining order.
    pub participants: Vec<Participant>,
    /// Stored apart from the encounter (one row per round), so saving a fight writes only what
    /// changed; still read from older rows that carried them.
    #[serde(default, skip_serializing)]
    pub logs: Vec<RoundLog>,
    pub initiator: Option<String>,
    pub created_at: Timestamp,
    pub reason: String,
    /// Toll demands by garrison combatant id.
    pub tolls: BTreeMap<String, TollDemand>,
    /// Every character that fled this fight (they still get its `combat.ended`).
    pub fled: Vec<String>,
    /// For each participant, the last participant whose shot hit it (credits go to its owner).
    pub last_hit_by: BTreeMap<String, String>,
    pub ended: bool,
    pub end_state: Option<FightEnd>,
}

impl Encounter {
    pub fn participant(&self, id: &str) -> Option<&Participant> {
        self.participants.iter().find(|p| p.id == id)
    }

    pub fn participant_mut(&mut self, id: &str) -> Option<&mut Participant> {
        self.participants.iter_mut().find(|p| p.id == id)
    }

    pub fn has(&self, id: &str) -> bool {
        self.participant(id).is_some()
    }
}

/// On a character taking part in an active encounter.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct InCombat(pub Entity);

/// The actions submitted for a fight's open round, by participant: a component of the
/// encounter's entity apart from `Encounter`, so that an action changes only this (the store then
/// writes one small row, not the whole fight).
#[derive(Component, Debug, Clone, Default, PartialEq)]
pub struct PendingActions(pub BTreeMap<String, StoredAction>);

/// Active encounters by sector (at most one per sector) and by id (active and recently ended).
#[derive(Resource, Debug, Default)]
pub struct EncounterIndex {
    pub by_sector: HashMap<SectorId, Entity>,
    pub by_id: HashMap<String, Entity>,
    /// Ended encounters kept for `combat.status`, oldest first (bounded).
    pub ended: std::collections::VecDeque<String>,
}

/// Ended encounters kept answerable by `combat.status`.
pub const ENDED_ENCOUNTERS_KEPT: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GarrisonMode {
    Offensive,
    Defensive,
    Toll,
}

impl GarrisonMode {
    pub fn parse(text: &str) -> Option<GarrisonMode> {
        match text.to_lowercase().as_str() {
            "offensive" => Some(GarrisonMode::Offensive),
            "defensive" => Some(GarrisonMode::Defensive),
            "toll" => Some(GarrisonMode::Toll),
            _ => None,
        }
    }
}

/// Fighters stationed in a sector by one owner.
#[derive(Component, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Garrison {
    pub sector: SectorId,
    pub owner: String,
    pub fighters: i64,
    pub mode: GarrisonMode,
    pub toll_amount: i64,
    pub toll_balance: i64,
    pub deployed_at: Timestamp,
}

impl Garrison {
    pub fn combatant_id(&self) -> String {
        format!("garrison:{}:{}", self.sector, self.owner)
    }
}

/// The garrison of each sector (at most one: a second owner is refused).
#[derive(Resource, Debug, Default)]
pub struct GarrisonIndex {
    pub by_sector: HashMap<SectorId, Entity>,
}

/// A container of loot left by a destroyed ship.
#[derive(Component, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Salvage {
    pub salvage_id: String,
    pub sector: SectorId,
    pub victor_id: Option<String>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// Commodity wire name → units.
    pub cargo: BTreeMap<String, i64>,
    pub scrap: i64,
    pub credits: i64,
    pub claimed: bool,
    pub claimed_by: Option<String>,
    pub loser: String,
    pub ship_type: ShipType,
    pub combat_id: String,
}

/// Salvage containers by id.
#[derive(Resource, Debug, Default)]
pub struct SalvageIndex {
    pub by_id: HashMap<String, Entity>,
}

/// Counters the combat rules keep for the server's metrics; the server drains them each update.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct CombatStats {
    pub rounds_resolved: u64,
    /// Rounds resolved by their deadline rather than by the last action.
    pub timeouts: u64,
    pub flee_attempts: u64,
    pub flee_successes: u64,
    pub garrison_deployments: u64,
    pub toll_payments: u64,
    pub toll_payments_failed: u64,
    /// Seconds each resolved round was open (game clock), since the last drain.
    pub round_durations: Vec<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fight_ends_keep_the_wire_spelling_both_ways() {
        let ends = [
            ("victory", FightEnd::Victory),
            ("mutual_defeat", FightEnd::MutualDefeat),
            ("stalemate", FightEnd::Stalemate),
            ("toll_satisfied", FightEnd::TollSatisfied),
            (
                "garrison:3:bob_defeated",
                FightEnd::Defeated("garrison:3:bob".into()),
            ),
            ("ann_fled", FightEnd::Fled("ann".into())),
            // An id may itself end like a suffix: only the last one counts.
            ("x_fled_defeated", FightEnd::Defeated("x_fled".into())),
        ];
        for (wire, end) in ends {
            assert_eq!(wire.parse::<FightEnd>().as_ref(), Ok(&end));
            assert_eq!(serde_json::to_string(&end).unwrap(), format!("\"{wire}\""));
            let back: FightEnd = serde_json::from_str(&format!("\"{wire}\"")).unwrap();
            assert_eq!(back, end);
        }
        assert!("draw".parse::<FightEnd>().is_err());
        assert!(serde_json::from_str::<FightEnd>("\"draw\"").is_err());
    }

    #[test]
    fn combat_actions_parse_case_insensitively_and_nothing_else() {
        assert_eq!("ATTACK".parse(), Ok(CombatAction::Attack));
        assert_eq!("Pay".parse(), Ok(CombatAction::Pay));
        assert_eq!(" brace".parse::<CombatAction>(), Err(UnknownAction));
        assert_eq!("retreat".parse::<CombatAction>(), Err(UnknownAction));
        for a in CombatAction::ALL {
            assert_eq!(a.to_string().parse(), Ok(a));
            assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{a}\""));
        }
    }

    #[test]
    fn garrison_ids_follow_the_reference_form() {
        let g = Garrison {
            sector: 42,
            owner: "pirate".into(),
            fighters: 1,
            mode: GarrisonMode::Toll,
            toll_amount: 0,
            toll_balance: 0,
            deployed_at: Timestamp(0),
        };
        assert_eq!(g.combatant_id(), "garrison:42:pirate");
        assert_eq!(GarrisonMode::parse("TOLL"), Some(GarrisonMode::Toll));
        assert_eq!(GarrisonMode::parse("nice"), None);
    }
}
