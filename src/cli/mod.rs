//! The subcommands' arguments and the code that turns them into runs.

pub(crate) mod account;
pub(crate) mod serve;
pub(crate) mod sim;
pub(crate) mod sim_world;

use bang::server::{BalanceSource, WorldSource};
use std::path::PathBuf;

/// Whatever stops a command, shown as `bang: …` on standard error.
pub(crate) type CliError = Box<dyn std::error::Error>;

/// The balance file named, else ./world-data/balance.toml if present, else the built-in one.
pub(crate) fn balance_source(path: Option<PathBuf>) -> BalanceSource {
    match path {
        Some(p) => BalanceSource::File(p),
        None if PathBuf::from("world-data/balance.toml").exists() => {
            BalanceSource::File(PathBuf::from("world-data/balance.toml"))
        }
        None => BalanceSource::Bundled,
    }
}

/// The universe directory named, else ./world-data if it holds one, else the built-in universe.
pub(crate) fn world_source(dir: Option<PathBuf>) -> WorldSource {
    match dir {
        Some(dir) => WorldSource::Dir(dir),
        None if PathBuf::from("world-data/universe_structure.json").exists() => {
            WorldSource::Dir(PathBuf::from("world-data"))
        }
        None => WorldSource::Bundled,
    }
}
