//! Balance: every tunable number of the rules, loaded from a TOML file (`world-data/balance.toml`)
//! and validated at start. Defaults are the reference's values where it has one.

use bevy_ecs::prelude::Resource;
use serde::{Deserialize, Serialize};

#[derive(Resource, Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Balance {
    pub economy: EconomyBalance,
    pub chat: ChatBalance,
    pub combat: CombatBalance,
}

/// Combat constants (spec `combat.md` §14). The defaults are the reference's; the golden vectors
/// hold only with them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CombatBalance {
    /// Seconds a round stays open before missing actions become timed-out braces.
    pub round_timeout_secs: f64,
    /// Seconds a salvage container lasts.
    pub salvage_ttl_secs: f64,
    pub base_hit: f64,
    pub min_hit: f64,
    pub max_hit: f64,
    /// `p_hit -= target mitigation × this`.
    pub target_mitigation_factor: f64,
    /// `p_hit += attacker mitigation × this`.
    pub attacker_mitigation_bonus: f64,
    /// Mitigation per shield point.
    pub mitigation_per_shield: f64,
    pub mitigation_cap: f64,
    pub brace_mitigation_multiplier: f64,
    /// `shield_loss = ceil(defensive_losses × this)`.
    pub shield_ablation_factor: f64,
    /// Bracing multiplies the shield loss by this (then ceil).
    pub brace_ablation_multiplier: f64,
    pub flee_base: f64,
    /// Flee chance change per point of `turns_per_warp` difference (fleer − opponent).
    pub flee_step: f64,
    pub flee_min: f64,
    pub flee_max: f64,
    /// Offensive garrisons commit `max(1, min(F, max(offensive_commit_min, F / offensive_commit_divisor)))`.
    pub offensive_commit_min: i64,
    pub offensive_commit_divisor: i64,
    /// Defensive garrisons commit `max(1, min(F, max(defensive_commit_min, F / defensive_commit_divisor)))`.
    pub defensive_commit_min: i64,
    pub defensive_commit_divisor: i64,
    /// Scrap in a salvage container: `max(salvage_scrap_min, ship price / salvage_scrap_divisor)`.
    pub salvage_scrap_min: i64,
    pub salvage_scrap_divisor: i64,
    /// An unpaid toll demand keeps an all-brace round going only while a character that could
    /// settle it is in the fight: not the garrison's owner, and with fighters (the garrison can
    /// shoot it) or the credits to pay. `false` is the reference: any character with fighters,
    /// the owner included, holds it, so a penniless escape pod beside the owner is held forever.
    pub toll_hold_needs_means: bool,
}

impl Default for CombatBalance {
    fn default() -> Self {
        CombatBalance {
            round_timeout_secs: 15.0,
            salvage_ttl_secs: 900.0,
            base_hit: 0.5,
            min_hit: 0.15,
            max_hit: 0.85,
            target_mitigation_factor: 0.6,
            attacker_mitigation_bonus: 0.1,
            mitigation_per_shield: 0.0005,
            mitigation_cap: 0.5,
            brace_mitigation_multiplier: 1.2,
            shield_ablation_factor: 0.5,
            brace_ablation_multiplier: 0.8,
            flee_base: 0.5,
            flee_step: 0.1,
            flee_min: 0.2,
            flee_max: 0.9,
            offensive_commit_min: 50,
            offensive_commit_divisor: 2,
            defensive_commit_min: 25,
            defensive_commit_divisor: 4,
            salvage_scrap_min: 5,
            salvage_scrap_divisor: 1000,
            toll_hold_needs_means: true,
        }
    }
}

impl CombatBalance {
    fn validate(&self) -> Result<(), String> {
        let positive = [
            ("combat.round_timeout_secs", self.round_timeout_secs),
            ("combat.salvage_ttl_secs", self.salvage_ttl_secs),
        ];
        for (key, v) in positive {
            if !(v > 0.0 && v.is_finite() && v <= 86_400.0) {
                return Err(format!(
                    "{key} must be a positive number of seconds (at most a day)"
                ));
            }
        }
        let unit = [
            ("combat.base_hit", self.base_hit),
            ("combat.min_hit", self.min_hit),
            ("combat.max_hit", self.max_hit),
            ("combat.mitigation_cap", self.mitigation_cap),
            ("combat.shield_ablation_factor", self.shield_ablation_factor),
            (
                "combat.brace_ablation_multiplier",
                self.brace_ablation_multiplier,
            ),
            ("combat.flee_base", self.flee_base),
            ("combat.flee_min", self.flee_min),
            ("combat.flee_max", self.flee_max),
        ];
        for (key, v) in unit {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!("{key} must be between 0 and 1"));
            }
        }
        if self.min_hit > self.max_hit {
            return Err("combat.min_hit must not exceed combat.max_hit".into());
        }
        if self.flee_min > self.flee_max {
            return Err("combat.flee_min must not exceed combat.flee_max".into());
        }
        for (key, v) in [
            (
                "combat.target_mitigation_factor",
                self.target_mitigation_factor,
            ),
            (
                "combat.attacker_mitigation_bonus",
                self.attacker_mitigation_bonus,
            ),
            ("combat.mitigation_per_shield", self.mitigation_per_shield),
            (
                "combat.brace_mitigation_multiplier",
                self.brace_mitigation_multiplier,
            ),
            ("combat.flee_step", self.flee_step),
        ] {
            if !(v >= 0.0 && v.is_finite()) {
                return Err(format!("{key} must be zero or positive"));
            }
        }
        self.validate_counts()
    }

    /// The whole-number settings: divisors at least 1, minimums not negative.
    fn validate_counts(&self) -> Result<(), String> {
        for (key, v) in [
            (
                "combat.offensive_commit_divisor",
                self.offensive_commit_divisor,
            ),
            (
                "combat.defensive_commit_divisor",
                self.defensive_commit_divisor,
            ),
            ("combat.salvage_scrap_divisor", self.salvage_scrap_divisor),
        ] {
            if v < 1 {
                return Err(format!("{key} must be at least 1"));
            }
        }
        for (key, v) in [
            ("combat.offensive_commit_min", self.offensive_commit_min),
            ("combat.defensive_commit_min", self.defensive_commit_min),
            ("combat.salvage_scrap_min", self.salvage_scrap_min),
        ] {
            if v < 0 {
                return Err(format!("{key} must not be negative"));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
        self.combat.validate()
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
        let mut b = Balance::default();
        b.combat.round_timeout_secs = 0.0;
        assert!(b.validate().unwrap_err().contains("round_timeout_secs"));
        let mut b = Balance::default();
        b.combat.min_hit = 0.9;
        assert!(b.validate().unwrap_err().contains("min_hit"));
    }
}
