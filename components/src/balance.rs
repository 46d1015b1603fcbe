//! Balance: every tunable number of the rules, loaded from a TOML file (`world-data/balance.toml`)
//! and validated at start. Defaults are the reference's values where it has one.

use bevy_ecs::prelude::Resource;
use serde::Deserialize;

#[derive(Resource, Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Balance {
    pub economy: EconomyBalance,
    pub chat: ChatBalance,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EconomyBalance {
    /// How often ports drift back toward their starting stock, seconds of game time.
    pub port_regen_interval_secs: f64,
    /// Share of a commodity's capacity restored per interval (never past the starting level).
    pub port_regen_fraction: f64,
    /// Default `fraction` of the operator's `regenerate_ports`.
    pub regenerate_ports_default_fraction: f64,
}

impl Default for EconomyBalance {
    fn default() -> Self {
        EconomyBalance {
            port_regen_interval_secs: 60.0,
            port_regen_fraction: 0.02,
            regenerate_ports_default_fraction: 0.25,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChatBalance {
    /// Least time between two messages of one sender, seconds.
    pub min_interval_secs: f64,
    /// Longest message, in Unicode code points.
    pub max_length: usize,
}

impl Default for ChatBalance {
    fn default() -> Self {
        ChatBalance {
            min_interval_secs: 1.0,
            max_length: 512,
        }
    }
}

impl Balance {
    /// Refuses values that would break a rule, naming the key.
    pub fn validate(&self) -> Result<(), String> {
        let e = &self.economy;
        if !(e.port_regen_interval_secs > 0.0 && e.port_regen_interval_secs.is_finite()) {
            return Err("economy.port_regen_interval_secs must be a positive number".into());
        }
        for (key, v) in [
            ("economy.port_regen_fraction", e.port_regen_fraction),
            (
                "economy.regenerate_ports_default_fraction",
                e.regenerate_ports_default_fraction,
            ),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!("{key} must be between 0 and 1"));
            }
        }
        let c = &self.chat;
        if !(c.min_interval_secs >= 0.0 && c.min_interval_secs.is_finite()) {
            return Err("chat.min_interval_secs must be zero or positive".into());
        }
        if c.max_length == 0 || c.max_length > 16_384 {
            return Err("chat.max_length must be between 1 and 16384".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_name_their_key() {
        assert!(Balance::default().validate().is_ok());
        let mut b = Balance::default();
        b.economy.port_regen_fraction = 1.5;
        assert!(b.validate().unwrap_err().contains("port_regen_fraction"));
        let mut b = Balance::default();
        b.chat.max_length = 0;
        assert!(b.validate().unwrap_err().contains("max_length"));
    }
}
