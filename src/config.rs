//! The server's configuration file (TOML, `--config FILE`). Every key is optional; command-line
//! flags win over the file, and the file over the defaults.

use crate::store::Durability;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConfigFile {
    pub listen: Option<SocketAddr>,
    pub world_data: Option<PathBuf>,
    pub data: Option<PathBuf>,
    /// Fixed-clock rate, Hz (default 20).
    pub tick_hz: Option<f64>,
    /// Balance file (TOML) [default: world-data/balance.toml, else the built-in copy].
    pub balance: Option<PathBuf>,
    /// Secret required by the operator endpoints (`reset_ports`, `regenerate_ports`).
    pub admin_token: Option<String>,
    /// Character id → token; when set, `join` needs `"token"` (and only these ids can join).
    pub character_tokens: std::collections::BTreeMap<String, String>,
    /// `open` (default: anyone joins any character) or `accounts`.
    pub auth: Option<bang_components::account::AuthMode>,
    /// Account rules and abuse limits (see `bang_components::account::AccountSettings`).
    pub accounts: Option<bang_components::account::AccountSettings>,
    /// The dialect of a connection that does not name one: `2025-10` (default) or `2026-01`.
    pub dialect: Option<String>,
    /// World rules: `2025-10` or `2026-01` [default: the dialect's].
    pub rules: Option<String>,
    /// Whether a 2026-01-format world directory gets its characters' files written back
    /// [default: true].
    pub mirror_world_files: Option<bool>,
    /// Whether told events are kept for `event.query` [default: under the 2026-01 rules].
    pub event_history: Option<bool>,
    /// Most seconds between rebuilds of the leaderboard [default: 10].
    pub leaderboard_refresh_secs: Option<f64>,
    /// `chacha` (default) or `reference`: the reference's generator, for checking the engine.
    pub combat_rng: Option<RngChoice>,
    pub limits: Limits,
    pub store: StoreSection,
    /// How long chat history and the action log are kept (see `store::retention`).
    pub retention: Option<crate::store::retention::Retention>,
    /// Per-character, per-endpoint rate limits: `default` and endpoint names, each
    /// `{ limit, window, queue_timeout }` (see `bang_components::rate_limits`).
    pub rate_limits: Option<bang_components::rate_limits::RateLimits>,
}

/// Which generator rolls combat dice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RngChoice {
    Chacha,
    Reference,
}

impl From<RngChoice> for bang_systems::combat::engine::RngKind {
    fn from(c: RngChoice) -> Self {
        match c {
            RngChoice::Chacha => bang_systems::combat::engine::RngKind::ChaCha,
            RngChoice::Reference => bang_systems::combat::engine::RngKind::Reference,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    pub max_connections: Option<usize>,
    pub socket_reserve: Option<usize>,
    pub max_connections_per_address: Option<usize>,
    pub limit_loopback: Option<bool>,
    pub handshake_timeout_secs: Option<f64>,
    /// 0 turns the join deadline off.
    pub unjoined_timeout_secs: Option<f64>,
    pub max_message_bytes: Option<usize>,
    pub outbox_frames: Option<usize>,
    pub outbox_bytes: Option<usize>,
    pub outbound_bytes_total: Option<usize>,
    pub max_in_flight: Option<usize>,
    pub write_timeout_secs: Option<f64>,
    pub socket_send_buffer_bytes: Option<usize>,
    pub inbox_requests: Option<usize>,
    pub net_threads: Option<usize>,
    /// Requests per second one connection may send, and the burst it may save up.
    pub requests_per_sec: Option<f64>,
    pub request_burst: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreSection {
    pub durability: Option<Durability>,
    /// `sqlite` (the data directory's bang.db) or `postgres://user@host:port/database`.
    pub url: Option<String>,
}

/// What a configuration file cannot be.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Unreadable {
        path: String,
        source: std::io::Error,
    },
    #[error("config {path}: {source}")]
    Malformed {
        path: String,
        source: toml::de::Error,
    },
    /// A setting out of its range: the key and what it must be.
    #[error("{key} must be {must}")]
    OutOfRange { key: String, must: &'static str },
    #[error("{0}")]
    RateLimits(String),
}

impl ConfigError {
    pub fn out_of_range(key: impl Into<String>, must: &'static str) -> ConfigError {
        ConfigError::OutOfRange {
            key: key.into(),
            must,
        }
    }
}

impl Limits {
    /// Applies the limits given to the network settings, refusing values that cannot work.
    pub fn apply(&self, net: &mut crate::net::NetConfig) -> Result<(), ConfigError> {
        let secs = |key: &str, v: f64, zero_ok: bool| {
            if v.is_finite() && (v > 0.0 || (zero_ok && v == 0.0)) && v <= 86_400.0 {
                Ok(std::time::Duration::from_secs_f64(v))
            } else {
                let must = "a number of seconds in (0, 86400]";
                Err(ConfigError::out_of_range(format!("limits.{key}"), must))
            }
        };
        let set = |slot: &mut usize, v: Option<usize>, min: usize| {
            if let Some(v) = v {
                *slot = v.max(min);
            }
        };
        set(&mut net.max_connections, self.max_connections, 1);
        set(&mut net.socket_reserve, self.socket_reserve, 0);
        set(
            &mut net.max_connections_per_address,
            self.max_connections_per_address,
            0,
        );
        set(&mut net.max_message_bytes, self.max_message_bytes, 1024);
        set(&mut net.outbox_frames, self.outbox_frames, 1);
        set(&mut net.outbox_bytes, self.outbox_bytes, 1024);
        set(
            &mut net.outbound_bytes_total,
            self.outbound_bytes_total,
            1024,
        );
        set(&mut net.max_in_flight, self.max_in_flight, 1);
        set(
            &mut net.socket_send_buffer_bytes,
            self.socket_send_buffer_bytes,
            4096,
        );
        if let Some(v) = self.write_timeout_secs {
            net.write_timeout = secs("write_timeout_secs", v, false)?;
        }
        set(&mut net.worker_threads, self.net_threads, 1);
        if let Some(v) = self.limit_loopback {
            net.limit_loopback = v;
        }
        if let Some(v) = self.handshake_timeout_secs {
            net.handshake_timeout = secs("handshake_timeout_secs", v, false)?;
        }
        if let Some(v) = self.unjoined_timeout_secs {
            net.unjoined_timeout = match secs("unjoined_timeout_secs", v, true)? {
                d if d.is_zero() => std::time::Duration::MAX,
                d => d,
            };
        }
        if let Some(v) = self.requests_per_sec {
            if !(v > 0.0 && v.is_finite()) {
                let must = "a positive number";
                return Err(ConfigError::out_of_range("limits.requests_per_sec", must));
            }
            net.requests_per_sec = v;
        }
        if let Some(v) = self.request_burst {
            if !(v >= 1.0 && v.is_finite()) {
                let must = "at least 1";
                return Err(ConfigError::out_of_range("limits.request_burst", must));
            }
            net.request_burst = v;
        }
        Ok(())
    }
}

impl ConfigFile {
    pub fn load(path: &Path) -> Result<ConfigFile, ConfigError> {
        let shown = || path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Unreadable {
            path: shown(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigError::Malformed {
            path: shown(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_config_parses_and_typos_are_refused() {
        let cfg: ConfigFile = toml::from_str(
            "listen = \"0.0.0.0:9000\"\ntick_hz = 10.0\n[limits]\nmax_connections = 5\n[store]\ndurability = \"full\"\n",
        )
        .unwrap();
        assert_eq!(cfg.listen.unwrap().port(), 9000);
        assert_eq!(cfg.limits.max_connections, Some(5));
        assert_eq!(cfg.store.durability, Some(Durability::Full));
        assert!(toml::from_str::<ConfigFile>("tickhz = 10.0").is_err());
    }

    #[test]
    fn limits_apply_and_bad_ones_are_refused() {
        let cfg: ConfigFile = toml::from_str(
            "[limits]\noutbox_bytes = 65536\nmax_connections_per_address = 3\nunjoined_timeout_secs = 0\n\
             handshake_timeout_secs = 2.5\n[retention]\nchat_max_messages = 10\n",
        )
        .unwrap();
        let mut net = crate::net::NetConfig::default();
        cfg.limits.apply(&mut net).unwrap();
        assert_eq!(net.outbox_bytes, 65536);
        assert_eq!(net.max_connections_per_address, 3);
        assert_eq!(net.unjoined_timeout, std::time::Duration::MAX);
        assert_eq!(net.handshake_timeout.as_millis(), 2500);
        let retention = cfg.retention.unwrap();
        assert_eq!(retention.chat_max_messages, Some(10));
        assert_eq!(
            retention.chat_max_age_days,
            Some(30.0),
            "unset keys keep their default"
        );
        let bad: ConfigFile = toml::from_str("[limits]\nhandshake_timeout_secs = -1\n").unwrap();
        assert!(bad.limits.apply(&mut net).is_err());
    }
}
