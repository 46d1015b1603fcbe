//! Follow-on effects: what a change made by one rule sets off in another, queued instead of
//! called, so the rule lower down never imports the one above it. The queue is drained in order
//! (first in, first out; effects an effect queues go behind it) within the same update: after
//! each request's handler, before its reply, and after the fixed-clock rules that queue effects
//! (see `combat::engage::run_follow_ons`).
//!
//! Today one effect goes through it: a character that flees a fight arrives in the next sector,
//! where a running fight or a hostile garrison may engage it. A plain `move` engages at once
//! (the mover is answered with the fight already started), so only the flee is queued.

use bevy_ecs::prelude::*;
use std::collections::VecDeque;

/// How a character arrived in a sector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// A warp (`move`, or a successful flee): toll garrisons engage too.
    Move,
    /// A `join` placing the character: only offensive garrisons engage.
    Join,
}

/// A follow-on effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FollowOn {
    /// A character arrived in its current sector: it joins the fight there, or hostile
    /// garrisons engage it.
    Arrived { character: Entity, how: Arrival },
}

/// The effects waiting to run, in the order they were queued.
#[derive(Resource, Debug, Default)]
pub struct FollowOns(pub VecDeque<FollowOn>);

/// Queues an effect behind those already waiting.
pub fn queue(world: &mut World, effect: FollowOn) {
    world
        .get_resource_or_init::<FollowOns>()
        .0
        .push_back(effect);
}
