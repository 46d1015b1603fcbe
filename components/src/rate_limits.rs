//! Per-character, per-endpoint rate limits (the 2026-01 release's idea, from bang's
//! configuration): a character's requests to an endpoint beyond its limit wait their turn
//! instead of being refused, as that release's clients expect. None are set by default.

use bevy_ecs::prelude::Resource;
use serde::Deserialize;
use std::collections::BTreeMap;

/// At most `limit` requests in any `window` seconds; a request waits at most `queue_timeout`
/// seconds for its turn.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    pub limit: u32,
    pub window: f64,
    #[serde(default = "default_queue_timeout")]
    pub queue_timeout: f64,
}

fn default_queue_timeout() -> f64 {
    30.0
}

/// The configured limits: one for every endpoint without its own, and per endpoint name.
#[derive(Resource, Debug, Clone, Default, PartialEq, Deserialize)]
pub struct RateLimits {
    pub default: Option<Limit>,
    #[serde(flatten)]
    pub endpoints: BTreeMap<String, Limit>,
}

/// Most requests one character may have waiting; more are refused at once.
pub const MAX_WAITING_PER_CHARACTER: usize = 64;

impl RateLimits {
    pub fn is_empty(&self) -> bool {
        self.default.is_none() && self.endpoints.is_empty()
    }

    /// The limit on `endpoint`, if any.
    pub fn of(&self, endpoint: &str) -> Option<Limit> {
        self.endpoints.get(endpoint).copied().or(self.default)
    }

    /// Why the limits cannot be used, if they cannot.
    pub fn check(&self) -> Result<(), String> {
        let all = self.default.iter().map(|l| ("default", l));
        for (name, l) in all.chain(self.endpoints.iter().map(|(n, l)| (n.as_str(), l))) {
            let ok = l.limit >= 1
                && l.window.is_finite()
                && l.window > 0.0
                && l.queue_timeout.is_finite()
                && l.queue_timeout >= 0.0;
            if !ok {
                return Err(format!(
                    "rate_limits.{name}: limit must be at least 1, window and queue_timeout \
                     positive numbers of seconds"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_with_a_default_and_per_endpoint_entries() {
        let limits: RateLimits = serde_json::from_value(serde_json::json!({
            "default": {"limit": 1, "window": 1.0},
            "move": {"limit": 2, "window": 1.5, "queue_timeout": 5.0},
        }))
        .unwrap();
        assert_eq!(limits.of("move").map(|l| l.limit), Some(2));
        assert_eq!(limits.of("trade").map(|l| l.queue_timeout), Some(30.0));
        assert!(limits.check().is_ok());
        let bad: RateLimits =
            serde_json::from_value(serde_json::json!({"trade": {"limit": 0, "window": 1.0}}))
                .unwrap();
        assert!(bad.check().unwrap_err().contains("rate_limits.trade"));
    }
}
