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
    /// `chacha` (default) or `reference`: the reference's generator, for checking the engine.
    pub combat_rng: Option<RngChoice>,
    pub limits: Limits,
    pub store: StoreSection,
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
    pub max_message_bytes: Option<usize>,
    pub outbox_frames: Option<usize>,
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
}

impl ConfigFile {
    pub fn load(path: &Path) -> Result<ConfigFile, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("config {}: {e}", path.display()))
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
}
