//! Scenario files (TOML): the sides of a fight, their ships and strategies, and any garrisons.
//! Sweeps set any scenario or balance value by its dotted path.

use bang_components::balance::Balance;
use serde::{Deserialize, Serialize};

/// Why a scenario, a `--sweep` or a grid point's values were refused.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{0}")]
    Toml(#[from] toml::de::Error),
    #[error("a scenario needs two sides, or a side and a garrison")]
    TooFewSides,
    #[error("max_rounds must be between 1 and 10000")]
    MaxRounds,
    #[error("two sides are named {0:?}")]
    DuplicateSide(String),
    #[error("side {0:?} has no ships")]
    NoShips(String),
    #[error("side {side:?}: unknown ship_type {ship_type:?}")]
    UnknownShipType { side: String, ship_type: String },
    #[error("side {side:?}: fighters/shields outside the {hull} hull's range")]
    OutsideHull { side: String, hull: &'static str },
    #[error("side {0:?}: count must be 1..=100")]
    ShipCount(String),
    #[error("side {0:?}: commit must be ≥ 1, commit_fraction in [0, 1], flee_below ≥ 0")]
    Strategy(String),
    #[error("garrison of {0:?}: mode offensive/defensive/toll, fighters ≥ 1, toll ≥ 0")]
    Garrison(String),
    #[error("--sweep {0:?}: expected KEY=V1,V2,…")]
    SweepForm(String),
    #[error("--sweep {0}: keys start with `scenario.` or `balance.`")]
    SweepRoot(String),
    #[error("--sweep {key}: empty value in {values:?}")]
    SweepEmptyValue { key: String, values: String },
    #[error("--sweep {0}: give 1 to 1000 values")]
    SweepCount(String),
    #[error("--sweep {0}: unknown root")]
    UnknownRoot(String),
    #[error("no key {key:?} in {path}")]
    NoKey { key: String, path: String },
    #[error("{part:?} in {path} is not an index")]
    NotIndex {
        part: String,
        path: String,
        source: std::num::ParseIntError,
    },
    #[error("index {index} in {path} is past the end ({len})")]
    PastEnd {
        index: usize,
        path: String,
        len: usize,
    },
    #[error("{path}: {part:?} is not inside a table or array")]
    NotInside { path: String, part: String },
    #[error("{0}")]
    Serialize(#[from] toml::ser::Error),
    #[error("balance: {0}")]
    Balance(#[source] toml::de::Error),
    /// What the balance's own check refused (it says so in words).
    #[error("balance: {0}")]
    InvalidBalance(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// A fight still going after this many rounds counts as `unfinished`.
    #[serde(default = "default_max_rounds")]
    pub max_rounds: u32,
    pub sides: Vec<Side>,
    #[serde(default)]
    pub garrisons: Vec<GarrisonSpec>,
}

fn default_max_rounds() -> u32 {
    100
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Side {
    pub name: String,
    pub strategy: StrategySpec,
    /// Strategy changes: from `from_round` on, the side plays `strategy`.
    #[serde(default)]
    pub phases: Vec<Phase>,
    pub ships: Vec<ShipSpec>,
    /// Credits each ship starts with (tolls are paid from them).
    #[serde(default = "default_credits")]
    pub credits: i64,
}

fn default_credits() -> i64 {
    1000
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    pub from_round: u32,
    pub strategy: StrategySpec,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShipSpec {
    pub ship_type: String,
    /// Defaults to the hull's maximum.
    #[serde(default)]
    pub fighters: Option<i64>,
    #[serde(default)]
    pub shields: Option<i64>,
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StrategyKind {
    /// Attack every round.
    Aggressive,
    /// Brace while weaker than the strongest opponent, attack otherwise.
    Cautious,
    /// Flee when below a fighter ratio, attack otherwise.
    Runner,
    /// Pay any toll demand, brace otherwise.
    TollPayer,
    /// Attack, brace or flee at random (seeded).
    Random,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrategySpec {
    pub kind: StrategyKind,
    /// Fighters committed per attack (wins over `commit_fraction`).
    #[serde(default)]
    pub commit: Option<i64>,
    /// Share of current fighters committed per attack.
    #[serde(default = "half")]
    pub commit_fraction: f64,
    /// Runner: flee when own fighters / strongest opponent's fighters falls below this.
    #[serde(default = "half")]
    pub flee_below: f64,
}

fn half() -> f64 {
    0.5
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GarrisonSpec {
    /// A side's name (the garrison fights for that side) or any other owner name.
    pub owner: String,
    pub mode: String,
    pub fighters: i64,
    #[serde(default)]
    pub toll_amount: i64,
}

impl Scenario {
    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        let s: Scenario = toml::from_str(text)?;
        s.validate()?;
        Ok(s)
    }

    pub fn validate(&self) -> Result<(), ScenarioError> {
        if self.sides.len() < 2 && self.garrisons.is_empty() {
            return Err(ScenarioError::TooFewSides);
        }
        if self.max_rounds == 0 || self.max_rounds > 10_000 {
            return Err(ScenarioError::MaxRounds);
        }
        let mut names = std::collections::BTreeSet::new();
        for side in &self.sides {
            if !names.insert(side.name.as_str()) {
                return Err(ScenarioError::DuplicateSide(side.name.clone()));
            }
            if side.ships.is_empty() {
                return Err(ScenarioError::NoShips(side.name.clone()));
            }
            for ship in &side.ships {
                let Some(t) = bang_components::ships::ShipType::parse_requested(&ship.ship_type)
                else {
                    return Err(ScenarioError::UnknownShipType {
                        side: side.name.clone(),
                        ship_type: ship.ship_type.clone(),
                    });
                };
                let s = t.stats();
                if ship
                    .fighters
                    .is_some_and(|f| f < 0 || f > s.max_fighters as i64)
                    || ship
                        .shields
                        .is_some_and(|v| v < 0 || v > s.max_shields as i64)
                {
                    return Err(ScenarioError::OutsideHull {
                        side: side.name.clone(),
                        hull: s.wire_name,
                    });
                }
                if ship.count == 0 || ship.count > 100 {
                    return Err(ScenarioError::ShipCount(side.name.clone()));
                }
            }
            for st in std::iter::once(&side.strategy).chain(side.phases.iter().map(|p| &p.strategy))
            {
                if !(0.0..=1.0).contains(&st.commit_fraction)
                    || st.flee_below < 0.0
                    || st.commit.is_some_and(|c| c < 1)
                {
                    return Err(ScenarioError::Strategy(side.name.clone()));
                }
            }
        }
        for g in &self.garrisons {
            if bang_components::combat::GarrisonMode::parse(&g.mode).is_none()
                || g.fighters < 1
                || g.toll_amount < 0
            {
                return Err(ScenarioError::Garrison(g.owner.clone()));
            }
        }
        Ok(())
    }
}

/// One `--sweep KEY=V1,V2,…`: a dotted path into `scenario.…` or `balance.…` and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    pub key: String,
    pub values: Vec<toml::Value>,
}

impl Sweep {
    pub fn parse(arg: &str) -> Result<Sweep, ScenarioError> {
        let (key, values) = arg
            .split_once('=')
            .ok_or_else(|| ScenarioError::SweepForm(arg.to_string()))?;
        if !(key.starts_with("scenario.") || key.starts_with("balance.")) {
            return Err(ScenarioError::SweepRoot(key.to_string()));
        }
        if values.split(',').any(|v| v.trim().is_empty()) {
            return Err(ScenarioError::SweepEmptyValue {
                key: key.to_string(),
                values: values.to_string(),
            });
        }
        let values = values
            .split(',')
            .map(|v| {
                let v = v.trim();
                v.parse::<i64>()
                    .map(toml::Value::Integer)
                    .or_else(|_| v.parse::<f64>().map(toml::Value::Float))
                    .or_else(|_| v.parse::<bool>().map(toml::Value::Boolean))
                    .unwrap_or_else(|_| toml::Value::String(v.to_string()))
            })
            .collect::<Vec<_>>();
        if values.is_empty() || values.len() > 1000 {
            return Err(ScenarioError::SweepCount(key.to_string()));
        }
        Ok(Sweep {
            key: key.to_string(),
            values,
        })
    }
}

/// Sets `path` (dots; array items by index) in a TOML tree. Integers given for float keys become
/// floats, so `--sweep balance.combat.base_hit=1` works.
fn set_path(root: &mut toml::Value, path: &str, value: toml::Value) -> Result<(), ScenarioError> {
    let mut node = root;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let next = match node {
            toml::Value::Table(t) => {
                if last {
                    let v = match (t.get(*part), value) {
                        (Some(toml::Value::Float(_)), toml::Value::Integer(n)) => {
                            toml::Value::Float(n as f64)
                        }
                        (_, v) => v,
                    };
                    t.insert(part.to_string(), v);
                    return Ok(());
                }
                t.get_mut(*part).ok_or_else(|| ScenarioError::NoKey {
                    key: part.to_string(),
                    path: path.to_string(),
                })?
            }
            toml::Value::Array(a) => {
                let index: usize = part.parse().map_err(|source| ScenarioError::NotIndex {
                    part: part.to_string(),
                    path: path.to_string(),
                    source,
                })?;
                let len = a.len();
                let item = a.get_mut(index).ok_or_else(|| ScenarioError::PastEnd {
                    index,
                    path: path.to_string(),
                    len,
                })?;
                if last {
                    *item = value;
                    return Ok(());
                }
                item
            }
            _ => {
                return Err(ScenarioError::NotInside {
                    path: path.to_string(),
                    part: part.to_string(),
                });
            }
        };
        node = next;
    }
    Ok(())
}

/// The scenario and balance with one grid point's values set.
pub fn apply(
    scenario: &Scenario,
    balance: &Balance,
    point: &[(String, toml::Value)],
) -> Result<(Scenario, Balance), ScenarioError> {
    let mut s = toml::Value::try_from(scenario)?;
    let mut b = toml::Value::try_from(balance)?;
    for (key, value) in point {
        match key.split_once('.') {
            Some(("scenario", rest)) => set_path(&mut s, rest, value.clone())?,
            Some(("balance", rest)) => set_path(&mut b, rest, value.clone())?,
            _ => return Err(ScenarioError::UnknownRoot(key.clone())),
        }
    }
    let scenario: Scenario = s.try_into()?;
    scenario.validate()?;
    let balance: Balance = b.try_into().map_err(ScenarioError::Balance)?;
    balance.validate().map_err(ScenarioError::InvalidBalance)?;
    Ok((scenario, balance))
}

/// Every grid point of the sweeps (one empty point when there are none), in a stable order.
pub fn grid(sweeps: &[Sweep]) -> Vec<Vec<(String, toml::Value)>> {
    let mut points: Vec<Vec<(String, toml::Value)>> = vec![Vec::new()];
    for s in sweeps {
        let mut next = Vec::with_capacity(points.len() * s.values.len());
        for p in &points {
            for v in &s.values {
                let mut q = p.clone();
                q.push((s.key.clone(), v.clone()));
                next.push(q);
            }
        }
        points = next;
    }
    points
}
