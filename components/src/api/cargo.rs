//! Cargo as every payload shows it (status, trades, salvage): a leaf the other API modules share.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Per-commodity amounts with the long names, in code order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
pub struct Cargo {
    pub fuel_ore: i64,
    pub organics: i64,
    pub equipment: i64,
}

impl From<[i64; 3]> for Cargo {
    fn from(v: [i64; 3]) -> Cargo {
        Cargo {
            fuel_ore: v[0],
            organics: v[1],
            equipment: v[2],
        }
    }
}
