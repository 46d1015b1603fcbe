//! A sweep spread over machines: `bang sim … --shard I/N --partial FILE` plays the I-th of N
//! slices of every grid point's encounters and writes its integer totals; `bang sim merge
//! FILE…` adds the slices up into the report one process would have written, byte for byte
//! (encounter `i` has the same seed wherever it runs, and totals are integers, so the sum does
//! not depend on how the work was cut).

use super::SimOptions;
use super::report::{Params, SweepEcho, Totals};
use super::scenario::Scenario;
use bang_components::balance::Balance;
use serde::{Deserialize, Serialize};

/// Which slice of the encounters a process plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// `I/N`, with `0 ≤ I < N`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("--shard must be I/N with 0 <= I < N (got {text:?})");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// The encounters `start..end` of `total` this shard plays (contiguous, covering `total`
    /// exactly once over the shards).
    pub fn range(&self, total: u64) -> (u64, u64) {
        let at = |k: u64| (u128::from(total) * u128::from(k) / u128::from(self.count)) as u64;
        (at(u64::from(self.index)), at(u64::from(self.index) + 1))
    }
}

/// What the version of a partial file says.
pub const FORMAT: &str = "bang-sim-partial/1";

/// One shard's results: the whole run's settings (so a merge can check the shards agree) and
/// each grid point's totals.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Partial {
    pub format: String,
    pub shard: Shard,
    pub scenario: Scenario,
    pub balance: Balance,
    pub seed: u64,
    pub encounters_per_point: u64,
    pub rng: String,
    /// How the shards played their encounters (echoed in the report).
    #[serde(default = "auto")]
    pub path: String,
    /// The sweeps as given (echoed in the report).
    #[serde(default)]
    pub sweeps: Vec<SweepEcho>,
    pub points: Vec<(Params, Totals)>,
}

fn auto() -> String {
    "auto".into()
}

impl Partial {
    pub fn new(opts: &SimOptions, shard: Shard, points: Vec<(Params, Totals)>) -> Partial {
        Partial {
            format: FORMAT.into(),
            shard,
            scenario: opts.scenario.clone(),
            balance: opts.balance.clone(),
            seed: opts.seed,
            encounters_per_point: opts.encounters,
            rng: super::rng_name(opts.rng).into(),
            path: super::path_name(opts.path).into(),
            sweeps: super::sweep_echo(&opts.sweeps),
            points,
        }
    }

    /// Everything but the shard and the totals: what every shard of one run shares.
    fn run_settings(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "scenario": self.scenario, "balance": self.balance, "seed": self.seed,
            "encounters_per_point": self.encounters_per_point, "rng": self.rng,
            "count": self.shard.count, "path": self.path, "sweeps": self.sweeps,
        });
        v["params"] = self
            .points
            .iter()
            .map(|(p, _)| serde_json::json!(p))
            .collect();
        v
    }
}

/// The report of a merged run (the same as one process's).
pub fn report(run: &Partial, totals: Vec<(Params, Totals)>) -> super::report::Report {
    super::RunSettings {
        scenario: &run.scenario,
        balance: &run.balance,
        seed: run.seed,
        encounters: run.encounters_per_point,
        rng: &run.rng,
        path: &run.path,
        sweeps: run.sweeps.clone(),
    }
    .report(totals)
}

/// Why shards could not be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("no partial files given")]
    Empty,
    #[error("{0} is not a bang sim partial file ({FORMAT})")]
    Format(String),
    #[error(
        "{0} is from another run (scenario, balance, seed, encounters, rng, path, sweeps or shard count differ)"
    )]
    OtherRun(String),
    #[error("shard {0} of {1} is given twice")]
    Twice(u32, u32),
    #[error("shard {0} of {1} is missing")]
    Missing(u32, u32),
}

/// Adds the shards up: the settings and each point's totals of the whole run.
pub fn merge(
    parts: Vec<(String, Partial)>,
) -> Result<(Partial, Vec<(Params, Totals)>), MergeError> {
    let mut parts = parts.into_iter();
    let (first_name, first) = parts.next().ok_or(MergeError::Empty)?;
    if first.format != FORMAT {
        return Err(MergeError::Format(first_name));
    }
    let settings = first.run_settings();
    let count = first.shard.count;
    let mut seen = vec![false; count as usize];
    seen[first.shard.index as usize] = true;
    let mut totals = first.points.clone();
    for (name, part) in parts {
        if part.format != FORMAT {
            return Err(MergeError::Format(name));
        }
        if part.run_settings() != settings {
            return Err(MergeError::OtherRun(name));
        }
        let slot = &mut seen[part.shard.index as usize];
        if std::mem::replace(slot, true) {
            return Err(MergeError::Twice(part.shard.index, count));
        }
        for ((_, all), (_, more)) in totals.iter_mut().zip(part.points) {
            all.merge(more);
        }
    }
    if let Some(missing) = seen.iter().position(|s| !s) {
        return Err(MergeError::Missing(missing as u32, count));
    }
    Ok((first, totals))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_encounter_once_and_bad_shards_are_refused() {
        for (total, count) in [(10u64, 3u32), (1, 4), (1000, 7), (5, 5)] {
            let mut next = 0;
            for index in 0..count {
                let (start, end) = Shard { index, count }.range(total);
                assert_eq!(start, next, "{total} in {count}");
                next = end;
            }
            assert_eq!(next, total);
        }
        assert_eq!(Shard::parse("1/2"), Ok(Shard { index: 1, count: 2 }));
        for bad in ["2/2", "1", "a/2", "0/0", "-1/2"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }
}
