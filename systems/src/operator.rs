//! Operator endpoints: who may call them.

use bang_components::api::{ApiError, error::ApiResult};
use bang_components::session::AdminToken;
use bevy_ecs::prelude::*;

/// Operator endpoints need the admin token once one is configured (a request's own claims, such
/// as the 2026-01 release's `admin_override`, never stand in for it).
pub fn check_admin(world: &World, given: Option<&str>) -> ApiResult<()> {
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
