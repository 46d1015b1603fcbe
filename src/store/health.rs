//! Whether the store's database can be reached: set by the writer while it retries a commit
//! the database did not take (it went away), read by `/healthz` and the metrics.

use std::sync::Mutex;
use std::time::Instant;

/// The store's health, shared by the writer and the network thread.
#[derive(Debug)]
pub struct StoreHealth {
    backend: &'static str,
    down: Mutex<Option<Outage>>,
}

/// An outage under way: since when, how many reconnections failed, the last error.
#[derive(Debug, Clone)]
struct Outage {
    since: Instant,
    attempts: u64,
    error: String,
}

/// What `/healthz` says of the store.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HealthReport {
    pub backend: &'static str,
    pub reachable: bool,
    /// While unreachable: seconds since the commit that failed, replies held meanwhile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub down_for_secs: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reconnect_attempts: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl StoreHealth {
    pub fn new(backend: &'static str) -> StoreHealth {
        StoreHealth {
            backend,
            down: Mutex::new(None),
        }
    }

    /// A commit or reconnection failed because the database is out of reach.
    pub(super) fn failed(&self, error: &dyn std::fmt::Display) {
        let mut down = self.down.lock().expect("health lock");
        match down.as_mut() {
            Some(o) => {
                o.attempts += 1;
                o.error = error.to_string();
            }
            None => {
                *down = Some(Outage {
                    since: Instant::now(),
                    attempts: 0,
                    error: error.to_string(),
                })
            }
        }
    }

    /// A commit went through: the outage, if any, is over. Returns how long it lasted.
    pub(super) fn committed(&self) -> Option<std::time::Duration> {
        let mut down = self.down.lock().expect("health lock");
        down.take().map(|o| o.since.elapsed())
    }

    pub fn is_reachable(&self) -> bool {
        self.down.lock().expect("health lock").is_none()
    }

    pub fn report(&self) -> HealthReport {
        let down = self.down.lock().expect("health lock").clone();
        HealthReport {
            backend: self.backend,
            reachable: down.is_none(),
            down_for_secs: down.as_ref().map(|o| o.since.elapsed().as_secs_f64()),
            reconnect_attempts: down.as_ref().map(|o| o.attempts),
            error: down.map(|o| o.error),
        }
    }
}
