//! How long chat history and the action log are kept, and the pruning that enforces it: on the
//! game clock, every `prune_every_secs`, the next commit deletes what is past its age or its
//! count (in the same transaction as the update's changes), and the writer then removes action
//! log day files past their age or beyond the size cap. The newest chat message and log entry are
//! always kept, so ids and sequence numbers continue after a restart.

use crate::config::ConfigError;
use bang_components::time::{GameClock, Timestamp};
use bevy_ecs::prelude::*;
use serde::Deserialize;

/// The retention settings (`[retention]` in the config file). `None`: no limit of that kind.
#[derive(Resource, Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Retention {
    pub chat_max_age_days: Option<f64>,
    pub chat_max_messages: Option<u64>,
    pub action_log_max_age_days: Option<f64>,
    pub action_log_max_entries: Option<u64>,
    /// Cap on the action log's JSONL files together; the oldest day files go first.
    pub action_log_files_max_bytes: Option<u64>,
    /// Game-clock seconds between two prunings.
    pub prune_every_secs: f64,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            chat_max_age_days: Some(30.0),
            chat_max_messages: Some(1_000_000),
            action_log_max_age_days: Some(30.0),
            action_log_max_entries: Some(10_000_000),
            action_log_files_max_bytes: Some(2 * 1024 * 1024 * 1024),
            prune_every_secs: 60.0,
        }
    }
}

impl Retention {
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (key, v) in [
            ("retention.chat_max_age_days", self.chat_max_age_days),
            (
                "retention.action_log_max_age_days",
                self.action_log_max_age_days,
            ),
        ] {
            if v.is_some_and(|d| !(d > 0.0 && d.is_finite())) {
                return Err(ConfigError::out_of_range(key, "a positive number of days"));
            }
        }
        for (key, v) in [
            ("retention.chat_max_messages", self.chat_max_messages),
            (
                "retention.action_log_max_entries",
                self.action_log_max_entries,
            ),
            (
                "retention.action_log_files_max_bytes",
                self.action_log_files_max_bytes,
            ),
        ] {
            if v == Some(0) {
                let must = "at least 1 (leave it out for no limit)";
                return Err(ConfigError::out_of_range(key, must));
            }
        }
        if !(self.prune_every_secs > 0.0 && self.prune_every_secs.is_finite()) {
            let must = "a positive number";
            return Err(ConfigError::out_of_range(
                "retention.prune_every_secs",
                must,
            ));
        }
        Ok(())
    }

    /// What one pruning at `now` deletes.
    pub fn prune_at(&self, now: Timestamp) -> Prune {
        let before = |days: Option<f64>| days.map(|d| now.0 - (d * 86_400e6) as i64);
        Prune {
            now,
            chat_before: before(self.chat_max_age_days),
            chat_keep: self.chat_max_messages.map(|n| n as i64),
            log_before: before(self.action_log_max_age_days),
            log_keep: self.action_log_max_entries.map(|n| n as i64),
            files_max_bytes: self.action_log_files_max_bytes,
        }
    }
}

/// One pruning: rows older than the `*_before` times (micros) or beyond the newest `*_keep`.
#[derive(Debug, Clone, PartialEq)]
pub struct Prune {
    pub now: Timestamp,
    pub chat_before: Option<i64>,
    pub chat_keep: Option<i64>,
    pub log_before: Option<i64>,
    pub log_keep: Option<i64>,
    pub files_max_bytes: Option<u64>,
}

/// Asks the next commit to prune, once per `prune_every_secs` of game time.
pub fn schedule_pruning(
    clock: Res<GameClock>,
    retention: Res<Retention>,
    mut last: Local<Option<Timestamp>>,
    mut unsubmitted: ResMut<super::plugin::Unsubmitted>,
) {
    let now = clock.now();
    let every = (retention.prune_every_secs * 1e6) as i64;
    match *last {
        None => *last = Some(now),
        Some(at) if now.0 - at.0 >= every => {
            *last = Some(now);
            unsubmitted.0.prune = Some(retention.prune_at(now));
        }
        Some(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::plugin::Unsubmitted;
    use bevy_ecs::schedule::Schedule;

    /// Runs the scheduler once at `secs` of game time; returns whether it asked for a pruning.
    fn run_at(schedule: &mut Schedule, world: &mut World, secs: i64) -> bool {
        world.insert_resource(GameClock::Manual(Timestamp(secs * 1_000_000)));
        schedule.run(world);
        world.resource_mut::<Unsubmitted>().0.prune.take().is_some()
    }

    #[test]
    fn pruning_is_asked_for_once_per_interval_of_game_time() {
        let mut world = World::new();
        world.insert_resource(Retention {
            prune_every_secs: 60.0,
            ..Retention::default()
        });
        world.init_resource::<Unsubmitted>();
        let mut s = Schedule::default();
        s.add_systems(schedule_pruning);
        let w = &mut world;
        assert!(
            !run_at(&mut s, w, 0),
            "the first run only starts the interval"
        );
        assert!(!run_at(&mut s, w, 59));
        assert!(run_at(&mut s, w, 60));
        assert!(!run_at(&mut s, w, 100));
        assert!(run_at(&mut s, w, 125));
    }

    #[test]
    fn bad_settings_are_refused() {
        let ok = Retention::default();
        assert!(ok.validate().is_ok());
        for bad in [
            Retention {
                chat_max_age_days: Some(-1.0),
                ..Retention::default()
            },
            Retention {
                action_log_max_entries: Some(0),
                ..Retention::default()
            },
            Retention {
                prune_every_secs: 0.0,
                ..Retention::default()
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
    }
}
