//! `bang sim round`: resolve exactly one round described in JSON (stdin) and print the outcome.
//! The input is the golden vectors' form, so a designer can replay any vector or ask "what if".

use bang_components::balance::CombatBalance;
use bang_components::combat::{RoundLosses, RoundStanding};
use bang_systems::combat::engine::{
    CombatAction, FightEnd, Fighter, RngKind, RoundAction, RoundOutcome, resolve_round,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why `bang sim round` could not resolve the round it was given.
#[derive(Debug, thiserror::Error)]
pub enum RoundError {
    #[error("round description: {0}")]
    Input(#[source] serde_json::Error),
    #[error("round description: participants is empty")]
    NoParticipants,
    #[error("unknown action {0:?} (attack, brace, flee or pay)")]
    UnknownAction(String),
    #[error("the outcome as JSON: {0}")]
    Output(#[source] serde_json::Error),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoundInput {
    /// The encounter's seed (null counts as 0, as in the reference).
    #[serde(default)]
    pub base_seed: Option<i64>,
    pub round: u32,
    pub participants: Vec<Fighter>,
    #[serde(default)]
    pub actions: BTreeMap<String, ActionInput>,
    /// Extra keys of the golden vectors' files are ignored.
    #[serde(default, rename = "name")]
    pub _name: Option<String>,
    #[serde(default, rename = "expected")]
    pub _expected: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize, Serialize, Clone, PartialEq)]
pub struct ActionInput {
    pub action: String,
    #[serde(default)]
    pub commit: i64,
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default)]
    pub destination: Option<u32>,
    #[serde(default)]
    pub timed_out: bool,
}

/// The outcome, keys in the golden vectors' order.
#[derive(Debug, Serialize)]
pub struct RoundOutput {
    pub effective_actions: BTreeMap<String, ActionInput>,
    #[serde(flatten)]
    pub losses: RoundLosses,
    #[serde(flatten)]
    pub standing: RoundStanding,
    pub end_state: Option<FightEnd>,
    pub draws: u32,
}

fn kind(name: &str) -> Result<CombatAction, RoundError> {
    name.parse()
        .map_err(|_| RoundError::UnknownAction(name.to_string()))
}

fn output(outcome: RoundOutcome) -> RoundOutput {
    RoundOutput {
        effective_actions: outcome
            .effective_actions
            .into_iter()
            .map(|(id, a)| {
                let view = ActionInput {
                    action: a.action.wire_name().to_string(),
                    commit: a.commit,
                    target: a.target,
                    destination: a.destination,
                    timed_out: a.timed_out,
                };
                (id, view)
            })
            .collect(),
        losses: outcome.losses,
        standing: outcome.standing,
        end_state: outcome.end_state,
        draws: outcome.draws,
    }
}

/// Resolves the round described by `text` (JSON) and returns the outcome as pretty JSON.
pub fn resolve_json(
    text: &str,
    rng: RngKind,
    balance: &CombatBalance,
) -> Result<String, RoundError> {
    let input: RoundInput = serde_json::from_str(text).map_err(RoundError::Input)?;
    if input.participants.is_empty() {
        return Err(RoundError::NoParticipants);
    }
    let mut actions = BTreeMap::new();
    for (id, a) in &input.actions {
        actions.insert(
            id.clone(),
            RoundAction {
                action: kind(&a.action)?,
                commit: a.commit,
                target: a.target.clone(),
                destination: a.destination,
                timed_out: a.timed_out,
            },
        );
    }
    let outcome = resolve_round(
        &input.participants,
        &actions,
        input.base_seed.unwrap_or(0),
        input.round,
        rng,
        balance,
    );
    serde_json::to_string_pretty(&output(outcome)).map_err(RoundError::Output)
}
