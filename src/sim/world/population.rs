//! A world run's population file (TOML): how long the run lasts, how often it is sampled, and
//! the groups of scripted players, each with a behaviour and its parameters.

use crate::sim::scenario::{StrategyKind, StrategySpec};
use bang_components::ships::ShipCatalog;
use serde::{Deserialize, Serialize};

/// Why a population file was refused.
#[derive(Debug, thiserror::Error)]
pub enum PopulationError {
    #[error("{0}")]
    Toml(#[from] toml::de::Error),
    #[error("hours must be in (0, 8760]")]
    Hours,
    #[error("sample_minutes must be at least 1 and at most the run's length")]
    SampleMinutes,
    #[error("rules must be \"2025-10\" or \"2026-01\"")]
    Rules,
    #[error("a population needs at least one group with players")]
    NoPlayers,
    #[error("at most 100000 players")]
    TooManyPlayers,
    #[error("group {0:?}: think_secs must be [low, high] with 1 <= low <= high <= 86400")]
    Think(String),
    #[error("group {group:?}: unknown ship_type {ship_type:?} under these rules")]
    ShipType { group: String, ship_type: String },
    #[error("group {0:?}: credits must be 0..=10^12")]
    Credits(String),
    #[error("group {0:?}: two groups have this name")]
    DuplicateName(String),
    #[error("group {group:?}: {why}")]
    Behaviour { group: String, why: &'static str },
}

/// The whole file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Population {
    pub name: String,
    /// Simulated hours.
    #[serde(default = "a_day")]
    pub hours: f64,
    /// Simulated minutes between two samples of the time series.
    #[serde(default = "half_an_hour")]
    pub sample_minutes: f64,
    /// The world's rules: "2025-10" (the seed's) or "2026-01" (hyperspace travel, that
    /// release's hulls, fighters for sale, corporations).
    #[serde(default = "seed_rules")]
    pub rules: String,
    pub groups: Vec<Group>,
}

fn a_day() -> f64 {
    24.0
}
fn half_an_hour() -> f64 {
    30.0
}
fn seed_rules() -> String {
    "2025-10".into()
}

/// Players who share a behaviour.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Shown in the report (default: the behaviour's kind). Characters are `{name}-{n}`.
    #[serde(default)]
    pub name: Option<String>,
    pub count: u32,
    /// Hull (default: the rules' starting hull).
    #[serde(default)]
    pub ship_type: Option<String>,
    /// Starting credits (default: the game's starting purse).
    #[serde(default)]
    pub credits: Option<i64>,
    /// Simulated seconds a player takes between two actions, drawn uniformly from [low, high].
    #[serde(default = "think")]
    pub think_secs: [f64; 2],
    /// How the player fights each round (the `bang sim` strategies).
    #[serde(default = "runner")]
    pub combat: StrategySpec,
    /// Whether the player pays a toll garrison's demand rather than fight it.
    #[serde(default = "yes")]
    pub pays_tolls: bool,
    pub behaviour: Behaviour,
}

fn think() -> [f64; 2] {
    [20.0, 60.0]
}
fn runner() -> StrategySpec {
    StrategySpec {
        kind: StrategyKind::Runner,
        commit: None,
        commit_fraction: 0.5,
        flee_below: 0.5,
    }
}
fn yes() -> bool {
    true
}

/// What a player does when not fighting.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Behaviour {
    /// Buys where a commodity is sold and carries it to the port within `horizon` jumps that
    /// pays the most per jump; keeps `reserve` credits back, and the price of half a tank of
    /// warp power.
    Trader {
        #[serde(default = "horizon")]
        horizon: u32,
        #[serde(default)]
        reserve: i64,
    },
    /// Wanders to sectors it has not seen; at a port, trades as a trader would (within
    /// `horizon`) with chance `trade_chance`, and sells what it carries where a port buys it.
    Explorer {
        #[serde(default = "a_third")]
        trade_chance: f64,
        #[serde(default = "horizon")]
        horizon: u32,
    },
    /// Roams where ports are; attacks a lone player in its sector with chance `aggression`
    /// while it has at least `min_fighters`; collects salvage it finds.
    Pirate {
        #[serde(default = "half")]
        aggression: f64,
        #[serde(default = "min_fighters")]
        min_fighters: i64,
    },
    /// Stations `fighters` as a toll garrison (demanding `toll`) at a port sector near its start,
    /// trades nearby, and goes back every `collect_every_minutes` to take the tolls.
    GarrisonOwner {
        fighters: i64,
        toll: i64,
        #[serde(default = "an_hour")]
        collect_every_minutes: f64,
        #[serde(default = "horizon")]
        horizon: u32,
    },
    /// Traders in corporations of `size`: the first of each founds it once it can pay for it,
    /// the others join; all trade as `trader` does.
    Corporation {
        size: u32,
        #[serde(default = "horizon")]
        horizon: u32,
        #[serde(default)]
        reserve: i64,
    },
}

fn horizon() -> u32 {
    6
}
fn a_third() -> f64 {
    1.0 / 3.0
}
fn half() -> f64 {
    0.5
}
fn min_fighters() -> i64 {
    50
}
fn an_hour() -> f64 {
    60.0
}

impl Behaviour {
    pub fn kind(&self) -> &'static str {
        match self {
            Behaviour::Trader { .. } => "trader",
            Behaviour::Explorer { .. } => "explorer",
            Behaviour::Pirate { .. } => "pirate",
            Behaviour::GarrisonOwner { .. } => "garrison_owner",
            Behaviour::Corporation { .. } => "corporation",
        }
    }

    fn check(&self) -> Result<(), &'static str> {
        match *self {
            Behaviour::Trader { horizon, reserve }
            | Behaviour::Corporation {
                horizon, reserve, ..
            } if horizon == 0 || horizon > 30 || reserve < 0 => {
                Err("horizon must be 1..=30 and reserve ≥ 0")
            }
            Behaviour::Explorer {
                trade_chance,
                horizon,
            } if !(0.0..=1.0).contains(&trade_chance) || horizon == 0 || horizon > 30 => {
                Err("trade_chance must be in [0, 1] and horizon 1..=30")
            }
            Behaviour::Corporation { size, .. } if !(1..=50).contains(&size) => {
                Err("size must be 1..=50")
            }
            Behaviour::Pirate {
                aggression,
                min_fighters,
            } if !(0.0..=1.0).contains(&aggression) || min_fighters < 1 => {
                Err("aggression must be in [0, 1] and min_fighters ≥ 1")
            }
            Behaviour::GarrisonOwner {
                fighters,
                toll,
                collect_every_minutes,
                horizon,
            } if fighters < 1
                || toll < 0
                || collect_every_minutes.is_nan()
                || collect_every_minutes < 1.0
                || horizon == 0
                || horizon > 30 =>
            {
                Err("fighters ≥ 1, toll ≥ 0, collect_every_minutes ≥ 1, horizon 1..=30")
            }
            _ => Ok(()),
        }
    }
}

impl Group {
    pub fn label(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| self.behaviour.kind().to_string())
    }
}

impl Population {
    pub fn parse(text: &str) -> Result<Population, PopulationError> {
        let p: Population = toml::from_str(text)?;
        p.validate()?;
        Ok(p)
    }

    /// The rules' ship table.
    pub fn catalog(&self) -> ShipCatalog {
        if self.rules == "2026-01" {
            ShipCatalog::Release2026
        } else {
            ShipCatalog::Seed
        }
    }

    pub fn players(&self) -> u64 {
        self.groups.iter().map(|g| u64::from(g.count)).sum()
    }

    pub fn validate(&self) -> Result<(), PopulationError> {
        if !(self.hours > 0.0 && self.hours <= 8760.0) {
            return Err(PopulationError::Hours);
        }
        if !(self.sample_minutes >= 1.0 && self.sample_minutes <= self.hours * 60.0) {
            return Err(PopulationError::SampleMinutes);
        }
        if self.rules != "2025-10" && self.rules != "2026-01" {
            return Err(PopulationError::Rules);
        }
        match self.players() {
            0 => return Err(PopulationError::NoPlayers),
            n if n > 100_000 => return Err(PopulationError::TooManyPlayers),
            _ => {}
        }
        let mut names = std::collections::BTreeSet::new();
        for g in &self.groups {
            self.check_group(g)?;
            if !names.insert(g.label()) {
                return Err(PopulationError::DuplicateName(g.label()));
            }
        }
        Ok(())
    }

    fn check_group(&self, g: &Group) -> Result<(), PopulationError> {
        let [lo, hi] = g.think_secs;
        if !(lo >= 1.0 && lo <= hi && hi <= 86_400.0) {
            return Err(PopulationError::Think(g.label()));
        }
        if let Some(t) = &g.ship_type
            && self.catalog().parse_requested(t).is_none()
        {
            return Err(PopulationError::ShipType {
                group: g.label(),
                ship_type: t.clone(),
            });
        }
        if g.credits
            .is_some_and(|c| !(0..=1_000_000_000_000).contains(&c))
        {
            return Err(PopulationError::Credits(g.label()));
        }
        g.behaviour
            .check()
            .map_err(|why| PopulationError::Behaviour {
                group: g.label(),
                why,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_population_file_is_read_with_its_defaults_and_checked() {
        let p = Population::parse(
            r#"
name = "t"
[[groups]]
count = 3
behaviour = { kind = "trader" }
[[groups]]
name = "raiders"
count = 1
combat = { kind = "aggressive" }
behaviour = { kind = "pirate", aggression = 0.9 }
"#,
        )
        .unwrap();
        assert_eq!(p.players(), 4);
        assert_eq!(p.hours, 24.0);
        assert_eq!(p.groups[0].label(), "trader");
        assert_eq!(p.groups[1].label(), "raiders");
        let bad = |t: &str| Population::parse(t).unwrap_err().to_string();
        assert!(bad("name='t'\ngroups=[]").contains("at least one group"));
        assert!(
            bad("name='t'\n[[groups]]\ncount=1\nbehaviour={kind='pirate',aggression=2.0}")
                .contains("aggression")
        );
        assert!(
            bad("name='t'\n[[groups]]\ncount=1\nship_type='x'\nbehaviour={kind='explorer'}")
                .contains("unknown ship_type")
        );
        assert!(
            bad("name='t'\nwhat=1\n[[groups]]\ncount=1\nbehaviour={kind='explorer'}")
                .contains("unknown field")
        );
    }
}
