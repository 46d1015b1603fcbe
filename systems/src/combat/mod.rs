//! Combat: encounters, rounds on the fixed clock, garrisons and tolls, salvage, escape pods.
//!
//! - `engine`/`rng`: the round as a pure function, with bang's and the reference's generators;
//! - `encounters`: who takes part and the round notice; `garrison_actions`: what garrisons do
//!   each round; `rounds`: resolving a round (on the last action or at the deadline);
//!   `finalize`: what a finished fight leaves behind; `engage`: starting or joining a fight (on
//!   `combat.initiate`, a deploy, an arrival) and the queued arrivals of fled ships;
//! - `garrisons`, `tolls`, `salvage`: the stationed fighters' endpoints, their tolls, the loot;
//! - `endpoints`: `combat.initiate`, `combat.action`, `combat.status`;
//! - `query`, `views`, `ids`: reads, payload views and ids shared by all of the above.
//!
//! Layers, lowest first (each imports only those below it): query/views/ids, encounters and
//! garrison_actions, rounds and finalize, engage, then the endpoints.

pub mod encounters;
pub mod endpoints;
pub mod engage;
pub mod engine;
pub mod finalize;
pub mod garrison_actions;
pub mod garrisons;
pub mod ids;
pub mod query;
pub mod rng;
pub mod rounds;
pub mod salvage;
pub mod tolls;
pub mod views;

use bevy_ecs::prelude::*;

/// Which generator rolls the dice (bang's ChaCha by default; the reference's for checking).
#[derive(Resource, Debug, Clone, Copy, Default)]
pub struct CombatRng(pub engine::RngKind);
