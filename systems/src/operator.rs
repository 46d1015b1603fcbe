//! Operator endpoints: who may call them. In `auth = "open"` play, the shared admin token once
//! one is configured (without one they are open, for local play); with `auth = "accounts"`, an
//! operator's login and nothing else (no shared token, no claim a request makes about itself,
//! such as the 2026-01 release's `admin_override`).

use crate::accounts::authority::{mode, operator};
use bang_components::account::AuthMode;
use bang_components::api::{ApiError, error::ApiResult};
use bang_components::session::{AdminToken, ConnectionId};
use bevy_ecs::prelude::*;

/// Refuses (401/403) a caller that is not an operator; returns the operator's account name
/// when operators are accounts (for the action log).
pub fn check_operator(
    world: &World,
    conn: ConnectionId,
    token: Option<&str>,
) -> ApiResult<Option<String>> {
    match mode(world) {
        AuthMode::Accounts => Ok(operator(world, conn)?.map(|p| p.account)),
        AuthMode::Open => check_admin(world, token).map(|_| None),
    }
}

/// Open mode: the admin token, once one is configured.
fn check_admin(world: &World, given: Option<&str>) -> ApiResult<()> {
    match (&world.resource::<AdminToken>().0, given) {
        (None, _) => Ok(()),
        (Some(_), None) => Err(ApiError::new(
            403,
            "This operator endpoint requires admin_token",
        )),
        (Some(want), Some(got)) if want == got => Ok(()),
        (Some(_), Some(_)) => Err(ApiError::new(403, "Invalid admin_token")),
    }
}

/// Whether the caller is an operator, without refusing anyone: accounts mode asks the
/// connection's login; open mode asks for a token that holds (an offered wrong one is 403).
pub fn is_operator(world: &World, conn: ConnectionId, token: Option<&str>) -> ApiResult<bool> {
    match (mode(world), token) {
        (AuthMode::Accounts, _) => Ok(operator(world, conn).is_ok_and(|p| p.is_some())),
        (AuthMode::Open, None) => Ok(false),
        (AuthMode::Open, Some(t)) => check_admin(world, Some(t)).map(|_| true),
    }
}
